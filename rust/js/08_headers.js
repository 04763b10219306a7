// Headers, per the Fetch Standard (without forbidden-header filtering, as in Workers).
//
// Sets `hooks.headers` (brand check, immutability, the raw and combined lists, and has/append
// that bypass the tenant-replaceable prototype) for 09_request_response.js and the host's fetch.
(function (ops, hooks) {
  "use strict";
  const { exposeClass, pairIterable } = hooks.webidl;
  const {
    ArrayPrototypeIncludes, ArrayPrototypeJoin, ArrayPrototypeSort, JSONStringify, ObjectKeys, ReflectApply,
    SafeArrayFilter, SafeArrayFind, SafeArrayFindIndex, SafeArrayFrom, SafeArrayMap, SafeArrayPush, SafeArraySlice,
    SafeRegExp, SafeRegExpTest, SafeStringReplace, StringPrototypeToLowerCase, SymbolIterator, TypeError,
  } = hooks.primordials;

  const tokenPattern = SafeRegExp(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
  const EDGE_WHITESPACE = SafeRegExp(/^[\t\n\r ]+|[\t\n\r ]+$/g);
  const NOT_BYTE_STRING = SafeRegExp(/[^\x01-\x09\x0b\x0c\x0e-\xff]/);

  function headerName(name) {
    const text = `${name}`;
    if (!SafeRegExpTest(tokenPattern, text)) throw new TypeError(`Invalid header name: ${JSONStringify(text)}`);
    return StringPrototypeToLowerCase(text);
  }

  // Values are ByteStrings with surrounding HTTP whitespace removed and no NUL, CR or LF.
  function headerValue(value, name) {
    const text = SafeStringReplace(`${value}`, EDGE_WHITESPACE, "");
    if (SafeRegExpTest(NOT_BYTE_STRING, text)) throw new TypeError(`Invalid value for header ${JSONStringify(name)}`);
    return text;
  }

  function valuesOf(list, name) {
    return SafeArrayMap(SafeArrayFilter(list, (pair) => pair[0] === name), (pair) => pair[1]);
  }

  // Set-Cookie values cannot be joined with commas, so each keeps its own entry.
  function sortAndCombine(list) {
    const names = [];
    for (let i = 0; i < list.length; i++) if (!ArrayPrototypeIncludes(names, list[i][0])) SafeArrayPush(names, list[i][0]);
    ArrayPrototypeSort(names);
    const out = [];
    for (let i = 0; i < names.length; i++) {
      const values = valuesOf(list, names[i]);
      if (names[i] === "set-cookie") for (let j = 0; j < values.length; j++) SafeArrayPush(out, [names[i], values[j]]);
      else SafeArrayPush(out, [names[i], ArrayPrototypeJoin(values, ", ")]);
    }
    return out;
  }

  function copyList(list) {
    return SafeArrayMap(list, (pair) => [pair[0], pair[1]]);
  }

  let isHeaders;
  let makeImmutable;
  let isImmutable;
  let rawList;
  let combinedList;
  let hasHeader;
  let appendHeader;

  let pairAt;

  class Headers {
    // [lower-cased name, value] pairs in insertion order: the Fetch Standard's header list.
    #list = [];
    #immutable = false;

    constructor(init = undefined) {
      if (init === undefined) return;
      if (isHeaders(init) && init[SymbolIterator] === ownIterator) {
        this.#list = copyList(init.#list);
      } else if (init === null || (typeof init !== "object" && typeof init !== "function")) {
        throw new TypeError("Headers: init must be a Headers object, an iterable of pairs or a record");
      } else if (typeof init[SymbolIterator] === "function") {
        const pairs = SafeArrayFrom(init);
        for (let i = 0; i < pairs.length; i++) {
          const items = typeof pairs[i]?.[SymbolIterator] === "function" ? SafeArrayFrom(pairs[i]) : null;
          if (items?.length !== 2) throw new TypeError("Headers: each header must be a [name, value] pair");
          this.#append(items[0], items[1]);
        }
      } else {
        const keys = ObjectKeys(init);
        for (let i = 0; i < keys.length; i++) this.#append(keys[i], init[keys[i]]);
      }
    }

    static {
      isHeaders = (value) => value !== null && typeof value === "object" && #list in value;
      makeImmutable = (headers) => {
        headers.#immutable = true;
      };
      isImmutable = (headers) => headers.#immutable;
      rawList = (headers) => copyList(headers.#list);
      combinedList = (headers) => sortAndCombine(headers.#list);
      hasHeader = (headers, name) => headers.#has(name);
      appendHeader = (headers, name, value) => headers.#append(name, value);
    }

    #checkMutable() {
      if (this.#immutable) throw new TypeError("Headers are immutable");
    }

    // The methods other files call go through these, not through the prototype the tenant
    // can change.
    #append(name, value) {
      const key = headerName(name);
      const text = headerValue(value, key);
      this.#checkMutable();
      SafeArrayPush(this.#list, [key, text]);
    }

    #has(name) {
      const key = headerName(name);
      return SafeArrayFind(this.#list, (pair) => pair[0] === key) !== undefined;
    }

    // Replaces the first entry in place and drops the rest, keeping the header's position.
    #set(name, value) {
      const key = headerName(name);
      const text = headerValue(value, key);
      this.#checkMutable();
      const index = SafeArrayFindIndex(this.#list, (pair) => pair[0] === key);
      if (index === -1) {
        SafeArrayPush(this.#list, [key, text]);
        return;
      }
      const list = SafeArraySlice(this.#list, 0, index);
      SafeArrayPush(list, [key, text]);
      for (let i = index + 1; i < this.#list.length; i++) if (this.#list[i][0] !== key) SafeArrayPush(list, this.#list[i]);
      this.#list = list;
    }

    append(name, value) {
      if (arguments.length < 2) throw new TypeError("Headers.append: 2 arguments required");
      this.#append(name, value);
    }

    delete(name) {
      const key = headerName(name);
      this.#checkMutable();
      this.#list = SafeArrayFilter(this.#list, (pair) => pair[0] !== key);
    }

    get(name) {
      const values = valuesOf(this.#list, headerName(name));
      return values.length === 0 ? null : ArrayPrototypeJoin(values, ", ");
    }

    getSetCookie() {
      return valuesOf(this.#list, "set-cookie");
    }

    has(name) {
      return this.#has(name);
    }

    set(name, value) {
      if (arguments.length < 2) throw new TypeError("Headers.set: 2 arguments required");
      this.#set(name, value);
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("Headers.forEach: callback must be a function");
      for (let i = 0; ; i++) {
        const pairs = sortAndCombine(this.#list);
        if (i >= pairs.length) return;
        ReflectApply(callback, thisArg, [pairs[i][1], pairs[i][0], this]);
      }
    }

    static {
      // Each step sorts and combines the list as it is then.
      pairAt = (headers, index) => {
        const pairs = sortAndCombine(headers.#list);
        return index < pairs.length ? pairs[index] : undefined;
      };
    }
  }

  pairIterable(Headers, pairAt);
  // A Headers init is iterated as a sequence, unless its iterator is still the class's own.
  const ownIterator = Headers.prototype[SymbolIterator];

  hooks.headers = { isHeaders, makeImmutable, isImmutable, rawList, combinedList, hasHeader, appendHeader };
  exposeClass(Headers);
});
