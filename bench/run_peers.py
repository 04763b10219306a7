"""Measure the peer systems: fresh sandbox + one tiny call, per job, sequentially.

    python3 bench/run_peers.py [--iterations N | --smoke] [--only SUBSTR]

Prints a markdown table. bench/run.py imports `measure` and `table` to put workerbox beside them.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import traceback
from dataclasses import dataclass
from typing import Callable
from pathlib import Path

from peers import Unavailable, all_setups

WORKDIR = Path(__file__).resolve().parent / ".peers"


@dataclass
class Row:
    system: str
    times: list[float]  # seconds per job; empty when the system did not run
    mib: float | None = None
    notes: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1e3

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.times)
        return ordered[math.ceil(0.99 * len(ordered)) - 1] * 1e3  # nearest rank

    @property
    def per_second(self) -> float:
        return len(self.times) / sum(self.times)


def measure(iterations: int, only: str = "", log=sys.stderr, on_setup: Callable[[str], None] | None = None) -> list[Row]:
    """Sets up and times every peer; `on_setup(label)` is told as each one starts."""
    rows: list[Row] = []
    for label, setup in all_setups():
        if only.lower() not in label.lower():
            continue
        if on_setup:
            on_setup(label)
        print(f"setting up {label} ...", file=log, flush=True)
        try:
            peers = setup(WORKDIR)
        except Exception as e:
            rows.append(Row(label, [], notes=f"unavailable: {e}"))
            continue
        try:
            for peer in peers:
                if isinstance(peer, Unavailable):
                    rows.append(Row(peer.name, [], notes=f"unavailable: {peer.reason}"))
                    continue
                print(f"  {peer.name}: {iterations} jobs", file=log, flush=True)
                try:
                    peer.fresh(max(1, iterations // 10))  # warm caches and JITs; discarded
                    times = peer.fresh(iterations)
                    mib = peer.rss_per_sandbox()
                    rows.append(Row(peer.name, times, mib, peer.notes))
                except Exception as e:
                    traceback.print_exc(file=log)
                    rows.append(Row(peer.name, [], notes=f"failed: {e}"))
        finally:
            for peer in peers:
                if not isinstance(peer, Unavailable):
                    peer.close()
    return rows


def table(rows: list[Row], baseline_ms: float | None = None) -> str:
    """The markdown table; with `baseline_ms`, a column of each median divided by it."""
    ratio = baseline_ms is not None
    lines = ["| system | median ms | p99 ms | per second | MiB per sandbox |" + (" × workerbox |" if ratio else "") + " notes |",
             "|---|---:|---:|---:|---:|" + ("---:|" if ratio else "") + "---|"]
    for r in rows:
        if r.times:
            mib = "—" if r.mib is None else f"{r.mib:.2f}"
            cells = [f"{r.median_ms:.2f}", f"{r.p99_ms:.2f}", f"{r.per_second:.0f}", mib]
            if baseline_ms:
                cells.append(f"{r.median_ms / baseline_ms:.1f}")
        else:
            cells = ["—"] * (5 if ratio else 4)
        lines.append(f"| {r.system} | " + " | ".join(cells) + f" | {r.notes} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--iterations", type=int, default=50, help="timed jobs per system")
    ap.add_argument("--smoke", action="store_true", help="5 jobs per system: does everything run?")
    ap.add_argument("--only", default="", help="run only systems whose label contains this")
    args = ap.parse_args()
    rows = measure(5 if args.smoke else args.iterations, args.only)
    print(table(rows))


if __name__ == "__main__":
    main()
