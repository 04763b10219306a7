// node:async_hooks: AsyncLocalStorage and AsyncResource. The current stores live in one frame
// (a map from storage to store, never changed once made) that V8 carries along promise
// continuations (ops.asyncContextGet/Set), so `await` and `then` callbacks see the stores of
// the code that started them; timers (02_timers.js) keep the frame of their setTimeout.
// createHook and the async ids exist for code that probes them, and do nothing.
(function (ops, hooks) {
  "use strict";
  const { MapPrototypeForEach, ObjectDefineProperty, ObjectFreeze, ReflectApply, SafeMap } = hooks.primordials;
  const { validateFunction } = hooks.node;

  function currentFrame() {
    const frame = ops.asyncContextGet();
    return hooks.primordials.instanceOf(frame, SafeMap) ? frame : undefined;
  }

  // A new frame: the current one with `storage` set to `store` (or removed, when `remove`).
  function frameWith(storage, store, remove) {
    const next = new SafeMap();
    const frame = currentFrame();
    if (frame !== undefined) MapPrototypeForEach(frame, (value, key) => next.set(key, value));
    if (remove) next.delete(storage);
    else next.set(storage, store);
    return next;
  }

  function runIn(frame, fn, thisArg, args) {
    const previous = ops.asyncContextGet();
    ops.asyncContextSet(frame);
    try {
      return ReflectApply(fn, thisArg, args);
    } finally {
      ops.asyncContextSet(previous);
    }
  }

  class AsyncLocalStorage {
    run(store, callback, ...args) {
      validateFunction(callback, "callback");
      return runIn(frameWith(this, store, false), callback, undefined, args);
    }

    exit(callback, ...args) {
      validateFunction(callback, "callback");
      return runIn(frameWith(this, undefined, true), callback, undefined, args);
    }

    getStore() {
      return currentFrame()?.get(this);
    }

    enterWith(store) {
      ops.asyncContextSet(frameWith(this, store, false));
    }

    disable() {
      ops.asyncContextSet(frameWith(this, undefined, true));
    }

    static bind(fn) {
      validateFunction(fn, "fn");
      const frame = ops.asyncContextGet();
      return function bound(...args) {
        return runIn(frame, fn, this, args);
      };
    }

    static snapshot() {
      const frame = ops.asyncContextGet();
      return function runInSnapshot(fn, ...args) {
        validateFunction(fn, "fn");
        return runIn(frame, fn, undefined, args);
      };
    }
  }

  function bindTo(frame, fn, thisArg) {
    validateFunction(fn, "fn");
    return function bound(...args) {
      return runIn(frame, fn, thisArg === undefined ? this : thisArg, args);
    };
  }

  class AsyncResource {
    #frame = ops.asyncContextGet();

    constructor(type = undefined, options = undefined) {
      ObjectDefineProperty(this, "type", { __proto__: null, value: type, writable: true, enumerable: true, configurable: true });
    }

    runInAsyncScope(fn, thisArg, ...args) {
      validateFunction(fn, "fn");
      return runIn(this.#frame, fn, thisArg, args);
    }

    bind(fn, thisArg = undefined) {
      return bindTo(this.#frame, fn, thisArg);
    }

    emitDestroy() {
      return this;
    }

    asyncId() {
      return 0;
    }

    triggerAsyncId() {
      return 0;
    }

    static bind(fn, type = undefined, thisArg = undefined) {
      return bindTo(ops.asyncContextGet(), fn, thisArg);
    }
  }

  function createHook() {
    const hook = { enable: () => hook, disable: () => hook };
    return hook;
  }

  hooks["node:async_hooks"] = ObjectFreeze({
    AsyncLocalStorage, AsyncResource, createHook,
    executionAsyncId: () => 0,
    triggerAsyncId: () => 0,
    executionAsyncResource: () => ({}),
  });
});
