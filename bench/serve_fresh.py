"""The fresh-sandbox-per-request server of bench/serve_bench.py: an ASGI app that loads the module
named by $SERVE_BENCH_MODULE into a new worker for every request, serves the request with it, and
closes it. Served by uvicorn as ``serve_fresh:app`` (factory, ``--lifespan off``) with bench/ on
PYTHONPATH."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import workerbox as wb
from workerbox.asgi import App


def app() -> Any:
    """Built in each server process; the loader is made on the first request, inside the process
    and its event loop that use it."""
    path = Path(os.environ["SERVE_BENCH_MODULE"])
    code = wb.WorkerCode(main_module=path.name, modules={path.name: path.read_text()})
    loader: wb.AsyncLoader | None = None

    async def fresh(scope: Any, receive: Any, send: Any) -> None:
        nonlocal loader
        if loader is None:
            loader = wb.AsyncLoader()
        worker = await loader.load(code)
        try:
            await App(worker)(scope, receive, send)
        finally:
            worker.close()

    return fresh
