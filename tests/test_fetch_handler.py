"""ep.fetch(wb.Request(...)) calls the worker's fetch handler and returns a wb.Response."""

import pytest

import workerbox as wb

APP = """
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url)
    if (url.pathname === '/echo') {
      return Response.json({ method: request.method, body: await request.text(), type: request.headers.get('content-type'), greeting: env.greeting })
    }
    if (url.pathname === '/bytes') return new Response(new Uint8Array([0, 1, 2]), { status: 201, headers: { 'x-a': '1' } })
    if (url.pathname === '/bad') return 'not a response'
    return new Response('not found', { status: 404 })
  },
}
"""


@pytest.fixture(scope="module")
def app(loader):
    with loader.load(main_module="app.js", modules={"app.js": APP}, env={"greeting": "hi"}) as w:
        yield w.get_entrypoint()


def test_json_round_trip(app):
    r = app.fetch(wb.Request("https://app.test/echo", method="post", headers={"content-type": "text/plain"}, body="hello"))
    assert isinstance(r, wb.Response)
    assert (r.status, r.ok) == (200, True)
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"method": "POST", "body": "hello", "type": "text/plain", "greeting": "hi"}


def test_bytes_status_headers(app):
    r = app.fetch(wb.Request("https://app.test/bytes"))
    assert (r.status, r.body, r.headers["x-a"]) == (201, b"\x00\x01\x02", "1")


def test_not_found_text(app):
    r = app.fetch(wb.Request("https://app.test/nope"))
    assert (r.status, r.ok, r.text()) == (404, False, "not found")


def test_handler_returning_a_non_response(app):
    with pytest.raises(wb.JSError, match="must return a Response"):
        app.fetch(wb.Request("https://app.test/bad"))


def test_fetch_argument_must_be_a_request(app):
    with pytest.raises(TypeError, match="workerbox.Request"):
        app.fetch("https://app.test/")


def test_worker_without_fetch_handler(loader):
    with loader.load(main_module="m.js", modules={"m.js": "export default { f() {} }"}) as w:
        with pytest.raises(wb.WorkerError, match="no method .fetch."):
            w.get_entrypoint().fetch(wb.Request("https://x.test/"))


def test_entrypoint_class_fetch(loader):
    src = "import { WorkerEntrypoint } from 'cloudflare:workers'; export default class extends WorkerEntrypoint { fetch(req) { return new Response(this.env.v + ' ' + req.url) } }"
    with loader.load(main_module="m.js", modules={"m.js": src}, env={"v": "ok"}) as w:
        assert w.get_entrypoint().fetch(wb.Request("https://x.test/a")).text() == "ok https://x.test/a"


@pytest.mark.parametrize("kwargs, exc", [({"url": "/relative"}, ValueError), ({"url": "https://x.test", "body": 1}, TypeError), ({"url": "https://x.test", "headers": [1]}, TypeError)])
def test_request_validation(kwargs, exc):
    with pytest.raises(exc):
        wb.Request(**kwargs)


def test_response_object():
    r = wb.Response("hi", status=201, headers=[("Set-Cookie", "a=1"), ("set-cookie", "b=2")])
    assert (r.status, r.text(), r.headers["set-cookie"]) == (201, "hi", "a=1, b=2")
    with pytest.raises(ValueError):
        wb.Response(status=42)
