// fetch(): the one way out of the sandbox to the network, and it is closed unless the host opens
// it. The host sets `hooks.outbound` per worker to a function taking the request in wire form
// and resolving to a response in wire form, or leaves it unset (no network at all).
(function (ops, hooks) {
  "use strict";
  const { expose } = hooks.webidl;
  const { requestToWire, responseFromWire } = hooks.http;
  const Request = hooks.global("Request");
  const {
    Error: ErrorClass, ObjectDefineProperty, Promise: PromiseClass, SafeAwaitable, SafePromiseRace, TypeError: TypeErrorClass,
  } = hooks.primordials;

  class SubrequestLimitError extends ErrorClass {}
  ObjectDefineProperty(SubrequestLimitError.prototype, "name", { __proto__: null, value: "SubrequestLimitExceeded" });

  async function fetch(input, init = undefined) {
    const request = new Request(input, init);
    const { signal, stream, ...wire } = await requestToWire(request, true);
    const outbound = hooks.outbound;
    // HttpOutbound sends a body that is a stream as it is read; any other way out gets its bytes.
    const upload = stream === null ? null : ops.httpUploadOpen();
    if (stream !== null && upload === null) wire.body = await SafeAwaitable(hooks.streams.readAll(stream));
    let stopUpload = null;
    try {
      signal.throwIfAborted();
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
      if (upload !== null) wire.upload = upload;
      const answer = outbound(wire);
      stopUpload = upload === null ? () => {} : sendUpload(upload, stream);
      const response = await SafePromiseRace([answer, aborted]);
      return responseFromWire({ ...response, url: response.url || request.url });
    } catch (error) {
      // A request that failed or was aborted wants no more of its body, even from a stream
      // that never yields again.
      if (stopUpload !== null) {
        stopUpload(error);
      } else if (upload !== null) {
        ops.httpUploadEnd(upload, true);
        hooks.streams.cancelReader(hooks.streams.hostReader(stream), error);
      }
      throw error;
    }
  }

  // Writes a streamed request body to its upload as the stream yields it. Each write waits until
  // the connection has room, so the stream is read no faster than the server takes it. An error,
  // or a chunk that is not a Uint8Array, fails the request, never sending it truncated. Returns
  // `stop(reason)`, which abandons the body (failing the request if it is still sending).
  function sendUpload(upload, stream) {
    const reader = hooks.streams.hostReader(stream);
    let open = true;
    const stop = (reason) => {
      if (!open) return;
      open = false;
      ops.httpUploadEnd(upload, true);
      hooks.streams.cancelReader(reader, reason);
    };
    const pump = async () => {
      try {
        for (;;) {
          const chunk = await SafeAwaitable(hooks.streams.readBytes(reader));
          if (!open) return;
          if (chunk === null) {
            open = false;
            return ops.httpUploadEnd(upload, false);
          }
          if (!(await SafeAwaitable(ops.httpUploadWrite(upload, chunk)))) {
            // The request is over (answered, or failed): the rest of the body is not wanted.
            return stop(new TypeErrorClass("fetch: the request no longer wants its body"));
          }
        }
      } catch (error) {
        stop(error);
      }
    };
    pump();
    return stop;
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
