// node:stream: Readable, Writable, Duplex, Transform and PassThrough on EventEmitter, with
// Node's events ('data', 'readable', 'end', 'drain', 'finish', 'close', 'error'), flowing and
// paused modes, highWaterMark backpressure, object mode, pipe and async iteration. pipeline and
// finished are in stream_helpers.js. A subset: no readable 'pause' events, no writev, no
// construct(), no stream.compose or the iterator helpers.
(function (ops, hooks) {
  "use strict";
  const {
    Error, ObjectDefineProperty, ObjectFreeze, ObjectGetOwnPropertyNames, ObjectSetPrototypeOf, ReflectApply,
    SafeArrayPush, SafeArrayRemoveAt, SafePromiseWithResolvers, SymbolAsyncIterator, TypedArrayPrototypeGetByteLength,
    isUint8Array, instanceOf, SafeGetOwnPropertyDescriptor, PromiseResolve, SafePromiseThen, Symbol, StringPrototypeSlice,
    TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetLength,
  } = hooks.primordials;
  const { coded, invalidArgType } = hooks.node;
  const EventEmitter = hooks["node:events"];
  const { Buffer } = hooks["node:buffer"];
  const { StringDecoder } = hooks["node:string_decoder"];
  const bufferFrom = Buffer.from;
  const bufferConcat = Buffer.concat;
  const isBuffer = Buffer.isBuffer;
  const emit = EventEmitter.prototype.emit;
  const emitterOn = EventEmitter.prototype.on;
  const decoderWrite = StringDecoder.prototype.write;
  const decoderEnd = StringDecoder.prototype.end;
  const decode = (state, chunk) => ReflectApply(decoderWrite, state.decoder, [chunk]);
  const nextTick = (fn, ...args) => ops.enqueueMicrotask(() => ReflectApply(fn, undefined, args));
  const fire = (stream, ...args) => ReflectApply(emit, stream, args);

  function define(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: false, configurable: true });
  }
  function getter(target, name, get) {
    ObjectDefineProperty(target, name, { __proto__: null, get, enumerable: false, configurable: true });
  }

  const kReadable = Symbol("readableState");
  const kWritable = Symbol("writableState");

  function optionOf(options, name, fallback) {
    if (options === null || typeof options !== "object") return fallback;
    const value = options[name];
    return value === undefined ? fallback : value;
  }

  function highWaterMark(options, objectMode, duplexKey) {
    const value = optionOf(options, duplexKey, optionOf(options, "highWaterMark", undefined));
    if (value === undefined) return objectMode ? 16 : 16 * 1024;
    if (typeof value !== "number" || !(value >= 0)) throw coded(hooks.primordials.TypeError, "ERR_INVALID_ARG_VALUE", `The property 'options.highWaterMark' is invalid. Received ${value}`);
    return hooks.primordials.MathFloor(value);
  }

  // A chunk's length: characters of a decoded string, bytes of a Buffer.
  const lengthOf = (chunk) => (typeof chunk === "string" ? chunk.length : TypedArrayPrototypeGetLength(chunk));
  const sizeOf = (state, chunk) => (state.objectMode ? 1 : lengthOf(chunk));

  function sliceChunk(chunk, start, end) {
    if (typeof chunk === "string") return StringPrototypeSlice(chunk, start, end);
    return bufferFrom(TypedArrayPrototypeGetBuffer(chunk), TypedArrayPrototypeGetByteOffset(chunk) + start, end - start);
  }

  // --- Stream, the legacy base ------------------------------------------------------------------

  function Stream(options) {
    ReflectApply(EventEmitter, this, [options]);
  }
  ObjectSetPrototypeOf(Stream.prototype, EventEmitter.prototype);
  ObjectSetPrototypeOf(Stream, EventEmitter);

  function destroyStream(stream, error, callback) {
    const r = stream[kReadable];
    const w = stream[kWritable];
    const state = r ?? w;
    if (state.destroyed) {
      if (typeof callback === "function") nextTick(callback, error ?? null);
      return stream;
    }
    if (r !== undefined) r.destroyed = true;
    if (w !== undefined) w.destroyed = true;
    const done = (err) => {
      if (err && !state.errored) {
        if (r !== undefined) r.errored = err;
        if (w !== undefined) w.errored = err;
        nextTick(() => fire(stream, "error", err));
      }
      nextTick(() => {
        state.closed = true;
        if (typeof callback === "function") callback(err ?? null);
        if (optionOf(state, "emitClose", true)) fire(stream, "close");
      });
    };
    ReflectApply(stream._destroy, stream, [error ?? null, done]);
    return stream;
  }

  // --- Readable --------------------------------------------------------------------------------

  function Readable(options) {
    if (!instanceOf(this, Readable)) return new Readable(options);
    ReflectApply(Stream, this, [options]);
    const objectMode = !!(optionOf(options, "objectMode", false) || optionOf(options, "readableObjectMode", false));
    define(this, kReadable, {
      __proto__: null, objectMode, highWaterMark: highWaterMark(options, objectMode, "readableHighWaterMark"),
      buffer: [], length: 0, flowing: null, ended: false, endEmitted: false, reading: false, sync: false,
      destroyed: false, errored: null, closed: false, decoder: null, encoding: null, needReadable: false,
      flowScheduled: false, emitClose: optionOf(options, "emitClose", true), autoDestroy: optionOf(options, "autoDestroy", true),
      pipes: [],
    });
    const encoding = optionOf(options, "encoding", null);
    if (encoding) this.setEncoding(encoding);
    const read = optionOf(options, "read", undefined);
    if (typeof read === "function") define(this, "_read", read);
    const destroy = optionOf(options, "destroy", undefined);
    if (typeof destroy === "function") define(this, "_destroy", destroy);
    const signal = optionOf(options, "signal", undefined);
    if (signal !== undefined) signal.addEventListener("abort", () => destroyStream(this, abortError()), { once: true });
  }
  ObjectSetPrototypeOf(Readable.prototype, Stream.prototype);
  ObjectSetPrototypeOf(Readable, Stream);

  function abortError() {
    const error = hooks.node.coded(Error, "ABORT_ERR", "The operation was aborted");
    ObjectDefineProperty(error, "name", { __proto__: null, value: "AbortError", writable: true, configurable: true });
    return error;
  }

  const R = Readable.prototype;
  define(R, "_read", function _read() {
    throw coded(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The _read() method is not implemented");
  });
  define(R, "_destroy", function _destroy(error, callback) {
    callback(error);
  });
  define(R, "destroy", function destroy(error, callback) {
    return destroyStream(this, error, callback);
  });

  function addChunk(stream, state, chunk, front) {
    if (state.decoder !== null && !state.objectMode) chunk = decode(state, chunk);
    if (!state.objectMode && lengthOf(chunk) === 0) return;
    if (front) {
      SafeArrayPush(state.buffer, chunk);
      for (let i = state.buffer.length - 1; i > 0; i--) state.buffer[i] = state.buffer[i - 1];
      state.buffer[0] = chunk;
    } else {
      SafeArrayPush(state.buffer, chunk);
    }
    state.length += sizeOf(state, chunk);
    if (state.needReadable) emitReadable(stream, state);
    scheduleFlow(stream, state);
  }

  function toChunk(stream, state, chunk, encoding) {
    if (state.objectMode) return chunk;
    if (typeof chunk === "string") return bufferFrom(chunk, encoding);
    if (isUint8Array(chunk)) return isBuffer(chunk) ? chunk : bufferFrom(TypedArrayPrototypeGetBuffer(chunk), TypedArrayPrototypeGetByteOffset(chunk), TypedArrayPrototypeGetByteLength(chunk));
    throw invalidArgType("chunk", "of type string or an instance of Buffer or Uint8Array", chunk);
  }

  const PUSH_AFTER_EOF = "push() after EOF";

  function readableAdd(stream, chunk, encoding, front) {
    const state = stream[kReadable];
    if (chunk === null) {
      state.reading = false;
      if (state.ended) return false;
      state.ended = true;
      if (state.decoder !== null) {
        const rest = ReflectApply(decoderEnd, state.decoder, []);
        if (rest.length > 0) {
          SafeArrayPush(state.buffer, rest);
          state.length += rest.length;
        }
      }
      emitReadable(stream, state);
      scheduleFlow(stream, state);
      return false;
    }
    if (state.ended && !front) {
      destroyStream(stream, coded(Error, "ERR_STREAM_PUSH_AFTER_EOF", PUSH_AFTER_EOF));
      return false;
    }
    if (state.destroyed) return false;
    let converted;
    try {
      converted = toChunk(stream, state, chunk, encoding);
    } catch (error) {
      destroyStream(stream, error);
      return false;
    }
    state.reading = false;
    addChunk(stream, state, converted, front);
    return state.length < state.highWaterMark;
  }

  define(R, "push", function push(chunk, encoding) {
    return readableAdd(this, chunk, encoding, false);
  });
  define(R, "unshift", function unshift(chunk, encoding) {
    return readableAdd(this, chunk, encoding, true);
  });

  function takeChunk(state) {
    const chunk = state.buffer[0];
    SafeArrayRemoveAt(state.buffer, 0);
    state.length -= sizeOf(state, chunk);
    return chunk;
  }

  // Everything buffered, joined (strings when decoding, a Buffer otherwise).
  function takeAll(state) {
    if (state.objectMode) return takeChunk(state);
    if (state.decoder !== null) {
      let text = "";
      while (state.buffer.length > 0) text += takeChunk(state);
      return text;
    }
    const parts = [];
    while (state.buffer.length > 0) SafeArrayPush(parts, takeChunk(state));
    return parts.length === 1 ? parts[0] : bufferConcat(parts);
  }

  function takeBytes(state, n) {
    const all = takeAll(state);
    const length = lengthOf(all);
    if (length <= n) return all;
    const rest = sliceChunk(all, n, length);
    SafeArrayPush(state.buffer, rest);
    state.length += lengthOf(rest);
    return sliceChunk(all, 0, n);
  }

  function maybeRead(stream, state) {
    if (state.reading || state.ended || state.destroyed || state.length >= state.highWaterMark) return;
    state.reading = true;
    try {
      ReflectApply(stream._read, stream, [state.highWaterMark]);
    } catch (error) {
      destroyStream(stream, error);
    }
  }

  define(R, "read", function read(n) {
    const state = this[kReadable];
    if (n === 0 || (n !== undefined && n !== null && typeof n !== "number")) {
      maybeRead(this, state);
      return null;
    }
    let chunk = null;
    if (state.length > 0 && (n === undefined || n === null || state.objectMode || n <= state.length || state.ended)) {
      chunk = n === undefined || n === null || state.objectMode ? takeAll(state) : takeBytes(state, n);
    }
    if (chunk === null) state.needReadable = true;
    maybeRead(this, state);
    if (chunk !== null && state.flowing !== true) fire(this, "data", chunk);
    endMaybe(this, state);
    return chunk;
  });

  function emitReadable(stream, state) {
    state.needReadable = false;
    nextTick(() => {
      if (!state.destroyed && (state.length > 0 || state.ended) && state.flowing !== true) fire(stream, "readable");
      endMaybe(stream, state);
    });
  }

  function endMaybe(stream, state) {
    if (!state.ended || state.length > 0 || state.endEmitted) return;
    nextTick(() => {
      if (state.endEmitted || state.length > 0 || state.destroyed) return;
      state.endEmitted = true;
      fire(stream, "end");
      const w = stream[kWritable];
      if (state.autoDestroy && (w === undefined || w.finished)) destroyStream(stream);
      else if (w !== undefined && !optionOf(stream, "allowHalfOpen", true) && !w.ending) stream.end();
    });
  }

  function scheduleFlow(stream, state) {
    if (state.flowing !== true || state.flowScheduled) return;
    state.flowScheduled = true;
    nextTick(() => {
      state.flowScheduled = false;
      flow(stream, state);
    });
  }

  function flow(stream, state) {
    while (state.flowing === true && state.length > 0 && !state.destroyed) {
      fire(stream, "data", takeChunk(state));
    }
    if (state.flowing === true) maybeRead(stream, state);
    endMaybe(stream, state);
  }

  define(R, "resume", function resume() {
    const state = this[kReadable];
    if (state.flowing !== true) {
      state.flowing = true;
      fire(this, "resume");
      scheduleFlow(this, state);
      if (state.length === 0) nextTick(() => maybeRead(this, state));
    }
    return this;
  });
  define(R, "pause", function pause() {
    const state = this[kReadable];
    if (state.flowing !== false) {
      state.flowing = false;
      fire(this, "pause");
    }
    return this;
  });
  define(R, "isPaused", function isPaused() {
    return this[kReadable].flowing === false;
  });
  define(R, "setEncoding", function setEncoding(encoding) {
    const state = this[kReadable];
    state.decoder = new StringDecoder(encoding);
    state.encoding = state.decoder.encoding;
    // What is buffered already is decoded now.
    const pending = state.buffer;
    state.buffer = [];
    state.length = 0;
    for (let i = 0; i < pending.length; i++) {
      const text = decode(state, pending[i]);
      SafeArrayPush(state.buffer, text);
      state.length += text.length;
    }
    return this;
  });

  define(R, "on", function on(event, listener) {
    const result = ReflectApply(emitterOn, this, [event, listener]);
    const state = this[kReadable];
    if (event === "data" && state.flowing !== false) this.resume();
    else if (event === "readable") {
      state.flowing = false;
      state.needReadable = true;
      if (state.length > 0 || state.ended) emitReadable(this, state);
      else nextTick(() => maybeRead(this, state));
    }
    return result;
  });
  define(R, "addListener", R.on);

  define(R, "pipe", function pipe(dest, options) {
    const source = this;
    const state = this[kReadable];
    SafeArrayPush(state.pipes, dest);
    const end = optionOf(options, "end", true);
    const ondata = (chunk) => {
      if (dest.write(chunk) === false) source.pause();
    };
    const ondrain = () => source.resume();
    const onend = () => {
      if (end) dest.end();
    };
    const cleanup = () => {
      source.removeListener("data", ondata);
      dest.removeListener("drain", ondrain);
      source.removeListener("end", onend);
    };
    define(dest, kPipeCleanup, cleanup);
    source.on("data", ondata);
    dest.on("drain", ondrain);
    source.on("end", onend);
    dest.on("close", cleanup);
    fire(dest, "pipe", source);
    if (state.flowing !== true) this.resume();
    return dest;
  });
  const kPipeCleanup = Symbol("pipeCleanup");
  define(R, "unpipe", function unpipe(dest) {
    const state = this[kReadable];
    for (let i = state.pipes.length - 1; i >= 0; i--) {
      const target = state.pipes[i];
      if (dest !== undefined && target !== dest) continue;
      SafeArrayRemoveAt(state.pipes, i);
      const cleanup = SafeGetOwnPropertyDescriptor(target, kPipeCleanup)?.value;
      if (typeof cleanup === "function") cleanup();
      fire(target, "unpipe", this);
    }
    if (state.pipes.length === 0) this.pause();
    return this;
  });

  // Each chunk in turn; the stream is paused while the consumer is not asking.
  define(R, SymbolAsyncIterator, function asyncIterator() {
    const stream = this;
    const queue = [];
    const waiting = [];
    const status = { __proto__: null, done: false, error: null };
    const settleNext = () => {
      while (waiting.length > 0 && (queue.length > 0 || status.done || status.error !== null)) {
        const reader = waiting[0];
        SafeArrayRemoveAt(waiting, 0);
        if (queue.length > 0) {
          const value = queue[0];
          SafeArrayRemoveAt(queue, 0);
          reader.resolve({ value, done: false });
        } else if (status.error !== null) {
          reader.reject(status.error);
          status.error = null;
          status.done = true;
        } else {
          reader.resolve({ value: undefined, done: true });
        }
      }
      if (queue.length > 0) stream.pause();
      else if (!status.done) stream.resume();
    };
    stream.on("data", (chunk) => {
      SafeArrayPush(queue, chunk);
      settleNext();
    });
    stream.on("end", () => {
      status.done = true;
      settleNext();
    });
    stream.on("error", (error) => {
      status.error = error;
      settleNext();
    });
    stream.on("close", () => {
      if (!status.done && status.error === null && !stream[kReadable].endEmitted) {
        status.error = coded(Error, "ERR_STREAM_PREMATURE_CLOSE", "Premature close");
      }
      settleNext();
    });
    return {
      next() {
        const capability = SafePromiseWithResolvers();
        SafeArrayPush(waiting, capability);
        settleNext();
        return capability.promise;
      },
      return() {
        status.done = true;
        destroyStream(stream);
        return PromiseResolve({ value: undefined, done: true });
      },
      [SymbolAsyncIterator]() {
        return this;
      },
    };
  });

  const readableGetters = {
    readable: function () {
      const s = this[kReadable];
      return !s.destroyed && !s.endEmitted;
    },
    readableEnded: function () {
      return this[kReadable].endEmitted;
    },
    readableFlowing: function () {
      return this[kReadable].flowing;
    },
    readableLength: function () {
      return this[kReadable].length;
    },
    readableObjectMode: function () {
      return this[kReadable].objectMode;
    },
    readableHighWaterMark: function () {
      return this[kReadable].highWaterMark;
    },
    readableEncoding: function () {
      return this[kReadable].encoding;
    },
    destroyed: function () {
      return (this[kReadable] ?? this[kWritable]).destroyed;
    },
    closed: function () {
      return (this[kReadable] ?? this[kWritable]).closed;
    },
    errored: function () {
      return (this[kReadable] ?? this[kWritable]).errored;
    },
  };
  const readableNames = ObjectGetOwnPropertyNames(readableGetters);
  for (let i = 0; i < readableNames.length; i++) getter(R, readableNames[i], readableGetters[readableNames[i]]);

  define(Readable, "from", function from(iterable, options) {
    if (typeof iterable === "string" || isUint8Array(iterable)) {
      return new Readable({ objectMode: true, ...options, read() {
        readableAdd(this, iterable, undefined, false);
        readableAdd(this, null, undefined, false);
      } });
    }
    const iterator = iterable?.[SymbolAsyncIterator] !== undefined ? iterable[SymbolAsyncIterator]() : iterable?.[hooks.primordials.SymbolIterator]?.();
    if (iterator === undefined || iterator === null) throw invalidArgType("iterable", "an Iterable", iterable);
    const readable = new Readable({ objectMode: true, highWaterMark: 1, ...options });
    let reading = false;
    define(readable, "_read", function () {
      if (reading) return;
      reading = true;
      const step = () => {
        SafePromiseThen(PromiseResolve(iterator.next()), (result) => {
          if (result.done) {
            readableAdd(readable, null, undefined, false);
            return;
          }
          SafePromiseThen(PromiseResolve(result.value), (value) => {
            if (value === null) {
              destroyStream(readable, coded(hooks.primordials.TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream"));
            } else if (readableAdd(readable, value, undefined, false)) {
              step();
            } else {
              reading = false;
            }
          }, (error) => destroyStream(readable, error));
        }, (error) => destroyStream(readable, error));
      };
      step();
    });
    return readable;
  });

  hooks.nodeStreamCore = { __proto__: null, Stream, Readable, R, readableAdd, kReadable, kWritable, define, getter, optionOf, highWaterMark, destroyStream, nextTick, fire, endMaybe, toChunk };
  ObjectFreeze(hooks.nodeStreamCore);
});
