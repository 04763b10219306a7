"""fetch() through HttpOutbound reads a long response body as the worker asks for it, from a real
HTTP server on 127.0.0.1: a worker holds no more of a download than it has read, the size cap
still applies, and a body the worker cancels or never reads costs it no more than a connection."""

import http.server
import threading

import pytest

import workerbox as wb

MIB = 1 << 20


@pytest.fixture
def server():
    """Serves /bytes?n=N (N MiB of b'z', sent 1 MiB at a time) and /small; records whether each
    big response was written to its end."""
    finished = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path == "/small":
                body = b"small body"
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            n = int(self.path.split("n=")[1])
            self.send_response(200)
            self.send_header("content-length", str(n * MIB))
            self.end_headers()
            try:
                for _ in range(n):
                    self.wfile.write(b"z" * MIB)
                finished.append(True)
            except (BrokenPipeError, ConnectionResetError):
                finished.append(False)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], finished
    httpd.shutdown()
    httpd.server_close()


READER = """export default {
  async count(url) {
    const r = await fetch(url)
    let total = 0, pieces = 0
    for await (const piece of r.body) { total += piece.byteLength; pieces++ }
    return [r.status, total, pieces > 1]
  },
  async text(url) { return await (await fetch(url)).text() },
  async whole(url) { return (await (await fetch(url)).arrayBuffer()).byteLength },
  async firstThenCancel(url) {
    const reader = (await fetch(url)).body.getReader()
    const { value } = await reader.read()
    await reader.cancel()
    return value.byteLength
  },
  async leaveUnread(url, n) {
    const kept = []
    for (let i = 0; i < n; i++) kept.push(await fetch(url))
    return kept.length
  },
}"""


def outbound(**kwargs):
    return wb.HttpOutbound(["api.test"], resolve={"api.test": "127.0.0.1"}, allow_private_networks=True, **kwargs)


def test_a_download_bigger_than_the_workers_memory_streams_through_it(loader, server):
    port, finished = server
    with loader.load(main_module="r.js", modules={"r.js": READER}, global_outbound=outbound(max_response_bytes=1 << 30),
                     limits=wb.Limits(memory_mb=64)) as w:
        assert w.get_entrypoint().count(f"http://api.test:{port}/bytes?n=256") == [200, 256 * MIB, True]
    assert finished == [True]


def test_a_small_body_still_comes_whole(loader, server):
    port, _ = server
    with loader.load(main_module="r.js", modules={"r.js": READER}, global_outbound=outbound()) as w:
        assert w.get_entrypoint().text(f"http://api.test:{port}/small") == "small body"


def test_reading_a_download_whole_is_bounded_by_the_memory_limit(loader, server, check_alive):
    port, _ = server
    w = loader.load(main_module="r.js", modules={"r.js": READER}, global_outbound=outbound(max_response_bytes=1 << 30),
                    limits=wb.Limits(memory_mb=64))
    try:
        with pytest.raises((wb.MemoryLimitExceeded, wb.JSError)):
            w.get_entrypoint().whole(f"http://api.test:{port}/bytes?n=256")
    finally:
        w.close()


def test_max_response_bytes_still_caps_a_streamed_body(loader, server):
    port, _ = server
    with loader.load(main_module="r.js", modules={"r.js": READER}, global_outbound=outbound(max_response_bytes=3 * MIB)) as w:
        with pytest.raises(wb.JSError, match="max_response_bytes"):
            w.get_entrypoint().count(f"http://api.test:{port}/bytes?n=8")


def test_cancelling_a_download_drops_its_connection(loader, server):
    port, finished = server
    with loader.load(main_module="r.js", modules={"r.js": READER}, global_outbound=outbound(max_response_bytes=1 << 30)) as w:
        assert w.get_entrypoint().firstThenCancel(f"http://api.test:{port}/bytes?n=512") > 0
    # The server's writes fail once the connection is gone; it never sends all 512 MiB.
    for _ in range(200):
        if finished:
            break
        threading.Event().wait(0.05)
    assert finished == [False]


def test_unread_bodies_are_capped_per_worker(loader, server):
    port, _ = server
    with loader.load(main_module="r.js", modules={"r.js": READER}, global_outbound=outbound(max_response_bytes=1 << 30)) as w:
        with pytest.raises(wb.JSError, match="unread"):
            w.get_entrypoint().leaveUnread(f"http://api.test:{port}/bytes?n=1", 65)
