// Event, CustomEvent, EventTarget, AbortController and AbortSignal.
//
// There is no DOM tree: an event reaches only its target, capture listeners first. Listener
// exceptions are reported through hooks.reportError and never escape dispatchEvent.
(function (ops, hooks) {
  "use strict";
  const { exposeClass } = hooks.webidl;
  const reportError = (error) => hooks.reportError(error);
  // Captured now, before user code can replace the globals.
  const DOMException = hooks.global("DOMException");
  const setTimeout = hooks.global("setTimeout");
  const {
    ArrayPrototypeIndexOf, Boolean, MathTrunc, Number, NumberIsFinite, NumberMAX_SAFE_INTEGER, ObjectDefineProperty,
    ReflectApply, SafeArrayFilter, SafeArrayFind, SafeArrayFrom, SafeArrayPush, SafeArrayRemoveAt, SafeArraySlice,
    SafeMap, SafeSet, SafeWeakMap, SetPrototypeForEach, Symbol, TypeError,
  } = hooks.primordials;

  const NONE = 0;
  const AT_TARGET = 2;

  function dictionary(value, what) {
    if (value === undefined || value === null) return { __proto__: null };
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what}: options must be an object`);
    return value;
  }

  function requireArgument(args, what) {
    if (args.length === 0) throw new TypeError(`${what}: 1 argument required, but only 0 present`);
  }

  // Event state lives here rather than in private fields so that dispatch can write it.
  const eventState = new SafeWeakMap();

  function stateOf(event) {
    const state = eventState.get(event);
    if (state === undefined) throw new TypeError("Illegal invocation: not an Event");
    return state;
  }

  function cancel(event) {
    const state = stateOf(event);
    if (state.cancelable && !state.inPassiveListener) state.canceled = true;
  }

  class Event {
    constructor(type, eventInitDict = undefined) {
      requireArgument(arguments, "Event");
      const init = dictionary(eventInitDict, "Event");
      eventState.set(this, {
        __proto__: null,
        type: `${type}`,
        bubbles: Boolean(init.bubbles),
        cancelable: Boolean(init.cancelable),
        composed: Boolean(init.composed),
        timeStamp: ops.now(),
        target: null,
        currentTarget: null,
        phase: NONE,
        canceled: false,
        stop: false,
        stopImmediate: false,
        dispatching: false,
        inPassiveListener: false,
        trusted: false,
      });
    }

    get type() {
      return stateOf(this).type;
    }

    get target() {
      return stateOf(this).target;
    }

    get srcElement() {
      return stateOf(this).target;
    }

    get currentTarget() {
      return stateOf(this).currentTarget;
    }

    composedPath() {
      const state = stateOf(this);
      return state.currentTarget === null ? [] : [state.currentTarget];
    }

    get eventPhase() {
      return stateOf(this).phase;
    }

    stopPropagation() {
      stateOf(this).stop = true;
    }

    get cancelBubble() {
      return stateOf(this).stop;
    }

    set cancelBubble(value) {
      if (value) stateOf(this).stop = true;
    }

    stopImmediatePropagation() {
      const state = stateOf(this);
      state.stop = true;
      state.stopImmediate = true;
    }

    get bubbles() {
      return stateOf(this).bubbles;
    }

    get cancelable() {
      return stateOf(this).cancelable;
    }

    get composed() {
      return stateOf(this).composed;
    }

    get returnValue() {
      return !stateOf(this).canceled;
    }

    set returnValue(value) {
      if (!value) cancel(this);
    }

    preventDefault() {
      cancel(this);
    }

    get defaultPrevented() {
      return stateOf(this).canceled;
    }

    get isTrusted() {
      return stateOf(this).trusted;
    }

    get timeStamp() {
      return stateOf(this).timeStamp;
    }
  }

  const phases = ["NONE", "CAPTURING_PHASE", "AT_TARGET", "BUBBLING_PHASE"];
  for (let value = 0; value < phases.length; value++) {
    ObjectDefineProperty(Event, phases[value], { __proto__: null, value, enumerable: true });
    ObjectDefineProperty(Event.prototype, phases[value], { __proto__: null, value, enumerable: true });
  }

  class CustomEvent extends Event {
    #detail;

    constructor(type, eventInitDict = undefined) {
      requireArgument(arguments, "CustomEvent");
      super(type, eventInitDict);
      this.#detail = dictionary(eventInitDict, "CustomEvent").detail ?? null;
    }

    get detail() {
      return this.#detail;
    }
  }

  // target -> Map(type -> [{ callback, capture, once, passive, removed }])
  const listenerMaps = new SafeWeakMap();

  function listenersOf(target) {
    const map = listenerMaps.get(target);
    if (map === undefined) throw new TypeError("Illegal invocation: not an EventTarget");
    return map;
  }

  function flattenOptions(options) {
    if (typeof options === "boolean") return { __proto__: null, capture: options, once: false, passive: false, signal: null };
    const init = dictionary(options, "addEventListener");
    const signal = init.signal ?? null;
    if (signal !== null && !isAbortSignal(signal)) throw new TypeError("addEventListener: signal must be an AbortSignal");
    return { __proto__: null, capture: Boolean(init.capture), once: Boolean(init.once), passive: Boolean(init.passive), signal };
  }

  function checkCallback(callback, what) {
    if (callback !== null && typeof callback !== "function" && typeof callback !== "object") {
      throw new TypeError(`${what}: the listener must be a function or an object with handleEvent`);
    }
  }

  function addListener(target, type, callback, options) {
    const map = listenersOf(target);
    const { capture, once, passive, signal } = flattenOptions(options);
    if (callback === null || signal?.aborted) return;
    const list = map.get(type) ?? [];
    if (SafeArrayFind(list, (entry) => entry.callback === callback && entry.capture === capture)) return;
    const entry = { __proto__: null, callback, capture, once, passive, removed: false };
    SafeArrayPush(list, entry);
    map.set(type, list);
    if (signal !== null) addAbortAlgorithm(signal, () => removeEntry(map, type, entry));
  }

  function removeEntry(map, type, entry) {
    const list = map.get(type);
    const index = list ? ArrayPrototypeIndexOf(list, entry) : -1;
    if (index === -1) return;
    entry.removed = true;
    SafeArrayRemoveAt(list, index);
  }

  class EventTarget {
    constructor() {
      listenerMaps.set(this, new SafeMap());
    }

    addEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError("addEventListener: 2 arguments required");
      checkCallback(callback, "addEventListener");
      addListener(this, `${type}`, callback ?? null, options);
    }

    removeEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError("removeEventListener: 2 arguments required");
      checkCallback(callback, "removeEventListener");
      const map = listenersOf(this);
      const capture = typeof options === "boolean" ? options : Boolean(dictionary(options, "removeEventListener").capture);
      const list = map.get(`${type}`);
      const entry = list && SafeArrayFind(list, (e) => e.callback === callback && e.capture === capture);
      if (entry) removeEntry(map, `${type}`, entry);
    }

    dispatchEvent(event) {
      const state = stateOf(event);
      listenersOf(this);
      if (state.dispatching) throw new DOMException("The event is already being dispatched", "InvalidStateError");
      state.trusted = false;
      return dispatch(this, event);
    }
  }

  // The target's single path entry is invoked twice: capture listeners, then the others.
  function dispatch(target, event) {
    const state = eventState.get(event);
    state.dispatching = true;
    state.target = target;
    state.currentTarget = target;
    state.phase = AT_TARGET;
    const snapshot = SafeArraySlice(listenerMaps.get(target).get(state.type) ?? []);
    invokeListeners(SafeArrayFilter(snapshot, (entry) => entry.capture), target, event, state);
    if (!state.stop) invokeListeners(SafeArrayFilter(snapshot, (entry) => !entry.capture), target, event, state);
    state.dispatching = false;
    state.currentTarget = null;
    state.phase = NONE;
    state.stop = false;
    state.stopImmediate = false;
    return !state.canceled;
  }

  function invokeListeners(entries, target, event, state) {
    const map = listenerMaps.get(target);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.removed) continue;
      if (entry.once) removeEntry(map, state.type, entry);
      state.inPassiveListener = entry.passive;
      try {
        callListener(entry.callback, target, event);
      } catch (error) {
        reportError(error);
      }
      state.inPassiveListener = false;
      if (state.stopImmediate) return;
    }
  }

  function callListener(callback, target, event) {
    if (typeof callback === "function") return ReflectApply(callback, target, [event]);
    const { handleEvent } = callback;
    if (typeof handleEvent !== "function") throw new TypeError("The event listener has no handleEvent method");
    return ReflectApply(handleEvent, callback, [event]);
  }

  function fireTrustedEvent(target, type) {
    const event = new Event(type);
    eventState.get(event).trusted = true;
    dispatch(target, event);
  }

  // An `onX` attribute: a listener added on first assignment that calls the current value.
  function defineEventHandler(cls, type) {
    const slots = new SafeWeakMap();
    ObjectDefineProperty(cls.prototype, `on${type}`, {
      __proto__: null,
      configurable: true,
      enumerable: true,
      get() {
        return slots.get(this)?.value ?? null;
      },
      set(value) {
        listenersOf(this);
        let slot = slots.get(this);
        if (slot === undefined) {
          slot = { __proto__: null, value: null };
          slots.set(this, slot);
          addListener(this, type, function (event) {
            if (slot.value === null) return;
            if (ReflectApply(slot.value, this, [event]) === false) cancel(event);
          });
        }
        slot.value = typeof value === "function" ? value : null;
      },
    });
  }

  const internal = Symbol("internal");
  let signalAbort;
  let addAbortAlgorithm;
  let removeAbortAlgorithm;
  let signalState;
  let isAbortSignal;
  let anySignal;

  function abortError() {
    return new DOMException("This operation was aborted", "AbortError");
  }

  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    #algorithms = new SafeSet();
    #dependents = new SafeSet();

    constructor(key) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      super();
    }

    static abort(reason = undefined) {
      const signal = new AbortSignal(internal);
      signal.#aborted = true;
      signal.#reason = reason === undefined ? abortError() : reason;
      return signal;
    }

    // Note that the pending timer keeps a call waiting until it fires (see 02_timers.js).
    static timeout(milliseconds) {
      const delay = Number(milliseconds);
      if (!NumberIsFinite(delay) || MathTrunc(delay) < 0 || delay > NumberMAX_SAFE_INTEGER) {
        throw new TypeError("AbortSignal.timeout: milliseconds must be a non-negative integer");
      }
      const signal = new AbortSignal(internal);
      setTimeout(() => signalAbort(signal, new DOMException("The operation timed out", "TimeoutError")), MathTrunc(delay));
      return signal;
    }

    static any(signals) {
      return anySignal(SafeArrayFrom(signals));
    }

    get aborted() {
      return this.#aborted;
    }

    get reason() {
      return this.#reason;
    }

    throwIfAborted() {
      if (this.#aborted) throw this.#reason;
    }

    static {
      anySignal = (sources) => {
        if (SafeArrayFind(sources, (source) => !isAbortSignal(source))) throw new TypeError("AbortSignal.any: expected AbortSignals");
        const result = new AbortSignal(internal);
        const aborted = SafeArrayFind(sources, (source) => source.#aborted);
        if (aborted) {
          result.#aborted = true;
          result.#reason = aborted.#reason;
        } else {
          for (let i = 0; i < sources.length; i++) sources[i].#dependents.add(result);
        }
        return result;
      };
    }

    // The source's abort event fires before its dependents' events, as the DOM spec orders it.
    static {
      isAbortSignal = (value) => value !== null && typeof value === "object" && #aborted in value;
      signalAbort = (signal, reason) => {
        const toAbort = [];
        const mark = (s) => {
          if (s.#aborted) return;
          s.#aborted = true;
          s.#reason = reason;
          SafeArrayPush(toAbort, s);
          const dependents = setToArray(s.#dependents);
          s.#dependents.clear();
          for (let i = 0; i < dependents.length; i++) mark(dependents[i]);
        };
        mark(signal);
        for (let i = 0; i < toAbort.length; i++) runAbortSteps(toAbort[i], setToArray(toAbort[i].#algorithms));
      };
      addAbortAlgorithm = (signal, algorithm) => {
        if (!signal.#aborted) signal.#algorithms.add(algorithm);
      };
      removeAbortAlgorithm = (signal, algorithm) => {
        signal.#algorithms.delete(algorithm);
      };
      signalState = (signal) => ({ __proto__: null, aborted: signal.#aborted, reason: signal.#reason });
      const runAbortSteps = (signal, algorithms) => {
        signal.#algorithms.clear();
        for (let i = 0; i < algorithms.length; i++) algorithms[i]();
        fireTrustedEvent(signal, "abort");
      };
    }
  }

  function setToArray(set) {
    const out = [];
    SetPrototypeForEach(set, (value) => SafeArrayPush(out, value));
    return out;
  }

  defineEventHandler(AbortSignal, "abort");

  class AbortController {
    #signal = new AbortSignal(internal);

    get signal() {
      return this.#signal;
    }

    abort(reason = undefined) {
      signalAbort(this.#signal, reason === undefined ? abortError() : reason);
    }
  }

  // For Request (09_request_response.js) and streams (14_streams.js), without the
  // tenant-replaceable statics and getters.
  // The runtime firing an event it made (a MessagePort's message): trusted, and dispatched
  // without the tenant-replaceable dispatchEvent.
  function dispatchTrusted(target, event) {
    listenersOf(target);
    stateOf(event).trusted = true;
    return dispatch(target, event);
  }

  hooks.events = {
    isAbortSignal, anySignal, newSignal: () => new AbortSignal(internal), signalAbort, addAbortAlgorithm,
    removeAbortAlgorithm, signalState, dispatchTrusted, defineEventHandler,
  };
  exposeClass(Event);
  exposeClass(CustomEvent);
  exposeClass(EventTarget);
  exposeClass(AbortSignal);
  exposeClass(AbortController);
});
