"""The Streams Standard (rust/js/14_streams.js) in real isolates: cases taken from the spec's
algorithms (https://streams.spec.whatwg.org/) and what they must produce."""

import pytest

# `caught(f)` / `rejected(p)` give the name of what f throws or p rejects with, or "no error";
# `tick(n)` lets n rounds of microtasks run; `collect(rs)` reads a stream to the end.
PRELUDE = r"""
const caught = (f) => { try { f(); return "no error" } catch (e) { return e.name } };
const rejected = async (p) => { try { await p; return "no error" } catch (e) { return e.name } };
const reason = async (p) => { try { await p; return "no error" } catch (e) { return e instanceof Error ? e.name : e } };
const tick = async (n = 10) => { for (let i = 0; i < n; i++) await null };
const collect = async (rs) => { const out = []; for await (const c of rs) out.push(c); return out };
const bytes = (u) => Array.from(u);
"""


@pytest.fixture
def js(load):
    def _run(body):
        return load(PRELUDE + "export default { async run() {\n" + body + "\n} }").get_entrypoint().run()

    return _run


# --- ReadableStream: default controller ---------------------------------------------------------


def test_enqueued_chunks_are_read_in_order_then_done(js):
    assert js("""
        const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue({ n: 1 }); c.close() } })
        const r = rs.getReader()
        return [await r.read(), await r.read(), await r.read(), await r.read()]
    """) == [{"value": "a", "done": False}, {"value": {"n": 1}, "done": False}, {"value": None, "done": True}, {"value": None, "done": True}]


def test_pull_is_called_to_fill_the_queue_up_to_the_high_water_mark(js):
    assert js("""
        let pulls = 0, n = 0
        const sizes = []
        const rs = new ReadableStream({
          start(c) { sizes.push(c.desiredSize) },
          pull(c) { pulls++; c.enqueue(n++); sizes.push(c.desiredSize) },
        }, { highWaterMark: 3 })
        await tick()
        const afterStart = pulls
        const r = rs.getReader()
        const first = (await r.read()).value
        await tick()
        return [afterStart, first, pulls, sizes]
    """) == [3, 0, 4, [3, 2, 1, 0, 0]]


def test_pull_waits_for_the_previous_pull_promise(js):
    assert js("""
        let pulls = 0, release
        const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); return new Promise((r) => { release = r }) } }, { highWaterMark: 0 })
        const r = rs.getReader()
        const a = r.read(), b = r.read()
        await tick()
        const during = pulls
        release(); await tick()
        return [during, pulls, (await a).value, (await b).value]
    """) == [1, 2, 1, 2]


def test_desired_size_with_a_size_strategy_and_count_strategy(js):
    assert js("""
        let ctl
        new ReadableStream({ start(c) { ctl = c } }, { highWaterMark: 10, size: (chunk) => chunk.length })
        ctl.enqueue('abcd')
        const a = ctl.desiredSize
        let ctl2
        new ReadableStream({ start(c) { ctl2 = c } }, new CountQueuingStrategy({ highWaterMark: 2 }))
        ctl2.enqueue('x'); ctl2.enqueue('y'); ctl2.enqueue('z')
        let ctl3
        new ReadableStream({ start(c) { ctl3 = c } }, new ByteLengthQueuingStrategy({ highWaterMark: 16 }))
        ctl3.enqueue(new Uint8Array(5))
        return [a, ctl2.desiredSize, ctl3.desiredSize]
    """) == [6, -1, 11]


def test_close_and_error_are_seen_by_readers_and_closed(js):
    assert js("""
        let c1, c2
        const a = new ReadableStream({ start(c) { c1 = c } }), b = new ReadableStream({ start(c) { c2 = c } })
        const ra = a.getReader(), rb = b.getReader()
        const pa = ra.read(), pb = rb.read()
        c1.close(); c2.error(new RangeError('boom'))
        const out = [await pa, await rejected(pb), await ra.closed, await rejected(rb.closed)]
        out.push(caught(() => c1.enqueue(1)), caught(() => c1.close()), c2.desiredSize, c1.desiredSize)
        return out
    """) == [{"value": None, "done": True}, "RangeError", None, "RangeError", "TypeError", "TypeError", None, 0]


def test_start_or_pull_throwing_errors_the_stream(js):
    assert js("""
        const a = new ReadableStream({ start() { return Promise.reject(new SyntaxError('s')) } })
        const b = new ReadableStream({ pull() { throw new URIError('p') } })
        return [await rejected(a.getReader().read()), await rejected(b.getReader().read())]
    """) == ["SyntaxError", "URIError"]


def test_cancel_reaches_the_source_and_closes_the_stream(js):
    assert js("""
        const reasons = []
        const rs = new ReadableStream({ start(c) { c.enqueue(1) }, cancel(r) { reasons.push(r); return 'ignored' } })
        const r = rs.getReader()
        const pending = r.read()
        const result = await r.cancel('why')
        const out = [await pending, result, reasons, await r.read()]
        const locked = new ReadableStream(); locked.getReader()
        out.push(await rejected(locked.cancel()))
        const failing = new ReadableStream({ cancel() { throw new EvalError('c') } })
        out.push(await rejected(failing.cancel()))
        return out
    """) == [{"value": 1, "done": False}, None, ["why"], {"value": None, "done": True}, "TypeError", "EvalError"]


def test_release_lock_unlocks_and_rejects_pending_reads(js):
    assert js("""
        const rs = new ReadableStream()
        const r = rs.getReader()
        const out = [rs.locked, caught(() => rs.getReader())]
        const pending = r.read()
        r.releaseLock()
        out.push(rs.locked, await rejected(pending), await rejected(r.closed), await rejected(r.read()))
        r.releaseLock()
        const r2 = rs.getReader()
        out.push(rs.locked, r2 !== r)
        return out
    """) == [True, "TypeError", False, "TypeError", "TypeError", "TypeError", True, True]


def test_constructor_arguments_are_validated(js):
    assert js("""
        return [
          caught(() => new ReadableStream({ start: 1 })),
          caught(() => new ReadableStream({ type: 'nope' })),
          caught(() => new ReadableStream({}, { highWaterMark: -1 })),
          caught(() => new ReadableStream({}, { highWaterMark: NaN })),
          caught(() => new ReadableStream({}, { size: 'x' })),
          caught(() => new ReadableStream({ type: 'bytes' }, { size() { return 1 } })),
          caught(() => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 })),
          caught(() => new ReadableStream(5)),
          caught(() => new ReadableStream().getReader({ mode: 'x' })),
          caught(() => new ReadableStream().getReader({ mode: 'byob' })),
          caught(() => ReadableStream.prototype.getReader.call({})),
          caught(() => new ReadableStreamDefaultController()),
          caught(() => new ReadableByteStreamController()),
          caught(() => new ReadableStreamBYOBRequest()),
          caught(() => new WritableStreamDefaultController()),
          caught(() => new TransformStreamDefaultController()),
          caught(() => new ReadableStreamDefaultReader({})),
          caught(() => new WritableStream({ type: 'bytes' })),
          caught(() => new TransformStream({ readableType: 'bytes' })),
          caught(() => new CountQueuingStrategy()),
          await rejected(ReadableStream.prototype.cancel.call(1)),
        ]
    """) == ["TypeError", "TypeError", "RangeError", "RangeError", "TypeError", "RangeError", "TypeError",
             "TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError",
             "TypeError", "TypeError", "TypeError", "RangeError", "RangeError", "TypeError", "TypeError"]


def test_bad_chunk_sizes_are_range_errors_that_error_the_stream(js):
    assert js("""
        const out = []
        for (const v of [NaN, Infinity, -1]) {
          let ctl
          const rs = new ReadableStream({ start(c) { ctl = c } }, { size: () => v })
          out.push(caught(() => ctl.enqueue('x')), await rejected(rs.getReader().closed))
        }
        let ctl
        const thrower = new ReadableStream({ start(c) { ctl = c } }, { size() { throw new EvalError('size') } })
        out.push(caught(() => ctl.enqueue('x')), await rejected(thrower.getReader().read()))
        return out
    """) == ["RangeError"] * 6 + ["EvalError", "EvalError"]


def test_class_shapes_follow_web_idl(js):
    assert js("""
        const tag = (o) => Object.prototype.toString.call(o)
        const rs = new ReadableStream()
        const names = Object.getOwnPropertyNames(ReadableStream.prototype).sort()
        const d = Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked')
        return [tag(rs), tag(rs.getReader()), tag(new WritableStream()), tag(new TransformStream()),
                tag(new CountQueuingStrategy({ highWaterMark: 1 })), tag(new TextEncoderStream()),
                names, typeof d.get, ReadableStream.length, ReadableStream.prototype.pipeTo.length,
                ReadableStreamBYOBReader.prototype.read.length, ReadableStreamDefaultReader.length,
                TransformStream.length, new ByteLengthQueuingStrategy({ highWaterMark: 1 }).size.length,
                Object.getPrototypeOf(Object.getPrototypeOf(new ReadableStream().values())) === Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()))),
                tag(rs.values !== undefined && new ReadableStream().values())]
    """) == ["[object ReadableStream]", "[object ReadableStreamDefaultReader]", "[object WritableStream]",
             "[object TransformStream]", "[object CountQueuingStrategy]", "[object TextEncoderStream]",
             ["cancel", "constructor", "getReader", "locked", "pipeThrough", "pipeTo", "tee", "values"],
             "function", 0, 1, 1, 1, 0, 1, True, "[object ReadableStream AsyncIterator]"]


def test_strategies(js):
    assert js("""
        const b = new ByteLengthQueuingStrategy({ highWaterMark: 7 }), c = new CountQueuingStrategy({ highWaterMark: '3' })
        return [b.highWaterMark, b.size(new Uint8Array(5)), b.size === new ByteLengthQueuingStrategy({ highWaterMark: 1 }).size,
                c.highWaterMark, c.size(), caught(() => new ByteLengthQueuingStrategy({}))]
    """) == [7, 5, True, 3, 1, "TypeError"]


# --- async iteration and from() ----------------------------------------------------------------


def test_async_iteration_and_break_cancels(js):
    assert js("""
        const seen = []
        let n = 0
        const rs = new ReadableStream({ pull(c) { c.enqueue(n++) }, cancel(r) { seen.push('cancel', r === undefined) } })
        for await (const x of rs) { seen.push(x); if (x === 2) break }
        const kept = new ReadableStream({ pull(c) { c.enqueue(1) }, cancel() { seen.push('not expected') } })
        for await (const x of kept.values({ preventCancel: true })) break
        seen.push(rs.locked, kept.locked)
        return seen
    """) == [0, 1, 2, "cancel", True, False, False]


def test_async_iterator_rejects_with_the_stream_error_then_finishes(js):
    assert js("""
        const rs = new ReadableStream({ start(c) { c.enqueue(1); c.error(new TypeError('x')) } })
        const it = rs[Symbol.asyncIterator]()
        return [await rejected(it.next()), await it.next(), await it.return('v')]
    """) == ["TypeError", {"value": None, "done": True}, {"value": "v", "done": True}]


def test_from_sync_and_async_iterables(js):
    assert js("""
        async function* gen() { yield 'a'; yield 'b' }
        const fromArray = await collect(ReadableStream.from([1, Promise.resolve(2), 3]))
        const fromGen = await collect(ReadableStream.from(gen()))
        const fromString = await collect(ReadableStream.from('hé'))
        const returned = []
        const it = { [Symbol.iterator]() { let i = 0; return { next: () => ({ value: i++, done: false }), return() { returned.push('closed'); return {} } } } }
        const rs = ReadableStream.from(it)
        for await (const x of rs) if (x === 1) break
        return [fromArray, fromGen, fromString, returned, caught(() => ReadableStream.from(5)), caught(() => ReadableStream.from({}))]
    """) == [[1, 2, 3], ["a", "b"], ["h", "é"], ["closed"], "TypeError", "TypeError"]


def test_from_propagates_iterator_errors(js):
    assert js("""
        async function* bad() { yield 1; throw new SyntaxError('gen') }
        const a = ReadableStream.from(bad()).getReader()
        const first = await a.read()
        const b = ReadableStream.from({ [Symbol.asyncIterator]() { return { next() { return 5 } } } })
        return [first, await rejected(a.read()), await rejected(b.getReader().read())]
    """) == [{"value": 1, "done": False}, "SyntaxError", "TypeError"]


# --- tee ----------------------------------------------------------------------------------------


def test_tee_gives_both_branches_every_chunk(js):
    assert js("""
        const [a, b] = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close() } }).tee()
        return [await collect(a), await collect(b)]
    """) == [[1, 2], [1, 2]]


def test_tee_cancels_the_source_only_when_both_branches_cancel(js):
    assert js("""
        const reasons = []
        const rs = new ReadableStream({ cancel(r) { reasons.push(r) } })
        const [a, b] = rs.tee()
        const pa = a.cancel('a')
        await tick()
        const afterOne = reasons.length
        await b.cancel('b')
        await pa
        return [afterOne, reasons, rs.locked]
    """) == [0, [["a", "b"]], True]


def test_tee_of_a_byte_stream_clones_chunks(js):
    assert js("""
        const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close() } })
        const [a, b] = rs.tee()
        const ra = a.getReader({ mode: 'byob' })
        const x = await ra.read(new Uint8Array(2))
        // The BYOB branch reads only what its view holds; the other branch gets a copy of that.
        const rb = b.getReader()
        const y = await rb.read()
        const rest = [await ra.read(new Uint8Array(8)), await rb.read()]
        return [bytes(x.value), bytes(y.value), y.value.buffer !== x.value.buffer, bytes(rest[0].value), rest[1].done]
    """) == [[1, 2], [1, 2], True, [3], False]


def test_tee_propagates_errors_to_both_branches(js):
    assert js("""
        let ctl
        const [a, b] = new ReadableStream({ start(c) { ctl = c } }).tee()
        ctl.error(new RangeError('e'))
        return [await rejected(a.getReader().read()), await rejected(b.getReader().closed)]
    """) == ["RangeError", "RangeError"]


# --- byte streams -------------------------------------------------------------------------------


def test_byob_read_fills_the_view_and_transfers_its_buffer(js):
    assert js("""
        const rs = new ReadableStream({ type: 'bytes', pull(c) {
          const v = c.byobRequest.view
          v[0] = 7; v[1] = 8
          c.byobRequest.respond(2)
        } })
        const r = rs.getReader({ mode: 'byob' })
        const view = new Uint8Array(4)
        const { value, done } = await r.read(view)
        return [bytes(value), done, view.byteLength, value.buffer.byteLength, value.constructor.name]
    """) == [[7, 8], False, 0, 4, "Uint8Array"]


def test_byob_read_with_min_waits_for_enough_bytes(js):
    assert js("""
        let pulls = 0
        const rs = new ReadableStream({ type: 'bytes', pull(c) { pulls++; c.enqueue(new Uint8Array([pulls, pulls])) } })
        const r = rs.getReader({ mode: 'byob' })
        const { value } = await r.read(new Uint16Array(3), { min: 3 })
        const out = [value.constructor.name, value.length, pulls]
        out.push(await rejected(r.read(new Uint8Array(2), { min: 3 })), await rejected(r.read(new Uint8Array(2), { min: 0 })))
        out.push(await rejected(r.read(new DataView(new ArrayBuffer(2)), { min: 3 })))
        return out
    """) == ["Uint16Array", 3, 3, "RangeError", "TypeError", "RangeError"]


def test_byob_read_rejects_bad_views(js):
    assert js("""
        const r = new ReadableStream({ type: 'bytes' }).getReader({ mode: 'byob' })
        const detached = new ArrayBuffer(4), u8 = new Uint8Array(detached), dv = new DataView(detached)
        detached.transfer()
        return [await rejected(r.read(new Uint8Array(0))), await rejected(r.read({})), await rejected(r.read(u8)),
                await rejected(r.read(dv)), await rejected(r.read(new Uint8Array(new SharedArrayBuffer(4))))]
    """) == ["TypeError"] * 5


def test_auto_allocate_chunk_size_gives_default_readers_a_byob_request(js):
    assert js("""
        const sizes = []
        const rs = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 16, pull(c) {
          sizes.push(c.byobRequest.view.byteLength)
          c.byobRequest.view[0] = 42
          c.byobRequest.respond(1)
        } })
        const { value } = await rs.getReader().read()
        return [sizes, bytes(value), value.buffer.byteLength]
    """) == [[16], [42], 16]


def test_byte_stream_enqueue_transfers_and_default_reader_reads_it(js):
    assert js("""
        let ctl
        const rs = new ReadableStream({ type: 'bytes', start(c) { ctl = c } })
        const chunk = new Uint8Array([1, 2, 3])
        ctl.enqueue(chunk)
        const out = [chunk.byteLength, ctl.desiredSize]
        const { value } = await rs.getReader().read()
        out.push(bytes(value), caught(() => ctl.enqueue(new Uint8Array(0))), caught(() => ctl.enqueue('x')))
        ctl.close()
        out.push(caught(() => ctl.enqueue(new Uint8Array(1))))
        return out
    """) == [0, -3, [1, 2, 3], "TypeError", "TypeError", "TypeError"]


def test_respond_with_new_view_and_byob_closed_read(js):
    assert js("""
        const rs = new ReadableStream({ type: 'bytes', pull(c) {
          const v = c.byobRequest.view
          const mine = new Uint8Array(v.buffer, v.byteOffset, 2); mine[0] = 5; mine[1] = 6
          c.byobRequest.respondWithNewView(mine)
          c.close()
        } })
        const r = rs.getReader({ mode: 'byob' })
        const a = await r.read(new Uint8Array(8))
        const b = await r.read(new Uint8Array(8))
        return [bytes(a.value), a.done, b.value.byteLength, b.done]
    """) == [[5, 6], False, 0, True]


def test_byob_respond_validates(js):
    assert js("""
        let req
        const rs = new ReadableStream({ type: 'bytes', pull(c) { req = c.byobRequest } })
        const r = rs.getReader({ mode: 'byob' })
        r.read(new Uint8Array(4))
        await tick()
        return [caught(() => req.respond(0)), caught(() => req.respond(5)), caught(() => req.respondWithNewView(new Uint8Array(8))),
                caught(() => req.respond(-1))]
    """) == ["TypeError", "RangeError", "RangeError", "TypeError"]


# --- WritableStream -----------------------------------------------------------------------------


def test_writes_reach_the_sink_in_order_then_close(js):
    assert js("""
        const log = []
        const ws = new WritableStream({
          start() { log.push('start') }, write(c) { log.push(c) }, close() { log.push('close') },
        })
        const w = ws.getWriter()
        w.write('a'); w.write('b')
        await w.close()
        return [log, await w.closed, ws.locked]
    """) == [["start", "a", "b", "close"], None, True]


def test_writer_backpressure_desired_size_and_ready(js):
    assert js("""
        const releases = []
        const ws = new WritableStream({ write() { return new Promise((r) => releases.push(r)) } }, { highWaterMark: 2 })
        const w = ws.getWriter()
        const sizes = [w.desiredSize]
        w.write(1); sizes.push(w.desiredSize)
        w.write(2); sizes.push(w.desiredSize)
        let ready = false
        w.ready.then(() => { ready = true })
        await tick()
        const before = ready
        releases[0](); await tick()
        return [sizes, before, ready, w.desiredSize]
    """) == [[2, 1, 0], False, True, 1]


def test_abort_rejects_writes_signals_the_sink_and_errors_the_writer(js):
    assert js("""
        const log = []
        let signal
        const ws = new WritableStream({
          start(c) { signal = c.signal; signal.addEventListener('abort', () => log.push('signal')) },
          write(chunk, c) { return new Promise((_, reject) => c.signal.addEventListener('abort', () => reject(c.signal.reason))) },
          abort(r) { log.push('abort:' + r) },
        })
        const w = ws.getWriter()
        const first = w.write('in flight'), second = w.write('queued')
        await tick()
        const ab = w.abort('why')
        return [await reason(first), await reason(second), await ab, signal.aborted, signal.reason, log, await reason(w.closed)]
    """) == ["why", "why", None, True, "why", ["signal", "abort:why"], "why"]


def test_sink_errors_and_controller_error(js):
    assert js("""
        const ws = new WritableStream({ write() { throw new RangeError('w') } })
        const w = ws.getWriter()
        const out = [await rejected(w.write(1)), await rejected(w.closed), await rejected(w.write(2)), await rejected(w.close())]
        // (close() on an errored stream is a TypeError, not the stored error.)
        let ctl
        const ws2 = new WritableStream({ start(c) { ctl = c } })
        ctl.error(new URIError('e'))
        const w2 = ws2.getWriter()
        out.push(await rejected(w2.ready), w2.desiredSize, await rejected(ws2.abort()), caught(() => ws2.getWriter()))
        return out
    """) == ["RangeError", "RangeError", "RangeError", "TypeError", "URIError", None, "TypeError", "TypeError"]


def test_writer_release_and_locked_stream_operations(js):
    assert js("""
        const ws = new WritableStream()
        const w = ws.getWriter()
        const out = [caught(() => ws.getWriter()), await rejected(ws.close()), await rejected(ws.abort())]
        w.releaseLock()
        out.push(ws.locked, await rejected(w.closed), await rejected(w.write(1)), caught(() => w.desiredSize))
        await ws.close()
        out.push(await rejected(ws.getWriter().write(1)))
        return out
    """) == ["TypeError", "TypeError", "TypeError", False, "TypeError", "TypeError", "TypeError", "TypeError"]


# --- pipeTo / pipeThrough -----------------------------------------------------------------------


PIPE = r"""
const source = (opts = {}) => {
  const log = opts.log
  return new ReadableStream({
    start(c) { for (const x of opts.chunks || []) c.enqueue(x); if (opts.close) c.close(); if (opts.error) c.error(opts.error) },
    cancel(r) { log.push('cancel:' + r) },
  })
}
const sink = (log, opts = {}) => new WritableStream({
  start(c) { if (opts.error) c.error(opts.error) },
  write(c) { log.push('write:' + c) }, close() { log.push('close') }, abort(r) { log.push('abort:' + r) },
})
"""


def test_pipe_to_copies_chunks_and_closes(js):
    assert js(PIPE + """
        const log = []
        await source({ chunks: [1, 2], close: true, log }).pipeTo(sink(log))
        return log
    """) == ["write:1", "write:2", "close"]


def test_pipe_to_prevent_close(js):
    assert js(PIPE + """
        const log = []
        const ws = sink(log)
        await source({ chunks: [1], close: true, log }).pipeTo(ws, { preventClose: true })
        return [log, ws.locked]
    """) == [["write:1"], False]


def test_pipe_to_source_error(js):
    assert js(PIPE + """
        const a = [], b = []
        let r1, r2
        try { await source({ error: 'E', log: a }).pipeTo(sink(a)) } catch (e) { r1 = e }
        const ws = sink(b)
        try { await source({ error: 'E', log: b }).pipeTo(ws, { preventAbort: true }) } catch (e) { r2 = e }
        return [r1, a, r2, b, ws.locked]
    """) == ["E", ["abort:E"], "E", [], False]


def test_pipe_to_destination_error_cancels_unless_prevented(js):
    assert js(PIPE + """
        const a = [], b = []
        let r1, r2
        try { await source({ log: a }).pipeTo(sink(a, { error: 'D' })) } catch (e) { r1 = e }
        const rs = source({ log: b })
        try { await rs.pipeTo(sink(b, { error: 'D' }), { preventCancel: true }) } catch (e) { r2 = e }
        return [r1, a, r2, b, rs.locked]
    """) == ["D", ["cancel:D"], "D", [], False]


def test_pipe_to_closed_destination_cancels_the_source(js):
    assert js(PIPE + """
        const log = []
        const ws = sink(log); await ws.close()
        let r
        try { await source({ chunks: [1], log }).pipeTo(ws) } catch (e) { r = e.name }
        return [r, log]
    """) == ["TypeError", ["close", "cancel:TypeError: The destination writable stream closed before all data could be piped to it"]]


def test_pipe_to_abort_signal(js):
    assert js(PIPE + """
        const a = [], b = []
        const c1 = new AbortController()
        const p1 = source({ chunks: [1], log: a }).pipeTo(sink(a), { signal: c1.signal })
        await tick()
        c1.abort('stop')
        let r1; try { await p1 } catch (e) { r1 = e }
        const c2 = new AbortController(); c2.abort()
        const rs = source({ log: b }), ws = sink(b)
        let r2; try { await rs.pipeTo(ws, { signal: c2.signal, preventAbort: true, preventCancel: true }) } catch (e) { r2 = e.name }
        return [r1, a, r2, b, rs.locked, ws.locked,
                await rejected(new ReadableStream().pipeTo(new WritableStream(), { signal: 'x' })),
                await rejected(new ReadableStream().pipeTo({}))]
    """) == ["stop", ["write:1", "abort:stop", "cancel:stop"], "AbortError", [], False, False, "TypeError", "TypeError"]


def test_pipe_to_respects_destination_backpressure(js):
    assert js("""
        let pulls = 0, release
        const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls) } }, { highWaterMark: 0 })
        const ws = new WritableStream({ write() { return new Promise((r) => { release = r }) } }, { highWaterMark: 1 })
        rs.pipeTo(ws)
        await tick(30)
        const stalled = pulls
        release(); await tick(30)
        return [stalled, pulls]
    """) == [1, 2]


def test_pipe_through_a_transform_stream(js):
    assert js("""
        const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); c.enqueue('|') } })
        const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close() } })
        const out = await collect(rs.pipeThrough(upper))
        const locked = new ReadableStream(); locked.getReader()
        return [out, caught(() => locked.pipeThrough(new TransformStream())), caught(() => rs.pipeThrough({ readable: 1, writable: 2 }))]
    """) == [["A", "|", "B", "|"], "TypeError", "TypeError"]


def test_pipe_loop_of_many_stages_completes(js):
    assert js("""
        let rs = new ReadableStream({ start(c) { for (let i = 0; i < 20; i++) c.enqueue(i); c.close() } })
        for (let i = 0; i < 50; i++) rs = rs.pipeThrough(new TransformStream({ transform(x, c) { c.enqueue(x + 1) } }))
        const out = await collect(rs)
        return [out.length, out[0], out[19]]
    """) == [20, 50, 69]


# --- TransformStream ----------------------------------------------------------------------------


def test_transform_flush_and_terminate(js):
    assert js("""
        const ts = new TransformStream({ transform(c, ctl) { ctl.enqueue(c * 2) }, flush(ctl) { ctl.enqueue('end') } })
        const w = ts.writable.getWriter()
        w.write(1); w.write(2); w.close()
        const out = [await collect(ts.readable)]
        const t2 = new TransformStream({ start(ctl) { ctl.enqueue('x'); ctl.terminate() } })
        out.push(await collect(t2.readable), await rejected(t2.writable.getWriter().write(1)))
        const identity = new TransformStream()
        const iw = identity.writable.getWriter(); iw.write('i'); iw.close()
        out.push(await collect(identity.readable))
        return out
    """) == [[2, 4, "end"], ["x"], "TypeError", ["i"]]


def test_transform_cancel_and_errors(js):
    assert js("""
        const log = []
        const ts = new TransformStream({ cancel(r) { log.push('cancel:' + r) } })
        await ts.readable.cancel('r')
        const out = [await reason(ts.writable.getWriter().closed)]
        const t2 = new TransformStream({ cancel(r) { log.push('abort:' + r) } })
        await t2.writable.abort('a')
        out.push(await reason(t2.readable.getReader().read()), log)
        // The readable side's highWaterMark is 0: a transform runs once something reads.
        const t3 = new TransformStream({ transform() { throw new RangeError('t') } })
        const r3 = t3.readable.getReader(), read3 = r3.read()
        out.push(await reason(t3.writable.getWriter().write(1)), await reason(read3))
        const t4 = new TransformStream({ flush() { throw new URIError('f') } })
        const r4 = t4.readable.getReader()
        out.push(await reason(t4.writable.close()), await reason(r4.read()))
        return out
    """) == ["r", "a", ["cancel:r", "abort:a"], "RangeError", "RangeError", "URIError", "URIError"]


def test_transform_backpressure(js):
    assert js("""
        const ts = new TransformStream({}, undefined, { highWaterMark: 1 })
        const w = ts.writable.getWriter()
        const sizes = [w.desiredSize]
        w.write('a'); await tick()
        sizes.push(w.desiredSize)
        w.write('b'); await tick()
        sizes.push(w.desiredSize)
        const r = ts.readable.getReader()
        await r.read(); await tick()
        sizes.push(w.desiredSize)
        return sizes
    """) == [1, 1, 0, 1]


# --- TextEncoderStream / TextDecoderStream ------------------------------------------------------


def test_text_encoder_stream_joins_split_surrogates(js):
    assert js("""
        const ts = new TextEncoderStream()
        const w = ts.writable.getWriter()
        w.write('h\\u00e9'); w.write('\\ud83d'); w.write('\\ude00'); w.write(''); w.write('\\ud800'); w.close()
        const chunks = await collect(ts.readable)
        return [ts.encoding, chunks.map(bytes), chunks[0].constructor.name]
    """) == ["utf-8", [[104, 0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBF, 0xBD]], "Uint8Array"]


def test_text_decoder_stream_across_split_multibyte_characters(js):
    assert js("""
        const ts = new TextDecoderStream()
        const w = ts.writable.getWriter()
        const euro = [0xE2, 0x82, 0xAC], smile = [0xF0, 0x9F, 0x98, 0x80]
        w.write(new Uint8Array([0xEF, 0xBB, 0xBF, 0x61, euro[0]])); w.write(new Uint8Array([euro[1]]))
        w.write(new Uint8Array([euro[2], smile[0], smile[1]]).buffer); w.write(new DataView(new Uint8Array([smile[2], smile[3], 0xE2]).buffer))
        w.close()
        const text = (await collect(ts.readable)).join('')
        return [text, ts.encoding, ts.fatal, ts.ignoreBOM]
    """) == ["a€😀\ufffd", "utf-8", False, False]


def test_text_decoder_stream_legacy_encoding_and_options(js):
    assert js("""
        // "日本" in Shift_JIS is 93 FA 96 7B, split inside each character.
        const ts = new TextDecoderStream('shift_jis')
        const w = ts.writable.getWriter()
        w.write(new Uint8Array([0x93])); w.write(new Uint8Array([0xFA, 0x96])); w.write(new Uint8Array([0x7B])); w.close()
        const text = (await collect(ts.readable)).join('')
        const writeWhileReading = (ts, chunk) => { ts.readable.getReader().read().catch(() => {}); return ts.writable.getWriter().write(chunk) }
        const fatal = new TextDecoderStream('utf-8', { fatal: true, ignoreBOM: true })
        const fw = fatal.writable.getWriter()
        const bad = fw.write(new Uint8Array([0xFF]))
        const read = fatal.readable.getReader().read()
        return [text, ts.encoding, fatal.fatal, fatal.ignoreBOM, await rejected(bad), await rejected(read),
                caught(() => new TextDecoderStream('nope')), await rejected(writeWhileReading(new TextDecoderStream(), 'str'))]
    """) == ["日本", "shift_jis", True, True, "TypeError", "TypeError", "RangeError", "TypeError"]


def test_text_streams_piped_end_to_end(js):
    assert js("""
        const text = 'grüße, 世界 🌍'.repeat(3)
        const parts = []
        for (let i = 0; i < text.length; i += 4) parts.push(text.slice(i, i + 4))
        const out = await collect(ReadableStream.from(parts).pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream()))
        return out.join('') === text
    """) is True
