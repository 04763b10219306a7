"""AsyncLoader: the same core, with awaitables; the event loop never blocks on JavaScript."""

import asyncio
import time

import pytest

import workerbox as wb

SRC = "let n = 0; export default { inc() { return ++n }, async later(x) { await null; return x }, spin(ms) { const e = Date.now() + ms; while (Date.now() < e) {} return ms }, boom() { throw new TypeError('bad') } }"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_load_and_call():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            w = await loader.load(main_module="m.js", modules={"m.js": SRC})
            ep = w.get_entrypoint()
            assert await ep.inc() == 1
            assert await ep.later("x") == "x"
            with pytest.raises(wb.JSError) as info:
                await ep.boom()
            assert info.value.name == "TypeError"
            w.close()

    run(main())


def test_event_loop_keeps_running_while_js_spins():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            w = await loader.load(main_module="m.js", modules={"m.js": SRC})
            ticks = 0

            async def ticker():
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.005)

            t = asyncio.ensure_future(ticker())
            assert await w.get_entrypoint().spin(300) == 300
            t.cancel()
            assert ticks > 10

    run(main())


def test_calls_on_two_workers_run_in_parallel():
    async def main():
        async with wb.AsyncLoader(threads=2) as loader:
            a = await loader.load(main_module="m.js", modules={"m.js": SRC})
            b = await loader.load(main_module="m.js", modules={"m.js": SRC})
            start = time.monotonic()
            await asyncio.gather(a.get_entrypoint().spin(300), b.get_entrypoint().spin(300))
            return time.monotonic() - start

    assert run(main()) < 0.55


def test_get_with_async_factory_runs_once():
    calls = []

    async def factory():
        calls.append(1)
        await asyncio.sleep(0.05)
        return wb.WorkerCode("m.js", {"m.js": SRC})

    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            workers = await asyncio.gather(*(loader.get("t1", factory) for _ in range(5)))
            results = [await w.get_entrypoint().inc() for w in workers]
            assert sorted(results) == [1, 2, 3, 4, 5]
            assert loader.warm_ids == ["t1"]

    run(main())
    assert len(calls) == 1


def test_get_with_failing_factory():
    async def factory():
        raise PermissionError("tenant suspended")

    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            w = await loader.get("t2", factory)
            with pytest.raises(PermissionError, match="suspended"):
                await w.get_entrypoint().anything()
            assert loader.warm_ids == []

    run(main())


def test_load_errors_are_raised_by_the_awaitable():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            with pytest.raises(wb.JSError) as info:
                await loader.load(main_module="m.js", modules={"m.js": "export default {"})
            assert info.value.name == "SyntaxError"
            with pytest.raises(wb.CodeError):
                await loader.load(main_module="x.js", modules={"m.js": ""})

    run(main())


def test_async_api_outside_a_running_loop_is_a_clear_error():
    loader = wb.AsyncLoader(threads=1)
    try:
        with pytest.raises(RuntimeError, match="asyncio event loop"):
            loader.load(main_module="m.js", modules={"m.js": SRC})
    finally:
        loader.close()
