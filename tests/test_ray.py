"""workerbox.ray on a local Ray instance: Serve's HTTP proxy on 127.0.0.1, two replicas of the
worker deployment sharing this machine's two cores, http.client as the client. Ray starts once
for the module (it takes most of the time)."""

import asyncio
import functools
import http.client
import json
import os
import socket
import sys
import time

import pytest

import workerbox as wb

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'workerbox[ray]')")
serve = pytest.importorskip("ray.serve", reason="Ray Serve is not installed (pip install 'workerbox[ray]')")
wray = pytest.importorskip("workerbox.ray")

pytestmark = pytest.mark.timeout(300)

CAP = 2  # warm workers per replica
# Replicas report the ids they hold every 0.1 s, and the routers learn it from the controller: a
# request for an id sent before then may load it on the other replica too.
SETTLE_S = 0.5

APP = r"""
let hits = 0
let cancelled = 0
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname.split("/").slice(3).join("/")
    hits += 1
    switch (path) {
      case "echo": return new Response(await request.text(), { status: 201 })
      case "cookies": {
        const headers = new Headers()
        headers.append("set-cookie", "a=1")
        headers.append("set-cookie", "b=2")
        return new Response("ok", { headers })
      }
      case "stream": {
        let i = 0
        return new Response(new ReadableStream({
          pull(c) { if (i === 3) return c.close(); c.enqueue(new TextEncoder().encode(`chunk ${i++};`)) },
        }, { highWaterMark: 0 }))
      }
      case "endless": {
        return new Response(new ReadableStream({
          async pull(c) { await new Promise((r) => setTimeout(r, 10)); c.enqueue(new TextEncoder().encode("tick;")) },
          cancel() { cancelled++ },
        }, { highWaterMark: 0 }))
      }
      case "cancelled": return new Response(String(cancelled))
      case "spin-after-head": {
        let sent = false
        return new Response(new ReadableStream({
          pull(c) { if (!sent) { sent = true; return c.enqueue(new Uint8Array(10)) } for (;;) {} },
        }, { highWaterMark: 0 }))
      }
      case "throw": throw new Error("secret internals")
    }
    return Response.json({ id: env.id, pid: env.pid, hits })
  },
}
"""


def tenant(id):
    """Runs in the replica: the pid in env tells the test which replica loaded the worker."""
    if id == "broken":
        raise ValueError("the factory failed")
    return wb.WorkerCode("app.js", {"app.js": APP}, env={"id": id, "pid": os.getpid()}, limits=wb.Limits(cpu_ms=300))


def route(scope):
    """/t/ID/... is served by worker ID; anything else is a 404."""
    parts = scope["path"].split("/")
    if len(parts) < 3 or parts[1] != "t" or not parts[2]:
        return None
    return parts[2], functools.partial(tenant, parts[2])


@pytest.fixture(scope="module")
def port():
    # The replicas unpickle route and tenant; this module is not importable there.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(address="local", num_cpus=2, object_store_memory=100 << 20, include_dashboard=False)
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            free = s.getsockname()[1]
        serve.start(http_options={"host": "127.0.0.1", "port": free})
        application = wray.app(
            route,
            num_replicas=2,
            num_cpus=0.5,
            max_workers_per_replica=CAP,
            loader_options={"threads": 1, "pool_size": 1},
        )
        serve.run(application, route_prefix="/")
        yield free
    finally:
        serve.shutdown()
        ray.shutdown()
        ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def request(port, path, method="GET", body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def visit(port, id):
    status, _, body = request(port, f"/t/{id}")
    assert status == 200, body
    return json.loads(body)


def test_requests_for_an_id_reach_its_warm_worker(port):
    seen = [visit(port, "affinity")]
    time.sleep(SETTLE_S)
    seen += [visit(port, "affinity") for _ in range(3)]
    assert [s["hits"] for s in seen] == [1, 2, 3, 4]  # module state kept: one warm worker
    assert len({s["pid"] for s in seen}) == 1


def test_ids_past_one_replicas_cap_spill_over_and_evicted_workers_are_rebuilt(port):
    ids = [f"spill{i}" for i in range(3 * CAP)]
    first = []
    for id in ids:
        first.append(visit(port, id))
        time.sleep(SETTLE_S)
    assert all(s["hits"] == 1 for s in first)
    assert len({s["pid"] for s in first}) == 2, first  # both replicas took new ids
    again = [visit(port, id) for id in ids]
    # Two replicas hold at most 2 * CAP of these ids: the rest were evicted, so revisiting them
    # loads them again from their factory, with fresh module state.
    rebuilt = [s for s in again if s["hits"] == 1]
    assert len(rebuilt) >= len(ids) - 2 * CAP, again


def test_bodies_headers_and_streams_cross_the_cluster(port):
    status, _, body = request(port, "/t/bridge/echo", method="POST", body=b"x" * 100_000)
    assert (status, body) == (201, b"x" * 100_000)
    status, headers, _ = request(port, "/t/bridge/cookies")
    assert headers.get_all("set-cookie") == ["a=1", "b=2"]
    assert request(port, "/t/bridge/stream")[2] == b"chunk 0;chunk 1;chunk 2;"


def test_failures_and_a_smuggled_host_are_answered_without_details(port):
    status, _, body = request(port, "/t/bridge/throw")
    assert (status, body) == (500, b"Internal Server Error")
    status, _, body = request(port, "/t/broken")
    assert (status, body) == (500, b"Internal Server Error")
    assert request(port, "/elsewhere")[0] == 404
    # The scope crosses to the replica with the client's Host header, still checked there.
    status, _, body = request(port, "/t/bridge/", headers={"Host": "user@evil.example/path"})
    assert (status, body) == (400, b"Bad Request")


def test_a_client_that_leaves_cancels_the_streamed_body_in_the_replica(port):
    visit(port, "leaver")
    time.sleep(SETTLE_S)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/t/leaver/endless")
    response = conn.getresponse()
    assert response.read(10) == b"tick;tick;"
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    deadline = time.monotonic() + 20
    while request(port, "/t/leaver/cancelled")[2] != b"1":
        assert time.monotonic() < deadline, "the worker's stream was never cancelled"
        time.sleep(0.2)


def test_a_limit_after_the_head_aborts_the_connection_and_the_worker_is_rebuilt(port):
    visit(port, "spinner")
    time.sleep(SETTLE_S)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/t/spinner/spin-after-head")
        response = conn.getresponse()
        assert response.status == 200
        with pytest.raises((http.client.IncompleteRead, ConnectionError)):
            response.read()
    finally:
        conn.close()
    assert visit(port, "spinner")["hits"] == 1  # the dead worker was loaded again


def test_an_evicted_tenant_closes_its_worker_once_its_requests_end():
    async def main():
        async with wb.AsyncLoader(threads=1, pool_size=1) as loader:
            evicted = wray._Tenant(loader)
            worker = await evicted.acquire(functools.partial(tenant, "x"))
            assert worker is await evicted.acquire(functools.partial(tenant, "x"))
            evicted.release()
            evicted.__del__()  # what Serve calls when it evicts the id, one request still in flight
            assert not worker.closed
            evicted.release()
            assert worker.closed
            assert await evicted.acquire(functools.partial(tenant, "x")) is None

    asyncio.run(main())


def test_the_ingress_refuses_an_oversized_body_and_a_bad_id_before_any_replica_sees_them():
    def drive(route, chunks):
        scope = {"type": "http", "method": "POST", "path": "/t/x", "headers": []}
        messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
        sent = []

        async def receive():
            return messages.pop(0)

        async def send(message):
            sent.append(message)

        asyncio.run(wray._Router(None, route, 16)(scope, receive, send))  # no Workers handle: these never reach a replica
        return sent[0]["status"], sent[1]["body"]

    assert drive(route, [b"x" * 10, b"x" * 10]) == (413, b"Payload Too Large")
    assert drive(lambda scope: ("", tenant), [b""]) == (500, b"Internal Server Error")
