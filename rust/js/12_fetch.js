// fetch(): the one way out of the sandbox to the network, and it is closed unless the host opens
// it. The host sets `hooks.outbound` per worker to a function taking the request in wire form
// and resolving to a response in wire form, or leaves it unset (no network at all).
(function (ops, hooks) {
  "use strict";
  const { expose } = hooks.webidl;
  const { requestToWire, responseFromWire } = hooks.http;
  const Request = hooks.global("Request");
  const { Error: ErrorClass, ObjectDefineProperty, Promise: PromiseClass, SafePromiseRace, TypeError: TypeErrorClass } =
    hooks.primordials;

  class SubrequestLimitError extends ErrorClass {}
  ObjectDefineProperty(SubrequestLimitError.prototype, "name", { __proto__: null, value: "SubrequestLimitExceeded" });

  async function fetch(input, init = undefined) {
    const request = new Request(input, init);
    const { signal, ...wire } = await requestToWire(request);
    signal.throwIfAborted();
    const outbound = hooks.outbound;
    if (typeof outbound !== "function") {
      throw new TypeErrorClass(
        "fetch() is not available: outbound network access is disabled for this worker (global_outbound=None)",
      );
    }
    const left = ops.takeSubrequest();
    if (left < 0) {
      throw new SubrequestLimitError(`too many subrequests: this call may make at most ${-left - 1}`);
    }
    const aborted = new PromiseClass((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    const answer = await SafePromiseRace([outbound(wire), aborted]);
    return responseFromWire({ ...answer, url: answer.url || request.url });
  }

  expose("fetch", fetch);

  // A service binding's `fetch(input, init)`, as in Workers: the request goes to the other
  // worker's fetch handler in wire form (through `send`) and counts as a subrequest.
  hooks.serviceFetch = (send) =>
    async function fetch(input, init = undefined) {
      const request = new Request(input, init);
      const { signal, ...wire } = await requestToWire(request);
      signal.throwIfAborted();
      const left = ops.takeSubrequest();
      if (left < 0) {
        throw new SubrequestLimitError(`too many subrequests: this call may make at most ${-left - 1}`);
      }
      const answer = await send(wire);
      return responseFromWire({ ...answer, url: answer.url || request.url });
    };
});
