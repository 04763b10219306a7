"""Type stubs and API documentation for workerbox's native module."""

from datetime import datetime
from types import TracebackType
from typing import Any, AsyncIterable, Awaitable, Callable, Generator, Iterable, Literal, Mapping, Optional, Sequence, Type, Union

from typing_extensions import Self, TypedDict

__version__: str

# A JSON-like value that can cross the boundary in either direction. Python ints within
# +-(2**53 - 1) become JS numbers, larger ones BigInt; integral JS numbers come back as int.
# Strings must be valid Unicode both ways (a lone surrogate is a ConversionError, never
# replaced). A naive datetime is taken as UTC; a JS Date comes back as an aware UTC datetime,
# to the millisecond. One crossing carries at most Limits.conversion_nodes values and
# Limits.memory_mb of data.
JSValue = Union[
    None, bool, int, float, str, bytes, datetime, list["JSValue"], tuple["JSValue", ...], dict[str, "JSValue"]
]

# A module is a source string (an ES module for names ending in .js/.mjs, TypeScript for
# .ts/.mts, CommonJS for .cjs) or a one-key dict naming its type, as in Cloudflare's
# WorkerLoaderModule: {"js": src}, {"ts": src}, {"cjs": src}, {"text": str}, {"data": bytes},
# {"json": value}, {"wasm": bytes}.
ModuleSpec = Union[str, Mapping[str, Any]]

OutboundHook = Union["HttpOutbound", Callable[["Request"], Union["Response", Awaitable["Response"]]]]

class HttpOutbound:
    """Lets the sandbox's ``fetch()`` reach the hosts in ``allow``, sent by a native HTTP/1.1 and
    HTTP/2 client (TLS included) without entering Python.

    Host patterns are exact hosts, ``*.`` suffixes or IP addresses (IPv6 in brackets:
    ``"[::1]"``), optionally with a scheme and port (``"https://api.example.com:8443"``,
    ``"[::1]:8080"``); a malformed one is a ``ValueError``. Names are resolved first and
    loopback, private, link-local and metadata addresses, and IPv6 forms embedding such an IPv4
    address, are refused unless ``allow_private_networks`` is True; the check repeats on every
    redirect. ``inject_headers`` adds headers (credentials) to requests whose URL matches a
    pattern, so a secret never exists inside the isolate; it may not set headers the client
    derives itself (``Host``, ``Content-Length``, ``Transfer-Encoding``, hop-by-hop and
    ``Proxy-*`` headers: ``ValueError``). The sandbox's own values for those headers are dropped
    and TRACE, TRACK and CONNECT are refused. ``resolve`` pins names to addresses (like curl's
    ``--resolve``); pinned addresses are still checked.

    A response body longer than 64 KiB is read as the sandbox reads ``response.body`` (its
    first 64 KiB come with the head), so a download may exceed the worker's ``memory_mb``;
    ``max_response_bytes`` caps it in all, and ``timeout_s`` the whole exchange. A worker may
    leave at most 64 such bodies unread (each holds a connection); cancelling one closes it.
    """

    def __init__(
        self,
        allow: list[str],
        *,
        inject_headers: Optional[Mapping[str, Mapping[str, str]]] = None,
        timeout_s: float = 30.0,
        max_response_bytes: int = 10 << 20,
        allow_private_networks: bool = False,
        resolve: Optional[Mapping[str, str]] = None,
    ) -> None: ...

class TraceLog(TypedDict):
    level: Literal["debug", "log", "info", "warn", "error"]
    message: str

class TraceException(TypedDict):
    name: str
    message: str
    stack: Optional[str]

class Pooled(TypedDict):
    """Isolates a loader made ahead of demand and holds ready (:attr:`Loader.pooled`)."""

    blank: int
    """Blank isolates: any ``load()`` with the default memory limit takes one."""
    python: int
    """Isolates with Pyodide already restored: a Python worker with the default memory limit
    takes one and skips the restore."""

class TraceRecord(TypedDict):
    """What ``on_trace`` receives after each entrypoint call (Cloudflare's tail events).
    Console output also goes to the ``workerbox.console`` logger, with ``worker_id`` and
    ``js_level`` on each record."""

    worker: str
    """The ``get()`` id, or ``#<n>`` for a worker from ``load()``."""
    entrypoint: str
    method: str
    outcome: Literal[
        "ok", "exception", "exceededCpu", "exceededMemory", "exceededWallTime", "exceededSubrequests", "canceled"
    ]
    logs: list[TraceLog]
    exceptions: list[TraceException]
    cpu_ms: float
    wall_ms: float

class WorkerError(Exception):
    """Base class of every workerbox exception. Raised as itself for a :meth:`Loader.get`
    factory cycle, for loaders and workers used in a forked child of the process that made them,
    and at the process's isolate cap."""

class JSError(WorkerError):
    """JavaScript threw, or a promise the host awaited rejected."""

    name: str
    """The JS error's ``name`` (``TypeError``, ``SyntaxError``, a custom class name...)."""
    message: str
    """The JS error's ``message``."""
    stack: Optional[str]
    """The JS stack trace, with module names as given in ``modules``; None if there is none."""

class PythonError(JSError):
    """A Python worker's code raised (while loading or in a call). ``name`` is
    ``"PythonError"``; ``message`` reads ``"ValueError: bad input"``; ``stack`` is that line
    followed by ``traceback``. Its text is the guest's own, as a JS error's is."""

    type: str
    """The Python exception's class name (``ValueError``, ``KeyError``...)."""
    traceback: str
    """The guest's traceback, its own frames only (files named as in ``modules``)."""

class PythonFatalError(WorkerError):
    """A Python worker's interpreter failed past recovery: a fatal Pyodide error (such as a
    stack overflow past ``sys.setrecursionlimit``), ``os._exit`` or ``os.abort``. The worker
    was closed, as after a limit; :meth:`Loader.get` loads a fresh one. Other workers and the
    process are unaffected."""

class CodeError(WorkerError, ValueError):
    """The worker's code is unusable: unknown main module, bad module type, refused import.
    The message names the bad field."""

class BuildError(CodeError):
    """:mod:`workerbox.bundler` refused the project: a bad option or file path (absolute, with
    ``..``), a ``package.json`` or wrangler config that does not parse, no entry point or one
    that is not among the files, an import that resolves to nothing in the project or its
    packages, a syntax error in a file or a package. ``kind`` is ``"options"``, ``"project"``,
    ``"unresolved"``, ``"syntax"``, ``"build"`` or ``"npm"`` (a package or version that does not
    exist, a refused spec, a tarball failing its integrity check, a cap, an offline miss: the
    message names the package); ``file`` (as the project names it, packages as
    ``node_modules/<name>/…``), ``line`` and ``column`` (1-based) say where when known, and
    ``specifier`` names an unresolved import."""

    kind: Literal["options", "project", "unresolved", "syntax", "build", "npm"]
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    specifier: Optional[str]

class ConversionError(WorkerError, TypeError):
    """A value cannot cross between Python and JavaScript: unsupported type, cycle, nested
    deeper than 128 levels, more values than ``Limits.conversion_nodes`` or more data than
    ``Limits.memory_mb`` in one crossing, a string or int larger than JavaScript allows (V8:
    2**29 - 24 characters, 2**30 bits), a string with a lone surrogate, or a Date outside the
    years 1-9999 that ``datetime`` holds. The worker stays usable. Inside JavaScript, a host
    answer or binding argument that cannot cross rejects with a ``TypeError`` instead."""

class ClosedError(WorkerError):
    """The worker or loader is closed, or the worker died earlier (terminated, out of memory).
    A call in flight when its worker is closed ends with it at once, even if its JavaScript is
    running."""

class TerminatedError(WorkerError):
    """Execution was terminated from outside: the loader was closed, or the worker was ended by
    Ctrl-C or a cancelled task while this call was in flight on it. The worker is dead
    afterwards."""

class LimitExceeded(WorkerError):
    """A resource limit was exceeded and the worker was terminated (it is dead afterwards; a
    ``get()`` of its id starts a fresh one). The loader and every other worker are unaffected."""

    kind: Literal["memory", "cpu", "wall", "subrequests"]
    limit: int
    """The limit, in MiB (memory), ms (cpu, wall) or requests."""
    used: Optional[int]
    """How much was used when it was stopped, where known."""

class MemoryLimitExceeded(LimitExceeded):
    """The isolate reached its heap cap (``Limits.memory_mb``). Deliberately not a
    ``MemoryError``: the process has plenty of memory."""

class CpuLimitExceeded(LimitExceeded, TimeoutError):
    """The call used more CPU time than ``Limits.cpu_ms`` (its thread's CPU clock: time spent
    awaiting a binding or a timer does not count; module evaluation counts as the first call).
    Precision: a few milliseconds."""

class WallTimeExceeded(LimitExceeded, TimeoutError):
    """The call took longer than ``Limits.wall_ms`` of wall-clock time."""

class SubrequestLimitExceeded(LimitExceeded):
    """The call made more outbound requests than ``Limits.sub_requests``."""

class Limits:
    """Resource limits for a worker (``WorkerCode(limits=...)`` / ``load(limits=...)``) or one
    entrypoint (``get_entrypoint(limits=...)``); where both set a field, the lower wins.

    Defaults where nothing is set: ``memory_mb=128``, ``cpu_ms=30000`` per call,
    ``wall_ms=None`` (unbounded; awaiting a slow binding is legitimate), ``sub_requests=1000``,
    ``conversion_nodes=1_000_000``.

    ``conversion_nodes`` bounds the values (array elements, object entries, strings, numbers...)
    one crossing between Python and JavaScript may carry: a call's arguments, its return value,
    a binding's arguments or answer. The same crossing may carry at most ``memory_mb`` of data.
    Both are checked while converting, before anything is copied, so a value cheap in
    JavaScript but huge once copied (a sparse array, a shared subtree, one long string many
    times) is a :class:`ConversionError`, not host memory.
    """

    def __init__(
        self,
        *,
        memory_mb: Optional[float] = None,
        cpu_ms: Optional[float] = None,
        wall_ms: Optional[float] = None,
        sub_requests: Optional[float] = None,
        conversion_nodes: Optional[float] = None,
    ) -> None: ...
    @property
    def memory_mb(self) -> Optional[int]: ...
    @property
    def cpu_ms(self) -> Optional[int]: ...
    @property
    def wall_ms(self) -> Optional[int]: ...
    @property
    def sub_requests(self) -> Optional[int]: ...
    @property
    def conversion_nodes(self) -> Optional[int]: ...

class RpcTarget:
    """Base class for Python objects handed to a worker (in ``env`` or as call arguments) as
    RPC capabilities. JavaScript sees a frozen stub whose methods are the public methods the
    subclass defines (sync or async); attributes, ``_`` names and anything inherited from
    ``object`` are never reachable. A call returns a promise; an exception in the method rejects
    it with an ``Error`` carrying the exception's type name and message, never its traceback.
    """

class Request:
    """An HTTP request for a worker's fetch handler: ``ep.fetch(Request(url, ...))``.

    ``body`` is whole (str, bytes-like) or streamed: an iterator or async iterator of str or
    bytes-like chunks, which the worker's ``request.body`` pulls as it reads (``None`` ends it;
    empty chunks are skipped). Such a request can be sent once. The iterator runs on a host
    thread (an async one on the loop it was made on), so a slow one delays only its worker. A
    :class:`Loader` call would wait forever for an async body whose loop is the calling thread's
    own, or stopped: it raises ``TypeError`` instead (await an :class:`AsyncLoader` worker, or
    call from another thread)."""

    url: str
    method: str
    def __init__(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Optional[Union[Mapping[str, str], Iterable[tuple[str, str]]]] = None,
        body: Optional[
            Union[
                str,
                bytes,
                bytearray,
                memoryview,
                Iterable[Union[str, bytes, bytearray, memoryview]],
                AsyncIterable[Union[str, bytes, bytearray, memoryview]],
            ]
        ] = None,
    ) -> None: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> Optional[bytes]:
        """The whole body; None without one, or for a streamed one."""

class Response:
    """An HTTP response, as returned by ``ep.fetch()``."""

    status: int
    status_text: str
    def __init__(
        self,
        body: Optional[Union[str, bytes, bytearray, memoryview]] = None,
        *,
        status: int = 200,
        headers: Optional[Union[Mapping[str, str], Iterable[tuple[str, str]]]] = None,
        status_text: str = "",
    ) -> None: ...
    @property
    def headers(self) -> dict[str, str]:
        """Lower-cased names; repeated headers joined with ", "."""
    @property
    def header_list(self) -> list[tuple[str, str]]:
        """The headers as set, in order, each ``Set-Cookie`` on its own (what a server sends)."""
    @property
    def ok(self) -> bool: ...
    @property
    def body(self) -> bytes:
        """The whole body. A streamed body is read to its end first (what is left of it, if
        iteration began); it raises what ended the stream (the stream's error, a limit)."""
    def text(self) -> str: ...
    def json(self) -> Any: ...
    @property
    def streamed(self) -> bool:
        """True when the body is still in the worker (``ep.fetch(..., stream=True)``)."""
    def __iter__(self) -> BodyIterator:
        """The body's chunks as the worker produces them; a body that came whole is one chunk.
        The worker's stream is pulled only as chunks are asked for."""
    def __aiter__(self) -> BodyIterator: ...
    def close(self) -> None:
        """Stops reading a streamed body: the worker's stream is cancelled (its source's
        ``cancel`` runs) and the call ends. Dropping the response does the same."""
    def __enter__(self) -> Response: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

class BodyIterator:
    """A response body's chunks: ``for chunk in response`` (blocking while the worker produces
    the next one) or ``async for chunk in response`` (an :class:`AsyncLoader`'s worker)."""

    def __iter__(self) -> BodyIterator: ...
    def __next__(self) -> bytes: ...
    def __aiter__(self) -> BodyIterator: ...
    def __anext__(self) -> Awaitable[bytes]: ...

class WorkerCode:
    """The code of a worker: its modules, which one is the entry point, and its ``env``.

    Validated on construction: the main module must be one of ``modules``, module types must be
    known, the total source size is capped at 64 MiB, and ``env`` must be a dict with str keys
    (at most 1 MiB once converted). Raises :class:`CodeError`.

    ``global_outbound`` decides where the sandbox's ``fetch()`` goes: None (the default) makes
    every ``fetch()`` reject with a ``TypeError`` and nothing leaves the process; a callable
    receives each request as a :class:`Request` and returns a :class:`Response` (or raises, which
    rejects the fetch with the exception's type name and message). Each fetch counts against
    ``Limits.sub_requests`` of the call.

    ``env`` values are JSON-like data, ``bytes``, ``datetime``, :class:`RpcTarget` instances,
    plain callables, and other workers' :class:`Entrypoint` stubs (service bindings: method
    calls and ``fetch(input, init)``, which reaches the other worker's fetch handler and counts
    as a subrequest, go from isolate to isolate without entering Python); the worker sees them
    as ``env`` (the last-but-one argument of an object
    entrypoint's methods, ``this.env`` in a ``WorkerEntrypoint``, or ``import { env } from
    "cloudflare:workers"``).
    """

    def __init__(
        self,
        main_module: str,
        modules: Mapping[str, ModuleSpec],
        env: Optional[Mapping[str, Any]] = None,
        global_outbound: Optional[OutboundHook] = None,
        limits: Optional[Limits] = None,
        compatibility_date: Optional[str] = None,
        compatibility_flags: Sequence[str] = (),
        on_trace: Optional[Callable[[TraceRecord], object]] = None,
    ) -> None: ...
    @property
    def compatibility_date(self) -> Optional[str]:
        """Recorded as in Workers (``YYYY-MM-DD``); no behaviour depends on it yet."""
    @property
    def compatibility_flags(self) -> list[str]:
        """Workers' compatibility flags. ``"nodejs_compat"`` makes the runtime's ``node:*``
        modules importable (``node:buffer``, ``node:events``, ``node:util``, ``node:crypto``, ``node:path`` and the others listed in the README), as ``node:NAME``
        or, where the bundle has no module of that name, as ``NAME``; without it, importing one
        is a :class:`CodeError` naming the flag."""
    @property
    def limits(self) -> Limits: ...
    @property
    def main_module(self) -> str: ...
    @property
    def modules(self) -> dict[str, dict[str, Any]]:
        """Each module as a one-key ``{type: value}`` dict."""
    @property
    def env(self) -> Optional[Mapping[str, Any]]: ...

class Loader:
    """Creates workers. Each :meth:`load` is a fresh V8 isolate.

    Isolates run on the loader's own threads (``threads``, default: one per CPU core). Any free
    thread runs any worker that has work (a worker stays on the thread it last ran on while that
    thread is free), so one worker's long-running JavaScript never delays another's calls while a
    thread is free; when every thread is in a turn longer than a few milliseconds and work waits,
    up to one extra thread per CPU core serves it. The GIL is released while JavaScript runs. Use
    as a context manager, or call :meth:`close`.

    Ctrl-C while a call or a load waits (its JavaScript running, or awaiting a binding or a
    timer) raises ``KeyboardInterrupt`` at once and ends that worker. In a forked child, every
    method of a Loader or Worker made before the fork raises :class:`WorkerError`; create
    Loaders after forking.
    """

    def __init__(
        self,
        *,
        threads: Optional[int] = None,
        max_warm: int = 1024,
        idle_ttl_s: Optional[float] = 600.0,
        pool_size: int = 2,
        python_pool_size: int = 1,
        host_threads: Optional[int] = None,
        trim_after_s: Optional[float] = 5.0,
    ) -> None:
        """``max_warm`` caps the workers kept by :meth:`get` (least recently used go first);
        ``idle_ttl_s`` drops cached workers not called for that long (None: never);
        ``pool_size`` blank isolates per thread are kept ready (filled before the constructor
        returns, refilled when the thread is idle) so ``load()`` does not wait for isolate
        creation.

        ``python_pool_size`` isolates per thread with Pyodide already restored are kept ready
        for Python workers with the default memory limit, so their ``load()`` skips the restore
        (about a hundred milliseconds). A loader starts making them, at idle time, after its
        first Python worker; one that never runs Python holds none. 0 turns this off. Each holds
        a restored interpreter (tens of MiB), and none ever serves a second worker.

        ``host_threads`` caps the threads that run the sandbox's calls to Python bindings
        (default 16). Each worker runs at most 4 binding calls at once and queues up to 10,000
        more; free threads serve workers in rotation, so one tenant's flood delays another's
        binding call by about one call. Past the queue a call rejects in JavaScript with an
        error named ``TooManyHostCalls``.

        ``trim_after_s``: a worker idle that long whose memory grew since it was made gets a full
        garbage collection at idle time on an isolate thread (never on a caller's path), giving
        its empty heap pages and unreachable ArrayBuffers back to the system; its state is kept.
        0 trims as soon as a worker goes idle; None never trims."""
    def get(self, id: str, factory: Callable[[], Union[WorkerCode, Awaitable[WorkerCode]]]) -> Worker:
        """The warm worker cached under ``id``, or a fresh one loaded from ``factory()``.

        The factory runs once per id, even when several threads ask at once; it may be a
        coroutine function. If it raises, calls on the returned worker raise that error and
        the id is not cached. A cached worker that was closed or died (a limit, a termination)
        is a miss: the factory runs again. Eviction only drops the cache's reference: a worker
        you still hold keeps working. At the process's isolate cap (see the README), a miss
        first disposes of a cached worker that nothing else holds, the least recently used.

        A factory may call ``get()`` for other ids; one that would wait for itself (its own id,
        or a cycle through other ids' factories, in this thread or others) raises
        :class:`WorkerError` instead of deadlocking.
        """
    def evict(self, id: str) -> bool:
        """Drops ``id`` from the warm cache; returns whether it was there."""
    @property
    def warm_ids(self) -> list[str]:
        """The ids currently in the warm cache."""
    @property
    def pooled(self) -> Pooled:
        """How many isolates made ahead of demand are ready now, by kind."""
    def load(
        self,
        code: Optional[WorkerCode] = None,
        *,
        main_module: Optional[str] = None,
        modules: Optional[Mapping[str, ModuleSpec]] = None,
        env: Optional[Mapping[str, Any]] = None,
        global_outbound: Optional[OutboundHook] = None,
        limits: Optional[Limits] = None,
        compatibility_date: Optional[str] = None,
        compatibility_flags: Optional[Sequence[str]] = None,
        on_trace: Optional[Callable[[TraceRecord], object]] = None,
    ) -> Worker:
        """Starts a fresh worker and evaluates its main module.

        Pass a :class:`WorkerCode`, or its fields as keywords. Raises :class:`CodeError` for bad
        code, :class:`JSError` if a module fails to parse (``name == "SyntaxError"``) or its
        top-level code throws, and :class:`WorkerError` when the process already holds as many
        isolates as its memory-mapping limit allows (see the README's Limits section).
        """
    def close(self) -> None:
        """Terminates running JavaScript and disposes every worker. Idempotent."""
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

class AsyncLoader:
    """:class:`Loader` for asyncio. The same engine; every method that waits returns an
    awaitable, and entrypoint calls on its workers are awaitables too. The event loop never
    blocks on JavaScript: answers arrive through a helper thread that completes futures with
    ``call_soon_threadsafe``. Use from coroutines running on an event loop.

    Cancelling the task that awaits a call (or a :meth:`load`) stops its JavaScript at once.
    Only a whole worker can be stopped, so the cancelled call ends its worker: other calls in
    flight on it raise :class:`TerminatedError`, later ones :class:`ClosedError`, and a
    :meth:`get` of its id loads a fresh one.
    """

    def __init__(
        self,
        *,
        threads: Optional[int] = None,
        max_warm: int = 1024,
        idle_ttl_s: Optional[float] = 600.0,
        pool_size: int = 2,
        python_pool_size: int = 1,
        host_threads: Optional[int] = None,
        trim_after_s: Optional[float] = 5.0,
    ) -> None: ...
    def load(
        self,
        code: Optional[WorkerCode] = None,
        *,
        main_module: Optional[str] = None,
        modules: Optional[Mapping[str, ModuleSpec]] = None,
        env: Optional[Mapping[str, Any]] = None,
        global_outbound: Optional[OutboundHook] = None,
        limits: Optional[Limits] = None,
        compatibility_date: Optional[str] = None,
        compatibility_flags: Optional[Sequence[str]] = None,
        on_trace: Optional[Callable[[TraceRecord], object]] = None,
    ) -> Awaitable[Worker]:
        """Like :meth:`Loader.load`. Bad code raises at once; evaluation errors from the await."""
    def get(self, id: str, factory: Callable[[], Union[WorkerCode, Awaitable[WorkerCode]]]) -> Awaitable[Worker]:
        """Like :meth:`Loader.get` (factory cycles included); an async factory is awaited on the
        running loop."""
    def evict(self, id: str) -> bool: ...
    @property
    def warm_ids(self) -> list[str]: ...
    @property
    def pooled(self) -> Pooled: ...
    def close(self) -> None:
        """Terminates running JavaScript and disposes every worker. Idempotent."""
    @property
    def closed(self) -> bool: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

class Worker:
    """A loaded worker: one isolate with its evaluated main module."""

    def get_entrypoint(
        self, name: Optional[str] = None, *, props: Optional[JSValue] = None, limits: Optional[Limits] = None
    ) -> Entrypoint:
        """A stub for the main module's default export, or the export called ``name``.

        As in Workers, an object export's methods receive ``(...args, env, ctx)``; a class export
        (``extends WorkerEntrypoint``) is constructed per call with ``(ctx, env)``. ``props``
        becomes ``ctx.props``.
        """
    def close(self) -> None:
        """Disposes the isolate. Calls in flight end at once with :class:`ClosedError`, whatever
        their JavaScript is doing. Idempotent; its stubs raise :class:`ClosedError` afterwards."""
    @property
    def closed(self) -> bool:
        """True once the worker can run no more calls: closed (by this object, or by another
        :meth:`Loader.get` of its id), or dead (a limit, a termination)."""
    @property
    def id(self) -> Optional[str]:
        """The id given to :meth:`Loader.get`, or None for a worker from :meth:`Loader.load`."""
    @property
    def is_async(self) -> bool:
        """True for a worker of an :class:`AsyncLoader`: its entrypoint calls return awaitables."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

class Entrypoint:
    """An export of a worker. ``ep.method(*args)`` calls ``method`` on it in the isolate and
    returns the result, awaiting it if it is a promise. Names starting with ``_`` are not
    forwarded. ``ep.fetch(Request(...))`` calls the fetch handler and returns a
    :class:`Response`; ``ep.fetch(Request(...), stream=True)`` returns as soon as the handler's
    Response exists, and a body that is a ``ReadableStream`` is then read as it comes (iterate the
    response, or ``async for`` with an :class:`AsyncLoader`'s worker). The call stays open, its
    ``cpu_ms`` and ``wall_ms`` counting, until the body ends or the response is closed."""

    def __getattr__(self, name: str) -> EntrypointMethod: ...

class Answer:
    """What a call on an :class:`AsyncLoader`'s worker returns (and a streamed body's next chunk):
    an awaitable, awaited once (a second ``await`` raises ``RuntimeError``), usable anywhere an
    awaitable is (``asyncio.gather``, ``wait_for``, ``create_task``). Errors are raised at the
    ``await``. When it is the loader's only call on its way, the await first polls for the answer
    with the GIL released, for about as long as a warm call takes, so a warm call costs about
    what a :class:`Loader` call does and the event loop never sleeps for it; longer calls park
    on an asyncio future and the loop runs on. Cancelling the awaiting task stops the worker
    (only a whole worker can be stopped). An answer dropped unawaited still logs its console
    output and trace."""

    def __await__(self) -> Generator[Any, None, Any]: ...

class EntrypointMethod:
    """One method of an entrypoint, ready to call. For a worker of an :class:`AsyncLoader` the
    call returns an :class:`Answer` to await."""

    def __call__(self, *args: Any, stream: bool = False) -> Any:
        """``stream`` is for ``fetch`` only (``TypeError`` otherwise)."""

class Build:
    """What :func:`workerbox.bundler.build` made."""

    @property
    def code(self) -> WorkerCode:
        """The worker's code: load it, or return it from a ``Loader.get`` factory."""
    @property
    def lock(self) -> Optional[str]:
        """The lockfile (JSON) of the npm packages used, to pass back as ``lock=``; None for a
        project without dependencies."""
    @property
    def warnings(self) -> list[str]:
        """The bundler's warnings, one line each (file names relative to the project)."""
    @property
    def timings(self) -> dict[str, float]:
        """Milliseconds: ``install_ms`` (npm resolution and fetching), ``bundle_ms`` (resolving,
        transforming, linking) and ``total_ms``."""

def bundler_build(
    files: Mapping[str, Union[str, bytes]],
    *,
    entry_point: Optional[str] = None,
    bundle: bool = True,
    externals: Sequence[str] = (),
    target: str = "es2022",
    minify: bool = False,
    sourcemap: bool = False,
    jsx: str = "automatic",
    jsx_import_source: Optional[str] = None,
    define: Optional[Mapping[str, str]] = None,
    loader: Optional[Mapping[str, str]] = None,
    conditions: Optional[Sequence[str]] = None,
    virtual_modules: Optional[Mapping[str, str]] = None,
    registry: Optional[str] = None,
    lock: Optional[str] = None,
    offline: bool = False,
    cache_dir: Optional[str] = None,
) -> Build:
    """The native half of :func:`workerbox.bundler.build` (which documents the arguments)."""

# Python workers' native half (private; `workerbox._python` calls them once per process).
def _python_assets(directory: str) -> None: ...
def _python_maker_code() -> WorkerCode: ...
def _python_baseline(image: bytes) -> None: ...
