// node:stream's writable side and the module itself: Writable (queued writes, 'drain' under
// backpressure, end/final/'finish'), Duplex (both sides), Transform and PassThrough, pipeline
// and finished (callbacks, and promises in node:stream/promises), and node:stream/web (the
// worker's web streams).
(function (ops, hooks) {
  "use strict";
  const {
    Error, ObjectFreeze, ObjectGetOwnPropertyNames, ObjectSetPrototypeOf, PromiseWithResolvers, ReflectApply,
    SafeArrayPush, SafeArrayRemoveAt, TypeError, instanceOf,
  } = hooks.primordials;
  const { coded, invalidArgType } = hooks.node;
  const core = hooks.nodeStreamCore;
  const { Stream, Readable, readableAdd, kReadable, kWritable, define, getter, optionOf, highWaterMark, destroyStream, nextTick, fire, endMaybe, toChunk } = core;

  // --- Writable --------------------------------------------------------------------------------

  function writableState(stream, options) {
    const objectMode = !!(optionOf(options, "objectMode", false) || optionOf(options, "writableObjectMode", false));
    define(stream, kWritable, {
      __proto__: null, objectMode, highWaterMark: highWaterMark(options, objectMode, "writableHighWaterMark"),
      queue: [], length: 0, writing: false, ending: false, ended: false, finished: false, needDrain: false,
      destroyed: false, errored: null, closed: false, corked: 0, finalCalled: false, onFinished: [],
      decodeStrings: optionOf(options, "decodeStrings", true), defaultEncoding: optionOf(options, "defaultEncoding", "utf8"),
      emitClose: optionOf(options, "emitClose", true), autoDestroy: optionOf(options, "autoDestroy", true),
    });
    const methods = ["write", "final", "destroy"];
    for (let i = 0; i < methods.length; i++) {
      const fn = optionOf(options, methods[i], undefined);
      if (typeof fn === "function") define(stream, `_${methods[i]}`, fn);
    }
  }

  function Writable(options) {
    if (!instanceOf(this, Writable) && !instanceOf(this, Duplex)) return new Writable(options);
    ReflectApply(Stream, this, [options]);
    writableState(this, options);
    const signal = optionOf(options, "signal", undefined);
    if (signal !== undefined) signal.addEventListener("abort", () => destroyStream(this, new Error("The operation was aborted")), { once: true });
  }
  ObjectSetPrototypeOf(Writable.prototype, Stream.prototype);
  ObjectSetPrototypeOf(Writable, Stream);
  const W = Writable.prototype;

  define(W, "_write", function _write() {
    throw coded(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The _write() method is not implemented");
  });
  define(W, "_destroy", function _destroy(error, callback) {
    callback(error);
  });
  define(W, "destroy", function destroy(error, callback) {
    return destroyStream(this, error, callback);
  });

  function failWrite(stream, error, callback) {
    if (typeof callback === "function") nextTick(callback, error);
    destroyStream(stream, error);
    return false;
  }

  define(W, "write", function write(chunk, encoding, callback) {
    const state = this[kWritable];
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (chunk === null) throw coded(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
    if (state.ending) return failWrite(this, coded(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end"), callback);
    if (state.destroyed) return failWrite(this, coded(Error, "ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed"), callback);
    let data = chunk;
    encoding = encoding ?? state.defaultEncoding;
    if (!state.objectMode) {
      if (typeof chunk !== "string" || state.decodeStrings) data = toChunk(this, state, chunk, encoding);
      if (typeof chunk !== "string") encoding = "buffer";
    }
    const size = state.objectMode ? 1 : typeof data === "string" ? data.length : hooks.primordials.TypedArrayPrototypeGetLength(data);
    state.length += size;
    SafeArrayPush(state.queue, { __proto__: null, chunk: data, encoding, callback, size });
    const ok = state.length < state.highWaterMark;
    if (!ok) state.needDrain = true;
    if (!state.writing && state.corked === 0) writeNext(this, state);
    return ok;
  });

  function writeNext(stream, state) {
    if (state.writing || state.queue.length === 0 || state.destroyed) return;
    const entry = state.queue[0];
    SafeArrayRemoveAt(state.queue, 0);
    state.writing = true;
    let sync = true;
    let called = false;
    const onwrite = (error) => {
      if (called) {
        destroyStream(stream, coded(Error, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times"));
        return;
      }
      called = true;
      const after = () => afterWrite(stream, state, entry, error);
      if (sync) nextTick(after);
      else after();
    };
    try {
      ReflectApply(stream._write, stream, [entry.chunk, entry.encoding, onwrite]);
    } catch (error) {
      onwrite(error);
    }
    sync = false;
  }

  function afterWrite(stream, state, entry, error) {
    state.writing = false;
    state.length -= entry.size;
    if (error) {
      if (typeof entry.callback === "function") entry.callback(error);
      destroyStream(stream, error);
      return;
    }
    if (typeof entry.callback === "function") entry.callback(null);
    if (state.queue.length > 0) {
      writeNext(stream, state);
      return;
    }
    if (state.needDrain && !state.ending) {
      state.needDrain = false;
      fire(stream, "drain");
    }
    finishMaybe(stream, state);
  }

  function finishMaybe(stream, state) {
    if (!state.ending || state.writing || state.queue.length > 0 || state.finished || state.finalCalled || state.destroyed) return;
    state.finalCalled = true;
    const finish = (error) => {
      if (error) {
        destroyStream(stream, error);
        return;
      }
      state.finished = true;
      fire(stream, "prefinish");
      const callbacks = state.onFinished;
      state.onFinished = [];
      for (let i = 0; i < callbacks.length; i++) callbacks[i](null);
      fire(stream, "finish");
      const r = stream[kReadable];
      if (state.autoDestroy && (r === undefined || r.endEmitted)) destroyStream(stream);
    };
    if (typeof stream._final === "function") {
      try {
        ReflectApply(stream._final, stream, [(error) => nextTick(finish, error)]);
      } catch (error) {
        finish(error);
      }
    } else {
      nextTick(finish);
    }
  }

  define(W, "end", function end(chunk, encoding, callback) {
    const state = this[kWritable];
    if (typeof chunk === "function") {
      callback = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (state.corked > 0) {
      state.corked = 1;
      this.uncork();
    }
    // As in Node, end's callback runs just before the 'finish' listeners.
    if (typeof callback === "function") {
      if (state.finished) nextTick(callback, null);
      else SafeArrayPush(state.onFinished, callback);
    }
    if (!state.ending) {
      state.ending = true;
      state.ended = true;
      finishMaybe(this, state);
    }
    return this;
  });
  define(W, "cork", function cork() {
    this[kWritable].corked++;
  });
  define(W, "uncork", function uncork() {
    const state = this[kWritable];
    if (state.corked > 0 && --state.corked === 0) writeNext(this, state);
  });
  define(W, "setDefaultEncoding", function setDefaultEncoding(encoding) {
    if (!hooks["node:buffer"].Buffer.isEncoding(encoding)) throw coded(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`);
    this[kWritable].defaultEncoding = encoding;
    return this;
  });

  const writableGetters = {
    writable: function () {
      const s = this[kWritable];
      return !s.destroyed && !s.ending;
    },
    writableEnded: function () {
      return this[kWritable].ending;
    },
    writableFinished: function () {
      return this[kWritable].finished;
    },
    writableLength: function () {
      return this[kWritable].length;
    },
    writableObjectMode: function () {
      return this[kWritable].objectMode;
    },
    writableHighWaterMark: function () {
      return this[kWritable].highWaterMark;
    },
    writableNeedDrain: function () {
      return this[kWritable].needDrain;
    },
    writableCorked: function () {
      return this[kWritable].corked;
    },
  };
  const writableNames = ObjectGetOwnPropertyNames(writableGetters);
  for (let i = 0; i < writableNames.length; i++) getter(W, writableNames[i], writableGetters[writableNames[i]]);
  const sharedNames = ["destroyed", "closed", "errored"];
  for (let i = 0; i < sharedNames.length; i++) {
    getter(W, sharedNames[i], hooks.primordials.SafeGetOwnPropertyDescriptor(core.R, sharedNames[i]).get);
  }

  // --- Duplex, Transform, PassThrough ------------------------------------------------------------

  function Duplex(options) {
    if (!instanceOf(this, Duplex)) return new Duplex(options);
    ReflectApply(Readable, this, [options]);
    writableState(this, options);
    define(this, "allowHalfOpen", optionOf(options, "allowHalfOpen", true) !== false);
    if (optionOf(options, "readable", true) === false) this[kReadable].endEmitted = true;
    if (optionOf(options, "writable", true) === false) this[kWritable].ending = true;
  }
  ObjectSetPrototypeOf(Duplex.prototype, Readable.prototype);
  ObjectSetPrototypeOf(Duplex, Readable);
  const writeNames = ["write", "end", "cork", "uncork", "setDefaultEncoding", "_write"];
  for (let i = 0; i < writeNames.length; i++) define(Duplex.prototype, writeNames[i], W[writeNames[i]]);
  for (let i = 0; i < writableNames.length; i++) getter(Duplex.prototype, writableNames[i], writableGetters[writableNames[i]]);

  function Transform(options) {
    if (!instanceOf(this, Transform)) return new Transform(options);
    ReflectApply(Duplex, this, [options]);
    const transform = optionOf(options, "transform", undefined);
    if (typeof transform === "function") define(this, "_transform", transform);
    const flush = optionOf(options, "flush", undefined);
    if (typeof flush === "function") define(this, "_flush", flush);
  }
  ObjectSetPrototypeOf(Transform.prototype, Duplex.prototype);
  ObjectSetPrototypeOf(Transform, Duplex);
  const T = Transform.prototype;
  define(T, "_transform", function _transform() {
    throw coded(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The _transform() method is not implemented");
  });
  // A write is done once its output is pushed and the readable side has room for more; until
  // then the callback waits in `pending`, called by the next _read.
  define(T, "_write", function _write(chunk, encoding, callback) {
    const stream = this;
    ReflectApply(this._transform, this, [chunk, encoding, (error, data) => {
      if (error) {
        callback(error);
        return;
      }
      if (data !== undefined && data !== null) readableAdd(stream, data, undefined, false);
      const r = stream[kReadable];
      if (r.length < r.highWaterMark || r.flowing === true) callback();
      else define(stream, kPending, callback);
    }]);
  });
  const kPending = hooks.primordials.Symbol("pendingWrite");
  define(T, "_read", function _read() {
    const pending = hooks.primordials.SafeGetOwnPropertyDescriptor(this, kPending)?.value;
    if (typeof pending === "function") {
      define(this, kPending, undefined);
      pending();
    }
  });
  define(T, "_final", function _final(callback) {
    const done = (error, data) => {
      if (error) {
        callback(error);
        return;
      }
      if (data !== undefined && data !== null) readableAdd(this, data, undefined, false);
      readableAdd(this, null, undefined, false);
      callback();
    };
    if (typeof this._flush === "function") ReflectApply(this._flush, this, [done]);
    else done();
  });

  function PassThrough(options) {
    if (!instanceOf(this, PassThrough)) return new PassThrough(options);
    ReflectApply(Transform, this, [options]);
  }
  ObjectSetPrototypeOf(PassThrough.prototype, Transform.prototype);
  ObjectSetPrototypeOf(PassThrough, Transform);
  define(PassThrough.prototype, "_transform", function _transform(chunk, encoding, callback) {
    callback(null, chunk);
  });

  // --- finished, pipeline ------------------------------------------------------------------------

  function finished(stream, options, callback) {
    if (typeof options === "function") {
      callback = options;
      options = undefined;
    }
    if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
    const r = stream[kReadable];
    const w = stream[kWritable];
    const wantRead = optionOf(options, "readable", r !== undefined);
    const wantWrite = optionOf(options, "writable", w !== undefined);
    let done = false;
    const call = (error) => {
      if (done) return;
      done = true;
      cleanup();
      callback(error ?? null);
    };
    const check = () => {
      if ((!wantRead || r?.endEmitted) && (!wantWrite || w?.finished)) call();
    };
    const onerror = (error) => call(error);
    const onclose = () => {
      if ((wantRead && !r?.endEmitted) || (wantWrite && !w?.finished)) call(coded(Error, "ERR_STREAM_PREMATURE_CLOSE", "Premature close"));
      else call();
    };
    const cleanup = () => {
      stream.removeListener("end", check);
      stream.removeListener("finish", check);
      stream.removeListener("error", onerror);
      stream.removeListener("close", onclose);
    };
    stream.on("end", check);
    stream.on("finish", check);
    stream.on("error", onerror);
    stream.on("close", onclose);
    const state = r ?? w;
    if (state?.errored) nextTick(call, state.errored);
    else if (state?.closed) nextTick(onclose);
    return cleanup;
  }

  function pipeline(...streams) {
    const callback = streams.length > 0 && typeof streams[streams.length - 1] === "function" ? streams[streams.length - 1] : undefined;
    if (callback === undefined) throw invalidArgType("callback", "of type function", undefined);
    streams.length -= 1;
    if (streams.length === 1 && hooks.primordials.ArrayIsArray(streams[0])) streams = hooks.primordials.SafeArraySlice(streams[0]);
    if (streams.length < 2) throw coded(TypeError, "ERR_MISSING_ARGS", 'The "streams" argument must be specified');
    let error = null;
    let remaining = streams.length;
    let called = false;
    const finish = (err) => {
      if (err && error === null) {
        error = err;
        for (let i = 0; i < streams.length; i++) if (typeof streams[i].destroy === "function") streams[i].destroy(err);
      }
      if (--remaining === 0 || error !== null) {
        if (!called) {
          called = true;
          nextTick(callback, error);
        }
      }
    };
    for (let i = 0; i < streams.length; i++) {
      const options = { __proto__: null, readable: i < streams.length - 1, writable: i > 0 };
      finished(streams[i], options, finish);
      if (i > 0) streams[i - 1].pipe(streams[i]);
    }
    return streams[streams.length - 1];
  }

  const promises = ObjectFreeze({
    pipeline(...streams) {
      const { promise, resolve, reject } = PromiseWithResolvers();
      SafeArrayPush(streams, (error) => (error ? reject(error) : resolve()));
      ReflectApply(pipeline, undefined, streams);
      return promise;
    },
    finished(stream, options) {
      const { promise, resolve, reject } = PromiseWithResolvers();
      finished(stream, options, (error) => (error ? reject(error) : resolve()));
      return promise;
    },
  });

  const exported = [
    ["Stream", Stream], ["Readable", Readable], ["Writable", Writable], ["Duplex", Duplex], ["Transform", Transform],
    ["PassThrough", PassThrough], ["pipeline", pipeline], ["finished", finished], ["promises", promises],
  ];
  for (let i = 0; i < exported.length; i++) {
    hooks.primordials.ObjectDefineProperty(Stream, exported[i][0], { __proto__: null, value: exported[i][1], writable: true, enumerable: true, configurable: true });
  }
  hooks["node:stream"] = Stream;
  hooks["node:stream/promises"] = promises;
  const web = { __proto__: null };
  const webNames = [
    "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableByteStreamController",
    "ReadableStreamDefaultController", "ReadableStreamBYOBRequest", "WritableStream", "WritableStreamDefaultWriter",
    "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController", "ByteLengthQueuingStrategy",
    "CountQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream",
  ];
  for (let i = 0; i < webNames.length; i++) {
    const value = hooks.global(webNames[i]);
    if (value !== undefined) web[webNames[i]] = value;
  }
  hooks["node:stream/web"] = ObjectFreeze(web);
});
