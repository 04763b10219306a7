"""The benchmark suite: workerbox and its peers doing the same tiny job, side by side, in one run.

    bash .ci/install && .venv/bin/python bench/run.py [--smoke] [--iterations N]

Writes bench/results/<date>.md (the table) and bench/results/<date>.png (log-scale latency and
memory, one bar per system), and prints the table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import all_setups  # noqa: E402
from progress import Progress  # noqa: E402
from run_peers import WORKDIR, Row, measure, table  # noqa: E402

TRIM_WORKERS = 100


def workerbox_rows(bar: Progress, iterations: int, density: list[int]) -> tuple[list[Row], dict]:
    bar.step(f"workerbox: {iterations} fresh sandboxes, warm calls, RPC, density {density}")
    cmd = [sys.executable, str(HERE / "workerbox_bench.py"), "--iterations", str(iterations), "--density", *map(str, density),
           "--trim-workers", str(TRIM_WORKERS if iterations > 5 else 10)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return [Row("workerbox", [], notes=f"failed: {done.stderr.strip().splitlines()[-1:]}")], {}
    data = json.loads(done.stdout)
    mib = data["density"][0]["mib_per_isolate"] if data["density"] else None
    fresh_row = Row("workerbox load()+call+close", data["fresh_s"], mib,
                    f"{data['fresh_per_second_all_cores']:.0f}/s on all cores")
    paced_row = Row(f"workerbox load()+call+close, {data['paced_gap_s'] * 1e3:.0f} ms apart", data["paced_s"], mib,
                    "the pool refills between jobs; per second counts the job alone, not the gap")
    no_pool_row = Row("workerbox load()+call+close, pool_size=0", data["fresh_no_pool_s"], mib,
                      "isolate created inside load()")
    warm = sorted(data["warm_s"])
    warm_row = Row("workerbox warm call", data["warm_s"], None,
                   f"median {statistics.median(warm) * 1e6:.1f} µs, p99 {warm[math.ceil(0.99 * len(warm)) - 1] * 1e6:.1f} µs; "
                   f"RPC JS→Python→JS {data['rpc_round_trip_s'] * 1e6:.1f} µs")
    awaited = sorted(data["awaited_s"])
    awaited_row = Row("workerbox warm call, awaited (AsyncLoader)", data["awaited_s"], None,
                      f"median {statistics.median(awaited) * 1e6:.1f} µs, p99 {awaited[math.ceil(0.99 * len(awaited)) - 1] * 1e6:.1f} µs, "
                      f"one after another; {data['gathered_per_second']:.0f}/s gathered")
    return [fresh_row, paced_row, no_pool_row, warm_row, awaited_row], data


def side_table(bar: Progress, script: str, *args: str) -> str:
    """The markdown a side benchmark prints (limits precision, outbound overhead)."""
    bar.step(f"{script} {' '.join(args)}")
    done = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return f"{script} failed: {done.stderr.strip().splitlines()[-1:] }"
    return done.stdout.strip()


def migration_line(n: int) -> str:
    """What moving an isolate between threads costs, from the bare-V8 binary the peers built."""
    floor = WORKDIR / "v8_floor-target" / "release" / "v8_floor"
    if not floor.exists():
        return ""
    done = subprocess.run([str(floor), "migrate", str(n)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        return f"\n\nv8_floor migrate failed: {done.stderr.strip().splitlines()[-1:]}"
    m = json.loads(done.stdout)
    return (f"\n\nMoving an isolate between threads (bare V8 under `v8::Locker`, `v8_floor migrate {n}`): a trivial "
            f"call costs {m['same_thread_us']:.2f} µs when one thread takes the isolate every time and "
            f"{m['alternating_us']:.2f} µs when two threads take turns (of which {m['hand_off_us']:.2f} µs is the hand-off).")


def chart(rows: list[Row], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "matplotlib"], check=False)
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return False
    shown = [r for r in rows if r.times]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 0.5 * len(shown) + 2))
    names = [r.system for r in shown]
    a.barh(names, [r.median_ms for r in shown])
    a.set_xscale("log")
    a.set_xlabel("median ms, fresh sandbox + one call (log)")
    mem = [(r.system, r.mib) for r in shown if r.mib]
    b.barh([m[0] for m in mem], [m[1] for m in mem], color="tab:orange")
    b.set_xscale("log")
    b.set_xlabel("MiB per live sandbox (log)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--smoke", action="store_true", help="a few iterations of everything, no thresholds")
    args = ap.parse_args()
    iterations = 5 if args.smoke else args.iterations
    density = [50] if args.smoke else [1000, 10000]
    bar = Progress(1 + len(all_setups()) + 7)
    ours, raw = workerbox_rows(bar, iterations, density)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    # The peers' setup chatter and any tracebacks; the bar says where the run is.
    with open(results / "peers.log", "w") as log:
        rows = ours + measure(iterations if args.smoke else max(20, iterations // 4), log=log, on_setup=bar.step)
    # A smoke run checks that everything runs; it must not replace the last real results.
    stamp = "smoke" if args.smoke else datetime.date.today().isoformat()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    header = f"{datetime.date.today().isoformat()}{' (smoke)' if args.smoke else ''}, {platform.machine()} with {os.cpu_count()} cores, commit {commit or '?'}"
    body = table(rows, ours[0].median_ms if ours[0].times else None)
    if raw.get("density"):
        body += "\n\n| live idle isolates | MiB per isolate | mappings per isolate | idle CPU % |\n|---:|---:|---:|---:|\n"
        body += "\n".join(f"| {d['count']} | {d['mib_per_isolate']:.2f} | {d['mappings_per_isolate']:.2f} | {d['idle_cpu_percent']:.1f} |"
                           for d in raw["density"])
        for d in raw["density"]:
            if d["refused"]:
                body += f"\n\nAsked for {d['asked']} live isolates; load() refused at {d['count']}: {d['refused']}"
    if raw.get("trim"):
        t = raw["trim"]
        body += (f"\n\nIdle trimming ({TRIM_WORKERS} workers whose heaps grew to {t['grown_mib']:.1f} MiB each, then idle): "
                 f"{t['untrimmed_mib']:.1f} MiB each untrimmed, {t['trimmed_mib']:.1f} MiB trimmed; the first call after the "
                 f"idle time takes {t['trimmed_first_call_s'] * 1e6:.0f} µs trimmed, {t['untrimmed_first_call_s'] * 1e6:.0f} µs untrimmed.")
    if raw.get("runtime_use"):
        ru = raw["runtime_use"]
        body += (f"\n\nLazy runtime: a fresh load()+call+close() whose call reads every global (so every runtime file installs) "
                 f"takes {ru['all_globals_s'] * 1e3:.2f} ms, one that reads none {ru['no_globals_s'] * 1e3:.2f} ms; "
                 f"{ru['workers']} idle workers that read every global hold {ru['mib_all_globals']:.2f} MiB each.")
    if raw.get("code_cache"):
        cc = raw["code_cache"]
        body += (f"\n\nCode cache: load()+call+close() of a {cc['kib']:.0f} KiB module takes {cc['uncached_s'] * 1e3:.1f} ms "
                 f"when its source is new and {cc['cached_s'] * 1e3:.1f} ms when V8's code for it is cached.")
    body += "\n\n## Limits precision\n\n" + side_table(bar, "limits_bench.py", "--repeats", "3" if args.smoke else "20")
    body += "\n\n## Outbound overhead\n\n" + side_table(bar, "outbound_bench.py", "--fetches", "20" if args.smoke else "200")
    body += "\n\n## Scheduling: neighbours of CPU hogs (2 threads)\n\n" + side_table(
        bar, "scheduling_bench.py", "--samples", "10" if args.smoke else "200")
    body += "\n\n## Streamed bodies\n\n" + side_table(bar, "streaming_bench.py", "--mib", "64" if args.smoke else "1024")
    body += "\n\n## Compression streams\n\n" + side_table(bar, "compression_bench.py", "--repeats", "1" if args.smoke else "5")
    body += "\n\n## Python guests (Pyodide)\n\n" + side_table(
        bar, "python_bench.py", *(["--sandboxes", "3", "--live", "3"] if args.smoke else []))
    serve_args = ["--duration", "1", "--warmup", "0", "--connections", "4"] if args.smoke else []
    body += "\n\n## Serving the guide's Hono app over HTTP (wrk)\n\n" + side_table(bar, "serve_bench.py", *serve_args)
    body += migration_line(2000 if args.smoke else 20000)
    (results / f"{stamp}.md").write_text(f"# workerbox vs peers — {header}\n\n{body}\n")
    drew = chart(rows, results / f"{stamp}.png")
    print(f"{header}\n\n{body}")
    bar.finish(f"wrote bench/results/{stamp}.md" + (f" and {stamp}.png" if drew else " (no chart: matplotlib unavailable)"))


if __name__ == "__main__":
    main()
