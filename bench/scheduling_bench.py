"""Fair scheduling, run in a fresh interpreter by bench/run.py; prints markdown.

With a Loader of 2 threads and 0, 1 or 2 workers spinning in `for (;;) {}` (each under a long
`cpu_ms`, restarted as they end), the latency a neighbour sees: a warm call to one of 8 warm
workers, and a fresh load()+call+close(). p50 and p99 over the samples.
"""

from __future__ import annotations

import argparse
import math
import statistics
import threading
import time

import workerbox as wb

HOG = {"hog.js": "export default { spin() { for (;;) {} } }"}
TRIVIAL = {"t.js": "export default { f() { return 1 } }"}


class Hogs:
    """`n` workers spinning back to back until stopped."""

    def __init__(self, loader: wb.Loader, n: int) -> None:
        self.loader, self.stop = loader, threading.Event()
        self.threads = [threading.Thread(target=self._spin) for _ in range(n)]

    def _spin(self) -> None:
        while not self.stop.is_set():
            w = self.loader.load(main_module="hog.js", modules=HOG, limits=wb.Limits(cpu_ms=2000))
            try:
                w.get_entrypoint().spin()
            except wb.WorkerError:
                pass
            w.close()

    def __enter__(self) -> "Hogs":
        for t in self.threads:
            t.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def quantiles(samples: list[float]) -> str:
    s = sorted(samples)
    p99 = s[math.ceil(0.99 * len(s)) - 1]
    return f"{statistics.median(s) * 1e3:.2f} | {p99 * 1e3:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=200)
    samples = ap.parse_args().samples
    lines = ["| CPU hogs running | warm call p50 ms | p99 ms | fresh load+call+close p50 ms | p99 ms |", "|---:|---:|---:|---:|---:|"]
    for hogs in (0, 1, 2):
        with wb.Loader(threads=2) as loader:
            warm = [loader.load(main_module="t.js", modules=TRIVIAL) for _ in range(8)]
            for w in warm:
                w.get_entrypoint().f()
            with Hogs(loader, hogs):
                calls, fresh = [], []
                for i in range(samples):
                    start = time.perf_counter()
                    warm[i % len(warm)].get_entrypoint().f()
                    calls.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    with loader.load(main_module="t.js", modules=TRIVIAL) as w:
                        w.get_entrypoint().f()
                    fresh.append(time.perf_counter() - start)
            for w in warm:
                w.close()
        lines.append(f"| {hogs} | {quantiles(calls)} | {quantiles(fresh)} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
