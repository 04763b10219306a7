// Event, CustomEvent, EventTarget, AbortController and AbortSignal.
//
// There is no DOM tree: an event reaches only its target, capture listeners first. Listener
// exceptions are reported through hooks.reportError and never escape dispatchEvent.
(function (ops, hooks) {
  "use strict";
  const { exposeClass } = hooks.webidl;
  const { reportError } = hooks;
  // Captured now, before user code can replace the globals.
  const { DOMException, setTimeout } = globalThis;

  const NONE = 0;
  const AT_TARGET = 2;

  function dictionary(value, what) {
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what}: options must be an object`);
    return value;
  }

  function requireArgument(args, what) {
    if (args.length === 0) throw new TypeError(`${what}: 1 argument required, but only 0 present`);
  }

  // Event state lives here rather than in private fields so that dispatch can write it.
  const eventState = new WeakMap();

  function stateOf(event) {
    const state = eventState.get(event);
    if (state === undefined) throw new TypeError("Illegal invocation: not an Event");
    return state;
  }

  class Event {
    constructor(type, eventInitDict = undefined) {
      requireArgument(arguments, "Event");
      const init = dictionary(eventInitDict, "Event");
      eventState.set(this, {
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
      if (!value) this.preventDefault();
    }

    preventDefault() {
      const state = stateOf(this);
      if (state.cancelable && !state.inPassiveListener) state.canceled = true;
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

  ["NONE", "CAPTURING_PHASE", "AT_TARGET", "BUBBLING_PHASE"].forEach((name, value) => {
    Object.defineProperty(Event, name, { value, enumerable: true });
    Object.defineProperty(Event.prototype, name, { value, enumerable: true });
  });

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
  const listenerMaps = new WeakMap();

  function listenersOf(target) {
    const map = listenerMaps.get(target);
    if (map === undefined) throw new TypeError("Illegal invocation: not an EventTarget");
    return map;
  }

  function flattenOptions(options) {
    if (typeof options === "boolean") return { capture: options, once: false, passive: false, signal: null };
    const init = dictionary(options, "addEventListener");
    const signal = init.signal ?? null;
    if (signal !== null && !(signal instanceof AbortSignal)) throw new TypeError("addEventListener: signal must be an AbortSignal");
    return { capture: Boolean(init.capture), once: Boolean(init.once), passive: Boolean(init.passive), signal };
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
    if (list.some((entry) => entry.callback === callback && entry.capture === capture)) return;
    const entry = { callback, capture, once, passive, removed: false };
    list.push(entry);
    map.set(type, list);
    if (signal !== null) addAbortAlgorithm(signal, () => removeEntry(map, type, entry));
  }

  function removeEntry(map, type, entry) {
    const list = map.get(type);
    const index = list ? list.indexOf(entry) : -1;
    if (index === -1) return;
    entry.removed = true;
    list.splice(index, 1);
  }

  class EventTarget {
    constructor() {
      listenerMaps.set(this, new Map());
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
      const entry = map.get(`${type}`)?.find((e) => e.callback === callback && e.capture === capture);
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
    const snapshot = [...(listenerMaps.get(target).get(state.type) ?? [])];
    for (const capture of [true, false]) {
      if (state.stop) break;
      invokeListeners(snapshot.filter((entry) => entry.capture === capture), target, event, state);
    }
    state.dispatching = false;
    state.currentTarget = null;
    state.phase = NONE;
    state.stop = false;
    state.stopImmediate = false;
    return !state.canceled;
  }

  function invokeListeners(entries, target, event, state) {
    const map = listenerMaps.get(target);
    for (const entry of entries) {
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
    if (typeof callback === "function") return Reflect.apply(callback, target, [event]);
    const { handleEvent } = callback;
    if (typeof handleEvent !== "function") throw new TypeError("The event listener has no handleEvent method");
    return Reflect.apply(handleEvent, callback, [event]);
  }

  function fireTrustedEvent(target, type) {
    const event = new Event(type);
    eventState.get(event).trusted = true;
    dispatch(target, event);
  }

  // An `onX` attribute: a listener added on first assignment that calls the current value.
  function defineEventHandler(cls, type) {
    const slots = new WeakMap();
    Object.defineProperty(cls.prototype, `on${type}`, {
      configurable: true,
      enumerable: true,
      get() {
        return slots.get(this)?.value ?? null;
      },
      set(value) {
        listenersOf(this);
        let slot = slots.get(this);
        if (slot === undefined) {
          slot = { value: null };
          slots.set(this, slot);
          addListener(this, type, function (event) {
            if (slot.value === null) return;
            if (Reflect.apply(slot.value, this, [event]) === false) event.preventDefault();
          });
        }
        slot.value = typeof value === "function" ? value : null;
      },
    });
  }

  const internal = Symbol("internal");
  let signalAbort;
  let addAbortAlgorithm;

  function abortError() {
    return new DOMException("This operation was aborted", "AbortError");
  }

  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    #algorithms = new Set();
    #dependents = new Set();

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
      if (!Number.isFinite(delay) || Math.trunc(delay) < 0 || delay > Number.MAX_SAFE_INTEGER) {
        throw new TypeError("AbortSignal.timeout: milliseconds must be a non-negative integer");
      }
      const signal = new AbortSignal(internal);
      setTimeout(() => signalAbort(signal, new DOMException("The operation timed out", "TimeoutError")), Math.trunc(delay));
      return signal;
    }

    static any(signals) {
      const sources = [...signals];
      if (!sources.every((source) => source instanceof AbortSignal)) throw new TypeError("AbortSignal.any: expected AbortSignals");
      const result = new AbortSignal(internal);
      const aborted = sources.find((source) => source.#aborted);
      if (aborted) {
        result.#aborted = true;
        result.#reason = aborted.#reason;
      } else {
        for (const source of sources) source.#dependents.add(result);
      }
      return result;
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

    // The source's abort event fires before its dependents' events, as the DOM spec orders it.
    static {
      signalAbort = (signal, reason) => {
        const toAbort = [];
        const mark = (s) => {
          if (s.#aborted) return;
          s.#aborted = true;
          s.#reason = reason;
          toAbort.push(s);
          const dependents = [...s.#dependents];
          s.#dependents.clear();
          dependents.forEach(mark);
        };
        mark(signal);
        for (const s of toAbort) runAbortSteps(s, [...s.#algorithms]);
      };
      addAbortAlgorithm = (signal, algorithm) => {
        if (!signal.#aborted) signal.#algorithms.add(algorithm);
      };
      const runAbortSteps = (signal, algorithms) => {
        signal.#algorithms.clear();
        for (const algorithm of algorithms) algorithm();
        fireTrustedEvent(signal, "abort");
      };
    }
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

  exposeClass(Event);
  exposeClass(CustomEvent);
  exposeClass(EventTarget);
  exposeClass(AbortSignal);
  exposeClass(AbortController);
});
