"""What an AsyncLoader worker's call returns: an awaitable answer. A warm call's answer is polled
for and finished on the loop's own thread; a slow one parks on an asyncio future. Either way it
behaves like any awaitable: in tasks, gather, wait_for, shield, cancelled, or never awaited."""

import asyncio
import logging
import time

import pytest

import workerbox as wb

SRC = """
let n = 0
export default {
  inc() { return ++n },
  echo(x) { return x },
  async slow(ms, x) { await scheduler.wait(ms); return x },
  spin(ms) { const e = Date.now() + ms; while (Date.now() < e) {} return ms },
  boom() { throw new RangeError('nope') },
  shout(x) { console.log('shout', x); return x },
}
"""


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def worker(loader):
    return (await loader.load(main_module="m.js", modules={"m.js": SRC})).get_entrypoint()


class CountingLoop(asyncio.SelectorEventLoop):
    """Counts wake-ups from other threads."""

    threadsafe = 0

    def call_soon_threadsafe(self, *args, **kwargs):
        CountingLoop.threadsafe += 1
        return super().call_soon_threadsafe(*args, **kwargs)


def test_sequential_warm_calls_finish_without_waking_the_loop_from_another_thread():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            ep = await worker(loader)
            for _ in range(50):
                await ep.inc()
            CountingLoop.threadsafe = 0
            for i in range(400):
                assert await ep.echo(i) == i
            return CountingLoop.threadsafe

    loop = CountingLoop()
    try:
        wakeups = loop.run_until_complete(asyncio.wait_for(main(), 60))
    finally:
        loop.close()
    # Each call through the completer thread wakes the loop once; a busy machine may make a few
    # answers miss the poll.
    assert wakeups < 200


def test_a_slow_answer_parks_and_the_loop_runs_meanwhile():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            ep = await worker(loader)
            ticks = 0

            async def ticker():
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.005)

            t = asyncio.ensure_future(ticker())
            assert await ep.slow(200, "late") == "late"
            t.cancel()
            assert ticks > 10

    run(main())


def test_answers_work_with_gather_wait_for_shield_and_tasks():
    async def main():
        async with wb.AsyncLoader(threads=2) as loader:
            ep = await worker(loader)
            mixed = [ep.slow(30, i) if i % 7 == 0 else ep.echo(i) for i in range(300)]
            assert await asyncio.gather(*mixed) == list(range(300))
            assert await asyncio.wait_for(ep.echo("w"), 5) == "w"
            assert await asyncio.shield(ep.echo("s")) == "s"
            task = asyncio.ensure_future(ep.slow(10, "t"))
            assert await task == "t"
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ep.slow(5000, "never"), 0.1)

    run(main())


def test_errors_are_raised_where_the_answer_is_awaited():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            ep = await worker(loader)
            answer = ep.boom()
            with pytest.raises(wb.JSError) as info:
                await answer
            assert info.value.name == "RangeError"
            # The worker lives on.
            assert await ep.echo(1) == 1

    run(main())


def test_an_answer_is_awaited_once():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            ep = await worker(loader)
            fast = ep.echo(1)
            assert await fast == 1
            with pytest.raises(RuntimeError, match="already awaited"):
                await fast
            slow = ep.slow(20, 2)
            assert await slow == 2
            with pytest.raises(RuntimeError, match="already awaited"):
                await slow

    run(main())


def test_an_answer_never_awaited_still_logs_its_console_output(caplog):
    caplog.set_level(logging.INFO, logger="workerbox.console")

    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            ep = await worker(loader)
            ep.shout("dropped before its answer")
            answer = ep.shout("dropped after its answer")
            await ep.slow(50, None)
            del answer
            # The completer thread logs them; give it a moment.
            for _ in range(100):
                if sum("dropped" in r.getMessage() for r in caplog.records) == 2:
                    break
                await asyncio.sleep(0.01)

    run(main())
    messages = [r.getMessage() for r in caplog.records if r.name == "workerbox.console"]
    assert any("dropped before its answer" in m for m in messages)
    assert any("dropped after its answer" in m for m in messages)


def test_cancelling_the_awaiting_task_stops_the_worker():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            w = await loader.load(main_module="m.js", modules={"m.js": SRC})
            task = asyncio.ensure_future(w.get_entrypoint().spin(20_000))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The stop ends the spinning JavaScript: a fresh worker gets the thread at once.
            other = await worker(loader)
            assert await other.echo("next") == "next"
            assert time.monotonic() - started < 5

    run(main())


def test_a_call_on_a_closed_worker_fails_at_the_await():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            w = await loader.load(main_module="m.js", modules={"m.js": SRC})
            ep = w.get_entrypoint()
            w.close()
            answer = ep.echo(1)
            with pytest.raises(wb.WorkerError):
                await answer

    run(main())

