"""Request/Response bodies as streams against a hostile tenant: intrinsics replaced before the first
body is read, a response body that never ends or grows without bound, and a tenant trying to make
the host see something other than what its Response holds."""

import pytest

import workerbox as wb
from conftest import hostile
from hostile.test_stream_attacks import COUNTING

BODIES = r"""
const out = {}
const streamed = new ReadableStream({ start(c) { c.enqueue(Uint8Array.of(97, 98)); c.enqueue(Uint8Array.of(99, 100)); c.close() } })
out.text = await new Response(streamed).text()
const bytes = new Response('xyz')
const reader = bytes.body.getReader()
out.first = (await reader.read()).value.length
const r = new Response(new ReadableStream({ start(c) { c.enqueue(Uint8Array.of(116, 101, 101)); c.close() } }))
const c = r.clone()
out.clone = (await r.text()) + (await c.text())
out.json = (await new Request('https://x.test/', { method: 'POST', body: '{"k":1}' }).json()).k
"""


def test_reading_bodies_calls_none_of_the_tenants_replacements(loader):
    # The counting wrappers go in before any body global is first read, so 09's and 14's code is
    # installed after them; every count would be the runtime's.
    src = COUNTING + "export default { async f() {\n" + BODIES + "\nreturn { out, counts } } }"
    with hostile(loader, src) as w:
        result = w.get_entrypoint().f()
    assert result["out"] == {"text": "abcd", "first": 3, "clone": "teetee", "json": 1}
    assert result["counts"] == {}


def test_a_spoiled_promise_prototype_cannot_feed_the_host_a_different_response(loader):
    # `await` of a runtime promise would consult Promise.prototype.constructor and `then` if the
    # runtime let it; here both lie, and the host must still get the Response's own bytes.
    src = r"""
      Promise.prototype.constructor = function Fake() {}
      Promise.prototype.then = function (resolve) { resolve({ status: 299, statusText: '', headers: [], body: new Uint8Array([33]) }) }
      export default { fetch() {
        const enc = new TextEncoder()
        return new Response(new ReadableStream({ start(c) { c.enqueue(enc.encode('the truth')); c.close() } }), { status: 201 })
      } }"""
    with hostile(loader, src) as w:
        # The handler itself returns a Response synchronously; only the runtime awaits anything.
        r = w.get_entrypoint().fetch(wb.Request("https://app.test/"))
    assert (r.status, r.body) == (201, b"the truth")


def test_a_response_body_that_grows_forever_hits_the_memory_limit(loader, check_alive):
    src = r"""export default { fetch() {
      return new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(1 << 20)) } }))
    } }"""
    w = hostile(loader, src, limits=wb.Limits(memory_mb=32, cpu_ms=20_000))
    try:
        with pytest.raises(wb.MemoryLimitExceeded):
            w.get_entrypoint().fetch(wb.Request("https://app.test/"))
    finally:
        w.close()


def test_a_response_body_that_never_ends_is_bounded_by_the_wall_limit(loader, check_alive):
    src = r"""export default { fetch() {
      return new Response(new ReadableStream({ pull() { return new Promise((resolve) => setTimeout(resolve, 60_000)) } }))
    } }"""
    with hostile(loader, src, limits=wb.Limits(wall_ms=300)) as w:
        with pytest.raises(wb.WallTimeExceeded):
            w.get_entrypoint().fetch(wb.Request("https://app.test/"))


def test_a_body_source_spinning_in_pull_is_bounded_by_the_cpu_limit(loader, check_alive):
    src = r"""export default { async f() {
      await new Response(new ReadableStream({ pull() { for (;;) {} } })).text()
    } }"""
    with hostile(loader, src, limits=wb.Limits(cpu_ms=200)) as w:
        with pytest.raises(wb.CpuLimitExceeded):
            w.get_entrypoint().f()


def test_a_stream_with_a_then_getter_on_its_chunks_reads_as_bytes(loader):
    # A chunk is never resolved, so a `then` on it is never read, and non-bytes are refused.
    src = r"""export default { async f() {
      const reads = []
      Uint8Array.prototype.__defineGetter__('then', function () { reads.push('then') })
      const text = await new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104, 105])); c.close() } })).text()
      let refused = null
      try { await new Response(new ReadableStream({ start(c) { c.enqueue({ length: 1, 0: 1 }); c.close() } })).bytes() }
      catch (e) { refused = e.name }
      return [text, refused, reads.length]
    } }"""
    with hostile(loader, src) as w:
        text, refused, reads = w.get_entrypoint().f()
    assert (text, refused) == ("hi", "TypeError")
    # `bytes()` resolves its promise with a Uint8Array, whose `then` the spec does read: only
    # that tenant-visible resolution may reach the getter, never the runtime's own plumbing.
    assert reads <= 1


def test_a_streamed_call_keeps_its_wall_clock_running_until_the_body_ends(loader, check_alive):
    # The head comes at once, but the call is open until the body ends: a body that dribbles
    # past wall_ms ends in WallTimeExceeded on the read that finds it, and the worker with it.
    src = r"""export default { fetch() {
      return new Response(new ReadableStream({
        async pull(c) { await new Promise((r) => setTimeout(r, 100)); c.enqueue(new Uint8Array(8)) },
      }, { highWaterMark: 0 }))
    } }"""
    with hostile(loader, src, limits=wb.Limits(wall_ms=450)) as w:
        r = w.get_entrypoint().fetch(wb.Request("https://app.test/"), stream=True)
        got = 0
        with pytest.raises(wb.WallTimeExceeded):
            for chunk in r:
                got += len(chunk)
        assert 8 <= got <= 40
        with pytest.raises(wb.ClosedError, match="wall-clock"):
            w.get_entrypoint().fetch(wb.Request("https://app.test/"))


def test_a_streamed_call_is_charged_the_cpu_its_body_takes(loader, check_alive):
    # Each pull burns CPU; no single read comes near cpu_ms, but the call as a whole does.
    src = r"""export default { fetch() {
      return new Response(new ReadableStream({
        pull(c) { const end = Date.now() + 30; while (Date.now() < end) {} c.enqueue(new Uint8Array(1)) },
      }, { highWaterMark: 0 }))
    } }"""
    with hostile(loader, src, limits=wb.Limits(cpu_ms=200)) as w:
        r = w.get_entrypoint().fetch(wb.Request("https://app.test/"), stream=True)
        reads = 0
        with pytest.raises(wb.CpuLimitExceeded):
            for _ in r:
                reads += 1
        # Each pull spins 30 ms of wall time; on a loaded machine that is less CPU, so only the
        # floor and a generous ceiling are certain.
        assert 2 <= reads < 200


def test_a_body_failing_mid_stream_raises_from_the_iteration(loader, check_alive):
    src = r"""export default { fetch() {
      let n = 0
      return new Response(new ReadableStream({
        pull(c) { if (n++ < 2) c.enqueue(new Uint8Array([n])); else c.error(new RangeError('broken source')) },
      }, { highWaterMark: 0 }))
    } }"""
    with hostile(loader, src) as w:
        r = w.get_entrypoint().fetch(wb.Request("https://app.test/"), stream=True)
        chunks = iter(r)
        assert (next(chunks), next(chunks)) == (b"\x01", b"\x02")
        with pytest.raises(wb.JSError, match="broken source"):
            next(chunks)
        assert list(chunks) == []
        # The worker lives on: a failed body is the caller's error, not a death.
        assert w.get_entrypoint().fetch(wb.Request("https://app.test/"), stream=True).status == 200


def test_non_bytes_in_a_streamed_body_are_refused(loader, check_alive):
    src = r"""export default { fetch() {
      return new Response(new ReadableStream({ start(c) { c.enqueue('text, not bytes'); c.close() } }))
    } }"""
    with hostile(loader, src) as w:
        r = w.get_entrypoint().fetch(wb.Request("https://app.test/"), stream=True)
        with pytest.raises(wb.JSError, match="Uint8Array"):
            r.body


def test_a_gibibyte_streams_through_a_worker_capped_at_64_mib(loader):
    # Nothing on the way holds more than a chunk: the worker's memory cap never trips, and the
    # host process grows by far less than the body.
    src = r"""export default { fetch() {
      let sent = 0
      return new Response(new ReadableStream({
        pull(c) { if (sent++ < 1024) c.enqueue(new Uint8Array(1 << 20).fill(sent & 255)); else c.close() },
      }, { highWaterMark: 0 }))
    } }"""

    def rss_mib():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024

    with hostile(loader, src, limits=wb.Limits(memory_mb=64)) as w:
        before = rss_mib()
        r = w.get_entrypoint().fetch(wb.Request("https://app.test/"), stream=True)
        total = peak = 0
        for i, chunk in enumerate(r):
            assert chunk[0] == (i + 1) & 255
            total += len(chunk)
            peak = max(peak, rss_mib())
    assert total == 1 << 30
    assert peak - before < 100


def test_an_endless_python_request_body_read_whole_hits_the_memory_limit(loader, check_alive):
    def endless():
        chunk = b"x" * (1 << 20)
        while True:
            yield chunk

    src = "export default { async fetch(request) { return new Response(String((await request.text()).length)) } }"
    w = hostile(loader, src, limits=wb.Limits(memory_mb=32, cpu_ms=20_000))
    try:
        with pytest.raises(wb.MemoryLimitExceeded):
            w.get_entrypoint().fetch(wb.Request("https://app.test/", method="POST", body=endless()))
    finally:
        w.close()


def test_a_slow_python_request_body_is_bounded_by_the_wall_limit(loader, check_alive):
    import time

    def slow():
        while True:
            time.sleep(0.05)
            yield b"."

    src = "export default { async fetch(request) { await request.text(); return new Response('done') } }"
    with hostile(loader, src, limits=wb.Limits(wall_ms=300)) as w:
        with pytest.raises(wb.WallTimeExceeded):
            w.get_entrypoint().fetch(wb.Request("https://app.test/", method="POST", body=slow()))


def test_a_gibibyte_python_request_body_streams_through_a_worker_capped_at_64_mib(loader):
    chunk = b"y" * (1 << 20)
    src = """export default { async fetch(request) {
      let total = 0
      for await (const c of request.body) total += c.length
      return new Response(String(total))
    } }"""
    with hostile(loader, src, limits=wb.Limits(memory_mb=64)) as w:
        r = w.get_entrypoint().fetch(wb.Request("https://app.test/", method="POST", body=(chunk for _ in range(1024))))
    assert r.text() == str(1 << 30)
