// URL and URLSearchParams.
//
// Parsing is native (ops.urlParse, a WHATWG parser). Setters rebuild an href with the new part
// and re-parse it, after escaping what would otherwise be read as a delimiter; a setter whose
// result does not parse changes nothing, as the URL Standard's setters do on failure.
(function (ops, hooks) {
  "use strict";
  const { exposeClass } = hooks.webidl;

  const specialSchemes = new Set(["ftp:", "file:", "http:", "https:", "ws:", "wss:"]);

  // Characters each setter must escape itself; the parser escapes the rest of its sets.
  const userinfoChars = /[\x00-\x20"#<>?`{}/:;=@[\\\]^|\x7f-\u{10ffff}]/gu;
  const pathChars = /[\x00-\x20?#]/g;
  const queryChars = /[\x00-\x20#]/g;
  const fragmentChars = /[\x00-\x20]/g;

  function usvString(value) {
    return `${value}`.toWellFormed();
  }

  // The URL parser drops tabs and newlines anywhere in its input.
  function setterInput(value) {
    return usvString(value).replace(/[\t\n\r]/g, "");
  }

  function percentEncode(value, chars) {
    return value.replace(chars, (c) => Array.from(ops.utf8Encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""));
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
    const hashAt = href.indexOf("#");
    const beforeHash = hashAt === -1 ? href : href.slice(0, hashAt);
    const queryAt = beforeHash.indexOf("?");
    return {
      head: queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt),
      query: queryAt === -1 ? null : beforeHash.slice(queryAt + 1),
      fragment: hashAt === -1 ? null : href.slice(hashAt + 1),
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
    return record.href.startsWith(`${record.protocol}//`);
  }

  // Rebuilds an href from record fields with some replaced; setting a host adds an authority.
  // A path starting "//" on a URL without authority needs the "/." the serializer adds, or it
  // would re-parse as a host.
  function compose(record, changes) {
    const parts = { ...pick(record), ...changes };
    const { query, fragment } = split(record.href);
    const credentials = parts.password ? `${parts.username}:${parts.password}@` : parts.username ? `${parts.username}@` : "";
    const authority = hasAuthority(record) || "host" in changes ? `//${credentials}${parts.host}` : "";
    const dot = !authority && parts.pathname.startsWith("//") ? "/." : "";
    return join(record.protocol + authority + dot + parts.pathname, query, fragment);
  }

  function pick({ username, password, host, pathname }) {
    return { username, password, host, pathname };
  }

  // The host and hostname setters read up to the first delimiter, as the parser's host state does.
  function hostInput(record, value) {
    const special = specialSchemes.has(record.protocol);
    const raw = setterInput(value);
    const end = raw.search(special ? /[/?#\\]/ : /[/?#]/);
    const input = end === -1 ? raw : raw.slice(0, end);
    if (input.includes("@") || (special && input === "" && record.protocol !== "file:")) return null;
    const colon = input.indexOf(":", input.startsWith("[") ? input.indexOf("]") : 0);
    return colon === -1 ? { hostname: input, port: null } : { hostname: input.slice(0, colon), port: input.slice(colon + 1) };
  }

  function withPort(hostname, port) {
    return port ? `${hostname}:${port}` : hostname;
  }

  let attachParams;
  let replaceParamsList;

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
      const match = /^([A-Za-z][A-Za-z0-9+.-]*)(:|$)/.exec(setterInput(value));
      if (match === null) return;
      const record = this.#record;
      const protocol = `${match[1].toLowerCase()}:`;
      if (specialSchemes.has(protocol) !== specialSchemes.has(record.protocol)) return;
      if (protocol === "file:" && (record.username || record.password || record.port)) return;
      if (record.protocol === "file:" && record.hostname === "") return;
      this.#reparse(protocol + record.href.slice(record.protocol.length));
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
      const digits = /^\d*/.exec(input.port ?? "")[0];
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
      const digits = /^\d*/.exec(setterInput(value))[0];
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
      const rooted = input.startsWith("/") || (special && input.startsWith("\\")) || (!special && input === "" && hasAuthority(this.#record));
      this.#reparse(compose(this.#record, { pathname: rooted ? input : `/${input}` }));
    }

    get search() {
      return this.#record.search;
    }

    set search(value) {
      const input = setterInput(value);
      const { head, fragment } = split(this.#record.href);
      const query = input === "" ? null : percentEncode(input.replace(/^\?/, ""), queryChars);
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
      this.#reparse(join(head, query, input === "" ? null : percentEncode(input.replace(/^#/, ""), fragmentChars)));
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
    return encodeURIComponent(value).replace(/[!'()~]|%20/g, (c) => (c === "%20" ? "+" : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  }

  function formDecode(value) {
    const text = value.replace(/\+/g, " ");
    return text.includes("%") ? percentDecode(text) : text;
  }

  // Works on bytes so that "%E2%82" followed by junk decodes to U+FFFD instead of throwing.
  function percentDecode(text) {
    const bytes = ops.utf8Encode(text);
    const out = new Uint8Array(bytes.length);
    let length = 0;
    for (let i = 0; i < bytes.length; i++) {
      const hex = bytes[i] === 0x25 ? String.fromCharCode(bytes[i + 1], bytes[i + 2]) : "";
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[length++] = parseInt(hex, 16);
        i += 2;
      } else {
        out[length++] = bytes[i];
      }
    }
    return ops.utf8Decode(out.subarray(0, length), false, true);
  }

  function parseQuery(query) {
    const list = [];
    for (const part of query.replace(/^\?/, "").split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      list.push(eq === -1 ? [formDecode(part), ""] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
    }
    return list;
  }

  function listFromInit(init) {
    if (init === null || (typeof init !== "object" && typeof init !== "function")) return parseQuery(usvString(init));
    if (typeof init[Symbol.iterator] === "function") {
      return Array.from(init, (pair) => {
        const items = typeof pair?.[Symbol.iterator] === "function" ? [...pair] : null;
        if (items?.length !== 2) throw new TypeError("URLSearchParams: each pair must have exactly two items");
        return [usvString(items[0]), usvString(items[1])];
      });
    }
    return Object.keys(init).map((key) => [usvString(key), usvString(init[key])]);
  }

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
    }

    #update() {
      if (this.#onUpdate === null) return;
      const query = this.toString();
      this.#onUpdate(query === "" ? null : query);
    }

    get size() {
      return this.#list.length;
    }

    append(name, value) {
      if (arguments.length < 2) throw new TypeError("URLSearchParams.append: 2 arguments required");
      this.#list.push([usvString(name), usvString(value)]);
      this.#update();
    }

    delete(name, value = undefined) {
      requireArgument(arguments, "URLSearchParams.delete");
      const key = usvString(name);
      const only = value === undefined ? null : usvString(value);
      this.#list = this.#list.filter(([k, v]) => k !== key || (only !== null && v !== only));
      this.#update();
    }

    get(name) {
      requireArgument(arguments, "URLSearchParams.get");
      const key = usvString(name);
      return this.#list.find(([k]) => k === key)?.[1] ?? null;
    }

    getAll(name) {
      requireArgument(arguments, "URLSearchParams.getAll");
      const key = usvString(name);
      return this.#list.filter(([k]) => k === key).map(([, v]) => v);
    }

    has(name, value = undefined) {
      requireArgument(arguments, "URLSearchParams.has");
      const key = usvString(name);
      const only = value === undefined ? null : usvString(value);
      return this.#list.some(([k, v]) => k === key && (only === null || v === only));
    }

    set(name, value) {
      if (arguments.length < 2) throw new TypeError("URLSearchParams.set: 2 arguments required");
      const key = usvString(name);
      const index = this.#list.findIndex(([k]) => k === key);
      const entry = [key, usvString(value)];
      if (index === -1) this.#list.push(entry);
      else this.#list = [...this.#list.slice(0, index), entry, ...this.#list.slice(index + 1).filter(([k]) => k !== key)];
      this.#update();
    }

    // Stable, by UTF-16 code units, which is what JavaScript's < compares.
    sort() {
      this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.#update();
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("URLSearchParams.forEach: callback must be a function");
      for (let i = 0; i < this.#list.length; i++) Reflect.apply(callback, thisArg, [this.#list[i][1], this.#list[i][0], this]);
    }

    // Iterators are live, like the platform's: they read the list by index as it is now.
    *entries() {
      for (let i = 0; i < this.#list.length; i++) yield [...this.#list[i]];
    }

    *keys() {
      for (const [key] of this.entries()) yield key;
    }

    *values() {
      for (const [, value] of this.entries()) yield value;
    }

    [Symbol.iterator]() {
      return this.entries();
    }

    toString() {
      return this.#list.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join("&");
    }
  }

  exposeClass(URL);
  exposeClass(URLSearchParams);
});
