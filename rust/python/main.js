// The main module of every Python worker: restores Pyodide from the process's baseline, hands
// the tenant's files to the prelude (`_workerbox.start`), and exports each Python function it
// lists as a method. Everything here runs before the tenant's Python; what the guest can reach
// afterwards (this module's objects through `js`) is its own sandbox's, and no limit is
// decided here.
import { bootFailed, unshim } from "workerbox:python/shim.js";
import { loadPyodide } from "workerbox:python/pyodide.mjs";
import createPyodideModule from "workerbox:python/pyodide.asm.mjs";
import lock from "workerbox:python/pyodide-lock.json";
import native from "workerbox:python/native";
import app from "workerbox:python/app";

class PythonError extends Error {
  get name() {
    return "PythonError";
  }
}

// Pyodide cannot run again after this (its fatal error, exit, abort); the engine closes the
// worker when it sees the name.
class PythonFatalError extends Error {
  get name() {
    return "PythonFatalError";
  }
}

function refused() {
  throw new Error("PermissionError: package loading is disabled in workerbox");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Pyodide gets the baseline's header only; its restore step then copies the heap image natively
// (ops/python.rs) instead of from a buffer of the whole image.
async function createRestoring(settings) {
  const module = await createPyodideModule(settings);
  const api = module.API;
  api.restoreSnapshot = function (header) {
    const restored = restoreFromHeader(header);
    native.restore(module.HEAP8.buffer);
    return restored;
  };
  return module;
}

// What Pyodide's own restore returns: the header's JSON (its JavaScript references).
function restoreFromHeader(header) {
  const words = new Uint32Array(header.buffer, header.byteOffset, 4);
  const json = header.subarray(48, 48 + words[2]);
  return JSON.parse(new TextDecoder().decode(json));
}

const py = await Promise.race([bootFailed, loadPyodide({
  indexURL: "./",
  lockFileContents: JSON.parse(lock),
  createPyodideModule: createRestoring,
  _loadSnapshot: native.header(),
  stdout: (s) => console.log(s),
  stderr: (s) => console.error(s),
})]);
unshim();
for (const name of ["loadPackage", "loadPackagesFromImports"]) {
  py[name] = refused;
  if (py._api) py._api[name] = refused;
}

// Pyodide reports a broken interpreter through API.fatal_error, and a call suspended in it
// then never settles: each call races this.
let fatal;
const broken = new Promise((_, reject) => {
  fatal = reject;
});
broken.catch(() => {});
const api = py._api;
const reportFatal = api.fatal_error;
api.fatal_error = function (e) {
  fatal(e);
  return reportFatal.call(this, e);
};

const prelude = py.pyimport("_workerbox");
const started = prelude.start(app, sleep);

function raise(error) {
  const e = new PythonError(`${error.type}: ${error.message}`);
  e.stack = `PythonError: ${error.type}: ${error.message}\n${error.traceback}`;
  throw e;
}

if (started.error) raise(started.error);
const call = prelude.call;

// One entrypoint's methods: each calls into Python with `(...args, env, ctx)` as Workers hands
// an object export's methods.
function methods(names, entrypoint) {
  const object = {};
  for (const name of names) {
    object[name] = async function (...args) {
      const ctx = args.pop();
      const env = args.pop();
      let result;
      try {
        result = await Promise.race([broken, call.callPromising(entrypoint, name, args, env, ctx)]);
      } catch (e) {
        // `call` answers every Python exception itself; what escapes it broke the interpreter.
        throw new PythonFatalError(String(e && e.message ? e.message : e));
      }
      if (result.error) raise(result.error);
      return result.ok;
    };
  }
  return object;
}

/** The WorkerEntrypoint classes by name (`get_entrypoint("Name")`; see isolate/entry.rs). */
export const entrypoints = Object.create(null);
for (const [name, names] of Object.entries(started.classes)) entrypoints[name] = methods(names, name);
export default methods(started.methods, undefined);
