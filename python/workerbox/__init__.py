"""workerbox: run untrusted JavaScript in fresh V8 isolates, in-process.

Cloudflare's Dynamic Worker Loader for Python: ``Loader.load()`` starts a fresh isolate from a
bundle of modules, ``Worker.get_entrypoint()`` calls into it. ``workerbox.codemode`` runs a
model's TypeScript plan against Python tools. See the README for the security model and limits.
"""

from . import bundler, codemode
from ._python import ensure_runtime as prepare_python
from ._wheels import python_wheels
from ._workerbox import (
    Answer,
    AsyncLoader,
    BodyIterator,
    BuildError,
    ClosedError,
    CodeError,
    ConversionError,
    CpuLimitExceeded,
    Entrypoint,
    EntrypointMethod,
    HttpOutbound,
    JSError,
    LimitExceeded,
    Limits,
    Loader,
    MemoryLimitExceeded,
    PythonError,
    PythonFatalError,
    Request,
    Response,
    RpcTarget,
    SubrequestLimitExceeded,
    TerminatedError,
    WallTimeExceeded,
    Worker,
    WorkerCode,
    WorkerError,
    __version__,
)

__all__ = [
    "bundler",
    "codemode",
    "prepare_python",
    "python_wheels",
    "Answer",
    "AsyncLoader",
    "BodyIterator",
    "BuildError",
    "ClosedError",
    "CodeError",
    "ConversionError",
    "CpuLimitExceeded",
    "Entrypoint",
    "EntrypointMethod",
    "HttpOutbound",
    "JSError",
    "LimitExceeded",
    "Limits",
    "Loader",
    "MemoryLimitExceeded",
    "PythonError",
    "PythonFatalError",
    "Request",
    "Response",
    "RpcTarget",
    "SubrequestLimitExceeded",
    "TerminatedError",
    "WallTimeExceeded",
    "Worker",
    "WorkerCode",
    "WorkerError",
    "__version__",
]
