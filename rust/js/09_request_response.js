// Request and Response. A body is held as bytes until something asks for `body`, which makes it a
// ReadableStream (a byte stream, as in Workers); a body given as a ReadableStream stays one. The
// readers (text(), json(), ...) take bytes as they are, or read the stream to its end.
//
// fetch() is not defined here: the host's outbound layer installs it in a later bootstrap file,
// built on `hooks.http` = { requestToWire, responseFromWire }, the only way to give a Response
// a url and the redirected flag.
(function (ops, hooks) {
  "use strict";
  const { exposeClass, toBytes } = hooks.webidl;
  const { makeImmutable, isImmutable, rawList, combinedList, hasHeader, appendHeader } = hooks.headers;
  const { isAbortSignal, anySignal, newSignal } = hooks.events;
  const { isParams, serializeParams } = hooks.urlSearchParams;
  // Captured now, before user code can replace the globals.
  const Headers = hooks.global("Headers");
  const {
    ArrayBufferIsView, JSONParse, JSONStringify, MathTrunc, Number, ObjectDefineProperty, SafeGetOwnPropertyDescriptor,
    ObjectHasOwn, ObjectKeys, PromiseReject, PromiseResolve, RangeError, SafeAwaitable, SafeMap, SafePromiseThen,
    SafePromiseWithResolvers, SafeRegExp, SafeRegExpTest, SafeSet, SafeWeakMap,
    StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeToUpperCase, StringPrototypeToWellFormed,
    SymbolAsyncIterator, Symbol, TypeError, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetLength,
    TypedArrayPrototypeSet, Uint8Array, isArrayBuffer, isSharedArrayBuffer,
  } = hooks.primordials;

  const internal = Symbol("internal");

  function dictionary(value, what) {
    if (value === undefined || value === null) return { __proto__: null };
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what}: init must be an object`);
    return value;
  }

  // A copy of a Uint8Array's bytes (typed-array `slice` would look up the tenant's species).
  function copyBytes(bytes) {
    const out = new Uint8Array(TypedArrayPrototypeGetLength(bytes));
    TypedArrayPrototypeSet(out, bytes);
    return out;
  }

  // Request and Response -> { bytes, stream, used }: a body is bytes (a Uint8Array never written
  // after extraction, which clones share; readers get copies) or a ReadableStream, or neither (no
  // body). `used` marks bytes read without a stream; a stream's own `disturbed` says it for streams.
  const bodies = new SafeWeakMap();

  function bodyState(owner) {
    const state = bodies.get(owner);
    if (state === undefined) throw new TypeError("Illegal invocation: not a Request or Response");
    return state;
  }

  function newBodyState(bytes, stream = null) {
    return { __proto__: null, bytes, stream, used: false };
  }

  function hasBody(state) {
    return state.bytes !== null || state.stream !== null;
  }

  function isUsed(state) {
    return state.used || (state.stream !== null && hooks.streams.isDisturbed(state.stream));
  }

  // A ReadableStream, if the streams file is installed (none can exist before it is).
  function isStream(value) {
    const streams = hooks.installed("streams");
    return streams !== undefined && streams.isReadableStream(value);
  }

  // Returns { bytes, stream, type }: the Fetch Standard's "extract a body" for the types we have.
  // Blobs and FormData exist only once their file installed, so a body is checked for them only
  // then.
  function extractBody(init) {
    if (isStream(init)) {
      if (hooks.streams.isLocked(init) || hooks.streams.isDisturbed(init)) {
        throw new TypeError("The body's ReadableStream is locked or has been read from");
      }
      return { __proto__: null, bytes: null, stream: init, type: null };
    }
    const blob = hooks.installed("blob");
    if (blob !== undefined && blob.isBlob(init)) return bytesBody(blob.bytesOf(init), blob.typeOf(init) || null);
    if (blob !== undefined && blob.isFormData(init)) {
      const encoded = blob.encodeFormData(init);
      return bytesBody(encoded.bytes, encoded.type);
    }
    if (isParams(init)) return bytesBody(ops.utf8Encode(serializeParams(init)), "application/x-www-form-urlencoded;charset=UTF-8");
    if (ArrayBufferIsView(init) || isArrayBuffer(init) || isSharedArrayBuffer(init)) {
      return bytesBody(copyBytes(toBytes(init, "body")), null);
    }
    return bytesBody(ops.utf8Encode(`${init}`), "text/plain;charset=UTF-8");
  }

  function bytesBody(bytes, type) {
    return { __proto__: null, bytes, stream: null, type };
  }

  function setBody(owner, extracted, headers) {
    bodies.set(owner, newBodyState(extracted?.bytes ?? null, extracted?.stream ?? null));
    if (extracted?.type && !hasHeader(headers, "content-type")) appendHeader(headers, "content-type", extracted.type);
  }

  // The body as a ReadableStream, made from the bytes on first ask; null with no body.
  function bodyStream(state) {
    if (state.stream === null && state.bytes !== null) {
      const bytes = state.bytes;
      const used = state.used;
      const pull = (controller) => {
        if (TypedArrayPrototypeGetLength(bytes) > 0) controller.enqueue(copyBytes(bytes));
        controller.close();
      };
      state.stream = hooks.streams.readableFromPull(pull, undefined, { __proto__: null, bytes: true });
      state.bytes = null;
      // Bytes already read leave a stream that reads as used, as the Fetch Standard's would.
      if (used) hooks.streams.readAll(state.stream);
    }
    return state.stream;
  }

  // "Consume body": the whole body as a fresh Uint8Array. A body is read once; reading a null body
  // yields no bytes and does not count as a use. Returns a promise the runtime may await.
  function consume(owner) {
    let state;
    try {
      state = bodyState(owner);
      if (isUsed(state)) throw new TypeError("Body has already been used");
      if (state.stream !== null && hooks.streams.isLocked(state.stream)) throw new TypeError("Body is locked by a reader");
    } catch (error) {
      return PromiseReject(error);
    }
    if (state.stream !== null) return hooks.streams.readAll(state.stream);
    if (state.bytes === null) return PromiseResolve(new Uint8Array(0));
    state.used = true;
    return PromiseResolve(copyBytes(state.bytes));
  }

  // A clone's body: bytes are shared; a stream is teed, one branch staying here.
  function cloneBody(state) {
    if (state.stream === null) return newBodyState(state.bytes);
    if (hooks.streams.isLocked(state.stream)) throw new TypeError("clone: the body is locked by a reader");
    const branches = hooks.streams.tee(state.stream);
    state.stream = branches[0];
    return newBodyState(null, branches[1]);
  }

  // The Body mixin, shared by Request and Response. Each reader awaits its bytes before using
  // them: returning the promise would have it resolved through a `then` the tenant can replace.
  const bodyMixin = {
    get body() {
      return bodyStream(bodyState(this));
    },
    get bodyUsed() {
      return isUsed(bodyState(this));
    },
    async arrayBuffer() {
      return TypedArrayPrototypeGetBuffer(await SafeAwaitable(consume(this)));
    },
    async bytes() {
      return await SafeAwaitable(consume(this));
    },
    async text() {
      return ops.utf8Decode(await SafeAwaitable(consume(this)), false, false);
    },
    async json() {
      return JSONParse(ops.utf8Decode(await SafeAwaitable(consume(this)), false, false));
    },
    async blob() {
      const type = contentType(this);
      return hooks.blob.newBlob(await SafeAwaitable(consume(this)), type ?? "");
    },
    async formData() {
      const type = contentType(this);
      return hooks.blob.parseFormData(await SafeAwaitable(consume(this)), type);
    },
  };

  // A body's stream for a reader outside the body mixin, with the checks its readers make.
  function unreadStream(state) {
    if (isUsed(state)) throw new TypeError("Body has already been used");
    if (hooks.streams.isLocked(state.stream)) throw new TypeError("Body is locked by a reader");
    return state.stream;
  }

  // The wire form's body: the bytes (read to the end if a stream), or null with no body.
  async function wireBody(owner) {
    return hasBody(bodyState(owner)) ? await SafeAwaitable(consume(owner)) : null;
  }

  // The Content-Type of a Request or Response, read from its own headers list.
  function contentType(owner) {
    const list = combinedList(isRequest(owner) ? requestHeaders(owner) : responseHeaders(owner));
    for (let i = 0; i < list.length; i++) if (list[i][0] === "content-type") return list[i][1];
    return null;
  }

  function mixBody(cls) {
    const keys = ObjectKeys(bodyMixin);
    for (let i = 0; i < keys.length; i++) {
      const desc = SafeGetOwnPropertyDescriptor(bodyMixin, keys[i]);
      desc.enumerable = false;
      ObjectDefineProperty(cls.prototype, keys[i], desc);
    }
  }

  function cloneHeaders(headers) {
    const copy = new Headers(headers);
    if (isImmutable(headers)) makeImmutable(copy);
    return copy;
  }

  const redirectModes = new SafeSet(["follow", "error", "manual"]);
  const statusTextPattern = SafeRegExp(/^[\t\x20-\x7e\x80-\xff]*$/);

  // A request's signal follows the given one, so aborting either the source or ours is seen.
  function followSignal(signal) {
    if (signal === null || signal === undefined) return newSignal();
    if (!isAbortSignal(signal)) throw new TypeError("Request: signal must be an AbortSignal");
    return anySignal([signal]);
  }

  function parseURL(input) {
    return ops.urlParse(StringPrototypeToWellFormed(`${input}`), undefined);
  }

  function parseRequestUrl(input) {
    const record = parseURL(input);
    if (record === null) throw new TypeError(`Invalid URL: ${input}`);
    if (record.username || record.password) throw new TypeError("Request URLs cannot include credentials");
    return record.href;
  }

  let requestToWire;
  let requestHeaders;
  let isRequest;

  class Request {
    #method;
    #url;
    #headers;
    #redirect;
    #signal;

    constructor(input, init = undefined) {
      if (arguments.length === 0) throw new TypeError("Request: 1 argument required, but only 0 present");
      const options = dictionary(init, "Request");
      const source = isRequest(input) ? input : null;
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
      if ((initBody !== null || (sourceState !== null && hasBody(sourceState))) && (this.#method === "GET" || this.#method === "HEAD")) {
        throw new TypeError("Request with GET/HEAD method cannot have body");
      }
      if (initBody !== null) {
        setBody(this, extractBody(initBody), this.#headers);
      } else if (sourceState !== null && hasBody(sourceState)) {
        // The source's body moves into the new request, which leaves the source used.
        if (isUsed(sourceState)) throw new TypeError("Request: the source request's body has already been used");
        if (sourceState.stream !== null && hooks.streams.isLocked(sourceState.stream)) {
          throw new TypeError("Request: the source request's body is locked by a reader");
        }
        bodies.set(this, newBodyState(sourceState.bytes, sourceState.stream));
        // Still a body, but used, as the Fetch Standard leaves it.
        bodies.set(source, { __proto__: null, bytes: new Uint8Array(0), stream: null, used: true });
      } else {
        setBody(this, null, this.#headers);
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
      if (isUsed(state)) throw new TypeError("Request.clone: the body has already been used");
      const init = { __proto__: null, method: this.#method, headers: this.#headers, redirect: this.#redirect, signal: this.#signal };
      const copy = new Request(this.#url, init);
      bodies.set(copy, cloneBody(state));
      return copy;
    }

    static {
      isRequest = (value) => value !== null && typeof value === "object" && #method in value;
      requestHeaders = (request) => request.#headers;
      // A promise the runtime may await. A body that is a stream is read to its end first, unless
      // `streamed`: then the stream itself is handed over (`stream`, checked and left to the caller
      // to read, which disturbs it as reading would).
      requestToWire = (request, streamed = false) =>
        SafeAwaitable(
          (async () => {
            const state = bodyState(request);
            const keep = streamed && state.stream !== null;
            return {
              method: request.#method,
              url: request.#url,
              headers: rawList(request.#headers),
              body: keep ? null : await SafeAwaitable(wireBody(request)),
              stream: keep ? unreadStream(state) : null,
              redirect: request.#redirect,
              signal: request.#signal,
            };
          })(),
        );
    }
  }

  let setResponseFields;
  let responseToWire;
  let responseHeaders;
  let isResponse;

  const nullBodyStatuses = new SafeSet([101, 103, 204, 205, 304]);
  const redirectStatuses = new SafeSet([301, 302, 303, 307, 308]);

  class Response {
    #type = "default";
    #url = "";
    #redirected = false;
    #status = 200;
    #statusText = "";
    #headers;

    constructor(body = null, init = undefined) {
      const options = dictionary(init, "Response");
      const status = options.status === undefined ? 200 : MathTrunc(Number(options.status));
      if (!(status >= 200 && status <= 599)) throw new RangeError(`Response: status must be in the range 200 to 599, got ${options.status}`);
      const statusText = options.statusText === undefined ? "" : `${options.statusText}`;
      if (!SafeRegExpTest(statusTextPattern, statusText)) throw new TypeError("Response: invalid statusText");
      this.#status = status;
      this.#statusText = statusText;
      this.#headers = new Headers(options.headers);
      if (body !== null && body !== undefined && nullBodyStatuses.has(status)) {
        throw new TypeError(`Response with status ${status} cannot have a body`);
      }
      setBody(this, body === null || body === undefined ? null : extractBody(body), this.#headers);
    }

    static error() {
      const response = new Response(null, { __proto__: null, status: 200 });
      setResponseFields(response, { __proto__: null, type: "error", status: 0 });
      makeImmutable(response.#headers);
      return response;
    }

    static redirect(url, status = 302) {
      const location = parseURL(url);
      if (location === null) throw new TypeError(`Invalid URL: ${url}`);
      if (!redirectStatuses.has(Number(status))) throw new RangeError(`Invalid redirect status: ${status}`);
      const headers = { __proto__: null, location: location.href };
      const response = new Response(null, { __proto__: null, status: Number(status), headers });
      makeImmutable(response.#headers);
      return response;
    }

    static json(data, init = undefined) {
      const text = JSONStringify(data);
      if (text === undefined) throw new TypeError("Response.json: the value is not JSON-serializable");
      const options = dictionary(init, "Response");
      const headers = new Headers(options.headers);
      if (!hasHeader(headers, "content-type")) appendHeader(headers, "content-type", "application/json");
      return new Response(text, { __proto__: null, status: options.status, statusText: options.statusText, headers });
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
      if (isUsed(state)) throw new TypeError("Response.clone: the body has already been used");
      const copy = new Response(null);
      setResponseFields(copy, {
        __proto__: null,
        type: this.#type,
        url: this.#url,
        redirected: this.#redirected,
        status: this.#status,
        statusText: this.#statusText,
        headers: cloneHeaders(this.#headers),
      });
      bodies.set(copy, cloneBody(state));
      return copy;
    }

    static {
      isResponse = (value) => value !== null && typeof value === "object" && #status in value;
      responseHeaders = (response) => response.#headers;
      setResponseFields = (response, fields) => {
        if (ObjectHasOwn(fields, "type")) response.#type = fields.type;
        if (ObjectHasOwn(fields, "url")) response.#url = fields.url;
        if (ObjectHasOwn(fields, "redirected")) response.#redirected = fields.redirected;
        if (ObjectHasOwn(fields, "status")) response.#status = fields.status;
        if (ObjectHasOwn(fields, "statusText")) response.#statusText = fields.statusText;
        if (ObjectHasOwn(fields, "headers")) response.#headers = fields.headers;
      };
      // A promise the runtime may await. A body that is a stream is read to its end first,
      // unless `streamed`: then it stays a stream, which the host reads by id (`stream`).
      responseToWire = (response, streamed) =>
        SafeAwaitable(
          (async () => {
            const state = bodyState(response);
            const keep = streamed && state.stream !== null && !isUsed(state);
            return {
              __proto__: null,
              status: response.#status,
              statusText: response.#statusText,
              headers: combinedList(response.#headers),
              body: keep ? null : await SafeAwaitable(consume(response)),
              stream: keep ? openHostBody(state.stream) : null,
            };
          })(),
        );
    }
  }

  // A field of a wire object from the host, or `fallback`: only its own properties count, so a
  // getter on Object.prototype cannot fill in a missing one.
  function field(wire, key, fallback) {
    return ObjectHasOwn(wire, key) && wire[key] !== undefined ? wire[key] : fallback;
  }

  // A byte stream fed from outside the sandbox: each pull calls `next()`, a promise (of the
  // runtime's own) of the next chunk, or of null at the end; `bytesOf(chunk)` makes it bytes.
  // An empty chunk asks again: a byte stream takes none, and a pull that enqueues nothing is not
  // repeated. `cancel` tells the source the reader stopped.
  function streamFrom(next, bytesOf, cancel) {
    const pull = (controller) => {
      const pulled = SafePromiseWithResolvers();
      const ask = () => {
        try {
          SafePromiseThen(next(), take, pulled.reject);
        } catch (error) {
          pulled.reject(error);
        }
      };
      const take = (chunk) => {
        try {
          if (chunk === null || chunk === undefined) {
            controller.close();
          } else {
            const bytes = bytesOf(chunk);
            if (TypedArrayPrototypeGetLength(bytes) === 0) return ask();
            controller.enqueue(bytes);
          }
          pulled.resolve(undefined);
        } catch (error) {
          pulled.reject(error);
        }
      };
      ask();
      return pulled.promise;
    };
    return hooks.streams.readableFromPull(pull, cancel, { __proto__: null, bytes: true });
  }

  // A fetch() response body still on the wire (HttpOutbound): its first piece, then the rest a
  // piece at a time as the reader asks (ops.httpBodyRead); cancelling drops the connection.
  function httpBodyStream(first, id) {
    let pending = first;
    const next = () => {
      if (pending === null) return ops.httpBodyRead(id);
      const piece = pending;
      pending = null;
      return PromiseResolve(piece);
    };
    return streamFrom(next, (piece) => piece, () => ops.httpBodyCancel(id));
  }

  // `body` is a Uint8Array the response may keep, or null; `stream` names the rest of a body
  // still on the wire; `headers` a list of [name, value].
  // The url drops its fragment, as Response.url does.
  function responseFromWire(wire) {
    const response = new Response(null, { __proto__: null, status: 200, headers: field(wire, "headers", []) });
    const body = field(wire, "body", null);
    const stream = field(wire, "stream", null);
    bodies.set(response, typeof stream === "number" ? newBodyState(null, httpBodyStream(body, stream)) : newBodyState(body));
    const url = `${field(wire, "url", "")}`;
    const hashAt = StringPrototypeIndexOf(url, "#");
    setResponseFields(response, {
      __proto__: null,
      type: "basic",
      status: field(wire, "status", undefined),
      statusText: field(wire, "statusText", ""),
      url: hashAt === -1 ? url : StringPrototypeSlice(url, 0, hashAt),
      redirected: field(wire, "redirected", false),
    });
    return response;
  }

  // Response bodies the host reads chunk by chunk, by id: the reader, and a promise that settles
  // when the body ends (fulfilled), fails or is cancelled (the host's call stays open till then).
  const hostBodies = new SafeMap();
  let lastBodyId = 0;

  function openHostBody(stream) {
    if (hooks.streams.isLocked(stream)) throw new TypeError("The response body is locked by a reader");
    const id = ++lastBodyId;
    hostBodies.set(id, { __proto__: null, reader: hooks.streams.hostReader(stream), done: SafePromiseWithResolvers() });
    return id;
  }

  function closeHostBody(id, entry, error) {
    hostBodies.delete(id);
    if (error === undefined) entry.done.resolve(undefined);
    else entry.done.reject(error);
  }

  // The next chunk of body `id`: a promise of a Uint8Array, or of null once it ended.
  function readHostBody(id) {
    const entry = hostBodies.get(id);
    if (entry === undefined) return PromiseReject(new TypeError("The response body is closed"));
    const chunk = hooks.streams.readBytes(entry.reader);
    SafePromiseThen(
      chunk,
      (value) => {
        if (value === null) closeHostBody(id, entry, undefined);
      },
      (error) => closeHostBody(id, entry, error),
    );
    return chunk;
  }

  // The host stopped reading body `id`: its source's cancel runs, and the call ends.
  function cancelHostBody(id) {
    const entry = hostBodies.get(id);
    if (entry === undefined) return PromiseResolve(null);
    closeHostBody(id, entry, undefined);
    hooks.streams.cancelReader(entry.reader, new TypeError("The host stopped reading the response body"));
    return PromiseResolve(null);
  }

  // A request body the host streams: `next` is a host function answering each chunk (bytes or
  // a string) or null at the end.
  function streamFromHost(next) {
    const bytesOf = (chunk) => {
      if (typeof chunk === "string") return ops.utf8Encode(chunk);
      if (ArrayBufferIsView(chunk) || isArrayBuffer(chunk)) return copyBytes(toBytes(chunk, "body chunk"));
      throw new TypeError("A request body's chunks must be bytes or str");
    };
    return streamFrom(next, bytesOf, undefined);
  }

  function hostBodyDone(id) {
    return hostBodies.get(id)?.done.promise ?? PromiseResolve(undefined);
  }

  mixBody(Request);
  mixBody(Response);
  hooks.http = {
    requestToWire, responseFromWire, responseToWire, isResponse, readHostBody, cancelHostBody, hostBodyDone, streamFromHost,
  };
  exposeClass(Request);
  exposeClass(Response);
});
