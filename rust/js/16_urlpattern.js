// URLPattern (the URL Pattern Standard). Parsing and input processing are native
// (ops.urlPatternParse/urlPatternInput, the `urlpattern` crate); each component's pattern becomes
// a JavaScript regexp compiled here, so matching follows ECMAScript regexp semantics.
(function (ops, hooks) {
  "use strict";
  const { exposeClass } = hooks.webidl;
  const {
    Boolean, ObjectDefineProperty, RegExp, RegExpPrototypeExec, SafeArrayPush, SafeRegExp, StringPrototypeToWellFormed,
    TypeError,
  } = hooks.primordials;

  const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
  const INIT_KEYS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash", "baseURL"];

  // A URLPatternInit dictionary as a record of strings (members read once, in order), or a string.
  function toInput(input, what) {
    if (input === undefined || input === null) return { __proto__: null };
    if (typeof input !== "object" && typeof input !== "function") return StringPrototypeToWellFormed(`${input}`);
    const record = { __proto__: null };
    for (let i = 0; i < INIT_KEYS.length; i++) {
      const value = input[INIT_KEYS[i]];
      if (value !== undefined) record[INIT_KEYS[i]] = StringPrototypeToWellFormed(`${value}`);
    }
    return record;
  }

  // The result is the tenant's object: its members are defined, never assigned (a setter on
  // Object.prototype must not see them).
  function define(object, key, value) {
    ObjectDefineProperty(object, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  }

  function baseOf(baseURL) {
    return baseURL === undefined ? undefined : StringPrototypeToWellFormed(`${baseURL}`);
  }

  class URLPattern {
    // Per component: [pattern string, hardened regexp, group names].
    #components;
    #hasRegExpGroups;

    constructor(input = undefined, baseURL = undefined, options = undefined) {
      // URLPattern(input, options): the second argument is the options when it is an object.
      if (baseURL !== null && typeof baseURL === "object") {
        options = baseURL;
        baseURL = undefined;
      }
      const ignoreCase = options === undefined || options === null ? false : Boolean(options.ignoreCase);
      const parsed = ops.urlPatternParse(toInput(input, "URLPattern"), baseOf(baseURL), ignoreCase);
      this.#hasRegExpGroups = parsed[0];
      this.#components = [];
      for (let i = 0; i < COMPONENTS.length; i++) {
        const component = parsed[i + 1];
        let regexp;
        try {
          regexp = SafeRegExp(new RegExp(`^${component[1]}$`, ignoreCase ? "vi" : "v"));
        } catch (error) {
          throw new TypeError(`URLPattern: the ${COMPONENTS[i]} pattern is not a valid regular expression`);
        }
        SafeArrayPush(this.#components, [component[0], regexp, component[2]]);
      }
    }

    get protocol() { return this.#components[0][0]; }
    get username() { return this.#components[1][0]; }
    get password() { return this.#components[2][0]; }
    get hostname() { return this.#components[3][0]; }
    get port() { return this.#components[4][0]; }
    get pathname() { return this.#components[5][0]; }
    get search() { return this.#components[6][0]; }
    get hash() { return this.#components[7][0]; }

    get hasRegExpGroups() {
      return this.#hasRegExpGroups;
    }

    test(input = undefined, baseURL = undefined) {
      return this.#match(input, baseURL, false) !== null;
    }

    exec(input = undefined, baseURL = undefined) {
      return this.#match(input, baseURL, true);
    }

    #match(input, baseURL, wantResult) {
      const processed = toInput(input, "URLPattern.exec");
      const values = ops.urlPatternInput(processed, baseOf(baseURL));
      if (values === null) return null;
      const matches = [];
      for (let i = 0; i < COMPONENTS.length; i++) {
        const match = RegExpPrototypeExec(this.#components[i][1], values[i]);
        if (match === null) return null;
        SafeArrayPush(matches, match);
      }
      if (!wantResult) return true;
      const inputs = [typeof processed === "string" ? processed : input];
      if (baseURL !== undefined) SafeArrayPush(inputs, baseOf(baseURL));
      const result = { inputs };
      for (let i = 0; i < COMPONENTS.length; i++) {
        const names = this.#components[i][2];
        const groups = {};
        for (let g = 0; g < names.length; g++) define(groups, names[g], matches[i][g + 1]);
        define(result, COMPONENTS[i], { input: values[i], groups });
      }
      return result;
    }
  }

  exposeClass(URLPattern);
});
