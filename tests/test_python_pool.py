"""The pool of Python isolates: after a loader's first Python worker it keeps isolates with
Pyodide already restored, made at idle time, and a Python worker with the default memory limit
takes one instead of restoring. A pooled sandbox must behave exactly like a restored one: the
tenant's code, env, fresh randomness, its memory limit; nothing of another tenant."""

import asyncio
import time

import pytest

import workerbox as wb

pytestmark = pytest.mark.usefixtures("pyodide")

MAIN = """
import random

def hello(name, env):
    return {"greeting": env.greet(name), "r": random.random()}

def grow():
    try:
        bytearray(10**9)
    except MemoryError:
        return "MemoryError"
    return "allocated"
"""


@pytest.fixture(scope="module", autouse=True)
def baseline():
    wb.prepare_python()


def code(**kw):
    return wb.WorkerCode(main_module="main.py", modules={"main.py": MAIN}, env={"greet": lambda n: f"hi {n}"}, **kw)


def wait_pooled(loader, python, timeout=60.0):
    deadline = time.monotonic() + timeout
    while loader.pooled["python"] != python:
        assert time.monotonic() < deadline, f"the Python pool holds {loader.pooled}, not {python}"
        time.sleep(0.05)


def test_a_loader_that_runs_no_python_holds_no_python_isolates():
    with wb.Loader(threads=1) as loader:
        worker = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"})
        assert worker.get_entrypoint().f() == 1
        time.sleep(0.5)
        assert loader.pooled == {"blank": 2, "python": 0}


def test_after_its_first_python_worker_a_loader_keeps_python_isolates_per_thread():
    with wb.Loader(threads=2, python_pool_size=2) as loader:
        assert loader.pooled["python"] == 0
        loader.load(code()).get_entrypoint().hello("a")
        wait_pooled(loader, 4)


def test_a_pooled_sandbox_runs_the_tenants_code_env_and_fresh_randomness():
    with wb.Loader(threads=1) as loader:
        first = loader.load(code()).get_entrypoint().hello("a")
        results = []
        for name in "bcd":
            wait_pooled(loader, 1)
            results.append(loader.load(code()).get_entrypoint().hello(name))
        assert [r["greeting"] for r in results] == ["hi b", "hi c", "hi d"]
        assert len({r["r"] for r in [first, *results]}) == 4


def test_a_pooled_sandbox_keeps_its_memory_limit():
    with wb.Loader(threads=1) as loader:
        loader.load(code()).close()
        wait_pooled(loader, 1)
        worker = loader.load(code())
        ep = worker.get_entrypoint()
        assert ep.grow() == "MemoryError"
        assert ep.hello("again")["greeting"] == "hi again"


def test_a_worker_with_another_memory_limit_restores_and_leaves_the_pool_alone():
    with wb.Loader(threads=1) as loader:
        loader.load(code()).close()
        wait_pooled(loader, 1)
        ep = loader.load(code(limits=wb.Limits(memory_mb=192))).get_entrypoint()
        assert ep.hello("x")["greeting"] == "hi x"
        assert loader.pooled["python"] == 1


def test_a_loader_whose_python_workers_never_fit_the_pool_primes_none():
    with wb.Loader(threads=1) as loader:
        ep = loader.load(code(limits=wb.Limits(memory_mb=192))).get_entrypoint()
        assert ep.hello("y")["greeting"] == "hi y"
        time.sleep(0.5)
        assert loader.pooled["python"] == 0


def test_python_pool_size_zero_keeps_none():
    with wb.Loader(threads=1, python_pool_size=0) as loader:
        assert loader.load(code()).get_entrypoint().hello("z")["greeting"] == "hi z"
        time.sleep(0.5)
        assert loader.pooled["python"] == 0


def test_python_pool_size_must_be_a_count():
    with pytest.raises(OverflowError):
        wb.Loader(python_pool_size=-1)
    with pytest.raises(TypeError):
        wb.Loader(python_pool_size="2")  # type: ignore[arg-type]


def test_pooled_is_refused_once_the_loader_is_closed():
    loader = wb.Loader(threads=1)
    loader.close()
    with pytest.raises(wb.ClosedError):
        loader.pooled


def test_the_async_loader_pools_python_isolates_too():
    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            first = await loader.load(code())
            assert (await first.get_entrypoint().hello("a"))["greeting"] == "hi a"
            deadline = time.monotonic() + 60
            while loader.pooled["python"] != 1:
                assert time.monotonic() < deadline, loader.pooled
                await asyncio.sleep(0.05)
            second = await loader.load(code())
            assert (await second.get_entrypoint().hello("b"))["greeting"] == "hi b"

    asyncio.run(asyncio.wait_for(main(), 120))
