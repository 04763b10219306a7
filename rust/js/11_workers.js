// The classes of the `cloudflare:workers` module and the per-call `ctx`, as in Workers. The host
// exports them from a built-in module and passes `ctx` to entrypoint methods.
(function (ops, hooks) {
  "use strict";

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
  // rejection is reported instead of going unhandled.
  function makeContext(props) {
    const ctx = {
      props: props === undefined ? {} : props,
      waitUntil(promise) {
        Promise.resolve(promise).catch((e) => hooks.reportError(e));
      },
      passThroughOnException() {},
    };
    return Object.freeze(ctx);
  }

  // The host's `ep.fetch(request)`: builds a Request from the wire form, calls the entrypoint's
  // fetch handler, and reads the Response back into the wire form.
  async function serveFetch(receiver, wire, extra) {
    const { Request, Response } = hooks.classes;
    const request = new Request(wire.url, {
      method: wire.method,
      headers: wire.headers,
      body: wire.body === null || wire.method === "GET" || wire.method === "HEAD" ? null : wire.body,
    });
    const response = await receiver.fetch(request, ...extra);
    if (!(response instanceof Response)) {
      throw new TypeError("The fetch handler must return a Response (or a promise of one)");
    }
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, statusText: response.statusText, headers: [...response.headers], body };
  }

  hooks.classes = { Request: globalThis.Request, Response: globalThis.Response };
  hooks.serveFetch = serveFetch;
  hooks.WorkerEntrypoint = WorkerEntrypoint;
  hooks.RpcTarget = RpcTarget;
  hooks.DurableObject = DurableObject;
  hooks.makeContext = makeContext;
});
