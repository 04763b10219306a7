"""How precisely limits hold, run in a fresh interpreter by bench/run.py; prints markdown.

- CPU: for cpu_ms in {10, 50, 200}, the CPU the call had actually used when it was stopped
  (from the call's trace), median and max over repeats.
- Memory: the process RSS ceiling each memory bomb reaches at memory_mb=64.
"""

from __future__ import annotations

import argparse
import resource
import statistics

import workerbox as wb

SPIN = {"m.js": "export default { f() { for (;;) {} } }"}
BOMBS = {
    "array push": "export default { f() { const a = []; for (;;) a.push({ x: [1, 2, 3] }) } }",
    "string doubling": "export default { f() { let s = 'x'; const k = []; for (;;) { s += s; k.push(s) } } }",
    "ArrayBuffers": "export default { f() { const k = []; for (;;) k.push(new Uint8Array(8 << 20)) } }",
    "Map": "export default { f() { const m = new Map(); for (let i = 0;; i++) m.set(i, { i }) } }",
    "WebAssembly memories": "export default { f() { const k = []; for (;;) { const m = new WebAssembly.Memory({ initial: 128 }); new Uint8Array(m.buffer).fill(1); k.push(m) } } }",
    "WebAssembly grow": "export default { f() { const m = new WebAssembly.Memory({ initial: 1 }); for (;;) { m.grow(16); new Uint8Array(m.buffer).fill(1) } } }",
}


def cpu_precision(loader: wb.Loader, limit_ms: int, repeats: int) -> list[float]:
    used = []
    for _ in range(repeats):
        traces: list[dict] = []
        w = loader.load(main_module="m.js", modules=SPIN, limits=wb.Limits(cpu_ms=limit_ms), on_trace=traces.append)
        try:
            w.get_entrypoint().f()
        except wb.CpuLimitExceeded:
            pass
        used.append(traces[-1]["cpu_ms"])
        w.close()
    return used


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    lines = ["| cpu_ms | used median ms | used max ms | overshoot max ms |", "|---:|---:|---:|---:|"]
    with wb.Loader(threads=1) as loader:
        for limit in (10, 50, 200):
            used = cpu_precision(loader, limit, args.repeats)
            lines.append(f"| {limit} | {statistics.median(used):.1f} | {max(used):.1f} | {max(used) - limit:.1f} |")
        lines += ["", "| memory bomb (memory_mb=64) | outcome | process peak RSS MiB |", "|---|---|---:|"]
        for name, src in BOMBS.items():
            w = loader.load(main_module="b.js", modules={"b.js": src}, limits=wb.Limits(memory_mb=64, cpu_ms=60_000))
            try:
                w.get_entrypoint().f()
                outcome = "returned?!"
            except wb.WorkerError as e:
                outcome = f"{type(e).__name__}" + (f" ({e.name})" if isinstance(e, wb.JSError) else "")
            w.close()
            lines.append(f"| {name} | {outcome} | {peak_rss_mib():.0f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
