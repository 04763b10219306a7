// structuredClone, navigator, self, reportError and scheduler.wait.
(function (ops, hooks) {
  "use strict";
  const { expose, exposeClass } = hooks.webidl;
  // Captured now, before user code can replace the global.
  const DOMException = hooks.global("DOMException");
  const { Error, MathMax, Number, SafeArrayFrom, SafePromiseWithResolvers, Symbol, TypeError, instanceOf } = hooks.primordials;

  // ops.structuredClone signals an uncloneable value with an error named DataCloneError; other
  // exceptions (a getter that throws while being serialized) propagate unchanged. Blobs and Files
  // are copied through the blob file's hooks, if it is installed (else none exist).
  function structuredClone(value, options = undefined) {
    if (arguments.length === 0) throw new TypeError("structuredClone: 1 argument required, but only 0 present");
    const transfer = options?.transfer;
    if (transfer !== undefined && SafeArrayFrom(transfer).length > 0) {
      throw new DOMException("structuredClone: transferring objects is not supported", "DataCloneError");
    }
    try {
      return ops.structuredClone(value, hooks.installed("blob"));
    } catch (error) {
      if (instanceOf(error, Error) && error.name === "DataCloneError" && !instanceOf(error, DOMException)) {
        throw new DOMException(error.message, "DataCloneError");
      }
      throw error;
    }
  }

  const internal = Symbol("internal");

  class Navigator {
    constructor(key) {
      if (key !== internal) throw new TypeError("Illegal constructor");
    }

    get userAgent() {
      return "workerbox";
    }
  }

  // Workers' scheduler: wait(ms) resolves after ms, rejects with the signal's reason if aborted.
  class Scheduler {
    constructor(key) {
      if (key !== internal) throw new TypeError("Illegal constructor");
    }

    wait(delay, options = undefined) {
      const signal = options?.signal;
      const { promise, resolve, reject } = SafePromiseWithResolvers();
      const events = hooks.events;
      if (signal !== undefined && !events.isAbortSignal(signal)) {
        reject(new TypeError("scheduler.wait: options.signal must be an AbortSignal"));
        return promise;
      }
      if (signal !== undefined && events.signalState(signal).aborted) {
        reject(events.signalState(signal).reason);
        return promise;
      }
      const setTimeout = hooks.global("setTimeout");
      const clearTimeout = hooks.global("clearTimeout");
      const id = setTimeout(resolve, MathMax(0, Number(delay) || 0));
      if (signal !== undefined) {
        events.addAbortAlgorithm(signal, () => {
          clearTimeout(id);
          reject(events.signalState(signal).reason);
        });
      }
      return promise;
    }
  }

  // Reports an error as uncaught (to the worker's console), as the HTML Standard's global does.
  function reportError(error) {
    if (arguments.length === 0) throw new TypeError("reportError: 1 argument required, but only 0 present");
    hooks.reportError(error);
  }

  expose("structuredClone", structuredClone);
  expose("reportError", reportError);
  exposeClass(Scheduler);
  expose("scheduler", new Scheduler(internal));
  exposeClass(Navigator);
  expose("navigator", new Navigator(internal));
  expose("self", globalThis);
});
