// node:querystring: Node's parse and stringify of `a=1&b=2` strings (repeated keys as arrays,
// `+` as a space, undecodable escapes kept as they are rather than thrown), escape and unescape.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayIsArray, NumberIsFinite, SafeArrayPush, SafeStringSplit, StringPrototypeCharCodeAt, StringPrototypeIndexOf,
    StringPrototypeSlice, Uint8Array, decodeURIComponent, encodeURIComponent, ObjectFreeze, ObjectKeys, SafeRegExp, SafeStringReplace,
  } = hooks.primordials;

  const PLUS = SafeRegExp(/\+/g);

  function escape(text) {
    return encodeURIComponent(typeof text === "string" ? text : `${text}`);
  }

  // decodeURIComponent, or where it refuses (a stray `%`, bytes that are not UTF-8) each valid
  // `%XX` as a byte and the rest as it is, as Node's unescapeBuffer does.
  function unescape(text) {
    try {
      return decodeURIComponent(text);
    } catch {
      let out = "";
      let bytes = [];
      const flush = () => {
        if (bytes.length === 0) return;
        // Filled by index: constructing from the array would run the tenant's array iterator.
        const view = new Uint8Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) view[i] = bytes[i];
        out += ops.bufferDecode(view, "utf8");
        bytes = [];
      };
      for (let i = 0; i < text.length; i++) {
        const hi = hexValue(StringPrototypeCharCodeAt(text, i + 1));
        const lo = hexValue(StringPrototypeCharCodeAt(text, i + 2));
        if (StringPrototypeCharCodeAt(text, i) === 37 && hi >= 0 && lo >= 0) {
          SafeArrayPush(bytes, hi * 16 + lo);
          i += 2;
        } else {
          flush();
          out += text[i];
        }
      }
      flush();
      return out;
    }
  }

  function hexValue(code) {
    if (code >= 48 && code <= 57) return code - 48;
    if (code >= 65 && code <= 70) return code - 55;
    if (code >= 97 && code <= 102) return code - 87;
    return -1;
  }

  function parse(query, sep = "&", eq = "=", options = undefined) {
    const result = { __proto__: null };
    if (typeof query !== "string" || query.length === 0) return result;
    sep = typeof sep === "string" && sep !== "" ? sep : "&";
    eq = typeof eq === "string" && eq !== "" ? eq : "=";
    let maxKeys = 1000;
    if (options !== null && typeof options === "object" && typeof options.maxKeys === "number") maxKeys = options.maxKeys;
    const decode = options !== null && typeof options === "object" && typeof options.decodeURIComponent === "function" ? options.decodeURIComponent : unescape;
    const pairs = SafeStringSplit(query, sep);
    const count = maxKeys > 0 && pairs.length > maxKeys ? maxKeys : pairs.length;
    for (let i = 0; i < count; i++) {
      const pair = pairs[i];
      if (pair.length === 0 && count > 1) continue;
      const at = StringPrototypeIndexOf(pair, eq);
      const rawKey = at === -1 ? pair : StringPrototypeSlice(pair, 0, at);
      const rawValue = at === -1 ? "" : StringPrototypeSlice(pair, at + eq.length);
      const key = decodeSafely(decode, SafeStringReplace(rawKey, PLUS, " "));
      const value = decodeSafely(decode, SafeStringReplace(rawValue, PLUS, " "));
      const previous = result[key];
      if (previous === undefined) result[key] = value;
      else if (ArrayIsArray(previous)) SafeArrayPush(previous, value);
      else result[key] = [previous, value];
    }
    return result;
  }

  function decodeSafely(decode, text) {
    try {
      return decode(text);
    } catch {
      return unescape(text);
    }
  }

  function primitive(value) {
    if (typeof value === "string") return value;
    if (typeof value === "number") return NumberIsFinite(value) ? `${value}` : "";
    if (typeof value === "bigint" || typeof value === "boolean") return `${value}`;
    return "";
  }

  function stringify(object, sep = "&", eq = "=", options = undefined) {
    sep = typeof sep === "string" ? sep : "&";
    eq = typeof eq === "string" ? eq : "=";
    const encode = options !== null && typeof options === "object" && typeof options.encodeURIComponent === "function" ? options.encodeURIComponent : escape;
    if (object === null || typeof object !== "object") return "";
    const keys = ObjectKeys(object);
    const parts = [];
    for (let i = 0; i < keys.length; i++) {
      const value = object[keys[i]];
      const key = `${encode(primitive(keys[i]))}${eq}`;
      if (ArrayIsArray(value)) {
        for (let j = 0; j < value.length; j++) SafeArrayPush(parts, `${key}${encode(primitive(value[j]))}`);
      } else {
        SafeArrayPush(parts, `${key}${encode(primitive(value))}`);
      }
    }
    let out = "";
    for (let i = 0; i < parts.length; i++) out += i === 0 ? parts[i] : `${sep}${parts[i]}`;
    return out;
  }

  hooks["node:querystring"] = ObjectFreeze({
    parse, stringify, escape, unescape, decode: parse, encode: stringify,
  });
});
