"""ASGI apps for bench/serve_bench.py, serving the module named by $SERVE_BENCH_MODULE on an
AsyncLoader: ``warm`` keeps one worker (``get``), ``fresh`` loads a new worker for every request and
closes it after. Served by uvicorn as ``serve_app:warm`` or ``serve_app:fresh`` (factories,
``--lifespan off``) with bench/ on PYTHONPATH."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import workerbox as wb
from workerbox.asgi import App


def _code() -> wb.WorkerCode:
    path = Path(os.environ["SERVE_BENCH_MODULE"])
    return wb.WorkerCode(main_module=path.name, modules={path.name: path.read_text()})


def warm() -> Any:
    """The tenant's worker from the loader's cache, as ``App(loader, route=...)`` serves it."""
    code = _code()
    return App(wb.AsyncLoader(), route=lambda scope: ("hono-app", lambda: code))


def fresh() -> Any:
    """A new worker per request, closed when the response is sent."""
    code = _code()
    loader = wb.AsyncLoader()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        worker = await loader.load(code)
        try:
            await App(worker)(scope, receive, send)
        finally:
            worker.close()

    return app
