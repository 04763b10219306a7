"""Streams (rust/js/14_streams.js) against a hostile tenant: intrinsics replaced before the first
use, queues grown without bound, chains deep enough to exhaust the stack, lying size strategies
and sources that never answer."""

import pytest

import workerbox as wb
from conftest import hostile, run_isolated

# Counts every call of the tenant's replacements, which still do the original's job, so a
# runtime that used them would work and only the count would tell.
COUNTING = r"""
const counts = Object.create(null)
const count = (name) => { counts[name] = (counts[name] || 0) + 1 }
function wrap(object, key, name) {
  const d = Reflect.getOwnPropertyDescriptor(object, key)
  if (typeof d.value === 'function') {
    const original = d.value
    Reflect.defineProperty(object, key, { __proto__: null, value: function (...args) { count(name); return Reflect.apply(original, this, args) }, writable: true, configurable: true })
  } else if (d.get) {
    const get = d.get
    Reflect.defineProperty(object, key, { __proto__: null, get() { count(name); return Reflect.apply(get, this, []) }, configurable: true })
  }
}
wrap(Promise.prototype, 'then', 'Promise.prototype.then')
wrap(Promise.prototype, 'catch', 'Promise.prototype.catch')
wrap(Promise, 'resolve', 'Promise.resolve')
wrap(Promise, 'all', 'Promise.all')
const arrayKeys = ['push', 'shift', 'slice', 'map', 'forEach', Symbol.iterator]
for (let i = 0; i < arrayKeys.length; i++) wrap(Array.prototype, arrayKeys[i], `Array.prototype.${String(arrayKeys[i])}`)
wrap(ArrayBuffer.prototype, 'transfer', 'ArrayBuffer.prototype.transfer')
wrap(ArrayBuffer.prototype, 'byteLength', 'ArrayBuffer.prototype.byteLength')
wrap(Object.getPrototypeOf(Uint8Array.prototype), 'set', 'TypedArray.prototype.set')
wrap(Object.getPrototypeOf(Uint8Array.prototype), 'byteLength', 'TypedArray.prototype.byteLength')
wrap(Map.prototype, 'get', 'Map.prototype.get')
wrap(WeakMap.prototype, 'get', 'WeakMap.prototype.get')
wrap(WeakSet.prototype, 'has', 'WeakSet.prototype.has')
wrap(TextDecoder.prototype, 'decode', 'TextDecoder.prototype.decode')
wrap(TextEncoder.prototype, 'encode', 'TextEncoder.prototype.encode')
wrap(EventTarget.prototype, 'addEventListener', 'EventTarget.prototype.addEventListener')
wrap(AbortSignal.prototype, 'aborted', 'AbortSignal.prototype.aborted')
wrap(AbortSignal.prototype, 'reason', 'AbortSignal.prototype.reason')
// Names the runtime's records use; `size` and dictionary members are read from the tenant's
// strategies and sources by spec, so they are left out.
const recordKeys = ['value', 'done', 'next', 'head', 'tail', 'state', 'promise', 'resolve', 'reject', 'queue', 'stream', 'reader', 'controller']
for (let i = 0; i < recordKeys.length; i++) {
  const k = recordKeys[i]
  Reflect.defineProperty(Object.prototype, k, { __proto__: null, get() { count(`Object.prototype.${k}`) }, set(v) { count(`set ${k}`) }, configurable: true })
}
"""

EXERCISE = r"""
const BYTES = [104, 195, 169, 240, 159, 152, 128]
const out = {}
let n = 0
const source = new ReadableStream({ pull(c) { if (n < 3) c.enqueue(n++); else c.close() } }, new CountQueuingStrategy({ highWaterMark: 2 }))
const branches = source.tee(), a = branches[0], b = branches[1]
const seen = []
await a.pipeTo(new WritableStream({ write(chunk) { seen[seen.length] = chunk } }))
const it = b.values()
for (let s = await it.next(); !s.done; s = await it.next()) seen[seen.length] = s.value
out.tee = seen.join()

let at = 0
const bytes = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 8, pull(c) {
  const v = c.byobRequest.view
  let k = 0
  for (; k < v.length && at < BYTES.length; k++) v[k] = BYTES[at++]
  c.byobRequest.respond(k)
  if (at === BYTES.length) c.close()
} })
const pair = bytes.tee(), x = pair[0], y = pair[1]
const byob = x.getReader({ mode: 'byob' })
const first = await byob.read(new Uint8Array(4), { min: 4 })
const other = await y.getReader().read()
out.byob = `${first.value.length}|${other.value.length}`

const decoded = bytes && new ReadableStream({ start(c) { c.enqueue('h\u00e9\ud83d'); c.enqueue('\ude00'); c.close() } })
  .pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream())
const dr = decoded.getReader()
let text = ''
for (let s = await dr.read(); !s.done; s = await dr.read()) text += s.value
out.text = text

const controller = new AbortController()
const aborted = new ReadableStream({ pull(c) { c.enqueue(1) } }).pipeTo(new WritableStream({ write() { controller.abort('stop') } }), { signal: controller.signal })
try { await aborted } catch (e) { out.abort = e }

const fromAsync = ReadableStream.from((async function* () { yield 'p'; yield 'q' })()).getReader()
out.from = (await fromAsync.read()).value + (await fromAsync.read()).value
const ws = new WritableStream({ write() {} }, { highWaterMark: 2 })
const writer = ws.getWriter()
await writer.write('w'); await writer.ready; await writer.close()
out.writer = `${writer.desiredSize}`
"""


def test_replaced_promise_array_and_object_intrinsics_are_never_called_by_the_runtime(loader):
    # The counting wrappers are installed before any stream global is first read, so
    # 14_streams.js installs after them; only the tenant's own code may reach them.
    src = COUNTING + "export default { async f() {\n" + EXERCISE + "\nreturn { out, counts } } }"
    with hostile(loader, src) as w:
        result = w.get_entrypoint().f()
    assert result["out"] == {
        "tee": "0,1,2,0,1,2", "byob": "4|4", "text": "hé😀", "abort": "stop", "from": "pq", "writer": "0",
    }
    # The tenant's own test code calls `join`, `String`, `Object.create` and so on, but none of
    # the wrapped intrinsics: every count is the runtime's.
    assert result["counts"] == {}


def test_spoiled_promise_then_before_first_use_still_streams(loader):
    # Promise.prototype.then throws: the runtime's plumbing must not touch it.
    src = r"""
      const NativePromise = Promise
      Promise.prototype.then = function () { throw new Error('tampered then') }
      Promise.prototype.catch = function () { throw new Error('tampered catch') }
      Promise.prototype.finally = function () { throw new Error('tampered finally') }
      export default { async f() {
        const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close() } })
        const chunks = []
        await rs.pipeThrough(new TransformStream({ transform(c, ctl) { ctl.enqueue(c + c) } }))
                .pipeTo(new WritableStream({ write(c) { chunks[chunks.length] = c } }))
        return chunks
      } }"""
    with hostile(loader, src) as w:
        assert w.get_entrypoint().f() == ["aa", "bb"]


def test_a_resolved_chunk_with_a_then_getter_is_read_as_the_spec_says(loader):
    # What the spec itself reads stays: a value the source's pull returns is a promise resolved
    # with it, so its `then` is looked up; an enqueued chunk is never resolved, so never read.
    src = r"""export default { async f() {
      const reads = []
      const thenable = { get then() { reads.push('pull result') } }
      const chunk = { get then() { reads.push('chunk') } }
      const rs = new ReadableStream({ pull(c) { c.enqueue(chunk); return thenable } }, { highWaterMark: 0 })
      const r = rs.getReader()
      const got = await r.read()
      return [reads, got.value === chunk]
    } }"""
    with hostile(loader, src) as w:
        reads, same = w.get_entrypoint().f()
    # The read's result { value: chunk, done } is what gets resolved, not the chunk itself.
    assert reads == ["pull result"] and same is True


@pytest.mark.parametrize("chunk", ["new Uint8Array(1 << 20)", "'x'.repeat(1 << 16) + i"])
def test_unbounded_enqueue_into_an_unread_stream_hits_the_memory_limit(loader, check_alive, chunk):
    src = f"""export default {{
      f() {{
        let i = 0
        const rs = new ReadableStream({{ start(c) {{ for (;; i++) c.enqueue({chunk}) }} }})
        return 'unreachable'
      }},
      ping() {{ return 'pong' }},
    }}"""
    neighbour = loader.load(main_module="n.js", modules={"n.js": "export default { f() { return 'fine' } }"})
    w = hostile(loader, src, limits=wb.Limits(memory_mb=32, cpu_ms=20_000))
    try:
        with pytest.raises((wb.MemoryLimitExceeded, wb.JSError)) as info:
            w.get_entrypoint().f()
        if isinstance(info.value, wb.JSError):
            assert info.value.name == "RangeError"
    finally:
        w.close()
    assert neighbour.get_entrypoint().f() == "fine"
    neighbour.close()


def test_unbounded_pull_with_an_infinite_high_water_mark_hits_a_limit(loader, check_alive):
    src = r"""export default { async f() {
      const rs = new ReadableStream({ pull(c) { c.enqueue('y'.repeat(1 << 14) + Math.random()) } }, { highWaterMark: Infinity })
      await new Promise(() => {})
    } }"""
    with hostile(loader, src, limits=wb.Limits(memory_mb=32, cpu_ms=20_000)) as w:
        with pytest.raises((wb.MemoryLimitExceeded, wb.CpuLimitExceeded)):
            w.get_entrypoint().f()


DEEP = {
    # Every level's unread branch keeps what passed through it (the spec's tee), so the chain
    # holds quadratically many chunks: the memory limit ends it.
    "tee_of_a_tee_of_a_tee": r"""
      let s = new ReadableStream({ pull(c) { c.enqueue(1) } })
      for (let i = 0; i < 5000; i++) s = s.tee()[0]
      try { const r = await s.getReader().read(); return 'read ' + r.value } catch (e) { return e.name }
    """,
    # Each source's pull reads the one before it synchronously: the stack runs out.
    "source_pulling_from_a_chain_of_sources": r"""
      let s = new ReadableStream({ pull(c) { c.enqueue(1) } }, { highWaterMark: 0 })
      for (let i = 0; i < 20000; i++) {
        const reader = s.getReader()
        s = new ReadableStream({ pull(c) { return reader.read().then((r) => c.enqueue(r.value)) } }, { highWaterMark: 0 })
      }
      try { const r = await s.getReader().read(); return 'read ' + r.value } catch (e) { return e.name }
    """,
    # Pipes write a microtask after they read, so a chunk never runs down the chain in one stack.
    "pipe_through_a_long_chain": r"""
      let s = new ReadableStream({ start(c) { c.enqueue(1); c.close() } })
      for (let i = 0; i < 5000; i++) s = s.pipeThrough(new TransformStream())
      try { const r = await s.getReader().read(); return 'read ' + r.value } catch (e) { return e.name }
    """,
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_chains_deep_enough_to_exhaust_the_stack_give_a_range_error_not_a_crash(case):
    body = "export default { async f() {" + DEEP[case] + "} }"
    proc = run_isolated(
        f"""
        import workerbox as wb
        with wb.Loader(threads=1) as loader:
            w = loader.load(main_module="m.js", modules={{"m.js": {body!r}}}, limits=wb.Limits(memory_mb=128, cpu_ms=60_000))
            try:
                print("returned", w.get_entrypoint().f())
            except wb.WorkerError as e:
                print("raised", type(e).__name__, getattr(e, "name", ""))
            ok = loader.load(main_module="n.js", modules={{"n.js": "export default {{ f() {{ return 1 }} }}"}})
            print("neighbour", ok.get_entrypoint().f())
        """,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[-1] == "neighbour 1"
    assert lines[0] == EXPECTED[case], lines


EXPECTED = {
    "tee_of_a_tee_of_a_tee": "raised MemoryLimitExceeded ",
    "source_pulling_from_a_chain_of_sources": "returned RangeError",
    "pipe_through_a_long_chain": "returned read 1",
}


@pytest.mark.parametrize("size", ["NaN", "Infinity", "-1", "-Infinity", "'not a number'"])
def test_lying_size_strategies_get_the_specs_range_error(loader, size):
    src = f"""export default {{ async f() {{
      const out = []
      let ctl
      const rs = new ReadableStream({{ start(c) {{ ctl = c }} }}, {{ size: () => {size}, highWaterMark: 4 }})
      try {{ ctl.enqueue('x') }} catch (e) {{ out.push(e.name) }}
      try {{ await rs.getReader().read() }} catch (e) {{ out.push(e.name) }}
      const ws = new WritableStream({{}}, {{ size: () => {size} }})
      const w = ws.getWriter()
      try {{ await w.write('x') }} catch (e) {{ out.push(e.name) }}
      try {{ await w.closed }} catch (e) {{ out.push(e.name) }}
      const ts = new TransformStream({{}}, undefined, {{ size: () => {size}, highWaterMark: 4 }})
      const tw = ts.writable.getWriter()
      try {{ await tw.write('x') }} catch (e) {{ out.push(e.name) }}
      return out
    }} }}"""
    with hostile(loader, src) as w:
        assert w.get_entrypoint().f() == ["RangeError"] * 5


def test_a_pull_that_never_resolves_leaves_the_call_unsettled_and_the_worker_answering(loader):
    src = r"""export default {
      async f() {
        const rs = new ReadableStream({ pull() { return new Promise(() => {}) } }, { highWaterMark: 0 })
        return (await rs.getReader().read()).value
      },
      async g() {
        const ws = new WritableStream({ write() { return new Promise(() => {}) } })
        const w = ws.getWriter()
        await w.write(1)
      },
      ping() { return 'pong' },
    }"""
    with hostile(loader, src) as w:
        with pytest.raises(wb.WorkerError, match="never settled"):
            w.get_entrypoint().f()
        with pytest.raises(wb.WorkerError, match="never settled"):
            w.get_entrypoint().g()
        assert w.get_entrypoint().ping() == "pong"


def test_runtime_internals_are_not_reachable_from_stream_objects(loader):
    src = r"""export default { f() {
      const rs = new ReadableStream({ start(c) { c.enqueue(1) } })
      const r = rs.getReader()
      const objects = [rs, r, new WritableStream(), new WritableStream().getWriter(), new TransformStream()]
      const leaks = []
      for (const o of objects) {
        leaks.push(...Reflect.ownKeys(o).map(String))
      }
      return [leaks, typeof globalThis.hooks, Object.getOwnPropertySymbols(ReadableStream.prototype).map(String)]
    } }"""
    with hostile(loader, src) as w:
        assert w.get_entrypoint().f() == [[], "undefined", ["Symbol(Symbol.asyncIterator)", "Symbol(Symbol.toStringTag)"]]
