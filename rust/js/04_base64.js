// atob and btoa, following the HTML Standard's forgiving-base64 algorithms, over native ops.
(function (ops, hooks) {
  "use strict";
  const { expose } = hooks.webidl;
  const DOMException = hooks.global("DOMException");
  const { TypeError } = hooks.primordials;

  function invalidCharacter(message) {
    return new DOMException(message, "InvalidCharacterError");
  }

  function requireArgument(args, name) {
    if (args.length === 0) throw new TypeError(`${name}: 1 argument required, but only 0 present`);
  }

  function btoa(data) {
    requireArgument(arguments, "btoa");
    const encoded = ops.base64Encode(`${data}`);
    if (encoded === null) throw invalidCharacter("btoa: the string contains characters outside of the Latin1 range");
    return encoded;
  }

  function atob(data) {
    requireArgument(arguments, "atob");
    const decoded = ops.base64Decode(`${data}`);
    if (decoded === null) throw invalidCharacter("atob: the string to be decoded is not correctly encoded");
    return decoded;
  }

  expose("atob", atob);
  expose("btoa", btoa);
});
