// Timers, queueMicrotask and performance: the clock-driven globals.
//
// Sets `hooks.fireTimer(id)`, which the host calls when ops.timerStart(id, delay) falls due. An
// exception from a timer callback propagates out of fireTimer, so the host decides its policy.
(function (ops, hooks) {
  "use strict";
  const { expose, exposeClass } = hooks.webidl;
  const reportError = (error) => hooks.reportError(error);
  const { DateNow, MathMax, Number, ReflectApply, SafeMap, Symbol, TypeError, globalThis } = hooks.primordials;

  // Timeouts and intervals share one id space, so clearTimeout also clears an interval.
  const timers = new SafeMap();
  let lastId = 0;

  // Browsers convert the delay to a WebIDL long (NaN and Infinity become 0), then clamp at 0.
  function normalizeDelay(delay) {
    return MathMax(0, Number(delay) | 0);
  }

  function schedule(callback, delay, args, repeat) {
    if (typeof callback !== "function") {
      throw new TypeError("The callback must be a function; code strings are not evaluated");
    }
    const id = ++lastId;
    // The AsyncLocalStorage stores current now (node:async_hooks) are the callback's, as in Node.
    const context = ops.asyncContextGet();
    const timer = { __proto__: null, callback, args, delay: normalizeDelay(delay), repeat, context };
    timers.set(id, timer);
    ops.timerStart(id, timer.delay);
    return id;
  }

  function cancel(id) {
    const key = Number(id);
    if (timers.delete(key)) ops.timerCancel(key);
  }

  // An interval re-arms before its callback runs, so clearInterval inside the callback wins.
  function fireTimer(id) {
    const timer = timers.get(id);
    if (timer === undefined) return;
    if (timer.repeat) ops.timerStart(id, timer.delay);
    else timers.delete(id);
    const previous = ops.asyncContextGet();
    ops.asyncContextSet(timer.context);
    try {
      ReflectApply(timer.callback, globalThis, timer.args);
    } finally {
      ops.asyncContextSet(previous);
    }
  }

  function setTimeout(callback, delay = 0, ...args) {
    return schedule(callback, delay, args, false);
  }

  function setInterval(callback, delay = 0, ...args) {
    return schedule(callback, delay, args, true);
  }

  function clearTimeout(id) {
    cancel(id);
  }

  function clearInterval(id) {
    cancel(id);
  }

  // A callback's exception is reported, not turned into an unhandled promise rejection. Queued
  // natively: a promise would go through `then` and species, which the tenant can replace.
  function queueMicrotask(callback) {
    if (typeof callback !== "function") throw new TypeError("queueMicrotask: the callback must be a function");
    ops.enqueueMicrotask(() => {
      try {
        callback();
      } catch (error) {
        reportError(error);
      }
    });
  }

  const internal = Symbol("internal");

  // Wall-clock time when the isolate's monotonic clock started. Computed on first use, not
  // here, so that a startup snapshot of this file does not freeze the snapshot's own time.
  let timeOrigin;

  function getTimeOrigin() {
    timeOrigin ??= DateNow() - ops.now();
    return timeOrigin;
  }

  class Performance {
    constructor(key) {
      if (key !== internal) throw new TypeError("Illegal constructor");
    }

    get timeOrigin() {
      return getTimeOrigin();
    }

    now() {
      return ops.now();
    }

    toJSON() {
      return { timeOrigin: getTimeOrigin() };
    }
  }

  hooks.fireTimer = fireTimer;
  expose("setTimeout", setTimeout);
  expose("clearTimeout", clearTimeout);
  expose("setInterval", setInterval);
  expose("clearInterval", clearInterval);
  expose("queueMicrotask", queueMicrotask);
  exposeClass(Performance);
  expose("performance", new Performance(internal));
});
