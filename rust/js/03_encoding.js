// TextEncoder (UTF-8) and TextDecoder (every encoding of the Encoding Standard), over native ops:
// UTF-8 is decoded here and in ops.utf8Decode, the others by encoding_rs (ops/encoding.rs).
(function (ops, hooks) {
  "use strict";
  const { exposeClass, toBytes } = hooks.webidl;
  const {
    Boolean, MathMin, RangeError, TypeError, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetLength,
    TypedArrayPrototypeSet, Uint8Array, isUint8Array,
  } = hooks.primordials;

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

  function dictionary(value, what) {
    if (value === undefined || value === null) return { __proto__: null };
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what}: options must be an object`);
    return value;
  }

  class TextDecoder {
    #encoding;
    #fatal;
    #ignoreBOM;
    // UTF-8: bytes of a character split across decode(..., { stream: true }) calls.
    #pending = null;
    // UTF-8: only the first chunk of a stream may carry the BOM that ignoreBOM=false strips.
    #started = false;
    // Other encodings: the native decoder of a stream in progress (0: none).
    #stream = 0;

    constructor(label = "utf-8", options = undefined) {
      const encoding = ops.encodingName(`${label}`);
      if (encoding === null) throw new RangeError(`TextDecoder: the encoding label '${label}' is not supported`);
      const init = dictionary(options, "TextDecoder");
      this.#encoding = encoding;
      this.#fatal = Boolean(init.fatal);
      this.#ignoreBOM = Boolean(init.ignoreBOM);
    }

    get encoding() {
      return this.#encoding;
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
      if (this.#encoding !== "utf-8") return this.#decodeOther(bytes, stream);
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

    #decodeOther(bytes, stream) {
      if (this.#stream === 0) {
        if (!stream) return ops.textDecode(this.#encoding, bytes, this.#fatal, this.#ignoreBOM);
        this.#stream = ops.decoderOpen(this.#encoding, this.#ignoreBOM);
      }
      const id = this.#stream;
      // The native decoder is gone after the last chunk or a fatal error.
      try {
        return ops.decoderDecode(id, bytes, this.#fatal, !stream);
      } catch (error) {
        this.#stream = 0;
        throw error;
      } finally {
        if (!stream) this.#stream = 0;
      }
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

  // TextDecoderStream (14_streams.js) decodes through the method as made here, not whatever the
  // tenant later put on TextDecoder.prototype.
  hooks.encoding = { decode: TextDecoder.prototype.decode };
  exposeClass(TextEncoder);
  exposeClass(TextDecoder);
});
