"""The hostile corpus: each program costs its own isolate and gets a typed error; the loader and
every other worker keep working afterwards."""

import threading
import time

import pytest

import workerbox as wb

from conftest import BENIGN, hostile

CPU_CASES = {
    "infinite_loop_in_call": "export default { f() { for (;;) {} } }",
    "infinite_loop_in_microtask": "export default { f() { Promise.resolve().then(() => { for (;;) {} }); return new Promise(() => {}) } }",
    "microtask_flood": "export default { f() { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {}) } }",
    "infinite_loop_in_timer": "export default { f() { return new Promise(r => setTimeout(() => { for (;;) {} r() }, 1)) } }",
    "catch_and_continue": "export default { f() { for (;;) { try { for (;;) {} } catch (e) {} } } }",
    "busy_async_chain": "export default { async f() { for (;;) { await null } } }",
}


@pytest.mark.parametrize("name", sorted(CPU_CASES))
def test_cpu_bound_programs_hit_the_cpu_limit(loader, check_alive, name):
    w = hostile(loader, CPU_CASES[name], limits=wb.Limits(cpu_ms=50))
    start = time.monotonic()
    with pytest.raises(wb.CpuLimitExceeded) as info:
        w.get_entrypoint().f()
    assert time.monotonic() - start < 5
    assert info.value.kind == "cpu" and info.value.limit == 50
    assert isinstance(info.value, TimeoutError)
    assert w.closed
    with pytest.raises(wb.ClosedError):
        w.get_entrypoint().f()


def test_infinite_loop_at_top_level(loader, check_alive):
    with pytest.raises(wb.CpuLimitExceeded):
        hostile(loader, "for (;;) {}", limits=wb.Limits(cpu_ms=50))


def test_per_call_limit_tightens_the_workers(loader, check_alive):
    w = hostile(loader, "export default { f(ms) { const e = Date.now() + ms; while (Date.now() < e) {} return ms } }", limits=wb.Limits(cpu_ms=5000))
    assert w.get_entrypoint().f(20) == 20
    with pytest.raises(wb.CpuLimitExceeded) as info:
        w.get_entrypoint(limits=wb.Limits(cpu_ms=30)).f(2000)
    assert info.value.limit == 30


def test_waiting_is_not_cpu(loader, check_alive):
    w = hostile(loader, "export default { f(env) { return env.nap(0.3) } }", limits=wb.Limits(cpu_ms=50), nap=lambda s: time.sleep(s) or "rested")
    assert w.get_entrypoint().f() == "rested"
    w2 = hostile(loader, "export default { f() { return new Promise(r => setTimeout(() => r('late'), 200)) } }", limits=wb.Limits(cpu_ms=50))
    assert w2.get_entrypoint().f() == "late"


def test_wall_clock_limit_on_a_promise_that_never_resolves(loader, check_alive):
    w = hostile(loader, "export default { f() { return new Promise(r => setInterval(() => {}, 10)) } }", limits=wb.Limits(wall_ms=150))
    start = time.monotonic()
    with pytest.raises(wb.WallTimeExceeded) as info:
        w.get_entrypoint().f()
    assert 0.1 < time.monotonic() - start < 3
    assert info.value.kind == "wall" and info.value.limit == 150


def test_wall_clock_limit_on_a_slow_binding(loader, check_alive):
    w = hostile(loader, "export default { f(env) { return env.nap(2) } }", limits=wb.Limits(wall_ms=200), nap=time.sleep)
    with pytest.raises(wb.WallTimeExceeded):
        w.get_entrypoint().f()


def test_runaway_isolate_does_not_stall_its_neighbours():
    with wb.Loader(threads=1) as loader:
        bad = hostile(loader, "export default { f() { for (;;) {} } }", limits=wb.Limits(cpu_ms=300))
        good = loader.load(main_module="ok.js", modules=BENIGN)
        t = threading.Thread(target=lambda: pytest.raises(wb.CpuLimitExceeded, bad.get_entrypoint().f))
        t.start()
        time.sleep(0.05)
        start = time.monotonic()
        assert good.get_entrypoint().ping() == "pong"
        # The neighbour waits at most for the runaway's limit, not forever.
        assert time.monotonic() - start < 2
        t.join()


HEAP_CASES = {
    "heap_bomb_array_push": "export default { f() { const a = []; for (;;) a.push({ x: [1, 2, 3] }) } }",
    "heap_bomb_string_doubling": "export default { f() { let s = 'x'; const keep = []; for (;;) { s = s + s; keep.push(s) } } }",
    "heap_bomb_array_spread": "export default { f() { let a = [1]; for (;;) a = [...a, ...a] } }",
    "heap_bomb_map": "export default { f() { const m = new Map(); for (let i = 0;; i++) m.set(i, { i }) } }",
    "arraybuffer_bomb": "export default { f() { const keep = []; for (;;) keep.push(new Uint8Array(16 << 20)) } }",
    "arraybuffer_one_huge": "export default { f() { return new ArrayBuffer(2 ** 32).byteLength } }",
}


@pytest.mark.parametrize("name", sorted(HEAP_CASES))
def test_heap_bombs_hit_the_memory_limit(loader, check_alive, name):
    w = hostile(loader, HEAP_CASES[name], limits=wb.Limits(memory_mb=64, cpu_ms=20_000))
    with pytest.raises((wb.MemoryLimitExceeded, wb.JSError)) as info:
        w.get_entrypoint().f()
    if isinstance(info.value, wb.JSError):
        # V8 may refuse an oversized string or array before the heap fills: a RangeError.
        assert info.value.name == "RangeError"
    else:
        assert info.value.kind == "memory" and info.value.limit == 64
        assert not isinstance(info.value, MemoryError)


@pytest.mark.parametrize("depth_source", [
    "function r() { return r() + 1 } export default { f() { return r() } }",
    "export default { f() { const r = (n) => [r(n + 1)]; return r(0) } }",
    "export default { async f() { const r = async () => await r(); return await r() } }",
])
def test_deep_recursion_is_a_range_error(loader, check_alive, depth_source):
    w = hostile(loader, depth_source)
    with pytest.raises(wb.JSError) as info:
        w.get_entrypoint().f()
    assert info.value.name == "RangeError"


def test_recursion_through_a_host_binding(loader, check_alive):
    holder = {}

    def again(depth):
        return holder["ep"].f(depth)

    w = hostile(loader, "export default { async f(d, env) { return d > 50 ? d : await env.again(d + 1) } }", again=again)
    holder["ep"] = w.get_entrypoint()
    # Each level is a new call into the same isolate from a host thread; it must not deadlock or crash.
    assert holder["ep"].f(0) == 51


def test_limits_validation():
    for bad in ({"cpu_ms": 0}, {"memory_mb": -1}, {"wall_ms": float("nan")}):
        with pytest.raises(ValueError):
            wb.Limits(**bad)
    assert wb.Limits(cpu_ms=5) == wb.Limits(cpu_ms=5)
    assert "cpu_ms=5" in repr(wb.Limits(cpu_ms=5))


# (module (memory (export "mem") 1 65536)): a memory that declares it may grow to 4 GiB.
WASM_4GIB_MEMORY = bytes([0, 97, 115, 109, 1, 0, 0, 0, 5, 6, 1, 1, 1, 128, 128, 4, 7, 7, 1, 3, 109, 101, 109, 2, 0])

GROW_UNTIL_REFUSED = """
  try {{ for (;;) {{ m.grow(16); new Uint8Array(m.buffer).fill(1, m.buffer.byteLength - 4096) }} }}
  catch (e) {{ return [e.name, m.buffer.byteLength] }}
"""


MAKES = [
    "new WebAssembly.Memory({ initial: 1 })",
    "new WebAssembly.Memory({ initial: 1, maximum: 65536 })",
    "new WebAssembly.Instance(wasm).exports.mem",
    "(await WebAssembly.instantiate(bytes)).instance.exports.mem",
    "new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.mem",
    "(await WebAssembly.instantiate(await WebAssembly.compile(bytes))).exports.mem",
]


def grow_until_refused(loader, make, memory_mb):
    src = f"""import wasm from 'm.wasm'
    import bytes from 'm.data'
    export default {{ async f() {{
      const m = {make}
      {GROW_UNTIL_REFUSED}
    }} }}"""
    modules = {"h.js": src, "m.wasm": {"wasm": WASM_4GIB_MEMORY}, "m.data": {"data": WASM_4GIB_MEMORY}}
    with loader.load(main_module="h.js", modules=modules, limits=wb.Limits(memory_mb=memory_mb)) as w:
        return w.get_entrypoint().f()


@pytest.mark.parametrize("make", MAKES)
def test_webassembly_memory_cannot_grow_past_the_memory_limit(loader, check_alive, make):
    # WebAssembly memory lives outside the heap and the ArrayBuffer budget; each memory's
    # maximum is lowered to what the worker's memory limit has room for, so growing it ends in
    # a catchable RangeError at the limit, not a 4 GiB mapping.
    name, size = grow_until_refused(loader, make, 32)
    assert name == "RangeError"
    assert 16 << 20 < size <= 32 << 20


@pytest.mark.parametrize("make", MAKES)
def test_a_larger_memory_limit_lets_webassembly_memory_grow_further(loader, check_alive, make):
    # The limit is the worker's own, not a process-wide ceiling of the default limit's size.
    name, size = grow_until_refused(loader, make, 384)
    assert name == "RangeError"
    assert 256 << 20 < size <= 384 << 20


def test_many_webassembly_memories_share_one_budget(loader, check_alive):
    # Without the budget, 40 memories of 64 MiB each would map 2.5 GiB with memory_mb=64.
    src = """export default { f() {
      const keep = []
      try { for (let i = 0; i < 40; i++) { const m = new WebAssembly.Memory({ initial: 256 }); new Uint8Array(m.buffer).fill(1); keep.push(m) } }
      catch (e) { return [e.name, keep.length] }
      return ['none', keep.length]
    } }"""
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=64)) as w:
        name, count = w.get_entrypoint().f()
    assert name == "RangeError" and count == 1  # a memory with no maximum is charged all the room left


def test_the_original_webassembly_constructors_are_out_of_reach(loader):
    src = """export default { f() {
      const m = new WebAssembly.Memory({ initial: 1, maximum: 2 })
      const i = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])))
      return [m.constructor === WebAssembly.Memory, Object.getPrototypeOf(m) === WebAssembly.Memory.prototype,
              m instanceof WebAssembly.Memory, i.constructor === WebAssembly.Instance, WebAssembly.Memory.name,
              typeof WebAssembly.compileStreaming]
    } }"""
    with loader.load(main_module="h.js", modules={"h.js": src}) as w:
        assert w.get_entrypoint().f() == [True, True, True, True, "Memory", "undefined"]


def test_webassembly_is_wrapped_on_first_use(loader, check_alive):
    # Wrapping WebAssembly waits for the first touch of the global (most workers never touch
    # it); until then the global is an accessor, the only way to the namespace, and afterwards
    # it is the plain property V8 made.
    src = """export default {
      before() { return typeof Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly').get },
      after() {
        const ns = WebAssembly
        const d = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')
        return [d.value === ns, d.writable, d.enumerable, d.configurable, WebAssembly.Memory.name,
                new WebAssembly.Memory({ initial: 1 }).constructor === WebAssembly.Memory]
      },
    }"""
    with loader.load(main_module="h.js", modules={"h.js": src}) as w:
        ep = w.get_entrypoint()
        assert ep.before() == "function"
        assert ep.after() == [True, True, False, True, "Memory", True]


def test_webassembly_can_be_replaced_before_first_use(loader, check_alive):
    # Assigning the global before touching it behaves as on V8's plain property; the `wasm`
    # module type still compiles through the wrapper.
    src = """import wasm from 'm.wasm'
    WebAssembly = 'gone'
    export default { f() {
      const d = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')
      return [WebAssembly, d.value, d.writable, d.enumerable, d.configurable,
              Object.prototype.toString.call(wasm), Object.getPrototypeOf(wasm).constructor.name]
    } }"""
    modules = {"h.js": src, "m.wasm": {"wasm": WASM_4GIB_MEMORY}}
    with loader.load(main_module="h.js", modules=modules) as w:
        assert w.get_entrypoint().f() == ["gone", "gone", True, False, True, "[object WebAssembly.Module]", "Module"]


def test_arraybuffers_and_webassembly_memory_share_one_budget(loader, check_alive):
    # ArrayBuffers leave less room for WebAssembly memory (a lower maximum, then a RangeError)...
    src = """export default {
      wasmAfterBuffers() {
        const buffer = new ArrayBuffer(40 << 20)
        const m = new WebAssembly.Memory({ initial: 1, maximum: 512 })  // lowered to the 24 MiB left
        let pages = 1
        try { for (;;) { m.grow(1); pages++ } } catch (e) {}
        let refused
        try { new WebAssembly.Memory({ initial: 1, maximum: 1 }) } catch (e) { refused = e.name }
        return [buffer.byteLength >> 20, pages, refused]
      },
      buffersAfterWasm() {
        const keep = [new WebAssembly.Memory({ initial: 1, maximum: 960 })]
        keep.push(new ArrayBuffer(8 << 20))
      },
    }"""
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=64)) as w:
        assert w.get_entrypoint().wasmAfterBuffers() == [40, 384, "RangeError"]
    # ...and WebAssembly memory leaves less for ArrayBuffers (a refused buffer ends the worker).
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=64)) as w:
        with pytest.raises(wb.MemoryLimitExceeded):
            w.get_entrypoint().buffersAfterWasm()
