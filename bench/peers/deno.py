"""A fresh `deno eval` process per job; deno comes from the PyPI `deno` wheel."""

from __future__ import annotations

import json
from pathlib import Path

from . import MODULE_SRC, Peer, Unavailable
from ._common import ProcessPeer, fair_env, pip_install

VERSION = "2.9.8"
JOB = (f"const m = await import('data:text/javascript,' + encodeURIComponent({json.dumps(MODULE_SRC)}));"
       "console.log(m.default.double(21));")
HOLD = JOB + "for await (const _ of Deno.stdin.readable) {}"


def setup(workdir: Path) -> list[Peer | Unavailable]:
    deno = pip_install(workdir, f"deno=={VERSION}") / "bin" / "deno"
    env = fair_env()
    # Keep deno's cache inside bench/.peers/ and stop it phoning home for updates mid-run.
    env["DENO_DIR"] = str(workdir / "deno-dir")
    env["DENO_NO_UPDATE_CHECK"] = "1"
    argv = [str(deno), "eval"]
    return [ProcessPeer(f"deno eval {VERSION} (process per job)", "",
                        job=[*argv, JOB], hold=[*argv, HOLD], env=env)]
