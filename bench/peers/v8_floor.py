"""Bare V8: the job done with only the `v8` crate workerbox links (bench/v8_floor), the floor
under any embedder that gives each sandbox a fresh isolate."""

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


class V8FloorPeer:
    name = "bare V8 (rusty_v8, isolate per job, in-process)"
    notes = "the floor: isolate + context + module + call + dispose, no runtime"

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def _run(self, *args: str) -> str:
        return subprocess.run([str(self.binary), *args], capture_output=True, text=True, check=True, timeout=600).stdout

    def fresh(self, n: int) -> list[float]:
        return json.loads(self._run("fresh", str(n)))

    def rss_per_sandbox(self) -> float | None:
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
