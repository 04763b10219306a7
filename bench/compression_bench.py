"""CompressionStream/DecompressionStream throughput in a worker against Python's zlib, on 10 MiB
of JSON lines (made here, deterministic); prints markdown (a side table of bench/run.py).

    .venv/bin/python bench/compression_bench.py [--repeats N]

A worker's time is its call's wall time less that of an echo call moving the same bytes in or
out, best of N; both sides use gzip at level 6.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
import zlib
from typing import Callable

import workerbox as wb

SRC = r"""
async function drain(readable) {
  const reader = readable.getReader(), parts = []
  let n = 0
  for (;;) { const { done, value } = await reader.read(); if (done) break; parts.push(value); n += value.byteLength }
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}
function run(stream, input, chunk) {
  const w = stream.writable.getWriter()
  for (let at = 0; at < input.byteLength; at += chunk) w.write(input.subarray(at, at + chunk))
  w.close()
  return drain(stream.readable)
}
export default {
  echo(input) { return input },
  compress(input, chunk) { return run(new CompressionStream('gzip'), input, chunk) },
  decompress(input, chunk) { return run(new DecompressionStream('gzip'), input, chunk) },
}"""


def json_lines(size: int) -> bytes:
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10))) for _ in range(5000)]
    lines, total = [], 0
    while total < size:
        record = {
            "id": rng.randint(0, 10**9),
            "name": " ".join(rng.choice(words) for _ in range(rng.randint(1, 8))),
            "score": rng.random(),
            "tags": [rng.choice(words) for _ in range(3)],
        }
        line = json.dumps(record).encode() + b"\n"
        lines.append(line)
        total += len(line)
    return b"".join(lines)[:size]


def best(f: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if getattr(wb._workerbox, "__debug_build__", False):
        sys.exit("refusing to benchmark a debug build of workerbox; install it with .ci/install")
    data = json_lines(10 << 20)
    packed = gzip.compress(data, 6)
    mib = len(data) / 2**20
    rows = []
    with wb.Loader(threads=1) as loader:
        w = loader.load(main_module="m.js", modules={"m.js": SRC}, limits=wb.Limits(memory_mb=512))
        e = w.get_entrypoint()
        assert gzip.decompress(bytes(e.compress(data, 1 << 20))) == data
        assert bytes(e.decompress(packed, 1 << 20)) == data
        echo_in = best(lambda: e.echo(data), args.repeats)
        echo_out = best(lambda: e.echo(packed), args.repeats)
        for chunk in (10 << 20, 64 << 10):
            compress = best(lambda: e.compress(data, chunk), args.repeats) - echo_out
            decompress = best(lambda: e.decompress(packed, chunk), args.repeats) - echo_in
            rows.append((f"workerbox, {chunk >> 10} KiB chunks", mib / compress, mib / decompress))
        w.close()
    compress = best(lambda: gzip.compress(data, 6, mtime=0), args.repeats)
    decompress = best(lambda: zlib.decompress(packed, wbits=31), args.repeats)
    rows.append((f"Python zlib {zlib.ZLIB_RUNTIME_VERSION}", mib / compress, mib / decompress))
    print(f"gzip level 6 of {mib:.0f} MiB of JSON lines (ratio {len(packed) / len(data):.2f}), best of {args.repeats}\n")
    print("| | compress MiB/s | decompress MiB/s |\n|---|---:|---:|")
    for name, c, d in rows:
        print(f"| {name} | {c:.0f} | {d:.0f} |")


if __name__ == "__main__":
    main()
