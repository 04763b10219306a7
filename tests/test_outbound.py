"""fetch() from the sandbox: closed by default, or answered by a Python global_outbound hook."""

import asyncio
import http.server
import threading
import urllib.request

import pytest

import workerbox as wb


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1: yields its URL, the paths it was asked for and the
    headers of each request."""
    hits = []
    seen_headers = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            seen_headers.append({k.lower(): v for k, v in self.headers.items()})
            if self.path.startswith("/to?"):
                self.send_response(302)
                self.send_header("location", self.path[4:])
                self.send_header("content-length", "0")
                self.end_headers()
                return
            body = b"from the real server"
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits, seen_headers
    httpd.shutdown()
    httpd.server_close()


FETCHER = """export default {
  async get(url) {
    try { const r = await fetch(url); return { status: r.status, text: await r.text() } }
    catch (e) { return { error: e.name, message: e.message } }
  },
  async post(url, body) {
    const r = await fetch(url, { method: 'POST', headers: { 'x-token': 'abc' }, body })
    return { status: r.status, type: r.headers.get('content-type'), json: await r.json(), url: r.url }
  },
  async many(url, n) { for (let i = 0; i < n; i++) await fetch(url); return n },
  async aborted(url) {
    try { await fetch(url, { signal: AbortSignal.abort() }) } catch (e) { return e.name }
  },
}"""


def test_blocked_by_default_and_nothing_leaves(loader, server):
    url, hits, _ = server
    with loader.load(main_module="f.js", modules={"f.js": FETCHER}) as w:
        out = w.get_entrypoint().get(url + "/secret")
    assert out["error"] == "TypeError"
    assert "outbound network access is disabled" in out["message"]
    assert hits == []


def test_hook_sees_and_answers_requests(loader):
    seen = []

    def outbound(request):
        seen.append((request.method, request.url, dict(request.headers), request.body))
        return wb.Response('{"ok": true}', status=201, headers={"content-type": "application/json"})

    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=outbound) as w:
        out = w.get_entrypoint().post("https://api.example.com/items", "payload")
    assert out == {"status": 201, "type": "application/json", "json": {"ok": True}, "url": "https://api.example.com/items"}
    [(method, url, headers, body)] = seen
    assert (method, url, headers["x-token"], body) == ("POST", "https://api.example.com/items", "abc", b"payload")
    assert headers["content-type"].startswith("text/plain")


def test_hook_can_forward_to_a_real_server(loader, server):
    url, hits, _ = server

    def forward(request):
        with urllib.request.urlopen(request.url.replace("https://internal.example", url)) as r:
            return wb.Response(r.read(), status=r.status)

    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=forward) as w:
        assert w.get_entrypoint().get("https://internal.example/x") == {"status": 200, "text": "from the real server"}
    assert hits == ["/x"]


def test_hook_errors_reject_the_fetch(loader):
    def deny(request):
        raise PermissionError(f"{request.url} is not allowed")

    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=deny) as w:
        out = w.get_entrypoint().get("https://evil.example/")
    assert out == {"error": "PermissionError", "message": "https://evil.example/ is not allowed"}


def test_hook_must_return_a_response(loader):
    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=lambda r: "nope") as w:
        out = w.get_entrypoint().get("https://x.example/")
    assert out["error"] == "TypeError" and "workerbox.Response" in out["message"]


def test_aborted_signal(loader):
    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=lambda r: wb.Response("x")) as w:
        assert w.get_entrypoint().aborted("https://x.example/") == "AbortError"


def test_sub_requests_limit(loader):
    code = wb.WorkerCode("f.js", {"f.js": FETCHER}, global_outbound=lambda r: wb.Response("x"), limits=wb.Limits(sub_requests=3))
    with loader.load(code) as w:
        ep = w.get_entrypoint()
        assert ep.many("https://x.example/", 3) == 3
        with pytest.raises(wb.SubrequestLimitExceeded) as info:
            ep.many("https://x.example/", 4)
        assert (info.value.kind, info.value.limit) == ("subrequests", 3)
        # The count is per call: the worker is still usable.
        assert ep.many("https://x.example/", 2) == 2


def test_async_hook_with_async_loader():
    async def outbound(request):
        await asyncio.sleep(0.01)
        return wb.Response("async " + request.url)

    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            w = await loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=outbound)
            return await w.get_entrypoint().get("https://x.example/")

    assert asyncio.run(main()) == {"status": 200, "text": "async https://x.example/"}


def test_global_outbound_must_be_callable():
    with pytest.raises(TypeError, match="global_outbound must be None, a workerbox.HttpOutbound or a callable"):
        wb.WorkerCode("f.js", {"f.js": FETCHER}, global_outbound="https://proxy")


def http_outbound(**kwargs):
    return wb.HttpOutbound(
        ["api.example.com", "public.example.com"],
        inject_headers={"api.example.com": {"authorization": "Bearer s3cret"}},
        resolve={"api.example.com": "127.0.0.1", "public.example.com": "127.0.0.1"},
        **kwargs,
    )


def test_http_outbound_sends_allowed_requests_with_injected_credentials(loader, server):
    url, hits, seen_headers = server
    port = url.rsplit(":", 1)[1]
    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=http_outbound(allow_private_networks=True)) as w:
        out = w.get_entrypoint().get(f"http://api.example.com:{port}/data")
    assert out == {"status": 200, "text": "from the real server"}
    assert hits == ["/data"]
    assert seen_headers[-1]["authorization"] == "Bearer s3cret"


def test_http_outbound_refusals(loader, server):
    url, hits, _ = server
    port = url.rsplit(":", 1)[1]
    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=http_outbound()) as w:
        ep = w.get_entrypoint()
        private = ep.get(f"http://public.example.com:{port}/")
        assert private["error"] == "TypeError" and "private addresses" in private["message"]
        denied = ep.get("https://other.example.org/")
        assert denied["error"] == "TypeError" and "allow list" in denied["message"]
        literal = ep.get(f"http://127.0.0.1:{port}/")
        assert literal["error"] == "TypeError" and "allow list" in literal["message"]
    assert hits == []


def test_http_outbound_checks_every_redirect(loader, server):
    url, hits, _ = server
    port = url.rsplit(":", 1)[1]
    outbound = http_outbound(allow_private_networks=True)
    with loader.load(main_module="f.js", modules={"f.js": FETCHER}, global_outbound=outbound) as w:
        out = w.get_entrypoint().get(f"http://api.example.com:{port}/to?http://denied.example.net:{port}/x")
    assert out["error"] == "TypeError" and "denied.example.net" in out["message"]
    assert hits == [f"/to?http://denied.example.net:{port}/x"]


@pytest.mark.parametrize(
    "kwargs, exc",
    [({"allow": ["ftp://x.com"]}, ValueError), ({"allow": ["a b"]}, ValueError), ({"allow": ["x.com"], "timeout_s": 0}, ValueError),
     ({"allow": ["x.com"], "resolve": {"x.com": "not-an-ip"}}, ValueError)],
)
def test_http_outbound_validation(kwargs, exc):
    with pytest.raises(exc):
        wb.HttpOutbound(**kwargs)


def test_injected_credentials_never_exist_inside_the_sandbox(loader, server):
    url, hits, seen_headers = server
    port = url.rsplit(":", 1)[1]
    src = """export default { async f(url) {
        const req = new Request(url, { headers: { 'x-mine': '1' } })
        const r = await fetch(req)
        const seen = [...req.headers, ...r.headers, await r.text(), JSON.stringify(globalThis)]
        return { seen: seen.flat().join(' '), status: r.status }
    } }"""
    with loader.load(main_module="s.js", modules={"s.js": src}, global_outbound=http_outbound(allow_private_networks=True)) as w:
        out = w.get_entrypoint().f(f"http://api.example.com:{port}/data")
    assert out["status"] == 200
    assert seen_headers[-1]["authorization"] == "Bearer s3cret" and seen_headers[-1]["x-mine"] == "1"
    assert "s3cret" not in out["seen"]
