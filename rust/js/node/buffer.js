// node:buffer: Node's Buffer (a Uint8Array subclass whose slices share memory), its encodings
// through ops.bufferEncode/bufferDecode, and the web globals Node re-exports there.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayBufferIsView, ArrayIsArray, MathFloor, MathMin, ObjectDefineProperty,
    ObjectFreeze, ObjectSetPrototypeOf, RangeError, SafeArrayPush, String, StringPrototypeCharCodeAt,
    StringPrototypeToLowerCase, TypedArrayPrototypeFill, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteLength,
    TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetLength, TypedArrayPrototypeIndexOf, TypedArrayPrototypeSet,
    Uint8Array, instanceOf, isArrayBuffer, isSharedArrayBuffer, isUint8Array, isTypedArray, typedArrayInfo, typedArrayName,
    TypeError,
    ArrayBufferPrototypeGetByteLength, SharedArrayBufferPrototypeGetByteLength, DataViewPrototypeGetByteLength,
  } = hooks.primordials;
  const isAnyArrayBuffer = (value) => isArrayBuffer(value) || isSharedArrayBuffer(value);
  const { coded, invalidArgType, outOfRange, validateNumber } = hooks.node;
  const validateOffset = hooks.node.validateInteger;

  const kMaxLength = 2 ** 32;
  const kStringMaxLength = 2 ** 29 - 24;

  // Defined, not assigned: assignment would run a setter the tenant put on a prototype.
  function method(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: false, configurable: true });
  }

  class FastBuffer extends Uint8Array {
    constructor(bufferOrLength, byteOffset, length) {
      super(bufferOrLength, byteOffset, length);
    }
  }

  // A view of exactly the bytes of `view`, for ops and TypedArray methods that take a whole view.
  function bytesOf(view, start = 0, end = TypedArrayPrototypeGetByteLength(view)) {
    return new Uint8Array(TypedArrayPrototypeGetBuffer(view), TypedArrayPrototypeGetByteOffset(view) + start, end - start);
  }

  function adopt(array) {
    return new FastBuffer(TypedArrayPrototypeGetBuffer(array), TypedArrayPrototypeGetByteOffset(array), TypedArrayPrototypeGetLength(array));
  }

  const ENCODINGS = {
    __proto__: null, utf8: "utf8", "utf-8": "utf8", ucs2: "utf16le", "ucs-2": "utf16le", utf16le: "utf16le",
    "utf-16le": "utf16le", latin1: "latin1", binary: "latin1", base64: "base64", base64url: "base64url",
    hex: "hex", ascii: "ascii",
  };

  function normalizeEncoding(encoding) {
    if (encoding === undefined || encoding === null || encoding === "") return "utf8";
    return typeof encoding === "string" ? ENCODINGS[encoding] ?? ENCODINGS[StringPrototypeToLowerCase(encoding)] : undefined;
  }

  function encodingOf(encoding) {
    const name = normalizeEncoding(encoding);
    if (name === undefined) throw coded(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${String(encoding)}`);
    return name;
  }

  function Buffer(arg, encodingOrOffset, length) {
    if (typeof arg === "number") return bufferAlloc(arg);
    return bufferFrom(arg, encodingOrOffset, length);
  }
  ObjectDefineProperty(FastBuffer.prototype, "constructor", { __proto__: null, value: Buffer, writable: true, configurable: true });
  Buffer.prototype = FastBuffer.prototype;
  ObjectSetPrototypeOf(Buffer, Uint8Array);

  function fromString(string, encoding) {
    return adopt(ops.bufferEncode(string, encodingOf(encoding)));
  }

  function fromArrayLike(source) {
    const length = source.length >>> 0;
    const out = new FastBuffer(length);
    for (let i = 0; i < length; i++) out[i] = source[i];
    return out;
  }

  method(Buffer, "from", function from(value, encodingOrOffset, length) {
    if (typeof value === "string") return fromString(value, encodingOrOffset);
    if (isAnyArrayBuffer(value)) {
      const offset = encodingOrOffset === undefined ? 0 : +encodingOrOffset || 0;
      const max = isArrayBuffer(value) ? ArrayBufferPrototypeGetByteLength(value) : SharedArrayBufferPrototypeGetByteLength(value);
      if (offset < 0 || offset > max) throw coded(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS", '"offset" is outside of buffer bounds');
      const size = length === undefined ? max - offset : +length || 0;
      if (size < 0 || offset + size > max) throw coded(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS", '"length" is outside of buffer bounds');
      return new FastBuffer(value, offset, size);
    }
    if (isUint8Array(value)) {
      const out = new FastBuffer(TypedArrayPrototypeGetLength(value));
      TypedArrayPrototypeSet(out, value);
      return out;
    }
    if (isTypedArray(value)) {
      const out = new FastBuffer(TypedArrayPrototypeGetLength(value));
      TypedArrayPrototypeSet(out, value);
      return out;
    }
    if (value !== null && typeof value === "object") {
      if (ArrayIsArray(value) || typeof value.length === "number") return fromArrayLike(value);
      if (value.type === "Buffer" && ArrayIsArray(value.data)) return fromArrayLike(value.data);
      const primitive = value.valueOf?.();
      if (primitive != null && primitive !== value) return bufferFrom(primitive, encodingOrOffset, length);
    }
    throw invalidArgType("first argument", "of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object", value);
  });

  function checkSize(size) {
    validateNumber(size, "size", 0, kMaxLength);
  }

  method(Buffer, "alloc", function alloc(size, fill, encoding) {
    checkSize(size);
    const out = new FastBuffer(size);
    if (fill !== undefined && fill !== 0 && size > 0) fillWith(out, fill, 0, size, encoding);
    return out;
  });
  method(Buffer, "allocUnsafe", function allocUnsafe(size) {
    checkSize(size);
    return new FastBuffer(size);
  });
  method(Buffer, "allocUnsafeSlow", Buffer.allocUnsafe);
  // The tenant may replace Buffer's statics (they are not frozen, as in Node); the module's own
  // calls keep the originals.
  const bufferFrom = Buffer.from;
  const bufferAlloc = Buffer.alloc;
  method(Buffer, "poolSize", 8192);

  method(Buffer, "isBuffer", function isBuffer(value) {
    return instanceOf(value, Buffer);
  });
  method(Buffer, "isEncoding", function isEncoding(encoding) {
    return typeof encoding === "string" && encoding !== "" && normalizeEncoding(encoding) !== undefined;
  });

  function utf8Length(string) {
    let bytes = 0;
    for (let i = 0; i < string.length; i++) {
      const code = StringPrototypeCharCodeAt(string, i);
      if (code < 0x80) bytes += 1;
      else if (code < 0x800) bytes += 2;
      else if (code >= 0xd800 && code <= 0xdbff && i + 1 < string.length &&
        (StringPrototypeCharCodeAt(string, i + 1) & 0xfc00) === 0xdc00) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    return bytes;
  }

  function base64Length(string) {
    let length = string.length;
    if (length > 0 && StringPrototypeCharCodeAt(string, length - 1) === 0x3d) length--;
    if (length > 1 && StringPrototypeCharCodeAt(string, length - 1) === 0x3d) length--;
    return (length * 3) >>> 2;
  }

  method(Buffer, "byteLength", function byteLength(string, encoding) {
    if (typeof string !== "string") {
      if (ArrayBufferIsView(string)) return ArrayBufferIsView(string) && isTypedArray(string) ? TypedArrayPrototypeGetByteLength(string) : DataViewPrototypeGetByteLength(string);
      if (isAnyArrayBuffer(string)) return isArrayBuffer(string) ? ArrayBufferPrototypeGetByteLength(string) : SharedArrayBufferPrototypeGetByteLength(string);
      throw invalidArgType("string", "of type string or an instance of Buffer or ArrayBuffer", string);
    }
    switch (normalizeEncoding(encoding) ?? "utf8") {
      case "utf16le": return string.length * 2;
      case "latin1": case "ascii": return string.length;
      case "base64": case "base64url": return base64Length(string);
      case "hex": return string.length >>> 1;
      default: return utf8Length(string);
    }
  });

  function checkUint8Array(value, name) {
    if (!isUint8Array(value)) throw invalidArgType(name, "an instance of Buffer or Uint8Array", value);
  }

  function compareBytes(a, b) {
    const la = TypedArrayPrototypeGetLength(a);
    const lb = TypedArrayPrototypeGetLength(b);
    const n = MathMin(la, lb);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return la < lb ? -1 : la > lb ? 1 : 0;
  }

  method(Buffer, "compare", function compare(a, b) {
    checkUint8Array(a, "buf1");
    checkUint8Array(b, "buf2");
    return compareBytes(a, b);
  });

  method(Buffer, "concat", function concat(list, totalLength) {
    if (!ArrayIsArray(list)) throw invalidArgType("list", "an instance of Array", list);
    if (list.length === 0) return new FastBuffer(0);
    let size = 0;
    for (let i = 0; i < list.length; i++) {
      checkUint8Array(list[i], `list[${i}]`);
      size += TypedArrayPrototypeGetLength(list[i]);
    }
    if (totalLength !== undefined) {
      validateNumber(totalLength, "length", 0, kMaxLength);
      size = MathFloor(totalLength);
    }
    const out = new FastBuffer(size);
    let at = 0;
    for (let i = 0; i < list.length && at < size; i++) {
      const item = list[i];
      const take = MathMin(TypedArrayPrototypeGetLength(item), size - at);
      TypedArrayPrototypeSet(out, take === TypedArrayPrototypeGetLength(item) ? item : bytesOf(item, 0, take), at);
      at += take;
    }
    return out;
  });

  method(Buffer, "copyBytesFrom", function copyBytesFrom(view, offset = 0, length = undefined) {
    if (!isTypedArray(view)) throw invalidArgType("view", "an instance of TypedArray", view);
    const size = typedArrayInfo(typedArrayName(view)).size;
    const count = TypedArrayPrototypeGetLength(view);
    const start = MathMin(offset, count);
    const end = length === undefined ? count : MathMin(start + length, count);
    return bufferFrom(bytesOf(view, start * size, end * size));
  });

  // --- prototype: strings ----------------------------------------------------------------------

  const proto = FastBuffer.prototype;

  // Node's clamping of start/end arguments to [0, length].
  function bound(value, fallback, length) {
    if (value === undefined) return fallback;
    value = +value;
    if (!(value > 0)) return 0;
    return value > length ? length : MathFloor(value);
  }

  method(proto, "toString", function toString(encoding, start, end) {
    if (arguments.length === 0) return ops.bufferDecode(this, "utf8");
    const length = TypedArrayPrototypeGetLength(this);
    start = bound(start, 0, length);
    end = bound(end, length, length);
    if (end <= start) return "";
    return ops.bufferDecode(bytesOf(this, start, end), encodingOf(encoding));
  });
  method(proto, "toLocaleString", proto.toString);

  // Bytes of a utf8 encoding cut at `limit` without splitting a character.
  function utf8Cut(bytes, limit) {
    if (limit >= TypedArrayPrototypeGetLength(bytes)) return TypedArrayPrototypeGetLength(bytes);
    let end = limit;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    return end;
  }

  method(proto, "write", function write(string, offset, length, encoding) {
    if (typeof string !== "string") throw invalidArgType("argument", "of type string", string);
    const size = TypedArrayPrototypeGetLength(this);
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
      length = size;
    } else if (typeof length === "string") {
      encoding = length;
      length = undefined;
    }
    offset = offset === undefined ? 0 : offset;
    validateOffset(offset, "offset", 0, size);
    const room = size - offset;
    length = length === undefined ? room : MathMin(room, length);
    const name = encodingOf(encoding);
    const bytes = ops.bufferEncode(string, name);
    let count = MathMin(length, TypedArrayPrototypeGetLength(bytes));
    if (name === "utf8") count = utf8Cut(bytes, count);
    else if (name === "utf16le") count -= count % 2;
    if (count > 0) TypedArrayPrototypeSet(this, bytesOf(bytes, 0, count), offset);
    return count;
  });

  method(proto, "toJSON", function toJSON() {
    const data = [];
    for (let i = 0; i < TypedArrayPrototypeGetLength(this); i++) SafeArrayPush(data, this[i]);
    return { type: "Buffer", data };
  });

  method(proto, "equals", function equals(other) {
    checkUint8Array(other, "otherBuffer");
    return compareBytes(this, other) === 0;
  });

  method(proto, "compare", function compare(target, targetStart = 0, targetEnd = undefined, sourceStart = 0, sourceEnd = undefined) {
    checkUint8Array(target, "target");
    const tEnd = targetEnd === undefined ? TypedArrayPrototypeGetLength(target) : targetEnd;
    const sEnd = sourceEnd === undefined ? TypedArrayPrototypeGetLength(this) : sourceEnd;
    validateOffset(targetStart, "targetStart", 0, kMaxLength);
    validateOffset(tEnd, "targetEnd", 0, TypedArrayPrototypeGetLength(target));
    validateOffset(sourceStart, "sourceStart", 0, kMaxLength);
    validateOffset(sEnd, "sourceEnd", 0, TypedArrayPrototypeGetLength(this));
    if (sourceStart >= sEnd) return targetStart >= tEnd ? 0 : -1;
    if (targetStart >= tEnd) return 1;
    return compareBytes(bytesOf(this, sourceStart, sEnd), bytesOf(target, targetStart, tEnd));
  });

  // The bytes a search or fill value stands for.
  function needleOf(value, encoding) {
    if (typeof value === "string") return ops.bufferEncode(value, encodingOf(encoding));
    if (isUint8Array(value)) return value;
    throw invalidArgType("value", "one of type number or string or an instance of Buffer or Uint8Array", value);
  }

  function search(buffer, value, byteOffset, encoding, last) {
    const length = TypedArrayPrototypeGetLength(buffer);
    if (typeof byteOffset === "string") {
      encoding = byteOffset;
      byteOffset = undefined;
    }
    let from = byteOffset === undefined ? (last ? length : 0) : +byteOffset;
    if (from !== from) from = last ? length : 0;
    if (from < 0) from += length;
    if (typeof value === "number") {
      const byte = value & 255;
      if (last) {
        for (let i = MathMin(from, length - 1); i >= 0; i--) if (buffer[i] === byte) return i;
        return -1;
      }
      return from >= length ? -1 : TypedArrayPrototypeIndexOf(buffer, byte, from < 0 ? 0 : from);
    }
    const needle = needleOf(value, encoding);
    const n = TypedArrayPrototypeGetLength(needle);
    if (n === 0) return from > length ? length : from < 0 ? 0 : from;
    const matches = (at) => {
      for (let j = 0; j < n; j++) if (buffer[at + j] !== needle[j]) return false;
      return true;
    };
    if (last) {
      for (let i = MathMin(from, length - n); i >= 0; i--) if (matches(i)) return i;
    } else {
      for (let i = from < 0 ? 0 : from; i <= length - n; i++) if (matches(i)) return i;
    }
    return -1;
  }

  method(proto, "indexOf", function indexOf(value, byteOffset, encoding) {
    return search(this, value, byteOffset, encoding, false);
  });
  method(proto, "lastIndexOf", function lastIndexOf(value, byteOffset, encoding) {
    return search(this, value, byteOffset, encoding, true);
  });
  method(proto, "includes", function includes(value, byteOffset, encoding) {
    return search(this, value, byteOffset, encoding, false) !== -1;
  });

  function fillWith(buffer, value, start, end, encoding) {
    if (typeof value === "number" || typeof value === "boolean") {
      TypedArrayPrototypeFill(buffer, value & 255, start, end);
      return;
    }
    const bytes = needleOf(value, encoding);
    const n = TypedArrayPrototypeGetLength(bytes);
    if (n === 0) {
      if (typeof value === "string" && value.length > 0) throw coded(TypeError, "ERR_INVALID_ARG_VALUE", "The argument 'value' is invalid.");
      TypedArrayPrototypeFill(buffer, 0, start, end);
      return;
    }
    for (let i = start; i < end; i++) buffer[i] = bytes[(i - start) % n];
  }

  method(proto, "fill", function fill(value, offset, end, encoding) {
    const length = TypedArrayPrototypeGetLength(this);
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
      end = length;
    } else if (typeof end === "string") {
      encoding = end;
      end = length;
    }
    offset = offset === undefined ? 0 : offset;
    end = end === undefined ? length : end;
    validateOffset(offset, "offset", 0, length);
    validateOffset(end, "end", 0, length);
    if (offset < end) fillWith(this, value, offset, end, encoding);
    return this;
  });

  method(proto, "copy", function copy(target, targetStart = 0, sourceStart = 0, sourceEnd = undefined) {
    checkUint8Array(target, "target");
    const length = TypedArrayPrototypeGetLength(this);
    const room = TypedArrayPrototypeGetLength(target);
    sourceEnd = sourceEnd === undefined ? length : MathMin(sourceEnd, length);
    targetStart = +targetStart || 0;
    sourceStart = +sourceStart || 0;
    if (targetStart < 0) throw outOfRange("targetStart", `>= 0 && <= ${room}`, targetStart);
    if (sourceStart < 0 || sourceStart > length) throw outOfRange("sourceStart", `>= 0 && <= ${length}`, sourceStart);
    const count = MathMin(sourceEnd - sourceStart, room - targetStart);
    if (count <= 0) return 0;
    TypedArrayPrototypeSet(target, bytesOf(this, sourceStart, sourceStart + count), targetStart);
    return count;
  });

  method(proto, "subarray", function subarray(start, end) {
    const length = TypedArrayPrototypeGetLength(this);
    start = start === undefined ? 0 : MathFloor(+start) || 0;
    end = end === undefined ? length : MathFloor(+end) || 0;
    if (start < 0) start = start + length < 0 ? 0 : start + length;
    if (end < 0) end = end + length < 0 ? 0 : end + length;
    if (start > length) start = length;
    if (end > length) end = length;
    if (end < start) end = start;
    return new FastBuffer(TypedArrayPrototypeGetBuffer(this), TypedArrayPrototypeGetByteOffset(this) + start, end - start);
  });
  // Node's slice shares memory too (unlike Uint8Array's).
  method(proto, "slice", proto.subarray);

  function swap(size) {
    return function () {
      const length = TypedArrayPrototypeGetLength(this);
      if (length % size !== 0) throw coded(RangeError, "ERR_INVALID_BUFFER_SIZE", `Buffer size must be a multiple of ${size * 8}-bits`);
      for (let i = 0; i < length; i += size) {
        for (let a = i, b = i + size - 1; a < b; a++, b--) {
          const t = this[a];
          this[a] = this[b];
          this[b] = t;
        }
      }
      return this;
    };
  }
  method(proto, "swap16", swap(2));
  method(proto, "swap32", swap(4));
  method(proto, "swap64", swap(8));

  // The number accessors (readUInt8...writeDoubleBE) are in buffer_numbers.js.
  hooks.nodeBufferNumbers(proto);


  const Blob = hooks.global("Blob");
  const File = hooks.global("File");
  const atob = hooks.global("atob");
  const btoa = hooks.global("btoa");

  function isUtf8(input) {
    return ops.bufferIsUtf8(input);
  }

  function isAscii(input) {
    const bytes = ArrayBufferIsView(input) ? bytesOf(input) : new Uint8Array(input);
    for (let i = 0; i < TypedArrayPrototypeGetLength(bytes); i++) if (bytes[i] > 127) return false;
    return true;
  }

  const constants = ObjectFreeze({ MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength });
  hooks["node:buffer"] = ObjectFreeze({
    Buffer, SlowBuffer: Buffer, Blob, File, atob, btoa, constants, kMaxLength, kStringMaxLength,
    INSPECT_MAX_BYTES: 50, isUtf8, isAscii,
  });
});
