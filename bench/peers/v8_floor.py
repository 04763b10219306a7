"""Bare V8: the job done with only the `v8` crate workerbox links (bench/v8_floor), the floor
under any embedder that gives each sandbox a fresh isolate: timed one job after another, and as
jobs per second with a thread per core, the figure workerbox's own on all cores is held to."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

from . import Peer, Unavailable
from ._common import SetupError

CRATE = Path(__file__).resolve().parent.parent / "v8_floor"
REPO = CRATE.parent.parent
HOLD = 200  # live isolates when measuring memory
PER_THREAD = 100  # jobs each thread does when measuring jobs per second on all cores
BASE_NOTES = ("the floor: isolate + context + module + call + dispose, no runtime; "
              "one more isolate stays alive, as workerbox's pool keeps blank ones")


class V8FloorPeer:
    name = "bare V8 (rusty_v8, isolate per job, in-process)"

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.notes = BASE_NOTES

    def _run(self, *args: str) -> str:
        return subprocess.run([str(self.binary), *args], capture_output=True, text=True, check=True, timeout=600).stdout

    def fresh(self, n: int) -> list[float]:
        return json.loads(self._run("fresh", str(n)))

    def rss_per_sandbox(self) -> float | None:
        # The last measurement run_peers asks of a peer, so the notes it reads next get the rate
        # on all cores, which workerbox's fresh row shows beside its own.
        cores = os.cpu_count() or 1
        per_second = float(self._run("throughput", str(PER_THREAD * cores), str(cores)))
        self.notes = f"{BASE_NOTES}; {per_second:.0f}/s on all cores"
        return float(self._run("rss", str(HOLD)))

    def close(self) -> None:
        pass


def setup(workdir: Path) -> list[Peer | Unavailable]:
    if not shutil.which("cargo"):
        raise SetupError("cargo not found (the floor is built from bench/v8_floor)")
    env = dict(os.environ)
    # Offline, V8 comes from the archive the build uses (.ci/v8/); otherwise the crate downloads it.
    archive = REPO / ".ci/v8/librusty_v8_release_x86_64-unknown-linux-gnu.a.gz"
    if archive.is_file() and platform.machine() == "x86_64":
        env["RUSTY_V8_ARCHIVE"] = str(archive)
        env["RUSTY_V8_SRC_BINDING_PATH"] = str(REPO / ".ci/v8/src_binding_release_x86_64-unknown-linux-gnu.rs")
    target = workdir / "v8_floor-target"
    env["CARGO_TARGET_DIR"] = str(target)
    done = subprocess.run(["cargo", "build", "--release", "--locked", "--manifest-path", str(CRATE / "Cargo.toml")],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SetupError(f"cargo build of bench/v8_floor failed: {done.stderr.strip()[-400:]}")
    return [V8FloorPeer(target / "release" / "v8_floor")]
