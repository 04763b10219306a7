// The classes of the `cloudflare:workers` module and the per-call `ctx`, as in Workers. The host
// exports them from a built-in module and passes `ctx` to entrypoint methods.
(function (ops, hooks) {
  "use strict";
  const { ObjectFreeze, ReflectApply, SafeArrayPush, SafeAwaitable, TypeError } = hooks.primordials;
  // Request, Response and console are installed on first use (00_webidl.js), so they are looked
  // up when needed: a worker that never serves fetch never installs them.

  // Subclass to make an entrypoint: the host constructs it per call with (ctx, env).
  class WorkerEntrypoint {
    constructor(ctx, env) {
      this.ctx = ctx;
      this.env = env;
    }
  }

  // Marks an object returned over RPC as passed by reference; here it is a plain base class.
  class RpcTarget {}

  class DurableObject {
    constructor(ctx, env) {
      this.ctx = ctx;
      this.env = env;
    }
  }

  // ctx.waitUntil keeps nothing alive past the call in workerbox: the promise is observed so a
  // rejection is reported instead of going unhandled (awaited, not `.catch`ed: that would call
  // whatever the tenant made of Promise.prototype.then).
  async function observe(promise) {
    try {
      await promise;
    } catch (error) {
      hooks.reportError(error);
    }
  }

  function makeContext(props) {
    const ctx = {
      props: props === undefined ? {} : props,
      waitUntil(promise) {
        observe(promise);
      },
      passThroughOnException() {},
    };
    return ObjectFreeze(ctx);
  }

  // The host's `ep.fetch(request)`: builds a Request from the wire form, calls the entrypoint's
  // fetch handler, and reads the Response back into the wire form; `streamed` keeps a body that
  // is a stream in the worker, for the host to read chunk by chunk (hooks.http.readHostBody).
  // The response is read through its internal state (responseToWire), so a tenant's getters
  // cannot feed the host something other than what the Response holds.
  async function serveFetch(receiver, wire, extra, streamed) {
    const { responseToWire, isResponse, streamFromHost } = hooks.http;
    const Request = hooks.global("Request");
    // A body given in Python as an iterator arrives as a host function for its chunks.
    let body = wire.body === null || wire.method === "GET" || wire.method === "HEAD" ? null : wire.body;
    if (typeof body === "function") body = streamFromHost(body);
    const request = new Request(wire.url, { __proto__: null, method: wire.method, headers: wire.headers, body });
    const args = [request];
    for (let i = 0; i < extra.length; i++) SafeArrayPush(args, extra[i]);
    const response = await ReflectApply(receiver.fetch, receiver, args);
    if (!isResponse(response)) {
      throw new TypeError("The fetch handler must return a Response (or a promise of one)");
    }
    return await responseToWire(response, streamed);
  }

  // import(): one microtask later (so the module map is never changed under a caller using it),
  // the module is resolved, compiled and evaluated natively; the namespace once evaluation ends.
  hooks.dynamicImport = async (specifier, referrer) => {
    await null;
    // Indexed, not destructured: array destructuring runs the tenant's Array.prototype iterator.
    const loaded = ops.importModule(specifier, referrer);
    await SafeAwaitable(loaded[1]);
    return loaded[0];
  };
  hooks.serveFetch = serveFetch;
  hooks.WorkerEntrypoint = WorkerEntrypoint;
  hooks.RpcTarget = RpcTarget;
  hooks.DurableObject = DurableObject;
  hooks.makeContext = makeContext;
});
