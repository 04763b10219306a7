// node:assert (and node:assert/strict): Node's assertions and AssertionError, whose `code`,
// `actual`, `expected` and `operator` are Node's; messages show values through util.inspect.
// The deep comparisons are util's (hooks.nodeDeepEqual).
(function (ops, hooks) {
  "use strict";
  const {
    Error, ObjectDefineProperty, ObjectFreeze, ObjectIs, ObjectKeys, ReflectApply, SafePromiseWithResolvers,
    SafePromiseThen, SafeRegExpTest, TypeError, instanceOf,
  } = hooks.primordials;
  const { coded, invalidArgType } = hooks.node;
  const { inspect } = hooks["node:util"];
  const deepEqual = hooks.nodeDeepEqual;
  const kindOf = (value) => (value !== null && (typeof value === "object" || typeof value === "function") ? ops.nodeTypeOf(value) : undefined);

  function define(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  }

  class AssertionError extends Error {
    constructor(options) {
      if (options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
      const { message, actual, expected, operator } = options;
      super(message !== undefined ? `${message}` : `${inspect(actual)} ${operator} ${inspect(expected)}`);
      define(this, "generatedMessage", message === undefined);
      define(this, "code", "ERR_ASSERTION");
      define(this, "actual", actual);
      define(this, "expected", expected);
      define(this, "operator", operator);
      ObjectDefineProperty(this, "name", { __proto__: null, value: "AssertionError", writable: true, configurable: true });
    }
  }

  const HEADERS = {
    __proto__: null,
    strictEqual: "Expected values to be strictly equal:",
    deepStrictEqual: "Expected values to be strictly deep-equal:",
    deepEqual: "Expected values to be loosely deep-equal:",
    "==": "Expected values to be loosely equal:",
    notStrictEqual: 'Expected "actual" to be strictly unequal to:',
    notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
    notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
    "!=": 'Expected "actual" to be loosely unequal to:',
  };

  // Throws the AssertionError for a failed comparison, or `message` itself when it is an Error.
  function fail(actual, expected, message, operator) {
    if (instanceOf(message, Error)) throw message;
    let text = message;
    if (text === undefined) {
      const header = HEADERS[operator];
      text = operator[0] === "n" || operator === "!="
        ? `${header}\n\n${inspect(expected)}`
        : `${header}\n\n${inspect(actual)} ${operator === "strictEqual" ? "!==" : operator === "==" ? "!=" : "!=="} ${inspect(expected)}\n`;
    }
    const error = new AssertionError({ message: text, actual, expected, operator });
    if (message === undefined) define(error, "generatedMessage", true);
    throw error;
  }

  function ok(value, message) {
    if (arguments.length === 0) fail(undefined, true, "No value argument passed to `assert.ok()`", "==");
    if (!value) {
      if (instanceOf(message, Error)) throw message;
      const error = new AssertionError({ message: message ?? "The expression evaluated to a falsy value", actual: value, expected: true, operator: "==" });
      if (message === undefined) define(error, "generatedMessage", true);
      throw error;
    }
  }

  const assert = function assert(value, message) {
    ReflectApply(ok, undefined, arguments);
  };

  const loose = (a, b) => a == b || (a !== a && b !== b);
  const methods = {
    ok,
    fail(message = "Failed") {
      if (instanceOf(message, Error)) throw message;
      throw new AssertionError({ message, operator: "fail" });
    },
    equal(actual, expected, message) {
      if (!loose(actual, expected)) fail(actual, expected, message, "==");
    },
    notEqual(actual, expected, message) {
      if (loose(actual, expected)) fail(actual, expected, message, "!=");
    },
    strictEqual(actual, expected, message) {
      if (!ObjectIs(actual, expected)) fail(actual, expected, message, "strictEqual");
    },
    notStrictEqual(actual, expected, message) {
      if (ObjectIs(actual, expected)) fail(actual, expected, message, "notStrictEqual");
    },
    deepEqual(actual, expected, message) {
      if (!deepEqual(actual, expected, false)) fail(actual, expected, message, "deepEqual");
    },
    notDeepEqual(actual, expected, message) {
      if (deepEqual(actual, expected, false)) fail(actual, expected, message, "notDeepEqual");
    },
    deepStrictEqual(actual, expected, message) {
      if (!deepEqual(actual, expected, true)) fail(actual, expected, message, "deepStrictEqual");
    },
    notDeepStrictEqual(actual, expected, message) {
      if (deepEqual(actual, expected, true)) fail(actual, expected, message, "notDeepStrictEqual");
    },
    match(string, regexp, message) {
      checkMatch(string, regexp, message, true);
    },
    doesNotMatch(string, regexp, message) {
      checkMatch(string, regexp, message, false);
    },
    throws(fn, error, message) {
      if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
      const thrown = caught(fn);
      if (thrown === NOTHING) missing(error, message, "throws", "Missing expected exception");
      else expectError(thrown, error, message, "throws");
    },
    doesNotThrow(fn, error, message) {
      if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
      const thrown = caught(fn);
      if (thrown !== NOTHING) unwanted(thrown, error, message, "doesNotThrow", "Got unwanted exception");
    },
    async rejects(promiseFn, error, message) {
      const thrown = await settled(promiseFn);
      if (thrown === NOTHING) missing(error, message, "rejects", "Missing expected rejection");
      else expectError(thrown, error, message, "rejects");
    },
    async doesNotReject(promiseFn, error, message) {
      const thrown = await settled(promiseFn);
      if (thrown !== NOTHING) unwanted(thrown, error, message, "doesNotReject", "Got unwanted rejection");
    },
    ifError(value) {
      if (value === null || value === undefined) return;
      let text = "ifError got unwanted exception: ";
      text += typeof value === "object" && typeof value.message === "string" ? value.message : inspect(value);
      throw new AssertionError({ message: text, actual: value, expected: null, operator: "ifError" });
    },
    AssertionError,
  };

  const NOTHING = { __proto__: null };

  function caught(fn) {
    try {
      fn();
    } catch (error) {
      return error;
    }
    return NOTHING;
  }

  function settled(promiseFn) {
    const { promise, resolve } = SafePromiseWithResolvers();
    let started;
    try {
      started = typeof promiseFn === "function" ? promiseFn() : promiseFn;
    } catch (error) {
      // Node rejects with the synchronous throw of a function that was to return a promise.
      resolve(error);
      return promise;
    }
    if (kindOf(started) !== "Promise" && (started === null || typeof started !== "object" || typeof started.then !== "function")) {
      const what = typeof promiseFn === "function" ? "instance of Promise" : "of type function or an instance of Promise";
      throw coded(TypeError, typeof promiseFn === "function" ? "ERR_INVALID_RETURN_VALUE" : "ERR_INVALID_ARG_TYPE", `Expected "promiseFn" to be ${what}`);
    }
    SafePromiseThen(hooks.primordials.PromiseResolve(started), () => resolve(NOTHING), resolve);
    return promise;
  }

  function missing(error, message, operator, text) {
    if (typeof error === "string") {
      message = error;
      error = undefined;
    }
    let name = "";
    if (typeof error === "function" && typeof error.name === "string" && error.name !== "") name = ` (${error.name})`;
    throw new AssertionError({ message: message === undefined ? `${text}${name}.` : `${text}${name}: ${message}`, actual: undefined, expected: error, operator });
  }

  function unwanted(thrown, error, message, operator, text) {
    if (typeof error === "string") message = error;
    else if (error !== undefined && !matchesError(thrown, error)) throw thrown;
    const detail = thrown !== null && typeof thrown === "object" && typeof thrown.message === "string" ? thrown.message : inspect(thrown);
    throw new AssertionError({ message: `${text}${message === undefined ? "." : `: ${message}`}\nActual message: "${detail}"`, actual: thrown, expected: error, operator });
  }

  function expectError(thrown, error, message, operator) {
    if (error === undefined || typeof error === "string") return;
    if (kindOf(error) === "RegExp") {
      if (!SafeRegExpTest(error, `${thrown}`)) {
        throw new AssertionError({ message: message ?? `The input did not match the regular expression ${inspect(error)}. Input:\n\n${inspect(`${thrown}`)}\n`, actual: thrown, expected: error, operator });
      }
      return;
    }
    if (typeof error === "function") {
      if (error.prototype !== undefined && instanceOf(thrown, error)) return;
      if (instanceOf(error, Error) || (error.prototype !== undefined && instanceOf(error.prototype, Error))) throw thrown;
      if (ReflectApply(error, {}, [thrown]) !== true) {
        throw new AssertionError({ message: message ?? `The ${error.name ? `"${error.name}" ` : ""}validation function is expected to return "true". Received ${inspect(false)}`, actual: thrown, expected: error, operator });
      }
      return;
    }
    if (error !== null && typeof error === "object") {
      const keys = ObjectKeys(error);
      for (let i = 0; i < keys.length; i++) {
        const want = error[keys[i]];
        const got = thrown === null || thrown === undefined ? undefined : thrown[keys[i]];
        const same = kindOf(want) === "RegExp" && typeof got === "string" ? SafeRegExpTest(want, got) : deepEqual(got, want, true);
        if (!same) {
          throw generated(message, { message: message ?? `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${keys[i]}: ${inspect(got)}\n-   ${keys[i]}: ${inspect(want)}\n  }`, actual: thrown, expected: error, operator });
        }
      }
      return;
    }
    throw invalidArgType("error", "of type function or an instance of Error, RegExp, or Object", error);
  }

  // An AssertionError whose message is `message`, or the generated text when it is undefined.
  function generated(message, options) {
    const error = new AssertionError(options);
    if (message === undefined) define(error, "generatedMessage", true);
    return error;
  }

  function matchesError(thrown, error) {
    try {
      expectError(thrown, error, undefined, "");
      return true;
    } catch {
      return false;
    }
  }

  function checkMatch(string, regexp, message, wanted) {
    if (kindOf(regexp) !== "RegExp") throw invalidArgType("regexp", "an instance of RegExp", regexp);
    if (typeof string !== "string" || SafeRegExpTest(regexp, string) !== wanted) {
      if (instanceOf(message, Error)) throw message;
      const text = message ?? (typeof string !== "string"
        ? `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})`
        : `The input ${wanted ? "did not match" : "was expected to not match"} the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`);
      const error = new AssertionError({ message: text, actual: string, expected: regexp, operator: wanted ? "match" : "doesNotMatch" });
      if (message === undefined) define(error, "generatedMessage", true);
      throw error;
    }
  }

  const names = ObjectKeys(methods);
  for (let i = 0; i < names.length; i++) define(assert, names[i], methods[names[i]]);

  // assert/strict: the same, with the loose comparisons replaced by the strict ones.
  const strict = function strict(value, message) {
    ReflectApply(ok, undefined, arguments);
  };
  for (let i = 0; i < names.length; i++) define(strict, names[i], methods[names[i]]);
  define(strict, "equal", methods.strictEqual);
  define(strict, "notEqual", methods.notStrictEqual);
  define(strict, "deepEqual", methods.deepStrictEqual);
  define(strict, "notDeepEqual", methods.notDeepStrictEqual);
  define(strict, "strict", strict);
  define(assert, "strict", strict);
  ObjectFreeze(strict);
  ObjectFreeze(assert);
  hooks["node:assert"] = assert;
  hooks["node:assert/strict"] = strict;
});
