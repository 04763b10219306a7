"""Python workers' host side: finds Pyodide and makes the baseline every sandbox restores.

A Python worker (a `WorkerCode` whose main module is Python) runs in the runtime's Pyodide. The
first one in a process registers Pyodide's files with the engine and boots Pyodide once in a
worker of its own, before any tenant code, to make the baseline snapshot; every Python sandbox
after that restores the snapshot instead of booting.
"""

from __future__ import annotations

import os
import pathlib
import threading

from . import _workerbox as _native

HINT = "Python workers need Pyodide: pip install 'workerbox[python]'"

_lock = threading.Lock()
_ready = False


def assets_dir() -> pathlib.Path:
    """Where Pyodide's files are: `WORKERBOX_PYODIDE_DIR` (the npm package's folder, for
    development), else the `workerbox-pyodide` package, checked against its hashes."""
    override = os.environ.get("WORKERBOX_PYODIDE_DIR")
    if override:
        return pathlib.Path(override)
    try:
        import workerbox_pyodide  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise _native.WorkerError(HINT) from None
    workerbox_pyodide.verify()
    return pathlib.Path(workerbox_pyodide.ASSETS)


def ensure_runtime() -> None:
    """Registers Pyodide and makes the baseline, once per process (a full boot: seconds).

    The first Python `WorkerCode` does this itself; call it (as `workerbox.prepare_python`) at
    start-up, or from an executor in asyncio code, to take those seconds off the first request.
    Raises `WorkerError` with the install hint where Pyodide is missing."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        _native._python_assets(str(assets_dir()))
        with _native.Loader() as loader:
            maker = loader.load(_native._python_maker_code())
            image = maker.get_entrypoint().make()
        _native._python_baseline(image)
        _ready = True
