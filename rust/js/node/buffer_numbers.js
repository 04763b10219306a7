// Buffer's number accessors, as Node's: read/write of (U)Int8/16/32 and (U)IntLE/BE of 1 to 6
// bytes, BigInt64, Float and Double, each end, with Node's bounds checks and coded errors;
// installed on Buffer.prototype by buffer.js through hooks.nodeBufferNumbers.
(function (ops, hooks) {
  "use strict";
  const {
    BigInt, BigIntAsIntN, BigIntAsUintN, MathFloor, Number, NumberIsInteger, ObjectDefineProperty, RangeError, SafeRegExp,
    SafeStringReplace, StringPrototypeIncludes, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetLength, Uint8Array,
    typedArrayInfo,
  } = hooks.primordials;
  const { coded, invalidArgType, outOfRange } = hooks.node;
  const validateOffset = hooks.node.validateInteger;

  // Defined, not assigned: assignment would run a setter the tenant put on a prototype.
  function method(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: false, configurable: true });
  }

  hooks.nodeBufferNumbers = function installNumbers(target) {
    const f32 = new (typedArrayInfo("Float32Array").ctor)(1);
    const f64 = new (typedArrayInfo("Float64Array").ctor)(1);
    const f32Bytes = new Uint8Array(TypedArrayPrototypeGetBuffer(f32));
    const f64Bytes = new Uint8Array(TypedArrayPrototypeGetBuffer(f64));

    function checkBounds(buffer, offset, size) {
      if (offset === undefined) offset = 0;
      if (typeof offset !== "number") throw invalidArgType("offset", "of type number", offset);
      const last = TypedArrayPrototypeGetLength(buffer) - size;
      if (!NumberIsInteger(offset)) throw outOfRange("offset", "an integer", offset);
      if (last < 0) throw coded(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS", "Attempt to access memory outside buffer bounds");
      if (offset < 0 || offset > last) throw outOfRange("offset", `>= 0 and <= ${last}`, offset);
      return offset;
    }

    function readUnsigned(buffer, offset, size, little) {
      let value = 0;
      for (let i = 0; i < size; i++) value += buffer[offset + (little ? i : size - 1 - i)] * 2 ** (8 * i);
      return value;
    }

    function writeUnsigned(buffer, value, offset, size, little) {
      for (let i = 0; i < size; i++) {
        buffer[offset + (little ? i : size - 1 - i)] = value % 256;
        value = MathFloor(value / 256);
      }
      return offset + size;
    }

    function checkValue(value, min, max, size) {
      if (typeof value !== "number") throw invalidArgType("value", "of type number", value);
      if (value < min || value > max || value !== value) {
        const range = size > 4 ? `>= ${min === 0 ? 0 : `-(2 ** ${8 * size - 1})`} and < 2 ** ${min === 0 ? 8 * size : 8 * size - 1}` : `>= ${min} and <= ${max}`;
        throw outOfRange("value", range, value);
      }
    }

    function define(name, fn) {
      method(target, name, fn);
      // Node's lower-case aliases (readUint8 for readUInt8).
      if (StringPrototypeIncludes(name, "UInt")) method(target, SafeStringReplace(name, UINT, "Uint"), fn);
    }
    const UINT = SafeRegExp(/UInt/);

    const WIDTHS = [{ __proto__: null, size: 1, bits: "8" }, { __proto__: null, size: 2, bits: "16" }, { __proto__: null, size: 4, bits: "32" }];
    const ENDS = [{ __proto__: null, suffix: "LE", little: true }, { __proto__: null, suffix: "BE", little: false }];
    for (let w = 0; w < WIDTHS.length; w++) {
      const { size, bits } = WIDTHS[w];
      const max = 2 ** (8 * size) - 1;
      const half = 2 ** (8 * size - 1);
      for (let e = 0; e < (size === 1 ? 1 : 2); e++) {
        const suffix = size === 1 ? "" : ENDS[e].suffix;
        const little = ENDS[e].little;
        define(`readUInt${bits}${suffix}`, function (offset) {
          return readUnsigned(this, checkBounds(this, offset, size), size, little);
        });
        define(`readInt${bits}${suffix}`, function (offset) {
          const value = readUnsigned(this, checkBounds(this, offset, size), size, little);
          return value >= half ? value - max - 1 : value;
        });
        define(`writeUInt${bits}${suffix}`, function (value, offset) {
          checkValue(value, 0, max, size);
          return writeUnsigned(this, MathFloor(value), checkBounds(this, offset, size), size, little);
        });
        define(`writeInt${bits}${suffix}`, function (value, offset) {
          checkValue(value, -half, half - 1, size);
          value = MathFloor(value);
          return writeUnsigned(this, value < 0 ? value + max + 1 : value, checkBounds(this, offset, size), size, little);
        });
      }
    }

    const FLOATS = [
      { __proto__: null, name: "Float", scratch: f32, bytes: f32Bytes, size: 4 },
      { __proto__: null, name: "Double", scratch: f64, bytes: f64Bytes, size: 8 },
    ];
    for (let e = 0; e < ENDS.length; e++) {
      const { suffix, little } = ENDS[e];
      define(`readUInt${suffix}`, function (offset, byteLength) {
        validateOffset(byteLength, "byteLength", 1, 6);
        return readUnsigned(this, checkBounds(this, offset, byteLength), byteLength, little);
      });
      define(`readInt${suffix}`, function (offset, byteLength) {
        validateOffset(byteLength, "byteLength", 1, 6);
        const value = readUnsigned(this, checkBounds(this, offset, byteLength), byteLength, little);
        return value >= 2 ** (8 * byteLength - 1) ? value - 2 ** (8 * byteLength) : value;
      });
      define(`writeUInt${suffix}`, function (value, offset, byteLength) {
        validateOffset(byteLength, "byteLength", 1, 6);
        checkValue(value, 0, 2 ** (8 * byteLength) - 1, byteLength);
        return writeUnsigned(this, MathFloor(value), checkBounds(this, offset, byteLength), byteLength, little);
      });
      define(`writeInt${suffix}`, function (value, offset, byteLength) {
        validateOffset(byteLength, "byteLength", 1, 6);
        const half = 2 ** (8 * byteLength - 1);
        checkValue(value, -half, half - 1, byteLength);
        value = MathFloor(value);
        return writeUnsigned(this, value < 0 ? value + 2 * half : value, checkBounds(this, offset, byteLength), byteLength, little);
      });
      const readBig = (buffer, offset) => {
        offset = checkBounds(buffer, offset, 8);
        const lo = readUnsigned(buffer, little ? offset : offset + 4, 4, little);
        const hi = readUnsigned(buffer, little ? offset + 4 : offset, 4, little);
        return (BigInt(hi) << 32n) | BigInt(lo);
      };
      define(`readBigUInt64${suffix}`, function (offset) {
        return readBig(this, offset);
      });
      define(`readBigInt64${suffix}`, function (offset) {
        return BigIntAsIntN(64, readBig(this, offset));
      });
      const writeBig = (signed) => function (value, offset) {
        if (typeof value !== "bigint") throw invalidArgType("value", "of type bigint", value);
        const min = signed ? -(2n ** 63n) : 0n;
        const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
        if (value < min || value > max) {
          throw outOfRange("value", signed ? ">= -(2n ** 63n) and < 2n ** 63n" : ">= 0n and < 2n ** 64n", `${value}n`);
        }
        offset = checkBounds(this, offset, 8);
        const bits = BigIntAsUintN(64, value);
        const lo = Number(bits & 0xffffffffn);
        const hi = Number(bits >> 32n);
        writeUnsigned(this, lo, little ? offset : offset + 4, 4, little);
        writeUnsigned(this, hi, little ? offset + 4 : offset, 4, little);
        return offset + 8;
      };
      define(`writeBigUInt64${suffix}`, writeBig(false));
      define(`writeBigInt64${suffix}`, writeBig(true));
      for (let f = 0; f < FLOATS.length; f++) {
        const { name, scratch, bytes, size } = FLOATS[f];
        define(`read${name}${suffix}`, function (offset) {
          offset = checkBounds(this, offset, size);
          for (let i = 0; i < size; i++) bytes[i] = this[offset + (little ? i : size - 1 - i)];
          return scratch[0];
        });
        define(`write${name}${suffix}`, function (value, offset) {
          if (typeof value !== "number") throw invalidArgType("value", "of type number", value);
          offset = checkBounds(this, offset, size);
          scratch[0] = value;
          for (let i = 0; i < size; i++) this[offset + (little ? i : size - 1 - i)] = bytes[i];
          return offset + size;
        });
      }
    }
  };
});
