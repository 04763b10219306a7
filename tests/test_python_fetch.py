"""A Python worker's fetch handler: `on_fetch(request, env)` at the top of the main module, or
`fetch(self, request)` on a `WorkerEntrypoint` class, as in Cloudflare's Python Workers. The
host calls it with `ep.fetch(wb.Request(...))` like a JavaScript worker's."""

import pytest

import workerbox as wb

pytestmark = pytest.mark.usefixtures("pyodide")

APP = '''
from workers import Response

async def on_fetch(request, env):
    if request.url.endswith("/echo"):
        return Response.json({
            "method": request.method,
            "text": await request.text(),
            "type": request.headers.get("content-type"),
            "greeting": await env.greet("py"),
        })
    if request.url.endswith("/bytes"):
        return Response(b"\\x00\\x01\\x02", status=201, headers=[("x-a", "1"), ("x-b", "2")])
    if request.url.endswith("/bad"):
        return "not a response"
    if request.url.endswith("/boom"):
        raise ValueError("no such thing")
    if request.url.endswith("/status"):
        return Response("x", status=1000)
    return Response("not found", status=404)

def hello():
    return "still a method"
'''


@pytest.fixture(scope="module")
def app(loader):
    code = wb.WorkerCode(main_module="main.py", modules={"main.py": APP}, env={"greet": lambda n: f"hi {n}"})
    with loader.load(code) as worker:
        yield worker.get_entrypoint()


def test_a_request_reaches_on_fetch_and_its_response_comes_back(app):
    r = app.fetch(wb.Request("https://app.test/echo", method="post", headers={"content-type": "text/plain"}, body="hello"))
    assert (r.status, r.headers["content-type"]) == (200, "application/json")
    assert r.json() == {"method": "POST", "text": "hello", "type": "text/plain", "greeting": "hi py"}


def test_bytes_status_and_headers(app):
    r = app.fetch(wb.Request("https://app.test/bytes"))
    assert (r.status, r.body, r.headers["x-a"], r.headers["x-b"]) == (201, b"\x00\x01\x02", "1", "2")


def test_other_methods_stay_methods(app):
    assert app.hello() == "still a method"
    assert app.fetch(wb.Request("https://app.test/missing")).status == 404


def test_a_handler_that_returns_no_response_or_raises_is_a_python_error(app):
    with pytest.raises(wb.PythonError, match="must return a workers.Response"):
        app.fetch(wb.Request("https://app.test/bad"))
    with pytest.raises(wb.PythonError, match="no such thing") as info:
        app.fetch(wb.Request("https://app.test/boom"))
    assert "main.py" in info.value.traceback
    with pytest.raises(wb.JSError, match="RangeError"):
        app.fetch(wb.Request("https://app.test/status"))
    assert app.fetch(wb.Request("https://app.test/echo")).status == 200


def test_an_entrypoint_class_serves_fetch_with_its_env(loader):
    src = '''
from workers import Response, WorkerEntrypoint

class Default(WorkerEntrypoint):
    def fetch(self, request):
        return Response(f"{self.env.name} {request.method} {request.url}")

class Api(WorkerEntrypoint):
    async def fetch(self, request):
        return Response.json({"api": len(request.body or b"")})
'''
    code = wb.WorkerCode(main_module="main.py", modules={"main.py": src}, env={"name": "box"})
    with loader.load(code) as worker:
        assert worker.get_entrypoint().fetch(wb.Request("https://x.test/a")).text() == "box GET https://x.test/a"
        r = worker.get_entrypoint("Api").fetch(wb.Request("https://x.test/", method="PUT", body=b"12345"))
        assert r.json() == {"api": 5}


def test_a_worker_without_a_fetch_handler_says_so(loader):
    code = wb.WorkerCode(main_module="main.py", modules={"main.py": "def f():\n    return 1\n"})
    with loader.load(code) as worker:
        with pytest.raises(wb.WorkerError, match="no method .fetch."):
            worker.get_entrypoint().fetch(wb.Request("https://x.test/"))


def test_replacing_javascript_globals_from_python_does_not_change_the_answer(loader):
    # The bridge took Response before the guest ran. (Pyodide's own conversions read other
    # globals when they run: a guest that breaks those breaks only its own interpreter.)
    src = '''
import js
from workers import Response

js.globalThis.Response = None

def on_fetch(request):
    return Response(request.body + b"!")
'''
    code = wb.WorkerCode(main_module="main.py", modules={"main.py": src})
    with loader.load(code) as worker:
        r = worker.get_entrypoint().fetch(wb.Request("https://x.test/", method="POST", body=b"ok"))
        assert r.body == b"ok!"


def test_a_python_worker_served_over_http(loader):
    # The same worker behind workerbox.asgi.App and a real uvicorn on 127.0.0.1.
    pytest.importorskip("uvicorn")
    from tests._uvicorn import Server
    from workerbox.asgi import App

    code = wb.WorkerCode(main_module="main.py", modules={"main.py": APP}, env={"greet": lambda n: f"hi {n}"})
    with loader.load(code) as worker, Server(App(worker)) as server:
        response, data = server.get("/echo", method="POST", body=b"over http", headers={"content-type": "text/plain"})
        assert response.status == 200
        assert data == b'{"method": "POST", "text": "over http", "type": "text/plain", "greeting": "hi py"}'
        response, data = server.get("/boom")
        assert response.status == 500 and b"no such thing" not in data
