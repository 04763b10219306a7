"""The playground's ASGI application: the page and its assets, and ``POST /api/run``.

Only the person who started the server may drive it. Every request must name the server as
127.0.0.1 or localhost on its own port in ``Host`` (a DNS-rebinding page's requests carry its own
name). An API request must also come from the page itself (``Origin`` is the server's;
``Sec-Fetch-Site``, where sent, is ``same-origin``), carry the run's token in the
``X-Playground-Token`` header (a custom header: a cross-origin page cannot send it without a
CORS preflight, which this server never grants), be JSON, and be small. The page and its assets
hold no secret: the page reads the token from its own URL's fragment, which no request carries.
"""

from __future__ import annotations

import asyncio
import hmac
import importlib.resources
import json
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

from .._workerbox import Loader
from . import _run

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TOKEN_HEADER = b"x-playground-token"
MAX_REQUEST_BYTES = 4 << 20
_ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/playground.js": ("playground.js", "text/javascript; charset=utf-8"),
    "/playground.css": ("playground.css", "text/css; charset=utf-8"),
}
_PAGE_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


class PlaygroundApp:
    """Serves the playground on ``port`` for whoever holds ``token``; runs workers on ``loader``
    (owned: closed when the server's lifespan ends)."""

    def __init__(self, *, token: str, port: int, loader: Optional[Loader] = None, runners: int = 4) -> None:
        self._token = token.encode()
        self._hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}
        self._origins = {b"http://" + host for host in self._hosts}
        self._loader = loader if loader is not None else Loader()
        self._pool = ThreadPoolExecutor(max_workers=runners, thread_name_prefix="workerbox-playground")
        _run.install_log_collector()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._loader.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _header_map(scope)
        if headers.get(b"host") not in self._hosts:
            return await _answer(send, 421, {"error": "this server answers only to 127.0.0.1 and localhost on its own port"})
        path, method = scope["path"], scope["method"]
        if path in _ASSETS:
            if method not in ("GET", "HEAD"):
                return await _answer(send, 405, {"error": "GET only"})
            return await _asset(send, *_ASSETS[path], head=method == "HEAD")
        if path != "/api/run":
            return await _answer(send, 404, {"error": "not found"})
        refusal = self._refusal(method, headers)
        if refusal is not None:
            return await _answer(send, *refusal)
        body = await _read_body(receive)
        if body is None:
            return await _answer(send, 413, {"error": f"a run is at most {MAX_REQUEST_BYTES} bytes"})
        await self._api_run(body, send)

    def _refusal(self, method: str, headers: dict[bytes, bytes]) -> Optional[tuple[int, dict[str, str]]]:
        """Why this API request may not be served, or None."""
        if method != "POST":
            return 405, {"error": "POST only"}
        if headers.get(b"origin") not in self._origins or headers.get(b"sec-fetch-site", b"same-origin") != b"same-origin":
            return 403, {"error": "only the playground's own page may call its API"}
        if not hmac.compare_digest(headers.get(TOKEN_HEADER, b""), self._token):
            return 403, {"error": "missing or wrong token: open the URL that `workerbox playground` printed"}
        if headers.get(b"content-type", b"").split(b";")[0].strip() != b"application/json":
            return 415, {"error": "send application/json"}
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > MAX_REQUEST_BYTES:
            return 413, {"error": f"a run is at most {MAX_REQUEST_BYTES} bytes"}
        return None

    async def _api_run(self, body: bytes, send: Send) -> None:
        try:
            spec = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return await _answer(send, 400, {"error": f"not JSON: {e}"})
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(self._pool, _run.run, self._loader, spec)
        except _run.SpecError as e:
            return await _answer(send, 400, {"error": str(e)})
        await _answer(send, 200, outcome)


def _header_map(scope: Scope) -> dict[bytes, bytes]:
    """Headers by lower-case name; a repeated one counts as absent, so no check sees one copy
    while another reaches something else."""
    seen: dict[bytes, bytes] = {}
    repeated: set[bytes] = set()
    for name, value in scope.get("headers", ()):
        if name in seen:
            repeated.add(name)
        seen[name] = value
    return {k: v for k, v in seen.items() if k not in repeated}


async def _read_body(receive: Receive) -> Optional[bytes]:
    """The request body, or None past the cap."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _asset(send: Send, name: str, content_type: str, *, head: bool) -> None:
    data = importlib.resources.files("workerbox.playground").joinpath(name).read_bytes()
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode()), *_PAGE_HEADERS]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else data})


async def _answer(send: Send, status: int, payload: Any) -> None:
    data = json.dumps(payload, ensure_ascii=False, allow_nan=False, default=repr).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *_PAGE_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
