// Primordials: every intrinsic the runtime uses, captured before any tenant code runs.
//
// The runtime's JavaScript shares its realm with the tenant's, so a method it looked up when
// called (`list.push`, `Math.min`, `map.get`, `promise.then`) would be whatever the tenant put
// there. The later files take everything from `hooks.primordials` instead, uncurried
// (`ArrayPrototypePush(list, x)`), as deno_core and Node do, and avoid the hidden lookups the
// language makes for them: for-of, spread and array destructuring call
// `Array.prototype[Symbol.iterator]`; `map`/`filter`/`slice` read `constructor[Symbol.species]`;
// assigning a new index runs setters on `Array.prototype`/`Object.prototype`; regexps read
// `exec` and `flags`; `await` reads `constructor` and `then`. Rules for the later files:
// index loops, `SafeArray*` helpers, null-prototype records, `Safe*` collections, `SafeRegExp`,
// and no promise plumbing beyond what is here. This runs once, when the snapshot is made, so
// nothing here costs a new isolate anything but its share of the snapshot; only what the
// runtime uses is captured, to keep that share small.
//
// A name missing from here throws while bootstrapping (see the end), so a typo cannot leave
// a later file reading `undefined`.
(function (ops, hooks) {
  "use strict";
  const P = { __proto__: null };

  const { apply, bind, call } = Function.prototype;
  // uncurryThis(f)(self, ...args) is f.call(self, ...args), through bound functions that read
  // nothing when called.
  const uncurryThis = bind.bind(call);

  const { defineProperty, getOwnPropertyDescriptor } = Object;

  function copyStatics(target, name, source, keys) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const desc = getOwnPropertyDescriptor(source, key);
      const value = typeof desc.value === "function" ? apply.call(bind, desc.value, [source]) : desc.value;
      target[`${name}${key[0].toUpperCase()}${key.slice(1)}`] = value;
    }
  }

  // Methods become `${name}Prototype${Key}`, getters `${name}PrototypeGet${Key}`; symbols use
  // their description (`SymbolIterator`).
  function copyPrototype(target, name, proto, keys) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const desc = getOwnPropertyDescriptor(proto, key);
      const label = typeof key === "symbol" ? `Symbol${key.description.slice(7, 8).toUpperCase()}${key.description.slice(8)}` : `${key[0].toUpperCase()}${key.slice(1)}`;
      if (typeof desc.get === "function") target[`${name}PrototypeGet${label}`] = uncurryThis(desc.get);
      else target[`${name}Prototype${label}`] = uncurryThis(desc.value);
    }
  }

  const globals = [
    "BigInt", "Boolean", "Error", "Function", "Number", "Promise", "RangeError", "RegExp", "String", "Symbol", "TypeError",
    "Uint8Array", "WeakMap", "WeakSet",
  ];
  for (let i = 0; i < globals.length; i++) P[globals[i]] = globalThis[globals[i]];
  P.SharedArrayBuffer = globalThis.SharedArrayBuffer;
  // Streams (14_streams.js): BYOB views are rebuilt with the constructor of the view given.
  P.ArrayBuffer = ArrayBuffer;
  P.DataView = DataView;
  const typedArrays = [
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
    "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
  ];
  const typedArrayCtors = { __proto__: null };
  for (let i = 0; i < typedArrays.length; i++) {
    const ctor = globalThis[typedArrays[i]];
    if (ctor !== undefined) typedArrayCtors[typedArrays[i]] = { __proto__: null, ctor, size: ctor.BYTES_PER_ELEMENT };
  }
  // { ctor, size } for a typed array's [[TypedArrayName]].
  P.typedArrayInfo = (name) => typedArrayCtors[name];
  // %IteratorPrototype%, for WebIDL's iterator objects (hooks.webidl.pairIterable).
  P.IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  // %AsyncIteratorPrototype%, for ReadableStream's async iterator.
  P.AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}.prototype));
  P.globalThis = globalThis;
  P.encodeURIComponent = encodeURIComponent;
  P.decodeURIComponent = decodeURIComponent;
  P.parseInt = parseInt;
  P.parseFloat = parseFloat;

  copyStatics(P, "Array", Array, ["isArray"]);
  copyStatics(P, "Error", Error, ["captureStackTrace"]);
  copyStatics(P, "ArrayBuffer", ArrayBuffer, ["isView"]);
  copyStatics(P, "Date", Date, ["now"]);
  copyStatics(P, "JSON", JSON, ["stringify", "parse"]);
  copyStatics(P, "Math", Math, ["floor", "max", "min", "round", "sqrt", "trunc"]);
  copyStatics(P, "Number", Number, ["isFinite", "isInteger", "isNaN", "MAX_SAFE_INTEGER"]);
  copyStatics(P, "BigInt", BigInt, ["asIntN", "asUintN"]);
  copyStatics(P, "Object", Object, [
    "defineProperty", "freeze", "getOwnPropertyDescriptor",
    "getOwnPropertyNames", "getPrototypeOf", "hasOwn", "is", "keys", "setPrototypeOf", "values",
  ]);
  copyStatics(P, "Promise", Promise, ["reject", "resolve", "withResolvers"]);
  copyStatics(P, "Reflect", Reflect, ["apply", "construct", "ownKeys"]);
  copyStatics(P, "String", String, ["fromCharCode"]);
  copyStatics(P, "Symbol", Symbol, ["asyncIterator", "for", "iterator", "toStringTag"]);

  copyPrototype(P, "Array", Array.prototype, ["includes", "indexOf", "join", "pop", "sort"]);
  copyPrototype(P, "ArrayBuffer", ArrayBuffer.prototype, ["byteLength", "detached", "transfer"]);
  copyPrototype(P, "Date", Date.prototype, ["getTime", "toISOString"]);
  copyPrototype(P, "Function", Function.prototype, ["toString", Symbol.hasInstance]);
  copyPrototype(P, "Map", Map.prototype, ["forEach", "size"]);
  copyPrototype(P, "Number", Number.prototype, ["toFixed", "toString", "valueOf"]);
  copyPrototype(P, "Object", Object.prototype, ["toString"]);
  copyPrototype(P, "RegExp", RegExp.prototype, ["exec", "flags", "source", Symbol.replace]);
  copyPrototype(P, "Set", Set.prototype, ["forEach", "size"]);
  copyPrototype(P, "SharedArrayBuffer", (globalThis.SharedArrayBuffer ?? ArrayBuffer).prototype, ["byteLength"]);
  copyPrototype(P, "String", String.prototype, [
    "charCodeAt", "endsWith", "includes", "indexOf", "lastIndexOf", "padEnd", "padStart", "repeat", "slice", "startsWith", "toLowerCase", "toUpperCase",
    "toWellFormed", "valueOf",
  ]);
  copyPrototype(P, "Symbol", Symbol.prototype, ["valueOf"]);
  const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
  copyPrototype(P, "TypedArray", TypedArrayPrototype, [
    "buffer", "byteLength", "byteOffset", "fill", "indexOf", "length", "set", Symbol.toStringTag,
  ]);
  copyPrototype(P, "BigInt", BigInt.prototype, ["valueOf"]);
  copyPrototype(P, "Boolean", Boolean.prototype, ["valueOf"]);
  copyPrototype(P, "DataView", DataView.prototype, ["buffer", "byteLength", "byteOffset"]);

  const {
    ObjectDefineProperty, ObjectFreeze, ObjectGetOwnPropertyDescriptor, ObjectSetPrototypeOf,
    ReflectApply, ReflectOwnKeys, TypedArrayPrototypeGetSymbolToStringTag, ArrayBufferPrototypeGetByteLength,
    SharedArrayBufferPrototypeGetByteLength, RegExpPrototypeExec, RegExpPrototypeSymbolReplace, PromiseWithResolvers,
  } = P;

  const SymbolIterator = Symbol.iterator;
  const { TypeError, SharedArrayBuffer } = P;

  // --- arrays -------------------------------------------------------------------------------

  // A new element is defined, never assigned: assignment to a missing index would run a setter
  // the tenant put on Array.prototype or Object.prototype for it.
  function SafeArrayPush(array, value) {
    ObjectDefineProperty(array, array.length, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  }

  // Index-loop versions of map/filter/slice: no species, no iterator, no setters.
  function SafeArrayMap(array, fn) {
    const out = [];
    for (let i = 0; i < array.length; i++) SafeArrayPush(out, fn(array[i], i));
    return out;
  }

  function SafeArrayFilter(array, fn) {
    const out = [];
    for (let i = 0; i < array.length; i++) if (fn(array[i], i)) SafeArrayPush(out, array[i]);
    return out;
  }

  function SafeArraySlice(array, start = 0, end = array.length) {
    const out = [];
    for (let i = start; i < end && i < array.length; i++) SafeArrayPush(out, array[i]);
    return out;
  }

  function SafeArrayFind(array, fn) {
    for (let i = 0; i < array.length; i++) if (fn(array[i], i)) return array[i];
    return undefined;
  }

  function SafeArrayFindIndex(array, fn) {
    for (let i = 0; i < array.length; i++) if (fn(array[i], i)) return i;
    return -1;
  }

  // Drains any iterable into an array through the iterator protocol, calling `next` as read
  // once from the iterator (the way for-of does) but never Array.prototype's replaceable
  // iterator for arrays, which are copied by index.
  function SafeArrayFrom(iterable) {
    if (P.ArrayIsArray(iterable)) return SafeArraySlice(iterable);
    const iterator = iterable[SymbolIterator]();
    if (iterator === null || (typeof iterator !== "object" && typeof iterator !== "function")) {
      throw new TypeError("Result of the Symbol.iterator method is not an object");
    }
    const next = iterator.next;
    const out = [];
    for (;;) {
      const step = ReflectApply(next, iterator, []);
      if (step === null || (typeof step !== "object" && typeof step !== "function")) throw new TypeError("Iterator result is not an object");
      if (step.done) return out;
      SafeArrayPush(out, step.value);
    }
  }

  // `array.splice(index, 1)` without the species lookup splice makes for its result.
  function SafeArrayRemoveAt(array, index) {
    for (let i = index; i < array.length - 1; i++) array[i] = array[i + 1];
    P.ArrayPrototypePop(array);
  }

  P.SafeArrayPush = SafeArrayPush;
  P.SafeArrayRemoveAt = SafeArrayRemoveAt;
  P.SafeArrayMap = SafeArrayMap;
  P.SafeArrayFilter = SafeArrayFilter;
  P.SafeArraySlice = SafeArraySlice;
  P.SafeArrayFind = SafeArrayFind;
  P.SafeArrayFindIndex = SafeArrayFindIndex;
  P.SafeArrayFrom = SafeArrayFrom;

  // --- strings --------------------------------------------------------------------------------

  // split with a string separator, without the Symbol.split lookup split makes.
  P.SafeStringSplit = function SafeStringSplit(text, separator) {
    const out = [];
    let from = 0;
    for (;;) {
      const at = P.StringPrototypeIndexOf(text, separator, from);
      if (at === -1) break;
      SafeArrayPush(out, P.StringPrototypeSlice(text, from, at));
      from = at + separator.length;
    }
    SafeArrayPush(out, P.StringPrototypeSlice(text, from));
    return out;
  };

  // --- objects --------------------------------------------------------------------------------

  // A descriptor without a prototype: reading `get` off a data descriptor must not find the
  // tenant's Object.prototype.get.
  P.SafeGetOwnPropertyDescriptor = function SafeGetOwnPropertyDescriptor(object, key) {
    const desc = ObjectGetOwnPropertyDescriptor(object, key);
    if (desc !== undefined) ObjectSetPrototypeOf(desc, null);
    return desc;
  };

  // `value instanceof ctor` without the Symbol.hasInstance a tenant can give a constructor.
  const { FunctionPrototypeSymbolHasInstance } = P;
  P.instanceOf = (value, ctor) => FunctionPrototypeSymbolHasInstance(ctor, value);

  // --- brand checks ---------------------------------------------------------------------------

  // Internal slots, not `instanceof` (which a tenant's Symbol.hasInstance or a Proxy answers).
  P.isTypedArray = (value) => TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined;
  P.isUint8Array = (value) => TypedArrayPrototypeGetSymbolToStringTag(value) === "Uint8Array";
  P.typedArrayName = (value) => TypedArrayPrototypeGetSymbolToStringTag(value);
  P.isMap = (value) => slotCheck(P.MapPrototypeGetSize, value);
  P.isSet = (value) => slotCheck(P.SetPrototypeGetSize, value);
  P.isDate = (value) => slotCheck(P.DatePrototypeGetTime, value);
  P.isArrayBuffer = (value) => slotCheck(ArrayBufferPrototypeGetByteLength, value);
  P.isSharedArrayBuffer = (value) => SharedArrayBuffer !== undefined && slotCheck(SharedArrayBufferPrototypeGetByteLength, value);

  function slotCheck(getter, value) {
    try {
      getter(value);
      return true;
    } catch {
      return false;
    }
  }

  // --- collections ----------------------------------------------------------------------------

  // Subclasses whose frozen prototypes hold their own copies of every method, so `map.get(k)`
  // never reaches the tenant's Map.prototype. Constructed empty at run time: a constructor
  // given an iterable would iterate it and call `set`/`add` through the prototype chain.
  function makeSafe(unsafe, safe) {
    const keys = ReflectOwnKeys(unsafe.prototype);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== "constructor") ObjectDefineProperty(safe.prototype, keys[i], ObjectGetOwnPropertyDescriptor(unsafe.prototype, keys[i]));
    }
    ObjectFreeze(safe.prototype);
    return ObjectFreeze(safe);
  }

  // Explicit constructors: a default one may spread its arguments through the array iterator.
  // Initial contents come as an array read by index (the Map/Set constructors would iterate it
  // through the tenant's Array.prototype[Symbol.iterator]; runtime files are installed lazily,
  // after tenant code ran); `set`/`add` resolve to the frozen own copies.
  P.SafeMap = makeSafe(Map, class SafeMap extends Map {
    constructor(entries) {
      super();
      if (entries !== undefined) for (let i = 0; i < entries.length; i++) this.set(entries[i][0], entries[i][1]);
    }
  });
  P.SafeSet = makeSafe(Set, class SafeSet extends Set {
    constructor(values) {
      super();
      if (values !== undefined) for (let i = 0; i < values.length; i++) this.add(values[i]);
    }
  });
  P.SafeWeakMap = makeSafe(WeakMap, class SafeWeakMap extends WeakMap {
    constructor() {
      super();
    }
  });
  P.SafeWeakSet = makeSafe(WeakSet, class SafeWeakSet extends WeakSet {
    constructor() {
      super();
    }
  });

  // --- regexps --------------------------------------------------------------------------------

  // A regexp whose own properties shadow everything the RegExp builtins look up on it (`exec`,
  // `flags` and each flag), so matching never runs the tenant's RegExp.prototype. Made at
  // bootstrap (from a literal) and shared: global ones are only used through SafeStringReplace, which resets
  // lastIndex.
  // Flags are read through the captured getters, which read only the regexp's slots: a file
  // installed lazily makes its regexps after the tenant could redefine RegExp.prototype.
  const { exec } = RegExp.prototype;
  const flags = [
    ["hasIndices", "d"], ["global", "g"], ["ignoreCase", "i"], ["multiline", "m"], ["dotAll", "s"],
    ["unicode", "u"], ["unicodeSets", "v"], ["sticky", "y"],
  ];
  for (let i = 0; i < flags.length; i++) flags[i][2] = uncurryThis(getOwnPropertyDescriptor(RegExp.prototype, flags[i][0]).get);
  P.SafeRegExp = function SafeRegExp(re) {
    const own = { __proto__: null, value: undefined, writable: false, enumerable: false, configurable: false };
    own.value = exec;
    ObjectDefineProperty(re, "exec", own);
    let letters = "";
    for (let i = 0; i < flags.length; i++) {
      own.value = flags[i][2](re);
      ObjectDefineProperty(re, flags[i][0], own);
      if (own.value) letters += flags[i][1];
    }
    own.value = letters;
    ObjectDefineProperty(re, "flags", own);
    return re;
  };

  // `text.search(re)` for a non-global regexp.
  P.SafeRegExpSearch = (re, text) => {
    const match = RegExpPrototypeExec(re, text);
    return match === null ? -1 : match.index;
  };
  // `re.test(text)`, reading nothing from `re` but its slots.
  P.SafeRegExpTest = (re, text) => RegExpPrototypeExec(re, text) !== null;
  // `text.replace(re, replacement)` for a SafeRegExp.
  P.SafeStringReplace = (text, re, replacement) => RegExpPrototypeSymbolReplace(re, text, replacement);

  // --- promises -------------------------------------------------------------------------------

  // `await promise` takes a native promise as is only while its `constructor` is %Promise%; the
  // tenant can change that on Promise.prototype and then have `await` call its `then`. An own
  // `constructor` on promises the runtime awaits keeps that lookup away from the prototype.
  const PromiseCtor = Promise;
  const ownConstructor = { __proto__: null, value: PromiseCtor, writable: false, enumerable: false, configurable: false };
  function pin(promise) {
    try {
      ObjectDefineProperty(promise, "constructor", ownConstructor);
    } catch {
      // Not a promise the runtime made (a primitive, a frozen thenable): awaited as the spec says.
    }
    return promise;
  }

  // A promise, with its resolve/reject, that the runtime may await safely.
  P.SafePromiseWithResolvers = function SafePromiseWithResolvers() {
    const capability = PromiseWithResolvers();
    pin(capability.promise);
    return capability;
  };

  // A native promise the runtime made (an async function's, say), made safe to `await`.
  P.SafeAwaitable = pin;

  // Calls onFulfilled/onRejected when a runtime-owned native promise settles, without `then`,
  // `catch` or species (all replaceable by the tenant). Returns nothing: chaining belongs in
  // the callbacks.
  P.SafePromiseThen = function SafePromiseThen(promise, onFulfilled, onRejected) {
    settle(pin(promise), onFulfilled, onRejected);
  };

  async function settle(promise, onFulfilled, onRejected) {
    let value;
    try {
      value = await promise;
    } catch (error) {
      if (onRejected !== undefined) onRejected(error);
      return;
    }
    if (onFulfilled !== undefined) onFulfilled(value);
  }

  // Promise.race without Promise.resolve, `then` or species: settles as the first settles.
  P.SafePromiseRace = function SafePromiseRace(promises) {
    const { promise, resolve, reject } = P.SafePromiseWithResolvers();
    for (let i = 0; i < promises.length; i++) P.SafePromiseThen(promises[i], resolve, reject);
    return promise;
  };

  // --- the object itself ----------------------------------------------------------------------

  // A destructured name that is not here reaches this prototype and fails the bootstrap.
  const missing = new Proxy({ __proto__: null }, {
    get(_, key) {
      throw new Error(`primordials: ${String(key)} is not captured`);
    },
  });
  ObjectSetPrototypeOf(P, missing);
  hooks.primordials = ObjectFreeze(P);
});
