// TextEncoder and TextDecoder, UTF-8 only (as in Workers), over the native UTF-8 ops.
(function (ops, hooks) {
  "use strict";
  const { exposeClass, toBytes } = hooks.webidl;
  const {
    Boolean, MathMin, RangeError, SafeRegExp, SafeSet, SafeStringReplace, StringPrototypeToLowerCase,
    TypeError, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetLength,
    TypedArrayPrototypeSet, Uint8Array, isUint8Array,
  } = hooks.primordials;
  const EDGE_WHITESPACE = SafeRegExp(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g);

  class TextEncoder {
    get encoding() {
      return "utf-8";
    }

    encode(input = "") {
      return ops.utf8Encode(`${input}`);
    }

    encodeInto(source, destination) {
      if (!isUint8Array(destination)) throw new TypeError("TextEncoder.encodeInto: destination must be a Uint8Array");
      const counts = ops.utf8EncodeInto(`${source}`, destination);
      return { read: counts[0], written: counts[1] };
    }
  }

  // Every label the Encoding Standard maps to UTF-8.
  const utf8Labels = new SafeSet(["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]);

  function dictionary(value, what) {
    if (value === undefined || value === null) return { __proto__: null };
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what}: options must be an object`);
    return value;
  }

  class TextDecoder {
    #fatal;
    #ignoreBOM;
    // Bytes of a character split across decode(..., { stream: true }) calls.
    #pending = null;
    // Only the first chunk of a stream may carry the BOM that ignoreBOM=false strips.
    #started = false;

    constructor(label = "utf-8", options = undefined) {
      const name = StringPrototypeToLowerCase(SafeStringReplace(`${label}`, EDGE_WHITESPACE, ""));
      if (!utf8Labels.has(name)) throw new RangeError(`TextDecoder: unsupported encoding label '${label}' (only UTF-8 is available)`);
      const init = dictionary(options, "TextDecoder");
      this.#fatal = Boolean(init.fatal);
      this.#ignoreBOM = Boolean(init.ignoreBOM);
    }

    get encoding() {
      return "utf-8";
    }

    get fatal() {
      return this.#fatal;
    }

    get ignoreBOM() {
      return this.#ignoreBOM;
    }

    decode(input = undefined, options = undefined) {
      const stream = Boolean(dictionary(options, "TextDecoder.decode").stream);
      let bytes = input === undefined ? new Uint8Array(0) : toBytes(input, "TextDecoder.decode");
      if (this.#pending !== null) {
        bytes = concat(this.#pending, bytes);
        this.#pending = null;
      }
      const length = TypedArrayPrototypeGetLength(bytes);
      if (stream) {
        const cut = incompleteTail(bytes, length);
        if (cut < length) this.#pending = copy(bytes, cut, length);
        bytes = new Uint8Array(TypedArrayPrototypeGetBuffer(bytes), TypedArrayPrototypeGetByteOffset(bytes), cut);
      }
      const keepBOM = this.#ignoreBOM || this.#started;
      const empty = TypedArrayPrototypeGetLength(bytes) === 0;
      this.#started = stream && (this.#started || !empty);
      return empty ? "" : ops.utf8Decode(bytes, this.#fatal, keepBOM);
    }
  }

  // Typed-array methods that make new arrays (slice, subarray) look up `constructor` and its
  // species, so bytes are copied into arrays made here.
  function concat(a, b) {
    const aLength = TypedArrayPrototypeGetLength(a);
    const out = new Uint8Array(aLength + TypedArrayPrototypeGetLength(b));
    TypedArrayPrototypeSet(out, a);
    TypedArrayPrototypeSet(out, b, aLength);
    return out;
  }

  function copy(bytes, start, end) {
    const out = new Uint8Array(end - start);
    for (let i = start; i < end; i++) out[i - start] = bytes[i];
    return out;
  }

  // Where a trailing, still-valid but unfinished UTF-8 sequence starts (`end` if none). An
  // invalid tail is decoded now: no later byte could make it valid.
  function incompleteTail(bytes, end) {
    for (let back = 1; back <= MathMin(3, end); back++) {
      const lead = bytes[end - back];
      if ((lead & 0xc0) === 0x80) continue;
      const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 1;
      const validSecond = back < 2 || secondByteOk(lead, bytes[end - back + 1]);
      return length > back && validSecond ? end - back : end;
    }
    return end;
  }

  // The lead bytes whose second byte is narrower than 80..BF (overlongs, surrogates, > U+10FFFF).
  function secondByteOk(lead, second) {
    if (lead === 0xe0) return second >= 0xa0;
    if (lead === 0xed) return second <= 0x9f;
    if (lead === 0xf0) return second >= 0x90;
    if (lead === 0xf4) return second <= 0x8f;
    return true;
  }

  exposeClass(TextEncoder);
  exposeClass(TextDecoder);
});
