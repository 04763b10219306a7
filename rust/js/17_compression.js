// CompressionStream and DecompressionStream (the Compression Standard): "gzip", "deflate" (zlib)
// and "deflate-raw". The codecs are native (ops.compression*, rust/ops/compression.rs), which
// keeps each stream's state by id, checks its chunks, charges it to the worker's memory and
// bounds each call's work. Each class is a GenericTransformStream over a transform stream made
// by hooks.streams, never through the tenant-reachable TransformStream.
(function (ops, hooks) {
  "use strict";
  const { exposeClass } = hooks.webidl;
  const streams = hooks.streams;
  const { SafePromiseThen, SafePromiseWithResolvers, TypeError } = hooks.primordials;

  // Steps the codec until it has nothing left to give for now (or, with `finish`, at all),
  // enqueuing each piece of output. Past a chunk's first piece, each waits until the readable
  // side wants more: a small chunk that inflates to gigabytes comes out only as fast as the
  // reader takes it, while a chunk whose output is one piece is done at once, as with any
  // transformer. The flush does not wait: what is left then is small (a compressor's last
  // blocks; a decompressor has given everything already), and a flush waiting on a reader that
  // cancelled would never end (the readable side's cancel does not reach a flushing transform).
  function drain(codec, handle, finish) {
    const done = SafePromiseWithResolvers();
    const fail = (error) => {
      // Whatever failed (the codec, or the readable side refusing a chunk), the stream's
      // native state and its charge go now.
      ops.compressionClose(codec.id);
      done.reject(error);
    };
    let held = null;
    const step = () => {
      // Cancelled while waiting for the reader: the write fails with the reason, as the
      // Streams Standard's own wait for backpressure does.
      if (codec.cancelled) return done.reject(codec.reason);
      try {
        if (held !== null) handle.enqueue(held);
        held = null;
        for (;;) {
          const piece = ops.compressionPull(codec.id, finish);
          if (piece === undefined) return done.resolve(undefined);
          if (piece === null) continue;
          const ready = finish ? undefined : handle.ready();
          if (ready !== undefined) {
            held = piece;
            return SafePromiseThen(ready, step, fail);
          }
          handle.enqueue(piece);
        }
      } catch (error) {
        fail(error);
      }
    };
    step();
    return done.promise;
  }

  function transformFor(format, decompress) {
    // The CompressionFormat enum: converted to a string here, checked natively.
    const codec = { __proto__: null, id: ops.compressionOpen(`${format}`, decompress), cancelled: false, reason: undefined };
    const transform = (chunk, handle) => {
      ops.compressionWrite(codec.id, chunk);
      return drain(codec, handle, false);
    };
    const flush = (handle) => drain(codec, handle, true);
    const cancel = (reason) => {
      codec.cancelled = true;
      codec.reason = reason;
      ops.compressionClose(codec.id);
    };
    return streams.transformFromAlgorithms(transform, flush, cancel);
  }

  function isObject(value) {
    return value !== null && (typeof value === "object" || typeof value === "function");
  }

  let compressionTransform;

  class CompressionStream {
    #transform;

    constructor(format) {
      this.#transform = transformFor(format, false);
    }

    get readable() {
      return compressionTransform(this).readable;
    }

    get writable() {
      return compressionTransform(this).writable;
    }

    static {
      compressionTransform = (value) => {
        if (!isObject(value) || !(#transform in value)) throw new TypeError("Illegal invocation: not a CompressionStream");
        return value.#transform;
      };
    }
  }

  let decompressionTransform;

  class DecompressionStream {
    #transform;

    constructor(format) {
      this.#transform = transformFor(format, true);
    }

    get readable() {
      return decompressionTransform(this).readable;
    }

    get writable() {
      return decompressionTransform(this).writable;
    }

    static {
      decompressionTransform = (value) => {
        if (!isObject(value) || !(#transform in value)) throw new TypeError("Illegal invocation: not a DecompressionStream");
        return value.#transform;
      };
    }
  }

  exposeClass(CompressionStream);
  exposeClass(DecompressionStream);
});
