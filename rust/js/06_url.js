// URL and URLSearchParams.
//
// Parsing is native (ops.urlParse, a WHATWG parser). Setters rebuild an href with the new part
// and re-parse it, after escaping what would otherwise be read as a delimiter; a setter whose
// result does not parse changes nothing, as the URL Standard's setters do on failure.
(function (ops, hooks) {
  "use strict";
  const { exposeClass, pairIterable } = hooks.webidl;
  const {
    ArrayPrototypeJoin, ArrayPrototypeSort, Number, ObjectHasOwn, ObjectKeys, NumberPrototypeToString, ReflectApply,
    SafeArrayFilter, SafeArrayFind, SafeArrayFindIndex, SafeArrayFrom, SafeArrayMap, SafeArrayPush, SafeArraySlice,
    SafeRegExp, SafeRegExpSearch, SafeRegExpTest, SafeSet, SafeStringReplace, SafeStringSplit, StringFromCharCode,
    StringPrototypeCharCodeAt, StringPrototypeIncludes, StringPrototypeIndexOf, StringPrototypePadStart,
    StringPrototypeSlice, StringPrototypeStartsWith, StringPrototypeToLowerCase, StringPrototypeToUpperCase,
    StringPrototypeToWellFormed, SymbolIterator, TypeError, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetLength,
    Uint8Array, RegExpPrototypeExec, encodeURIComponent, parseInt,
  } = hooks.primordials;

  const specialSchemes = new SafeSet(["ftp:", "file:", "http:", "https:", "ws:", "wss:"]);

  // Characters each setter must escape itself; the parser escapes the rest of its sets.
  const userinfoChars = SafeRegExp(/[\x00-\x20"#<>?`{}/:;=@[\\\]^|\x7f-\u{10ffff}]/gu);
  const pathChars = SafeRegExp(/[\x00-\x20?#]/g);
  const queryChars = SafeRegExp(/[\x00-\x20#]/g);
  const fragmentChars = SafeRegExp(/[\x00-\x20]/g);
  const TABS_AND_NEWLINES = SafeRegExp(/[\t\n\r]/g);
  const SPECIAL_HOST_END = SafeRegExp(/[/?#\\]/);
  const HOST_END = SafeRegExp(/[/?#]/);
  const SCHEME = SafeRegExp(/^([A-Za-z][A-Za-z0-9+.-]*)(:|$)/);
  const DIGITS = SafeRegExp(/^\d*/);
  const LEADING_QUESTION = SafeRegExp(/^\?/);
  const LEADING_HASH = SafeRegExp(/^#/);
  const FORM_ESCAPES = SafeRegExp(/[!'()~]|%20/g);
  const PLUSES = SafeRegExp(/\+/g);
  const HEX_PAIR = SafeRegExp(/^[0-9A-Fa-f]{2}$/);

  function usvString(value) {
    return StringPrototypeToWellFormed(`${value}`);
  }

  // The URL parser drops tabs and newlines anywhere in its input.
  function setterInput(value) {
    return SafeStringReplace(usvString(value), TABS_AND_NEWLINES, "");
  }

  function hexByte(byte) {
    return `%${StringPrototypePadStart(StringPrototypeToUpperCase(NumberPrototypeToString(byte, 16)), 2, "0")}`;
  }

  function percentEncode(value, chars) {
    return SafeStringReplace(value, chars, (c) => {
      const bytes = ops.utf8Encode(c);
      let out = "";
      for (let i = 0; i < TypedArrayPrototypeGetLength(bytes); i++) out += hexByte(bytes[i]);
      return out;
    });
  }

  function requireArgument(args, what) {
    if (args.length === 0) throw new TypeError(`${what}: 1 argument required, but only 0 present`);
  }

  function parseRecord(url, base) {
    return ops.urlParse(usvString(url), base === undefined ? undefined : usvString(base));
  }

  // A serialized URL splits unambiguously: the serializer escapes "#" everywhere but before the
  // fragment, and "?" everywhere before the query.
  function split(href) {
    const hashAt = StringPrototypeIndexOf(href, "#");
    const beforeHash = hashAt === -1 ? href : StringPrototypeSlice(href, 0, hashAt);
    const queryAt = StringPrototypeIndexOf(beforeHash, "?");
    return {
      __proto__: null,
      head: queryAt === -1 ? beforeHash : StringPrototypeSlice(beforeHash, 0, queryAt),
      query: queryAt === -1 ? null : StringPrototypeSlice(beforeHash, queryAt + 1),
      fragment: hashAt === -1 ? null : StringPrototypeSlice(href, hashAt + 1),
    };
  }

  function join(head, query, fragment) {
    return head + (query === null ? "" : `?${query}`) + (fragment === null ? "" : `#${fragment}`);
  }

  function hasOpaquePath(record) {
    return record.href[record.protocol.length] !== "/";
  }

  function cannotHaveCredentialsOrPort(record) {
    return record.hostname === "" || record.protocol === "file:";
  }

  function hasAuthority(record) {
    return StringPrototypeStartsWith(record.href, `${record.protocol}//`);
  }

  // Rebuilds an href from record fields with some replaced; setting a host adds an authority.
  // A path starting "//" on a URL without authority needs the "/." the serializer adds, or it
  // would re-parse as a host.
  function compose(record, changes) {
    const parts = { __proto__: null, ...pick(record), ...changes };
    const { query, fragment } = split(record.href);
    const credentials = parts.password ? `${parts.username}:${parts.password}@` : parts.username ? `${parts.username}@` : "";
    const authority = hasAuthority(record) || ObjectHasOwn(changes, "host") ? `//${credentials}${parts.host}` : "";
    const dot = !authority && StringPrototypeStartsWith(parts.pathname, "//") ? "/." : "";
    return join(record.protocol + authority + dot + parts.pathname, query, fragment);
  }

  function pick({ username, password, host, pathname }) {
    return { __proto__: null, username, password, host, pathname };
  }

  // The host and hostname setters read up to the first delimiter, as the parser's host state does.
  function hostInput(record, value) {
    const special = specialSchemes.has(record.protocol);
    const raw = setterInput(value);
    const end = SafeRegExpSearch(special ? SPECIAL_HOST_END : HOST_END, raw);
    const input = end === -1 ? raw : StringPrototypeSlice(raw, 0, end);
    if (StringPrototypeIncludes(input, "@") || (special && input === "" && record.protocol !== "file:")) return null;
    const colon = StringPrototypeIndexOf(input, ":", StringPrototypeStartsWith(input, "[") ? StringPrototypeIndexOf(input, "]") : 0);
    if (colon === -1) return { __proto__: null, hostname: input, port: null };
    return { __proto__: null, hostname: StringPrototypeSlice(input, 0, colon), port: StringPrototypeSlice(input, colon + 1) };
  }

  function withPort(hostname, port) {
    return port ? `${hostname}:${port}` : hostname;
  }

  let attachParams;
  let replaceParamsList;
  let isParams;
  let serializeParams;
  let paramsList;

  class URL {
    #record;
    #params;

    constructor(url, base = undefined) {
      requireArgument(arguments, "URL");
      const record = parseRecord(url, base);
      if (record === null) throw new TypeError(`Invalid URL: ${usvString(url)}`);
      this.#record = record;
      this.#params = new URLSearchParams(record.search);
      attachParams(this.#params, (query) => this.#setQuery(query));
    }

    static parse(url, base = undefined) {
      requireArgument(arguments, "URL.parse");
      return parseRecord(url, base) === null ? null : new URL(url, base);
    }

    static canParse(url, base = undefined) {
      requireArgument(arguments, "URL.canParse");
      return parseRecord(url, base) !== null;
    }

    #reparse(href) {
      const record = ops.urlParse(href, undefined);
      if (record === null) return;
      const searchChanged = record.search !== this.#record.search;
      this.#record = record;
      if (searchChanged) replaceParamsList(this.#params, record.search);
    }

    // The params' own list already holds what the new query encodes.
    #setQuery(query) {
      const { head, fragment } = split(this.#record.href);
      this.#record = ops.urlParse(join(head, query, fragment), undefined) ?? this.#record;
    }

    get href() {
      return this.#record.href;
    }

    set href(value) {
      const record = parseRecord(value, undefined);
      if (record === null) throw new TypeError(`Invalid URL: ${usvString(value)}`);
      this.#reparse(record.href);
    }

    get origin() {
      return this.#record.origin;
    }

    get protocol() {
      return this.#record.protocol;
    }

    set protocol(value) {
      const match = RegExpPrototypeExec(SCHEME, setterInput(value));
      if (match === null) return;
      const record = this.#record;
      const protocol = `${StringPrototypeToLowerCase(match[1])}:`;
      if (specialSchemes.has(protocol) !== specialSchemes.has(record.protocol)) return;
      if (protocol === "file:" && (record.username || record.password || record.port)) return;
      if (record.protocol === "file:" && record.hostname === "") return;
      this.#reparse(protocol + StringPrototypeSlice(record.href, record.protocol.length));
    }

    get username() {
      return this.#record.username;
    }

    set username(value) {
      if (cannotHaveCredentialsOrPort(this.#record)) return;
      this.#reparse(compose(this.#record, { username: percentEncode(usvString(value), userinfoChars) }));
    }

    get password() {
      return this.#record.password;
    }

    set password(value) {
      if (cannotHaveCredentialsOrPort(this.#record)) return;
      this.#reparse(compose(this.#record, { password: percentEncode(usvString(value), userinfoChars) }));
    }

    get host() {
      return this.#record.host;
    }

    // A port that does not fit 16 bits leaves the old port but still sets the host.
    set host(value) {
      const input = hostInput(this.#record, value);
      if (hasOpaquePath(this.#record) || input === null) return;
      const digits = RegExpPrototypeExec(DIGITS, input.port ?? "")[0];
      const port = digits && Number(digits) <= 65535 ? digits : this.#record.port;
      this.#reparse(compose(this.#record, { host: withPort(input.hostname, port) }));
    }

    get hostname() {
      return this.#record.hostname;
    }

    set hostname(value) {
      const input = hostInput(this.#record, value);
      if (hasOpaquePath(this.#record) || input === null || input.port !== null) return;
      this.#reparse(compose(this.#record, { host: withPort(input.hostname, this.#record.port) }));
    }

    get port() {
      return this.#record.port;
    }

    set port(value) {
      if (cannotHaveCredentialsOrPort(this.#record)) return;
      const clear = usvString(value) === "";
      const digits = RegExpPrototypeExec(DIGITS, setterInput(value))[0];
      if (!clear && (digits === "" || Number(digits) > 65535)) return;
      this.#reparse(compose(this.#record, { host: withPort(this.#record.hostname, digits) }));
    }

    get pathname() {
      return this.#record.pathname;
    }

    set pathname(value) {
      if (hasOpaquePath(this.#record)) return;
      const input = percentEncode(setterInput(value), pathChars);
      const special = specialSchemes.has(this.#record.protocol);
      const rooted =
        StringPrototypeStartsWith(input, "/") || (special && StringPrototypeStartsWith(input, "\\")) || (!special && input === "" && hasAuthority(this.#record));
      this.#reparse(compose(this.#record, { pathname: rooted ? input : `/${input}` }));
    }

    get search() {
      return this.#record.search;
    }

    set search(value) {
      const input = setterInput(value);
      const { head, fragment } = split(this.#record.href);
      const query = input === "" ? null : percentEncode(SafeStringReplace(input, LEADING_QUESTION, ""), queryChars);
      this.#reparse(join(head, query, fragment));
    }

    get searchParams() {
      return this.#params;
    }

    get hash() {
      return this.#record.hash;
    }

    set hash(value) {
      const input = setterInput(value);
      const { head, query } = split(this.#record.href);
      this.#reparse(join(head, query, input === "" ? null : percentEncode(SafeStringReplace(input, LEADING_HASH, ""), fragmentChars)));
    }

    toString() {
      return this.#record.href;
    }

    toJSON() {
      return this.#record.href;
    }
  }

  // application/x-www-form-urlencoded, as the URL Standard defines it.
  function formEncode(value) {
    return SafeStringReplace(encodeURIComponent(value), FORM_ESCAPES, (c) => (c === "%20" ? "+" : hexByte(StringPrototypeCharCodeAt(c, 0))));
  }

  function formDecode(value) {
    const text = SafeStringReplace(value, PLUSES, " ");
    return StringPrototypeIncludes(text, "%") ? percentDecode(text) : text;
  }

  // Works on bytes so that "%E2%82" followed by junk decodes to U+FFFD instead of throwing.
  function percentDecode(text) {
    const bytes = ops.utf8Encode(text);
    const count = TypedArrayPrototypeGetLength(bytes);
    const out = new Uint8Array(count);
    let length = 0;
    for (let i = 0; i < count; i++) {
      const hex = bytes[i] === 0x25 ? StringFromCharCode(bytes[i + 1], bytes[i + 2]) : "";
      if (SafeRegExpTest(HEX_PAIR, hex)) {
        out[length++] = parseInt(hex, 16);
        i += 2;
      } else {
        out[length++] = bytes[i];
      }
    }
    return ops.utf8Decode(new Uint8Array(TypedArrayPrototypeGetBuffer(out), 0, length), false, true);
  }

  function parseQuery(query) {
    const list = [];
    const parts = SafeStringSplit(SafeStringReplace(query, LEADING_QUESTION, ""), "&");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part === "") continue;
      const eq = StringPrototypeIndexOf(part, "=");
      SafeArrayPush(list, eq === -1 ? [formDecode(part), ""] : [formDecode(StringPrototypeSlice(part, 0, eq)), formDecode(StringPrototypeSlice(part, eq + 1))]);
    }
    return list;
  }

  function listFromInit(init) {
    if (init === null || (typeof init !== "object" && typeof init !== "function")) return parseQuery(usvString(init));
    if (typeof init[SymbolIterator] === "function") {
      return SafeArrayMap(SafeArrayFrom(init), (pair) => {
        const items = typeof pair?.[SymbolIterator] === "function" ? SafeArrayFrom(pair) : null;
        if (items?.length !== 2) throw new TypeError("URLSearchParams: each pair must have exactly two items");
        return [usvString(items[0]), usvString(items[1])];
      });
    }
    return SafeArrayMap(ObjectKeys(init), (key) => [usvString(key), usvString(init[key])]);
  }

  let paramAt;

  class URLSearchParams {
    #list;
    // Called with the new query (or null) when this object belongs to a URL.
    #onUpdate = null;

    constructor(init = "") {
      this.#list = listFromInit(init);
    }

    static {
      attachParams = (params, onUpdate) => {
        params.#onUpdate = onUpdate;
      };
      replaceParamsList = (params, query) => {
        params.#list = parseQuery(query);
      };
      isParams = (value) => value !== null && typeof value === "object" && #list in value;
      serializeParams = (params) => serialize(params.#list);
      paramsList = (params) => SafeArrayMap(params.#list, (pair) => [pair[0], pair[1]]);
    }

    #update() {
      if (this.#onUpdate === null) return;
      const query = serialize(this.#list);
      this.#onUpdate(query === "" ? null : query);
    }

    get size() {
      return this.#list.length;
    }

    append(name, value) {
      if (arguments.length < 2) throw new TypeError("URLSearchParams.append: 2 arguments required");
      SafeArrayPush(this.#list, [usvString(name), usvString(value)]);
      this.#update();
    }

    delete(name, value = undefined) {
      requireArgument(arguments, "URLSearchParams.delete");
      const key = usvString(name);
      const only = value === undefined ? null : usvString(value);
      this.#list = SafeArrayFilter(this.#list, (pair) => pair[0] !== key || (only !== null && pair[1] !== only));
      this.#update();
    }

    get(name) {
      requireArgument(arguments, "URLSearchParams.get");
      const key = usvString(name);
      return SafeArrayFind(this.#list, (pair) => pair[0] === key)?.[1] ?? null;
    }

    getAll(name) {
      requireArgument(arguments, "URLSearchParams.getAll");
      const key = usvString(name);
      return SafeArrayMap(SafeArrayFilter(this.#list, (pair) => pair[0] === key), (pair) => pair[1]);
    }

    has(name, value = undefined) {
      requireArgument(arguments, "URLSearchParams.has");
      const key = usvString(name);
      const only = value === undefined ? null : usvString(value);
      return SafeArrayFindIndex(this.#list, (pair) => pair[0] === key && (only === null || pair[1] === only)) !== -1;
    }

    set(name, value) {
      if (arguments.length < 2) throw new TypeError("URLSearchParams.set: 2 arguments required");
      const key = usvString(name);
      const index = SafeArrayFindIndex(this.#list, (pair) => pair[0] === key);
      const entry = [key, usvString(value)];
      if (index === -1) SafeArrayPush(this.#list, entry);
      else this.#list = replaceAll(this.#list, index, entry);
      this.#update();
    }

    // Stable, by UTF-16 code units, which is what JavaScript's < compares.
    sort() {
      ArrayPrototypeSort(this.#list, (x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      this.#update();
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("URLSearchParams.forEach: callback must be a function");
      for (let i = 0; i < this.#list.length; i++) ReflectApply(callback, thisArg, [this.#list[i][1], this.#list[i][0], this]);
    }

    static {
      // Iterators are live, like the platform's: they read the list by index as it is now.
      paramAt = (params, index) => (index < params.#list.length ? params.#list[index] : undefined);
    }

    toString() {
      return serialize(this.#list);
    }
  }

  function serialize(list) {
    return ArrayPrototypeJoin(SafeArrayMap(list, (pair) => `${formEncode(pair[0])}=${formEncode(pair[1])}`), "&");
  }

  // `list` with `entry` at `index` and no other entry of its name after it.
  function replaceAll(list, index, entry) {
    const out = SafeArraySlice(list, 0, index);
    SafeArrayPush(out, entry);
    for (let i = index + 1; i < list.length; i++) if (list[i][0] !== entry[0]) SafeArrayPush(out, list[i]);
    return out;
  }

  // For bodies (09_request_response.js) and console.log, without the tenant-replaceable methods.
  hooks.urlSearchParams = { isParams, serializeParams, paramsList };
  exposeClass(URL);
  pairIterable(URLSearchParams, paramAt);
  exposeClass(URLSearchParams);
});
