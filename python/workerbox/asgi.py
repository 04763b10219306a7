"""Serve a worker's fetch handler as an ASGI 3 application (uvicorn, Hypercorn, or mounted inside
Starlette/FastAPI).

``App(worker)`` serves one worker; ``App(loader, route=fn)`` picks a worker per request, where
``fn(scope)`` returns ``(id, factory)`` for ``loader.get`` (or ``None`` for a 404), so tenants can
be chosen by host, path prefix or header. Bodies stream both ways: the worker reads the request
body as the client sends it, and a response body that is a ``ReadableStream`` goes to the client
as the worker produces it, pulled no faster than the client takes it.

Errors never show the client internals: a JavaScript exception is a 500, ``CpuLimitExceeded`` and
``MemoryLimitExceeded`` a 503, ``WallTimeExceeded`` a 504 (details go to the ``workerbox.asgi``
logger; the worker's console output to ``workerbox.console``). A limit hit after the response
head went out aborts the connection, so a client never takes a truncated body for a whole one.

``App(worker, assets=Assets(directory))`` answers from static assets first, as Workers Static
Assets do (see :class:`Assets`); ``App(assets=...)`` serves assets alone.

A client that disconnects cancels a streamed response body (the worker's ``cancel`` runs). A call
not yet answered runs on, within its limits: only a whole worker can be stopped, and stopping it
would end every other request it is serving.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, Optional, Union

from ._assets import Assets
from ._workerbox import (
    AsyncLoader,
    CpuLimitExceeded,
    JSError,
    Limits,
    Loader,
    MemoryLimitExceeded,
    Request,
    Response,
    WallTimeExceeded,
    Worker,
    WorkerCode,
    WorkerError,
)

__all__ = ["App", "Assets", "Route"]

log = logging.getLogger("workerbox.asgi")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Factory = Callable[[], Union[WorkerCode, Awaitable[WorkerCode]]]
#: What a ``route`` function returns: the id to cache the worker under and its factory, or None.
Route = Optional[tuple[str, Factory]]

_STATUS_TEXT = {400: b"Bad Request", 404: b"Not Found", 413: b"Payload Too Large", 500: b"Internal Server Error", 503: b"Service Unavailable", 504: b"Gateway Timeout"}


def _status_for(error: BaseException) -> int:
    if isinstance(error, _BadRequest):
        return 400
    if isinstance(error, (CpuLimitExceeded, MemoryLimitExceeded)):
        return 503
    if isinstance(error, WallTimeExceeded):
        return 504
    if isinstance(error, JSError):
        return 500
    return 503 if isinstance(error, WorkerError) else 500


class App:
    """An ASGI 3 application forwarding HTTP requests to a worker's fetch handler.

    ``target`` is a :class:`Worker` (of a :class:`Loader` or an :class:`AsyncLoader`), or, with
    ``route``, the loader to ``get`` workers from. ``entrypoint`` names the export whose
    ``fetch`` serves (default: the default export); ``limits`` tighten each request's call.
    ``close_on_shutdown`` closes the target (worker or loader) when the server's lifespan ends,
    for an app that owns it. ``assets`` (:class:`Assets`) answer before the worker; with no
    ``target`` they answer everything.
    """

    def __init__(
        self,
        target: Union[Worker, Loader, AsyncLoader, None] = None,
        *,
        route: Optional[Callable[[Scope], Union[Route, Awaitable[Route]]]] = None,
        entrypoint: Optional[str] = None,
        limits: Optional[Limits] = None,
        close_on_shutdown: bool = False,
        assets: Optional[Assets] = None,
    ) -> None:
        if target is None and assets is None:
            raise TypeError("App(): give a worker, a loader with route=, or assets=")
        if target is not None and route is None and not isinstance(target, Worker):
            raise TypeError("App(target): give a Worker, or a loader together with route=")
        if assets is not None and not isinstance(assets, Assets):
            raise TypeError(f"assets must be workerbox.asgi.Assets, not {type(assets).__name__}")
        if route is not None and not isinstance(target, (Loader, AsyncLoader)):
            raise TypeError("App(loader, route=...): the target must be a Loader or an AsyncLoader")
        self._target = target
        self._route = route
        self._entrypoint = entrypoint
        self._limits = limits
        self._close_on_shutdown = close_on_shutdown
        self._assets = assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            if self._close_on_shutdown and self._target is not None:
                self._target.close()
        elif scope["type"] == "http":
            has_worker = self._target is not None
            if self._assets is not None and await self._assets.handle(scope, receive, send, has_worker=has_worker):
                return
            await self._http(scope, receive, send)
        else:
            raise ValueError(f"workerbox.asgi.App serves HTTP, not {scope['type']!r}")

    async def _worker(self, scope: Scope) -> Optional[Worker]:
        if self._route is None:
            assert isinstance(self._target, Worker)
            return self._target
        chosen = self._route(scope)
        if inspect.isawaitable(chosen):
            chosen = await chosen
        if chosen is None:
            return None
        id, factory = chosen
        if isinstance(self._target, AsyncLoader):
            return await self._target.get(id, factory)
        assert isinstance(self._target, Loader)
        worker: Worker = await _blocking(self._target.get, id, factory)
        return worker

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        inbox = _Inbox(receive)
        try:
            try:
                url = _url(scope)
                worker = await self._worker(scope)
                if worker is None:
                    return await _plain(send, 404)
                body = await inbox.body()
                try:
                    request = Request(url, method=scope["method"], headers=_headers(scope), body=body)
                except ValueError as error:
                    raise _BadRequest(str(error)) from error
                fetch = worker.get_entrypoint(self._entrypoint, limits=self._limits).fetch
                if worker.is_async:
                    response = await fetch(request, stream=True)
                else:
                    response = await _blocking(fetch, request, stream=True)
            except Exception as error:  # the client learns the class of failure, never its details
                log.warning("%s %s failed: %s", scope["method"], scope.get("path"), error, exc_info=error)
                return await _plain(send, _status_for(error))
            assert isinstance(response, Response)
            await _respond(response, inbox, send, worker.is_async)
        finally:
            inbox.close()


async def _blocking(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A Loader's call blocks until answered: it runs on a thread, so the event loop serves on."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(method, *args, **kwargs))


async def _respond(response: Response, inbox: _Inbox, send: Send, is_async: bool) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.header_list]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if not response.streamed:
        await send({"type": "http.response.body", "body": response.body})
        return
    chunks = response.__aiter__() if is_async else iter(response)
    try:
        while True:
            next_chunk = asyncio.ensure_future(_next_chunk(chunks, is_async))
            gone = asyncio.ensure_future(inbox.disconnected.wait())
            done, _ = await asyncio.wait({next_chunk, gone}, return_when=asyncio.FIRST_COMPLETED)
            if next_chunk not in done:
                next_chunk.cancel()
                return
            gone.cancel()
            chunk = next_chunk.result()
            if chunk is None:
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        # A body not read to its end (a disconnect, an error) is cancelled in the worker.
        response.close()


async def _next_chunk(chunks: Any, is_async: bool) -> Optional[bytes]:
    """The next chunk, or None at the end; a blocking iterator's on a thread."""
    if is_async:
        try:
            chunk: bytes = await chunks.__anext__()
            return chunk
        except StopAsyncIteration:
            return None
    piece: Optional[bytes] = await asyncio.get_running_loop().run_in_executor(None, next, chunks, None)
    return piece


class _Inbox:
    """Reads the ASGI receive channel on one task: body chunks for the worker (one at a time, so a
    worker that does not read holds the client back), and the client's disconnect."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._chunks: asyncio.Queue[Optional[bytes]] = asyncio.Queue(maxsize=1)
        self.disconnected = asyncio.Event()
        self._reader: Optional[asyncio.Task[None]] = None

    async def body(self) -> Union[None, bytes, AsyncIterator[bytes]]:
        first = await self._receive()
        if first["type"] == "http.disconnect":
            self.disconnected.set()
            raise ConnectionAbortedError("the client disconnected before sending its request")
        chunk = first.get("body", b"")
        if not first.get("more_body", False):
            self._reader = asyncio.ensure_future(self._watch())
            return chunk or None
        self._reader = asyncio.ensure_future(self._read())
        return self._stream(chunk)

    async def _stream(self, first: bytes) -> AsyncIterator[bytes]:
        if first:
            yield first
        while (chunk := await self._chunks.get()) is not None:
            yield chunk

    async def _read(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.disconnected.set()
                await self._chunks.put(None)
                return
            await self._chunks.put(message.get("body", b""))
            if not message.get("more_body", False):
                await self._chunks.put(None)
                return await self._watch()

    async def _watch(self) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass
        self.disconnected.set()

    def close(self) -> None:
        """The exchange is over: stop reading the channel."""
        if self._reader is not None:
            self._reader.cancel()


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _plain(send: Send, status: int) -> None:
    body = _STATUS_TEXT.get(status, b"Error")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# A Host header is the client's to write: only a name or address and a port may become the URL's
# authority, so no userinfo, path or query can be smuggled into the URL the worker sees.
_HOST = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class _BadRequest(ValueError):
    pass


def _url(scope: Scope) -> str:
    host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), None)
    if host is not None and not _HOST.fullmatch(host):
        raise _BadRequest(f"bad Host header {host[:100]!r}")
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")


def _headers(scope: Scope) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", ())]
