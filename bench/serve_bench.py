"""Serving throughput: the guide's Hono app (`GET /json`), bundled once by workerbox.bundler into
one ES module, served unchanged by workerbox (its CLI, and an app on an AsyncLoader), workerd and
node, and loaded by the same wrk in the same run, one server at a time. Prints markdown.

    .venv/bin/python bench/serve_bench.py [--duration S] [--warmup S] [--connections N] [--threads N] [--rounds N]

Besides requests/s and wrk's p50/p99 latency, each row shows the CPU the server's processes used
per request (steadier than requests/s on a busy machine) and their memory (PSS) after the run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import Unavailable  # noqa: E402
from peers._common import SetupError, apt_install, descendants, pss_mib  # noqa: E402
from run_peers import WORKDIR  # noqa: E402
from serve_peers import Server, servers  # noqa: E402

HONO_APP = {
    "package.json": json.dumps({"name": "hono-app", "main": "src/index.ts", "dependencies": {"hono": "^4.0.0"}}),
    "src/index.ts": """
import { Hono } from 'hono'

const app = new Hono()
app.get('/json', (c) => c.json({ message: 'Hello from Hono!', ok: true, items: [1, 2, 3] }))
export default app
""",
}
EXPECT = {"message": "Hello from Hono!", "ok": True, "items": [1, 2, 3]}

# wrk prints its summary for people; this prints the numbers for us as one JSON line.
WRK_REPORT = """done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Load:
    threads: int
    connections: int
    seconds: float
    warmup: float


@dataclass
class Result:
    name: str
    fresh: bool
    notes: str
    stats: dict | None = None  # wrk's numbers plus cpu_s and pss_mib; None when it did not run


def build_app(workdir: Path) -> Path:
    """The Hono app as one ES module file, which every server serves as it is."""
    from workerbox import bundler

    code = bundler.create_worker(HONO_APP)
    if len(code.modules) != 1:
        raise SetupError(f"the bundle has {len(code.modules)} modules, not one")
    source = code.modules[code.main_module]["js"]
    out = workdir / "serve" / "hono_app.mjs"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(source)
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (their threads included) so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def get_json(port: int) -> object:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10) as r:
        body = r.read()
    try:
        return json.loads(body)
    except ValueError:
        raise SetupError(f"/json answered {body[:200]!r}") from None


@contextmanager
def running(server: Server, log: Path) -> Iterator[subprocess.Popen]:
    """The server, started in its own session (so its worker processes end with it), once it
    answers /json with the expected object."""
    with log.open("w") as out:
        proc = subprocess.Popen(server.argv, env=server.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                got = get_json(server.port)
                break
            except urllib.error.HTTPError as e:
                raise SetupError(f"/json answered {e.code}") from None
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SetupError(f"no answer on port {server.port}: {log.read_text().strip()[-300:]}") from None
                time.sleep(0.1)
        if got != EXPECT:
            raise SetupError(f"/json answered {json.dumps(got)[:200]}")
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Ends the server's whole process group (uvicorn's workers too)."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wrk(binary: str, script: Path, port: int, load: Load, seconds: float) -> dict:
    argv = [binary, "-t", str(load.threads), "-c", str(load.connections), "-d", f"{seconds:g}s", "--latency",
            "-s", str(script), f"http://127.0.0.1:{port}/json"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {(done.stderr or done.stdout).strip()[-300:]}")
    return json.loads(lines[-1])


def measure(server: Server, wrk_binary: str, script: Path, load: Load, logdir: Path) -> dict:
    with running(server, logdir / f"server-{server.port}.log") as proc:
        if load.warmup:
            wrk(wrk_binary, script, server.port, load, load.warmup)  # JITs and caches; discarded
        pids = descendants(proc.pid)
        before = cpu_seconds(pids)
        stats = wrk(wrk_binary, script, server.port, load, load.seconds)
        stats["cpu_s"] = cpu_seconds(pids) - before
        stats["pss_mib"] = tree_pss_mib(proc.pid)
    return stats


def tree_pss_mib(pid: int) -> float:
    total = 0.0
    for p in descendants(pid):
        with suppress(OSError):  # a process that ended meanwhile holds nothing
            total += pss_mib(p)
    return total


def table(results: list[Result], load: Load, rounds: int, loadavg: tuple[float, float]) -> str:
    """The markdown; loadavg is the one-minute load average before and after the run."""
    of = f"the median of {rounds} rounds by requests/s" if rounds > 1 else "one round"
    lines = [f"wrk -t{load.threads} -c{load.connections} -d{load.seconds:g}s --latency after a {load.warmup:g} s warm-up, "
             f"one server at a time, {of}; load average {loadavg[0]:.2f} before the run and {loadavg[1]:.2f} after it, "
             f"on {os.cpu_count()} cores.",
             "",
             "| server | sandbox | requests/s | p50 ms | p99 ms | server CPU µs/request | server MiB (PSS) | notes |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in sorted(results, key=lambda r: r.fresh):
        sandbox = "new per request" if r.fresh else "warm"
        s = r.stats
        if s is None:
            lines.append(f"| {r.name} | {sandbox} | — | — | — | — | — | {r.notes} |")
            continue
        errors = s["non2xx"] + s["socket_errors"]
        notes = r.notes + (f"; {s['non2xx']} non-2xx, {s['socket_errors']} socket errors" if errors else "")
        lines.append(f"| {r.name} | {sandbox} | {rps(s):.0f} | {s['p50_us'] / 1e3:.2f} | {s['p99_us'] / 1e3:.2f} | "
                     f"{s['cpu_s'] / max(1, s['requests']) * 1e6:.0f} | {s['pss_mib']:.0f} | {notes} |")
    return "\n".join(lines)


def run(load: Load, workers: int, rounds: int) -> str:
    load_before = os.getloadavg()[0]
    try:
        wrk_binary = apt_install("wrk", "wrk")
        app = build_app(WORKDIR)
    except (SetupError, OSError) as e:
        return f"serving bench unavailable: {e}"
    except Exception as e:  # a bundler error (no registry here): the table says so instead
        return f"serving bench unavailable: building the Hono app failed: {e}"
    script = app.parent / "report.lua"
    script.write_text(WRK_REPORT)
    every = servers(WORKDIR, app, workers)
    runs: dict[int, list[dict]] = {}
    failed: dict[int, str] = {}
    # Rounds go over every server in turn, so a burst of load from elsewhere hits one round of
    # each rather than every round of one.
    for _ in range(rounds):
        for i, server in enumerate(every):
            if isinstance(server, Unavailable) or i in failed:
                continue
            print(f"serve bench: {server.name} ({'fresh' if server.fresh else 'warm'})", file=sys.stderr, flush=True)
            try:
                runs.setdefault(i, []).append(measure(server, wrk_binary, script, load, app.parent))
            except (SetupError, RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                failed[i] = f"failed: {e}"
    results = []
    for i, server in enumerate(every):
        if isinstance(server, Unavailable):
            results.append(Result(server.name, False, f"unavailable: {server.reason}"))
        elif i in failed:
            results.append(Result(server.name, server.fresh, failed[i]))
        else:
            results.append(Result(server.name, server.fresh, server.notes, median_round(runs[i])))
    return table(results, load, rounds, (load_before, os.getloadavg()[0]))


def median_round(stats: list[dict]) -> dict:
    """The round whose requests/s is the median of the server's rounds."""
    return sorted(stats, key=rps)[len(stats) // 2]


def rps(stats: dict) -> float:
    return stats["requests"] / (stats["duration_us"] / 1e6)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=10, help="seconds of load per server")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of load first, not counted")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="workerbox server processes")
    ap.add_argument("--rounds", type=int, default=1, help="measure every server this many times; report the median round")
    args = ap.parse_args()
    print(run(Load(args.threads, args.connections, args.duration, args.warmup), args.workers, args.rounds))


if __name__ == "__main__":
    main()
