"""Host-call floods: one tenant's burst of slow binding calls costs only that tenant. The host
threads are capped for the process, each worker runs a few calls at a time, and free threads
serve workers in rotation."""

import os
import threading
import time

import pytest

import workerbox as wb
from conftest import hostile

FLOOD = "export default { async f(n, env) { const r = await Promise.allSettled(Array.from({ length: n }, () => env.slow())); return r.filter(x => x.status === 'fulfilled').length } }"


def threads_in_process():
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc/self/task (Linux)")
def test_a_flood_of_slow_host_calls_adds_at_most_the_host_thread_cap():
    with wb.Loader(threads=1, host_threads=4) as loader:
        peak = [0]

        def slow():
            peak[0] = max(peak[0], threads_in_process())
            time.sleep(0.002)

        w = hostile(loader, FLOOD, slow=slow)
        assert w.get_entrypoint().f(1) == 1  # the watchdog and first host thread are up
        before = threads_in_process() - 1
        assert w.get_entrypoint().f(2000) == 2000
        assert peak[0] - before <= 4


def test_a_neighbours_host_call_does_not_wait_behind_a_flood():
    with wb.Loader(threads=2, host_threads=2) as loader:
        flood = hostile(loader, FLOOD, slow=lambda: time.sleep(0.05))
        quick = hostile(loader, "export default { async f(env) { const t = Date.now(); await env.ping(); return Date.now() - t } }",
                        ping=lambda: None)
        t = threading.Thread(target=lambda: flood.get_entrypoint().f(200))
        t.start()
        time.sleep(0.2)  # the flood's calls are queued by now
        waited_ms = quick.get_entrypoint().f()
        # At most about one slow call (50 ms) runs ahead of it; 200 queued calls would be 5 s.
        assert waited_ms < 1000
        t.join()


def test_past_the_queue_bound_host_calls_reject_in_js_with_a_typed_error():
    with wb.Loader(threads=1, host_threads=1) as loader:
        gate = threading.Event()
        src = """export default { async f(env) {
          const r = await Promise.allSettled(Array.from({ length: 10010 }, () => env.wait()))
          const refused = r.filter(x => x.status === 'rejected')
          return [refused.length, refused[0] && refused[0].reason.name]
        } }"""
        w = hostile(loader, src, wait=lambda: gate.wait(10))
        threading.Timer(0.5, gate.set).start()
        refused, name = w.get_entrypoint().f()
        assert name == "TooManyHostCalls"
        # One running (the one host thread), 10,000 queued, the rest refused.
        assert refused == 10010 - 10_000 - 1


@pytest.mark.parametrize("bad", [0, -1])
def test_host_threads_must_be_positive(bad):
    with pytest.raises((ValueError, OverflowError)):
        wb.Loader(host_threads=bad)


def test_a_flood_of_async_bindings_holds_no_host_threads():
    # A coroutine binding is answered from its future's callback; before, each one held a host
    # thread in result() until it finished.
    import asyncio

    async def main():
        async with wb.AsyncLoader(threads=1, host_threads=4) as loader:
            peak = [0]

            async def slow():
                peak[0] = max(peak[0], threads_in_process())
                await asyncio.sleep(0.05)

            w = await loader.load(main_module="h.js", modules={"h.js": FLOOD}, env={"slow": slow})
            assert await w.get_entrypoint().f(1) == 1
            before = threads_in_process()
            assert await w.get_entrypoint().f(500) == 500
            return peak[0] - before

    assert asyncio.run(main()) <= 4
