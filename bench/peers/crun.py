"""OCI containers started with `crun run`: the container-per-job baseline.

Two bundles share this machinery: a static busybox running /bin/true (the cost of the container
alone) and node running the JS job (a container a JS sandbox would really need).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

from . import Peer, Unavailable
from ._common import ProcessPeer, SetupError, apt_install
from .node import HOLD as NODE_HOLD, JOB as NODE_JOB

# crun 1.8 refuses a hybrid cgroup v1+v2 host ("cgroups in hybrid mode not supported"); in a
# private mount namespace without the v2 mount it sees plain v1 and works. The timing driver runs
# inside that namespace so the per-job cost is crun's own, not unshare's.
UNIFIED = "/sys/fs/cgroup/unified"
NAMESPACE = ("unshare", "-m", "sh", "-c",
             f"if mountpoint -q {UNIFIED}; then umount {UNIFIED}; fi; exec \"$@\"", "sh")


def _write_bundle(crun: str, bundle: Path, args: dict[str, list[str]]) -> None:
    """crun's default spec with our rootfs (read-only, shared by concurrent containers)."""
    tmp = bundle / "spec.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    subprocess.run([crun, "spec"], cwd=tmp, check=True, capture_output=True)
    base = json.loads((tmp / "config.json").read_text())
    shutil.rmtree(tmp)
    base["root"] = {"path": str(bundle / "rootfs"), "readonly": True}
    base["process"]["terminal"] = False
    for name, argv in args.items():
        base["process"]["args"] = argv
        (bundle / f"{name}.json").write_text(json.dumps(base, indent=1))


def _busybox_rootfs(rootfs: Path) -> None:
    busybox = apt_install("busybox", "busybox-static")
    # The rootfs holds nothing but busybox, so it must not need a dynamic loader.
    if subprocess.run(["ldd", busybox], capture_output=True).returncode == 0:
        raise SetupError(f"{busybox} is dynamically linked (want Debian busybox-static)")
    (rootfs / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(busybox, rootfs / "bin" / "busybox")
    for applet in ("sh", "true"):
        (rootfs / "bin" / applet).symlink_to("busybox")


def _node_rootfs(rootfs: Path) -> str:
    """node plus exactly the shared libraries ldd says it loads."""
    node = shutil.which("node")
    if not node:
        raise SetupError("node not found on PATH")
    node = os.path.realpath(node)
    ldd = subprocess.run(["ldd", node], capture_output=True, text=True, check=True).stdout
    for path in [node, *re.findall(r"(/\S+) \(0x", ldd)]:
        dest = rootfs / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)  # follows symlinks, so each soname holds the real library
    return node


def _bundle(bundle: Path, fill: Callable[[Path], object]) -> Any:
    """Build a bundle once; a half-built one (interrupted run) is rebuilt from scratch."""
    done = bundle / ".done"
    if not done.exists():
        shutil.rmtree(bundle, ignore_errors=True)
        result = fill(bundle / "rootfs")
        done.write_text(json.dumps(result))
    return json.loads(done.read_text())


def setup(workdir: Path) -> list[Peer | Unavailable]:
    crun = apt_install("crun", "crun")
    version = subprocess.run([crun, "--version"], capture_output=True, text=True).stdout.split()[2]
    prefix = NAMESPACE if os.path.ismount(UNIFIED) else ()
    ns_note = ["private mount ns: no cgroup v2 mount"] if prefix else []
    run = [crun, "run", "--bundle"]
    peers: list[Peer | Unavailable] = []

    busybox = workdir / "crun" / "busybox"
    _bundle(busybox, _busybox_rootfs)
    _write_bundle(crun, busybox, {"job": ["/bin/true"], "hold": ["/bin/sh", "-c", "echo 42; read x"]})
    peers.append(ProcessPeer(
        f"crun {version} run busybox /bin/true", "; ".join(["no JS: the container alone", *ns_note]),
        job=[*run, str(busybox), "--config", str(busybox / "job.json"), f"wb-{os.getpid()}-{{i}}"],
        hold=[*run, str(busybox), "--config", str(busybox / "hold.json"), f"wb-{os.getpid()}-h{{i}}"],
        prefix=prefix, expect=""))

    try:
        nodeb = workdir / "crun" / "node"
        node = _bundle(nodeb, _node_rootfs)
        flags = [node, "--input-type=module", "-e"]
        _write_bundle(crun, nodeb, {"job": [*flags, NODE_JOB], "hold": [*flags, NODE_HOLD]})
        peers.append(ProcessPeer(
            f"crun {version} run node -e", "; ".join(["host node + its ldd libraries", *ns_note]),
            job=[*run, str(nodeb), "--config", str(nodeb / "job.json"), f"wbn-{os.getpid()}-{{i}}"],
            hold=[*run, str(nodeb), "--config", str(nodeb / "hold.json"), f"wbn-{os.getpid()}-h{{i}}"],
            prefix=prefix))
    except (SetupError, OSError, subprocess.CalledProcessError) as e:
        peers.append(Unavailable(f"crun {version} run node -e", str(e)))
    return peers
