// atob and btoa, following the HTML Standard's forgiving-base64 algorithms.
(function (ops, hooks) {
  "use strict";
  const { expose } = hooks.webidl;
  // Platform classes are captured now, before user code can replace the globals.
  const DOMException = hooks.global("DOMException");
  const { SafeMap, SafeRegExp, SafeRegExpTest, SafeStringReplace, StringFromCharCode, StringPrototypeCharCodeAt, TypeError } =
    hooks.primordials;
  const ASCII_WHITESPACE = SafeRegExp(/[\t\n\f\r ]/g);
  const PADDING = SafeRegExp(/={1,2}$/);
  const NOT_BASE64 = SafeRegExp(/[^A-Za-z0-9+/]/);

  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const sextets = new SafeMap();
  for (let i = 0; i < alphabet.length; i++) sextets.set(alphabet[i], i);

  function invalidCharacter(message) {
    return new DOMException(message, "InvalidCharacterError");
  }

  function requireArgument(args, name) {
    if (args.length === 0) throw new TypeError(`${name}: 1 argument required, but only 0 present`);
  }

  function btoa(data) {
    requireArgument(arguments, "btoa");
    const input = `${data}`;
    let out = "";
    for (let i = 0; i < input.length; i += 3) {
      const a = byteAt(input, i);
      const b = i + 1 < input.length ? byteAt(input, i + 1) : -1;
      const c = i + 2 < input.length ? byteAt(input, i + 2) : -1;
      out += alphabet[a >> 2];
      out += alphabet[((a & 3) << 4) | (b < 0 ? 0 : b >> 4)];
      out += b < 0 ? "=" : alphabet[((b & 15) << 2) | (c < 0 ? 0 : c >> 6)];
      out += c < 0 ? "=" : alphabet[c & 63];
    }
    return out;
  }

  function byteAt(input, i) {
    const code = StringPrototypeCharCodeAt(input, i);
    if (code > 0xff) throw invalidCharacter("btoa: the string contains characters outside of the Latin1 range");
    return code;
  }

  function atob(data) {
    requireArgument(arguments, "atob");
    let input = SafeStringReplace(`${data}`, ASCII_WHITESPACE, "");
    if (input.length % 4 === 0) input = SafeStringReplace(input, PADDING, "");
    if (input.length % 4 === 1 || SafeRegExpTest(NOT_BASE64, input)) {
      throw invalidCharacter("atob: the string to be decoded is not correctly encoded");
    }
    let out = "";
    let buffer = 0;
    let bits = 0;
    for (let i = 0; i < input.length; i++) {
      buffer = (buffer << 6) | sextets.get(input[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += StringFromCharCode((buffer >> bits) & 0xff);
      }
    }
    return out;
  }

  expose("atob", atob);
  expose("btoa", btoa);
});
