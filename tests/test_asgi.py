"""workerbox.asgi.App serving workers over real HTTP (uvicorn on 127.0.0.1, http.client as the
client), mounted in Starlette, and driven directly through the ASGI interface where the test needs
to control the client's side (a disconnect at a chosen moment)."""

import asyncio
import http.client

import pytest

import workerbox as wb
from workerbox.asgi import App

pytest.importorskip("uvicorn")

from tests._uvicorn import Server  # noqa: E402

APP = r"""
let cancelled = 0
export default {
  async fetch(request) {
    const url = new URL(request.url)
    switch (url.pathname) {
      case "/text": return new Response("hello " + url.searchParams.get("name"), { headers: { "x-kind": "text" } })
      case "/json": return Response.json({ method: request.method, url: request.url })
      case "/cookies": {
        const headers = new Headers()
        headers.append("set-cookie", "a=1; Path=/")
        headers.append("set-cookie", "b=2, c; Path=/")
        return new Response("ok", { headers })
      }
      case "/count": {
        let total = 0
        for await (const chunk of request.body) total += chunk.byteLength
        return new Response(String(total), { status: 201 })
      }
      case "/stream": {
        let i = 0
        return new Response(new ReadableStream({
          pull(c) { if (i === 50) return c.close(); c.enqueue(new TextEncoder().encode(`chunk ${i++}\n`)) },
          cancel() { cancelled++ },
        }, { highWaterMark: 0 }))
      }
      case "/throw": throw new Error("secret internals: db password is hunter2")
      case "/spin": for (;;) {}
      case "/slow": await new Promise((r) => setTimeout(r, 5000)); return new Response("late")
      case "/spin-after-head": {
        let sent = false
        return new Response(new ReadableStream({
          pull(c) { if (!sent) { sent = true; return c.enqueue(new Uint8Array(10)) } for (;;) {} },
        }, { highWaterMark: 0 }))
      }
      case "/cancelled": return new Response(String(cancelled))
    }
    return new Response("nope", { status: 404 })
  },
}
"""

# The wall limit is far above the CPU one: on a starved machine 200 ms of CPU can take seconds.
LIMITS = wb.Limits(cpu_ms=200, wall_ms=3000)


@pytest.fixture(params=["sync", "async"])
def served(request, loader):
    """The app served for a worker of a Loader, and of an AsyncLoader."""
    if request.param == "sync":
        worker = loader.load(main_module="app.js", modules={"app.js": APP}, limits=LIMITS)
        server = Server(App(worker), lifespan="on")
        yield server
        server.stop()
        worker.close()
        return
    # An AsyncLoader's worker answers on the loop that made it, so it is made on uvicorn's loop,
    # by the first request.
    made = {}

    async def app(scope, receive, send):
        if "app" not in made:
            made["loader"] = wb.AsyncLoader()
            worker = await made["loader"].load(main_module="app.js", modules={"app.js": APP}, limits=LIMITS)
            made["app"] = App(worker)
        await made["app"](scope, receive, send)

    server = Server(app, lifespan="on")
    yield server
    server.stop()
    if "loader" in made:
        made["loader"].close()


def read(served, method, path, body=None, headers=None):
    response, conn = served.request(method, path, body, headers)
    data = response.read()
    conn.close()
    return response, data


def test_text_status_headers_and_query(served):
    response, data = read(served, "GET", "/text?name=ada")
    assert (response.status, data) == (200, b"hello ada")
    assert response.getheader("x-kind") == "text"


def test_the_worker_sees_the_url_the_client_asked_for(served):
    response, data = read(served, "POST", "/json?q=1", body=b"", headers={"host": "tenant.example:8080"})
    assert response.status == 200
    assert data == b'{"method":"POST","url":"http://tenant.example:8080/json?q=1"}'


def test_each_set_cookie_stays_its_own_header(served):
    response, _ = read(served, "GET", "/cookies")
    assert response.msg.get_all("set-cookie") == ["a=1; Path=/", "b=2, c; Path=/"]


def test_a_chunked_upload_streams_into_the_worker(served):
    piece = b"x" * (1 << 20)
    response, data = read(served, "POST", "/count", body=(piece for _ in range(20)))
    assert (response.status, data) == (201, str(20 << 20).encode())


def test_a_streamed_response_arrives_whole(served):
    response, data = read(served, "GET", "/stream")
    assert response.status == 200
    assert data.decode().splitlines() == [f"chunk {i}" for i in range(50)]


@pytest.mark.parametrize("path, status", [("/throw", 500), ("/spin", 503), ("/slow", 504)])
def test_errors_map_to_statuses_without_internals(served, path, status):
    response, data = read(served, "GET", path)
    assert response.status == status
    assert b"hunter2" not in data
    assert data in (b"Internal Server Error", b"Service Unavailable", b"Gateway Timeout")


def test_a_limit_hit_after_the_head_aborts_the_connection(served):
    response, conn = served.request("GET", "/spin-after-head")
    assert response.status == 200
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        response.read()
    conn.close()


def test_mounted_inside_starlette(loader):
    starlette = pytest.importorskip("starlette.applications")
    routing = pytest.importorskip("starlette.routing")
    with loader.load(main_module="app.js", modules={"app.js": APP}) as worker:
        outer = starlette.Starlette(routes=[routing.Mount("/tenant", app=App(worker))])
        server = Server(outer, lifespan="on")
        try:
            response, data = read(server, "GET", "/tenant/text?name=mounted")
        finally:
            server.stop()
    # The worker sees the whole path, as the client sent it.
    assert response.status == 404 and data == b"nope"


TENANT = 'export default { fetch: (r) => new Response("tenant {name} " + new URL(r.url).pathname) }'


def test_routes_pick_a_worker_per_request(loader):
    def route(scope):
        host = dict(scope["headers"]).get(b"host", b"").split(b":")[0].decode()
        if not host.endswith(".tenants.test"):
            return None
        name = host.split(".")[0]
        return f"tenant-{name}", lambda: wb.WorkerCode(main_module="t.js", modules={"t.js": TENANT.replace("{name}", name)})

    server = Server(App(loader, route=route), lifespan="on")
    try:
        for name in ["a", "b", "a"]:
            response, data = read(server, "GET", "/x", headers={"host": f"{name}.tenants.test"})
            assert data == f"tenant {name} /x".encode()
        response, data = read(server, "GET", "/x", headers={"host": "other.test"})
        assert response.status == 404
    finally:
        server.stop()
    assert sorted(i for i in loader.warm_ids if i.startswith("tenant-")) == ["tenant-a", "tenant-b"]


def test_a_client_that_disconnects_cancels_the_streamed_body(loader):
    async def main():
        async with wb.AsyncLoader() as aloader:
            worker = await aloader.load(main_module="app.js", modules={"app.js": APP})
            app = App(worker)
            sent = []
            gone = asyncio.Event()

            asked = []

            async def receive():
                if not asked:
                    asked.append(True)
                    return {"type": "http.request", "body": b"", "more_body": False}
                await gone.wait()
                return {"type": "http.disconnect"}

            async def send(message):
                sent.append(message)
                if len([m for m in sent if m["type"] == "http.response.body"]) == 3:
                    gone.set()

            scope = {"type": "http", "method": "GET", "path": "/stream", "headers": [(b"host", b"t")], "query_string": b""}
            await asyncio.wait_for(app(scope, receive, send), 10)
            bodies = [m for m in sent if m["type"] == "http.response.body"]
            assert 3 <= len(bodies) < 50 and bodies[-1].get("more_body")
            response = await worker.get_entrypoint().fetch(wb.Request("http://t/cancelled"))
            assert response.text() == "1"

    asyncio.run(main())


@pytest.mark.parametrize("close", [False, True])
def test_lifespan_completes_and_other_scopes_are_refused(loader, close):
    worker = loader.load(main_module="app.js", modules={"app.js": APP})
    app = App(worker, close_on_shutdown=close)

    async def main():
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        out = []

        async def receive():
            return next(messages)

        async def send(message):
            out.append(message["type"])

        await app({"type": "lifespan"}, receive, send)
        assert out == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        with pytest.raises(ValueError, match="websocket"):
            await app({"type": "websocket"}, receive, send)

    asyncio.run(main())
    # close_on_shutdown: the app owned the worker, and closed it with the server.
    assert worker.closed is close
    worker.close()


def test_a_loader_without_a_route_is_a_type_error(loader):
    with pytest.raises(TypeError, match="route"):
        App(loader)
    with pytest.raises(TypeError):
        App(object(), route=lambda scope: None)  # type: ignore[arg-type]
