// The WHATWG Streams Standard (https://streams.spec.whatwg.org/): ReadableStream with its
// default and BYOB readers and controllers, WritableStream, TransformStream, the queuing
// strategies, and TextEncoderStream/TextDecoderStream. Abstract operations keep the spec's names
// and follow its steps.
//
// Each public object holds, in a private field, a null-prototype record with the spec's internal
// slots; the abstract operations work on those records (`pub` is the object the tenant sees), so
// nothing internal is reachable from tenant code. Promises are settled through
// hooks.primordials (never `then` on a promise the runtime made); what the spec reads from tenant
// objects (underlying source/sink/transformer methods, strategy `size`/`highWaterMark`, a
// resolved value's `then`, iterators given to ReadableStream.from) is read as the spec says.
// Chunks are tenant data: the runtime itself keeps only bounded bookkeeping per chunk.
//
// hooks.streams, for Request/Response bodies and the host (not reachable from tenant code):
//   isReadableStream(v), isWritableStream(v)   brand checks
//   isDisturbed(stream), isLocked(stream)      the [[disturbed]] slot, IsReadableStreamLocked
//   readableFromChunks(chunks)                  a closed-after-draining stream of the array's items
//   readableFromPull(pull, cancel, options)     a stream whose pull(controller) is runtime code:
//                                               controller = { enqueue, close, error, desiredSize() };
//                                               pull returns a promise or undefined; options.bytes
//                                               makes a byte stream, options.highWaterMark its HWM
//   readAll(stream)                             promise of a Uint8Array of every chunk (byte chunks only)
//   hostReader(stream), readBytes(reader),      the host reading a body chunk by chunk: a promise
//     cancelReader(reader, reason)              of a Uint8Array, or of null at the end
//   tee(stream)                                 ReadableStreamTee with cloneForBranch2, as [a, b]
//   transformFromAlgorithms(transform, flush, cancel)
//                                               { readable, writable } of a TransformStream run by
//                                               runtime code (CompressionStream)
(function (ops, hooks) {
  "use strict";
  const { exposeClass, toBytes } = hooks.webidl;
  const events = hooks.events;
  const DOMException = hooks.global("DOMException");
  const TextDecoder = hooks.global("TextDecoder");
  const textDecode = hooks.encoding.decode;
  const {
    ArrayBuffer, ArrayBufferIsView, ArrayBufferPrototypeGetByteLength, ArrayBufferPrototypeGetDetached,
    ArrayBufferPrototypeTransfer, AsyncIteratorPrototype, DataView, DataViewPrototypeGetBuffer,
    DataViewPrototypeGetByteLength, DataViewPrototypeGetByteOffset, MathMin, Number, NumberIsFinite, NumberIsNaN,
    MathTrunc, ObjectDefineProperty, ObjectSetPrototypeOf, PromiseReject, PromiseResolve, RangeError, ReflectApply,
    SafePromiseThen, SafePromiseWithResolvers, StringPrototypeCharCodeAt, StringPrototypeSlice, SymbolAsyncIterator,
    SymbolIterator, TypeError, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteLength,
    TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetLength, TypedArrayPrototypeSet, Uint8Array, isArrayBuffer,
    SafeWeakSet, SymbolToStringTag, isTypedArray, typedArrayInfo, typedArrayName,
  } = hooks.primordials;

  // Passed by internal creation to constructors that are otherwise illegal or set up from
  // tenant dictionaries.
  const internal = { __proto__: null };
  const noop = () => undefined;

  function isObject(value) {
    return value !== null && (typeof value === "object" || typeof value === "function");
  }

  // --- queues: singly linked, so nothing reads Array.prototype --------------------------------

  function newQueue() {
    return { __proto__: null, head: null, tail: null, size: 0 };
  }

  function queueAppend(queue, value) {
    const node = { __proto__: null, value, next: null };
    if (queue.tail === null) queue.head = node;
    else queue.tail.next = node;
    queue.tail = node;
    queue.size++;
  }

  function queueShift(queue) {
    const node = queue.head;
    queue.head = node.next;
    if (queue.head === null) queue.tail = null;
    queue.size--;
    return node.value;
  }

  function queuePeek(queue) {
    return queue.head.value;
  }

  function queueLast(queue) {
    return queue.tail.value;
  }

  function queueClear(queue) {
    queue.head = null;
    queue.tail = null;
    queue.size = 0;
  }

  // Empties `queue` and calls fn on what it held, in order.
  function queueDrain(queue, fn) {
    let node = queue.head;
    queueClear(queue);
    while (node !== null) {
      fn(node.value);
      node = node.next;
    }
  }

  // --- promises -------------------------------------------------------------------------------

  // Native promises the runtime made or was handed by PromiseResolve: one settles another by
  // waiting on it (SafePromiseThen), never through its `then`, as the spec's PerformPromiseThen.
  const knownPromises = new SafeWeakSet();

  function known(promise) {
    knownPromises.add(promise);
    return promise;
  }

  // Resolves through `resolve`/`reject` with `value`, following a known promise without `then`.
  function settleWith(resolve, reject, value) {
    if (isObject(value) && knownPromises.has(value)) SafePromiseThen(value, resolve, reject);
    else resolve(value);
  }

  // A promise with its resolve/reject and its state, which some algorithms read.
  function newPromise() {
    const c = SafePromiseWithResolvers();
    return { __proto__: null, promise: known(c.promise), resolveFn: c.resolve, rejectFn: c.reject, state: "pending" };
  }

  function resolvePromise(p, value) {
    if (p.state !== "pending") return;
    p.state = "fulfilled";
    settleWith(p.resolveFn, p.rejectFn, value);
  }

  function rejectPromise(p, reason) {
    if (p.state !== "pending") return;
    p.state = "rejected";
    p.rejectFn(reason);
  }

  function rejectedPromiseRecord(reason) {
    const p = newPromise();
    rejectPromise(p, reason);
    return p;
  }

  function resolvedPromiseRecord(value) {
    const p = newPromise();
    resolvePromise(p, value);
    return p;
  }

  // "A promise resolved with": PromiseResolve(%Promise%, value), as WebIDL defines it.
  function promiseResolvedWith(value) {
    return known(PromiseResolve(value));
  }

  function promiseRejectedWith(reason) {
    return known(PromiseReject(reason));
  }

  function uponPromise(promise, onFulfilled, onRejected) {
    SafePromiseThen(promise, onFulfilled, onRejected);
  }

  function uponFulfillment(promise, onFulfilled) {
    SafePromiseThen(promise, onFulfilled, noop);
  }

  function uponRejection(promise, onRejected) {
    SafePromiseThen(promise, undefined, onRejected);
  }

  // "Reacting to" a promise: a new promise settled with what the steps return or throw.
  function transformPromise(promise, onFulfilled, onRejected) {
    const out = SafePromiseWithResolvers();
    SafePromiseThen(
      promise,
      (value) => {
        if (onFulfilled === undefined) return out.resolve(value);
        try {
          settleWith(out.resolve, out.reject, onFulfilled(value));
        } catch (error) {
          out.reject(error);
        }
      },
      (reason) => {
        if (onRejected === undefined) return out.reject(reason);
        try {
          settleWith(out.resolve, out.reject, onRejected(reason));
        } catch (error) {
          out.reject(error);
        }
      },
    );
    return known(out.promise);
  }

  function setPromiseIsHandledToTrue(promise) {
    SafePromiseThen(promise, undefined, noop);
  }

  // Calls a tenant method found on a dictionary, turning a throw into a rejected promise.
  function invokeAsPromise(method, self, args) {
    try {
      return promiseResolvedWith(ReflectApply(method, self, args));
    } catch (error) {
      return promiseRejectedWith(error);
    }
  }

  // --- WebIDL conversions ---------------------------------------------------------------------

  function dictionary(value, what) {
    if (value === undefined || value === null) return null;
    if (!isObject(value)) throw new TypeError(`${what} must be an object`);
    return value;
  }

  function callbackMember(dict, name, what) {
    if (dict === null) return undefined;
    const value = dict[name];
    if (value === undefined) return undefined;
    if (typeof value !== "function") throw new TypeError(`${what}: '${name}' must be a function`);
    return value;
  }

  // [EnforceRange] unsigned long long.
  function enforceRangeULL(value, what) {
    const n = Number(value);
    if (!NumberIsFinite(n)) throw new TypeError(`${what} must be a finite number`);
    const i = MathTrunc(n) + 0;
    if (i < 0 || i > 9007199254740991) throw new TypeError(`${what} is out of range`);
    return i;
  }

  function requireArgs(args, count, what) {
    if (args.length < count) throw new TypeError(`${what}: ${count} argument${count === 1 ? "" : "s"} required, but only ${args.length} present`);
  }

  // --- queue-with-sizes -------------------------------------------------------------------------

  function IsNonNegativeNumber(v) {
    if (typeof v !== "number") return false;
    if (NumberIsNaN(v)) return false;
    return v >= 0;
  }

  function DequeueValue(container) {
    const pair = queueShift(container.queue);
    container.queueTotalSize -= pair.size;
    if (container.queueTotalSize < 0) container.queueTotalSize = 0;
    return pair.value;
  }

  function EnqueueValueWithSize(container, value, size) {
    if (!IsNonNegativeNumber(size)) throw new RangeError("The chunk size must be a non-negative, finite number");
    if (size === Infinity) throw new RangeError("The chunk size must be a non-negative, finite number");
    queueAppend(container.queue, { __proto__: null, value, size });
    container.queueTotalSize += size;
  }

  function PeekQueueValue(container) {
    return queuePeek(container.queue).value;
  }

  function ResetQueue(container) {
    queueClear(container.queue);
    container.queueTotalSize = 0;
  }

  // --- buffers ----------------------------------------------------------------------------------

  function IsDetachedBuffer(buffer) {
    return ArrayBufferPrototypeGetDetached(buffer);
  }

  function CanTransferArrayBuffer(buffer) {
    return isArrayBuffer(buffer) && !IsDetachedBuffer(buffer);
  }

  function TransferArrayBuffer(buffer) {
    return ArrayBufferPrototypeTransfer(buffer);
  }

  function viewBuffer(view) {
    return isTypedArray(view) ? TypedArrayPrototypeGetBuffer(view) : DataViewPrototypeGetBuffer(view);
  }

  // A DataView's getters throw once its buffer is detached; a typed array's read 0.
  function viewDetached(view) {
    const buffer = viewBuffer(view);
    return isArrayBuffer(buffer) && IsDetachedBuffer(buffer);
  }

  function viewByteOffset(view) {
    if (isTypedArray(view)) return TypedArrayPrototypeGetByteOffset(view);
    return viewDetached(view) ? 0 : DataViewPrototypeGetByteOffset(view);
  }

  function viewByteLength(view) {
    if (isTypedArray(view)) return TypedArrayPrototypeGetByteLength(view);
    return viewDetached(view) ? 0 : DataViewPrototypeGetByteLength(view);
  }

  function CopyDataBlockBytes(toBuffer, toIndex, fromBuffer, fromIndex, count) {
    TypedArrayPrototypeSet(new Uint8Array(toBuffer, toIndex, count), new Uint8Array(fromBuffer, fromIndex, count));
  }

  function ArrayBufferSlice(buffer, begin, end) {
    const out = new ArrayBuffer(end - begin);
    CopyDataBlockBytes(out, 0, buffer, begin, end - begin);
    return out;
  }

  function CloneAsUint8Array(view) {
    const buffer = ArrayBufferSlice(viewBuffer(view), viewByteOffset(view), viewByteOffset(view) + viewByteLength(view));
    return new Uint8Array(buffer);
  }

  // --- strategies ---------------------------------------------------------------------------------

  // QueuingStrategy converted as WebIDL does: members in order, highWaterMark then size.
  function convertQueuingStrategy(value) {
    const dict = dictionary(value, "The strategy");
    const out = { __proto__: null, highWaterMark: undefined, size: undefined };
    if (dict === null) return out;
    const hwm = dict.highWaterMark;
    if (hwm !== undefined) out.highWaterMark = Number(hwm);
    out.size = callbackMember(dict, "size", "The strategy");
    return out;
  }

  function ExtractHighWaterMark(strategy, defaultHWM) {
    if (strategy.highWaterMark === undefined) return defaultHWM;
    const highWaterMark = strategy.highWaterMark;
    if (NumberIsNaN(highWaterMark) || highWaterMark < 0) throw new RangeError("The highWaterMark must be a non-negative number");
    return highWaterMark;
  }

  function ExtractSizeAlgorithm(strategy) {
    if (strategy.size === undefined) return () => 1;
    const size = strategy.size;
    return (chunk) => Number(ReflectApply(size, undefined, [chunk]));
  }

  // ===============================================================================================
  // ReadableStream
  // ===============================================================================================

  let readableRecord;
  let isReadableStream;

  class ReadableStream {
    #s;

    constructor(underlyingSource = undefined, strategy = undefined) {
      if (underlyingSource === internal) {
        this.#s = strategy;
        strategy.pub = this;
        return;
      }
      if (underlyingSource === undefined) underlyingSource = null;
      const source = dictionary(underlyingSource, "The underlying source");
      const strategyDict = convertQueuingStrategy(strategy);
      const sourceDict = convertUnderlyingSource(source);
      const stream = newReadableRecord();
      this.#s = stream;
      stream.pub = this;
      if (sourceDict.type === "bytes") {
        if (strategyDict.size !== undefined) throw new RangeError("The strategy for a byte stream cannot have a size function");
        const highWaterMark = ExtractHighWaterMark(strategyDict, 0);
        SetUpReadableByteStreamControllerFromUnderlyingSource(stream, source, sourceDict, highWaterMark);
      } else {
        const sizeAlgorithm = ExtractSizeAlgorithm(strategyDict);
        const highWaterMark = ExtractHighWaterMark(strategyDict, 1);
        SetUpReadableStreamDefaultControllerFromUnderlyingSource(stream, source, sourceDict, highWaterMark, sizeAlgorithm);
      }
    }

    static from(asyncIterable) {
      requireArgs(arguments, 1, "ReadableStream.from");
      return ReadableStreamFromIterable(asyncIterable).pub;
    }

    get locked() {
      return IsReadableStreamLocked(readableRecord(this));
    }

    cancel(reason = undefined) {
      let stream;
      try {
        stream = readableRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (IsReadableStreamLocked(stream)) return promiseRejectedWith(new TypeError("Cannot cancel a locked ReadableStream"));
      return ReadableStreamCancel(stream, reason);
    }

    getReader(options = undefined) {
      const stream = readableRecord(this);
      const dict = dictionary(options, "getReader's options");
      const mode = dict === null ? undefined : dict.mode;
      if (mode === undefined) return AcquireReadableStreamDefaultReader(stream).pub;
      if (`${mode}` !== "byob") throw new TypeError(`'${mode}' is not a valid reader mode`);
      return AcquireReadableStreamBYOBReader(stream).pub;
    }

    pipeThrough(transform, options = undefined) {
      const stream = readableRecord(this);
      requireArgs(arguments, 1, "ReadableStream.prototype.pipeThrough");
      if (!isObject(transform)) throw new TypeError("pipeThrough: the transform must be an object");
      const readable = transform.readable;
      const readableInner = readableRecordOrNull(readable);
      if (readableInner === null) throw new TypeError("pipeThrough: transform.readable must be a ReadableStream");
      const writable = transform.writable;
      const writableInner = writableRecordOrNull(writable);
      if (writableInner === null) throw new TypeError("pipeThrough: transform.writable must be a WritableStream");
      const opts = convertPipeOptions(options);
      if (IsReadableStreamLocked(stream)) throw new TypeError("pipeThrough: the ReadableStream is locked");
      if (IsWritableStreamLocked(writableInner)) throw new TypeError("pipeThrough: the WritableStream is locked");
      const promise = ReadableStreamPipeTo(stream, writableInner, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
      setPromiseIsHandledToTrue(promise);
      return readable;
    }

    pipeTo(destination, options = undefined) {
      let stream, dest, opts;
      try {
        stream = readableRecord(this);
        requireArgs(arguments, 1, "ReadableStream.prototype.pipeTo");
        dest = writableRecordOrNull(destination);
        if (dest === null) throw new TypeError("pipeTo: the destination must be a WritableStream");
        opts = convertPipeOptions(options);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (IsReadableStreamLocked(stream)) return promiseRejectedWith(new TypeError("pipeTo: the ReadableStream is locked"));
      if (IsWritableStreamLocked(dest)) return promiseRejectedWith(new TypeError("pipeTo: the WritableStream is locked"));
      return ReadableStreamPipeTo(stream, dest, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
    }

    tee() {
      const branches = ReadableStreamTee(readableRecord(this), false);
      return [branches[0].pub, branches[1].pub];
    }

    values(options = undefined) {
      const stream = readableRecord(this);
      const dict = dictionary(options, "values' options");
      const preventCancel = dict === null ? false : !!dict.preventCancel;
      return newAsyncIterator(stream, preventCancel);
    }

    static {
      readableRecord = (value) => {
        if (!isObject(value) || !(#s in value)) throw new TypeError("Illegal invocation: not a ReadableStream");
        return value.#s;
      };
      isReadableStream = (value) => isObject(value) && #s in value;
    }
  }

  ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
    __proto__: null, value: ReadableStream.prototype.values, writable: true, configurable: true,
  });

  function readableRecordOrNull(value) {
    return isReadableStream(value) ? readableRecord(value) : null;
  }

  function convertUnderlyingSource(source) {
    const out = { __proto__: null, autoAllocateChunkSize: undefined, cancel: undefined, pull: undefined, start: undefined, type: undefined };
    if (source === null) return out;
    const auto = source.autoAllocateChunkSize;
    if (auto !== undefined) out.autoAllocateChunkSize = enforceRangeULL(auto, "autoAllocateChunkSize");
    out.cancel = callbackMember(source, "cancel", "The underlying source");
    out.pull = callbackMember(source, "pull", "The underlying source");
    out.start = callbackMember(source, "start", "The underlying source");
    const type = source.type;
    if (type !== undefined) {
      out.type = `${type}`;
      if (out.type !== "bytes") throw new TypeError(`'${out.type}' is not a valid ReadableStream type`);
    }
    return out;
  }

  function convertPipeOptions(options) {
    const dict = dictionary(options, "The pipe options");
    const out = { __proto__: null, preventAbort: false, preventCancel: false, preventClose: false, signal: undefined };
    if (dict === null) return out;
    out.preventAbort = !!dict.preventAbort;
    out.preventCancel = !!dict.preventCancel;
    out.preventClose = !!dict.preventClose;
    const signal = dict.signal;
    if (signal !== undefined) {
      if (!events.isAbortSignal(signal)) throw new TypeError("The pipe options' signal must be an AbortSignal");
      out.signal = signal;
    }
    return out;
  }

  function newReadableRecord() {
    return {
      __proto__: null, pub: null, state: "readable", reader: undefined, storedError: undefined, disturbed: false,
      controller: undefined,
    };
  }

  function InitializeReadableStream(stream) {
    stream.state = "readable";
    stream.reader = undefined;
    stream.storedError = undefined;
    stream.disturbed = false;
  }

  function CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark = 1, sizeAlgorithm = () => 1) {
    const stream = newReadableRecord();
    new ReadableStream(internal, stream);
    InitializeReadableStream(stream);
    const controller = newDefaultControllerRecord();
    SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm);
    return stream;
  }

  function CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm) {
    const stream = newReadableRecord();
    new ReadableStream(internal, stream);
    InitializeReadableStream(stream);
    const controller = newByteControllerRecord();
    SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, 0, undefined);
    return stream;
  }

  function IsReadableStreamLocked(stream) {
    return stream.reader !== undefined;
  }

  function ReadableStreamCancel(stream, reason) {
    stream.disturbed = true;
    if (stream.state === "closed") return promiseResolvedWith(undefined);
    if (stream.state === "errored") return promiseRejectedWith(stream.storedError);
    ReadableStreamClose(stream);
    const reader = stream.reader;
    if (reader !== undefined && reader.kind === "byob") {
      const readIntoRequests = reader.readIntoRequests;
      reader.readIntoRequests = newQueue();
      queueDrain(readIntoRequests, (readIntoRequest) => readIntoRequest.closeSteps(undefined));
    }
    const sourceCancelPromise = ControllerCancelSteps(stream.controller, reason);
    return transformPromise(sourceCancelPromise, () => undefined);
  }

  function ReadableStreamClose(stream) {
    stream.state = "closed";
    const reader = stream.reader;
    if (reader === undefined) return;
    resolvePromise(reader.closedPromise, undefined);
    if (reader.kind === "default") {
      const readRequests = reader.readRequests;
      reader.readRequests = newQueue();
      queueDrain(readRequests, (readRequest) => readRequest.closeSteps());
    }
  }

  function ReadableStreamError(stream, e) {
    stream.state = "errored";
    stream.storedError = e;
    const reader = stream.reader;
    if (reader === undefined) return;
    rejectPromise(reader.closedPromise, e);
    setPromiseIsHandledToTrue(reader.closedPromise.promise);
    if (reader.kind === "default") ReadableStreamDefaultReaderErrorReadRequests(reader, e);
    else ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e);
  }

  function ReadableStreamAddReadRequest(stream, readRequest) {
    queueAppend(stream.reader.readRequests, readRequest);
  }

  function ReadableStreamAddReadIntoRequest(stream, readRequest) {
    queueAppend(stream.reader.readIntoRequests, readRequest);
  }

  function ReadableStreamFulfillReadRequest(stream, chunk, done) {
    const reader = stream.reader;
    const readRequest = queueShift(reader.readRequests);
    if (done) readRequest.closeSteps();
    else readRequest.chunkSteps(chunk);
  }

  function ReadableStreamFulfillReadIntoRequest(stream, chunk, done) {
    const reader = stream.reader;
    const readIntoRequest = queueShift(reader.readIntoRequests);
    if (done) readIntoRequest.closeSteps(chunk);
    else readIntoRequest.chunkSteps(chunk);
  }

  function ReadableStreamGetNumReadRequests(stream) {
    return stream.reader.readRequests.size;
  }

  function ReadableStreamGetNumReadIntoRequests(stream) {
    return stream.reader.readIntoRequests.size;
  }

  function ReadableStreamHasDefaultReader(stream) {
    const reader = stream.reader;
    return reader !== undefined && reader.kind === "default";
  }

  function ReadableStreamHasBYOBReader(stream) {
    const reader = stream.reader;
    return reader !== undefined && reader.kind === "byob";
  }

  // --- readers ----------------------------------------------------------------------------------

  let defaultReaderRecord;
  let isDefaultReader;

  class ReadableStreamDefaultReader {
    #r;

    constructor(stream) {
      if (stream === internal) {
        this.#r = arguments[1];
        arguments[1].pub = this;
        return;
      }
      requireArgs(arguments, 1, "ReadableStreamDefaultReader");
      const inner = readableRecord(stream);
      const reader = newReaderRecord("default");
      this.#r = reader;
      reader.pub = this;
      SetUpReadableStreamDefaultReader(reader, inner);
    }

    get closed() {
      try {
        return defaultReaderRecord(this).closedPromise.promise;
      } catch (error) {
        return promiseRejectedWith(error);
      }
    }

    cancel(reason = undefined) {
      let reader;
      try {
        reader = defaultReaderRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (reader.stream === undefined) return promiseRejectedWith(new TypeError("The reader has been released"));
      return ReadableStreamReaderGenericCancel(reader, reason);
    }

    read() {
      let reader;
      try {
        reader = defaultReaderRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (reader.stream === undefined) return promiseRejectedWith(new TypeError("The reader has been released"));
      const promise = SafePromiseWithResolvers();
      const readRequest = {
        __proto__: null,
        chunkSteps: (chunk) => promise.resolve({ value: chunk, done: false }),
        closeSteps: () => promise.resolve({ value: undefined, done: true }),
        errorSteps: (e) => promise.reject(e),
      };
      ReadableStreamDefaultReaderRead(reader, readRequest);
      return promise.promise;
    }

    releaseLock() {
      const reader = defaultReaderRecord(this);
      if (reader.stream === undefined) return;
      ReadableStreamDefaultReaderRelease(reader);
    }

    static {
      defaultReaderRecord = (value) => {
        if (!isObject(value) || !(#r in value)) throw new TypeError("Illegal invocation: not a ReadableStreamDefaultReader");
        return value.#r;
      };
      isDefaultReader = (value) => isObject(value) && #r in value;
    }
  }

  let byobReaderRecord;

  class ReadableStreamBYOBReader {
    #r;

    constructor(stream) {
      if (stream === internal) {
        this.#r = arguments[1];
        arguments[1].pub = this;
        return;
      }
      requireArgs(arguments, 1, "ReadableStreamBYOBReader");
      const inner = readableRecord(stream);
      const reader = newReaderRecord("byob");
      this.#r = reader;
      reader.pub = this;
      SetUpReadableStreamBYOBReader(reader, inner);
    }

    get closed() {
      try {
        return byobReaderRecord(this).closedPromise.promise;
      } catch (error) {
        return promiseRejectedWith(error);
      }
    }

    cancel(reason = undefined) {
      let reader;
      try {
        reader = byobReaderRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (reader.stream === undefined) return promiseRejectedWith(new TypeError("The reader has been released"));
      return ReadableStreamReaderGenericCancel(reader, reason);
    }

    read(view, options = undefined) {
      let reader, min;
      try {
        reader = byobReaderRecord(this);
        requireArgs(arguments, 1, "ReadableStreamBYOBReader.prototype.read");
        if (!ArrayBufferIsView(view)) throw new TypeError("read: the view must be an ArrayBufferView");
        const dict = dictionary(options, "read's options");
        const rawMin = dict === null ? undefined : dict.min;
        min = rawMin === undefined ? 1 : enforceRangeULL(rawMin, "read's min");
      } catch (error) {
        return promiseRejectedWith(error);
      }
      const buffer = viewBuffer(view);
      if (!isArrayBuffer(buffer)) return promiseRejectedWith(new TypeError("read: the view's buffer must be an ArrayBuffer"));
      const byteLength = viewByteLength(view);
      if (byteLength === 0) return promiseRejectedWith(new TypeError("read: the view must not be empty"));
      if (ArrayBufferPrototypeGetByteLength(buffer) === 0) {
        return promiseRejectedWith(new TypeError("read: the view's buffer must not be empty"));
      }
      if (IsDetachedBuffer(buffer)) return promiseRejectedWith(new TypeError("read: the view's buffer is detached"));
      if (min === 0) return promiseRejectedWith(new TypeError("read: min must be greater than 0"));
      if (isTypedArray(view)) {
        if (min > TypedArrayPrototypeGetLength(view)) return promiseRejectedWith(new RangeError("read: min exceeds the view's length"));
      } else if (min > byteLength) {
        return promiseRejectedWith(new RangeError("read: min exceeds the view's byteLength"));
      }
      if (reader.stream === undefined) return promiseRejectedWith(new TypeError("The reader has been released"));
      const promise = SafePromiseWithResolvers();
      const readIntoRequest = {
        __proto__: null,
        chunkSteps: (chunk) => promise.resolve({ value: chunk, done: false }),
        closeSteps: (chunk) => promise.resolve({ value: chunk, done: true }),
        errorSteps: (e) => promise.reject(e),
      };
      ReadableStreamBYOBReaderRead(reader, view, min, readIntoRequest);
      return promise.promise;
    }

    releaseLock() {
      const reader = byobReaderRecord(this);
      if (reader.stream === undefined) return;
      ReadableStreamBYOBReaderRelease(reader);
    }

    static {
      byobReaderRecord = (value) => {
        if (!isObject(value) || !(#r in value)) throw new TypeError("Illegal invocation: not a ReadableStreamBYOBReader");
        return value.#r;
      };
    }
  }

  function newReaderRecord(kind) {
    return {
      __proto__: null, pub: null, kind, stream: undefined, closedPromise: undefined,
      readRequests: kind === "default" ? newQueue() : undefined,
      readIntoRequests: kind === "byob" ? newQueue() : undefined,
    };
  }

  function AcquireReadableStreamDefaultReader(stream) {
    const reader = newReaderRecord("default");
    new ReadableStreamDefaultReader(internal, reader);
    SetUpReadableStreamDefaultReader(reader, stream);
    return reader;
  }

  function AcquireReadableStreamBYOBReader(stream) {
    const reader = newReaderRecord("byob");
    new ReadableStreamBYOBReader(internal, reader);
    SetUpReadableStreamBYOBReader(reader, stream);
    return reader;
  }

  function ReadableStreamReaderGenericInitialize(reader, stream) {
    reader.stream = stream;
    stream.reader = reader;
    if (stream.state === "readable") {
      reader.closedPromise = newPromise();
    } else if (stream.state === "closed") {
      reader.closedPromise = resolvedPromiseRecord(undefined);
    } else {
      reader.closedPromise = rejectedPromiseRecord(stream.storedError);
      setPromiseIsHandledToTrue(reader.closedPromise.promise);
    }
  }

  function ReadableStreamReaderGenericCancel(reader, reason) {
    return ReadableStreamCancel(reader.stream, reason);
  }

  function ReadableStreamReaderGenericRelease(reader) {
    const stream = reader.stream;
    const error = new TypeError("The reader was released");
    if (stream.state === "readable") {
      rejectPromise(reader.closedPromise, error);
    } else {
      reader.closedPromise = rejectedPromiseRecord(error);
    }
    setPromiseIsHandledToTrue(reader.closedPromise.promise);
    ControllerReleaseSteps(stream.controller);
    stream.reader = undefined;
    reader.stream = undefined;
  }

  function SetUpReadableStreamDefaultReader(reader, stream) {
    if (IsReadableStreamLocked(stream)) throw new TypeError("The ReadableStream is locked to a reader");
    ReadableStreamReaderGenericInitialize(reader, stream);
    reader.readRequests = newQueue();
  }

  function SetUpReadableStreamBYOBReader(reader, stream) {
    if (IsReadableStreamLocked(stream)) throw new TypeError("The ReadableStream is locked to a reader");
    if (stream.controller.kind !== "byte") throw new TypeError("A BYOB reader needs a readable byte stream");
    ReadableStreamReaderGenericInitialize(reader, stream);
    reader.readIntoRequests = newQueue();
  }

  function ReadableStreamDefaultReaderRead(reader, readRequest) {
    const stream = reader.stream;
    stream.disturbed = true;
    if (stream.state === "closed") readRequest.closeSteps();
    else if (stream.state === "errored") readRequest.errorSteps(stream.storedError);
    else ControllerPullSteps(stream.controller, readRequest);
  }

  function ReadableStreamDefaultReaderRelease(reader) {
    ReadableStreamReaderGenericRelease(reader);
    ReadableStreamDefaultReaderErrorReadRequests(reader, new TypeError("The reader was released"));
  }

  function ReadableStreamDefaultReaderErrorReadRequests(reader, e) {
    const readRequests = reader.readRequests;
    reader.readRequests = newQueue();
    queueDrain(readRequests, (readRequest) => readRequest.errorSteps(e));
  }

  function ReadableStreamBYOBReaderRead(reader, view, min, readIntoRequest) {
    const stream = reader.stream;
    stream.disturbed = true;
    if (stream.state === "errored") readIntoRequest.errorSteps(stream.storedError);
    else ReadableByteStreamControllerPullInto(stream.controller, view, min, readIntoRequest);
  }

  function ReadableStreamBYOBReaderRelease(reader) {
    ReadableStreamReaderGenericRelease(reader);
    ReadableStreamBYOBReaderErrorReadIntoRequests(reader, new TypeError("The reader was released"));
  }

  function ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e) {
    const readIntoRequests = reader.readIntoRequests;
    reader.readIntoRequests = newQueue();
    queueDrain(readIntoRequests, (readIntoRequest) => readIntoRequest.errorSteps(e));
  }

  // --- controller dispatch ([[CancelSteps]], [[PullSteps]], [[ReleaseSteps]]) --------------------

  function ControllerCancelSteps(controller, reason) {
    return controller.kind === "byte" ? ByteControllerCancelSteps(controller, reason) : DefaultControllerCancelSteps(controller, reason);
  }

  function ControllerPullSteps(controller, readRequest) {
    if (controller.kind === "byte") ByteControllerPullSteps(controller, readRequest);
    else DefaultControllerPullSteps(controller, readRequest);
  }

  function ControllerReleaseSteps(controller) {
    if (controller.kind === "byte") {
      if (controller.pendingPullIntos.size !== 0) {
        const firstPendingPullInto = queuePeek(controller.pendingPullIntos);
        firstPendingPullInto.readerType = "none";
        controller.pendingPullIntos = newQueue();
        queueAppend(controller.pendingPullIntos, firstPendingPullInto);
      }
    }
  }

  // --- ReadableStreamDefaultController ------------------------------------------------------------

  let defaultControllerRecord;

  class ReadableStreamDefaultController {
    #c;

    constructor(key = undefined, record = undefined) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      this.#c = record;
      record.pub = this;
    }

    get desiredSize() {
      return ReadableStreamDefaultControllerGetDesiredSize(defaultControllerRecord(this));
    }

    close() {
      const controller = defaultControllerRecord(this);
      if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) throw new TypeError("The stream is not in a state that permits close");
      ReadableStreamDefaultControllerClose(controller);
    }

    enqueue(chunk = undefined) {
      const controller = defaultControllerRecord(this);
      if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) throw new TypeError("The stream is not in a state that permits enqueue");
      ReadableStreamDefaultControllerEnqueue(controller, chunk);
    }

    error(e = undefined) {
      ReadableStreamDefaultControllerError(defaultControllerRecord(this), e);
    }

    static {
      defaultControllerRecord = (value) => {
        if (!isObject(value) || !(#c in value)) throw new TypeError("Illegal invocation: not a ReadableStreamDefaultController");
        return value.#c;
      };
    }
  }

  function newDefaultControllerRecord() {
    return {
      __proto__: null, pub: null, kind: "default", stream: undefined, queue: newQueue(), queueTotalSize: 0, started: false,
      closeRequested: false, pullAgain: false, pulling: false, strategySizeAlgorithm: undefined, strategyHWM: 0,
      pullAlgorithm: undefined, cancelAlgorithm: undefined,
    };
  }

  function DefaultControllerCancelSteps(controller, reason) {
    ResetQueue(controller);
    const result = controller.cancelAlgorithm(reason);
    ReadableStreamDefaultControllerClearAlgorithms(controller);
    return result;
  }

  function DefaultControllerPullSteps(controller, readRequest) {
    const stream = controller.stream;
    if (controller.queue.size > 0) {
      const chunk = DequeueValue(controller);
      if (controller.closeRequested && controller.queue.size === 0) {
        ReadableStreamDefaultControllerClearAlgorithms(controller);
        ReadableStreamClose(stream);
      } else {
        ReadableStreamDefaultControllerCallPullIfNeeded(controller);
      }
      readRequest.chunkSteps(chunk);
    } else {
      ReadableStreamAddReadRequest(stream, readRequest);
      ReadableStreamDefaultControllerCallPullIfNeeded(controller);
    }
  }

  function ReadableStreamDefaultControllerCallPullIfNeeded(controller) {
    const shouldPull = ReadableStreamDefaultControllerShouldCallPull(controller);
    if (!shouldPull) return;
    if (controller.pulling) {
      controller.pullAgain = true;
      return;
    }
    controller.pulling = true;
    const pullPromise = controller.pullAlgorithm();
    uponPromise(
      pullPromise,
      () => {
        controller.pulling = false;
        if (controller.pullAgain) {
          controller.pullAgain = false;
          ReadableStreamDefaultControllerCallPullIfNeeded(controller);
        }
      },
      (e) => ReadableStreamDefaultControllerError(controller, e),
    );
  }

  function ReadableStreamDefaultControllerShouldCallPull(controller) {
    const stream = controller.stream;
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return false;
    if (!controller.started) return false;
    if (IsReadableStreamLocked(stream) && ReadableStreamGetNumReadRequests(stream) > 0) return true;
    const desiredSize = ReadableStreamDefaultControllerGetDesiredSize(controller);
    return desiredSize > 0;
  }

  function ReadableStreamDefaultControllerClearAlgorithms(controller) {
    controller.pullAlgorithm = undefined;
    controller.cancelAlgorithm = undefined;
    controller.strategySizeAlgorithm = undefined;
  }

  function ReadableStreamDefaultControllerClose(controller) {
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
    const stream = controller.stream;
    controller.closeRequested = true;
    if (controller.queue.size === 0) {
      ReadableStreamDefaultControllerClearAlgorithms(controller);
      ReadableStreamClose(stream);
    }
  }

  function ReadableStreamDefaultControllerEnqueue(controller, chunk) {
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
    const stream = controller.stream;
    if (IsReadableStreamLocked(stream) && ReadableStreamGetNumReadRequests(stream) > 0) {
      ReadableStreamFulfillReadRequest(stream, chunk, false);
    } else {
      let chunkSize;
      try {
        chunkSize = controller.strategySizeAlgorithm(chunk);
      } catch (error) {
        ReadableStreamDefaultControllerError(controller, error);
        throw error;
      }
      try {
        EnqueueValueWithSize(controller, chunk, chunkSize);
      } catch (error) {
        ReadableStreamDefaultControllerError(controller, error);
        throw error;
      }
    }
    ReadableStreamDefaultControllerCallPullIfNeeded(controller);
  }

  function ReadableStreamDefaultControllerError(controller, e) {
    const stream = controller.stream;
    if (stream.state !== "readable") return;
    ResetQueue(controller);
    ReadableStreamDefaultControllerClearAlgorithms(controller);
    ReadableStreamError(stream, e);
  }

  function ReadableStreamDefaultControllerGetDesiredSize(controller) {
    const state = controller.stream.state;
    if (state === "errored") return null;
    if (state === "closed") return 0;
    return controller.strategyHWM - controller.queueTotalSize;
  }

  function ReadableStreamDefaultControllerHasBackpressure(controller) {
    return !ReadableStreamDefaultControllerShouldCallPull(controller);
  }

  function ReadableStreamDefaultControllerCanCloseOrEnqueue(controller) {
    return !controller.closeRequested && controller.stream.state === "readable";
  }

  function SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm) {
    if (controller.pub === null) new ReadableStreamDefaultController(internal, controller);
    controller.stream = stream;
    ResetQueue(controller);
    controller.started = false;
    controller.closeRequested = false;
    controller.pullAgain = false;
    controller.pulling = false;
    controller.strategySizeAlgorithm = sizeAlgorithm;
    controller.strategyHWM = highWaterMark;
    controller.pullAlgorithm = pullAlgorithm;
    controller.cancelAlgorithm = cancelAlgorithm;
    stream.controller = controller;
    const startResult = startAlgorithm();
    const startPromise = promiseResolvedWith(startResult);
    uponPromise(
      startPromise,
      () => {
        controller.started = true;
        ReadableStreamDefaultControllerCallPullIfNeeded(controller);
      },
      (r) => ReadableStreamDefaultControllerError(controller, r),
    );
  }

  function SetUpReadableStreamDefaultControllerFromUnderlyingSource(stream, source, dict, highWaterMark, sizeAlgorithm) {
    const controller = newDefaultControllerRecord();
    new ReadableStreamDefaultController(internal, controller);
    let startAlgorithm = () => undefined;
    let pullAlgorithm = () => promiseResolvedWith(undefined);
    let cancelAlgorithm = () => promiseResolvedWith(undefined);
    if (dict.start !== undefined) startAlgorithm = () => ReflectApply(dict.start, source, [controller.pub]);
    if (dict.pull !== undefined) pullAlgorithm = () => invokeAsPromise(dict.pull, source, [controller.pub]);
    if (dict.cancel !== undefined) cancelAlgorithm = (reason) => invokeAsPromise(dict.cancel, source, [reason]);
    SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm);
  }

  // --- ReadableByteStreamController ---------------------------------------------------------------

  let byteControllerRecord;

  class ReadableByteStreamController {
    #c;

    constructor(key = undefined, record = undefined) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      this.#c = record;
      record.pub = this;
    }

    get byobRequest() {
      const request = ReadableByteStreamControllerGetBYOBRequest(byteControllerRecord(this));
      return request === null ? null : request.pub;
    }

    get desiredSize() {
      return ReadableByteStreamControllerGetDesiredSize(byteControllerRecord(this));
    }

    close() {
      const controller = byteControllerRecord(this);
      if (controller.closeRequested) throw new TypeError("The stream is already closing");
      if (controller.stream.state !== "readable") throw new TypeError("The stream is not readable");
      ReadableByteStreamControllerClose(controller);
    }

    enqueue(chunk) {
      const controller = byteControllerRecord(this);
      requireArgs(arguments, 1, "ReadableByteStreamController.prototype.enqueue");
      if (!ArrayBufferIsView(chunk)) throw new TypeError("enqueue: the chunk must be an ArrayBufferView");
      const buffer = viewBuffer(chunk);
      if (!isArrayBuffer(buffer)) throw new TypeError("enqueue: the chunk's buffer must be an ArrayBuffer");
      if (viewByteLength(chunk) === 0) throw new TypeError("enqueue: the chunk must not be empty");
      if (ArrayBufferPrototypeGetByteLength(buffer) === 0) throw new TypeError("enqueue: the chunk's buffer must not be empty");
      if (controller.closeRequested) throw new TypeError("The stream is closing");
      if (controller.stream.state !== "readable") throw new TypeError("The stream is not readable");
      ReadableByteStreamControllerEnqueue(controller, chunk);
    }

    error(e = undefined) {
      ReadableByteStreamControllerError(byteControllerRecord(this), e);
    }

    static {
      byteControllerRecord = (value) => {
        if (!isObject(value) || !(#c in value)) throw new TypeError("Illegal invocation: not a ReadableByteStreamController");
        return value.#c;
      };
    }
  }

  let byobRequestRecord;

  class ReadableStreamBYOBRequest {
    #q;

    constructor(key = undefined, record = undefined) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      this.#q = record;
      record.pub = this;
    }

    get view() {
      return byobRequestRecord(this).view;
    }

    respond(bytesWritten) {
      const request = byobRequestRecord(this);
      requireArgs(arguments, 1, "ReadableStreamBYOBRequest.prototype.respond");
      const written = enforceRangeULL(bytesWritten, "respond's bytesWritten");
      if (request.controller === undefined) throw new TypeError("This BYOB request has been invalidated");
      if (IsDetachedBuffer(viewBuffer(request.view))) throw new TypeError("The view's buffer has been detached");
      ReadableByteStreamControllerRespond(request.controller, written);
    }

    respondWithNewView(view) {
      const request = byobRequestRecord(this);
      requireArgs(arguments, 1, "ReadableStreamBYOBRequest.prototype.respondWithNewView");
      if (!ArrayBufferIsView(view)) throw new TypeError("respondWithNewView: expected an ArrayBufferView");
      if (!isArrayBuffer(viewBuffer(view))) throw new TypeError("respondWithNewView: the view's buffer must be an ArrayBuffer");
      if (request.controller === undefined) throw new TypeError("This BYOB request has been invalidated");
      if (IsDetachedBuffer(viewBuffer(view))) throw new TypeError("The view's buffer has been detached");
      ReadableByteStreamControllerRespondWithNewView(request.controller, view);
    }

    static {
      byobRequestRecord = (value) => {
        if (!isObject(value) || !(#q in value)) throw new TypeError("Illegal invocation: not a ReadableStreamBYOBRequest");
        return value.#q;
      };
    }
  }

  function newByteControllerRecord() {
    return {
      __proto__: null, pub: null, kind: "byte", stream: undefined, queue: newQueue(), queueTotalSize: 0, started: false,
      closeRequested: false, pullAgain: false, pulling: false, byobRequest: null, autoAllocateChunkSize: undefined,
      pendingPullIntos: newQueue(), strategyHWM: 0, pullAlgorithm: undefined, cancelAlgorithm: undefined,
    };
  }

  function ByteControllerCancelSteps(controller, reason) {
    ReadableByteStreamControllerClearPendingPullIntos(controller);
    ResetQueue(controller);
    const result = controller.cancelAlgorithm(reason);
    ReadableByteStreamControllerClearAlgorithms(controller);
    return result;
  }

  function ByteControllerPullSteps(controller, readRequest) {
    const stream = controller.stream;
    if (controller.queueTotalSize > 0) {
      ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest);
      return;
    }
    const autoAllocateChunkSize = controller.autoAllocateChunkSize;
    if (autoAllocateChunkSize !== undefined) {
      let buffer;
      try {
        buffer = new ArrayBuffer(autoAllocateChunkSize);
      } catch (error) {
        readRequest.errorSteps(error);
        return;
      }
      const pullIntoDescriptor = {
        __proto__: null, buffer, bufferByteLength: autoAllocateChunkSize, byteOffset: 0, byteLength: autoAllocateChunkSize,
        bytesFilled: 0, minimumFill: 1, elementSize: 1, viewConstructor: Uint8Array, readerType: "default",
      };
      queueAppend(controller.pendingPullIntos, pullIntoDescriptor);
    }
    ReadableStreamAddReadRequest(stream, readRequest);
    ReadableByteStreamControllerCallPullIfNeeded(controller);
  }

  function ReadableByteStreamControllerCallPullIfNeeded(controller) {
    const shouldPull = ReadableByteStreamControllerShouldCallPull(controller);
    if (!shouldPull) return;
    if (controller.pulling) {
      controller.pullAgain = true;
      return;
    }
    controller.pulling = true;
    const pullPromise = controller.pullAlgorithm();
    uponPromise(
      pullPromise,
      () => {
        controller.pulling = false;
        if (controller.pullAgain) {
          controller.pullAgain = false;
          ReadableByteStreamControllerCallPullIfNeeded(controller);
        }
      },
      (e) => ReadableByteStreamControllerError(controller, e),
    );
  }

  function ReadableByteStreamControllerClearAlgorithms(controller) {
    controller.pullAlgorithm = undefined;
    controller.cancelAlgorithm = undefined;
  }

  function ReadableByteStreamControllerClearPendingPullIntos(controller) {
    ReadableByteStreamControllerInvalidateBYOBRequest(controller);
    controller.pendingPullIntos = newQueue();
  }

  function ReadableByteStreamControllerClose(controller) {
    const stream = controller.stream;
    if (controller.closeRequested || stream.state !== "readable") return;
    if (controller.queueTotalSize > 0) {
      controller.closeRequested = true;
      return;
    }
    if (controller.pendingPullIntos.size > 0) {
      const firstPendingPullInto = queuePeek(controller.pendingPullIntos);
      if (firstPendingPullInto.bytesFilled % firstPendingPullInto.elementSize !== 0) {
        const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
        ReadableByteStreamControllerError(controller, e);
        throw e;
      }
    }
    ReadableByteStreamControllerClearAlgorithms(controller);
    ReadableStreamClose(stream);
  }

  function ReadableByteStreamControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor) {
    let done = false;
    if (stream.state === "closed") done = true;
    const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor);
    if (pullIntoDescriptor.readerType === "default") ReadableStreamFulfillReadRequest(stream, filledView, done);
    else ReadableStreamFulfillReadIntoRequest(stream, filledView, done);
  }

  function ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor) {
    const bytesFilled = pullIntoDescriptor.bytesFilled;
    const elementSize = pullIntoDescriptor.elementSize;
    const buffer = TransferArrayBuffer(pullIntoDescriptor.buffer);
    return new pullIntoDescriptor.viewConstructor(buffer, pullIntoDescriptor.byteOffset, bytesFilled / elementSize);
  }

  function ReadableByteStreamControllerEnqueue(controller, chunk) {
    const stream = controller.stream;
    if (controller.closeRequested || stream.state !== "readable") return;
    const buffer = viewBuffer(chunk);
    const byteOffset = viewByteOffset(chunk);
    const byteLength = viewByteLength(chunk);
    if (IsDetachedBuffer(buffer)) throw new TypeError("enqueue: the chunk's buffer is detached");
    const transferredBuffer = TransferArrayBuffer(buffer);
    if (controller.pendingPullIntos.size > 0) {
      const firstPendingPullInto = queuePeek(controller.pendingPullIntos);
      if (IsDetachedBuffer(firstPendingPullInto.buffer)) throw new TypeError("The BYOB request's buffer has been detached");
      ReadableByteStreamControllerInvalidateBYOBRequest(controller);
      firstPendingPullInto.buffer = TransferArrayBuffer(firstPendingPullInto.buffer);
      if (firstPendingPullInto.readerType === "none") {
        ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, firstPendingPullInto);
      }
    }
    if (ReadableStreamHasDefaultReader(stream)) {
      ReadableByteStreamControllerProcessReadRequestsUsingQueue(controller);
      if (ReadableStreamGetNumReadRequests(stream) === 0) {
        ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
      } else {
        if (controller.pendingPullIntos.size > 0) ReadableByteStreamControllerShiftPendingPullInto(controller);
        const transferredView = new Uint8Array(transferredBuffer, byteOffset, byteLength);
        ReadableStreamFulfillReadRequest(stream, transferredView, false);
      }
    } else if (ReadableStreamHasBYOBReader(stream)) {
      ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
      const filledPullIntos = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
      for (let i = 0; i < filledPullIntos.length; i++) {
        ReadableByteStreamControllerCommitPullIntoDescriptor(stream, filledPullIntos[i]);
      }
    } else {
      ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    }
    ReadableByteStreamControllerCallPullIfNeeded(controller);
  }

  function ReadableByteStreamControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength) {
    queueAppend(controller.queue, { __proto__: null, buffer, byteOffset, byteLength });
    controller.queueTotalSize += byteLength;
  }

  function ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset, byteLength) {
    let cloneResult;
    try {
      cloneResult = ArrayBufferSlice(buffer, byteOffset, byteOffset + byteLength);
    } catch (error) {
      ReadableByteStreamControllerError(controller, error);
      throw error;
    }
    ReadableByteStreamControllerEnqueueChunkToQueue(controller, cloneResult, 0, byteLength);
  }

  function ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor) {
    if (pullIntoDescriptor.bytesFilled > 0) {
      ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer, pullIntoDescriptor.byteOffset, pullIntoDescriptor.bytesFilled);
    }
    ReadableByteStreamControllerShiftPendingPullInto(controller);
  }

  function ReadableByteStreamControllerError(controller, e) {
    const stream = controller.stream;
    if (stream.state !== "readable") return;
    ReadableByteStreamControllerClearPendingPullIntos(controller);
    ResetQueue(controller);
    ReadableByteStreamControllerClearAlgorithms(controller);
    ReadableStreamError(stream, e);
  }

  function ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, size, pullIntoDescriptor) {
    pullIntoDescriptor.bytesFilled += size;
  }

  function ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor) {
    const maxBytesToCopy = MathMin(controller.queueTotalSize, pullIntoDescriptor.byteLength - pullIntoDescriptor.bytesFilled);
    const maxBytesFilled = pullIntoDescriptor.bytesFilled + maxBytesToCopy;
    let totalBytesToCopyRemaining = maxBytesToCopy;
    let ready = false;
    const remainderBytes = maxBytesFilled % pullIntoDescriptor.elementSize;
    const maxAlignedBytes = maxBytesFilled - remainderBytes;
    if (maxAlignedBytes >= pullIntoDescriptor.minimumFill) {
      totalBytesToCopyRemaining = maxAlignedBytes - pullIntoDescriptor.bytesFilled;
      ready = true;
    }
    const queue = controller.queue;
    while (totalBytesToCopyRemaining > 0) {
      const headOfQueue = queuePeek(queue);
      const bytesToCopy = MathMin(totalBytesToCopyRemaining, headOfQueue.byteLength);
      const destStart = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
      CopyDataBlockBytes(pullIntoDescriptor.buffer, destStart, headOfQueue.buffer, headOfQueue.byteOffset, bytesToCopy);
      if (headOfQueue.byteLength === bytesToCopy) {
        queueShift(queue);
      } else {
        headOfQueue.byteOffset += bytesToCopy;
        headOfQueue.byteLength -= bytesToCopy;
      }
      controller.queueTotalSize -= bytesToCopy;
      ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesToCopy, pullIntoDescriptor);
      totalBytesToCopyRemaining -= bytesToCopy;
    }
    return ready;
  }

  function ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest) {
    const entry = queueShift(controller.queue);
    controller.queueTotalSize -= entry.byteLength;
    ReadableByteStreamControllerHandleQueueDrain(controller);
    const view = new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength);
    readRequest.chunkSteps(view);
  }

  function ReadableByteStreamControllerGetBYOBRequest(controller) {
    if (controller.byobRequest === null && controller.pendingPullIntos.size > 0) {
      const firstDescriptor = queuePeek(controller.pendingPullIntos);
      const view = new Uint8Array(
        firstDescriptor.buffer,
        firstDescriptor.byteOffset + firstDescriptor.bytesFilled,
        firstDescriptor.byteLength - firstDescriptor.bytesFilled,
      );
      const byobRequest = { __proto__: null, pub: null, controller, view };
      new ReadableStreamBYOBRequest(internal, byobRequest);
      controller.byobRequest = byobRequest;
    }
    return controller.byobRequest;
  }

  function ReadableByteStreamControllerGetDesiredSize(controller) {
    const state = controller.stream.state;
    if (state === "errored") return null;
    if (state === "closed") return 0;
    return controller.strategyHWM - controller.queueTotalSize;
  }

  function ReadableByteStreamControllerHandleQueueDrain(controller) {
    if (controller.queueTotalSize === 0 && controller.closeRequested) {
      ReadableByteStreamControllerClearAlgorithms(controller);
      ReadableStreamClose(controller.stream);
    } else {
      ReadableByteStreamControllerCallPullIfNeeded(controller);
    }
  }

  function ReadableByteStreamControllerInvalidateBYOBRequest(controller) {
    if (controller.byobRequest === null) return;
    controller.byobRequest.controller = undefined;
    controller.byobRequest.view = null;
    controller.byobRequest = null;
  }

  function ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller) {
    const filledPullIntos = [];
    let n = 0;
    while (controller.pendingPullIntos.size > 0) {
      if (controller.queueTotalSize === 0) break;
      const pullIntoDescriptor = queuePeek(controller.pendingPullIntos);
      if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
        ReadableByteStreamControllerShiftPendingPullInto(controller);
        ObjectDefineProperty(filledPullIntos, n++, { __proto__: null, value: pullIntoDescriptor, writable: true, enumerable: true, configurable: true });
      }
    }
    return filledPullIntos;
  }

  function ReadableByteStreamControllerProcessReadRequestsUsingQueue(controller) {
    const reader = controller.stream.reader;
    while (reader.readRequests.size > 0) {
      if (controller.queueTotalSize === 0) return;
      const readRequest = queueShift(reader.readRequests);
      ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest);
    }
  }

  function ReadableByteStreamControllerPullInto(controller, view, min, readIntoRequest) {
    const stream = controller.stream;
    let elementSize = 1;
    let ctor = DataView;
    if (isTypedArray(view)) {
      const info = typedArrayInfo(typedArrayName(view));
      elementSize = info.size;
      ctor = info.ctor;
    }
    const minimumFill = min * elementSize;
    const byteOffset = viewByteOffset(view);
    const byteLength = viewByteLength(view);
    let buffer;
    try {
      buffer = TransferArrayBuffer(viewBuffer(view));
    } catch (e) {
      readIntoRequest.errorSteps(e);
      return;
    }
    const pullIntoDescriptor = {
      __proto__: null, buffer, bufferByteLength: ArrayBufferPrototypeGetByteLength(buffer), byteOffset, byteLength,
      bytesFilled: 0, minimumFill, elementSize, viewConstructor: ctor, readerType: "byob",
    };
    if (controller.pendingPullIntos.size > 0) {
      queueAppend(controller.pendingPullIntos, pullIntoDescriptor);
      ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
      return;
    }
    if (stream.state === "closed") {
      const emptyView = new ctor(pullIntoDescriptor.buffer, pullIntoDescriptor.byteOffset, 0);
      readIntoRequest.closeSteps(emptyView);
      return;
    }
    if (controller.queueTotalSize > 0) {
      if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
        const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor);
        ReadableByteStreamControllerHandleQueueDrain(controller);
        readIntoRequest.chunkSteps(filledView);
        return;
      }
      if (controller.closeRequested) {
        const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
        ReadableByteStreamControllerError(controller, e);
        readIntoRequest.errorSteps(e);
        return;
      }
    }
    queueAppend(controller.pendingPullIntos, pullIntoDescriptor);
    ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
    ReadableByteStreamControllerCallPullIfNeeded(controller);
  }

  function ReadableByteStreamControllerRespond(controller, bytesWritten) {
    const firstDescriptor = queuePeek(controller.pendingPullIntos);
    const state = controller.stream.state;
    if (state === "closed") {
      if (bytesWritten !== 0) throw new TypeError("bytesWritten must be 0 when calling respond() on a closed stream");
    } else {
      if (bytesWritten === 0) throw new TypeError("bytesWritten must be greater than 0 when calling respond() on a readable stream");
      if (firstDescriptor.bytesFilled + bytesWritten > firstDescriptor.byteLength) throw new RangeError("bytesWritten out of range");
    }
    firstDescriptor.buffer = TransferArrayBuffer(firstDescriptor.buffer);
    ReadableByteStreamControllerRespondInternal(controller, bytesWritten);
  }

  function ReadableByteStreamControllerRespondInClosedState(controller, firstDescriptor) {
    if (firstDescriptor.readerType === "none") ReadableByteStreamControllerShiftPendingPullInto(controller);
    const stream = controller.stream;
    if (ReadableStreamHasBYOBReader(stream)) {
      const filledPullIntos = [];
      let n = 0;
      while (n < ReadableStreamGetNumReadIntoRequests(stream)) {
        const pullIntoDescriptor = ReadableByteStreamControllerShiftPendingPullInto(controller);
        ObjectDefineProperty(filledPullIntos, n++, { __proto__: null, value: pullIntoDescriptor, writable: true, enumerable: true, configurable: true });
      }
      for (let i = 0; i < filledPullIntos.length; i++) ReadableByteStreamControllerCommitPullIntoDescriptor(stream, filledPullIntos[i]);
    }
  }

  function ReadableByteStreamControllerRespondInReadableState(controller, bytesWritten, pullIntoDescriptor) {
    ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesWritten, pullIntoDescriptor);
    if (pullIntoDescriptor.readerType === "none") {
      ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor);
      const filledPullIntos = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
      for (let i = 0; i < filledPullIntos.length; i++) ReadableByteStreamControllerCommitPullIntoDescriptor(controller.stream, filledPullIntos[i]);
      return;
    }
    if (pullIntoDescriptor.bytesFilled < pullIntoDescriptor.minimumFill) return;
    ReadableByteStreamControllerShiftPendingPullInto(controller);
    const remainderSize = pullIntoDescriptor.bytesFilled % pullIntoDescriptor.elementSize;
    if (remainderSize > 0) {
      const end = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
      ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer, end - remainderSize, remainderSize);
    }
    pullIntoDescriptor.bytesFilled -= remainderSize;
    const filledPullIntos = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
    ReadableByteStreamControllerCommitPullIntoDescriptor(controller.stream, pullIntoDescriptor);
    for (let i = 0; i < filledPullIntos.length; i++) ReadableByteStreamControllerCommitPullIntoDescriptor(controller.stream, filledPullIntos[i]);
  }

  function ReadableByteStreamControllerRespondInternal(controller, bytesWritten) {
    const firstDescriptor = queuePeek(controller.pendingPullIntos);
    const state = controller.stream.state;
    ReadableByteStreamControllerInvalidateBYOBRequest(controller);
    if (state === "closed") ReadableByteStreamControllerRespondInClosedState(controller, firstDescriptor);
    else ReadableByteStreamControllerRespondInReadableState(controller, bytesWritten, firstDescriptor);
    ReadableByteStreamControllerCallPullIfNeeded(controller);
  }

  function ReadableByteStreamControllerRespondWithNewView(controller, view) {
    const firstDescriptor = queuePeek(controller.pendingPullIntos);
    const state = controller.stream.state;
    const viewLength = viewByteLength(view);
    if (state === "closed") {
      if (viewLength !== 0) throw new TypeError("The view's length must be 0 when calling respondWithNewView() on a closed stream");
    } else if (viewLength === 0) {
      throw new TypeError("The view's length must be greater than 0 when calling respondWithNewView() on a readable stream");
    }
    if (firstDescriptor.byteOffset + firstDescriptor.bytesFilled !== viewByteOffset(view)) {
      throw new RangeError("The region specified by view does not match byobRequest");
    }
    if (firstDescriptor.bufferByteLength !== ArrayBufferPrototypeGetByteLength(viewBuffer(view))) {
      throw new RangeError("The buffer of view has different capacity than byobRequest");
    }
    if (firstDescriptor.bytesFilled + viewLength > firstDescriptor.byteLength) {
      throw new RangeError("The region specified by view is larger than byobRequest");
    }
    const viewByteLengthValue = viewLength;
    firstDescriptor.buffer = TransferArrayBuffer(viewBuffer(view));
    ReadableByteStreamControllerRespondInternal(controller, viewByteLengthValue);
  }

  function ReadableByteStreamControllerShiftPendingPullInto(controller) {
    const descriptor = queueShift(controller.pendingPullIntos);
    return descriptor;
  }

  function ReadableByteStreamControllerShouldCallPull(controller) {
    const stream = controller.stream;
    if (stream.state !== "readable") return false;
    if (controller.closeRequested) return false;
    if (!controller.started) return false;
    if (ReadableStreamHasDefaultReader(stream) && ReadableStreamGetNumReadRequests(stream) > 0) return true;
    if (ReadableStreamHasBYOBReader(stream) && ReadableStreamGetNumReadIntoRequests(stream) > 0) return true;
    const desiredSize = ReadableByteStreamControllerGetDesiredSize(controller);
    return desiredSize > 0;
  }

  function SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, autoAllocateChunkSize) {
    if (controller.pub === null) new ReadableByteStreamController(internal, controller);
    controller.stream = stream;
    controller.pullAgain = false;
    controller.pulling = false;
    controller.byobRequest = null;
    ResetQueue(controller);
    controller.closeRequested = false;
    controller.started = false;
    controller.strategyHWM = highWaterMark;
    controller.pullAlgorithm = pullAlgorithm;
    controller.cancelAlgorithm = cancelAlgorithm;
    controller.autoAllocateChunkSize = autoAllocateChunkSize;
    controller.pendingPullIntos = newQueue();
    stream.controller = controller;
    const startResult = startAlgorithm();
    uponPromise(
      promiseResolvedWith(startResult),
      () => {
        controller.started = true;
        ReadableByteStreamControllerCallPullIfNeeded(controller);
      },
      (r) => ReadableByteStreamControllerError(controller, r),
    );
  }

  function SetUpReadableByteStreamControllerFromUnderlyingSource(stream, source, dict, highWaterMark) {
    const controller = newByteControllerRecord();
    new ReadableByteStreamController(internal, controller);
    let startAlgorithm = () => undefined;
    let pullAlgorithm = () => promiseResolvedWith(undefined);
    let cancelAlgorithm = () => promiseResolvedWith(undefined);
    if (dict.start !== undefined) startAlgorithm = () => ReflectApply(dict.start, source, [controller.pub]);
    if (dict.pull !== undefined) pullAlgorithm = () => invokeAsPromise(dict.pull, source, [controller.pub]);
    if (dict.cancel !== undefined) cancelAlgorithm = (reason) => invokeAsPromise(dict.cancel, source, [reason]);
    const autoAllocateChunkSize = dict.autoAllocateChunkSize;
    if (autoAllocateChunkSize === 0) throw new TypeError("autoAllocateChunkSize must be greater than 0");
    SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, autoAllocateChunkSize);
  }

  // --- tee ----------------------------------------------------------------------------------------

  function ReadableStreamTee(stream, cloneForBranch2) {
    if (stream.controller.kind === "byte") return ReadableByteStreamTee(stream);
    return ReadableStreamDefaultTee(stream, cloneForBranch2);
  }

  function ReadableStreamDefaultTee(stream, cloneForBranch2) {
    const reader = AcquireReadableStreamDefaultReader(stream);
    let reading = false;
    let readAgain = false;
    let canceled1 = false;
    let canceled2 = false;
    let reason1, reason2, branch1, branch2;
    const cancelPromise = newPromise();
    const pullAlgorithm = () => {
      if (reading) {
        readAgain = true;
        return promiseResolvedWith(undefined);
      }
      reading = true;
      const readRequest = {
        __proto__: null,
        chunkSteps: (chunk) => {
          queueTask(() => {
            readAgain = false;
            const chunk1 = chunk;
            const chunk2 = chunk;
            void cloneForBranch2;
            if (!canceled1) ReadableStreamDefaultControllerEnqueue(branch1.controller, chunk1);
            if (!canceled2) ReadableStreamDefaultControllerEnqueue(branch2.controller, chunk2);
            reading = false;
            if (readAgain) pullAlgorithm();
          });
        },
        closeSteps: () => {
          reading = false;
          if (!canceled1) ReadableStreamDefaultControllerClose(branch1.controller);
          if (!canceled2) ReadableStreamDefaultControllerClose(branch2.controller);
          if (!canceled1 || !canceled2) resolvePromise(cancelPromise, undefined);
        },
        errorSteps: () => {
          reading = false;
        },
      };
      ReadableStreamDefaultReaderRead(reader, readRequest);
      return promiseResolvedWith(undefined);
    };
    const cancel1Algorithm = (reason) => {
      canceled1 = true;
      reason1 = reason;
      if (canceled2) {
        const cancelResult = ReadableStreamCancel(stream, [reason1, reason2]);
        resolvePromise(cancelPromise, cancelResult);
      }
      return cancelPromise.promise;
    };
    const cancel2Algorithm = (reason) => {
      canceled2 = true;
      reason2 = reason;
      if (canceled1) {
        const cancelResult = ReadableStreamCancel(stream, [reason1, reason2]);
        resolvePromise(cancelPromise, cancelResult);
      }
      return cancelPromise.promise;
    };
    const startAlgorithm = () => undefined;
    branch1 = CreateReadableStream(startAlgorithm, pullAlgorithm, cancel1Algorithm);
    branch2 = CreateReadableStream(startAlgorithm, pullAlgorithm, cancel2Algorithm);
    uponRejection(reader.closedPromise.promise, (r) => {
      ReadableStreamDefaultControllerError(branch1.controller, r);
      ReadableStreamDefaultControllerError(branch2.controller, r);
      if (!canceled1 || !canceled2) resolvePromise(cancelPromise, undefined);
    });
    return [branch1, branch2];
  }

  function ReadableByteStreamTee(stream) {
    let reader = AcquireReadableStreamDefaultReader(stream);
    let reading = false;
    let readAgainForBranch1 = false;
    let readAgainForBranch2 = false;
    let canceled1 = false;
    let canceled2 = false;
    let reason1, reason2, branch1, branch2;
    const cancelPromise = newPromise();

    function forwardReaderError(thisReader) {
      uponRejection(thisReader.closedPromise.promise, (r) => {
        if (thisReader !== reader) return;
        ReadableByteStreamControllerError(branch1.controller, r);
        ReadableByteStreamControllerError(branch2.controller, r);
        if (!canceled1 || !canceled2) resolvePromise(cancelPromise, undefined);
      });
    }

    function pullWithDefaultReader() {
      if (reader.kind === "byob") {
        ReadableStreamBYOBReaderRelease(reader);
        reader = AcquireReadableStreamDefaultReader(stream);
        forwardReaderError(reader);
      }
      const readRequest = {
        __proto__: null,
        chunkSteps: (chunk) => {
          queueTask(() => {
            readAgainForBranch1 = false;
            readAgainForBranch2 = false;
            const chunk1 = chunk;
            let chunk2 = chunk;
            if (!canceled1 && !canceled2) {
              try {
                chunk2 = CloneAsUint8Array(chunk);
              } catch (cloneResult) {
                ReadableByteStreamControllerError(branch1.controller, cloneResult);
                ReadableByteStreamControllerError(branch2.controller, cloneResult);
                resolvePromise(cancelPromise, ReadableStreamCancel(stream, cloneResult));
                return;
              }
            }
            if (!canceled1) ReadableByteStreamControllerEnqueue(branch1.controller, chunk1);
            if (!canceled2) ReadableByteStreamControllerEnqueue(branch2.controller, chunk2);
            reading = false;
            if (readAgainForBranch1) pull1Algorithm();
            else if (readAgainForBranch2) pull2Algorithm();
          });
        },
        closeSteps: () => {
          reading = false;
          if (!canceled1) ReadableByteStreamControllerClose(branch1.controller);
          if (!canceled2) ReadableByteStreamControllerClose(branch2.controller);
          if (branch1.controller.pendingPullIntos.size > 0) ReadableByteStreamControllerRespond(branch1.controller, 0);
          if (branch2.controller.pendingPullIntos.size > 0) ReadableByteStreamControllerRespond(branch2.controller, 0);
          if (!canceled1 || !canceled2) resolvePromise(cancelPromise, undefined);
        },
        errorSteps: () => {
          reading = false;
        },
      };
      ReadableStreamDefaultReaderRead(reader, readRequest);
    }

    function pullWithBYOBReader(view, forBranch2) {
      if (reader.kind === "default") {
        ReadableStreamDefaultReaderRelease(reader);
        reader = AcquireReadableStreamBYOBReader(stream);
        forwardReaderError(reader);
      }
      const byobBranch = forBranch2 ? branch2 : branch1;
      const otherBranch = forBranch2 ? branch1 : branch2;
      const readIntoRequest = {
        __proto__: null,
        chunkSteps: (chunk) => {
          queueTask(() => {
            readAgainForBranch1 = false;
            readAgainForBranch2 = false;
            const byobCanceled = forBranch2 ? canceled2 : canceled1;
            const otherCanceled = forBranch2 ? canceled1 : canceled2;
            if (!otherCanceled) {
              let clonedChunk;
              try {
                clonedChunk = CloneAsUint8Array(chunk);
              } catch (cloneResult) {
                ReadableByteStreamControllerError(byobBranch.controller, cloneResult);
                ReadableByteStreamControllerError(otherBranch.controller, cloneResult);
                resolvePromise(cancelPromise, ReadableStreamCancel(stream, cloneResult));
                return;
              }
              if (!byobCanceled) ReadableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
              ReadableByteStreamControllerEnqueue(otherBranch.controller, clonedChunk);
            } else if (!byobCanceled) {
              ReadableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
            }
            reading = false;
            if (readAgainForBranch1) pull1Algorithm();
            else if (readAgainForBranch2) pull2Algorithm();
          });
        },
        closeSteps: (chunk) => {
          reading = false;
          const byobCanceled = forBranch2 ? canceled2 : canceled1;
          const otherCanceled = forBranch2 ? canceled1 : canceled2;
          if (!byobCanceled) ReadableByteStreamControllerClose(byobBranch.controller);
          if (!otherCanceled) ReadableByteStreamControllerClose(otherBranch.controller);
          if (chunk !== undefined) {
            if (!byobCanceled) ReadableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
            if (!otherCanceled && otherBranch.controller.pendingPullIntos.size > 0) ReadableByteStreamControllerRespond(otherBranch.controller, 0);
          }
          if (!byobCanceled || !otherCanceled) resolvePromise(cancelPromise, undefined);
        },
        errorSteps: () => {
          reading = false;
        },
      };
      ReadableStreamBYOBReaderRead(reader, view, 1, readIntoRequest);
    }

    function pull1Algorithm() {
      if (reading) {
        readAgainForBranch1 = true;
        return promiseResolvedWith(undefined);
      }
      reading = true;
      const byobRequest = ReadableByteStreamControllerGetBYOBRequest(branch1.controller);
      if (byobRequest === null) pullWithDefaultReader();
      else pullWithBYOBReader(byobRequest.view, false);
      return promiseResolvedWith(undefined);
    }

    function pull2Algorithm() {
      if (reading) {
        readAgainForBranch2 = true;
        return promiseResolvedWith(undefined);
      }
      reading = true;
      const byobRequest = ReadableByteStreamControllerGetBYOBRequest(branch2.controller);
      if (byobRequest === null) pullWithDefaultReader();
      else pullWithBYOBReader(byobRequest.view, true);
      return promiseResolvedWith(undefined);
    }

    const cancel1Algorithm = (reason) => {
      canceled1 = true;
      reason1 = reason;
      if (canceled2) resolvePromise(cancelPromise, ReadableStreamCancel(stream, [reason1, reason2]));
      return cancelPromise.promise;
    };
    const cancel2Algorithm = (reason) => {
      canceled2 = true;
      reason2 = reason;
      if (canceled1) resolvePromise(cancelPromise, ReadableStreamCancel(stream, [reason1, reason2]));
      return cancelPromise.promise;
    };
    const startAlgorithm = () => undefined;
    branch1 = CreateReadableByteStream(startAlgorithm, pull1Algorithm, cancel1Algorithm);
    branch2 = CreateReadableByteStream(startAlgorithm, pull2Algorithm, cancel2Algorithm);
    forwardReaderError(reader);
    return [branch1, branch2];
  }

  // "Queue a microtask": the tee's chunk steps run after the read settles, as the spec asks.
  function queueTask(fn) {
    uponFulfillment(resolvedUndefined, fn);
  }

  const resolvedUndefined = promiseResolvedWith(undefined);

  // --- ReadableStream.from ----------------------------------------------------------------------

  function GetIteratorFromMethod(obj, method) {
    const iterator = ReflectApply(method, obj, []);
    if (!isObject(iterator)) throw new TypeError("The iterator method must return an object");
    const nextMethod = iterator.next;
    return { __proto__: null, iterator, nextMethod, done: false };
  }

  function GetAsyncIterator(obj) {
    const method = obj === null || obj === undefined ? undefined : obj[SymbolAsyncIterator];
    if (method === undefined || method === null) {
      const syncMethod = obj === null || obj === undefined ? undefined : obj[SymbolIterator];
      if (syncMethod === undefined || syncMethod === null) throw new TypeError("ReadableStream.from: the argument is not iterable");
      if (typeof syncMethod !== "function") throw new TypeError("ReadableStream.from: the @@iterator method is not a function");
      const syncIteratorRecord = GetIteratorFromMethod(obj, syncMethod);
      return CreateAsyncFromSyncIterator(syncIteratorRecord);
    }
    if (typeof method !== "function") throw new TypeError("ReadableStream.from: the @@asyncIterator method is not a function");
    return GetIteratorFromMethod(obj, method);
  }

  // %AsyncFromSyncIteratorPrototype%'s next and return, as a record the pull and cancel
  // algorithms below call directly.
  function CreateAsyncFromSyncIterator(syncIteratorRecord) {
    const continuation = (result, closeOnRejection) => {
      const done = !!result.done;
      const value = result.value;
      let valueWrapper;
      try {
        valueWrapper = promiseResolvedWith(value);
      } catch (error) {
        if (!done && closeOnRejection) closeSyncIterator(syncIteratorRecord);
        return promiseRejectedWith(error);
      }
      return transformPromise(
        valueWrapper,
        (v) => ({ value: v, done }),
        (error) => {
          if (!done && closeOnRejection) closeSyncIterator(syncIteratorRecord);
          throw error;
        },
      );
    };
    const asyncIterator = {
      __proto__: null,
      next: () => {
        let result;
        try {
          result = ReflectApply(syncIteratorRecord.nextMethod, syncIteratorRecord.iterator, []);
          if (!isObject(result)) throw new TypeError("The iterator result is not an object");
        } catch (error) {
          return promiseRejectedWith(error);
        }
        return continuation(result, true);
      },
      return: (reason) => {
        let result;
        try {
          const returnMethod = syncIteratorRecord.iterator.return;
          if (returnMethod === undefined || returnMethod === null) return promiseResolvedWith({ value: reason, done: true });
          result = ReflectApply(returnMethod, syncIteratorRecord.iterator, [reason]);
          if (!isObject(result)) throw new TypeError("The iterator's return() result is not an object");
        } catch (error) {
          return promiseRejectedWith(error);
        }
        return continuation(result, false);
      },
    };
    return { __proto__: null, iterator: null, nextMethod: undefined, done: false, sync: asyncIterator };
  }

  function closeSyncIterator(record) {
    try {
      const returnMethod = record.iterator.return;
      if (returnMethod !== undefined && returnMethod !== null) ReflectApply(returnMethod, record.iterator, []);
    } catch {
      // IteratorClose with a throw completion keeps the original error.
    }
  }

  function ReadableStreamFromIterable(asyncIterable) {
    let stream;
    const iteratorRecord = GetAsyncIterator(asyncIterable);
    const startAlgorithm = () => undefined;
    const pullAlgorithm = () => {
      let nextResult;
      try {
        if (iteratorRecord.sync !== undefined) nextResult = iteratorRecord.sync.next();
        else nextResult = ReflectApply(iteratorRecord.nextMethod, iteratorRecord.iterator, []);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      let nextPromise;
      try {
        nextPromise = promiseResolvedWith(nextResult);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      return transformPromise(nextPromise, (iterResult) => {
        if (!isObject(iterResult)) throw new TypeError("The promise returned by the iterator's next() must fulfill with an object");
        const done = !!iterResult.done;
        if (done) {
          ReadableStreamDefaultControllerClose(stream.controller);
        } else {
          const value = iterResult.value;
          ReadableStreamDefaultControllerEnqueue(stream.controller, value);
        }
        return undefined;
      });
    };
    const cancelAlgorithm = (reason) => {
      let returnResult;
      try {
        if (iteratorRecord.sync !== undefined) {
          returnResult = iteratorRecord.sync.return(reason);
        } else {
          const iterator = iteratorRecord.iterator;
          const returnMethod = iterator.return;
          if (returnMethod === undefined || returnMethod === null) return promiseResolvedWith(undefined);
          if (typeof returnMethod !== "function") throw new TypeError("The iterator's return is not a function");
          returnResult = ReflectApply(returnMethod, iterator, [reason]);
        }
      } catch (error) {
        return promiseRejectedWith(error);
      }
      let returnPromise;
      try {
        returnPromise = promiseResolvedWith(returnResult);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      return transformPromise(returnPromise, (iterResult) => {
        if (!isObject(iterResult)) throw new TypeError("The promise returned by the iterator's return() must fulfill with an object");
        return undefined;
      });
    };
    stream = CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, 0);
    return stream;
  }

  // --- async iteration ----------------------------------------------------------------------------

  let iteratorRecordOf;

  // The prototype of the async iterators values() returns: next and return, over
  // %AsyncIteratorPrototype%, as WebIDL's async iterable declarations make them.
  class ReadableStreamAsyncIterator {
    #i;

    constructor(record) {
      this.#i = record;
    }

    next() {
      let it;
      try {
        it = iteratorRecordOf(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      const nextSteps = () => {
        if (it.isFinished) return promiseResolvedWith({ value: undefined, done: true });
        const nextPromise = asyncIteratorGetNext(it);
        return transformPromise(
          nextPromise,
          (result) => {
            it.ongoingPromise = null;
            if (result.done) it.isFinished = true;
            return result;
          },
          (reason) => {
            it.ongoingPromise = null;
            it.isFinished = true;
            throw reason;
          },
        );
      };
      it.ongoingPromise = it.ongoingPromise === null ? nextSteps() : transformPromise(it.ongoingPromise, nextSteps, nextSteps);
      return it.ongoingPromise;
    }

    return(value = undefined) {
      let it;
      try {
        it = iteratorRecordOf(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      const returnSteps = () => {
        if (it.isFinished) return promiseResolvedWith({ value, done: true });
        it.isFinished = true;
        return asyncIteratorReturn(it, value);
      };
      it.ongoingPromise = it.ongoingPromise === null ? returnSteps() : transformPromise(it.ongoingPromise, returnSteps, returnSteps);
      return transformPromise(it.ongoingPromise, () => ({ value, done: true }));
    }

    static {
      iteratorRecordOf = (value) => {
        if (!isObject(value) || !(#i in value)) throw new TypeError("Illegal invocation: not a ReadableStream async iterator");
        return value.#i;
      };
    }
  }

  ObjectSetPrototypeOf(ReadableStreamAsyncIterator.prototype, AsyncIteratorPrototype);
  delete ReadableStreamAsyncIterator.prototype.constructor;
  ObjectDefineProperty(ReadableStreamAsyncIterator.prototype, SymbolToStringTag, {
    __proto__: null, value: "ReadableStream AsyncIterator", configurable: true,
  });

  function newAsyncIterator(stream, preventCancel) {
    const reader = AcquireReadableStreamDefaultReader(stream);
    return new ReadableStreamAsyncIterator({ __proto__: null, reader, preventCancel, ongoingPromise: null, isFinished: false });
  }

  function asyncIteratorGetNext(it) {
    const reader = it.reader;
    const promise = newPromise();
    const readRequest = {
      __proto__: null,
      chunkSteps: (chunk) => resolvePromise(promise, { value: chunk, done: false }),
      closeSteps: () => {
        ReadableStreamDefaultReaderRelease(reader);
        resolvePromise(promise, { value: undefined, done: true });
      },
      errorSteps: (e) => {
        ReadableStreamDefaultReaderRelease(reader);
        rejectPromise(promise, e);
      },
    };
    if (reader.stream === undefined) return promiseRejectedWith(new TypeError("The iterator's reader was released"));
    ReadableStreamDefaultReaderRead(reader, readRequest);
    return promise.promise;
  }

  function asyncIteratorReturn(it, arg) {
    const reader = it.reader;
    if (reader.stream === undefined) return promiseResolvedWith(undefined);
    if (!it.preventCancel) {
      const result = ReadableStreamReaderGenericCancel(reader, arg);
      ReadableStreamDefaultReaderRelease(reader);
      return result;
    }
    ReadableStreamDefaultReaderRelease(reader);
    return promiseResolvedWith(undefined);
  }

  // --- pipeTo -------------------------------------------------------------------------------------

  function ReadableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
    const reader = AcquireReadableStreamDefaultReader(source);
    const writer = AcquireWritableStreamDefaultWriter(dest);
    source.disturbed = true;
    let shuttingDown = false;
    let currentWrite = promiseResolvedWith(undefined);
    const promise = newPromise();
    let abortAlgorithm;

    const waitForWritesToFinish = () => {
      const oldCurrentWrite = currentWrite;
      return transformPromise(currentWrite, () => (oldCurrentWrite !== currentWrite ? waitForWritesToFinish() : undefined));
    };
    const finalize = (isError, error) => {
      WritableStreamDefaultWriterRelease(writer);
      ReadableStreamDefaultReaderRelease(reader);
      if (signal !== undefined) events.removeAbortAlgorithm(signal, abortAlgorithm);
      if (isError) rejectPromise(promise, error);
      else resolvePromise(promise, undefined);
    };
    const shutdownWithAnAction = (action, originalIsError, originalError) => {
      if (shuttingDown) return;
      shuttingDown = true;
      const doTheRest = () => {
        let p;
        try {
          p = action();
        } catch (error) {
          p = promiseRejectedWith(error);
        }
        uponPromise(p, () => finalize(originalIsError, originalError), (newError) => finalize(true, newError));
      };
      if (dest.state === "writable" && !WritableStreamCloseQueuedOrInFlight(dest)) uponFulfillment(waitForWritesToFinish(), doTheRest);
      else doTheRest();
    };
    const shutdown = (isError, error) => {
      if (shuttingDown) return;
      shuttingDown = true;
      if (dest.state === "writable" && !WritableStreamCloseQueuedOrInFlight(dest)) {
        uponFulfillment(waitForWritesToFinish(), () => finalize(isError, error));
      } else {
        finalize(isError, error);
      }
    };

    if (signal !== undefined) {
      abortAlgorithm = () => {
        const error = events.signalState(signal).reason;
        const actions = [];
        let n = 0;
        const add = (fn) => ObjectDefineProperty(actions, n++, { __proto__: null, value: fn, writable: true, enumerable: true, configurable: true });
        if (!preventAbort) add(() => (dest.state === "writable" ? WritableStreamAbort(dest, error) : promiseResolvedWith(undefined)));
        if (!preventCancel) add(() => (source.state === "readable" ? ReadableStreamCancel(source, error) : promiseResolvedWith(undefined)));
        shutdownWithAnAction(() => waitForAll(actions), true, error);
      };
      if (events.signalState(signal).aborted) {
        abortAlgorithm();
        return promise.promise;
      }
      events.addAbortAlgorithm(signal, abortAlgorithm);
    }

    const pipeStep = (done) => {
      if (done || shuttingDown) return;
      // Without backpressure the writer is ready now: read at once rather than a turn later.
      if (writer.readyPromise.state === "fulfilled") readNext();
      else uponPromise(writer.readyPromise.promise, readNext, noop);
    };
    const readNext = () => {
      if (shuttingDown) return;
      const readRequest = {
        __proto__: null,
        // The write runs a microtask later: written at once, a chunk would run down a
        // chain of pipes (each stage's transform fulfilling the next stage's read) in one
        // stack. currentWrite covers the chunk from the moment it was read.
        chunkSteps: (chunk) => {
          const written = newPromise();
          currentWrite = written.promise;
          queueTask(() => {
            if (writer.stream === undefined) {
              resolvePromise(written, undefined);
              return;
            }
            const settled = () => resolvePromise(written, undefined);
            uponPromise(WritableStreamDefaultWriterWrite(writer, chunk), settled, settled);
            pipeStep(false);
          });
        },
        closeSteps: noop,
        errorSteps: noop,
      };
      ReadableStreamDefaultReaderRead(reader, readRequest);
    };

    // Errors must be propagated forward, backward, then closing forward, then closing backward.
    if (source.state === "errored") {
      if (!preventAbort) shutdownWithAnAction(() => WritableStreamAbort(dest, source.storedError), true, source.storedError);
      else shutdown(true, source.storedError);
    } else {
      uponRejection(reader.closedPromise.promise, (storedError) => {
        if (!preventAbort) shutdownWithAnAction(() => WritableStreamAbort(dest, storedError), true, storedError);
        else shutdown(true, storedError);
      });
    }
    if (dest.state === "errored") {
      if (!preventCancel) shutdownWithAnAction(() => ReadableStreamCancel(source, dest.storedError), true, dest.storedError);
      else shutdown(true, dest.storedError);
    } else {
      uponRejection(writer.closedPromise.promise, (storedError) => {
        if (!preventCancel) shutdownWithAnAction(() => ReadableStreamCancel(source, storedError), true, storedError);
        else shutdown(true, storedError);
      });
    }
    if (source.state === "closed") {
      if (!preventClose) shutdownWithAnAction(() => WritableStreamDefaultWriterCloseWithErrorPropagation(writer));
      else shutdown();
    } else {
      uponFulfillment(reader.closedPromise.promise, () => {
        if (!preventClose) shutdownWithAnAction(() => WritableStreamDefaultWriterCloseWithErrorPropagation(writer));
        else shutdown();
      });
    }
    if (WritableStreamCloseQueuedOrInFlight(dest) || dest.state === "closed") {
      const destClosed = new TypeError("The destination writable stream closed before all data could be piped to it");
      if (!preventCancel) shutdownWithAnAction(() => ReadableStreamCancel(source, destClosed), true, destClosed);
      else shutdown(true, destClosed);
    }
    // The first read waits a microtask, as the reference implementation's first wait on `ready`.
    queueTask(() => pipeStep(false));
    return promise.promise;
  }

  // Promise.all over the actions' promises, without Promise.all (which reads `then` off each).
  function waitForAll(actions) {
    const out = newPromise();
    let remaining = actions.length;
    if (remaining === 0) {
      resolvePromise(out, undefined);
      return out.promise;
    }
    for (let i = 0; i < actions.length; i++) {
      let p;
      try {
        p = actions[i]();
      } catch (error) {
        p = promiseRejectedWith(error);
      }
      uponPromise(
        p,
        () => {
          if (--remaining === 0) resolvePromise(out, undefined);
        },
        (e) => rejectPromise(out, e),
      );
    }
    return out.promise;
  }

  // ===============================================================================================
  // WritableStream
  // ===============================================================================================

  let writableRecord;
  let isWritableStream;

  class WritableStream {
    #s;

    constructor(underlyingSink = undefined, strategy = undefined) {
      if (underlyingSink === internal) {
        this.#s = strategy;
        strategy.pub = this;
        return;
      }
      if (underlyingSink === undefined) underlyingSink = null;
      const sink = dictionary(underlyingSink, "The underlying sink");
      const strategyDict = convertQueuingStrategy(strategy);
      const sinkDict = convertUnderlyingSink(sink);
      if (sinkDict.type !== undefined) throw new RangeError("Invalid type is specified");
      const stream = newWritableRecord();
      this.#s = stream;
      stream.pub = this;
      const sizeAlgorithm = ExtractSizeAlgorithm(strategyDict);
      const highWaterMark = ExtractHighWaterMark(strategyDict, 1);
      SetUpWritableStreamDefaultControllerFromUnderlyingSink(stream, sink, sinkDict, highWaterMark, sizeAlgorithm);
    }

    get locked() {
      return IsWritableStreamLocked(writableRecord(this));
    }

    abort(reason = undefined) {
      let stream;
      try {
        stream = writableRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (IsWritableStreamLocked(stream)) return promiseRejectedWith(new TypeError("Cannot abort a locked WritableStream"));
      return WritableStreamAbort(stream, reason);
    }

    close() {
      let stream;
      try {
        stream = writableRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (IsWritableStreamLocked(stream)) return promiseRejectedWith(new TypeError("Cannot close a locked WritableStream"));
      if (WritableStreamCloseQueuedOrInFlight(stream)) return promiseRejectedWith(new TypeError("The stream is already closing"));
      return WritableStreamClose(stream);
    }

    getWriter() {
      return AcquireWritableStreamDefaultWriter(writableRecord(this)).pub;
    }

    static {
      writableRecord = (value) => {
        if (!isObject(value) || !(#s in value)) throw new TypeError("Illegal invocation: not a WritableStream");
        return value.#s;
      };
      isWritableStream = (value) => isObject(value) && #s in value;
    }
  }

  function writableRecordOrNull(value) {
    return isWritableStream(value) ? writableRecord(value) : null;
  }

  function convertUnderlyingSink(sink) {
    const out = { __proto__: null, abort: undefined, close: undefined, start: undefined, type: undefined, write: undefined };
    if (sink === null) return out;
    out.abort = callbackMember(sink, "abort", "The underlying sink");
    out.close = callbackMember(sink, "close", "The underlying sink");
    out.start = callbackMember(sink, "start", "The underlying sink");
    out.type = sink.type;
    out.write = callbackMember(sink, "write", "The underlying sink");
    return out;
  }

  function newWritableRecord() {
    return {
      __proto__: null, pub: null, state: "writable", storedError: undefined, writer: undefined, controller: undefined,
      inFlightWriteRequest: undefined, closeRequest: undefined, inFlightCloseRequest: undefined,
      pendingAbortRequest: undefined, writeRequests: newQueue(), backpressure: false,
    };
  }

  function CreateWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm) {
    const stream = newWritableRecord();
    new WritableStream(internal, stream);
    const controller = newWritableControllerRecord();
    SetUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
    return stream;
  }

  function IsWritableStreamLocked(stream) {
    return stream.writer !== undefined;
  }

  function WritableStreamAbort(stream, reason) {
    if (stream.state === "closed" || stream.state === "errored") return promiseResolvedWith(undefined);
    events.signalAbort(stream.controller.signal, reason);
    const state = stream.state;
    if (state === "closed" || state === "errored") return promiseResolvedWith(undefined);
    if (stream.pendingAbortRequest !== undefined) return stream.pendingAbortRequest.promise.promise;
    let wasAlreadyErroring = false;
    if (state === "erroring") {
      wasAlreadyErroring = true;
      reason = undefined;
    }
    const promise = newPromise();
    stream.pendingAbortRequest = { __proto__: null, promise, reason, wasAlreadyErroring };
    if (!wasAlreadyErroring) WritableStreamStartErroring(stream, reason);
    return promise.promise;
  }

  function WritableStreamClose(stream) {
    const state = stream.state;
    if (state === "closed" || state === "errored") {
      return promiseRejectedWith(new TypeError("The stream is not in the writable state and cannot be closed"));
    }
    const promise = newPromise();
    stream.closeRequest = promise;
    const writer = stream.writer;
    if (writer !== undefined && stream.backpressure && state === "writable") resolvePromise(writer.readyPromise, undefined);
    WritableStreamDefaultControllerClose(stream.controller);
    return promise.promise;
  }

  function WritableStreamAddWriteRequest(stream) {
    const promise = newPromise();
    queueAppend(stream.writeRequests, promise);
    return promise.promise;
  }

  function WritableStreamDealWithRejection(stream, error) {
    const state = stream.state;
    if (state === "writable") {
      WritableStreamStartErroring(stream, error);
      return;
    }
    WritableStreamFinishErroring(stream);
  }

  function WritableStreamFinishErroring(stream) {
    stream.state = "errored";
    ControllerErrorSteps(stream.controller);
    const storedError = stream.storedError;
    queueDrain(stream.writeRequests, (writeRequest) => rejectPromise(writeRequest, storedError));
    if (stream.pendingAbortRequest === undefined) {
      WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
      return;
    }
    const abortRequest = stream.pendingAbortRequest;
    stream.pendingAbortRequest = undefined;
    if (abortRequest.wasAlreadyErroring) {
      rejectPromise(abortRequest.promise, storedError);
      WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
      return;
    }
    const promise = ControllerAbortSteps(stream.controller, abortRequest.reason);
    uponPromise(
      promise,
      () => {
        resolvePromise(abortRequest.promise, undefined);
        WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
      },
      (reason) => {
        rejectPromise(abortRequest.promise, reason);
        WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
      },
    );
  }

  function WritableStreamFinishInFlightClose(stream) {
    resolvePromise(stream.inFlightCloseRequest, undefined);
    stream.inFlightCloseRequest = undefined;
    const state = stream.state;
    if (state === "erroring") {
      stream.storedError = undefined;
      if (stream.pendingAbortRequest !== undefined) {
        resolvePromise(stream.pendingAbortRequest.promise, undefined);
        stream.pendingAbortRequest = undefined;
      }
    }
    stream.state = "closed";
    const writer = stream.writer;
    if (writer !== undefined) resolvePromise(writer.closedPromise, undefined);
  }

  function WritableStreamFinishInFlightCloseWithError(stream, error) {
    rejectPromise(stream.inFlightCloseRequest, error);
    stream.inFlightCloseRequest = undefined;
    if (stream.pendingAbortRequest !== undefined) {
      rejectPromise(stream.pendingAbortRequest.promise, error);
      stream.pendingAbortRequest = undefined;
    }
    WritableStreamDealWithRejection(stream, error);
  }

  function WritableStreamFinishInFlightWrite(stream) {
    resolvePromise(stream.inFlightWriteRequest, undefined);
    stream.inFlightWriteRequest = undefined;
  }

  function WritableStreamFinishInFlightWriteWithError(stream, error) {
    rejectPromise(stream.inFlightWriteRequest, error);
    stream.inFlightWriteRequest = undefined;
    WritableStreamDealWithRejection(stream, error);
  }

  function WritableStreamCloseQueuedOrInFlight(stream) {
    return stream.closeRequest !== undefined || stream.inFlightCloseRequest !== undefined;
  }

  function WritableStreamHasOperationMarkedInFlight(stream) {
    return stream.inFlightWriteRequest !== undefined || stream.inFlightCloseRequest !== undefined;
  }

  function WritableStreamMarkCloseRequestInFlight(stream) {
    stream.inFlightCloseRequest = stream.closeRequest;
    stream.closeRequest = undefined;
  }

  function WritableStreamMarkFirstWriteRequestInFlight(stream) {
    stream.inFlightWriteRequest = queueShift(stream.writeRequests);
  }

  function WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream) {
    if (stream.closeRequest !== undefined) {
      rejectPromise(stream.closeRequest, stream.storedError);
      stream.closeRequest = undefined;
    }
    const writer = stream.writer;
    if (writer !== undefined) {
      rejectPromise(writer.closedPromise, stream.storedError);
      setPromiseIsHandledToTrue(writer.closedPromise.promise);
    }
  }

  function WritableStreamStartErroring(stream, reason) {
    const controller = stream.controller;
    stream.state = "erroring";
    stream.storedError = reason;
    const writer = stream.writer;
    if (writer !== undefined) WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, reason);
    if (!WritableStreamHasOperationMarkedInFlight(stream) && controller.started) WritableStreamFinishErroring(stream);
  }

  function WritableStreamUpdateBackpressure(stream, backpressure) {
    const writer = stream.writer;
    if (writer !== undefined && backpressure !== stream.backpressure) {
      if (backpressure) writer.readyPromise = newPromise();
      else resolvePromise(writer.readyPromise, undefined);
    }
    stream.backpressure = backpressure;
  }

  // --- WritableStreamDefaultWriter ----------------------------------------------------------------

  let writerRecord;

  class WritableStreamDefaultWriter {
    #w;

    constructor(stream) {
      if (stream === internal) {
        this.#w = arguments[1];
        arguments[1].pub = this;
        return;
      }
      requireArgs(arguments, 1, "WritableStreamDefaultWriter");
      const inner = writableRecord(stream);
      const writer = newWriterRecord();
      this.#w = writer;
      writer.pub = this;
      SetUpWritableStreamDefaultWriter(writer, inner);
    }

    get closed() {
      try {
        return writerRecord(this).closedPromise.promise;
      } catch (error) {
        return promiseRejectedWith(error);
      }
    }

    get desiredSize() {
      const writer = writerRecord(this);
      if (writer.stream === undefined) throw new TypeError("The writer has been released");
      return WritableStreamDefaultWriterGetDesiredSize(writer);
    }

    get ready() {
      try {
        return writerRecord(this).readyPromise.promise;
      } catch (error) {
        return promiseRejectedWith(error);
      }
    }

    abort(reason = undefined) {
      let writer;
      try {
        writer = writerRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (writer.stream === undefined) return promiseRejectedWith(new TypeError("The writer has been released"));
      return WritableStreamAbort(writer.stream, reason);
    }

    close() {
      let writer;
      try {
        writer = writerRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      const stream = writer.stream;
      if (stream === undefined) return promiseRejectedWith(new TypeError("The writer has been released"));
      if (WritableStreamCloseQueuedOrInFlight(stream)) return promiseRejectedWith(new TypeError("The stream is already closing"));
      return WritableStreamClose(stream);
    }

    releaseLock() {
      const writer = writerRecord(this);
      if (writer.stream === undefined) return;
      WritableStreamDefaultWriterRelease(writer);
    }

    write(chunk = undefined) {
      let writer;
      try {
        writer = writerRecord(this);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      if (writer.stream === undefined) return promiseRejectedWith(new TypeError("The writer has been released"));
      return WritableStreamDefaultWriterWrite(writer, chunk);
    }

    static {
      writerRecord = (value) => {
        if (!isObject(value) || !(#w in value)) throw new TypeError("Illegal invocation: not a WritableStreamDefaultWriter");
        return value.#w;
      };
    }
  }

  function newWriterRecord() {
    return { __proto__: null, pub: null, stream: undefined, readyPromise: undefined, closedPromise: undefined };
  }

  function AcquireWritableStreamDefaultWriter(stream) {
    const writer = newWriterRecord();
    new WritableStreamDefaultWriter(internal, writer);
    SetUpWritableStreamDefaultWriter(writer, stream);
    return writer;
  }

  function SetUpWritableStreamDefaultWriter(writer, stream) {
    if (IsWritableStreamLocked(stream)) throw new TypeError("The WritableStream is locked to a writer");
    writer.stream = stream;
    stream.writer = writer;
    const state = stream.state;
    if (state === "writable") {
      if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.backpressure) writer.readyPromise = newPromise();
      else writer.readyPromise = resolvedPromiseRecord(undefined);
      writer.closedPromise = newPromise();
    } else if (state === "erroring") {
      writer.readyPromise = rejectedPromiseRecord(stream.storedError);
      setPromiseIsHandledToTrue(writer.readyPromise.promise);
      writer.closedPromise = newPromise();
    } else if (state === "closed") {
      writer.readyPromise = resolvedPromiseRecord(undefined);
      writer.closedPromise = resolvedPromiseRecord(undefined);
    } else {
      const storedError = stream.storedError;
      writer.readyPromise = rejectedPromiseRecord(storedError);
      setPromiseIsHandledToTrue(writer.readyPromise.promise);
      writer.closedPromise = rejectedPromiseRecord(storedError);
      setPromiseIsHandledToTrue(writer.closedPromise.promise);
    }
  }

  function WritableStreamDefaultWriterCloseWithErrorPropagation(writer) {
    const stream = writer.stream;
    const state = stream.state;
    if (WritableStreamCloseQueuedOrInFlight(stream) || state === "closed") return promiseResolvedWith(undefined);
    if (state === "errored") return promiseRejectedWith(stream.storedError);
    return WritableStreamClose(stream);
  }

  function WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, error) {
    if (writer.closedPromise.state === "pending") rejectPromise(writer.closedPromise, error);
    else writer.closedPromise = rejectedPromiseRecord(error);
    setPromiseIsHandledToTrue(writer.closedPromise.promise);
  }

  function WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, error) {
    if (writer.readyPromise.state === "pending") rejectPromise(writer.readyPromise, error);
    else writer.readyPromise = rejectedPromiseRecord(error);
    setPromiseIsHandledToTrue(writer.readyPromise.promise);
  }

  function WritableStreamDefaultWriterGetDesiredSize(writer) {
    const stream = writer.stream;
    const state = stream.state;
    if (state === "errored" || state === "erroring") return null;
    if (state === "closed") return 0;
    return WritableStreamDefaultControllerGetDesiredSize(stream.controller);
  }

  function WritableStreamDefaultWriterRelease(writer) {
    const stream = writer.stream;
    const releasedError = new TypeError("The writer was released");
    WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, releasedError);
    WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, releasedError);
    stream.writer = undefined;
    writer.stream = undefined;
  }

  function WritableStreamDefaultWriterWrite(writer, chunk) {
    const stream = writer.stream;
    const controller = stream.controller;
    const chunkSize = WritableStreamDefaultControllerGetChunkSize(controller, chunk);
    if (stream !== writer.stream) return promiseRejectedWith(new TypeError("The writer was released"));
    const state = stream.state;
    if (state === "errored") return promiseRejectedWith(stream.storedError);
    if (WritableStreamCloseQueuedOrInFlight(stream) || state === "closed") {
      return promiseRejectedWith(new TypeError("The stream is closing or closed and cannot be written to"));
    }
    if (state === "erroring") return promiseRejectedWith(stream.storedError);
    const promise = WritableStreamAddWriteRequest(stream);
    WritableStreamDefaultControllerWrite(controller, chunk, chunkSize);
    return promise;
  }

  // --- WritableStreamDefaultController ------------------------------------------------------------

  let writableControllerRecord;
  const closeSentinel = { __proto__: null };

  class WritableStreamDefaultController {
    #c;

    constructor(key = undefined, record = undefined) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      this.#c = record;
      record.pub = this;
    }

    get signal() {
      return writableControllerRecord(this).signal;
    }

    error(e = undefined) {
      const controller = writableControllerRecord(this);
      const state = controller.stream.state;
      if (state !== "writable") return;
      WritableStreamDefaultControllerError(controller, e);
    }

    static {
      writableControllerRecord = (value) => {
        if (!isObject(value) || !(#c in value)) throw new TypeError("Illegal invocation: not a WritableStreamDefaultController");
        return value.#c;
      };
    }
  }

  function newWritableControllerRecord() {
    return {
      __proto__: null, pub: null, stream: undefined, queue: newQueue(), queueTotalSize: 0, signal: undefined, started: false,
      strategySizeAlgorithm: undefined, strategyHWM: 0, writeAlgorithm: undefined, closeAlgorithm: undefined,
      abortAlgorithm: undefined,
    };
  }

  function ControllerAbortSteps(controller, reason) {
    const result = controller.abortAlgorithm(reason);
    WritableStreamDefaultControllerClearAlgorithms(controller);
    return result;
  }

  function ControllerErrorSteps(controller) {
    ResetQueue(controller);
  }

  function SetUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm) {
    if (controller.pub === null) new WritableStreamDefaultController(internal, controller);
    controller.stream = stream;
    stream.controller = controller;
    ResetQueue(controller);
    controller.signal = events.newSignal();
    controller.started = false;
    controller.strategySizeAlgorithm = sizeAlgorithm;
    controller.strategyHWM = highWaterMark;
    controller.writeAlgorithm = writeAlgorithm;
    controller.closeAlgorithm = closeAlgorithm;
    controller.abortAlgorithm = abortAlgorithm;
    const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
    WritableStreamUpdateBackpressure(stream, backpressure);
    const startResult = startAlgorithm();
    const startPromise = promiseResolvedWith(startResult);
    uponPromise(
      startPromise,
      () => {
        controller.started = true;
        WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
      },
      (r) => {
        controller.started = true;
        WritableStreamDealWithRejection(stream, r);
      },
    );
  }

  function SetUpWritableStreamDefaultControllerFromUnderlyingSink(stream, sink, dict, highWaterMark, sizeAlgorithm) {
    const controller = newWritableControllerRecord();
    new WritableStreamDefaultController(internal, controller);
    let startAlgorithm = () => undefined;
    let writeAlgorithm = () => promiseResolvedWith(undefined);
    let closeAlgorithm = () => promiseResolvedWith(undefined);
    let abortAlgorithm = () => promiseResolvedWith(undefined);
    if (dict.start !== undefined) startAlgorithm = () => ReflectApply(dict.start, sink, [controller.pub]);
    if (dict.write !== undefined) writeAlgorithm = (chunk) => invokeAsPromise(dict.write, sink, [chunk, controller.pub]);
    if (dict.close !== undefined) closeAlgorithm = () => invokeAsPromise(dict.close, sink, []);
    if (dict.abort !== undefined) abortAlgorithm = (reason) => invokeAsPromise(dict.abort, sink, [reason]);
    SetUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
  }

  function WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller) {
    const stream = controller.stream;
    if (!controller.started) return;
    if (stream.inFlightWriteRequest !== undefined) return;
    const state = stream.state;
    if (state === "erroring") {
      WritableStreamFinishErroring(stream);
      return;
    }
    if (controller.queue.size === 0) return;
    const value = PeekQueueValue(controller);
    if (value === closeSentinel) WritableStreamDefaultControllerProcessClose(controller);
    else WritableStreamDefaultControllerProcessWrite(controller, value);
  }

  function WritableStreamDefaultControllerClearAlgorithms(controller) {
    controller.writeAlgorithm = undefined;
    controller.closeAlgorithm = undefined;
    controller.abortAlgorithm = undefined;
    controller.strategySizeAlgorithm = undefined;
  }

  function WritableStreamDefaultControllerClose(controller) {
    EnqueueValueWithSize(controller, closeSentinel, 0);
    WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
  }

  function WritableStreamDefaultControllerError(controller, error) {
    const stream = controller.stream;
    WritableStreamDefaultControllerClearAlgorithms(controller);
    WritableStreamStartErroring(stream, error);
  }

  function WritableStreamDefaultControllerErrorIfNeeded(controller, error) {
    if (controller.stream.state === "writable") WritableStreamDefaultControllerError(controller, error);
  }

  function WritableStreamDefaultControllerGetBackpressure(controller) {
    return WritableStreamDefaultControllerGetDesiredSize(controller) <= 0;
  }

  function WritableStreamDefaultControllerGetChunkSize(controller, chunk) {
    if (controller.strategySizeAlgorithm === undefined) return 1;
    try {
      return controller.strategySizeAlgorithm(chunk);
    } catch (error) {
      WritableStreamDefaultControllerErrorIfNeeded(controller, error);
      return 1;
    }
  }

  function WritableStreamDefaultControllerGetDesiredSize(controller) {
    return controller.strategyHWM - controller.queueTotalSize;
  }

  function WritableStreamDefaultControllerProcessClose(controller) {
    const stream = controller.stream;
    WritableStreamMarkCloseRequestInFlight(stream);
    DequeueValue(controller);
    const sinkClosePromise = controller.closeAlgorithm();
    WritableStreamDefaultControllerClearAlgorithms(controller);
    uponPromise(
      sinkClosePromise,
      () => WritableStreamFinishInFlightClose(stream),
      (reason) => WritableStreamFinishInFlightCloseWithError(stream, reason),
    );
  }

  function WritableStreamDefaultControllerProcessWrite(controller, chunk) {
    const stream = controller.stream;
    WritableStreamMarkFirstWriteRequestInFlight(stream);
    const sinkWritePromise = controller.writeAlgorithm(chunk);
    uponPromise(
      sinkWritePromise,
      () => {
        WritableStreamFinishInFlightWrite(stream);
        const state = stream.state;
        DequeueValue(controller);
        if (!WritableStreamCloseQueuedOrInFlight(stream) && state === "writable") {
          const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
          WritableStreamUpdateBackpressure(stream, backpressure);
        }
        WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
      },
      (reason) => {
        if (stream.state === "writable") WritableStreamDefaultControllerClearAlgorithms(controller);
        WritableStreamFinishInFlightWriteWithError(stream, reason);
      },
    );
  }

  function WritableStreamDefaultControllerWrite(controller, chunk, chunkSize) {
    try {
      EnqueueValueWithSize(controller, chunk, chunkSize);
    } catch (enqueueError) {
      WritableStreamDefaultControllerErrorIfNeeded(controller, enqueueError);
      return;
    }
    const stream = controller.stream;
    if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.state === "writable") {
      const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
      WritableStreamUpdateBackpressure(stream, backpressure);
    }
    WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
  }

  // ===============================================================================================
  // TransformStream
  // ===============================================================================================

  let transformRecord;

  class TransformStream {
    #t;

    constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
      if (transformer === internal) {
        this.#t = writableStrategy;
        writableStrategy.pub = this;
        return;
      }
      const writableStrategyDict = convertQueuingStrategy(writableStrategy);
      const readableStrategyDict = convertQueuingStrategy(readableStrategy);
      if (transformer === undefined) transformer = null;
      const source = dictionary(transformer, "The transformer");
      const transformerDict = convertTransformer(source);
      if (transformerDict.readableType !== undefined) throw new RangeError("Invalid readableType specified");
      if (transformerDict.writableType !== undefined) throw new RangeError("Invalid writableType specified");
      const readableHighWaterMark = ExtractHighWaterMark(readableStrategyDict, 0);
      const readableSizeAlgorithm = ExtractSizeAlgorithm(readableStrategyDict);
      const writableHighWaterMark = ExtractHighWaterMark(writableStrategyDict, 1);
      const writableSizeAlgorithm = ExtractSizeAlgorithm(writableStrategyDict);
      const stream = newTransformRecord();
      this.#t = stream;
      stream.pub = this;
      const startPromise = newPromise();
      InitializeTransformStream(stream, startPromise.promise, writableHighWaterMark, writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm);
      SetUpTransformStreamDefaultControllerFromTransformer(stream, source, transformerDict);
      if (transformerDict.start !== undefined) {
        resolvePromise(startPromise, ReflectApply(transformerDict.start, source, [stream.controller.pub]));
      } else {
        resolvePromise(startPromise, undefined);
      }
    }

    get readable() {
      return transformRecord(this).readable.pub;
    }

    get writable() {
      return transformRecord(this).writable.pub;
    }

    static {
      transformRecord = (value) => {
        if (!isObject(value) || !(#t in value)) throw new TypeError("Illegal invocation: not a TransformStream");
        return value.#t;
      };
    }
  }

  function convertTransformer(source) {
    const out = {
      __proto__: null, cancel: undefined, flush: undefined, readableType: undefined, start: undefined, transform: undefined,
      writableType: undefined,
    };
    if (source === null) return out;
    out.cancel = callbackMember(source, "cancel", "The transformer");
    out.flush = callbackMember(source, "flush", "The transformer");
    out.readableType = source.readableType;
    out.start = callbackMember(source, "start", "The transformer");
    out.transform = callbackMember(source, "transform", "The transformer");
    out.writableType = source.writableType;
    return out;
  }

  function newTransformRecord() {
    return {
      __proto__: null, pub: null, readable: undefined, writable: undefined, backpressure: undefined,
      backpressureChangePromise: undefined, controller: undefined,
    };
  }

  function InitializeTransformStream(stream, startPromise, writableHighWaterMark, writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm) {
    const startAlgorithm = () => startPromise;
    const writeAlgorithm = (chunk) => TransformStreamDefaultSinkWriteAlgorithm(stream, chunk);
    const abortAlgorithm = (reason) => TransformStreamDefaultSinkAbortAlgorithm(stream, reason);
    const closeAlgorithm = () => TransformStreamDefaultSinkCloseAlgorithm(stream);
    stream.writable = CreateWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, writableHighWaterMark, writableSizeAlgorithm);
    const pullAlgorithm = () => TransformStreamDefaultSourcePullAlgorithm(stream);
    const cancelAlgorithm = (reason) => TransformStreamDefaultSourceCancelAlgorithm(stream, reason);
    stream.readable = CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, readableHighWaterMark, readableSizeAlgorithm);
    stream.backpressure = undefined;
    stream.backpressureChangePromise = undefined;
    TransformStreamSetBackpressure(stream, true);
    stream.controller = undefined;
  }

  function TransformStreamError(stream, e) {
    ReadableStreamDefaultControllerError(stream.readable.controller, e);
    TransformStreamErrorWritableAndUnblockWrite(stream, e);
  }

  function TransformStreamErrorWritableAndUnblockWrite(stream, e) {
    TransformStreamDefaultControllerClearAlgorithms(stream.controller);
    WritableStreamDefaultControllerErrorIfNeeded(stream.writable.controller, e);
    TransformStreamUnblockWrite(stream);
  }

  function TransformStreamSetBackpressure(stream, backpressure) {
    if (stream.backpressureChangePromise !== undefined) resolvePromise(stream.backpressureChangePromise, undefined);
    stream.backpressureChangePromise = newPromise();
    stream.backpressure = backpressure;
  }

  function TransformStreamUnblockWrite(stream) {
    if (stream.backpressure) TransformStreamSetBackpressure(stream, false);
  }

  let transformControllerRecord;

  class TransformStreamDefaultController {
    #c;

    constructor(key = undefined, record = undefined) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      this.#c = record;
      record.pub = this;
    }

    get desiredSize() {
      const controller = transformControllerRecord(this);
      const readableController = controller.stream.readable.controller;
      return ReadableStreamDefaultControllerGetDesiredSize(readableController);
    }

    enqueue(chunk = undefined) {
      TransformStreamDefaultControllerEnqueue(transformControllerRecord(this), chunk);
    }

    error(reason = undefined) {
      TransformStreamDefaultControllerError(transformControllerRecord(this), reason);
    }

    terminate() {
      TransformStreamDefaultControllerTerminate(transformControllerRecord(this));
    }

    static {
      transformControllerRecord = (value) => {
        if (!isObject(value) || !(#c in value)) throw new TypeError("Illegal invocation: not a TransformStreamDefaultController");
        return value.#c;
      };
    }
  }

  function newTransformControllerRecord() {
    return {
      __proto__: null, pub: null, stream: undefined, transformAlgorithm: undefined, flushAlgorithm: undefined,
      cancelAlgorithm: undefined, finishPromise: undefined,
    };
  }

  function SetUpTransformStreamDefaultController(stream, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
    if (controller.pub === null) new TransformStreamDefaultController(internal, controller);
    controller.stream = stream;
    stream.controller = controller;
    controller.transformAlgorithm = transformAlgorithm;
    controller.flushAlgorithm = flushAlgorithm;
    controller.cancelAlgorithm = cancelAlgorithm;
  }

  function SetUpTransformStreamDefaultControllerFromTransformer(stream, transformer, dict) {
    const controller = newTransformControllerRecord();
    new TransformStreamDefaultController(internal, controller);
    let transformAlgorithm = (chunk) => {
      try {
        TransformStreamDefaultControllerEnqueue(controller, chunk);
      } catch (error) {
        return promiseRejectedWith(error);
      }
      return promiseResolvedWith(undefined);
    };
    let flushAlgorithm = () => promiseResolvedWith(undefined);
    let cancelAlgorithm = () => promiseResolvedWith(undefined);
    if (dict.transform !== undefined) transformAlgorithm = (chunk) => invokeAsPromise(dict.transform, transformer, [chunk, controller.pub]);
    if (dict.flush !== undefined) flushAlgorithm = () => invokeAsPromise(dict.flush, transformer, [controller.pub]);
    if (dict.cancel !== undefined) cancelAlgorithm = (reason) => invokeAsPromise(dict.cancel, transformer, [reason]);
    SetUpTransformStreamDefaultController(stream, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm);
  }

  function TransformStreamDefaultControllerClearAlgorithms(controller) {
    controller.transformAlgorithm = undefined;
    controller.flushAlgorithm = undefined;
    controller.cancelAlgorithm = undefined;
  }

  function TransformStreamDefaultControllerEnqueue(controller, chunk) {
    const stream = controller.stream;
    const readableController = stream.readable.controller;
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(readableController)) {
      throw new TypeError("The readable side cannot be enqueued to");
    }
    try {
      ReadableStreamDefaultControllerEnqueue(readableController, chunk);
    } catch (e) {
      TransformStreamErrorWritableAndUnblockWrite(stream, e);
      throw stream.readable.storedError;
    }
    const backpressure = ReadableStreamDefaultControllerHasBackpressure(readableController);
    if (backpressure !== stream.backpressure) TransformStreamSetBackpressure(stream, true);
  }

  function TransformStreamDefaultControllerError(controller, e) {
    TransformStreamError(controller.stream, e);
  }

  function TransformStreamDefaultControllerPerformTransform(controller, chunk) {
    const transformPromise_ = controller.transformAlgorithm(chunk);
    return transformPromise(transformPromise_, undefined, (r) => {
      TransformStreamError(controller.stream, r);
      throw r;
    });
  }

  function TransformStreamDefaultControllerTerminate(controller) {
    const stream = controller.stream;
    const readableController = stream.readable.controller;
    ReadableStreamDefaultControllerClose(readableController);
    const error = new TypeError("The transform stream has been terminated");
    TransformStreamErrorWritableAndUnblockWrite(stream, error);
  }

  function TransformStreamDefaultSinkWriteAlgorithm(stream, chunk) {
    const controller = stream.controller;
    if (stream.backpressure) {
      const backpressureChangePromise = stream.backpressureChangePromise.promise;
      return transformPromise(backpressureChangePromise, () => {
        const writable = stream.writable;
        const state = writable.state;
        if (state === "erroring") throw writable.storedError;
        return TransformStreamDefaultControllerPerformTransform(controller, chunk);
      });
    }
    return TransformStreamDefaultControllerPerformTransform(controller, chunk);
  }

  function TransformStreamDefaultSinkAbortAlgorithm(stream, reason) {
    const controller = stream.controller;
    if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
    const readable = stream.readable;
    controller.finishPromise = newPromise();
    const cancelPromise = controller.cancelAlgorithm(reason);
    TransformStreamDefaultControllerClearAlgorithms(controller);
    uponPromise(
      cancelPromise,
      () => {
        if (readable.state === "errored") {
          rejectPromise(controller.finishPromise, readable.storedError);
        } else {
          ReadableStreamDefaultControllerError(readable.controller, reason);
          resolvePromise(controller.finishPromise, undefined);
        }
      },
      (r) => {
        ReadableStreamDefaultControllerError(readable.controller, r);
        rejectPromise(controller.finishPromise, r);
      },
    );
    return controller.finishPromise.promise;
  }

  function TransformStreamDefaultSinkCloseAlgorithm(stream) {
    const controller = stream.controller;
    if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
    const readable = stream.readable;
    controller.finishPromise = newPromise();
    const flushPromise = controller.flushAlgorithm();
    TransformStreamDefaultControllerClearAlgorithms(controller);
    uponPromise(
      flushPromise,
      () => {
        if (readable.state === "errored") {
          rejectPromise(controller.finishPromise, readable.storedError);
        } else {
          ReadableStreamDefaultControllerClose(readable.controller);
          resolvePromise(controller.finishPromise, undefined);
        }
      },
      (r) => {
        ReadableStreamDefaultControllerError(readable.controller, r);
        rejectPromise(controller.finishPromise, r);
      },
    );
    return controller.finishPromise.promise;
  }

  function TransformStreamDefaultSourceCancelAlgorithm(stream, reason) {
    const controller = stream.controller;
    if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
    const writable = stream.writable;
    controller.finishPromise = newPromise();
    const cancelPromise = controller.cancelAlgorithm(reason);
    TransformStreamDefaultControllerClearAlgorithms(controller);
    uponPromise(
      cancelPromise,
      () => {
        if (writable.state === "errored") {
          rejectPromise(controller.finishPromise, writable.storedError);
        } else {
          WritableStreamDefaultControllerErrorIfNeeded(writable.controller, reason);
          TransformStreamUnblockWrite(stream);
          resolvePromise(controller.finishPromise, undefined);
        }
      },
      (r) => {
        WritableStreamDefaultControllerErrorIfNeeded(writable.controller, r);
        TransformStreamUnblockWrite(stream);
        rejectPromise(controller.finishPromise, r);
      },
    );
    return controller.finishPromise.promise;
  }

  function TransformStreamDefaultSourcePullAlgorithm(stream) {
    TransformStreamSetBackpressure(stream, false);
    return stream.backpressureChangePromise.promise;
  }

  // A TransformStream whose algorithms are runtime code (TextEncoderStream, TextDecoderStream).
  function CreateTransformStream(transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
    const stream = newTransformRecord();
    new TransformStream(internal, stream);
    const startPromise = newPromise();
    InitializeTransformStream(stream, startPromise.promise, 1, () => 1, 0, () => 1);
    const controller = newTransformControllerRecord();
    SetUpTransformStreamDefaultController(stream, controller, (chunk) => transformAlgorithm(controller, chunk), () => flushAlgorithm(controller), cancelAlgorithm);
    resolvePromise(startPromise, undefined);
    return stream;
  }

  // ===============================================================================================
  // Queuing strategies
  // ===============================================================================================

  function strategyInit(init, what) {
    requireArgs(init === undefined ? [] : [init], 1, what);
    const dict = dictionary(init, `${what}'s init`);
    const hwm = dict === null ? undefined : dict.highWaterMark;
    if (hwm === undefined) throw new TypeError(`${what}: highWaterMark is required`);
    return Number(hwm);
  }

  // The size functions are shared by every instance, as the spec's "function" slots are per
  // realm; `length` 0 via a default parameter and a name of "size".
  const byteLengthSizeFunction = {
    __proto__: null,
    size(chunk) {
      return chunk.byteLength;
    },
  }.size;
  const countSizeFunction = {
    __proto__: null,
    size() {
      return 1;
    },
  }.size;

  let byteStrategyHWM;

  class ByteLengthQueuingStrategy {
    #hwm;

    constructor(init) {
      this.#hwm = strategyInit(init, "ByteLengthQueuingStrategy");
    }

    get highWaterMark() {
      return byteStrategyHWM(this);
    }

    get size() {
      byteStrategyHWM(this);
      return byteLengthSizeFunction;
    }

    static {
      byteStrategyHWM = (value) => {
        if (!isObject(value) || !(#hwm in value)) throw new TypeError("Illegal invocation: not a ByteLengthQueuingStrategy");
        return value.#hwm;
      };
    }
  }

  let countStrategyHWM;

  class CountQueuingStrategy {
    #hwm;

    constructor(init) {
      this.#hwm = strategyInit(init, "CountQueuingStrategy");
    }

    get highWaterMark() {
      return countStrategyHWM(this);
    }

    get size() {
      countStrategyHWM(this);
      return countSizeFunction;
    }

    static {
      countStrategyHWM = (value) => {
        if (!isObject(value) || !(#hwm in value)) throw new TypeError("Illegal invocation: not a CountQueuingStrategy");
        return value.#hwm;
      };
    }
  }

  // ===============================================================================================
  // TextEncoderStream, TextDecoderStream (Encoding Standard)
  // ===============================================================================================

  const replacementBytes = () => {
    const out = new Uint8Array(3);
    out[0] = 0xef;
    out[1] = 0xbf;
    out[2] = 0xbd;
    return out;
  };

  let encoderStreamRecord;

  class TextEncoderStream {
    #e;

    constructor() {
      const state = { __proto__: null, pendingHighSurrogate: null, transform: undefined };
      const transformAlgorithm = (controller, chunk) => {
        try {
          let input = `${chunk}`;
          if (state.pendingHighSurrogate !== null) {
            input = state.pendingHighSurrogate + input;
            state.pendingHighSurrogate = null;
          }
          const last = input.length === 0 ? 0 : StringPrototypeCharCodeAt(input, input.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) {
            state.pendingHighSurrogate = StringPrototypeSlice(input, input.length - 1);
            input = StringPrototypeSlice(input, 0, input.length - 1);
          }
          if (input.length > 0) TransformStreamDefaultControllerEnqueue(controller, ops.utf8Encode(input));
          return promiseResolvedWith(undefined);
        } catch (error) {
          return promiseRejectedWith(error);
        }
      };
      const flushAlgorithm = (controller) => {
        try {
          if (state.pendingHighSurrogate !== null) TransformStreamDefaultControllerEnqueue(controller, replacementBytes());
          return promiseResolvedWith(undefined);
        } catch (error) {
          return promiseRejectedWith(error);
        }
      };
      state.transform = CreateTransformStream(transformAlgorithm, flushAlgorithm, () => promiseResolvedWith(undefined));
      this.#e = state;
    }

    get encoding() {
      encoderStreamRecord(this);
      return "utf-8";
    }

    get readable() {
      return encoderStreamRecord(this).transform.readable.pub;
    }

    get writable() {
      return encoderStreamRecord(this).transform.writable.pub;
    }

    static {
      encoderStreamRecord = (value) => {
        if (!isObject(value) || !(#e in value)) throw new TypeError("Illegal invocation: not a TextEncoderStream");
        return value.#e;
      };
    }
  }

  let decoderStreamRecord;

  class TextDecoderStream {
    #d;

    constructor(label = "utf-8", options = undefined) {
      // Converted once here (label, then fatal and ignoreBOM), so the tenant's getters run once.
      const name = `${label}`;
      const dict = dictionary(options, "TextDecoderStream's options");
      const fatal = dict === null ? false : !!dict.fatal;
      const ignoreBOM = dict === null ? false : !!dict.ignoreBOM;
      const decoder = new TextDecoder(name, { __proto__: null, fatal, ignoreBOM });
      const streamOption = { __proto__: null, stream: true };
      const state = { __proto__: null, decoder, encoding: ops.encodingName(name), fatal, ignoreBOM, transform: undefined };
      const transformAlgorithm = (controller, chunk) => {
        try {
          const output = ReflectApply(textDecode, decoder, [toBytes(chunk, "TextDecoderStream"), streamOption]);
          if (output !== "") TransformStreamDefaultControllerEnqueue(controller, output);
          return promiseResolvedWith(undefined);
        } catch (error) {
          return promiseRejectedWith(error);
        }
      };
      const flushAlgorithm = (controller) => {
        try {
          const output = ReflectApply(textDecode, decoder, []);
          if (output !== "") TransformStreamDefaultControllerEnqueue(controller, output);
          return promiseResolvedWith(undefined);
        } catch (error) {
          return promiseRejectedWith(error);
        }
      };
      state.transform = CreateTransformStream(transformAlgorithm, flushAlgorithm, () => promiseResolvedWith(undefined));
      this.#d = state;
    }

    get encoding() {
      return decoderStreamRecord(this).encoding;
    }

    get fatal() {
      return decoderStreamRecord(this).fatal;
    }

    get ignoreBOM() {
      return decoderStreamRecord(this).ignoreBOM;
    }

    get readable() {
      return decoderStreamRecord(this).transform.readable.pub;
    }

    get writable() {
      return decoderStreamRecord(this).transform.writable.pub;
    }

    static {
      decoderStreamRecord = (value) => {
        if (!isObject(value) || !(#d in value)) throw new TypeError("Illegal invocation: not a TextDecoderStream");
        return value.#d;
      };
    }
  }

  // ===============================================================================================
  // hooks.streams
  // ===============================================================================================

  function readableFromChunks(chunks) {
    let index = 0;
    const stream = CreateReadableStream(
      () => undefined,
      () => {
        if (index < chunks.length) ReadableStreamDefaultControllerEnqueue(stream.controller, chunks[index++]);
        else ReadableStreamDefaultControllerClose(stream.controller);
        return promiseResolvedWith(undefined);
      },
      () => promiseResolvedWith(undefined),
      0,
    );
    return stream.pub;
  }

  function readableFromPull(pull, cancel, options) {
    const bytes = options !== undefined && options.bytes === true;
    const hwm = options !== undefined && options.highWaterMark !== undefined ? options.highWaterMark : bytes ? 0 : 1;
    let stream;
    const handle = {
      __proto__: null,
      enqueue: (chunk) => (bytes ? ReadableByteStreamControllerEnqueue(stream.controller, chunk) : ReadableStreamDefaultControllerEnqueue(stream.controller, chunk)),
      close: () => (bytes ? ReadableByteStreamControllerClose(stream.controller) : ReadableStreamDefaultControllerClose(stream.controller)),
      error: (e) => (bytes ? ReadableByteStreamControllerError(stream.controller, e) : ReadableStreamDefaultControllerError(stream.controller, e)),
      desiredSize: () => (bytes ? ReadableByteStreamControllerGetDesiredSize(stream.controller) : ReadableStreamDefaultControllerGetDesiredSize(stream.controller)),
    };
    const pullAlgorithm = () => {
      try {
        const result = pull(handle);
        return result === undefined ? promiseResolvedWith(undefined) : result;
      } catch (error) {
        return promiseRejectedWith(error);
      }
    };
    const cancelAlgorithm = (reason) => {
      try {
        const result = cancel === undefined ? undefined : cancel(reason);
        return result === undefined ? promiseResolvedWith(undefined) : result;
      } catch (error) {
        return promiseRejectedWith(error);
      }
    };
    if (bytes) {
      stream = newReadableRecord();
      new ReadableStream(internal, stream);
      const controller = newByteControllerRecord();
      SetUpReadableByteStreamController(stream, controller, () => undefined, pullAlgorithm, cancelAlgorithm, hwm, undefined);
    } else {
      stream = CreateReadableStream(() => undefined, pullAlgorithm, cancelAlgorithm, hwm);
    }
    return stream.pub;
  }

  function readAll(pubStream) {
    let stream;
    let reader;
    try {
      stream = readableRecord(pubStream);
      reader = AcquireReadableStreamDefaultReader(stream);
    } catch (error) {
      return promiseRejectedWith(error);
    }
    const out = newPromise();
    const chunks = newQueue();
    let total = 0;
    const finish = () => {
      let bytes;
      try {
        bytes = new Uint8Array(total);
      } catch (error) {
        rejectPromise(out, error);
        return;
      }
      let at = 0;
      queueDrain(chunks, (chunk) => {
        TypedArrayPrototypeSet(bytes, chunk, at);
        at += TypedArrayPrototypeGetLength(chunk);
      });
      ReadableStreamDefaultReaderRelease(reader);
      resolvePromise(out, bytes);
    };
    const readRequest = {
      __proto__: null,
      chunkSteps: (chunk) => {
        if (typeName(chunk) !== "Uint8Array") {
          const error = new TypeError("The stream's chunks must be Uint8Arrays");
          ReadableStreamCancel(stream, error);
          ReadableStreamDefaultReaderRelease(reader);
          rejectPromise(out, error);
          return;
        }
        queueAppend(chunks, CloneAsUint8Array(chunk));
        total += TypedArrayPrototypeGetLength(chunk);
        queueTask(() => ReadableStreamDefaultReaderRead(reader, readRequest));
      },
      closeSteps: finish,
      errorSteps: (e) => {
        ReadableStreamDefaultReaderRelease(reader);
        rejectPromise(out, e);
      },
    };
    ReadableStreamDefaultReaderRead(reader, readRequest);
    return out.promise;
  }

  // A reader for the host, which reads a body chunk by chunk (hooks.streams.readBytes).
  function hostReader(pubStream) {
    return AcquireReadableStreamDefaultReader(readableRecord(pubStream));
  }

  // The reader's next chunk: a promise of a Uint8Array, or of null at the end. A chunk of any
  // other type cancels the stream and rejects; an errored stream rejects with its error. The
  // reader is released once the body ends or fails.
  function readBytes(reader) {
    const out = newPromise();
    ReadableStreamDefaultReaderRead(reader, {
      __proto__: null,
      chunkSteps: (chunk) => {
        if (typeName(chunk) !== "Uint8Array") {
          const error = new TypeError("The stream's chunks must be Uint8Arrays");
          ReadableStreamCancel(reader.stream, error);
          ReadableStreamDefaultReaderRelease(reader);
          rejectPromise(out, error);
          return;
        }
        resolvePromise(out, chunk);
      },
      closeSteps: () => {
        ReadableStreamDefaultReaderRelease(reader);
        resolvePromise(out, null);
      },
      errorSteps: (e) => {
        ReadableStreamDefaultReaderRelease(reader);
        rejectPromise(out, e);
      },
    });
    return out.promise;
  }

  // Cancels what the host was reading (it stopped early); the source's cancel runs.
  function cancelReader(reader, reason) {
    if (reader.stream === undefined) return;
    ReadableStreamReaderGenericCancel(reader, reason);
    ReadableStreamDefaultReaderRelease(reader);
  }

  function typeName(value) {
    return isTypedArray(value) ? typedArrayName(value) : undefined;
  }

  // A transform stream whose algorithms are runtime code, as { readable, writable }: transform(chunk,
  // handle) and flush(handle) return undefined or a promise from SafePromiseWithResolvers, and may
  // throw (the stream errors with it); cancel(reason) runs on the readable side's cancel or the
  // writable side's abort. handle.enqueue(chunk) passes a chunk on; handle.ready() is undefined
  // while the readable side wants more, else a promise settling when it next does.
  function transformFromAlgorithms(transform, flush, cancel) {
    let stream;
    const handle = {
      __proto__: null,
      enqueue: (chunk) => TransformStreamDefaultControllerEnqueue(stream.controller, chunk),
      ready: () => (stream.backpressure ? stream.backpressureChangePromise.promise : undefined),
    };
    const promiseOf = (call) => {
      try {
        const result = call();
        return result === undefined ? promiseResolvedWith(undefined) : known(result);
      } catch (error) {
        return promiseRejectedWith(error);
      }
    };
    stream = CreateTransformStream(
      (controller, chunk) => promiseOf(() => transform(chunk, handle)),
      () => promiseOf(() => flush(handle)),
      (reason) => promiseOf(() => cancel(reason)),
    );
    return { __proto__: null, readable: stream.readable.pub, writable: stream.writable.pub };
  }

  hooks.streams = {
    __proto__: null,
    isReadableStream,
    isWritableStream,
    isDisturbed: (stream) => readableRecord(stream).disturbed,
    isLocked: (stream) => IsReadableStreamLocked(readableRecord(stream)),
    readableFromChunks,
    readableFromPull,
    readAll,
    hostReader,
    readBytes,
    cancelReader,
    tee: (pubStream) => {
      const branches = ReadableStreamTee(readableRecord(pubStream), true);
      return [branches[0].pub, branches[1].pub];
    },
    transformFromAlgorithms,
  };

  exposeClass(ReadableStream);
  exposeClass(ReadableStreamDefaultReader);
  exposeClass(ReadableStreamBYOBReader);
  exposeClass(ReadableStreamDefaultController);
  exposeClass(ReadableByteStreamController);
  exposeClass(ReadableStreamBYOBRequest);
  exposeClass(WritableStream);
  exposeClass(WritableStreamDefaultWriter);
  exposeClass(WritableStreamDefaultController);
  exposeClass(TransformStream);
  exposeClass(TransformStreamDefaultController);
  exposeClass(ByteLengthQueuingStrategy);
  exposeClass(CountQueuingStrategy);
  exposeClass(TextEncoderStream);
  exposeClass(TextDecoderStream);
});
