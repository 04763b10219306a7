// node:process: the parts of Node's `process` that make sense in a worker, as workerd offers
// them: an empty env, nextTick on the microtask queue, a fixed platform, hrtime from the
// runtime's clock. No process can be left: exit throws.
(function (ops, hooks) {
  "use strict";
  const {
    BigInt, Error, MathFloor, ObjectDefineProperty, ObjectKeys, ReflectApply,
  } = hooks.primordials;
  const { coded, invalidArgType, validateFunction } = hooks.node;
  const EventEmitter = hooks["node:events"];

  function nextTick(callback, ...args) {
    validateFunction(callback, "callback");
    ops.enqueueMicrotask(() => ReflectApply(callback, undefined, args));
  }

  // Nanoseconds on the runtime's clock (performance.now's), which does not go backwards.
  function nanoseconds() {
    return ops.now() * 1e6;
  }

  function hrtime(previous) {
    const now = nanoseconds();
    let seconds = MathFloor(now / 1e9);
    let nanos = MathFloor(now - seconds * 1e9);
    if (previous !== undefined) {
      if (previous === null || typeof previous !== "object" || previous.length !== 2) {
        throw invalidArgType("time", "an instance of Array", previous);
      }
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds--;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  }
  ObjectDefineProperty(hrtime, "bigint", {
    __proto__: null, value: () => BigInt(MathFloor(nanoseconds())), writable: true, enumerable: true, configurable: true,
  });

  function emitWarning(warning, type = undefined, code = undefined) {
    const text = typeof warning === "string" ? warning : `${warning?.message}`;
    const name = typeof type === "string" ? type : type?.type ?? "Warning";
    const console = hooks.global("console");
    ReflectApply(console.warn, console, [`(node) ${code ? `[${code}] ` : ""}${name}: ${text}`]);
  }

  function exit(code) {
    throw coded(Error, "ERR_METHOD_NOT_IMPLEMENTED", `process.exit(${code ?? ""}) is not available in a worker`);
  }

  const process = new EventEmitter();
  const values = {
    __proto__: null,
    title: "workerbox",
    version: "v22.0.0",
    versions: { node: "22.0.0" },
    platform: "linux",
    arch: "x64",
    release: { name: "node" },
    pid: 1,
    ppid: 0,
    argv: [],
    execArgv: [],
    argv0: "node",
    execPath: "/usr/bin/node",
    exitCode: undefined,
    env: {},
    features: {},
    nextTick,
    hrtime,
    emitWarning,
    exit,
    abort: exit,
    cwd: () => "/",
    chdir: () => {
      throw coded(Error, "ERR_METHOD_NOT_IMPLEMENTED", "process.chdir is not available in a worker");
    },
    umask: () => 0o22,
    uptime: () => ops.now() / 1000,
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
  };
  const names = ObjectKeys(values);
  for (let i = 0; i < names.length; i++) {
    ObjectDefineProperty(process, names[i], {
      __proto__: null, value: values[names[i]], writable: true, enumerable: true, configurable: true,
    });
  }
  hooks["node:process"] = process;
});
