"""fetch() through HttpOutbound sends a request body that is a ReadableStream as the worker reads
it, to a real HTTP server on 127.0.0.1: the body goes out chunked without ever being whole in the
worker, the worker's stream is read no faster than the server takes it, and a body that fails or
cannot be sent again (a redirect) fails the request instead of arriving truncated."""

import http.server
import threading
import time

import pytest

import workerbox as wb

MIB = 1 << 20


class Received:
    """What the server saw of each request: its method, path, byte count, and whether it ended."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()

    def add(self, **record):
        with self.lock:
            self.requests.append(record)


def read_chunked(rfile, pause=0.0):
    """A chunked request body's length, or None when it stopped before its last chunk."""
    total = 0
    while True:
        line = rfile.readline(64)
        if not line:
            return None
        size = int(line.split(b";")[0], 16)
        if size == 0:
            rfile.readline(64)
            return total
        left = size
        while left:
            got = len(rfile.read(min(left, 1 << 16)))
            if not got:
                return None
            left -= got
            if pause:
                time.sleep(pause)
        total += size
        rfile.readline(64)


@pytest.fixture
def server():
    """POST /count: reads the body (chunked or sized) and answers its length. /slow: the same,
    after a second's pause. /early: answers 413 without reading. /redirect/N: answers N to /count."""
    received = Received()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, status, body=b"", **headers):
            self.send_response(status)
            self.send_header("content-length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def body_length(self, pause=0.0):
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                return read_chunked(self.rfile, pause)
            n = int(self.headers.get("content-length", "0"))
            return len(self.rfile.read(n)) if n else 0

        def do_POST(self):
            if self.path.startswith("/redirect/"):
                self.body_length()
                return self.answer(int(self.path.rsplit("/", 1)[1]), location="/count")
            if self.path == "/early":
                # As servers refusing a large upload do: read a little, answer, then close. The
                # pause lets the client read the answer before its next write meets the closed
                # socket (which would otherwise race the answer as a broken pipe).
                self.rfile.read(1 << 20)
                self.close_connection = True
                received.add(method="POST", path=self.path, length=None)
                self.answer(413, b"too big", connection="close")
                self.wfile.flush()
                time.sleep(0.5)
                return
            if self.path == "/slow":
                time.sleep(1.0)
            length = self.body_length()
            received.add(method="POST", path=self.path, length=length, chunked="transfer-encoding" in self.headers)
            if length is None:
                self.close_connection = True
                return
            self.answer(200, str(length).encode())

        do_PUT = do_POST

        def do_GET(self):
            received.add(method="GET", path=self.path, length=0)
            self.answer(200, b"got")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], received
    httpd.shutdown()
    httpd.server_close()


def outbound(**kwargs):
    return wb.HttpOutbound(["api.test"], resolve={"api.test": "127.0.0.1"}, allow_private_networks=True, **kwargs)


UPLOADER = """
let pulls = 0, cancelled = null
function source(mib, piece = 1 << 20) {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      pulls++
      if (sent >= mib * (1 << 20)) return controller.close()
      controller.enqueue(new Uint8Array(piece).fill(120))
      sent += piece
    },
    cancel(reason) { cancelled = String(reason) },
  }, { highWaterMark: 0 })
}
const post = (url, body, init = {}) => fetch(url, { method: "POST", body, duplex: "half", ...init })
export default {
  async send(url, mib) {
    const r = await post(url, source(mib))
    return [r.status, await r.text(), pulls]
  },
  async pullsWhileTheServerWaits(url, mib) {
    let seen = -1
    setTimeout(() => { seen = pulls }, 500)
    const r = await post(url, source(mib))
    return [await r.text(), seen, pulls]
  },
  async failing(url) {
    let n = 0
    const body = new ReadableStream({
      pull(c) { if (++n > 3) throw new Error("the source broke"); c.enqueue(new Uint8Array(1000)) },
    })
    try { await post(url, body); return "sent" } catch (e) { return [e.name, e.message] }
  },
  async notBytes(url) {
    const body = new ReadableStream({ start(c) { c.enqueue("a string"); c.close() } })
    try { await post(url, body); return "sent" } catch (e) { return e.name }
  },
  async answeredEarly(url) {
    const r = await post(url, source(64))
    const text = await r.text()
    for (let i = 0; i < 50 && cancelled === null; i++) await new Promise(ok => setTimeout(ok, 20))
    return [r.status, text, cancelled !== null, pulls < 64]
  },
  async redirected(url, method) {
    try {
      const r = await fetch(url, { method, body: source(1), duplex: "half" })
      return [r.status, await r.text(), r.redirected]
    } catch (e) { return [e.name, e.message] }
  },
  async bodyUsedAfter(url) {
    const body = source(1)
    const request = new Request(url, { method: "POST", body, duplex: "half" })
    await fetch(request)
    const again = await request.text().then(() => "read again", (e) => e.name)
    return [request.bodyUsed, again]
  },
}
"""


@pytest.fixture
def uploader(loader, server):
    port, received = server
    with loader.load(
        main_module="up.js", modules={"up.js": UPLOADER}, global_outbound=outbound(), limits=wb.Limits(memory_mb=64)
    ) as w:
        yield w.get_entrypoint(), f"http://api.test:{port}", received


def test_a_streamed_body_bigger_than_the_workers_memory_goes_out_chunked(uploader):
    ep, base, received = uploader
    status, text, pulls = ep.send(f"{base}/count", 256)
    assert (status, text) == (200, str(256 * MIB))
    assert pulls == 257
    assert received.requests[-1]["chunked"] is True


def test_the_stream_is_read_no_faster_than_the_server_takes_it(uploader):
    ep, base, _ = uploader
    text, pulls_while_waiting, pulls = ep.pullsWhileTheServerWaits(f"{base}/slow", 128)
    assert text == str(128 * MIB)
    # While the server reads nothing, only what fits in the socket's buffers leaves the worker.
    assert 0 < pulls_while_waiting < 48, pulls_while_waiting
    assert pulls == 129


def test_a_source_that_fails_fails_the_request_not_truncates_it(uploader):
    ep, base, received = uploader
    name, message = ep.failing(f"{base}/count")
    assert name == "TypeError", message
    deadline = time.monotonic() + 5
    while not received.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(r["length"] is None for r in received.requests), received.requests


def test_a_chunk_that_is_not_bytes_fails_the_request(uploader):
    ep, base, received = uploader
    assert ep.notBytes(f"{base}/count") == "TypeError"
    assert all(r["length"] is None for r in received.requests)


def test_an_early_answer_cancels_the_rest_of_the_body(uploader):
    ep, base, _ = uploader
    status, text, cancelled, stopped_early = ep.answeredEarly(f"{base}/early")
    assert (status, text) == (413, "too big")
    assert cancelled and stopped_early


@pytest.mark.parametrize("status", [307, 308])
def test_a_redirect_that_would_send_a_streamed_body_again_is_refused(uploader, status):
    ep, base, _ = uploader
    name, message = ep.redirected(f"{base}/redirect/{status}", "POST")
    assert name == "TypeError"
    assert "cannot be sent twice" in message


def test_a_303_continues_as_get_without_the_body(uploader):
    ep, base, received = uploader
    assert ep.redirected(f"{base}/redirect/303", "PUT") == [200, "got", True]
    assert received.requests[-1]["method"] == "GET"


def test_the_requests_body_is_used_after_fetch(uploader):
    ep, base, _ = uploader
    assert ep.bodyUsedAfter(f"{base}/count") == [True, "TypeError"]


def test_a_python_outbound_hook_still_gets_the_whole_body(loader):
    seen = []

    def hook(request):
        seen.append(len(request.body))
        return wb.Response(b"ok")

    with loader.load(main_module="up.js", modules={"up.js": UPLOADER}, global_outbound=hook) as w:
        assert w.get_entrypoint().send("https://example.com/", 3)[:2] == [200, "ok"]
    assert seen == [3 * MIB]
