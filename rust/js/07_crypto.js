// crypto: getRandomValues, randomUUID, and SubtleCrypto over native ops (rust/ops/crypto/).
//
// This file reads the arguments the way WebIDL and the Web Cryptography spec say (algorithm
// dictionaries, usages, JWK members), checks what the spec checks (names, usages), and hands
// plain records to the ops, which do the cryptography and decide every limit. A CryptoKey's
// material sits in a private field, reachable only from this closure.
(function (ops, hooks) {
  "use strict";
  const { expose, exposeClass, toBytes } = hooks.webidl;
  // Captured now, before user code can replace the global.
  const DOMException = hooks.global("DOMException");
  const {
    ArrayPrototypeIncludes, JSONParse, JSONStringify, MathTrunc, Number, NumberIsFinite, NumberIsNaN,
    ObjectDefineProperty, ObjectFreeze, ObjectHasOwn, ObjectSetPrototypeOf, ReflectApply, SafeArrayFrom, SafeArrayMap, SafeArrayPush,
    SafeMap, SafeSet, StringPrototypeToLowerCase, Symbol, TypeError, TypedArrayPrototypeGetBuffer,
    TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetByteOffset, Uint8Array, isUint8Array, typedArrayName,
  } = hooks.primordials;

  const internal = Symbol("internal");
  const MAX_RANDOM_BYTES = 65536;
  const integerArrays = new SafeSet([
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array",
  ]);

  function illegalConstructor(key) {
    if (key !== internal) throw new TypeError("Illegal constructor");
  }

  function domError(message, name) {
    return new DOMException(message, name);
  }

  // Calls an op; its typed failures (an Error with an own `domName`) become DOMExceptions.
  function native(op, args) {
    try {
      return ReflectApply(op, undefined, args);
    } catch (error) {
      if (error !== null && typeof error === "object" && ObjectHasOwn(error, "domName")) throw domError(error.message, error.domName);
      throw error;
    }
  }

  // --- CryptoKey --------------------------------------------------------------------------------

  let keyData;
  let keyInfo;
  let isKey;

  // The tenant sees `algorithm` and `usages` (objects it may change); the runtime reads only
  // `#info`, its own record of the key, and `#data`, the material in the ops' format.
  class CryptoKey {
    #info;
    #algorithm;
    #usages;
    #data;

    constructor(key, info, algorithm, data) {
      illegalConstructor(key);
      this.#info = info;
      this.#algorithm = algorithm;
      this.#usages = SafeArrayMap(info.usages, (usage) => usage);
      this.#data = data;
    }

    get type() {
      return this.#info.type;
    }

    get extractable() {
      return this.#info.extractable;
    }

    get algorithm() {
      return this.#algorithm;
    }

    get usages() {
      return this.#usages;
    }

    static {
      keyData = (key) => key.#data;
      keyInfo = (key) => key.#info;
      isKey = (value) => value !== null && typeof value === "object" && #data in value;
    }
  }

  function requireKey(value, what) {
    if (!isKey(value)) throw new TypeError(`${what}: parameter is not of type 'CryptoKey'`);
    return value;
  }

  // --- argument conversion ----------------------------------------------------------------------

  function requireArgs(count, needed, method) {
    if (count < needed) throw new TypeError(`SubtleCrypto.${method}: ${needed} arguments required, but only ${count} present`);
  }

  // A copy of a BufferSource's bytes, taken when the argument is read, as the spec says.
  function copyBytes(source, what) {
    return new Uint8Array(toBytes(source, what));
  }

  // WebIDL [EnforceRange] unsigned integer of `bits` bits.
  function enforceRange(value, what, bits) {
    const n = Number(value);
    if (NumberIsNaN(n) || !NumberIsFinite(n)) throw new TypeError(`${what} is not a finite number`);
    const int = MathTrunc(n);
    const max = bits === 8 ? 255 : bits === 16 ? 65535 : 4294967295;
    if (int < 0 || int > max) throw new TypeError(`${what} is outside the range of an unsigned ${bits}-bit integer`);
    return int;
  }

  // What each operation accepts, by lower-cased name: canonical name and parameters to read.
  const opAlgorithms = {
    __proto__: null,
    digest: ["SHA-1", "SHA-256", "SHA-384", "SHA-512"],
    sign: ["HMAC", "ECDSA", "Ed25519", "RSASSA-PKCS1-v1_5", "RSA-PSS"],
    encrypt: ["AES-GCM", "AES-CBC", "AES-CTR", "RSA-OAEP"],
    generateKey: ["HMAC", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW", "ECDSA", "ECDH", "Ed25519", "X25519", "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"],
    importKey: [
      "HMAC", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW", "ECDSA", "ECDH", "Ed25519", "X25519", "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP",
      "PBKDF2", "HKDF",
    ],
    deriveBits: ["PBKDF2", "HKDF", "ECDH", "X25519"],
    wrapKey: ["AES-KW", "AES-GCM", "AES-CBC", "AES-CTR", "RSA-OAEP"],
  };
  const canonical = new SafeMap();
  {
    const all = opAlgorithms.importKey;
    for (let i = 0; i < all.length; i++) canonical.set(StringPrototypeToLowerCase(all[i]), all[i]);
    const digests = opAlgorithms.digest;
    for (let i = 0; i < digests.length; i++) canonical.set(StringPrototypeToLowerCase(digests[i]), digests[i]);
  }

  // The members each algorithm's params dictionary has, in the order WebIDL reads them.
  function paramsFor(name, op) {
    switch (name) {
      case "HMAC": return op === "generateKey" || op === "importKey" || op === "length" ? ["hash", "length"] : [];
      case "AES-GCM": return op === "encrypt" ? ["additionalData", "iv", "tagLength"] : op === "generateKey" || op === "length" ? ["length"] : [];
      case "AES-CBC": return op === "encrypt" ? ["iv"] : op === "generateKey" || op === "length" ? ["length"] : [];
      case "AES-CTR": return op === "encrypt" ? ["counter", "length"] : op === "generateKey" || op === "length" ? ["length"] : [];
      case "AES-KW": return op === "generateKey" || op === "length" ? ["length"] : [];
      case "ECDSA": return op === "sign" ? ["hash"] : op === "generateKey" || op === "importKey" ? ["namedCurve"] : [];
      case "ECDH": return op === "deriveBits" ? ["public"] : op === "generateKey" || op === "importKey" ? ["namedCurve"] : [];
      case "X25519": return op === "deriveBits" ? ["public"] : [];
      case "RSASSA-PKCS1-v1_5":
      case "RSA-PSS":
      case "RSA-OAEP":
        if (op === "generateKey") return ["hash", "modulusLength", "publicExponent"];
        if (op === "importKey") return ["hash"];
        if (op === "sign" && name === "RSA-PSS") return ["saltLength"];
        if (op === "encrypt" && name === "RSA-OAEP") return ["label"];
        return [];
      case "PBKDF2": return op === "deriveBits" ? ["hash", "iterations", "salt"] : [];
      case "HKDF": return op === "deriveBits" ? ["hash", "info", "salt"] : [];
      default: return [];
    }
  }

  const optionalMembers = new SafeSet(["additionalData", "tagLength", "label"]);

  function readMember(record, dict, member, name, op) {
    const value = dict[member];
    if (value === undefined) {
      if (optionalMembers.has(member) || (member === "length" && name === "HMAC")) return;
      throw new TypeError(`${name}: ${member} is required`);
    }
    switch (member) {
      case "hash":
        record.hash = normalize(value, "digest").name;
        return;
      case "additionalData": case "iv": case "counter": case "label": case "salt": case "info":
        record[member] = copyBytes(value, `${name}: ${member}`);
        return;
      case "tagLength": case "length":
        // octet for tagLength and AES-CTR's counter length, unsigned short for AES key lengths.
        record[member] = enforceRange(value, `${name}: ${member}`, member === "tagLength" || (name === "AES-CTR" && op === "encrypt") ? 8 : name === "HMAC" ? 32 : 16);
        return;
      case "iterations": case "saltLength": case "modulusLength":
        record[member] = enforceRange(value, `${name}: ${member}`, 32);
        return;
      case "namedCurve":
        record.namedCurve = `${value}`;
        return;
      case "publicExponent":
        if (!isUint8Array(value)) throw new TypeError(`${name}: publicExponent must be a Uint8Array`);
        record.publicExponent = new Uint8Array(value);
        return;
      case "public":
        record.public = requireKey(value, `${name}: public`);
        return;
    }
  }

  // The spec's "normalize an algorithm": a name or a dictionary with one, matched
  // case-insensitively among those `op` supports, with its parameters read and copied.
  function normalize(algorithm, op) {
    let dict = algorithm;
    if (typeof algorithm === "string") dict = { __proto__: null, name: algorithm };
    else if (algorithm === null || (typeof algorithm !== "object" && typeof algorithm !== "function")) {
      throw new TypeError("Algorithm: expected a string or an object");
    }
    const requested = dict.name;
    if (requested === undefined) throw new TypeError("Algorithm: name is required");
    const text = `${requested}`;
    const name = canonical.get(StringPrototypeToLowerCase(text));
    const allowed = op === "length" ? opAlgorithms.importKey : opAlgorithms[op === "verify" ? "sign" : op === "decrypt" ? "encrypt" : op === "unwrapKey" ? "wrapKey" : op];
    if (name === undefined || !ArrayPrototypeIncludes(allowed, name)) {
      throw domError(`Unrecognized or unsupported algorithm for ${op}: ${text}`, "NotSupportedError");
    }
    const record = { __proto__: null, name };
    const members = paramsFor(name, op === "verify" ? "sign" : op === "decrypt" || op === "wrapKey" || op === "unwrapKey" ? "encrypt" : op);
    for (let i = 0; i < members.length; i++) readMember(record, dict, members[i], name, op);
    return record;
  }

  const allUsages = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

  function readUsages(value) {
    if (value === null || typeof value !== "object") throw new TypeError("keyUsages: expected a sequence");
    const list = SafeArrayFrom(value);
    const out = [];
    for (let i = 0; i < list.length; i++) {
      const usage = `${list[i]}`;
      if (!ArrayPrototypeIncludes(allUsages, usage)) throw new TypeError(`keyUsages: '${usage}' is not a valid KeyUsage`);
      if (!ArrayPrototypeIncludes(out, usage)) SafeArrayPush(out, usage);
    }
    return out;
  }

  // Usages each algorithm's keys may have, by key type.
  function usagesFor(name, type) {
    switch (name) {
      case "HMAC": return ["sign", "verify"];
      case "AES-GCM": case "AES-CBC": case "AES-CTR": return ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
      case "AES-KW": return ["wrapKey", "unwrapKey"];
      case "ECDSA": case "Ed25519": case "RSASSA-PKCS1-v1_5": case "RSA-PSS":
        return type === "private" ? ["sign"] : ["verify"];
      case "RSA-OAEP": return type === "private" ? ["decrypt", "unwrapKey"] : ["encrypt", "wrapKey"];
      case "ECDH": case "X25519": return type === "public" ? [] : ["deriveKey", "deriveBits"];
      default: return ["deriveKey", "deriveBits"];
    }
  }

  function checkUsages(name, type, usages) {
    const allowed = usagesFor(name, type);
    for (let i = 0; i < usages.length; i++) {
      if (!ArrayPrototypeIncludes(allowed, usages[i])) throw domError(`Usage '${usages[i]}' is not valid for a ${name} ${type} key`, "SyntaxError");
    }
  }

  // Only the usages of `usages` that a key of `type` may have, for one half of a key pair.
  function usagesOf(name, type, usages) {
    const allowed = usagesFor(name, type);
    const out = [];
    for (let i = 0; i < usages.length; i++) if (ArrayPrototypeIncludes(allowed, usages[i])) SafeArrayPush(out, usages[i]);
    return out;
  }

  // --- keys -------------------------------------------------------------------------------------

  function bytesOf(buffer) {
    return new Uint8Array(buffer);
  }

  // The algorithm object a key reports (KeyAlgorithm and its per-algorithm extensions).
  function keyAlgorithm(record, bits, exponent) {
    const name = record.name;
    if (name === "HMAC") return { name, hash: { name: record.hash }, length: bits };
    if (name === "AES-GCM" || name === "AES-CBC" || name === "AES-CTR" || name === "AES-KW") return { name, length: bits };
    if (name === "ECDSA" || name === "ECDH") return { name, namedCurve: record.namedCurve };
    if (name === "RSASSA-PKCS1-v1_5" || name === "RSA-PSS" || name === "RSA-OAEP") {
      return { name, modulusLength: bits, publicExponent: bytesOf(exponent), hash: { name: record.hash } };
    }
    return { name };
  }

  // The op's `param` for a key: its curve, or its hash.
  function keyParam(record) {
    return record.namedCurve !== undefined ? record.namedCurve : record.hash !== undefined ? record.hash : "";
  }

  // `record` is the runtime's own { name, namedCurve, hash } of the key's algorithm.
  function makeKey(type, extractable, algorithm, usages, data, record) {
    const info = { __proto__: null, type, extractable, usages, record };
    return new CryptoKey(internal, info, algorithm, data);
  }

  function useKey(key, name, usage) {
    const info = keyInfo(key);
    if (info.record.name !== name) throw domError(`The key is for ${info.record.name}, not ${name}`, "InvalidAccessError");
    if (!ArrayPrototypeIncludes(info.usages, usage)) throw domError(`The key's usages do not include '${usage}'`, "InvalidAccessError");
    return info;
  }

  const jwkMembers = ["alg", "crv", "d", "dp", "dq", "e", "ext", "k", "key_ops", "kty", "n", "oth", "p", "q", "qi", "use", "x", "y"];

  // A JsonWebKey dictionary, read member by member as WebIDL does.
  function readJwk(value) {
    if (value === null || typeof value !== "object") throw new TypeError("importKey: keyData must be a JsonWebKey object for format 'jwk'");
    const jwk = { __proto__: null };
    for (let i = 0; i < jwkMembers.length; i++) {
      const member = jwkMembers[i];
      const v = value[member];
      if (v === undefined || member === "oth") continue;
      if (member === "ext") jwk.ext = !!v;
      else if (member === "key_ops") {
        if (v === null || typeof v !== "object") throw new TypeError("JsonWebKey: key_ops must be a sequence");
        const given = SafeArrayFrom(v);
        const list = [];
        for (let j = 0; j < given.length; j++) SafeArrayPush(list, `${given[j]}`);
        jwk.key_ops = list;
      } else jwk[member] = `${v}`;
    }
    return jwk;
  }

  function checkJwk(jwk, name, extractable, usages) {
    const sig = name === "HMAC" || name === "ECDSA" || name === "Ed25519" || name === "RSASSA-PKCS1-v1_5" || name === "RSA-PSS";
    if (usages.length > 0 && jwk.use !== undefined && jwk.use !== (sig ? "sig" : "enc")) throw domError(`JWK use '${jwk.use}' does not fit ${name}`, "DataError");
    if (jwk.key_ops !== undefined) {
      for (let i = 0; i < usages.length; i++) {
        if (!ArrayPrototypeIncludes(jwk.key_ops, usages[i])) throw domError(`JWK key_ops does not include '${usages[i]}'`, "DataError");
      }
    }
    if (jwk.ext === false && extractable) throw domError("JWK ext is false but an extractable key was requested", "DataError");
  }

  function importKey(format, keyData, record, extractable, usages) {
    const name = record.name;
    format = `${format}`;
    let data;
    if (format === "jwk") {
      data = readJwk(keyData);
      checkJwk(data, name, extractable, usages);
    } else if (format === "raw" || format === "spki" || format === "pkcs8") {
      data = copyBytes(keyData, "importKey: keyData");
    } else {
      throw domError(`Unrecognized key format: ${format}`, "NotSupportedError");
    }
    if ((name === "PBKDF2" || name === "HKDF") && (format !== "raw" || extractable)) {
      throw domError(format !== "raw" ? `${name} keys can only be imported as raw` : `${name} keys cannot be extractable`, format !== "raw" ? "NotSupportedError" : "SyntaxError");
    }
    const result = native(ops.importKey, [format, name, keyParam(record), data]);
    const type = result[0];
    checkUsages(name, type, usages);
    if (type !== "public" && usages.length === 0) throw domError(`A ${type} key needs at least one usage`, "SyntaxError");
    if (name === "HMAC" && record.length !== undefined && record.length !== result[2]) {
      throw domError(`HMAC length ${record.length} does not match the key's ${result[2]} bits`, "DataError");
    }
    const keyRecordOut = { __proto__: null, name, namedCurve: record.namedCurve, hash: record.hash };
    return makeKey(type, extractable, keyAlgorithm(record, result[2], result[3]), usages, bytesOf(result[1]), keyRecordOut);
  }

  function exportKey(format, key) {
    format = `${format}`;
    const info = keyInfo(key);
    if (!info.extractable) throw domError("The key is not extractable", "InvalidAccessError");
    if (format !== "raw" && format !== "spki" && format !== "pkcs8" && format !== "jwk") throw domError(`Unrecognized key format: ${format}`, "NotSupportedError");
    const record = info.record;
    const out = native(ops.exportKey, [format, record.name, keyParam(record), info.type, keyData(key)]);
    if (format !== "jwk") return out;
    const keyOps = [];
    for (let i = 0; i < info.usages.length; i++) SafeArrayPush(keyOps, info.usages[i]);
    ObjectDefineProperty(out, "key_ops", { __proto__: null, value: keyOps, writable: true, enumerable: true, configurable: true });
    ObjectDefineProperty(out, "ext", { __proto__: null, value: info.extractable, writable: true, enumerable: true, configurable: true });
    return out;
  }

  function generateKey(record, extractable, usages) {
    const name = record.name;
    const param = keyParam(record);
    const length = record.length !== undefined ? record.length : record.modulusLength;
    const result = native(ops.generateKey, [name, param, length, record.publicExponent]);
    const keyRecordOut = { __proto__: null, name, namedCurve: record.namedCurve, hash: record.hash };
    if (typeof result[0] === "string") {
      checkUsages(name, "secret", usages);
      if (usages.length === 0) throw domError("A secret key needs at least one usage", "SyntaxError");
      return makeKey("secret", extractable, keyAlgorithm(record, result[2]), usages, bytesOf(result[1]), keyRecordOut);
    }
    const priv = result[0];
    for (let i = 0; i < usages.length; i++) {
      if (!ArrayPrototypeIncludes(usagesFor(name, "private"), usages[i]) && !ArrayPrototypeIncludes(usagesFor(name, "public"), usages[i])) {
        throw domError(`Usage '${usages[i]}' is not valid for ${name}`, "SyntaxError");
      }
    }
    const privateUsages = usagesOf(name, "private", usages);
    if (privateUsages.length === 0) throw domError("A private key needs at least one usage", "SyntaxError");
    // One algorithm object per key, as the spec makes them.
    const privateKey = makeKey("private", extractable, keyAlgorithm(record, priv[2], priv[3]), privateUsages, bytesOf(priv[1]), keyRecordOut);
    const publicKey = makeKey("public", true, keyAlgorithm(record, priv[2], priv[3]), usagesOf(name, "public", usages), bytesOf(result[1]), keyRecordOut);
    return { publicKey, privateKey };
  }

  function deriveBits(record, key, length) {
    const params = { __proto__: null, hash: record.hash, salt: record.salt, info: record.info, iterations: record.iterations, public: undefined };
    let curve = "";
    if (record.public !== undefined) {
      const peer = keyInfo(record.public);
      const own = keyInfo(key);
      if (peer.type !== "public") throw domError("The public member must be a public key", "InvalidAccessError");
      if (peer.record.name !== record.name || peer.record.namedCurve !== own.record.namedCurve) {
        throw domError("The public key's algorithm does not match the private key's", "InvalidAccessError");
      }
      params.public = keyData(record.public);
      curve = own.record.namedCurve === undefined ? "" : own.record.namedCurve;
    }
    return native(ops.deriveBits, [record.name, keyData(key), params, length, curve]);
  }

  // The length in bits a derived key of this algorithm needs (the spec's "get key length").
  function keyLength(record) {
    const name = record.name;
    if (name === "HMAC") {
      if (record.length !== undefined) return record.length;
      return record.hash === "SHA-384" || record.hash === "SHA-512" ? 1024 : 512;
    }
    if (name === "AES-GCM" || name === "AES-CBC" || name === "AES-CTR" || name === "AES-KW") {
      if (record.length !== 128 && record.length !== 192 && record.length !== 256) throw domError("AES key length must be 128, 192 or 256 bits", "OperationError");
      return record.length;
    }
    if (name === "HKDF" || name === "PBKDF2") return null;
    throw domError(`${name} keys cannot be derived`, "NotSupportedError");
  }

  function cipher(encrypt, record, key, data) {
    const params = {
      __proto__: null, iv: record.iv, counter: record.counter, length: record.length, additionalData: record.additionalData,
      tagLength: record.tagLength, label: record.label, hash: keyInfo(key).record.hash,
    };
    return native(ops.cipher, [encrypt, record.name, keyData(key), params, data]);
  }

  // A JWK as bytes to wrap: serialized with null prototypes, so no toJSON of the tenant's runs.
  function jwkBytes(jwk) {
    ObjectSetPrototypeOf(jwk, null);
    ObjectSetPrototypeOf(jwk.key_ops, null);
    return ops.utf8Encode(JSONStringify(jwk));
  }

  // --- SubtleCrypto -----------------------------------------------------------------------------

  class SubtleCrypto {
    constructor(key) {
      illegalConstructor(key);
    }

    // Every method is async: whatever goes wrong rejects the promise, never throws.
    async digest(algorithm, data) {
      requireArgs(arguments.length, 2, "digest");
      const record = normalize(algorithm, "digest");
      return ops.digest(record.name, copyBytes(data, "SubtleCrypto.digest"));
    }

    async importKey(format, keyData, algorithm, extractable, keyUsages) {
      requireArgs(arguments.length, 5, "importKey");
      const record = normalize(algorithm, "importKey");
      return importKey(format, keyData, record, !!extractable, readUsages(keyUsages));
    }

    async exportKey(format, key) {
      requireArgs(arguments.length, 2, "exportKey");
      return exportKey(format, requireKey(key, "SubtleCrypto.exportKey"));
    }

    async generateKey(algorithm, extractable, keyUsages) {
      requireArgs(arguments.length, 3, "generateKey");
      const record = normalize(algorithm, "generateKey");
      return generateKey(record, !!extractable, readUsages(keyUsages));
    }

    async sign(algorithm, key, data) {
      requireArgs(arguments.length, 3, "sign");
      const record = normalize(algorithm, "sign");
      requireKey(key, "SubtleCrypto.sign");
      const bytes = copyBytes(data, "SubtleCrypto.sign");
      const info = useKey(key, record.name, "sign");
      const hash = record.hash !== undefined ? record.hash : info.record.hash;
      return native(ops.sign, [record.name, hash, info.record.namedCurve, record.saltLength, keyData(key), bytes]);
    }

    async verify(algorithm, key, signature, data) {
      requireArgs(arguments.length, 4, "verify");
      const record = normalize(algorithm, "verify");
      requireKey(key, "SubtleCrypto.verify");
      const sig = copyBytes(signature, "SubtleCrypto.verify");
      const bytes = copyBytes(data, "SubtleCrypto.verify");
      const info = useKey(key, record.name, "verify");
      const hash = record.hash !== undefined ? record.hash : info.record.hash;
      return native(ops.verify, [record.name, hash, info.record.namedCurve, record.saltLength, keyData(key), sig, bytes]);
    }

    async encrypt(algorithm, key, data) {
      requireArgs(arguments.length, 3, "encrypt");
      const record = normalize(algorithm, "encrypt");
      requireKey(key, "SubtleCrypto.encrypt");
      const bytes = copyBytes(data, "SubtleCrypto.encrypt");
      useKey(key, record.name, "encrypt");
      return cipher(true, record, key, bytes);
    }

    async decrypt(algorithm, key, data) {
      requireArgs(arguments.length, 3, "decrypt");
      const record = normalize(algorithm, "decrypt");
      requireKey(key, "SubtleCrypto.decrypt");
      const bytes = copyBytes(data, "SubtleCrypto.decrypt");
      useKey(key, record.name, "decrypt");
      return cipher(false, record, key, bytes);
    }

    async deriveBits(algorithm, baseKey, length) {
      requireArgs(arguments.length, 2, "deriveBits");
      const record = normalize(algorithm, "deriveBits");
      requireKey(baseKey, "SubtleCrypto.deriveBits");
      const bits = length === undefined || length === null ? null : enforceRange(length, "deriveBits: length", 32);
      useKey(baseKey, record.name, "deriveBits");
      return deriveBits(record, baseKey, bits);
    }

    async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
      requireArgs(arguments.length, 5, "deriveKey");
      const record = normalize(algorithm, "deriveBits");
      const derived = normalize(derivedKeyType, "importKey");
      const lengthRecord = normalize(derivedKeyType, "length");
      requireKey(baseKey, "SubtleCrypto.deriveKey");
      const usages = readUsages(keyUsages);
      useKey(baseKey, record.name, "deriveKey");
      const bits = deriveBits(record, baseKey, keyLength(lengthRecord));
      return importKey("raw", bits, derived, !!extractable, usages);
    }

    async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
      requireArgs(arguments.length, 4, "wrapKey");
      const record = normalize(wrapAlgorithm, "wrapKey");
      requireKey(key, "SubtleCrypto.wrapKey");
      requireKey(wrappingKey, "SubtleCrypto.wrapKey");
      useKey(wrappingKey, record.name, "wrapKey");
      const exported = exportKey(format, key);
      const bytes = `${format}` === "jwk" ? jwkBytes(exported) : exported;
      if (record.name === "AES-KW") return native(ops.cipher, [true, "AES-KW", keyData(wrappingKey), record, bytes]);
      return cipher(true, record, wrappingKey, bytes);
    }

    async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
      requireArgs(arguments.length, 7, "unwrapKey");
      const record = normalize(unwrapAlgorithm, "unwrapKey");
      const keyAlgorithmRecord = normalize(unwrappedKeyAlgorithm, "importKey");
      const wrapped = copyBytes(wrappedKey, "SubtleCrypto.unwrapKey");
      requireKey(unwrappingKey, "SubtleCrypto.unwrapKey");
      const usages = readUsages(keyUsages);
      useKey(unwrappingKey, record.name, "unwrapKey");
      const bytes = record.name === "AES-KW"
        ? native(ops.cipher, [false, "AES-KW", keyData(unwrappingKey), record, wrapped])
        : cipher(false, record, unwrappingKey, wrapped);
      let material = bytes;
      if (`${format}` === "jwk") {
        try {
          material = JSONParse(ops.utf8Decode(bytes, false, false));
        } catch {
          throw domError("The unwrapped key is not valid JWK JSON", "DataError");
        }
      }
      return importKey(format, material, keyAlgorithmRecord, !!extractable, usages);
    }

    // Workers' extension: compares in constant time; buffers of different lengths are a TypeError.
    timingSafeEqual(a, b) {
      if (arguments.length < 2) throw new TypeError("SubtleCrypto.timingSafeEqual: 2 arguments required");
      return ops.timingSafeEqual(copyBytes(a, "timingSafeEqual"), copyBytes(b, "timingSafeEqual"));
    }
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

  ObjectFreeze(allUsages);
  exposeClass(CryptoKey);
  exposeClass(SubtleCrypto);
  exposeClass(Crypto);
  expose("crypto", new Crypto(internal));
});
