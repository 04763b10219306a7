"""Peer systems that workerbox is measured against.

Each peer module exposes `setup(workdir) -> list[Peer | Unavailable]`, installing what it needs
under workdir (bench/.peers/) on first use. A module may yield several rows (workerd also reports
its bare HTTP round trip; crun has a busybox and a node variant). A peer that cannot run here
raises (SetupError says why) or returns `Unavailable`, so the table still shows it and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

# The job every peer does: a fresh sandbox, evaluate this module, call double(21), expect 42.
MODULE_SRC = "export default { double(x) { return x * 2 } }"
EXPECT = "42"


class Peer(Protocol):
    name: str
    notes: str

    def fresh(self, n: int) -> list[float]:
        """Seconds for each of n sequential "fresh sandbox + one call" jobs."""
        ...

    def rss_per_sandbox(self) -> float | None:
        """MiB each additional live sandbox costs, or None where that means nothing."""
        ...

    def close(self) -> None: ...


@dataclass
class Unavailable:
    name: str
    reason: str


Setup = Callable[[Path], "list[Peer | Unavailable]"]


def all_setups() -> list[tuple[str, Setup]]:
    # Imported lazily so one peer's import-time failure cannot hide the others.
    from . import crun, deno, mini_racer, node, v8_floor, workerd

    return [
        ("bare V8", v8_floor.setup),
        ("node -e", node.setup),
        ("deno eval", deno.setup),
        ("mini-racer", mini_racer.setup),
        ("workerd Worker Loader", workerd.setup),
        ("crun", crun.setup),
    ]
