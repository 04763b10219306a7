// node:events: Node's EventEmitter (listeners by event name, once, prepend, the 'error' rule that
// an unheard error throws) and its helpers `once` and `on`. The module's default export is the
// class itself, with the helpers as statics, as in Node.
(function (ops, hooks) {
  "use strict";
  const {
    Error, ObjectDefineProperty, ObjectGetPrototypeOf, PromiseReject, PromiseWithResolvers, ReflectApply, ReflectOwnKeys, SafeArrayPush, SafeArrayRemoveAt,
    SafeArraySlice, SafeGetOwnPropertyDescriptor, Symbol, SymbolAsyncIterator, SymbolFor, instanceOf,
  } = hooks.primordials;
  const { coded, invalidArgType, validateFunction, validateNumber } = hooks.node;

  const errorMonitor = Symbol("events.errorMonitor");
  let defaultMaxListeners = 10;

  // Defined, not assigned: assignment would run a setter the tenant put on a prototype. Statics
  // are enumerable, as Node's assigned ones are: the module's named exports are those.
  function method(target, name, value, enumerable = false) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable, configurable: true });
  }

  function EventEmitter(options) {
    ReflectApply(init, this, [options]);
  }

  function events(emitter) {
    if (emitter._events === undefined || emitter._events === null) {
      emitter._events = { __proto__: null };
      emitter._eventsCount = 0;
    }
    return emitter._events;
  }

  function init() {
    if (this._events === undefined || this._events === ObjectGetPrototypeOf(this)?._events) {
      this._events = { __proto__: null };
      this._eventsCount = 0;
    }
    this._maxListeners = this._maxListeners || undefined;
  }
  method(EventEmitter, "init", init, true);

  function addListener(emitter, type, listener, prepend) {
    validateFunction(listener, "listener");
    const all = events(emitter);
    if (all.newListener !== undefined) {
      emitter.emit("newListener", type, original(listener));
    }
    const list = all[type];
    if (list === undefined) {
      all[type] = [listener];
      emitter._eventsCount++;
    } else if (prepend) {
      SafeArrayPush(list, listener);
      for (let i = list.length - 1; i > 0; i--) list[i] = list[i - 1];
      list[0] = listener;
    } else {
      SafeArrayPush(list, listener);
    }
    return emitter;
  }

  // The listener a once() wrapper stands for (its own `listener`, never one inherited), or the
  // function itself.
  function original(fn) {
    const desc = SafeGetOwnPropertyDescriptor(fn, "listener");
    return desc !== undefined && typeof desc.value === "function" ? desc.value : fn;
  }

  function onceWrapper(emitter, type, listener) {
    const state = { __proto__: null, fired: false };
    function wrapped(...args) {
      if (state.fired) return undefined;
      state.fired = true;
      emitter.removeListener(type, wrapped);
      return ReflectApply(listener, emitter, args);
    }
    ObjectDefineProperty(wrapped, "listener", { __proto__: null, value: listener, writable: true, enumerable: true, configurable: true });
    return wrapped;
  }

  const proto = EventEmitter.prototype;
  method(proto, "_events", undefined);
  method(proto, "_eventsCount", 0);
  method(proto, "_maxListeners", undefined);

  method(proto, "addListener", function addListenerMethod(type, listener) {
    return addListener(this, type, listener, false);
  });
  method(proto, "on", proto.addListener);
  method(proto, "prependListener", function prependListener(type, listener) {
    return addListener(this, type, listener, true);
  });
  method(proto, "once", function once(type, listener) {
    validateFunction(listener, "listener");
    return addListener(this, type, onceWrapper(this, type, listener), false);
  });
  method(proto, "prependOnceListener", function prependOnceListener(type, listener) {
    validateFunction(listener, "listener");
    return addListener(this, type, onceWrapper(this, type, listener), true);
  });

  method(proto, "removeListener", function removeListener(type, listener) {
    validateFunction(listener, "listener");
    const all = events(this);
    const list = all[type];
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || original(list[i]) === listener) {
        SafeArrayRemoveAt(list, i);
        if (list.length === 0) {
          delete all[type];
          this._eventsCount--;
        }
        if (all.removeListener !== undefined) this.emit("removeListener", type, listener);
        break;
      }
    }
    return this;
  });
  method(proto, "off", proto.removeListener);

  method(proto, "removeAllListeners", function removeAllListeners(type) {
    const all = events(this);
    if (arguments.length === 0) {
      const names = ReflectOwnKeys(all);
      for (let i = 0; i < names.length; i++) if (names[i] !== "removeListener") this.removeAllListeners(names[i]);
      this._events = { __proto__: null };
      this._eventsCount = 0;
      return this;
    }
    const list = all[type];
    if (list === undefined) return this;
    if (all.removeListener !== undefined && type !== "removeListener") {
      for (let i = list.length - 1; i >= 0; i--) this.removeListener(type, list[i]);
    } else {
      delete all[type];
      this._eventsCount--;
    }
    return this;
  });

  method(proto, "emit", function emit(type, ...args) {
    const all = events(this);
    if (type === "error" && all[errorMonitor] !== undefined) {
      const monitors = SafeArraySlice(all[errorMonitor]);
      for (let i = 0; i < monitors.length; i++) ReflectApply(monitors[i], this, args);
    }
    const list = all[type];
    if (list === undefined) {
      if (type !== "error") return false;
      const error = args[0];
      if (instanceOf(error, Error)) throw error;
      throw coded(Error, "ERR_UNHANDLED_ERROR", `Unhandled error. (${describe(error)})`);
    }
    // A lone listener needs no copy to be safe from listeners added or removed while it runs.
    if (list.length === 1) {
      ReflectApply(list[0], this, args);
      return true;
    }
    const snapshot = SafeArraySlice(list);
    for (let i = 0; i < snapshot.length; i++) ReflectApply(snapshot[i], this, args);
    return true;
  });

  function describe(value) {
    try {
      return typeof value === "string" ? `'${value}'` : `${value}`;
    } catch {
      return typeof value;
    }
  }

  function listenersOf(emitter, type, unwrap) {
    const list = events(emitter)[type];
    if (list === undefined) return [];
    const out = [];
    for (let i = 0; i < list.length; i++) SafeArrayPush(out, unwrap ? original(list[i]) : list[i]);
    return out;
  }

  method(proto, "listeners", function listeners(type) {
    return listenersOf(this, type, true);
  });
  method(proto, "rawListeners", function rawListeners(type) {
    return listenersOf(this, type, false);
  });
  method(proto, "listenerCount", function listenerCount(type, listener) {
    const list = events(this)[type];
    if (list === undefined) return 0;
    if (listener === undefined) return list.length;
    let count = 0;
    for (let i = 0; i < list.length; i++) if (list[i] === listener || original(list[i]) === listener) count++;
    return count;
  });
  method(proto, "eventNames", function eventNames() {
    return this._eventsCount > 0 ? ReflectOwnKeys(events(this)) : [];
  });
  method(proto, "setMaxListeners", function setMaxListeners(n) {
    validateNumber(n, "n", 0);
    this._maxListeners = n;
    return this;
  });
  method(proto, "getMaxListeners", function getMaxListeners() {
    return this._maxListeners === undefined ? defaultMaxListeners : this._maxListeners;
  });

  // --- statics ---------------------------------------------------------------------------------

  function isEventTarget(value) {
    return value !== null && typeof value === "object" && typeof value.addEventListener === "function";
  }

  function once(emitter, name, options = undefined) {
    const { promise, resolve, reject } = PromiseWithResolvers();
    const signal = options?.signal;
    if (signal?.aborted) {
      reject(abortError(signal));
      return promise;
    }
    if (isEventTarget(emitter) && typeof emitter.on !== "function") {
      emitter.addEventListener(name, (event) => resolve([event]), { once: true });
      return promise;
    }
    const onError = (error) => {
      emitter.removeListener(name, onEvent);
      reject(error);
    };
    function onEvent(...args) {
      if (name !== "error") emitter.removeListener("error", onError);
      resolve(args);
    }
    emitter.once(name, onEvent);
    if (name !== "error") emitter.once("error", onError);
    signal?.addEventListener("abort", () => {
      emitter.removeListener(name, onEvent);
      emitter.removeListener("error", onError);
      reject(abortError(signal));
    }, { once: true });
    return promise;
  }

  function abortError(signal) {
    const error = hooks.node.coded(Error, "ABORT_ERR", "The operation was aborted");
    ObjectDefineProperty(error, "name", { __proto__: null, value: "AbortError", writable: true, configurable: true });
    ObjectDefineProperty(error, "cause", { __proto__: null, value: signal.reason, writable: true, configurable: true });
    return error;
  }

  // `for await (const args of on(emitter, name))`: each emit's arguments, in order; an 'error'
  // event rejects the next read and ends the iteration.
  function on(emitter, name) {
    const queue = [];
    const waiting = [];
    const state = { __proto__: null, error: undefined, done: false };
    const settleNext = (step, failed) => {
      if (waiting.length > 0) {
        const reader = waiting[0];
        SafeArrayRemoveAt(waiting, 0);
        if (failed) reader.reject(step);
        else reader.resolve(step);
        return true;
      }
      return false;
    };
    const onEvent = (...args) => {
      if (!settleNext({ value: args, done: false }, false)) SafeArrayPush(queue, args);
    };
    const onError = (error) => {
      stop();
      if (!settleNext(error, true)) state.error = error;
    };
    function stop() {
      state.done = true;
      emitter.removeListener(name, onEvent);
      emitter.removeListener("error", onError);
      while (settleNext({ value: undefined, done: true }, false));
    }
    emitter.on(name, onEvent);
    if (name !== "error") emitter.on("error", onError);
    const iterator = {
      next() {
        if (queue.length > 0) {
          const value = queue[0];
          SafeArrayRemoveAt(queue, 0);
          return PromiseResolveValue({ value, done: false });
        }
        if (state.error !== undefined) {
          const error = state.error;
          state.error = undefined;
          return PromiseReject(error);
        }
        if (state.done) return PromiseResolveValue({ value: undefined, done: true });
        const capability = PromiseWithResolvers();
        SafeArrayPush(waiting, capability);
        return capability.promise;
      },
      return() {
        stop();
        return PromiseResolveValue({ value: undefined, done: true });
      },
      throw(error) {
        stop();
        return PromiseReject(error);
      },
      [SymbolAsyncIterator]() {
        return this;
      },
    };
    return iterator;
  }
  const PromiseResolveValue = (value) => {
    const { promise, resolve } = PromiseWithResolvers();
    resolve(value);
    return promise;
  };

  function getEventListeners(emitter, name) {
    if (typeof emitter.listeners === "function") return emitter.listeners(name);
    throw invalidArgType("emitter", "an instance of EventEmitter or EventTarget", emitter);
  }

  method(EventEmitter, "EventEmitter", EventEmitter, true);
  method(EventEmitter, "once", once, true);
  method(EventEmitter, "on", on, true);
  method(EventEmitter, "getEventListeners", getEventListeners, true);
  method(EventEmitter, "errorMonitor", errorMonitor, true);
  method(EventEmitter, "captureRejectionSymbol", SymbolFor("nodejs.rejection"), true);
  method(EventEmitter, "listenerCount", (emitter, type) => emitter.listenerCount(type), true);
  method(EventEmitter, "setMaxListeners", (n = defaultMaxListeners, ...targets) => {
    validateNumber(n, "n", 0);
    if (targets.length === 0) defaultMaxListeners = n;
    for (let i = 0; i < targets.length; i++) targets[i].setMaxListeners?.(n);
  }, true);
  ObjectDefineProperty(EventEmitter, "defaultMaxListeners", {
    __proto__: null,
    enumerable: true,
    get: () => defaultMaxListeners,
    set: (n) => {
      validateNumber(n, "defaultMaxListeners", 0);
      defaultMaxListeners = n;
    },
  });
  hooks["node:events"] = EventEmitter;
});
