// node:crypto: Node's synchronous hashing (createHash, createHmac, hash) over native incremental
// digests (ops.hash*), random values, timingSafeEqual, and the Web Crypto API the worker already
// has as `webcrypto`/`subtle`. Ciphers, key objects and sign/verify are not here.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayBufferIsView, ArrayBufferPrototypeGetByteLength, DataViewPrototypeGetByteLength, Error, MathMin, NumberIsInteger, NumberMAX_SAFE_INTEGER, ObjectFreeze, RangeError, ReflectApply,
    TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetByteOffset, TypeError, Uint8Array,
    SafeArraySlice, TypedArrayPrototypeGetLength, isArrayBuffer, isSharedArrayBuffer, isTypedArray,
  } = hooks.primordials;
  const { coded, invalidArgType, outOfRange, validateFunction, validateString } = hooks.node;
  const { Buffer } = hooks["node:buffer"];
  const bufferFrom = Buffer.from;
  const bufferAlloc = Buffer.alloc;
  const crypto = hooks.global("crypto");
  const getRandomValuesOf = crypto.getRandomValues;
  const randomUUIDOf = crypto.randomUUID;
  const subtle = crypto.subtle;

  // The bytes of data given to update() or as a key: a string in its encoding, or a view's bytes.
  function bytesOf(data, encoding, name) {
    if (typeof data === "string") return bufferFrom(data, encoding === "buffer" ? undefined : encoding);
    if (isTypedArray(data) || ArrayBufferIsView(data)) return data;
    if (isArrayBuffer(data) || isSharedArrayBuffer(data)) return new Uint8Array(data);
    throw invalidArgType(name, "of type string or an instance of Buffer, TypedArray, or DataView", data);
  }

  function output(bytes, encoding) {
    const buffer = bufferFrom(TypedArrayPrototypeGetBuffer(bytes), TypedArrayPrototypeGetByteOffset(bytes), TypedArrayPrototypeGetByteLength(bytes));
    return encoding === undefined || encoding === "buffer" ? buffer : buffer.toString(encoding);
  }

  const finalized = () => coded(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");

  class Hash {
    #id;
    #done = false;

    constructor(id) {
      this.#id = id;
    }

    update(data, encoding = undefined) {
      if (this.#done) throw finalized();
      ops.hashUpdate(this.#id, bytesOf(data, encoding, "data"));
      return this;
    }

    digest(encoding = undefined) {
      if (this.#done) throw finalized();
      this.#done = true;
      return output(ops.hashDigest(this.#id), encoding);
    }

    copy() {
      if (this.#done) throw finalized();
      return new Hash(ops.hashCopy(this.#id));
    }
  }

  class Hmac {
    #id;
    #done = false;

    constructor(id) {
      this.#id = id;
    }

    update(data, encoding = undefined) {
      if (this.#done) throw coded(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
      ops.hashUpdate(this.#id, bytesOf(data, encoding, "data"));
      return this;
    }

    // Node answers a second digest() of an Hmac with an empty result rather than an error.
    digest(encoding = undefined) {
      if (this.#done) return output(new Uint8Array(0), encoding);
      this.#done = true;
      return output(ops.hashDigest(this.#id), encoding);
    }
  }

  function createHash(algorithm, options = undefined) {
    validateString(algorithm, "algorithm");
    const id = ops.hashOpen(algorithm, undefined);
    if (id === null) throw new Error("Digest method not supported");
    return new Hash(id);
  }

  function createHmac(algorithm, key, options = undefined) {
    validateString(algorithm, "hmac");
    const keyBytes = bytesOf(key, undefined, "key");
    const id = ops.hashOpen(algorithm, keyBytes);
    if (id === null) throw coded(TypeError, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${algorithm}`);
    return new Hmac(id);
  }

  function hash(algorithm, data, outputEncoding = "hex") {
    validateString(algorithm, "algorithm");
    if (typeof data !== "string" && !isTypedArray(data) && !ArrayBufferIsView(data)) {
      throw invalidArgType("data", "of type string or an instance of Buffer, TypedArray, or DataView", data);
    }
    return createHash(algorithm).update(data).digest(outputEncoding);
  }

  // getRandomValues takes at most 64 KiB at a time.
  function fillRandom(view) {
    const bytes = new Uint8Array(TypedArrayPrototypeGetBuffer(view), TypedArrayPrototypeGetByteOffset(view), TypedArrayPrototypeGetByteLength(view));
    const length = TypedArrayPrototypeGetLength(bytes);
    for (let at = 0; at < length; at += 65536) {
      ops.randomFill(new Uint8Array(TypedArrayPrototypeGetBuffer(bytes), TypedArrayPrototypeGetByteOffset(bytes) + at, MathMin(65536, length - at)));
    }
    return view;
  }

  function randomBytes(size, callback = undefined) {
    if (typeof size !== "number") throw invalidArgType("size", "of type number", size);
    if (!(size >= 0 && size <= 2 ** 31 - 1) || !NumberIsInteger(size)) throw outOfRange("size", `>= 0 && <= ${2 ** 31 - 1}`, size);
    if (callback !== undefined) validateFunction(callback, "callback");
    const buffer = fillRandom(bufferAlloc(size));
    if (callback === undefined) return buffer;
    ops.enqueueMicrotask(() => ReflectApply(callback, undefined, [null, buffer]));
    return undefined;
  }

  function randomFillSync(view, offset = 0, size = undefined) {
    if (!ArrayBufferIsView(view) && !isArrayBuffer(view)) {
      throw invalidArgType("buf", "an instance of ArrayBuffer or ArrayBufferView", view);
    }
    const bytes = isArrayBuffer(view) ? new Uint8Array(view) : new Uint8Array(TypedArrayPrototypeGetBuffer(view), TypedArrayPrototypeGetByteOffset(view), TypedArrayPrototypeGetByteLength(view));
    const length = TypedArrayPrototypeGetLength(bytes);
    const end = size === undefined ? length : offset + size;
    if (typeof offset !== "number" || offset < 0 || offset > length) throw outOfRange("offset", `>= 0 && <= ${length}`, offset);
    if (!(end <= length)) throw outOfRange("size + offset", `<= ${length}`, end);
    fillRandom(new Uint8Array(TypedArrayPrototypeGetBuffer(bytes), TypedArrayPrototypeGetByteOffset(bytes) + offset, end - offset));
    return view;
  }

  function randomFill(view, offset, size, callback) {
    if (typeof offset === "function") {
      callback = offset;
      offset = 0;
      size = undefined;
    } else if (typeof size === "function") {
      callback = size;
      size = undefined;
    }
    validateFunction(callback, "callback");
    randomFillSync(view, offset, size);
    ops.enqueueMicrotask(() => ReflectApply(callback, undefined, [null, view]));
  }

  // A uniform integer in [min, max) by rejection sampling over 48 random bits, as Node does.
  function randomInt(min, max = undefined, callback = undefined) {
    if (typeof max === "function" || max === undefined) {
      callback = max;
      max = min;
      min = 0;
    }
    if (!NumberIsInteger(min) || min < -NumberMAX_SAFE_INTEGER || min > NumberMAX_SAFE_INTEGER) throw invalidArgType("min", "a safe integer", min);
    if (!NumberIsInteger(max) || max < -NumberMAX_SAFE_INTEGER || max > NumberMAX_SAFE_INTEGER) throw invalidArgType("max", "a safe integer", max);
    if (max <= min) throw outOfRange("max", `greater than the value of "min" (${min})`, max);
    const range = max - min;
    if (range > 2 ** 48 - 1) throw outOfRange("max - min", `<= ${2 ** 48 - 1}`, range);
    if (callback !== undefined) validateFunction(callback, "callback");
    const limit = 2 ** 48 - (2 ** 48 % range);
    const six = new Uint8Array(6);
    let value;
    do {
      ops.randomFill(six);
      value = six[0] * 2 ** 40 + six[1] * 2 ** 32 + six[2] * 2 ** 24 + six[3] * 2 ** 16 + six[4] * 2 ** 8 + six[5];
    } while (value >= limit);
    const result = min + (value % range);
    if (callback === undefined) return result;
    ops.enqueueMicrotask(() => ReflectApply(callback, undefined, [null, result]));
    return undefined;
  }

  function timingSafeEqual(a, b) {
    const isView = (v) => ArrayBufferIsView(v) || isArrayBuffer(v);
    if (!isView(a)) throw invalidArgType("buf1", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", a);
    if (!isView(b)) throw invalidArgType("buf2", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", b);
    const length = (v) => (isArrayBuffer(v) ? ArrayBufferPrototypeGetByteLength(v) : isTypedArray(v) ? TypedArrayPrototypeGetByteLength(v) : DataViewPrototypeGetByteLength(v));
    if (length(a) !== length(b)) throw coded(RangeError, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length");
    return ops.timingSafeEqual(a, b);
  }

  function getRandomValues(view) {
    return ReflectApply(getRandomValuesOf, crypto, [view]);
  }

  function randomUUID() {
    return ReflectApply(randomUUIDOf, crypto, []);
  }

  const HASHES = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];
  const constants = ObjectFreeze({ __proto__: null });
  const exports = {
    createHash, createHmac, hash, Hash, Hmac, randomBytes, randomFillSync, randomFill, randomInt, randomUUID,
    getRandomValues, timingSafeEqual, webcrypto: crypto, subtle, constants,
    getHashes: () => SafeArraySlice(HASHES),
    getCiphers: () => [],
    getCurves: () => [],
    pseudoRandomBytes: randomBytes,
  };
  hooks["node:crypto"] = ObjectFreeze(exports);
});
