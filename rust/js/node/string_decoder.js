// node:string_decoder: StringDecoder, which decodes a stream of byte chunks without splitting a
// character (utf8, utf16le) or a base64 group across chunks, over Buffer's encodings.
(function (ops, hooks) {
  "use strict";
  const {
    TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetLength, TypedArrayPrototypeSet,
    Uint8Array, isArrayBuffer, ArrayBufferIsView,
  } = hooks.primordials;
  const { invalidArgType } = hooks.node;
  const { Buffer } = hooks["node:buffer"];
  const bufferFrom = Buffer.from;
  const isEncoding = Buffer.isEncoding;

  function normalize(encoding) {
    const name = encoding === undefined || encoding === null ? "utf8" : `${encoding}`;
    if (!isEncoding(name)) throw hooks.node.coded(hooks.primordials.TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${name}`);
    const lower = hooks.primordials.StringPrototypeToLowerCase(name);
    if (lower === "utf-8") return "utf8";
    if (lower === "ucs2" || lower === "ucs-2" || lower === "utf-16le") return "utf16le";
    if (lower === "binary") return "latin1";
    return lower;
  }

  function view(bytes, start, end) {
    return new Uint8Array(TypedArrayPrototypeGetBuffer(bytes), TypedArrayPrototypeGetByteOffset(bytes) + start, end - start);
  }

  // How many bytes at the end of `bytes` begin a character the chunk does not finish.
  function incompleteTail(bytes, length, encoding) {
    if (encoding === "utf8") {
      for (let back = 1; back <= 3 && back <= length; back++) {
        const byte = bytes[length - back];
        if ((byte & 0xc0) === 0x80) continue;
        const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
        return need > back ? back : 0;
      }
      return 0;
    }
    if (encoding === "utf16le") {
      if (length % 2 === 1) return 1;
      const high = length >= 2 ? bytes[length - 1] : 0;
      return high >= 0xd8 && high <= 0xdb ? 2 : 0;
    }
    if (encoding === "base64" || encoding === "base64url") return length % 3;
    return 0;
  }

  class StringDecoder {
    #pending = new Uint8Array(0);

    constructor(encoding = undefined) {
      // Defined, not assigned: a setter the tenant put on Object.prototype must not run.
      hooks.primordials.ObjectDefineProperty(this, "encoding", {
        __proto__: null, value: normalize(encoding), writable: true, enumerable: true, configurable: true,
      });
    }

    #join(chunk) {
      let bytes;
      if (typeof chunk === "string") return chunk;
      if (ArrayBufferIsView(chunk)) bytes = new Uint8Array(TypedArrayPrototypeGetBuffer(chunk), TypedArrayPrototypeGetByteOffset(chunk), hooks.primordials.isTypedArray(chunk) ? hooks.primordials.TypedArrayPrototypeGetByteLength(chunk) : hooks.primordials.DataViewPrototypeGetByteLength(chunk));
      else if (isArrayBuffer(chunk)) bytes = new Uint8Array(chunk);
      else throw invalidArgType("buf", "an instance of Buffer, TypedArray, or DataView", chunk);
      const held = TypedArrayPrototypeGetLength(this.#pending);
      if (held === 0) return bytes;
      const joined = new Uint8Array(held + TypedArrayPrototypeGetLength(bytes));
      TypedArrayPrototypeSet(joined, this.#pending);
      TypedArrayPrototypeSet(joined, bytes, held);
      return joined;
    }

    write(chunk) {
      const bytes = this.#join(chunk);
      if (typeof bytes === "string") return bytes;
      const length = TypedArrayPrototypeGetLength(bytes);
      const keep = incompleteTail(bytes, length, this.encoding);
      this.#pending = bufferFrom(view(bytes, length - keep, length));
      return ops.bufferDecode(view(bytes, 0, length - keep), this.encoding);
    }

    end(chunk = undefined) {
      const text = chunk === undefined ? "" : this.write(chunk);
      const rest = this.#pending;
      this.#pending = new Uint8Array(0);
      if (TypedArrayPrototypeGetLength(rest) === 0) return text;
      if (this.encoding === "utf16le") return text + ops.bufferDecode(view(rest, 0, TypedArrayPrototypeGetLength(rest) & ~1), "utf16le");
      return text + ops.bufferDecode(rest, this.encoding);
    }

    text(chunk, start) {
      return this.write(view(chunk, start, TypedArrayPrototypeGetLength(chunk)));
    }
  }

  hooks["node:string_decoder"] = hooks.primordials.ObjectFreeze({ StringDecoder });
});
