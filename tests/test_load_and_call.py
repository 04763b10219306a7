"""The first vertical slice: load a module into a fresh isolate and call its default export."""

import resource
import threading
import time

import pytest

import workerbox as wb


def test_readme_snippet():
    with wb.Loader() as loader:
        w = loader.load(main_module="agent.js", modules={"agent.js": "export default { double(x) { return x * 2 } }"})
        assert w.get_entrypoint().double(21) == 42
        w.close()


def test_worker_code_object_and_named_entrypoint(loader):
    code = wb.WorkerCode(
        main_module="main.js",
        modules={"main.js": "export const tools = { greet(n) { return `hi ${n}` } }; export default {}"},
    )
    assert code.main_module == "main.js"
    with loader.load(code) as w:
        assert w.get_entrypoint("tools").greet("ada") == "hi ada"


def test_imports_between_modules_resolve(loader):
    modules = {
        "src/main.js": "import { add } from './lib/math.js'; import k from 'consts.js'; export default { f() { return add(k, 1) } }",
        "src/lib/math.js": "export function add(a, b) { return a + b }",
        "consts.js": {"js": "export default 41"},
    }
    with loader.load(main_module="src/main.js", modules=modules) as w:
        assert w.get_entrypoint().f() == 42


def test_async_method_is_awaited(load):
    w = load("export default { async f(x) { await null; return [x, await Promise.resolve('y')] } }")
    assert w.get_entrypoint().f("x") == ["x", "y"]


def test_top_level_await(load):
    w = load("const v = await Promise.resolve(7); export default { v() { return v } }")
    assert w.get_entrypoint().v() == 7


def test_each_load_is_a_fresh_isolate(loader):
    src = "globalThis.n = (globalThis.n ?? 0) + 1; export default { n() { return globalThis.n } }"
    a = loader.load(main_module="m.js", modules={"m.js": src})
    b = loader.load(main_module="m.js", modules={"m.js": src})
    assert a.get_entrypoint().n() == 1
    assert b.get_entrypoint().n() == 1
    a.close()
    b.close()


def test_state_persists_between_calls_on_one_worker(load):
    w = load("let n = 0; export default { inc() { return ++n } }")
    ep = w.get_entrypoint()
    assert [ep.inc(), ep.inc(), ep.inc()] == [1, 2, 3]


def test_gil_is_released_while_js_runs(load):
    w = load("export default { spin(ms) { const end = Date.now() + ms; while (Date.now() < end) {} return 1 } }")
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        assert w.get_entrypoint().spin(300) == 1
    finally:
        stop.set()
        t.join()
    # With the GIL held for 300 ms the counter thread could not have run at all.
    assert ticks > 20


def test_workers_run_in_parallel_on_separate_threads(loader):
    src = "export default { spin(ms) { const end = Date.now() + ms; while (Date.now() < end) {} return 1 } }"
    workers = [loader.load(main_module="m.js", modules={"m.js": src}) for _ in range(2)]
    results = []
    threads = [threading.Thread(target=lambda w=w: results.append(w.get_entrypoint().spin(200))) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [1, 1]
    for w in workers:
        w.close()


def test_private_and_dunder_names_are_not_forwarded(load):
    ep = load("export default { _secret() { return 1 } }").get_entrypoint()
    with pytest.raises(AttributeError):
        ep._secret
    with pytest.raises(AttributeError):
        ep.__array__


def test_method_stubs_are_made_once_per_entrypoint(load):
    # The hot path of a warm call starts with `ep.name`; after the first time it is a plain
    # attribute hit instead of a failed lookup that falls back to __getattr__.
    w = load("export default { double(x) { return x * 2 }, half(x) { return x / 2 } }")
    ep = w.get_entrypoint()
    assert ep.double is ep.double
    assert ep.half is not ep.double
    assert [ep.double(4), ep.half(4), ep.double(5)] == [8, 2, 10]
    assert w.get_entrypoint().double is not ep.double


@pytest.mark.parametrize("snapshot", ["1", "0"])
def test_runtime_works_with_and_without_the_startup_snapshot(snapshot):
    import os
    import subprocess
    import sys

    code = (
        "import workerbox as wb\n"
        "with wb.Loader(threads=1) as l:\n"
        "    w = l.load(main_module='m.js', modules={'m.js': \"export default { f() { return [typeof console.log, new URL('https://a.b/c').pathname, typeof fetch, typeof setTimeout] } }\"})\n"
        "    print(w.get_entrypoint().f())\n"
    )
    env = dict(os.environ, WORKERBOX_SNAPSHOT=snapshot)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['function', '/c', 'function', 'function']"


@pytest.mark.parametrize("pool_size", [0, 3])
def test_pooled_and_unpooled_isolates_behave_the_same(pool_size):
    with wb.Loader(threads=1, pool_size=pool_size) as loader:
        results = []
        for i in range(5):
            with loader.load(main_module="m.js", modules={"m.js": f"globalThis.n = {i}; export default {{ f(env) {{ return [globalThis.n, env.k] }} }}"}, env={"k": i}) as w:
                results.append(w.get_entrypoint().f())
        big = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"}, limits=wb.Limits(memory_mb=256))
        assert big.get_entrypoint().f() == 1
    assert results == [[i, i] for i in range(5)]


def test_fresh_isolates_do_not_share_random_state(loader):
    src = "export default { r() { return [Math.random(), crypto.randomUUID()] } }"
    randoms, uuids = set(), set()
    for _ in range(4):
        with loader.load(main_module="m.js", modules={"m.js": src}) as w:
            r, u = w.get_entrypoint().r()
            randoms.add(r)
            uuids.add(u)
    assert len(randoms) == 4 and len(uuids) == 4


def test_idle_workers_cost_no_cpu():
    # No busy-spinning threads and no per-isolate timers: a process full of idle workers sleeps.
    with wb.Loader(threads=2) as loader:
        workers = [loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"}) for _ in range(300)]
        assert workers[-1].get_entrypoint().f() == 1
        time.sleep(0.5)  # pool refills and disposals finish
        before = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(1.0)
        after = resource.getrusage(resource.RUSAGE_SELF)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        assert used < 0.02, f"{used * 1000:.1f} ms of CPU in 1 s with 300 idle workers"
        for w in workers:
            w.close()
