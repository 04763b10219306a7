"""Serve workers from a Ray cluster with Ray Serve: tenants spread over replicas, each tenant's
requests sent to the replica that already holds its warm worker.

``app(route)`` builds a Serve application of two deployments:

- :data:`Ingress` takes HTTP requests and asks ``route(scope)`` (the ASGI scope, as for
  ``workerbox.asgi.App(loader, route=...)``) for ``(id, factory)``, or ``None`` for a 404. It
  reads the request body whole (at most ``max_body_bytes``) and sends the request to
  :data:`Workers` with ``id`` as Serve's multiplexed model id, so Serve routes it to a replica
  that holds that worker when one does, and to the one holding fewest workers otherwise.
- :data:`Workers` replicas each own an :class:`~workerbox.AsyncLoader`. Serve's model
  multiplexing keeps up to ``max_workers_per_replica`` workers per replica by id, least recently
  used evicted first (an evicted worker is closed once its requests in flight end); a worker
  that died (a limit) is loaded again from ``factory`` on its next request. The request is
  served by ``workerbox.asgi.App``, so statuses, headers, streamed response bodies and error
  mapping are the same as on one machine.

``route`` and every ``factory`` it returns are pickled to other processes: use module-level
functions (or ``functools.partial`` of one). The factory runs in the replica, so the
:class:`~workerbox.WorkerCode` it returns (with its ``env``, outbound hook and bindings) lives
where the worker runs; a ``WorkerCode`` itself cannot be pickled.

Importing this module imports Ray; ``import workerbox`` does not.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Optional, Union

from ray import serve  # type: ignore[import-not-found, unused-ignore]

from ._workerbox import AsyncLoader, Worker, WorkerError
from .asgi import App, Factory, Message, Receive, Route, Scope, Send, _lifespan, _plain, _status_for

__all__ = ["Ingress", "Workers", "app"]

log = logging.getLogger("workerbox.ray")

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: ``route(scope)``: which worker serves a request, as ``(id, factory)``, or None for a 404.
RouteFn = Callable[[Scope], Union[Route, Awaitable[Route]]]

# What of an ASGI scope crosses to the replica: plain data only (the server's own entries, such
# as its app or state, do not pickle and mean nothing in another process).
_SCOPE_KEYS = ("type", "asgi", "http_version", "method", "scheme", "path", "raw_path", "query_string", "root_path", "client", "server")


class _Tenant:
    """One id's worker in one replica. Serve's multiplexing holds these, at most
    ``max_workers_per_replica`` per replica, and calls ``__del__`` on the one it evicts."""

    def __init__(self, loader: AsyncLoader) -> None:
        self._loader = loader
        self._worker: Optional[Worker] = None
        self._lock = asyncio.Lock()
        self._evicted = False
        self._active = 0

    async def acquire(self, factory: Factory) -> Optional[Worker]:
        """The warm worker for one request (:meth:`release` it after), loaded from ``factory``
        when there is none or it died; None once evicted (the caller asks Serve again)."""
        async with self._lock:
            if self._evicted:
                return None
            if self._worker is None or self._worker.closed:
                code = factory()
                if inspect.isawaitable(code):
                    code = await code
                self._worker = await self._loader.load(code)
            if self._evicted:  # evicted while it loaded, when there was nothing to close yet
                self._worker.close()
                return None
            self._active += 1
            return self._worker

    def release(self) -> None:
        self._active -= 1
        if self._evicted and not self._active and self._worker is not None:
            self._worker.close()

    def __del__(self) -> None:
        """Evicted (Serve calls this on a thread of its own): the worker closes now, or when the
        requests it is serving end, so a long response is not cut off by another id's load."""
        self._evicted = True
        if not self._active and self._worker is not None:
            self._worker.close()


class _Workers:
    """A replica of :data:`Workers`: an AsyncLoader and the warm workers Serve assigned it."""

    def __init__(
        self,
        *,
        max_workers_per_replica: int = 16,
        entrypoint: Optional[str] = None,
        loader_options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self._loader = AsyncLoader(**dict(loader_options or {}))
        self._entrypoint = entrypoint

        async def tenant(id: str) -> _Tenant:
            return _Tenant(self._loader)

        self._tenant = serve.multiplexed(max_num_models_per_replica=max_workers_per_replica)(tenant)

    async def __call__(self, scope: Scope, body: bytes, factory: Factory) -> AsyncIterator[Message]:
        """Serves one request for the worker whose id is the request's multiplexed model id,
        yielding the ASGI messages of its response."""
        id = serve.get_multiplexed_model_id()
        try:
            tenant, worker = await self._acquire(id, factory)
        except Exception as error:  # the client learns the class of failure, never its details
            log.warning("loading worker %r failed: %s", id, error, exc_info=error)
            async for message in _relay(functools.partial(_answer, _status_for(error)), scope, body):
                yield message
            return
        try:
            async for message in _relay(App(worker, entrypoint=self._entrypoint), scope, body):
                yield message
        finally:
            tenant.release()

    async def _acquire(self, id: str, factory: Factory) -> tuple[_Tenant, Worker]:
        for _ in range(2):  # the first tenant may be evicted while its worker loads
            tenant: _Tenant = await self._tenant(id)
            worker = await tenant.acquire(factory)
            if worker is not None:
                return tenant, worker
        raise WorkerError(f"worker {id!r} was evicted as it loaded")

    def __del__(self) -> None:
        self._loader.close()


async def _answer(status: int, scope: Scope, receive: Receive, send: Send) -> None:
    await _plain(send, status)


async def _relay(served: ASGIApp, scope: Scope, body: bytes) -> AsyncIterator[Message]:
    """Runs an ASGI app on a request whose body came whole, yielding what it sends, one message
    at a time. Closing the iterator (the client went away) cancels the app."""
    outbox: asyncio.Queue[Message] = asyncio.Queue(maxsize=1)
    task = asyncio.ensure_future(served(scope, _receiver(body), outbox.put))
    try:
        while True:
            get = asyncio.ensure_future(outbox.get())
            await asyncio.wait({get, task}, return_when=asyncio.FIRST_COMPLETED)
            if not get.done():
                get.cancel()
                break
            yield get.result()
        while not outbox.empty():
            yield outbox.get_nowait()
        task.result()
    finally:
        task.cancel()


def _receiver(body: bytes) -> Receive:
    """An ASGI receive channel holding one whole body. A client's disconnect reaches a replica
    as the cancellation of its call, never as a message, so after the body it waits forever."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            forever: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
            return await forever
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class _Ingress:
    """A replica of :data:`Ingress`: its ASGI app routes each HTTP request to :data:`Workers`."""

    def __init__(self, workers: Any, route: RouteFn, *, max_body_bytes: int = 16 << 20) -> None:
        self._router = _Router(workers, route, max_body_bytes)

    def __serve_build_asgi_app__(self) -> _Router:
        return self._router


class _Router:
    """The ingress's ASGI app (a class, so servers see an ASGI 3 callable)."""

    def __init__(self, workers: Any, route: RouteFn, max_body_bytes: int) -> None:
        self._workers = workers
        self._route = route
        self._max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        if scope["type"] != "http":
            raise ValueError(f"workerbox.ray serves HTTP, not {scope['type']!r}")
        try:
            chosen = self._route(scope)
            if inspect.isawaitable(chosen):
                chosen = await chosen
            if chosen is None:
                return await _plain(send, 404)
            id, factory = chosen
            if not isinstance(id, str) or not id:
                raise TypeError(f"route() gave the id {id!r}: ids are non-empty strings")
            body = await _read_body(receive, self._max_body_bytes)
        except _TooLarge:
            return await _plain(send, 413)
        except Exception as error:
            log.warning("%s %s failed: %s", scope["method"], scope.get("path"), error, exc_info=error)
            return await _plain(send, _status_for(error))
        call = self._workers.options(multiplexed_model_id=id, stream=True).remote(_portable(scope), body, factory)
        await _forward(call, scope, send)


async def _forward(call: Any, scope: Scope, send: Send) -> None:
    """Sends on the replica's messages. A failure before the response head (the replica died,
    say) is a 503; after it, the connection is aborted so no truncated body passes for whole."""
    started = False
    try:
        async for message in call:
            await send(message)
            started = True
    except Exception as error:
        if started:
            raise
        log.warning("%s %s failed in its replica: %s", scope["method"], scope.get("path"), error, exc_info=error)
        await _plain(send, 503)


class _TooLarge(ValueError):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body: Ray passes arguments whole, so nothing streams to the replica."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionAbortedError("the client disconnected before sending its request")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _portable(scope: Scope) -> dict[str, Any]:
    portable = {key: scope[key] for key in _SCOPE_KEYS if key in scope}
    portable["headers"] = [(bytes(k), bytes(v)) for k, v in scope.get("headers", ())]
    return portable


#: The Serve deployment whose replicas hold the workers (``.options()`` it for autoscaling,
#: resources, or ``max_ongoing_requests``).
Workers: Any = serve.deployment(_Workers, name="WorkerboxWorkers")
#: The Serve deployment that routes HTTP requests to :data:`Workers`.
Ingress: Any = serve.deployment(serve.ingress()(_Ingress), name="WorkerboxIngress")


def app(
    route: RouteFn,
    *,
    num_replicas: int = 2,
    num_cpus: float = 1.0,
    max_workers_per_replica: int = 16,
    max_ongoing_requests: int = 100,
    ingress_replicas: int = 1,
    entrypoint: Optional[str] = None,
    loader_options: Optional[Mapping[str, Any]] = None,
    max_body_bytes: int = 16 << 20,
) -> Any:
    """A Serve application serving workers over HTTP: ``serve.run(workerbox.ray.app(route))``.

    ``route(scope)`` returns ``(id, factory)`` for each request, or None for a 404; both it and
    the factories must pickle (module-level functions). ``num_replicas`` replicas of
    :data:`Workers`, each reserving ``num_cpus`` (fractions allowed), hold up to
    ``max_workers_per_replica`` warm workers each; ``loader_options`` are the keyword arguments
    of each replica's :class:`~workerbox.AsyncLoader` (``threads``, ``pool_size``...).
    ``entrypoint`` names the export whose ``fetch`` serves. Each replica, of either deployment,
    takes at most ``max_ongoing_requests`` at once (Serve queues the rest, and sends an id's
    requests to another replica when the one holding it stays full for a second or so);
    ``ingress_replicas`` ingress replicas share the routing. A request body over
    ``max_body_bytes`` is refused with a 413.
    """
    workers = Workers.options(
        num_replicas=num_replicas, max_ongoing_requests=max_ongoing_requests, ray_actor_options={"num_cpus": num_cpus}
    ).bind(
        max_workers_per_replica=max_workers_per_replica,
        entrypoint=entrypoint,
        loader_options=dict(loader_options or {}),
    )
    ingress = Ingress.options(
        num_replicas=ingress_replicas, max_ongoing_requests=max_ongoing_requests, ray_actor_options={"num_cpus": 0}
    )
    return ingress.bind(workers, route, max_body_bytes=max_body_bytes)
