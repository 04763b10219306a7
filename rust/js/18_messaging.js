// MessageChannel, MessagePort and MessageEvent (HTML's channel messaging), within one worker:
// a message is copied with structuredClone when posted and delivered to the other port after the
// current job, in order, once that port is started (`start()`, or setting `onmessage`).
// Transferring objects (ports included) is not supported, as with structuredClone here.
(function (ops, hooks) {
  "use strict";
  const { exposeClass } = hooks.webidl;
  const { dispatchTrusted, defineEventHandler } = hooks.events;
  // Captured now, before user code can replace the globals.
  const Event = hooks.global("Event");
  const EventTarget = hooks.global("EventTarget");
  const DOMException = hooks.global("DOMException");
  const structuredClone = hooks.global("structuredClone");
  const {
    ObjectDefineProperty, ObjectFreeze, PromiseResolve, ReflectApply, SafeArrayFrom, SafeArrayPush,
    SafeGetOwnPropertyDescriptor, SafePromiseThen, Symbol, SymbolIterator, TypeError,
  } = hooks.primordials;

  const internal = Symbol("internal");

  function dictionary(value, what) {
    if (value === undefined || value === null) return { __proto__: null };
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what} must be an object`);
    return value;
  }

  class MessageEvent extends Event {
    #data;
    #origin;
    #lastEventId;
    #source;
    #ports;

    constructor(type, eventInitDict = undefined) {
      if (arguments.length === 0) throw new TypeError("MessageEvent: 1 argument required, but only 0 present");
      const init = dictionary(eventInitDict, "MessageEvent's init");
      super(type, init);
      this.#data = init.data === undefined ? null : init.data;
      this.#origin = init.origin === undefined ? "" : `${init.origin}`;
      this.#lastEventId = init.lastEventId === undefined ? "" : `${init.lastEventId}`;
      this.#source = init.source === undefined ? null : init.source;
      this.#ports = ObjectFreeze(init.ports === undefined ? [] : SafeArrayFrom(init.ports));
    }

    get data() {
      return this.#data;
    }

    get origin() {
      return this.#origin;
    }

    get lastEventId() {
      return this.#lastEventId;
    }

    get source() {
      return this.#source;
    }

    get ports() {
      return this.#ports;
    }
  }

  let entangle;
  let startPort;

  class MessagePort extends EventTarget {
    // The other end, or null once either end is closed.
    #peer = null;
    #started = false;
    #closed = false;
    // Messages that arrived before start(), in order.
    #queue = [];

    constructor(key) {
      if (key !== internal) throw new TypeError("Illegal constructor");
      super();
    }

    static {
      entangle = (a, b) => {
        a.#peer = b;
        b.#peer = a;
      };
      startPort = (port) => {
        if (port.#started) return;
        port.#started = true;
        const queue = port.#queue;
        port.#queue = [];
        for (let i = 0; i < queue.length; i++) port.#deliver(queue[i]);
      };
    }

    // postMessage(message, transfer) or postMessage(message, { transfer }).
    postMessage(message, options = undefined) {
      if (arguments.length === 0) throw new TypeError("MessagePort.postMessage: 1 argument required, but only 0 present");
      let transfer;
      if (options !== undefined && options !== null) {
        transfer = typeof options[SymbolIterator] === "function" ? options : dictionary(options, "postMessage's options").transfer;
      }
      if (transfer !== undefined && SafeArrayFrom(transfer).length > 0) {
        throw new DOMException("MessagePort.postMessage: transferring objects is not supported", "DataCloneError");
      }
      // Cloned even when nobody will receive it, as HTML does: an uncloneable message throws.
      const copy = structuredClone(message);
      const peer = this.#peer;
      if (peer !== null) peer.#arrive(copy);
    }

    start() {
      startPort(this);
    }

    close() {
      const peer = this.#peer;
      this.#peer = null;
      this.#closed = true;
      this.#queue = [];
      if (peer !== null) peer.#peer = null;
    }

    #arrive(data) {
      if (this.#started) this.#deliver(data);
      else SafeArrayPush(this.#queue, data);
    }

    // After the current job, unless this port was closed meanwhile.
    #deliver(data) {
      SafePromiseThen(PromiseResolve(undefined), () => {
        if (!this.#closed) dispatchTrusted(this, new MessageEvent("message", { __proto__: null, data }));
      });
    }
  }

  defineEventHandler(MessagePort, "message");
  defineEventHandler(MessagePort, "messageerror");
  // Setting onmessage starts the port, as HTML says; addEventListener does not.
  const onmessage = SafeGetOwnPropertyDescriptor(MessagePort.prototype, "onmessage");
  const setOnmessage = onmessage.set;
  onmessage.set = function (value) {
    ReflectApply(setOnmessage, this, [value]);
    startPort(this);
  };
  ObjectDefineProperty(MessagePort.prototype, "onmessage", onmessage);

  class MessageChannel {
    #port1;
    #port2;

    constructor() {
      this.#port1 = new MessagePort(internal);
      this.#port2 = new MessagePort(internal);
      entangle(this.#port1, this.#port2);
    }

    get port1() {
      return this.#port1;
    }

    get port2() {
      return this.#port2;
    }
  }

  exposeClass(MessageEvent);
  exposeClass(MessagePort);
  exposeClass(MessageChannel);
});
