// Request and Response with whole-buffer bodies (no ReadableStream).
//
// `body` is a minimal read-once stream (getReader, async iteration, cancel) so that streaming
// code and `new Response(other.body)` work; it is not a global ReadableStream.
//
// fetch() is not defined here: the host's outbound layer installs it in a later bootstrap file,
// built on `hooks.http` = { requestToWire, responseFromWire }, the only way to give a Response
// a url and the redirected flag.
(function (ops, hooks) {
  "use strict";
  const { exposeClass, toBytes } = hooks.webidl;
  const { makeImmutable, isImmutable, rawList } = hooks.headers;
  // Captured now, before user code can replace the globals.
  const { AbortController, AbortSignal, Headers, URLSearchParams } = globalThis;
  const anySignal = AbortSignal.any;

  const internal = Symbol("internal");

  function dictionary(value, what) {
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what}: init must be an object`);
    return value;
  }

  // Request and Response -> { bytes: Uint8Array | null, used, stream }. Clones share `bytes`,
  // which is never written after extraction; readers get copies.
  const bodies = new WeakMap();

  function bodyState(owner) {
    const state = bodies.get(owner);
    if (state === undefined) throw new TypeError("Illegal invocation: not a Request or Response");
    return state;
  }

  // Returns { bytes, type }: the Fetch Standard's "extract a body" for the types we have.
  function extractBody(init) {
    if (init instanceof BodyStream) return { bytes: takeStream(init), type: null };
    if (init instanceof URLSearchParams) return { bytes: ops.utf8Encode(`${init}`), type: "application/x-www-form-urlencoded;charset=UTF-8" };
    if (ArrayBuffer.isView(init) || init instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && init instanceof SharedArrayBuffer)) {
      return { bytes: toBytes(init, "body").slice(), type: null };
    }
    return { bytes: ops.utf8Encode(`${init}`), type: "text/plain;charset=UTF-8" };
  }

  function setBody(owner, extracted, headers) {
    bodies.set(owner, { bytes: extracted?.bytes ?? null, used: false, stream: null });
    if (extracted?.type && !headers.has("content-type")) headers.append("content-type", extracted.type);
  }

  // A body is read once. Reading a null body yields no bytes and does not count as a use.
  function consume(owner) {
    const state = bodyState(owner);
    if (state.used) throw new TypeError("Body has already been used");
    if (state.stream?.locked) throw new TypeError("Body is locked by a reader");
    if (state.bytes === null) return new Uint8Array(0);
    state.used = true;
    return state.bytes.slice();
  }

  let takeStream;

  class BodyStream {
    #owner;
    #locked = false;

    constructor(key, owner) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      this.#owner = owner;
    }

    static {
      takeStream = (stream) => {
        if (stream.#locked) throw new TypeError("The body is locked by a reader");
        return consume(stream.#owner);
      };
    }

    get locked() {
      return this.#locked;
    }

    getReader() {
      if (this.#locked) throw new TypeError("The body is already locked by a reader");
      this.#locked = true;
      const owner = this.#owner;
      const release = () => {
        this.#locked = false;
      };
      return {
        async read() {
          const state = bodyState(owner);
          if (state.used) return { done: true, value: undefined };
          state.used = true;
          return state.bytes.length === 0 ? { done: true, value: undefined } : { done: false, value: state.bytes.slice() };
        },
        releaseLock: release,
        async cancel() {
          bodyState(owner).used = true;
        },
        closed: Promise.resolve(),
      };
    }

    async cancel() {
      if (this.#locked) throw new TypeError("The body is locked by a reader");
      bodyState(this.#owner).used = true;
    }

    async *[Symbol.asyncIterator]() {
      const reader = this.getReader();
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) yield chunk.value;
      } finally {
        reader.releaseLock();
      }
    }
  }

  // The Body mixin, shared by Request and Response.
  const bodyMixin = {
    get body() {
      const state = bodyState(this);
      if (state.bytes === null) return null;
      state.stream ??= new BodyStream(internal, this);
      return state.stream;
    },
    get bodyUsed() {
      return bodyState(this).used;
    },
    async arrayBuffer() {
      return consume(this).buffer;
    },
    async bytes() {
      return consume(this);
    },
    async text() {
      return ops.utf8Decode(consume(this), false, false);
    },
    async json() {
      return JSON.parse(ops.utf8Decode(consume(this), false, false));
    },
  };

  function mixBody(cls) {
    for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(bodyMixin))) {
      Object.defineProperty(cls.prototype, key, { ...desc, enumerable: false });
    }
  }

  function cloneHeaders(headers) {
    const copy = new Headers(headers);
    if (isImmutable(headers)) makeImmutable(copy);
    return copy;
  }

  const redirectModes = new Set(["follow", "error", "manual"]);

  // A request's signal follows the given one, so aborting either the source or ours is seen.
  function followSignal(signal) {
    if (signal === null || signal === undefined) return new AbortController().signal;
    if (!(signal instanceof AbortSignal)) throw new TypeError("Request: signal must be an AbortSignal");
    return Reflect.apply(anySignal, AbortSignal, [[signal]]);
  }

  function parseRequestUrl(input) {
    const record = ops.urlParse(`${input}`.toWellFormed(), undefined);
    if (record === null) throw new TypeError(`Invalid URL: ${input}`);
    if (record.username || record.password) throw new TypeError("Request URLs cannot include credentials");
    return record.href;
  }

  let requestToWire;

  class Request {
    #method;
    #url;
    #headers;
    #redirect;
    #signal;

    constructor(input, init = undefined) {
      if (arguments.length === 0) throw new TypeError("Request: 1 argument required, but only 0 present");
      const options = dictionary(init, "Request");
      const source = input instanceof Request ? input : null;
      this.#url = source ? source.#url : parseRequestUrl(input);
      // The method is normalized and checked (TRACE, CONNECT, TRACK: TypeError) in Rust, where
      // no replaced built-in can reach the decision.
      this.#method = options.method !== undefined ? ops.normalizeMethod(`${options.method}`) : source ? source.#method : "GET";
      this.#redirect = options.redirect !== undefined ? `${options.redirect}` : source ? source.#redirect : "follow";
      if (!redirectModes.has(this.#redirect)) throw new TypeError(`Invalid redirect mode: ${this.#redirect}`);
      this.#signal = followSignal(options.signal !== undefined ? options.signal : source?.#signal);
      this.#headers = new Headers(options.headers !== undefined ? options.headers : source?.#headers);

      const initBody = options.body ?? null;
      const sourceState = source ? bodyState(source) : null;
      if ((initBody !== null || sourceState?.bytes) && (this.#method === "GET" || this.#method === "HEAD")) {
        throw new TypeError("Request with GET/HEAD method cannot have body");
      }
      if (initBody !== null) {
        setBody(this, extractBody(initBody), this.#headers);
      } else {
        // The source's body moves into the new request, which leaves the source used.
        setBody(this, sourceState?.bytes ? { bytes: consume(source), type: null } : null, this.#headers);
      }
    }

    get method() {
      return this.#method;
    }

    get url() {
      return this.#url;
    }

    get headers() {
      return this.#headers;
    }

    get redirect() {
      return this.#redirect;
    }

    get signal() {
      return this.#signal;
    }

    clone() {
      const state = bodyState(this);
      if (state.used) throw new TypeError("Request.clone: the body has already been used");
      const copy = new Request(this.#url, { method: this.#method, headers: this.#headers, redirect: this.#redirect, signal: this.#signal });
      bodies.set(copy, { bytes: state.bytes, used: false, stream: null });
      return copy;
    }

    static {
      requestToWire = (request) => ({
        method: request.#method,
        url: request.#url,
        headers: rawList(request.#headers),
        body: bodyState(request).bytes === null ? null : consume(request),
        redirect: request.#redirect,
        signal: request.#signal,
      });
    }
  }

  let setResponseFields;

  const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
  const redirectStatuses = new Set([301, 302, 303, 307, 308]);

  class Response {
    #type = "default";
    #url = "";
    #redirected = false;
    #status = 200;
    #statusText = "";
    #headers;

    constructor(body = null, init = undefined) {
      const options = dictionary(init, "Response");
      const status = options.status === undefined ? 200 : Math.trunc(Number(options.status));
      if (!(status >= 200 && status <= 599)) throw new RangeError(`Response: status must be in the range 200 to 599, got ${options.status}`);
      const statusText = options.statusText === undefined ? "" : `${options.statusText}`;
      if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(statusText)) throw new TypeError("Response: invalid statusText");
      this.#status = status;
      this.#statusText = statusText;
      this.#headers = new Headers(options.headers);
      if (body !== null && body !== undefined && nullBodyStatuses.has(status)) {
        throw new TypeError(`Response with status ${status} cannot have a body`);
      }
      setBody(this, body === null || body === undefined ? null : extractBody(body), this.#headers);
    }

    static error() {
      const response = new Response(null, { status: 200 });
      setResponseFields(response, { type: "error", status: 0 });
      makeImmutable(response.headers);
      return response;
    }

    static redirect(url, status = 302) {
      const location = ops.urlParse(`${url}`.toWellFormed(), undefined);
      if (location === null) throw new TypeError(`Invalid URL: ${url}`);
      if (!redirectStatuses.has(Number(status))) throw new RangeError(`Invalid redirect status: ${status}`);
      const response = new Response(null, { status: Number(status), headers: { location: location.href } });
      makeImmutable(response.headers);
      return response;
    }

    static json(data, init = undefined) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Response.json: the value is not JSON-serializable");
      const options = dictionary(init, "Response");
      const headers = new Headers(options.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(text, { status: options.status, statusText: options.statusText, headers });
    }

    get type() {
      return this.#type;
    }

    get url() {
      return this.#url;
    }

    get redirected() {
      return this.#redirected;
    }

    get status() {
      return this.#status;
    }

    get ok() {
      return this.#status >= 200 && this.#status <= 299;
    }

    get statusText() {
      return this.#statusText;
    }

    get headers() {
      return this.#headers;
    }

    clone() {
      const state = bodyState(this);
      if (state.used) throw new TypeError("Response.clone: the body has already been used");
      const copy = new Response(null);
      setResponseFields(copy, { type: this.#type, url: this.#url, redirected: this.#redirected, status: this.#status, statusText: this.#statusText, headers: cloneHeaders(this.#headers) });
      bodies.set(copy, { bytes: state.bytes, used: false, stream: null });
      return copy;
    }

    static {
      setResponseFields = (response, fields) => {
        if ("type" in fields) response.#type = fields.type;
        if ("url" in fields) response.#url = fields.url;
        if ("redirected" in fields) response.#redirected = fields.redirected;
        if ("status" in fields) response.#status = fields.status;
        if ("statusText" in fields) response.#statusText = fields.statusText;
        if ("headers" in fields) response.#headers = fields.headers;
      };
    }
  }

  // `body` is a Uint8Array the response may keep, or null; `headers` a list of [name, value].
  // The url drops its fragment, as Response.url does.
  function responseFromWire({ status, statusText = "", headers = [], body = null, url = "", redirected = false }) {
    const response = new Response(null, { status: 200, headers });
    bodies.set(response, { bytes: body, used: false, stream: null });
    setResponseFields(response, { type: "basic", status, statusText, url: url.split("#")[0], redirected });
    return response;
  }

  mixBody(Request);
  mixBody(Response);
  hooks.http = { requestToWire, responseFromWire };
  exposeClass(Request);
  exposeClass(Response);
});
