"""Helpers the peers share: installing into bench/.peers/, and process-based sandboxes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

DRIVER = Path(__file__).with_name("_driver.py")
HOLD_K = 10  # live sandboxes held at once when measuring memory; enough to amortise noise


class SetupError(Exception):
    """A peer cannot run here; the message becomes its table row."""


def run_quiet(argv: list[str], what: str) -> None:
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise SetupError(f"{what} failed: {(r.stderr or r.stdout).strip()[-400:]}")


def pip_install(workdir: Path, requirement: str) -> Path:
    """Install into a per-package --target dir (pip will not add to an existing target)."""
    target = workdir / "pip" / requirement.replace("==", "-")
    if not target.is_dir():
        tmp = target.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        run_quiet([sys.executable, "-m", "pip", "install", "-q", "--target", str(tmp), requirement],
                  f"pip install {requirement}")
        tmp.rename(target)
    return target


def npm_install(workdir: Path, spec: str) -> Path:
    """Install into bench/.peers/npm/node_modules; returns that node_modules dir."""
    prefix = workdir / "npm"
    name = spec.rpartition("@")[0] if spec.rfind("@") > 0 else spec
    if not (prefix / "node_modules" / name).is_dir():
        if not shutil.which("npm"):
            raise SetupError("npm not found")
        run_quiet(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", spec],
                  f"npm install {spec}")
    return prefix / "node_modules"


def apt_install(binary: str, package: str) -> str:
    if not shutil.which(binary):
        if os.geteuid() != 0:
            raise SetupError(f"{binary} missing and installing {package} needs root")
        run_quiet(["apt-get", "update", "-qq"], "apt-get update")
        run_quiet(["apt-get", "install", "-y", "-qq", package], f"apt-get install {package}")
    path = shutil.which(binary)
    if not path:
        raise SetupError(f"{package} installed but {binary} not on PATH")
    return path


def fair_env() -> dict[str, str]:
    # NODE_EXTRA_CA_CERTS makes node re-read a CA bundle on every start (~37 ms here);
    # none of the jobs touch the network, so every process peer runs without it.
    env = dict(os.environ)
    env.pop("NODE_EXTRA_CA_CERTS", None)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server started next."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """pid and every process below it (no /proc/*/children on this kernel, so scan ppids)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def pss_mib(pid: int) -> float:
    """Proportional set size: shared pages (the runtime's binary) are split among their users,
    so for k identical sandboxes it approaches the marginal cost of one more."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ProcessPeer:
    """A sandbox that is a whole process (or container) started per job, timed by _driver.py."""

    def __init__(self, name: str, notes: str, job: list[str], hold: list[str],
                 prefix: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 expect: str = "42") -> None:
        self.name, self.notes, self._base_notes = name, notes, notes
        self._job, self._hold, self._expect = job, hold, expect
        self._driver = subprocess.Popen([*prefix, sys.executable, str(DRIVER)], text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=env if env is not None else fair_env())

    def _ask(self, **req: object) -> dict:
        assert self._driver.stdin and self._driver.stdout
        self._driver.stdin.write(json.dumps(req) + "\n")
        self._driver.stdin.flush()
        line = self._driver.stdout.readline()
        if not line:
            raise RuntimeError(f"driver exited (rc {self._driver.wait()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def fresh(self, n: int) -> list[float]:
        return self._ask(op="time", argv=self._job, n=n, expect=self._expect)["times"]

    def rss_per_sandbox(self) -> float | None:
        pids = self._ask(op="hold", argv=self._hold, k=HOLD_K)["pids"]
        try:
            procs = [p for pid in pids for p in descendants(pid)]
            pss = sum(map(pss_mib, procs)) / len(pids)
            rss = sum(map(rss_mib, procs)) / len(pids)
        finally:
            self._ask(op="release")
        # RSS counts the runtime's shared binary again for every sandbox; say so beside the PSS.
        self.notes = "; ".join(filter(None, [self._base_notes, f"PSS shown, RSS {rss:.1f} MiB"]))
        return pss

    def close(self) -> None:
        if self._driver.stdin:
            self._driver.stdin.close()
        self._driver.wait()
