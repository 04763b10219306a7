"""Answering with an asset over ASGI: the head (type, length, ETag, caching, ranges), 304s and
206s, and the body streamed from the file a chunk at a time off the event loop, stopped when the
client goes away. Also the bodiless answers: a redirect, a bare status."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any, Optional
from urllib.parse import quote

from .conditional import byte_range, not_modified
from .store import CHUNK, Opened

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def request_header(scope: MutableMapping[str, Any], name: bytes) -> Optional[str]:
    """The first value of a request header (names in ASGI scopes are lower case)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


async def send_asset(
    scope: MutableMapping[str, Any], receive: Receive, send: Send, opened: Opened, status: int, head: Headers
) -> None:
    """Sends ``opened`` with ``status`` (200, or 404 for a not-found page) and the asset's own
    headers ``head``; conditional and range requests are honoured for a 200."""
    headers = [*head, (b"etag", opened.etag.encode("latin-1"))]
    start, end = 0, opened.size
    if status == 200:
        if not_modified(request_header(scope, b"if-none-match"), opened.etag):
            # RFC 9110: a 304 carries the caching fields, not the representation's metadata.
            return await send_empty(send, 304, [h for h in headers if h[0] != b"content-type"])
        headers.append((b"accept-ranges", b"bytes"))
        wanted = byte_range(request_header(scope, b"range"), request_header(scope, b"if-range"), opened.etag, opened.size)
        if wanted == "unsatisfiable":
            return await send_empty(send, 416, [(b"content-range", f"bytes */{opened.size}".encode())])
        if isinstance(wanted, tuple):
            start, end = wanted
            status = 206
            headers.append((b"content-range", f"bytes {start}-{end - 1}/{opened.size}".encode()))
    headers.append((b"content-length", str(end - start).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if scope["method"] == "HEAD":
        return await send({"type": "http.response.body", "body": b""})
    if opened.data is not None:
        return await send({"type": "http.response.body", "body": opened.data[start:end]})
    assert opened.fd is not None
    await _stream(receive, send, opened.fd, start, end)


async def _stream(receive: Receive, send: Send, fd: int, start: int, end: int) -> None:
    loop = asyncio.get_running_loop()
    gone = asyncio.Event()
    watcher = asyncio.ensure_future(_watch(receive, gone))
    try:
        offset = start
        while offset < end and not gone.is_set():
            chunk = await loop.run_in_executor(None, os.pread, fd, min(CHUNK, end - offset), offset)
            if not chunk:
                # The file shrank since its head went out: end the connection rather than let a
                # short body pass for the whole one.
                raise ConnectionAbortedError("asset file shrank while being served")
            offset += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": offset < end})
    finally:
        watcher.cancel()


async def _watch(receive: Receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def send_empty(send: Send, status: int, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """A bodiless answer (304, 405, 416, a redirect)."""
    length = [] if status == 304 else [(b"content-length", b"0")]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *length]})
    await send({"type": "http.response.body", "body": b""})


async def send_redirect(scope: MutableMapping[str, Any], send: Send, path: str) -> None:
    """A 307 to ``path`` (under the app's ``root_path``), keeping the query string."""
    location = quote(scope.get("root_path", "") + path, safe="/")
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        location += "?" + quote(query, safe=_QUERY_SAFE)
    await send_empty(send, 307, [(b"location", location.encode("ascii"))])


async def send_status(send: Send, status: int, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """A bare status with its reason as a plain-text body."""
    body = {404: b"Not Found", 405: b"Method Not Allowed"}.get(status, b"Error")
    head = [*headers, (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
