"""Idle trimming: a worker that grew and then went idle gives its memory back at idle time,
keeps its state, and a trim never loses a call or a timer."""

import asyncio
import threading
import time

import pytest

import workerbox as wb
from conftest import run_isolated

GROWER = {
    "g.js": """
let grown = 0;
let fired = 0;
export default {
  // Builds a large graph and drops it: the heap grows, and only a GC gives the pages back.
  grow(n) { const a = []; for (let i = 0; i < n; i++) a.push({ i, s: 'x' + i }); grown += 1; return a.length },
  grown() { return grown },
  later(ms) { setTimeout(() => { fired += 1 }, ms) },
  fired() { return fired },
}
"""
}


def test_an_idle_worker_that_grew_gives_its_memory_back():
    # The same workload with and without trimming, each in a fresh process so RSS is its own.
    program = """
        import time, workerbox as wb
        MOD = {"g.js": "export default { grow(n) { const a = []; for (let i = 0; i < n; i++) a.push({ i, s: 'x' + i }); return a.length } }"}
        def rss_mib():
            return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
        with wb.Loader(threads=2, pool_size=0, trim_after_s=TRIM) as loader:
            workers = [loader.load(main_module="g.js", modules=MOD) for _ in range(6)]
            before = rss_mib()
            for w in workers:
                w.get_entrypoint().grow(200_000)
            grown = rss_mib() - before
            time.sleep(1.5)
            print(grown, rss_mib() - before)
    """
    kept = {}
    for trim in ("None", "0.2"):
        proc = run_isolated(program.replace("TRIM", trim))
        assert proc.returncode == 0, proc.stderr
        grown, after = map(float, proc.stdout.split())
        assert grown > 30, f"the workload should grow the heap: {grown:.0f} MiB"
        kept[trim] = after / grown
    assert kept["None"] > 0.8, f"untrimmed workers keep their pages: {kept}"
    assert kept["0.2"] < 0.5, f"trimmed workers give most of the growth back: {kept}"


def test_a_trimmed_worker_keeps_its_state_and_works_on():
    with wb.Loader(threads=1, trim_after_s=0) as loader:
        w = loader.load(main_module="g.js", modules=GROWER)
        ep = w.get_entrypoint()
        assert ep.grow(100_000) == 100_000
        time.sleep(0.3)
        assert ep.grown() == 1
        assert ep.grow(1_000) == 1_000
        assert ep.grown() == 2


def test_a_timer_pending_across_a_trim_still_fires():
    with wb.Loader(threads=1, trim_after_s=0) as loader:
        w = loader.load(main_module="g.js", modules=GROWER)
        ep = w.get_entrypoint()
        ep.grow(100_000)
        ep.later(150)
        time.sleep(0.5)
        assert ep.fired() == 1


def test_calls_racing_trims_all_land():
    # Workers trimmed the moment they go idle, called at random moments from several threads:
    # every call must find its worker, with its state.
    errors = []
    with wb.Loader(threads=2, trim_after_s=0) as loader:
        workers = [loader.load(main_module="g.js", modules=GROWER) for _ in range(4)]

        def hammer(w, n):
            try:
                ep = w.get_entrypoint()
                for i in range(n):
                    ep.grow(20_000 if i % 5 == 0 else 10)
                    time.sleep((i % 7) / 2000)
                assert ep.grown() == n
            except Exception as e:  # noqa: BLE001 — reported below
                errors.append(e)

        threads = [threading.Thread(target=hammer, args=(w, 60)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_closing_a_loader_with_trims_pending_does_not_wait_for_them():
    loader = wb.Loader(threads=1, pool_size=0, trim_after_s=3600)
    for _ in range(50):
        loader.load(main_module="g.js", modules=GROWER).get_entrypoint().grow(10)
    t = time.perf_counter()
    loader.close()
    assert time.perf_counter() - t < 5


def test_async_loader_takes_trim_after_s():
    async def main():
        async with wb.AsyncLoader(threads=1, trim_after_s=0.05) as loader:
            w = await loader.load(main_module="g.js", modules=GROWER)
            await w.get_entrypoint().grow(50_000)
            await asyncio.sleep(0.3)
            return await w.get_entrypoint().grown()

    assert asyncio.run(main()) == 1


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_a_bad_trim_after_s_is_a_value_error(value):
    with pytest.raises(ValueError, match="trim_after_s"):
        wb.Loader(trim_after_s=value)


def test_trim_after_s_must_be_a_number():
    with pytest.raises(TypeError):
        wb.Loader(trim_after_s="soon")
