"""Attacks on a worker's lifecycle: a runaway call must end when its caller gives up (close,
cancel, Ctrl-C), objects inherited through fork() must refuse clearly, and get() factories must
not deadlock on each other. Each case runs in its own interpreter with a timeout, so a hang is
a failure and not a stuck test run. The CPU limit is 30 s throughout: stopping "at once" means
long before it."""

import json
import textwrap

import pytest

from conftest import run_isolated

SPIN = "export default { f() { for (;;) {} }, ok() { return 1 } }"
SLEEP = "export default { f() { return new Promise(r => setTimeout(r, 60000)) }, ok() { return 1 } }"
NAP = "export default { async f(env) { await env.nap(20) }, ok() { return 1 } }"


# Async cases end with os._exit: an AsyncLoader's helper thread still inside Python while the
# interpreter finalises aborts the process, a separate problem from the ones tested here.
PRELUDE = """
import json, os
def report(value):
    print(json.dumps(value), flush=True)
    os._exit(0)
"""


def run_json(code, timeout=60):
    """Runs `code`, which prints one JSON line last (`report` prints it and exits), and returns
    that value."""
    proc = run_isolated(PRELUDE + textwrap.dedent(code), timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_close_stops_an_infinite_loop_at_once():
    out = run_json(
        f"""
        import json, threading, time, workerbox as wb
        loader = wb.Loader(threads=1)
        limits = wb.Limits(cpu_ms=30000)
        w = loader.load(main_module="m.js", modules={{"m.js": {SPIN!r}}}, limits=limits)
        neighbour = loader.load(main_module="m.js", modules={{"m.js": {SPIN!r}}})
        out = {{}}
        def call():
            try:
                w.get_entrypoint().f()
            except wb.WorkerError as e:
                out["error"] = type(e).__name__
            out["ended"] = time.monotonic()
        t = threading.Thread(target=call)
        t.start()
        time.sleep(0.3)
        closed = time.monotonic()
        w.close()
        t.join(20)
        out["after_close"] = out.get("ended", 99) - closed
        out["neighbour"] = neighbour.get_entrypoint().ok()
        print(json.dumps(out))
        """
    )
    assert out["error"] == "ClosedError"
    assert out["after_close"] < 2
    assert out["neighbour"] == 1


def test_close_ends_an_async_call_awaiting_a_timer():
    out = run_json(
        f"""
        import asyncio, json, time, workerbox as wb
        async def main():
            async with wb.AsyncLoader(threads=1) as loader:
                w = await loader.load(main_module="m.js", modules={{"m.js": {SLEEP!r}}})
                call = asyncio.ensure_future(w.get_entrypoint().f())
                await asyncio.sleep(0.3)
                closed = time.monotonic()
                w.close()
                try:
                    await asyncio.wait_for(call, 10)
                except wb.ClosedError:
                    return {{"error": "ClosedError", "after_close": time.monotonic() - closed}}
                except asyncio.TimeoutError:
                    return {{"error": "hung"}}
        report(asyncio.run(main()))
        """
    )
    assert out["error"] == "ClosedError"
    assert out["after_close"] < 2


@pytest.mark.parametrize("via", ["load", "get"])
def test_cancelling_a_task_stops_its_javascript(via):
    out = run_json(
        f"""
        import asyncio, json, time, workerbox as wb
        CODE = wb.WorkerCode("m.js", {{"m.js": {SPIN!r}}}, limits=wb.Limits(cpu_ms=30000))
        made = []
        def factory():
            made.append(1)
            return CODE
        async def main():
            async with wb.AsyncLoader(threads=1) as loader:
                if {via!r} == "get":
                    w = await loader.get("spin", factory)
                else:
                    w = await loader.load(CODE)
                neighbour = await loader.load(main_module="n.js", modules={{"n.js": "export default {{ ok() {{ return 1 }} }}"}})
                async def call():
                    return await w.get_entrypoint().f()
                task = asyncio.ensure_future(call())
                await asyncio.sleep(0.3)
                task.cancel()
                cancelled = time.monotonic()
                try:
                    answer = await asyncio.wait_for(neighbour.get_entrypoint().ok(), 10)
                except asyncio.TimeoutError:
                    answer = "stalled"
                out = {{"neighbour": answer, "after_cancel": time.monotonic() - cancelled, "closed": w.closed}}
                if {via!r} == "get":
                    again = await loader.get("spin", factory)
                    out["fresh"] = len(made) == 2 and not again.closed
                return out
        report(asyncio.run(main()))
        """
    )
    assert out["neighbour"] == 1
    assert out["after_cancel"] < 2
    assert out["closed"]
    assert out.get("fresh", True)


def test_cancelling_an_async_load_stops_its_top_level_code():
    out = run_json(
        """
        import asyncio, json, time, workerbox as wb
        async def main():
            async with wb.AsyncLoader(threads=1) as loader:
                load = asyncio.ensure_future(
                    loader.load(main_module="m.js", modules={"m.js": "for (;;) {}"}, limits=wb.Limits(cpu_ms=30000))
                )
                await asyncio.sleep(0.3)
                load.cancel()
                cancelled = time.monotonic()
                neighbour = await asyncio.wait_for(
                    loader.load(main_module="n.js", modules={"n.js": "export default { ok() { return 1 } }"}), 10
                )
                answer = await neighbour.get_entrypoint().ok()
                return {"neighbour": answer, "after_cancel": time.monotonic() - cancelled}
        report(asyncio.run(main()))
        """
    )
    assert out["neighbour"] == 1
    assert out["after_cancel"] < 2


@pytest.mark.parametrize("source", [SPIN, SLEEP, NAP], ids=["running", "awaiting_a_timer", "awaiting_a_binding"])
def test_ctrl_c_interrupts_a_call_in_every_state(source):
    out = run_json(
        f"""
        import json, signal, threading, time, workerbox as wb
        # A shell's background job starts with SIGINT ignored; this test is about a handler.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        loader = wb.Loader(threads=1)
        env = {{"nap": lambda s: time.sleep(s)}}
        w = loader.load(main_module="m.js", modules={{"m.js": {source!r}}}, env=env, limits=wb.Limits(cpu_ms=30000))
        neighbour = loader.load(main_module="m.js", modules={{"m.js": {source!r}}}, env=env)
        threading.Timer(0.3, lambda: signal.raise_signal(signal.SIGINT)).start()
        start = time.monotonic()
        out = {{}}
        try:
            w.get_entrypoint().f()
        except KeyboardInterrupt:
            out["interrupted_after"] = time.monotonic() - start
        out["closed"] = w.closed
        try:
            w.get_entrypoint().ok()
        except wb.ClosedError:
            out["then"] = "ClosedError"
        out["neighbour"] = neighbour.get_entrypoint().ok()
        print(json.dumps(out), flush=True)
        """
    )
    assert out["interrupted_after"] < 3
    assert out["closed"]
    assert out["then"] == "ClosedError"
    assert out["neighbour"] == 1


def test_a_parent_loaders_objects_refuse_clearly_in_a_forked_child():
    out = run_json(
        """
        import asyncio, json, os, sys, time, workerbox as wb
        loader = wb.Loader(threads=1)
        w = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"})
        cached = loader.get("cached", lambda: wb.WorkerCode("m.js", {"m.js": "export default { f() { return 2 } }"}))
        ep = w.get_entrypoint()
        method = ep.f
        aloader = wb.AsyncLoader(threads=1)
        async def aload():
            return await aloader.load(main_module="m.js", modules={"m.js": ""})
        entry_points = {
            "method()": lambda: method(),
            "entrypoint.attr": lambda: ep.other,
            "get_entrypoint": lambda: w.get_entrypoint(),
            "worker.closed": lambda: w.closed,
            "worker.close": lambda: w.close(),
            "cached worker call": lambda: cached.get_entrypoint().f(),
            "load": lambda: loader.load(main_module="m.js", modules={"m.js": ""}),
            "get hit": lambda: loader.get("cached", lambda: None),
            "get miss": lambda: loader.get("new", lambda: None),
            "evict": lambda: loader.evict("cached"),
            "warm_ids": lambda: loader.warm_ids,
            "loader.closed": lambda: loader.closed,
            "loader.close": lambda: loader.close(),
            "async load": lambda: asyncio.run(aload()),
            "async close": lambda: aloader.close(),
            "new Loader": lambda: wb.Loader(threads=1),
        }
        r, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            results = {}
            for name, use in entry_points.items():
                try:
                    use()
                    results[name] = "no error"
                except wb.WorkerError as e:
                    results[name] = "fork" if "fork" in str(e) else str(e)
                except BaseException as e:
                    results[name] = type(e).__name__ + ": " + str(e)
            os.write(wfd, json.dumps(results).encode())
            os.close(wfd)
            sys.exit(0)  # a normal exit: finalising the inherited objects must not hang either
        os.close(wfd)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            status = None
        results = json.loads(os.read(r, 1 << 16) or b"{}")
        print(json.dumps({
            "child": results,
            "child_exit": None if status is None else os.waitstatus_to_exitcode(status),
            "parent": method() + cached.get_entrypoint().f(),
        }))
        """
    )
    assert out["child"], "the child reported nothing"
    assert {name: "fork" for name in out["child"]} == out["child"]
    assert len(out["child"]) == 16
    assert out["child_exit"] == 0
    assert out["parent"] == 3


GET_CYCLE = """
import asyncio, json, threading, workerbox as wb
CODE = wb.WorkerCode("m.js", {"m.js": "export default { f() { return 1 } }"})
raised = []
def note(e):
    raised.append((type(e).__name__, "would wait forever" in str(e)))
"""


@pytest.mark.parametrize("ids", [["a"], ["a", "b"], ["a", "b", "c"]], ids=["itself", "pair", "triangle"])
def test_get_factory_cycle_raises_instead_of_deadlocking(ids):
    out = run_json(
        GET_CYCLE
        + f"""
IDS = {ids!r}
loader = wb.Loader(threads=1)
def factory_of(i):
    def factory():
        try:
            loader.get(IDS[(i + 1) % len(IDS)], factory_of((i + 1) % len(IDS)))
        except wb.WorkerError as e:
            note(e)
        return CODE
    return factory
w = loader.get(IDS[0], factory_of(0))
print(json.dumps({{"raised": raised, "call": w.get_entrypoint().f()}}))
""",
        timeout=30,
    )
    assert out["raised"] == [["WorkerError", True]]
    assert out["call"] == 1


@pytest.mark.parametrize("ids", [["a"], ["a", "b"]], ids=["itself", "pair"])
def test_async_get_factory_cycle_raises_instead_of_deadlocking(ids):
    out = run_json(
        GET_CYCLE
        + f"""
IDS = {ids!r}
async def main():
    async with wb.AsyncLoader(threads=1) as loader:
        def factory_of(i):
            async def factory():
                try:
                    await loader.get(IDS[(i + 1) % len(IDS)], factory_of((i + 1) % len(IDS)))
                except wb.WorkerError as e:
                    note(e)
                return CODE
            return factory
        w = await asyncio.wait_for(loader.get(IDS[0], factory_of(0)), 10)
        return await w.get_entrypoint().f()
report({{"call": asyncio.run(main()), "raised": raised}})
""",
        timeout=30,
    )
    assert out["raised"] == [["WorkerError", True]]
    assert out["call"] == 1


def test_get_factory_cycle_across_threads_raises_instead_of_deadlocking():
    out = run_json(
        GET_CYCLE
        + """
loader = wb.Loader(threads=1)
started = {"a": threading.Event(), "b": threading.Event()}
def factory_of(me, other):
    def factory():
        started[me].set()
        started[other].wait(5)
        try:
            loader.get(other, factory_of(other, me))
        except wb.WorkerError as e:
            note(e)
        return CODE
    return factory
calls = []
threads = [
    threading.Thread(target=lambda m=m, o=o: calls.append(loader.get(m, factory_of(m, o)).get_entrypoint().f()))
    for m, o in (("a", "b"), ("b", "a"))
]
for t in threads:
    t.start()
for t in threads:
    t.join(20)
print(json.dumps({"raised": raised, "calls": calls}))
""",
        timeout=30,
    )
    assert out["raised"] == [["WorkerError", True]]
    assert out["calls"] == [1, 1]
