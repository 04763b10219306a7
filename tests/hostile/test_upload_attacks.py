"""A worker sending streamed request bodies through HttpOutbound, attacking the way out: bodies
that never end, a runtime whose built-ins were replaced, uploads left open. Against a real HTTP
server on 127.0.0.1 that drains whatever it is sent."""

import http.server
import threading

import pytest

import workerbox as wb


class _Drain(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        total = 0
        while True:
            line = self.rfile.readline(64)
            if not line:
                return
            size = int(line.split(b";")[0], 16)
            self.rfile.read(size + 2)
            total += size
            if size == 0:
                break
        out = str(total).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@pytest.fixture
def base():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Drain)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://api.test:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _load(loader, source, timeout_s=30.0):
    out = wb.HttpOutbound(["api.test"], resolve={"api.test": "127.0.0.1"}, allow_private_networks=True, timeout_s=timeout_s)
    return loader.load(main_module="h.js", modules={"h.js": source}, global_outbound=out)


ENDLESS = """
const endless = () => new ReadableStream({ pull() { return new Promise(() => {}) } })
const post = (url, body) => fetch(url, { method: "POST", body, duplex: "half" })
export default {
  async flood(url, n) {
    const outcomes = await Promise.allSettled(Array.from({ length: n }, () => post(url, endless())))
    return outcomes.map(o => o.status === "fulfilled" ? "sent" : `${o.reason.name}: ${o.reason.message}`)
  },
  async afterwards(url) {
    const r = await post(url, new Blob(["x".repeat(1000)]).stream())
    return await r.text()
  },
}
"""


def test_bodies_that_never_end_are_capped_and_freed_when_their_requests_fail(loader, base, check_alive):
    with _load(loader, ENDLESS, timeout_s=1.0) as w:
        ep = w.get_entrypoint()
        outcomes = ep.flood(base, 70)
        refused = [o for o in outcomes if "still being sent" in o]
        timed_out = [o for o in outcomes if o not in refused]
        assert len(refused) == 6 and len(timed_out) == 64, outcomes
        assert all(o.startswith("TypeError") for o in outcomes)
        # Each failed request gave its place back, though its stream never yielded again.
        assert ep.flood(base, 64) == timed_out
        assert ep.afterwards(base) == "1000"


TAMPERED = """
const body = () => new ReadableStream({
  start(c) { c.enqueue(new Uint8Array(300).fill(65)); c.enqueue(new Uint8Array(700).fill(66)); c.close() },
})
const spoil = (proto, key, value) => {
  const saved = Object.getOwnPropertyDescriptor(proto, key)
  Object.defineProperty(proto, key, { value, writable: true, configurable: true })
  return () => (saved ? Object.defineProperty(proto, key, saved) : delete proto[key])
}
const thrower = (what) => () => { throw new Error(`tampered ${what}`) }
export default {
  // The whole upload runs while the built-ins are spoiled: the tenant awaits nothing until a
  // timer (which needs no promise) puts them back.
  send(url) {
    const restores = [
      spoil(Promise.prototype, "then", thrower("then")),
      spoil(ReadableStream.prototype, "getReader", thrower("getReader")),
      spoil(ReadableStreamDefaultReader.prototype, "read", thrower("read")),
      spoil(Uint8Array.prototype, "slice", () => new Uint8Array(0)),
      spoil(Uint8Array.prototype, "subarray", () => new Uint8Array(0)),
    ]
    Object.defineProperty(Promise.prototype, "constructor", { get: thrower("constructor"), configurable: true })
    const sent = fetch(url, { method: "POST", body: body(), duplex: "half" })
    return new Promise((resolve) => setTimeout(() => {
      Object.defineProperty(Promise.prototype, "constructor", { value: Promise, writable: true, configurable: true })
      for (const restore of restores) restore()
      resolve(sent.then((r) => r.text()))
    }, 500))
  },
}
"""


def test_replaced_builtins_cannot_change_what_a_streamed_body_sends(loader, base):
    with _load(loader, TAMPERED) as w:
        assert w.get_entrypoint().send(base) == "1000"
