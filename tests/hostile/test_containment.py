"""Containment: no JavaScript aborts the process, and every turn a worker runs is bounded, even
after its last call returned. Cases that would abort the process run in a fresh interpreter."""

import time

import pytest

import workerbox as wb
from conftest import BENIGN, hostile, run_isolated

ROPE = "let s = 'x'.repeat(1 << 20); for (let i = 0; i < 8; i++) s = s + s"  # 256 Mi chars, a rope


def in_fresh_process(body, limits="wb.Limits()", timeout=120):
    """Runs `body` (a JS method body) once in a fresh interpreter; returns its stdout lines."""
    proc = run_isolated(
        f"""
        import workerbox as wb
        with wb.Loader(threads=1) as loader:
            w = loader.load(main_module="m.js", modules={{"m.js": {('export default { f() { ' + body + ' } }')!r}}},
                            limits={limits})
            try:
                print("returned", w.get_entrypoint().f())
            except wb.WorkerError as e:
                print("raised", type(e).__name__)
            print("closed", w.closed)
            ok = loader.load(main_module="m.js", modules={{"m.js": "export default {{ f() {{ return 1 }} }}"}})
            print("neighbour", ok.get_entrypoint().f())
        """,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.splitlines()


def test_one_allocation_larger_than_the_heap_headroom_does_not_abort_the_process():
    # Array.from grows one backing store to 256 MiB: more than the limit's headroom once was,
    # and V8 aborts the process when a raised limit still cannot fit the allocation.
    lines = in_fresh_process("return Array.from({ length: 2 ** 25 }, () => 0).length")
    assert lines == ["raised MemoryLimitExceeded", "closed True", "neighbour 1"]


@pytest.mark.parametrize("op", ["s.toUpperCase()", "JSON.stringify(s)", "[...s]"])
def test_operations_on_a_huge_rope_end_in_the_memory_limit(op):
    lines = in_fresh_process(f"{ROPE}; return {op}.length", limits="wb.Limits(memory_mb=64)")
    assert lines == ["raised MemoryLimitExceeded", "closed True", "neighbour 1"]


def test_encoding_a_huge_rope_is_refused_by_the_buffer_budget():
    # The output buffer is charged before it is allocated: a catchable RangeError, not a kill.
    lines = in_fresh_process(
        f"{ROPE}; try {{ new TextEncoder().encode(s) }} catch (e) {{ return e.name }}", limits="wb.Limits(memory_mb=64)"
    )
    assert lines == ["returned RangeError", "closed False", "neighbour 1"]


def test_splitting_a_huge_string_into_characters_does_not_abort_the_process():
    lines = in_fresh_process(f"{ROPE}; return s.split('').length", limits="wb.Limits(memory_mb=64)")
    assert lines[1:] == ["closed True", "neighbour 1"] or lines[0] == "raised JSError"


# JSON.parse runs no JavaScript, so stock V8 honours no termination inside it and parses on past
# the CPU limit and the heap headroom (.ci/v8/patches/0005). Wide inputs take the recursive
# parser, deep ones the iterative one.
def test_json_parse_of_a_huge_input_ends_at_the_limits(loader, check_alive):
    src = "export default { f() { return JSON.parse('[' + '[],'.repeat(6e6) + '[]]').length } }"
    w = hostile(loader, src, limits=wb.Limits(memory_mb=16, cpu_ms=50))
    start = time.monotonic()
    with pytest.raises((wb.MemoryLimitExceeded, wb.CpuLimitExceeded)):
        w.get_entrypoint().f()
    assert time.monotonic() - start < 2.0


def test_json_parse_of_a_deeply_nested_input_does_not_abort_the_process():
    body = "const t = '['.repeat(2e7) + ']'.repeat(2e7); return JSON.parse(t).length"
    lines = in_fresh_process(body, limits="wb.Limits(memory_mb=128, cpu_ms=200)")
    assert lines[0] in ("raised CpuLimitExceeded", "raised MemoryLimitExceeded")
    assert lines[1:] == ["closed True", "neighbour 1"]


BACKGROUND_CASES = {
    "busy_timer_after_return": "export default { f() { setTimeout(() => { for (;;) {} }, 20); return 1 } }",
    "busy_reaction_to_a_host_answer": "export default { f(env) { env.nap(0.02).then(() => { for (;;) {} }); return 1 } }",
    "busy_reaction_to_a_timer": "export default { f() { new Promise(r => setTimeout(r, 10)).then(() => { for (;;) {} }); return 1 } }",
    "busy_interval_ticks": "export default { f() { setInterval(() => { const t = Date.now(); while (Date.now() - t < 20) {} }, 1); return 1 } }",
}


@pytest.mark.parametrize("name", sorted(BACKGROUND_CASES))
def test_work_after_the_call_returned_is_bounded_by_the_workers_cpu_limit(name):
    # One thread, so a background turn that never ends would starve the neighbour for good.
    with wb.Loader(threads=1) as loader:
        w = hostile(loader, BACKGROUND_CASES[name], limits=wb.Limits(cpu_ms=50), nap=time.sleep)
        assert w.get_entrypoint().f() == 1
        start = time.monotonic()
        with loader.load(main_module="ok.js", modules=BENIGN) as ok:
            assert ok.get_entrypoint().ping() == "pong"
        assert time.monotonic() - start < 2.0
        deadline = time.monotonic() + 5
        while not w.closed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert w.closed
        # The death is reported to the next caller as what it was, then the worker is closed.
        with pytest.raises(wb.CpuLimitExceeded):
            w.get_entrypoint().f()
        with pytest.raises(wb.ClosedError):
            w.get_entrypoint().f()


def test_background_cpu_is_reported_to_on_trace():
    traces = []
    with wb.Loader(threads=1) as loader:
        code = wb.WorkerCode("h.js", {"h.js": BACKGROUND_CASES["busy_timer_after_return"]},
                             limits=wb.Limits(cpu_ms=30), on_trace=traces.append)
        w = loader.load(code)
        w.get_entrypoint().f()
        while not w.closed:
            time.sleep(0.01)
        with pytest.raises(wb.CpuLimitExceeded):
            w.get_entrypoint().f()
    assert [t["outcome"] for t in traces] == ["ok", "exceededCpu"]


def test_modest_background_work_between_calls_is_allowed(loader, check_alive):
    # The budget is per stretch between calls: timers well under cpu_ms never kill the worker.
    src = "export default { f() { setTimeout(() => { const t = Date.now(); while (Date.now() - t < 5) {} }, 1); return 1 } }"
    w = hostile(loader, src, limits=wb.Limits(cpu_ms=100))
    for _ in range(30):
        assert w.get_entrypoint().f() == 1
        time.sleep(0.01)
    assert not w.closed


def test_atomics_wait_cannot_block_the_thread(loader, check_alive):
    # A blocked thread burns no CPU, so no CPU limit would end it; Workers forbid it too.
    src = "export default { f() { return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000) } }"
    w = hostile(loader, src, limits=wb.Limits(cpu_ms=100))
    start = time.monotonic()
    with pytest.raises(wb.JSError) as info:
        w.get_entrypoint().f()
    assert info.value.name == "TypeError"
    assert time.monotonic() - start < 1.0



def test_bytes_a_binding_returns_are_charged_to_the_workers_memory(loader, check_alive):
    # Kept host bytes once lived outside the off-heap budget: 200 MiB kept under memory_mb=32.
    src = """const keep = []
    export default { async f(env) {
      try { for (let i = 0; i < 200; i++) keep.push(await env.blob()) } catch (e) { return [e.name, keep.length] }
      return ['none', keep.length]
    } }"""
    w = hostile(loader, src, limits=wb.Limits(memory_mb=32), blob=lambda: b"x" * (1 << 20))
    name, kept = w.get_entrypoint().f()
    assert name == "TypeError" and kept <= 32


def test_a_data_module_larger_than_the_memory_limit_is_refused(loader, check_alive):
    modules = {"h.js": "import d from 'd.bin'; export default { f() { return d.byteLength } }",
               "d.bin": {"data": b"x" * (20 << 20)}}
    with pytest.raises(wb.JSError) as info:
        loader.load(main_module="h.js", modules=modules, limits=wb.Limits(memory_mb=16)).get_entrypoint().f()
    assert info.value.name == "RangeError"


def test_a_huge_thrown_message_reaches_the_host_cut_short(loader, check_alive):
    # A 128 Mi-character message was copied out whole (twice: Rust, then Python).
    src = "export default { f() { let s = 'x'.repeat(1 << 20); for (let i = 0; i < 7; i++) s = s + s; throw new Error(s) } }"
    w = hostile(loader, src, limits=wb.Limits(memory_mb=512))
    with pytest.raises(wb.JSError) as info:
        w.get_entrypoint().f()
    assert len(info.value.message) < 70_000 and info.value.message.endswith("more characters)")
    assert len(info.value.stack) < 140_000
