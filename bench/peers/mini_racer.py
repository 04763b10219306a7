"""mini-racer: a fresh V8 context per job, in this process (the closest in-process Python peer)."""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from types import ModuleType

from . import Peer, Unavailable
from ._common import HOLD_K, pip_install, rss_mib

VERSION = "0.14.1"
# mini-racer evaluates scripts, not ES modules, so the module becomes an object literal.
SCRIPT = "var m = { double(x) { return x * 2 } }"


class MiniRacerPeer:
    name = f"mini-racer {VERSION} (context per job, in-process)"
    notes = "script, not ES module"

    def __init__(self, lib: ModuleType) -> None:
        self._MiniRacer = lib.MiniRacer

    def _job(self) -> object:
        ctx = self._MiniRacer()
        ctx.eval(SCRIPT)
        if ctx.call("m.double", 21) != 42:
            raise RuntimeError("mini-racer returned a wrong result")
        return ctx

    def fresh(self, n: int) -> list[float]:
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            self._job().close()
            times.append(time.perf_counter() - t0)
        return times

    def rss_per_sandbox(self) -> float | None:
        gc.collect()
        before = rss_mib(os.getpid())
        live = [self._job() for _ in range(HOLD_K)]
        grown = rss_mib(os.getpid()) - before
        for ctx in live:
            ctx.close()
        return grown / HOLD_K

    def close(self) -> None:
        pass


def setup(workdir: Path) -> list[Peer | Unavailable]:
    target = str(pip_install(workdir, f"mini-racer=={VERSION}"))
    if target not in sys.path:
        sys.path.append(target)
    import py_mini_racer

    return [MiniRacerPeer(py_mini_racer)]
