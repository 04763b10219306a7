// Headers, per the Fetch Standard (without forbidden-header filtering, as in Workers).
//
// Sets `hooks.headers` = { makeImmutable, isImmutable, rawList } for 09_request_response.js
// and the host's fetch.
(function (ops, hooks) {
  "use strict";
  const { exposeClass } = hooks.webidl;

  const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

  function headerName(name) {
    const text = `${name}`;
    if (!tokenPattern.test(text)) throw new TypeError(`Invalid header name: ${JSON.stringify(text)}`);
    return text.toLowerCase();
  }

  // Values are ByteStrings with surrounding HTTP whitespace removed and no NUL, CR or LF.
  function headerValue(value, name) {
    const text = `${value}`.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (/[^\x01-\x09\x0b\x0c\x0e-\xff]/.test(text)) throw new TypeError(`Invalid value for header ${JSON.stringify(name)}`);
    return text;
  }

  // Set-Cookie values cannot be joined with commas, so each keeps its own entry.
  function sortAndCombine(list) {
    const names = [...new Set(list.map(([name]) => name))].sort();
    const out = [];
    for (const name of names) {
      const values = list.filter(([n]) => n === name).map(([, v]) => v);
      if (name === "set-cookie") values.forEach((v) => out.push([name, v]));
      else out.push([name, values.join(", ")]);
    }
    return out;
  }

  let makeImmutable;
  let isImmutable;
  let rawList;

  class Headers {
    // [lower-cased name, value] pairs in insertion order: the Fetch Standard's header list.
    #list = [];
    #immutable = false;

    constructor(init = undefined) {
      if (init === undefined) return;
      if (init instanceof Headers) {
        this.#list = init.#list.map(([name, value]) => [name, value]);
      } else if (init === null || (typeof init !== "object" && typeof init !== "function")) {
        throw new TypeError("Headers: init must be a Headers object, an iterable of pairs or a record");
      } else if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const items = typeof pair?.[Symbol.iterator] === "function" ? [...pair] : null;
          if (items?.length !== 2) throw new TypeError("Headers: each header must be a [name, value] pair");
          this.append(items[0], items[1]);
        }
      } else {
        for (const key of Object.keys(init)) this.append(key, init[key]);
      }
    }

    static {
      makeImmutable = (headers) => {
        headers.#immutable = true;
      };
      isImmutable = (headers) => headers.#immutable;
      rawList = (headers) => headers.#list.map(([name, value]) => [name, value]);
    }

    #checkMutable() {
      if (this.#immutable) throw new TypeError("Headers are immutable");
    }

    append(name, value) {
      if (arguments.length < 2) throw new TypeError("Headers.append: 2 arguments required");
      const key = headerName(name);
      const text = headerValue(value, key);
      this.#checkMutable();
      this.#list.push([key, text]);
    }

    delete(name) {
      const key = headerName(name);
      this.#checkMutable();
      this.#list = this.#list.filter(([n]) => n !== key);
    }

    get(name) {
      const key = headerName(name);
      const values = this.#list.filter(([n]) => n === key).map(([, v]) => v);
      return values.length === 0 ? null : values.join(", ");
    }

    getSetCookie() {
      return this.#list.filter(([n]) => n === "set-cookie").map(([, v]) => v);
    }

    has(name) {
      const key = headerName(name);
      return this.#list.some(([n]) => n === key);
    }

    // Replaces the first entry in place and drops the rest, keeping the header's position.
    set(name, value) {
      if (arguments.length < 2) throw new TypeError("Headers.set: 2 arguments required");
      const key = headerName(name);
      const text = headerValue(value, key);
      this.#checkMutable();
      const index = this.#list.findIndex(([n]) => n === key);
      if (index === -1) this.#list.push([key, text]);
      else this.#list = [...this.#list.slice(0, index), [key, text], ...this.#list.slice(index + 1).filter(([n]) => n !== key)];
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("Headers.forEach: callback must be a function");
      for (const [name, value] of this.entries()) Reflect.apply(callback, thisArg, [value, name, this]);
    }

    // Live like the platform's iterator: each step sorts and combines the list as it is then.
    *entries() {
      for (let i = 0; ; i++) {
        const pairs = sortAndCombine(this.#list);
        if (i >= pairs.length) return;
        yield pairs[i];
      }
    }

    *keys() {
      for (const [name] of this.entries()) yield name;
    }

    *values() {
      for (const [, value] of this.entries()) yield value;
    }

    [Symbol.iterator]() {
      return this.entries();
    }
  }

  hooks.headers = { makeImmutable, isImmutable, rawList };
  exposeClass(Headers);
});
