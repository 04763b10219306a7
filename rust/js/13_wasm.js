// WebAssembly memory is mapped by V8 outside the heap and outside the ArrayBuffer budget, so it
// is charged against the worker's memory limit here (`ops.wasmRoom`, `ops.chargeWasm`). A
// memory is charged, when it is created, at the size it can grow to, and that size is first
// limited to what the budget has room for: `new WebAssembly.Memory` gets a lower `maximum`, and
// a module's own memories get a lower maximum written into its memory section before V8
// compiles it. Growth past that fails as the spec allows (`grow` throws, `memory.grow` returns
// -1), so nothing a worker does maps more than its limit. Charges last for the worker's life.
//
// The constructors and `compile`/`instantiate` are replaced, and the prototypes' `constructor`
// with them, so the originals stay out of reach. V8 adds `WebAssembly` to a context after the
// snapshot is taken, so this runs per context: the worker calls `hooks.installWasm()`. Wrapping
// costs about 37 µs, which most workers would pay for nothing, so `installWasm` only turns the
// global into an accessor that wraps on first use and then becomes the plain property again;
// until then the original namespace is reachable through nothing but that accessor.
(function (ops, hooks) {
  "use strict";
  const { toBytes } = hooks.webidl;
  const { RangeError: RangeErrorClass, TypeError: TypeErrorClass, WeakMap: WeakMapClass, Uint8Array: Uint8ArrayClass } =
    globalThis;
  const { construct, ownKeys } = Reflect;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, setPrototypeOf } = Object;
  const PAGE = 65536;
  // Every memory's ceiling, as platform.rs tells V8 (--wasm-max-mem-pages).
  const CAP_PAGES = 2048;

  function roomPages() {
    return Math.floor(ops.wasmRoom() / PAGE);
  }

  function charge(pages) {
    if (pages > 0 && !ops.chargeWasm(pages * PAGE)) {
      throw new RangeErrorClass(`WebAssembly memory: ${(pages * PAGE) / 1048576} MiB more would exceed this worker's memory limit`);
    }
  }

  function readLeb(bytes, at) {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (at >= bytes.length) throw new RangeErrorClass("truncated");
      const b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return [value, at];
    }
    throw new RangeErrorClass("overlong");
  }

  function writeLeb(value, out) {
    do {
      const low = value % 128;
      value = Math.floor(value / 128);
      out.push(value > 0 ? low | 0x80 : low);
    } while (value > 0);
  }

  // `bytes` with the maximum of every memory the module defines (section 5) lowered to `room`
  // pages (and the cap), and the pages those memories can reach. Bytes this cannot read are
  // left to V8 to reject, counted as one memory at the cap.
  function limitMemories(bytes, room) {
    try {
      let at = 8;
      while (at < bytes.length) {
        const start = at;
        const id = bytes[at++];
        let size;
        [size, at] = readLeb(bytes, at);
        const end = at + size;
        if (id !== 5) {
          at = end;
          continue;
        }
        const content = [];
        let pages = 0;
        let count;
        [count, at] = readLeb(bytes, at);
        writeLeb(count, content);
        for (let i = 0; i < count; i++) {
          let flags, initial, maximum;
          [flags, at] = readLeb(bytes, at);
          [initial, at] = readLeb(bytes, at);
          if (flags & 1) [maximum, at] = readLeb(bytes, at);
          const limited = Math.max(initial, Math.min(flags & 1 ? maximum : CAP_PAGES, CAP_PAGES, room));
          writeLeb(flags | 1, content);
          writeLeb(initial, content);
          writeLeb(limited, content);
          pages += limited;
        }
        if (at !== end) throw new RangeErrorClass("memory section size");
        const header = [5];
        writeLeb(content.length, header);
        const out = new Uint8ArrayClass(bytes.length - (end - start) + header.length + content.length);
        out.set(bytes.subarray(0, start), 0);
        out.set(header, start);
        out.set(content, start + header.length);
        out.set(bytes.subarray(end), start + header.length + content.length);
        return { bytes: out, pages };
      }
      return { bytes, pages: 0 };
    } catch {
      return { bytes, pages: CAP_PAGES };
    }
  }

  hooks.installWasm = () => {
    const WA = globalThis.WebAssembly;
    let newModule = null;
    const ready = () => {
      newModule ??= wrap(WA);
      return WA;
    };
    const plain = (value) =>
      defineProperty(globalThis, "WebAssembly", { value, writable: true, configurable: true, enumerable: false });
    defineProperty(globalThis, "WebAssembly", {
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
    // The `wasm` module type compiles through the wrapper too, so its memories are limited alike.
    hooks.wasmModule = (bytes) => {
      ready();
      return newModule(bytes);
    };
  };

  // Replaces WA's constructors, compile and instantiate; returns how to make a Module from bytes.
  function wrap(WA) {
    const { Memory, Module, Instance } = WA;
    const definedPages = new WeakMapClass();

    function pagesOf(module) {
      return definedPages.has(module) ? definedPages.get(module) : CAP_PAGES;
    }

    function prepare(source, what) {
      return limitMemories(toBytes(source, what).slice(), roomPages());
    }

    function WebAssemblyMemory(descriptor) {
      if (new.target === undefined) throw new TypeErrorClass("WebAssembly.Memory must be called with new");
      if (descriptor === null || typeof descriptor !== "object") {
        throw new TypeErrorClass("WebAssembly.Memory: the descriptor must be an object");
      }
      // Each field is read once, so a getter cannot show one size here and another to V8.
      const clean = { initial: descriptor.initial };
      const maximum = descriptor.maximum;
      const shared = descriptor.shared;
      if (shared !== undefined) clean.shared = shared;
      const initial = Number(clean.initial);
      const ceiling = Math.min(maximum === undefined ? CAP_PAGES : Number(maximum), CAP_PAGES);
      const limited = Math.min(ceiling, roomPages());
      if (initial <= limited) {
        clean.maximum = limited;
        charge(limited);
      } else {
        // Too big for the room left: the charge refuses it. Otherwise the descriptor is invalid
        // (initial above maximum or the cap, or not a number) and V8 rejects it, uncharged.
        if (initial <= ceiling) charge(Math.ceil(initial));
        clean.maximum = maximum;
      }
      return construct(Memory, [clean], new.target);
    }

    function WebAssemblyModule(source) {
      if (new.target === undefined) throw new TypeErrorClass("WebAssembly.Module must be called with new");
      const { bytes, pages } = prepare(source, "WebAssembly.Module");
      const module = construct(Module, [bytes], new.target);
      definedPages.set(module, pages);
      return module;
    }

    function WebAssemblyInstance(module, imports) {
      if (new.target === undefined) throw new TypeErrorClass("WebAssembly.Instance must be called with new");
      charge(pagesOf(module));
      return construct(Instance, [module, imports], new.target);
    }

    // V8's own compile/instantiate finish in platform tasks this runtime's event loop does not
    // run, so their promises would never settle; compiling on the worker's thread instead also
    // charges the compile to the worker's CPU limit.
    async function compile(source) {
      return new WebAssemblyModule(source);
    }

    async function instantiate(source, imports) {
      if (source instanceof Module) return new WebAssemblyInstance(source, imports);
      const module = new WebAssemblyModule(source);
      return { module, instance: new WebAssemblyInstance(module, imports) };
    }

    for (const [name, wrapper, original] of [
      ["Memory", WebAssemblyMemory, Memory],
      ["Module", WebAssemblyModule, Module],
      ["Instance", WebAssemblyInstance, Instance],
    ]) {
      wrapper.prototype = original.prototype;
      defineProperty(original.prototype, "constructor", { value: wrapper, writable: true, configurable: true });
      setPrototypeOf(wrapper, getPrototypeOf(original));
      for (const key of ownKeys(original)) {
        if (!["length", "name", "prototype", "arguments", "caller"].includes(key)) {
          defineProperty(wrapper, key, getOwnPropertyDescriptor(original, key));
        }
      }
      defineProperty(wrapper, "name", { value: name });
      defineProperty(WA, name, { value: wrapper, writable: true, configurable: true, enumerable: false });
    }
    defineProperty(WA, "compile", { value: compile, writable: true, configurable: true, enumerable: false });
    defineProperty(WA, "instantiate", { value: instantiate, writable: true, configurable: true, enumerable: false });
    delete WA.compileStreaming;
    delete WA.instantiateStreaming;
    return (bytes) => new WebAssemblyModule(bytes);
  }
});
