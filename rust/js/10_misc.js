// structuredClone, navigator and self.
(function (ops, hooks) {
  "use strict";
  const { expose, exposeClass } = hooks.webidl;
  // Captured now, before user code can replace the global.
  const DOMException = hooks.global("DOMException");
  const { Error, SafeArrayFrom, Symbol, TypeError, instanceOf } = hooks.primordials;

  // ops.structuredClone signals an uncloneable value with an error named DataCloneError; other
  // exceptions (a getter that throws while being serialized) propagate unchanged.
  function structuredClone(value, options = undefined) {
    if (arguments.length === 0) throw new TypeError("structuredClone: 1 argument required, but only 0 present");
    const transfer = options?.transfer;
    if (transfer !== undefined && SafeArrayFrom(transfer).length > 0) {
      throw new DOMException("structuredClone: transferring objects is not supported", "DataCloneError");
    }
    try {
      return ops.structuredClone(value);
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

  expose("structuredClone", structuredClone);
  exposeClass(Navigator);
  expose("navigator", new Navigator(internal));
  expose("self", globalThis);
});
