// WebAssembly memory is charged to the worker's memory limit by Rust (rust/ops/wasm.rs): this
// file only routes the sandbox's values to `ops.wasmMemoryDescriptor`, `ops.wasmCompile` and
// `ops.wasmChargeInstance`, which read each number once, lower maximums to the room left,
// charge, and throw RangeError past the budget. No size or charge is computed here, so nothing
// the tenant replaces (`Math`, `Number`, a `valueOf` that changes between reads) can shape one.
//
// The constructors and `compile`/`instantiate` are replaced, and the prototypes' `constructor`
// with them, so the originals stay out of reach. V8 adds `WebAssembly` to a context after the
// snapshot is taken, so this runs per context: the worker calls `hooks.installWasm()`. Wrapping
// costs about 37 µs, which most workers would pay for nothing, so `installWasm` only turns the
// global into an accessor that wraps on first use and then becomes the plain property again;
// until then the original namespace is reachable through nothing but that accessor.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayPrototypeIncludes, ObjectDefineProperty, ObjectGetPrototypeOf, SafeGetOwnPropertyDescriptor,
    ObjectSetPrototypeOf, ReflectConstruct, ReflectOwnKeys, TypeError, globalThis,
  } = hooks.primordials;

  hooks.installWasm = () => {
    const WA = globalThis.WebAssembly;
    let wrapped = false;
    const ready = () => {
      if (!wrapped) wrap(WA);
      wrapped = true;
      return WA;
    };
    const plain = (value) =>
      ObjectDefineProperty(globalThis, "WebAssembly", { __proto__: null, value, writable: true, configurable: true, enumerable: false });
    ObjectDefineProperty(globalThis, "WebAssembly", {
      __proto__: null,
      get() {
        plain(ready());
        return WA;
      },
      set(value) {
        plain(value);
      },
      configurable: true,
      enumerable: false,
    });
    // The `wasm` module type compiles through the same op, so its memories are limited alike.
    hooks.wasmModule = (bytes) => {
      ready();
      return ops.wasmCompile(bytes);
    };
  };

  // An object made by a subclass's constructor gets the subclass's prototype, as
  // Reflect.construct would give it (GetPrototypeFromConstructor).
  function adopt(object, newTarget, base) {
    if (newTarget === base) return object;
    const proto = newTarget.prototype;
    if (proto !== null && (typeof proto === "object" || typeof proto === "function")) ObjectSetPrototypeOf(object, proto);
    return object;
  }

  // Replaces WA's constructors, compile and instantiate.
  function wrap(WA) {
    const { Memory, Module, Instance } = WA;

    // Each field is read once, here, and handed to Rust as is.
    function WebAssemblyMemory(descriptor) {
      if (new.target === undefined) throw new TypeError("WebAssembly.Memory must be called with new");
      if (descriptor === null || typeof descriptor !== "object") {
        throw new TypeError("WebAssembly.Memory: the descriptor must be an object");
      }
      const initial = descriptor.initial;
      const maximum = descriptor.maximum;
      const shared = descriptor.shared;
      return ReflectConstruct(Memory, [ops.wasmMemoryDescriptor(initial, maximum, shared)], new.target);
    }

    function WebAssemblyModule(source) {
      if (new.target === undefined) throw new TypeError("WebAssembly.Module must be called with new");
      return adopt(ops.wasmCompile(source), new.target, WebAssemblyModule);
    }

    function WebAssemblyInstance(module, imports) {
      if (new.target === undefined) throw new TypeError("WebAssembly.Instance must be called with new");
      ops.wasmChargeInstance(module);
      return ReflectConstruct(Instance, [module, imports], new.target);
    }

    // V8's own compile/instantiate finish in platform tasks this runtime's event loop does not
    // run, so their promises would never settle; compiling on the worker's thread instead also
    // charges the compile to the worker's CPU limit.
    async function compile(source) {
      return ops.wasmCompile(source);
    }

    async function instantiate(source, imports) {
      if (isModule(source)) return new WebAssemblyInstance(source, imports);
      const module = ops.wasmCompile(source);
      return { module, instance: new WebAssemblyInstance(module, imports) };
    }

    // Module's own getter-free brand check: `exports` throws for anything but a module.
    const moduleExports = Module.exports;
    function isModule(value) {
      try {
        moduleExports(value);
        return true;
      } catch {
        return false;
      }
    }

    const skipped = ["length", "name", "prototype", "arguments", "caller"];
    const replaced = [["Memory", WebAssemblyMemory, Memory], ["Module", WebAssemblyModule, Module], ["Instance", WebAssemblyInstance, Instance]];
    for (let i = 0; i < replaced.length; i++) {
      const name = replaced[i][0];
      const wrapper = replaced[i][1];
      const original = replaced[i][2];
      wrapper.prototype = original.prototype;
      ObjectDefineProperty(original.prototype, "constructor", { __proto__: null, value: wrapper, writable: true, configurable: true });
      ObjectSetPrototypeOf(wrapper, ObjectGetPrototypeOf(original));
      const keys = ReflectOwnKeys(original);
      for (let k = 0; k < keys.length; k++) {
        if (!ArrayPrototypeIncludes(skipped, keys[k])) ObjectDefineProperty(wrapper, keys[k], SafeGetOwnPropertyDescriptor(original, keys[k]));
      }
      ObjectDefineProperty(wrapper, "name", { __proto__: null, value: name });
      ObjectDefineProperty(WA, name, { __proto__: null, value: wrapper, writable: true, configurable: true, enumerable: false });
    }
    ObjectDefineProperty(WA, "compile", { __proto__: null, value: compile, writable: true, configurable: true, enumerable: false });
    ObjectDefineProperty(WA, "instantiate", { __proto__: null, value: instantiate, writable: true, configurable: true, enumerable: false });
    delete WA.compileStreaming;
    delete WA.instantiateStreaming;
  }
});
