"""Python guests: workerbox's Python workers (Pyodide restored from the process's baseline in a
fresh isolate) beside node hosting the same Pyodide; prints markdown (a side table of
bench/run.py).

    .venv/bin/python bench/python_bench.py [--sandboxes N] [--live N]

Rows: the one-off baseline (a full boot, once per process), a fresh sandbox plus one call with an
empty pool (the sandbox restores the baseline) and from the loader's pool of Python isolates
(restored ahead of demand, at idle time; each is measured once the pool has refilled), a warm
call, RSS per live sandbox (N live, RSS delta / N), and `sum(range(10**6))` timed inside the
guest. node's "sandbox" is a second `loadPyodide` from a memory snapshot in the same process
(node has no isolation between them); its RSS per instance is measured the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import workerbox as wb

MAIN = """
import time
def ping():
    return 1
def compute():
    t = time.perf_counter()
    sum(range(10**6))
    return (time.perf_counter() - t) * 1000
"""

NODE = r"""
import { loadPyodide } from "ASSETS/pyodide.mjs";
const live = Number(process.argv[2]), sandboxes = Number(process.argv[3]);
const rss = () => process.memoryUsage().rss / 1048576;
let t = performance.now();
const first = await loadPyodide({ indexURL: "ASSETS/", _makeSnapshot: true });
const boot_ms = performance.now() - t;
const snapshot = first.makeMemorySnapshot();
const fresh = [];
for (let i = 0; i < sandboxes; i++) {
  t = performance.now();
  const py = await loadPyodide({ indexURL: "ASSETS/", _loadSnapshot: snapshot });
  py.runPython("1");
  fresh.push(performance.now() - t);
}
globalThis.gc?.();
const before = rss();
const keep = [];
for (let i = 0; i < live; i++) keep.push(await loadPyodide({ indexURL: "ASSETS/", _loadSnapshot: snapshot }));
globalThis.gc?.();
const per_sandbox_mib = (rss() - before) / live;
const compute = [];
for (let i = 0; i < 5; i++) compute.push(first.runPython("import time\nt = time.perf_counter()\nsum(range(10**6))\n(time.perf_counter() - t) * 1000"));
console.log(JSON.stringify({ boot_ms, fresh, per_sandbox_mib, compute }));
"""


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def code() -> wb.WorkerCode:
    return wb.WorkerCode(main_module="main.py", modules={"main.py": MAIN})


def ours(sandboxes: int, live: int) -> dict[str, object]:
    started = time.perf_counter()
    first = code()  # the first Python WorkerCode of the process makes the baseline
    baseline_ms = (time.perf_counter() - started) * 1000
    with wb.Loader(threads=1, python_pool_size=0) as loader:
        # Live sandboxes first, so no freed sandbox's memory is counted as reused by them.
        before = rss_mib()
        workers = [loader.load(first) for _ in range(live)]
        per_sandbox = (rss_mib() - before) / live
        ep = workers[0].get_entrypoint()
        warm = []
        for _ in range(200):
            t = time.perf_counter()
            ep.ping()
            warm.append((time.perf_counter() - t) * 1e6)
        compute = [ep.compute() for _ in range(5)]
        for w in workers:
            w.close()
        fresh = []
        for _ in range(sandboxes):
            t = time.perf_counter()
            with loader.load(first) as w:
                w.get_entrypoint().ping()
            fresh.append((time.perf_counter() - t) * 1000)
    pooled = []
    with wb.Loader(threads=1, python_pool_size=1) as loader:
        loader.load(first).close()
        for _ in range(sandboxes):
            while loader.pooled["python"] < 1:
                time.sleep(0.01)
            t = time.perf_counter()
            with loader.load(first) as w:
                w.get_entrypoint().ping()
            pooled.append((time.perf_counter() - t) * 1000)
    return {"boot_ms": baseline_ms, "fresh": fresh, "pooled": pooled, "per_sandbox_mib": per_sandbox,
            "warm_us": warm, "compute": compute}


def node(assets: pathlib.Path, sandboxes: int, live: int) -> dict[str, object] | str:
    exe = shutil.which("node")
    if exe is None:
        return "node not found"
    with tempfile.TemporaryDirectory() as d:
        script = pathlib.Path(d) / "bench.mjs"
        script.write_text(NODE.replace("ASSETS", str(assets)))
        done = subprocess.run([exe, "--expose-gc", str(script), str(live), str(sandboxes)],
                              capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        return f"node failed: {done.stderr.strip().splitlines()[-1:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sandboxes", type=int, default=20)
    ap.add_argument("--live", type=int, default=20)
    args = ap.parse_args()
    try:
        from workerbox import _python

        assets = _python.assets_dir()
    except wb.WorkerError as e:
        print(f"(skipped: {e})")
        return
    us = ours(args.sandboxes, args.live)
    peer = node(assets, args.sandboxes, args.live)
    med = statistics.median
    rows = [("workerbox", us)] + ([("node + Pyodide (one process, no isolation)", peer)] if isinstance(peer, dict) else [])
    print("| system | baseline: full boot, once (ms) | fresh sandbox + call, empty pool, median (ms) | "
          "from the pool, median (ms) | warm call, median (µs) | MiB per live sandbox | sum(range(10**6)), median (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        warm = f"{med(r['warm_us']):.0f}" if "warm_us" in r else "—"
        pooled = f"{med(r['pooled']):.1f}" if "pooled" in r else "—"
        print(f"| {name} | {r['boot_ms']:.0f} | {med(r['fresh']):.1f} | {pooled} | {warm} | "
              f"{r['per_sandbox_mib']:.1f} | {med(r['compute']):.1f} |")
    if isinstance(peer, str):
        print(f"\nnode + Pyodide: {peer}")
    print(f"\n{args.sandboxes} fresh sandboxes of each kind, {args.live} live; with an empty pool workerbox restores "
          "the baseline in a new isolate per sandbox; a pooled sandbox was restored ahead of demand.")


if __name__ == "__main__":
    sys.exit(main())
