// node:url: the WHATWG URL and URLSearchParams the worker already has, file URL conversions
// (POSIX paths), and the legacy parse/format/resolve for code written against them
// (domainToUnicode gives its input back: there is no punycode decoder here).
(function (ops, hooks) {
  "use strict";
  const {
    ObjectDefineProperty, ObjectFreeze, ObjectKeys, RegExpPrototypeExec, SafeRegExp, SafeRegExpTest, SafeStringReplace, StringPrototypeIncludes,
    StringPrototypeIndexOf, StringPrototypeLastIndexOf, StringPrototypeSlice, StringPrototypeToLowerCase, TypeError,
    decodeURIComponent, instanceOf,
  } = hooks.primordials;
  const { coded, invalidArgType, validateString } = hooks.node;
  const URL = hooks.global("URL");
  const URLSearchParams = hooks.global("URLSearchParams");
  const path = hooks["node:path"];
  const querystring = hooks["node:querystring"];
  const hrefOf = hooks.primordials.ObjectGetOwnPropertyDescriptor(URL.prototype, "href").get;
  const href = (url) => hooks.primordials.ReflectApply(hrefOf, url, []);
  const isURL = (value) => value !== null && typeof value === "object" && instanceOf(value, URL);

  function fileURLToPath(url) {
    const parsed = typeof url === "string" ? new URL(url) : url;
    if (!isURL(parsed)) throw invalidArgType("path", "of type string or an instance of URL", url);
    if (parsed.protocol !== "file:") throw coded(TypeError, "ERR_INVALID_URL_SCHEME", "The URL must be of scheme file");
    if (parsed.hostname !== "") throw coded(TypeError, "ERR_INVALID_FILE_URL_HOST", 'File URL host must be "localhost" or empty on linux');
    const pathname = parsed.pathname;
    if (SafeRegExpTest(ENCODED_SLASH, pathname)) {
      throw coded(TypeError, "ERR_INVALID_FILE_URL_PATH", "File URL path must not include encoded / characters");
    }
    return decodeURIComponent(pathname);
  }
  const ENCODED_SLASH = SafeRegExp(/%2f/i);

  const PATH_CHARS = SafeRegExp(/[%\\\n\r\t]/g);
  const PATH_ESCAPES = { __proto__: null, "%": "%25", "\\": "%5C", "\n": "%0A", "\r": "%0D", "\t": "%09" };

  function pathToFileURL(filepath) {
    validateString(filepath, "path");
    let resolved = path.resolve(filepath);
    if (filepath.length > 1 && filepath[filepath.length - 1] === "/" && resolved[resolved.length - 1] !== "/") resolved += "/";
    const url = new URL("file:///");
    url.pathname = SafeStringReplace(resolved, PATH_CHARS, (c) => PATH_ESCAPES[c]);
    return url;
  }

  function urlToHttpOptions(url) {
    const options = {
      protocol: url.protocol,
      hostname: url.hostname[0] === "[" ? StringPrototypeSlice(url.hostname, 1, -1) : url.hostname,
      hash: url.hash,
      search: url.search,
      pathname: url.pathname,
      path: `${url.pathname || ""}${url.search || ""}`,
      href: url.href,
    };
    if (url.port !== "") define(options, "port", +url.port);
    if (url.username || url.password) define(options, "auth", `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
    return options;
  }

  // --- legacy ----------------------------------------------------------------------------------

  const FIELDS = ["protocol", "slashes", "auth", "host", "port", "hostname", "hash", "search", "query", "pathname", "path", "href"];

  // Own fields defined up front, so later assignments never reach a setter on a prototype.
  function Url() {
    for (let i = 0; i < FIELDS.length; i++) define(this, FIELDS[i], null);
  }

  function define(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  }

  const PROTOCOL = SafeRegExp(/^([a-z0-9.+-]+:)/i);
  const PORT = SafeRegExp(/:([0-9]*)$/);
  const SLASHED = { __proto__: null, "http:": true, "https:": true, "ftp:": true, "gopher:": true, "file:": true, "ws:": true, "wss:": true };
  const NO_HOST = { __proto__: null, "javascript:": true, "mailto:": true, "data:": true };

  function parse(url, parseQueryString = false, slashesDenoteHost = false) {
    if (isURL(url)) url = href(url);
    validateString(url, "url");
    const out = new Url();
    let rest = SafeStringReplace(url, TRIM, "");
    const hashAt = StringPrototypeIndexOf(rest, "#");
    if (hashAt !== -1) {
      out.hash = StringPrototypeSlice(rest, hashAt);
      rest = StringPrototypeSlice(rest, 0, hashAt);
    }
    const queryAt = StringPrototypeIndexOf(rest, "?");
    if (queryAt !== -1) {
      out.search = StringPrototypeSlice(rest, queryAt);
      out.query = StringPrototypeSlice(rest, queryAt + 1);
      rest = StringPrototypeSlice(rest, 0, queryAt);
    } else if (parseQueryString) {
      out.search = "";
    }
    const protocol = RegExpPrototypeExec(PROTOCOL, rest);
    let lowerProto;
    if (protocol !== null) {
      lowerProto = StringPrototypeToLowerCase(protocol[1]);
      out.protocol = lowerProto;
      rest = StringPrototypeSlice(rest, protocol[1].length);
    }
    const slashes = rest[0] === "/" && rest[1] === "/";
    if (slashes && !(lowerProto !== undefined && NO_HOST[lowerProto]) && (lowerProto !== undefined || slashesDenoteHost)) {
      rest = StringPrototypeSlice(rest, 2);
      out.slashes = true;
    }
    if (out.slashes || (lowerProto !== undefined && !NO_HOST[lowerProto] && SLASHED[lowerProto])) {
      let end = rest.length;
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "/" || rest[i] === "\\") {
          end = i;
          break;
        }
      }
      let host = StringPrototypeSlice(rest, 0, end);
      rest = StringPrototypeSlice(rest, end);
      const at = StringPrototypeLastIndexOf(host, "@");
      if (at !== -1) {
        out.auth = decodeURIComponent(StringPrototypeSlice(host, 0, at));
        host = StringPrototypeSlice(host, at + 1);
      }
      const port = RegExpPrototypeExec(PORT, host);
      if (port !== null) {
        if (port[1] !== "") out.port = port[1];
        host = StringPrototypeSlice(host, 0, host.length - port[0].length);
      }
      out.hostname = StringPrototypeToLowerCase(host);
      out.host = out.port !== null ? `${out.hostname}:${out.port}` : out.hostname;
      if (SLASHED[lowerProto] && rest === "") rest = "/";
    }
    if (rest !== "") out.pathname = rest;
    if (parseQueryString) out.query = querystring.parse(out.query ?? "");
    out.path = out.pathname !== null || out.search !== null ? `${out.pathname ?? ""}${out.search ?? ""}` : null;
    out.href = format(out);
    return out;
  }
  const TRIM = SafeRegExp(/^\s+|\s+$/g);

  function format(object, options = undefined) {
    if (typeof object === "string") object = parse(object);
    else if (isURL(object)) return href(object);
    else if (object === null || typeof object !== "object") throw invalidArgType("urlObject", "one of type object or string", object);
    let auth = object.auth || "";
    if (auth) auth = `${SafeStringReplace(encodeURIComponentLoose(auth), COLON, ":")}@`;
    let protocol = object.protocol || "";
    if (protocol && protocol[protocol.length - 1] !== ":") protocol += ":";
    let host = "";
    if (object.host) host = auth + object.host;
    else if (object.hostname) {
      host = auth + (StringPrototypeIncludes(object.hostname, ":") && object.hostname[0] !== "[" ? `[${object.hostname}]` : object.hostname);
      if (object.port) host += `:${object.port}`;
    }
    let pathname = object.pathname || "";
    let search = object.search || "";
    if (!search && object.query !== null && typeof object.query === "object" && ObjectKeys(object.query).length > 0) {
      search = `?${querystring.stringify(object.query)}`;
    }
    if (search && search[0] !== "?") search = `?${search}`;
    let hash = object.hash || "";
    if (hash && hash[0] !== "#") hash = `#${hash}`;
    if (object.slashes || ((!protocol || SLASHED[StringPrototypeToLowerCase(protocol)]) && host !== "")) {
      if (object.slashes || host !== "") {
        if (pathname && pathname[0] !== "/") pathname = `/${pathname}`;
        host = `//${host}`;
      }
    }
    search = SafeStringReplace(search, HASH, "%23");
    pathname = SafeStringReplace(SafeStringReplace(pathname, HASH, "%23"), QUESTION, "%3F");
    return `${protocol}${host}${pathname}${search}${hash}`;
  }
  const COLON = SafeRegExp(/%3A/gi);
  const HASH = SafeRegExp(/#/g);
  const QUESTION = SafeRegExp(/\?/g);
  const encodeURIComponentLoose = (text) => hooks.primordials.encodeURIComponent(text);

  // The legacy resolve, over the WHATWG parser: a relative `from` resolves as a path.
  function resolved(from, to) {
    const base = new URL(from, "resolve://");
    const out = href(new URL(to, base));
    if (base.protocol !== "resolve:") return out;
    const rel = StringPrototypeSlice(out, "resolve://".length);
    return from[0] === "/" || rel[0] !== "/" ? rel : StringPrototypeSlice(rel, 1);
  }

  function domainToASCII(domain) {
    try {
      return new URL(`ws://${domain}`).hostname;
    } catch {
      return "";
    }
  }

  function domainToUnicode(domain) {
    return `${domain}`;
  }

  hooks["node:url"] = ObjectFreeze({
    URL, URLSearchParams, fileURLToPath, pathToFileURL, urlToHttpOptions, parse, format, resolve: resolved, Url,
    domainToASCII, domainToUnicode,
  });
});
