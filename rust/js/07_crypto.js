// crypto: getRandomValues, randomUUID and subtle.digest over native ops.
//
// The other SubtleCrypto methods exist so feature checks find them, and reject with
// NotSupportedError until the host provides keys and ciphers.
(function (ops, hooks) {
  "use strict";
  const { expose, exposeClass, toBytes } = hooks.webidl;
  // Captured now, before user code can replace the global.
  const DOMException = hooks.global("DOMException");
  const {
    ObjectDefineProperty, SafeMap, SafeSet, StringPrototypeToLowerCase, Symbol, TypeError, TypedArrayPrototypeGetBuffer,
    TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetByteOffset, Uint8Array, typedArrayName,
  } = hooks.primordials;

  const internal = Symbol("internal");
  const MAX_RANDOM_BYTES = 65536;
  const digestNames = new SafeMap([["sha-1", "SHA-1"], ["sha-256", "SHA-256"], ["sha-384", "SHA-384"], ["sha-512", "SHA-512"]]);
  const integerArrays = new SafeSet([
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array",
  ]);

  function illegalConstructor(key) {
    if (key !== internal) throw new TypeError("Illegal constructor");
  }

  // Algorithm identifiers are a name or an object with one, matched case-insensitively.
  function algorithmName(algorithm) {
    const name = typeof algorithm === "object" && algorithm !== null ? algorithm.name : algorithm;
    if (name === undefined) throw new TypeError("Algorithm: name is required");
    return `${name}`;
  }

  class SubtleCrypto {
    constructor(key) {
      illegalConstructor(key);
    }

    // Errors reject the promise rather than throw, as every SubtleCrypto method does.
    async digest(algorithm, data) {
      if (arguments.length < 2) throw new TypeError("SubtleCrypto.digest: 2 arguments required");
      const requested = algorithmName(algorithm);
      const name = digestNames.get(StringPrototypeToLowerCase(requested));
      if (name === undefined) throw new DOMException(`Unrecognized digest algorithm: ${requested}`, "NotSupportedError");
      return ops.digest(name, toBytes(data, "SubtleCrypto.digest"));
    }
  }

  // Named after the method it stands in for, so stack traces and console output read right.
  function notSupported(method) {
    return {
      async [method]() {
        throw new DOMException(`SubtleCrypto.${method} is not supported in this runtime`, "NotSupportedError");
      },
    }[method];
  }

  const unsupported = ["encrypt", "decrypt", "sign", "verify", "generateKey", "deriveKey", "deriveBits", "importKey", "exportKey", "wrapKey", "unwrapKey"];
  for (let i = 0; i < unsupported.length; i++) {
    ObjectDefineProperty(SubtleCrypto.prototype, unsupported[i], { __proto__: null, value: notSupported(unsupported[i]), writable: true, configurable: true });
  }

  const subtle = new SubtleCrypto(internal);

  class Crypto {
    constructor(key) {
      illegalConstructor(key);
    }

    get subtle() {
      return subtle;
    }

    getRandomValues(array) {
      if (!integerArrays.has(typedArrayName(array))) {
        throw new DOMException("getRandomValues: the argument must be an integer TypedArray", "TypeMismatchError");
      }
      const byteLength = TypedArrayPrototypeGetByteLength(array);
      if (byteLength > MAX_RANDOM_BYTES) {
        throw new DOMException(`getRandomValues: ${byteLength} bytes requested, at most ${MAX_RANDOM_BYTES} allowed`, "QuotaExceededError");
      }
      ops.randomFill(new Uint8Array(TypedArrayPrototypeGetBuffer(array), TypedArrayPrototypeGetByteOffset(array), byteLength));
      return array;
    }

    randomUUID() {
      return ops.randomUUID();
    }
  }

  exposeClass(SubtleCrypto);
  exposeClass(Crypto);
  expose("crypto", new Crypto(internal));
});
