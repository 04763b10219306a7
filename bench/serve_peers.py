"""The HTTP servers bench/serve_bench.py loads, each serving one bundled module (the guide's Hono
app) unchanged: workerbox's CLI; uvicorn apps on an AsyncLoader (a cached worker, or a new one per
request); workerd with a Worker Loader (the same two ways); node with @hono/node-server."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from peers import Unavailable
from peers._common import SetupError, fair_env, free_port, npm_install, pip_install
from peers.workerd import COMPAT_DATE, VERSION as WORKERD_VERSION

HERE = Path(__file__).resolve().parent
NODE_SERVER_VERSION = "2.1.11"
HTTPTOOLS_VERSION = "0.9.0"
UVLOOP_VERSION = "0.23.0"

# The parent forwards every request to the Hono child: from the loader's cache (get) or a new
# worker (load), as a tenant's router in front of dynamic workers would.
WORKERD_PARENT = """import APP from "./app.txt";
const code = () => ({compatibilityDate: %(date)s, mainModule: "app.js", modules: {"app.js": APP},
                     globalOutbound: null});
export default {
  fetch(req, env) {
    const worker = env.FRESH ? env.LOADER.load(code()) : env.LOADER.get("hono-app", code);
    return worker.getEntrypoint().fetch(req);
  },
};
"""

WORKERD_CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .parent) ],
  sockets = [ (name = "http", http = (), service = "main") ],
);
const parent :Workerd.Worker = (
  modules = [ (name = "parent.js", esModule = embed "parent.js"),
              (name = "app.txt", text = embed "%(app)s") ],
  compatibilityDate = "%(date)s",
  bindings = [ (name = "LOADER", workerLoader = ()), (name = "FRESH", json = "%(fresh)s") ],
);
"""

NODE_SERVER = """import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
const app = (await import(pathToFileURL(process.argv[2]).href)).default;
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.argv[3]) });
"""


@dataclass
class Server:
    """How to start one server; it answers on 127.0.0.1:port."""

    name: str
    fresh: bool  # a new sandbox for every request
    argv: list[str]
    notes: str
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=fair_env)

    def __post_init__(self) -> None:
        self.argv = [a.replace("{port}", str(self.port)) for a in self.argv]


def workerbox_servers(app: Path, workers: int, fast: list[Path] | None) -> list[Server]:
    """The CLI (on httptools + uvloop where they could be installed, as `workerbox[serve]` brings
    them), then serve_app.py's warm and fresh apps on this venv's uvicorn stack."""
    cli = Server(f"workerbox serve --workers {workers}", False,
                 [sys.executable, "-m", "workerbox", "serve", str(app), "--workers", str(workers), "--no-access-log",
                  "--port", "{port}"],
                 f"the CLI: AsyncLoader.get per request; uvicorn ({'httptools + uvloop' if fast else _uvicorn_stack()})")
    if fast:
        cli.env = {**cli.env, "PYTHONPATH": os.pathsep.join(filter(None, [*map(str, fast), cli.env.get("PYTHONPATH")]))}
    return [cli, *(_uvicorn_app(app, workers, fresh) for fresh in (False, True))]


def _uvicorn_app(app: Path, workers: int, fresh: bool, fast: list[Path] | None = None) -> Server:
    """serve_app.py under uvicorn; with ``fast`` (where httptools and uvloop are installed), on
    those rather than on whatever this venv has."""
    stack = ["--http", "httptools", "--loop", "uvloop"] if fast else []
    server = Server(f"workerbox App(AsyncLoader), uvicorn --workers {workers}" + (" httptools uvloop" if fast else ""), fresh,
                    [sys.executable, "-m", "uvicorn", "--factory", f"serve_app:{'fresh' if fresh else 'warm'}", *stack,
                     "--workers", str(workers), "--lifespan", "off", "--no-access-log", "--port", "{port}"],
                    f"bench/serve_app.py: AsyncLoader.{'load per request, closed after it' if fresh else 'get per request'}"
                    + ("; what uvicorn[standard] installs" if fast else f"; uvicorn's {_uvicorn_stack()}"))
    path = [str(HERE), *map(str, fast or []), server.env.get("PYTHONPATH")]
    server.env = {**server.env, "SERVE_BENCH_MODULE": str(app), "PYTHONPATH": os.pathsep.join(filter(None, path))}
    return server


def _uvicorn_stack() -> str:
    """What uvicorn's "auto" picks here: the C parser and loop when installed, else pure Python."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http} + {loop}"


def fast_stack(workdir: Path) -> list[Path]:
    """Directories holding httptools and uvloop, for PYTHONPATH."""
    return [pip_install(workdir, f"httptools=={HTTPTOOLS_VERSION}"), pip_install(workdir, f"uvloop=={UVLOOP_VERSION}")]


def workerd_servers(workdir: Path, app: Path) -> list[Server]:
    modules = npm_install(workdir, f"workerd@{WORKERD_VERSION}")
    workerd = modules / "@cloudflare" / "workerd-linux-64" / "bin" / "workerd"
    if not workerd.exists():
        raise SetupError(f"{workerd} missing after npm install")
    # embed paths are relative to the config, so the config lives beside the module.
    (app.parent / "parent.js").write_text(WORKERD_PARENT % {"date": json.dumps(COMPAT_DATE)})
    servers = []
    for fresh, call in ((False, "LOADER.get"), (True, "LOADER.load")):
        config = app.parent / f"workerd-{'fresh' if fresh else 'warm'}.capnp"
        config.write_text(WORKERD_CONFIG % {"app": app.name, "date": COMPAT_DATE, "fresh": json.dumps(fresh)})
        servers.append(Server(f"workerd {WORKERD_VERSION} serve", fresh,
                              [str(workerd), "serve", "--experimental", str(config), "--socket-addr=http=127.0.0.1:{port}"],
                              f"a parent worker forwards fetch to {call}(...) of the app; one process"))
    return servers


def node_server(workdir: Path, app: Path) -> Server:
    node = shutil.which("node")
    if not node:
        raise SetupError("node not found on PATH")
    modules = npm_install(workdir, f"@hono/node-server@{NODE_SERVER_VERSION}")
    # Beside node_modules, so the bare import resolves.
    script = modules.parent / "serve_node.mjs"
    script.write_text(NODE_SERVER)
    return Server(f"node {_node_version(node)} + @hono/node-server {NODE_SERVER_VERSION}", False,
                  [node, str(script), str(app), "{port}"], "reference: no sandbox, one process")


def _node_version(node: str) -> str:
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()


def servers(workdir: Path, app: Path, workers: int) -> list[Server | Unavailable]:
    """Every server, or why it cannot run here, in table order."""
    out: list[Server | Unavailable] = []
    try:
        fast: list[Path] | None = fast_stack(workdir)
    except SetupError as e:
        fast = None
        out.append(Unavailable("workerbox on httptools + uvloop", str(e)))
    out += workerbox_servers(app, workers, fast)
    if fast and _uvicorn_stack() != "httptools + uvloop":
        out.append(_uvicorn_app(app, workers, False, fast))
    for name, make in (("workerd", lambda: workerd_servers(workdir, app)),
                       ("node", lambda: [node_server(workdir, app)])):
        try:
            out += make()
        except SetupError as e:
            out.append(Unavailable(name, str(e)))
    return out
