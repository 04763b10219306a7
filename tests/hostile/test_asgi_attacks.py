"""A client attacking a worker served by workerbox.asgi.App, through the ASGI interface itself:
forged Host headers, request bodies the worker never reads, floods of headers from the tenant,
and a tenant that tries to make the server say what it should not."""

import asyncio

import pytest

import workerbox as wb
from workerbox.asgi import App

ECHO_URL = "export default { fetch: (r) => new Response(r.url) }"


def run(app, scope, messages):
    """Drives one exchange: `messages` are what the client sends; returns what the app sent."""

    async def main():
        queue = iter(messages)
        sent = []
        done = asyncio.Event()

        async def receive():
            message = next(queue, None)
            if message is not None:
                return message
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        try:
            await asyncio.wait_for(app(scope, receive, send), 20)
        finally:
            done.set()
        return sent

    return asyncio.run(main())


def scope(path="/", method="GET", headers=()):
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"", "headers": list(headers), "scheme": "http", "server": ("127.0.0.1", 8000)}


GET = [{"type": "http.request", "body": b"", "more_body": False}]


@pytest.mark.parametrize("host", [b"evil.test@victim.test", b"a.test/admin?x=", b"a.test#frag", b"a b", b"a.test:99999999"])
def test_a_forged_host_header_is_a_bad_request(loader, host):
    with loader.load(main_module="m.js", modules={"m.js": ECHO_URL}) as w:
        sent = run(App(w), scope(headers=[(b"host", host)]), GET)
    assert sent[0]["status"] == 400


def test_the_url_is_the_host_and_path_the_client_sent(loader):
    with loader.load(main_module="m.js", modules={"m.js": ECHO_URL}) as w:
        sent = run(App(w), scope("/a/%2e%2e/b", headers=[(b"host", b"tenant.test:8080")]), GET)
    # As the URL Standard parses it: %2e%2e is a parent segment.
    assert sent[1]["body"] == b"http://tenant.test:8080/b"


def test_a_body_the_worker_never_reads_is_not_buffered_by_the_app(loader):
    # 10,000 chunks of 1 MiB: the app takes one at a time as the worker asks, so a worker that
    # answers without reading leaves the rest with the client (and the exchange still ends).
    src = "export default { fetch: () => new Response('ignored your body') }"
    taken = []

    def chunks():
        for _ in range(10000):
            taken.append(1)
            yield {"type": "http.request", "body": b"x" * (1 << 20), "more_body": True}

    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        sent = run(App(w), scope(method="POST"), chunks())
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"ignored your body"
    assert len(taken) < 10


def test_a_tenants_header_flood_and_odd_status_pass_as_data(loader):
    src = """export default { fetch() {
      const h = new Headers()
      for (let i = 0; i < 2000; i++) h.append('x-' + i, 'v')
      return new Response('', { status: 599, headers: h })
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        sent = run(App(w), scope(), GET)
    assert sent[0]["status"] == 599 and len(sent[0]["headers"]) == 2001  # and content-type


def test_a_tenant_cannot_inject_header_lines(loader):
    src = r"""export default { fetch() {
      try { return new Response('', { headers: { 'x-a': 'ok\r\nset-cookie: stolen=1' } }) }
      catch (e) { return new Response(e.name) }
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        sent = run(App(w), scope(), GET)
    assert sent[1]["body"] == b"TypeError"
    assert all(b"stolen" not in v for _, v in sent[0]["headers"])


def test_a_factory_that_fails_is_a_500_and_the_next_request_is_served(loader):
    calls = []

    def factory():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database password is hunter2")
        return wb.WorkerCode(main_module="m.js", modules={"m.js": ECHO_URL})

    app = App(loader, route=lambda s: ("flaky", factory))
    first = run(app, scope(headers=[(b"host", b"t.test")]), GET)
    assert first[0]["status"] == 500 and b"hunter2" not in first[1]["body"]
    second = run(app, scope(headers=[(b"host", b"t.test")]), GET)
    assert second[1]["body"] == b"http://t.test/"
