"""Child process that spawns and times sandbox processes for a process-based peer.

It runs as its own small process so that a peer can place it where its sandboxes must start
(crun needs a private mount namespace) without the harness itself moving there. One JSON request
per stdin line, one JSON reply per stdout line:
  {"op": "time", "argv": [...], "n": N, "expect": "42"}  -> {"times": [seconds, ...]}
  {"op": "hold", "argv": [...], "k": K}                   -> {"pids": [...]}
  {"op": "release"}                                       -> {}
"{i}" in argv is replaced by the job's index, for runtimes that need unique sandbox names.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time


def expand(argv: list[str], i: int) -> list[str]:
    return [a.replace("{i}", str(i)) for a in argv]


def time_jobs(argv: list[str], n: int, expect: str) -> list[float]:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        r = subprocess.run(expand(argv, i), stdin=subprocess.DEVNULL, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0 or r.stdout.strip() != expect:
            raise RuntimeError(f"job failed (rc {r.returncode}): {r.stdout[-300:]} {r.stderr[-300:]}")
    return times


def hold(argv: list[str], k: int) -> list[subprocess.Popen[str]]:
    """Start k sandboxes that each do the job, print one line, then wait for stdin to close."""
    procs = []
    for i in range(k):
        p = subprocess.Popen(expand(argv, i), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(p)
        assert p.stdout is not None
        if not p.stdout.readline():
            raise RuntimeError(f"held sandbox {i} exited early (rc {p.wait()})")
    return procs


def main() -> None:
    held: list[subprocess.Popen[str]] = []
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["op"] == "time":
                reply: dict[str, object] = {"times": time_jobs(req["argv"], req["n"], req["expect"])}
            elif req["op"] == "hold":
                held = hold(req["argv"], req["k"])
                reply = {"pids": [p.pid for p in held]}
            else:
                for p in held:
                    assert p.stdin is not None
                    p.stdin.close()
                for p in held:
                    p.wait()
                held = []
                reply = {}
        except Exception as e:  # reported to the harness, which shows it as the peer's failure
            reply = {"error": str(e)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
