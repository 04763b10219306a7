// node:util (and node:util/types): promisify/callbackify, format and a bounded inspect,
// inherits, deprecate, isDeepStrictEqual, and the type checks. Kinds come from V8's internal
// slots (ops.nodeTypeOf), never from a tenant's Symbol.toStringTag; a proxy is shown as its
// target, without running its traps, as Node's inspect does.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayIsArray, ArrayPrototypeJoin, DatePrototypeGetTime, DatePrototypeToISOString, Error, FunctionPrototypeToString,
    JSONStringify, MapPrototypeForEach, MathFloor, MathMax, MathMin, MathRound, MathSqrt, StringPrototypePadEnd,
    StringPrototypePadStart, StringPrototypeRepeat, Number, NumberIsNaN, ObjectDefineProperty, SafeGetOwnPropertyDescriptor,
    ObjectFreeze, ObjectGetPrototypeOf, ObjectIs, ObjectSetPrototypeOf, PromiseWithResolvers, ReflectApply, ReflectOwnKeys,
    RegExpPrototypeGetFlags, RegExpPrototypeGetSource, SafeArrayPush, SafeMap, SafeRegExp, SafeRegExpTest, SafeSet,
    SafeStringReplace, SetPrototypeForEach, String, StringPrototypeCharCodeAt, StringPrototypeIncludes,
    StringPrototypeSlice, SymbolFor, SymbolPrototypeValueOf, TypedArrayPrototypeGetLength, parseFloat,
    parseInt, typedArrayName,
  } = hooks.primordials;
  const { coded, invalidArgType, validateFunction } = hooks.node;
  const TextEncoder = hooks.global("TextEncoder");
  const TextDecoder = hooks.global("TextDecoder");

  // Defined, not assigned: assignment would run a setter the tenant put on a prototype.
  function constant(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  }

  const kindOf = (value) => (value !== null && (typeof value === "object" || typeof value === "function") ? ops.nodeTypeOf(value) : undefined);

  // --- promisify / callbackify -----------------------------------------------------------------

  const customPromisify = SymbolFor("nodejs.util.promisify.custom");

  function promisify(original) {
    validateFunction(original, "original");
    const custom = original[customPromisify];
    if (custom !== undefined) {
      validateFunction(custom, "util.promisify.custom");
      return custom;
    }
    function promisified(...args) {
      const { promise, resolve, reject } = PromiseWithResolvers();
      SafeArrayPush(args, (error, ...values) => {
        if (error) reject(error);
        else resolve(values[0]);
      });
      ReflectApply(original, this, args);
      return promise;
    }
    ObjectSetPrototypeOf(promisified, ObjectGetPrototypeOf(original));
    ObjectDefineProperty(promisified, customPromisify, { __proto__: null, value: promisified, configurable: true });
    return promisified;
  }
  constant(promisify, "custom", customPromisify);

  function callbackify(original) {
    validateFunction(original, "original");
    return function callbackified(...args) {
      const callback = args.length > 0 ? args[args.length - 1] : undefined;
      validateFunction(callback, "last argument");
      args.length -= 1;
      const done = (error, value) => ops.enqueueMicrotask(() => ReflectApply(callback, this, [error, value]));
      hooks.primordials.SafePromiseThen(hooks.primordials.PromiseResolve(ReflectApply(original, this, args)),
        (value) => done(null, value),
        (reason) => {
          if (!reason) {
            const error = coded(Error, "ERR_FALSY_VALUE_REJECTION", "Promise was rejected with falsy value");
            constant(error, "reason", reason);
            reason = error;
          }
          done(reason);
        });
    };
  }

  const { inspect, format, formatWithOptions, ownKeys, boxed, DEFAULTS } = hooks.nodeInspect;

  // --- isDeepStrictEqual -----------------------------------------------------------------------

  function isDeepStrictEqual(a, b) {
    return deepEqual(a, b, { __proto__: null, strict: true, seen: new SafeMap() });
  }

  // Node's comparison for isDeepStrictEqual and assert's deep equality: `strict` compares
  // primitives with Object.is and prototypes too; loose uses == and ignores prototypes.
  function deepEqual(a, b, mode) {
    if (mode.strict ? ObjectIs(a, b) : a == b || (a !== a && b !== b)) return true;
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
      return false;
    }
    if (mode.strict && ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
    const seen = mode.seen;
    const kind = ops.nodeTypeOf(a);
    if (kind !== ops.nodeTypeOf(b)) return false;
    if (seen.get(a) === b) return true;
    seen.set(a, b);
    if (kind === "Date" && !ObjectIs(DatePrototypeGetTime(a), DatePrototypeGetTime(b))) return false;
    if (kind === "RegExp" && (RegExpPrototypeGetSource(a) !== RegExpPrototypeGetSource(b) || RegExpPrototypeGetFlags(a) !== RegExpPrototypeGetFlags(b))) return false;
    if (kind === "NativeError" && (a.message !== b.message || a.name !== b.name)) return false;
    if ((kind === "NumberObject" || kind === "StringObject" || kind === "BooleanObject") && !ObjectIs(boxed(a, kind), boxed(b, kind))) return false;
    if (kind === "TypedArray") {
      if (typedArrayName(a) !== typedArrayName(b) || TypedArrayPrototypeGetLength(a) !== TypedArrayPrototypeGetLength(b)) return false;
      for (let i = 0; i < TypedArrayPrototypeGetLength(a); i++) if (!ObjectIs(a[i], b[i])) return false;
    }
    if (kind === "Map" || kind === "Set") {
      if (!collectionsEqual(a, b, kind, mode)) return false;
    }
    const keysA = ownKeys(a, DEFAULTS);
    const keysB = ownKeys(b, DEFAULTS);
    if (keysA.length !== keysB.length) return false;
    for (let i = 0; i < keysA.length; i++) {
      const desc = SafeGetOwnPropertyDescriptor(b, keysA[i]);
      if (desc === undefined || !desc.enumerable) return false;
      if (!deepEqual(a[keysA[i]], b[keysA[i]], mode)) return false;
    }
    return true;
  }

  function collectionsEqual(a, b, kind, mode) {
    const size = kind === "Map" ? hooks.primordials.MapPrototypeGetSize : hooks.primordials.SetPrototypeGetSize;
    if (size(a) !== size(b)) return false;
    const listA = [];
    const listB = [];
    const each = kind === "Map" ? MapPrototypeForEach : SetPrototypeForEach;
    each(a, (value, key) => SafeArrayPush(listA, [key, value]));
    each(b, (value, key) => SafeArrayPush(listB, [key, value]));
    const used = new SafeSet();
    for (let i = 0; i < listA.length; i++) {
      let found = false;
      for (let j = 0; j < listB.length && !found; j++) {
        if (used.has(j)) continue;
        if (deepEqual(listA[i][0], listB[j][0], mode) && deepEqual(listA[i][1], listB[j][1], mode)) {
          used.add(j);
          found = true;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  // --- the rest --------------------------------------------------------------------------------

  function inherits(ctor, superCtor) {
    validateFunction(ctor, "ctor");
    validateFunction(superCtor, "superCtor");
    if (superCtor.prototype === undefined) throw invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
    ObjectDefineProperty(ctor, "super_", { __proto__: null, value: superCtor, writable: true, configurable: true });
    ObjectSetPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  function deprecate(fn, message, code = undefined) {
    validateFunction(fn, "fn");
    const state = { __proto__: null, warned: false };
    return function deprecated(...args) {
      if (!state.warned) {
        state.warned = true;
        hooks["node:process"].emitWarning(message, "DeprecationWarning", code);
      }
      return new.target ? hooks.primordials.ReflectConstruct(fn, args, new.target) : ReflectApply(fn, this, args);
    };
  }

  const is = (name) => (value) => kindOf(value) === name;
  const types = {
    isPromise: is("Promise"), isDate: is("Date"), isRegExp: is("RegExp"), isMap: is("Map"), isSet: is("Set"),
    isWeakMap: is("WeakMap"), isWeakSet: is("WeakSet"), isProxy: is("Proxy"), isNativeError: is("NativeError"),
    isMapIterator: is("MapIterator"), isSetIterator: is("SetIterator"), isArrayBuffer: is("ArrayBuffer"),
    isSharedArrayBuffer: is("SharedArrayBuffer"), isDataView: is("DataView"), isTypedArray: is("TypedArray"),
    isGeneratorObject: is("GeneratorObject"), isAsyncFunction: is("AsyncFunction"),
    isGeneratorFunction: is("GeneratorFunction"), isArgumentsObject: is("Arguments"),
    isModuleNamespaceObject: is("ModuleNamespace"), isNumberObject: is("NumberObject"),
    isStringObject: is("StringObject"), isBooleanObject: is("BooleanObject"), isBigIntObject: is("BigIntObject"),
    isSymbolObject: is("SymbolObject"),
    isAnyArrayBuffer: (value) => kindOf(value) === "ArrayBuffer" || kindOf(value) === "SharedArrayBuffer",
    isArrayBufferView: (value) => kindOf(value) === "TypedArray" || kindOf(value) === "DataView",
    isBoxedPrimitive: (value) => {
      const kind = kindOf(value);
      return kind === "NumberObject" || kind === "StringObject" || kind === "BooleanObject" || kind === "BigIntObject" || kind === "SymbolObject";
    },
    isExternal: () => false,
    isKeyObject: () => false,
    isCryptoKey: (value) => value !== null && typeof value === "object" && hooks.primordials.instanceOf(value, hooks.global("CryptoKey")),
  };
  const typedNames = ["Uint8Array", "Uint8ClampedArray", "Uint16Array", "Uint32Array", "Int8Array", "Int16Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"];
  for (let i = 0; i < typedNames.length; i++) {
    const name = typedNames[i];
    constant(types, `is${name}`, (value) => kindOf(value) === "TypedArray" && typedArrayName(value) === name);
  }
  ObjectFreeze(types);

  const util = {
    promisify, callbackify, inspect, format, formatWithOptions, inherits, deprecate, isDeepStrictEqual, types,
    TextEncoder, TextDecoder,
    isArray: ArrayIsArray,
    isBoolean: (value) => typeof value === "boolean",
    isNull: (value) => value === null,
    isNullOrUndefined: (value) => value === null || value === undefined,
    isNumber: (value) => typeof value === "number",
    isString: (value) => typeof value === "string",
    isSymbol: (value) => typeof value === "symbol",
    isUndefined: (value) => value === undefined,
    isObject: (value) => value !== null && typeof value === "object",
    isFunction: (value) => typeof value === "function",
    isPrimitive: (value) => value === null || (typeof value !== "object" && typeof value !== "function"),
    isRegExp: types.isRegExp,
    isDate: types.isDate,
    isError: (value) => kindOf(value) === "NativeError",
    toUSVString: (text) => hooks.primordials.StringPrototypeToWellFormed(`${text}`),
    stripVTControlCharacters: (text) => SafeStringReplace(`${text}`, ANSI, ""),
  };
  const ANSI = SafeRegExp(/\u001b\[[0-9;]*[A-Za-z]/g);
  hooks["node:util"] = ObjectFreeze(util);
  hooks.nodeDeepEqual = (a, b, strict) => deepEqual(a, b, { __proto__: null, strict, seen: new SafeMap() });
  hooks["node:util/types"] = types;
});
