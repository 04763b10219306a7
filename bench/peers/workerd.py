"""Cloudflare workerd's Worker Loader: the system workerbox imitates.

A parent worker holds a `LOADER` binding; each HTTP request to /fresh makes it `load()` a brand
new worker from the tiny module and RPC-call `double(21)`. /ping answers without loading, so the
table can show how much of the latency is just the HTTP round trip from Python.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from pathlib import Path

from . import EXPECT, MODULE_SRC, Peer, Unavailable
from ._common import HOLD_K, SetupError, fair_env, free_port, npm_install, rss_mib

VERSION = "1.20261117.1"
COMPAT_DATE = "2025-06-01"

# RPC methods need a WorkerEntrypoint class; a plain object default export only gets fetch().
CHILD = ('import { WorkerEntrypoint } from "cloudflare:workers";\n'
         "export default class extends WorkerEntrypoint " + MODULE_SRC.removeprefix("export default "))

PARENT = """
const CHILD = %(child)s;
const code = () => ({compatibilityDate: %(date)s, mainModule: "m.js", modules: {"m.js": CHILD},
                     globalOutbound: null});
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === "/ping") return new Response("%(expect)s");
    if (url.pathname === "/fresh") {
      return new Response(String(await env.LOADER.load(code()).getEntrypoint().double(21)));
    }
    if (url.pathname === "/hold") {
      // get() with a new id loads a worker that the loader keeps alive for later calls.
      const gen = url.searchParams.get("gen");
      const ids = Array.from({length: Number(url.searchParams.get("k"))}, (_, i) => `${gen}-${i}`);
      await Promise.all(ids.map(id => env.LOADER.get(id, code).getEntrypoint().double(21)));
      return new Response("%(expect)s");
    }
    return new Response("not found", {status: 404});
  },
};
"""

CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .parent) ],
  sockets = [ (name = "http", http = (), service = "main") ],
);
const parent :Workerd.Worker = (
  modules = [ (name = "parent.js", esModule = embed "parent.js") ],
  compatibilityDate = "%(date)s",
  bindings = [ (name = "LOADER", workerLoader = ()) ],
);
"""


class Server:
    """One workerd process shared by the two rows, closed when the last of them closes."""

    def __init__(self, workerd: Path, confdir: Path) -> None:
        self.port = free_port()
        # A log file, not a pipe: nobody drains a pipe during the run, and a full one stalls workerd.
        self.log = confdir / "workerd.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [str(workerd), "serve", "--experimental", str(confdir / "config.capnp"),
                 f"--socket-addr=http=127.0.0.1:{self.port}"],
                env=fair_env(), stdout=log, stderr=subprocess.STDOUT)
        self.users = 0
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        deadline = time.monotonic() + 30
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.get(conn, "/ping")
                return conn
            except OSError:
                conn.close()
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    self.proc.wait()
                    err = self.log.read_text().strip()[-400:]
                    raise SetupError(f"workerd did not answer on 127.0.0.1:{self.port}: {err}")
                time.sleep(0.05)

    @staticmethod
    def get(conn: http.client.HTTPConnection, path: str) -> str:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read().decode()
        if resp.status != 200 or body != EXPECT:
            raise RuntimeError(f"workerd {path}: {resp.status} {body[:300]}")
        return body

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            self.conn.close()
            self.proc.terminate()
            self.proc.wait()


class WorkerdPeer:
    def __init__(self, server: Server, path: str, name: str, notes: str) -> None:
        self._server, self._path, self.name, self.notes = server, path, name, notes
        server.users += 1

    def fresh(self, n: int) -> list[float]:
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            self._server.get(self._server.conn, self._path)
            times.append(time.perf_counter() - t0)
        return times

    def rss_per_sandbox(self) -> float | None:
        if self._path != "/fresh":
            return None
        before = rss_mib(self._server.proc.pid)
        self._server.get(self._server.conn, f"/hold?k={HOLD_K}&gen={time.monotonic_ns()}")
        return (rss_mib(self._server.proc.pid) - before) / HOLD_K

    def close(self) -> None:
        self._server.release()


def setup(workdir: Path) -> list[Peer | Unavailable]:
    modules = npm_install(workdir, f"workerd@{VERSION}")
    # npm may skip workerd's postinstall script; the platform package carries the binary itself.
    workerd = modules / "@cloudflare" / "workerd-linux-64" / "bin" / "workerd"
    confdir = workdir / "workerd"
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "parent.js").write_text(PARENT % {"child": json.dumps(CHILD),
                                                 "date": json.dumps(COMPAT_DATE), "expect": EXPECT})
    (confdir / "config.capnp").write_text(CONFIG % {"date": COMPAT_DATE})
    server = Server(workerd, confdir)
    return [
        WorkerdPeer(server, "/fresh", f"workerd {VERSION} LOADER.load() + RPC call",
                    "over keep-alive HTTP from Python; includes the row below"),
        WorkerdPeer(server, "/ping", "workerd HTTP round trip only (no load)",
                    "the HTTP share of the row above"),
    ]
