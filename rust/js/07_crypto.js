// crypto: getRandomValues, randomUUID and subtle.digest over native ops.
//
// The other SubtleCrypto methods exist so feature checks find them, and reject with
// NotSupportedError until the host provides keys and ciphers.
(function (ops, hooks) {
  "use strict";
  const { expose, exposeClass, toBytes } = hooks.webidl;
  // Captured now, before user code can replace the global.
  const { DOMException } = globalThis;

  const internal = Symbol("internal");
  const MAX_RANDOM_BYTES = 65536;
  const digestNames = new Map(["SHA-1", "SHA-256", "SHA-384", "SHA-512"].map((name) => [name.toLowerCase(), name]));
  const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

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
      const name = digestNames.get(algorithmName(algorithm).toLowerCase());
      if (name === undefined) throw new DOMException(`Unrecognized digest algorithm: ${algorithmName(algorithm)}`, "NotSupportedError");
      return ops.digest(name, toBytes(data, "SubtleCrypto.digest").slice());
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

  for (const method of ["encrypt", "decrypt", "sign", "verify", "generateKey", "deriveKey", "deriveBits", "importKey", "exportKey", "wrapKey", "unwrapKey"]) {
    Object.defineProperty(SubtleCrypto.prototype, method, { value: notSupported(method), writable: true, configurable: true });
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
      if (!integerArrays.some((type) => array instanceof type)) {
        throw new DOMException("getRandomValues: the argument must be an integer TypedArray", "TypeMismatchError");
      }
      if (array.byteLength > MAX_RANDOM_BYTES) {
        throw new DOMException(`getRandomValues: ${array.byteLength} bytes requested, at most ${MAX_RANDOM_BYTES} allowed`, "QuotaExceededError");
      }
      ops.randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
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
