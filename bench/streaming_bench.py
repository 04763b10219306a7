"""Streamed bodies through a worker capped at memory_mb=64: a response body read by Python as it
comes (`ep.fetch(request, stream=True)`) and a request body pulled from a Python iterator, each
of `--mib` 1 MiB chunks; prints markdown with the throughput and the process's RSS growth.

    .venv/bin/python bench/streaming_bench.py [--mib N]
"""

from __future__ import annotations

import argparse
import time

import workerbox as wb

SRC = r"""export default {
  fetch(request) {
    const url = new URL(request.url)
    if (url.pathname === '/upload') return (async () => {
      let total = 0
      for await (const chunk of request.body) total += chunk.byteLength
      return new Response(String(total))
    })()
    const n = Number(url.searchParams.get('mib'))
    let sent = 0
    return new Response(new ReadableStream({
      pull(c) { if (sent++ < n) c.enqueue(new Uint8Array(1 << 20)); else c.close() },
    }, { highWaterMark: 0 }))
  },
}"""


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def measure(mib: int, run) -> tuple[float, float]:
    """Seconds and peak RSS growth (MiB) of `run`, which calls `sample` as it goes."""
    before = peak = rss_mib()

    def sample() -> None:
        nonlocal peak
        peak = max(peak, rss_mib())

    started = time.perf_counter()
    run(sample)
    return time.perf_counter() - started, peak - before


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=1024)
    mib = ap.parse_args().mib
    rows = []
    with wb.Loader(threads=1) as loader:
        with loader.load(main_module="s.js", modules={"s.js": SRC}, limits=wb.Limits(memory_mb=64)) as w:
            ep = w.get_entrypoint()

            def download(sample) -> None:
                response = ep.fetch(wb.Request(f"https://bench.test/?mib={mib}"), stream=True)
                total = 0
                for chunk in response:
                    total += len(chunk)
                    sample()
                assert total == mib << 20

            def upload(sample) -> None:
                chunk = bytes(1 << 20)

                def chunks():
                    for _ in range(mib):
                        sample()
                        yield chunk

                request = wb.Request("https://bench.test/upload", method="POST", body=chunks())
                assert ep.fetch(request).text() == str(mib << 20)

            for name, run in (("response body → Python (`stream=True`)", download), ("Python iterator → request body", upload)):
                seconds, grew = measure(mib, run)
                rows.append(f"| {name} | {mib} MiB | {seconds:.2f} s | {mib / seconds:.0f} MiB/s | {grew:.0f} MiB |")
    print("A worker with `memory_mb=64` streams each body in 1 MiB chunks; RSS growth is the Python")
    print("process's peak over its start.\n")
    print("| direction | body | time | throughput | RSS growth |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
