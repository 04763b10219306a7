"""A fresh node process per job: the plain process-isolation baseline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from . import MODULE_SRC, Peer, Unavailable
from ._common import ProcessPeer, SetupError

# The module goes through a data: URL so node really evaluates it as an ES module, as the others do.
JOB = (f"const m = await import('data:text/javascript,' + encodeURIComponent({json.dumps(MODULE_SRC)}));"
       "console.log(m.default.double(21));")
HOLD = JOB + "process.stdin.resume();"


def setup(workdir: Path) -> list[Peer | Unavailable]:
    node = shutil.which("node")
    if not node:
        raise SetupError("node not found on PATH")
    argv = [node, "--input-type=module", "-e"]
    return [ProcessPeer("node -e (process per job)", "NODE_EXTRA_CA_CERTS unset",
                        job=[*argv, JOB], hold=[*argv, HOLD])]
