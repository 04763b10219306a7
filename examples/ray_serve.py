"""Tenants' fetch handlers served from Ray Serve: each tenant's requests go to the replica that
holds its warm worker. Starts a local Ray here; on a cluster, the same `serve.run` (or `serve
deploy`) spreads the replicas over its nodes. Needs `pip install 'workerbox[ray]'`."""

import functools
import importlib.util
import os
import socket
import sys
import time
import urllib.error
import urllib.request

import workerbox as wb
from workerbox.asgi import Route, Scope

if importlib.util.find_spec("ray") is None:
    print("ray_serve.py: skipped, Ray is not installed (pip install 'workerbox[ray]')")
    sys.exit(0)

import ray  # type: ignore[import-not-found, unused-ignore]
from ray import serve  # type: ignore[import-not-found, unused-ignore]

import workerbox.ray

TENANTS = {
    "acme": "let hits = 0; export default { fetch(req, env) { return Response.json({ tenant: env.name, replica: env.pid, hits: ++hits }) } }",
    "globex": "export default { fetch(req, env) { return new Response(`globex, from replica ${env.pid}`) } }",
}


def factory(tenant: str) -> wb.WorkerCode:
    """Runs in the replica that loads the tenant's worker (its pid shows which one)."""
    return wb.WorkerCode("app.js", {"app.js": TENANTS[tenant]}, env={"name": tenant, "pid": os.getpid()}, limits=wb.Limits(cpu_ms=50))


def route(scope: Scope) -> Route:
    """/TENANT/... is served by TENANT's worker; the id is what Serve routes by."""
    tenant = scope["path"].split("/")[1]
    return (tenant, functools.partial(factory, tenant)) if tenant in TENANTS else None


def get(port: int, path: str) -> None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            print(path, response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        print(path, error.code, error.read().decode())


def main() -> None:
    # A small local Ray: two cores, a 100 MB object store, no dashboard.
    ray.init(address="local", num_cpus=2, object_store_memory=100 << 20, include_dashboard=False, log_to_driver=False)
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        serve.run(workerbox.ray.app(route, num_replicas=2, num_cpus=0.5, max_workers_per_replica=8), route_prefix="/")
        for path in ["/acme/", "/globex/", "/nobody/"]:
            get(port, path)
        # Routers learn which replica holds an id within moments (replicas report every 0.1 s);
        # from then on acme's requests reach its warm worker, and its count goes on.
        time.sleep(0.5)
        for path in ["/acme/again", "/acme/and-again"]:
            get(port, path)
    finally:
        serve.shutdown()
        ray.shutdown()


if __name__ == "__main__":
    main()
