"""workerbox's own measurements, run in a fresh interpreter by bench/run.py so RSS and CPU
readings belong to this process alone. Prints one JSON object.

    python bench/workerbox_bench.py --iterations N [--density N ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time

import workerbox as wb

MODULE = {"m.js": "export default { double(x) { return x * 2 } }"}
GROWER = {"g.js": "export default { grow(n) { const a = []; for (let i = 0; i < n; i++) a.push({ i }); return a.length }, double(x) { return x * 2 } }"}
# Reads every global, so each lazily installed runtime file runs (rust/bootstrap.rs).
TOUCH_ALL = {"t.js": "export default { double(x) { for (const n of Object.getOwnPropertyNames(globalThis)) globalThis[n]; return x * 2 } }"}
RPC_MODULE = {"r.js": "export default { async loop(n, env) { for (let i = 0; i < n; i++) await env.tool.ping(i); return n } }"}


PACED_GAP_S = 0.002
# Loader's default trim_after_s.
DEFAULT_TRIM_AFTER_S = 5.0
# Idle time before the first call in the trimming measurement; the trimmed loader trims after
# half of it: after every worker has grown, well before it is called.
TRIM_IDLE_S = 4.0


class Tool(wb.RpcTarget):
    def ping(self, i: int) -> int:
        return i


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def mappings() -> int:
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def fresh(loader: wb.Loader, n: int, modules: dict[str, str] = MODULE) -> list[float]:
    times = []
    main_module = next(iter(modules))
    for _ in range(n):
        t = time.perf_counter()
        w = loader.load(main_module=main_module, modules=modules)
        assert w.get_entrypoint().double(21) == 42
        w.close()
        times.append(time.perf_counter() - t)
    return times


def paced(loader: wb.Loader, n: int, gap_s: float) -> list[float]:
    """Like `fresh`, but each job starts `gap_s` after the last ended: the pool has time to
    refill, as it does for requests that come slower than isolates can be made."""
    times = []
    for _ in range(n):
        time.sleep(gap_s)
        times.extend(fresh(loader, 1))
    return times


def fresh_parallel(loader: wb.Loader, n: int, threads: int) -> float:
    """Sandboxes per second with `threads` Python threads each doing fresh jobs."""
    per = max(1, n // threads)
    start = time.perf_counter()
    workers = [threading.Thread(target=fresh, args=(loader, per)) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return per * threads / (time.perf_counter() - start)


def warm(loader: wb.Loader, n: int) -> list[float]:
    w = loader.load(main_module="m.js", modules=MODULE)
    ep = w.get_entrypoint()
    for _ in range(100):
        ep.double(1)
    times = []
    for i in range(n):
        t = time.perf_counter()
        ep.double(i)
        times.append(time.perf_counter() - t)
    w.close()
    return times


def awaited(n: int, threads: int) -> dict[str, object]:
    """The warm call of `warm`, awaited on an AsyncLoader one after another (an ASGI server's
    floor), and many at once."""

    async def main() -> dict[str, object]:
        async with wb.AsyncLoader(threads=threads) as loader:
            w = await loader.load(main_module="m.js", modules=MODULE)
            ep = w.get_entrypoint()
            for _ in range(100):
                await ep.double(1)
            times = []
            for i in range(n):
                t = time.perf_counter()
                await ep.double(i)
                times.append(time.perf_counter() - t)
            many = max(1000, n * 2)
            t = time.perf_counter()
            await asyncio.gather(*(ep.double(i) for i in range(many)))
            return {"awaited_s": times, "gathered_per_second": many / (time.perf_counter() - t)}

    return asyncio.run(main())


def rpc(loader: wb.Loader, n: int) -> float:
    """Seconds per JS → Python RpcTarget → JS round trip."""
    w = loader.load(main_module="r.js", modules=RPC_MODULE, env={"tool": Tool()})
    ep = w.get_entrypoint()
    ep.loop(10)
    t = time.perf_counter()
    ep.loop(n)
    elapsed = time.perf_counter() - t
    w.close()
    return elapsed / n


def big_module(n: int) -> str:
    """A module the size of a bundled library: thousands of functions, one of them called."""
    fns = "\n".join(f"export function f{i}(x) {{ let s = 0; for (let j = 0; j < x; j++) s += j * {i}; return s }}" for i in range(n))
    return fns + "\nexport default { run() { return f1(3) } }"


def code_cache(loader: wb.Loader, repeats: int) -> dict[str, float]:
    """Median seconds to load() + call + close() a large module whose code V8 has cached
    (seen before) and one it has not (a new source every time)."""
    src = big_module(8000)

    def once(source: str) -> float:
        t = time.perf_counter()
        with loader.load(main_module="lib.js", modules={"lib.js": source}) as w:
            w.get_entrypoint().run()
        return time.perf_counter() - t

    once(src)
    cached = [once(src) for _ in range(repeats)]
    fresh = [once(f"{src}\n// {i}") for i in range(repeats)]
    return {"kib": len(src) / 1024, "cached_s": statistics.median(cached), "uncached_s": statistics.median(fresh)}


def idle_mib(count: int, modules: dict[str, str]) -> float:
    """MiB per idle worker of `count` loaded from `modules` and called once (in a fresh
    interpreter: memory freed by earlier measurements would be reused and hide the cost)."""
    with wb.Loader() as loader:
        before = rss_mib()
        alive = [loader.load(main_module=next(iter(modules)), modules=modules) for _ in range(count)]
        for w in alive:
            w.get_entrypoint().double(1)
        time.sleep(0.5)
        return (rss_mib() - before) / count


def runtime_use(loader: wb.Loader, n: int, count: int) -> dict[str, float]:
    """What a worker pays for using the whole runtime, whose files install on first use: median
    seconds of a fresh load+call+close that reads every global vs one that reads none, and MiB
    per idle worker of `count` that read them all."""
    fresh(loader, 10, TOUCH_ALL)
    used, plain = statistics.median(fresh(loader, n, TOUCH_ALL)), statistics.median(fresh(loader, n))
    cmd = [sys.executable, __file__, "--idle-mib-of-all-globals", str(count)]
    mib = float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    return {"all_globals_s": used, "no_globals_s": plain, "mib_all_globals": mib, "workers": count}


def density(loader: wb.Loader, count: int) -> dict[str, float]:
    before, maps_before = rss_mib(), mappings()
    alive = []
    refused = ""
    for _ in range(count):
        try:
            alive.append(loader.load(main_module="m.js", modules=MODULE))
        except wb.WorkerError as e:
            refused = str(e)
            break
    for w in alive[:: max(1, count // 10)]:
        assert w.get_entrypoint().double(1) == 2
    time.sleep(0.5)
    per = (rss_mib() - before) / len(alive)
    maps_per = (mappings() - maps_before) / len(alive)
    # Idle means after the one pass of trim checks that follows trim_after_s of quiet.
    time.sleep(DEFAULT_TRIM_AFTER_S + 1.0)
    c0, t0 = cpu_s(), time.perf_counter()
    time.sleep(2.0)
    idle_cpu = (cpu_s() - c0) / (time.perf_counter() - t0) * 100
    for w in alive:
        w.close()
    return {"count": len(alive), "asked": count, "refused": refused, "mib_per_isolate": per,
            "mappings_per_isolate": maps_per, "idle_cpu_percent": idle_cpu}


def first_calls(workers: list[wb.Worker]) -> float:
    """Median seconds of the first call to each of `workers` after they sat idle."""
    times = []
    for w in workers:
        t = time.perf_counter()
        assert w.get_entrypoint().double(1) == 2
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def trim_case(count: int, trim: bool) -> dict[str, float]:
    """`count` workers that each grew their heap, then sat idle for TRIM_IDLE_S, trimmed or not:
    MiB each after growing and after the idle time, and what the first call after it costs."""
    trim_after = TRIM_IDLE_S / 2 if trim else None
    with wb.Loader(threads=os.cpu_count() or 1, pool_size=0, trim_after_s=trim_after) as loader:
        before = rss_mib()
        workers = [loader.load(main_module="g.js", modules=GROWER) for _ in range(count)]
        for w in workers:
            w.get_entrypoint().grow(100_000)
        grown = (rss_mib() - before) / count
        time.sleep(TRIM_IDLE_S)
        return {"grown_mib": grown, "idle_mib": (rss_mib() - before) / count, "first_call_s": first_calls(workers)}


def trimming(count: int) -> dict[str, float]:
    """`trim_case` with and without trimming, each in a fresh interpreter so RSS is its own."""
    out: dict[str, float] = {}
    for label in ("untrimmed", "trimmed"):
        cmd = [sys.executable, __file__, "--trim-case", label, "--trim-workers", str(count)]
        case = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        out["grown_mib"] = case["grown_mib"]
        out[f"{label}_mib"] = case["idle_mib"]
        out[f"{label}_first_call_s"] = case["first_call_s"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--density", type=int, nargs="*", default=[1000])
    ap.add_argument("--trim-workers", type=int, default=100)
    ap.add_argument("--trim-case", choices=["trimmed", "untrimmed"], help=argparse.SUPPRESS)
    ap.add_argument("--idle-mib-of-all-globals", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.idle_mib_of_all_globals:
        print(idle_mib(args.idle_mib_of_all_globals, TOUCH_ALL))
        return
    if args.trim_case:
        print(json.dumps(trim_case(args.trim_workers, args.trim_case == "trimmed")))
        return
    if getattr(wb._workerbox, "__debug_build__", False):
        sys.exit("refusing to benchmark a debug build of workerbox; install it with .ci/install")
    cores = os.cpu_count() or 1
    out: dict[str, object] = {}
    with wb.Loader(threads=cores, max_warm=100_000) as loader:
        fresh(loader, max(5, args.iterations // 10))
        times = fresh(loader, args.iterations)
        out["fresh_s"] = times
        out["fresh_per_second_all_cores"] = fresh_parallel(loader, args.iterations, cores)
        out["paced_gap_s"] = PACED_GAP_S
        out["paced_s"] = paced(loader, args.iterations, PACED_GAP_S)
        out["warm_s"] = warm(loader, args.iterations * 10)
        out["rpc_round_trip_s"] = rpc(loader, max(10, args.iterations))
        out["code_cache"] = code_cache(loader, max(3, args.iterations // 20))
        out["density"] = [density(loader, n) for n in args.density]
        out["runtime_use"] = runtime_use(loader, args.iterations, min(args.density, default=50))
    out.update(awaited(args.iterations * 10, cores))
    out["trim"] = trimming(args.trim_workers)
    # Every load() creates its isolate on the spot: the cost the pool takes off the caller.
    with wb.Loader(threads=cores, pool_size=0) as loader:
        fresh(loader, max(5, args.iterations // 10))
        out["fresh_no_pool_s"] = fresh(loader, args.iterations)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
