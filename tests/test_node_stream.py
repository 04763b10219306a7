"""`node:stream` under nodejs_compat: Readable/Writable/Duplex/Transform/PassThrough with Node's
event order, backpressure and object mode, pipe, pipeline and finished (callbacks and
`node:stream/promises`), async iteration, `Readable.from`, and `node:stream/web`."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body):
    src = (
        "import stream, { Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished } from 'node:stream'\n"
        "import { pipeline as pipelineAsync, finished as finishedAsync } from 'node:stream/promises'\n"
        "import web from 'node:stream/web'\nimport { Buffer } from 'node:buffer'\n"
        "const sink = (out, options) => new Writable({ ...options, write(chunk, enc, cb) { out.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : chunk); cb() } })\n"
        f"export default {{ async f() {{ {body} }} }}"
    )
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


def test_readable_flows_data_then_end_then_close(loader):
    body = """
const events = []
const r = new Readable({ read() {} })
r.on('data', (c) => events.push('data:' + c))
r.on('end', () => events.push('end'))
r.on('close', () => events.push('close'))
r.push('a'); r.push(Buffer.from('b')); r.push(null)
await new Promise((resolve) => r.on('close', resolve))
return [events, r.readableEnded, r.destroyed]
"""
    assert run(loader, body) == [["data:a", "data:b", "end", "close"], True, True]


def test_paused_mode_read_and_readable(loader):
    body = """
const r = new Readable({ read() {} })
r.push('hello '); r.push('world'); r.push(null)
const got = []
await new Promise((resolve) => {
  r.on('readable', () => { let c; while ((c = r.read()) !== null) got.push(c.toString()) })
  r.on('end', resolve)
})
const s = new Readable({ read() {}, encoding: 'utf8' })
s.push(Buffer.from([0xe2, 0x82])); s.push(Buffer.from([0xac])); s.push(null)
const text = []
for await (const chunk of s) text.push(chunk)
return [got.join(''), text.join(''), s.readableEncoding]
"""
    assert run(loader, body) == ["hello world", "€", "utf8"]


def test_read_is_called_for_more_under_the_high_water_mark(loader):
    body = """
let n = 0
const r = new Readable({ highWaterMark: 2, objectMode: true, read() { n < 5 ? this.push(n++) : this.push(null) } })
const out = []
for await (const x of r) out.push(x)
return [out, r.readableObjectMode, r.readableHighWaterMark]
"""
    assert run(loader, body) == [[0, 1, 2, 3, 4], True, 2]


def test_writable_backpressure_drain_and_finish(loader):
    body = """
const events = []
const pending = []
const w = new Writable({ highWaterMark: 3, write(chunk, enc, cb) { events.push('write:' + chunk); pending.push(cb) } })
w.on('drain', () => events.push('drain'))
w.on('finish', () => events.push('finish'))
const r1 = w.write('ab'), r2 = w.write('cd')
events.push('returned:' + r1 + ',' + r2 + ',' + w.writableLength + ',' + w.writableNeedDrain)
while (pending.length) { pending.shift()(); await null; await null }
w.end('e', () => events.push('end callback'))
while (pending.length || !w.writableFinished) { if (pending.length) pending.shift()(); await new Promise((r) => setTimeout(r, 1)) }
return events
"""
    assert run(loader, body) == [
        "write:ab", "returned:true,false,4,true", "write:cd", "drain", "write:e", "end callback", "finish",
    ]


def test_write_after_end_and_bad_chunks(loader):
    body = """
const out = []
const w = sink([])
w.on('error', (e) => out.push('error:' + e.code))
w.end()
w.write('x', (err) => out.push('cb:' + err.code))
try { sink([]).write(5) } catch (e) { out.push(e.code) }
try { sink([]).write(null) } catch (e) { out.push(e.code) }
await new Promise((r) => setTimeout(r, 5))
return out
"""
    assert run(loader, body) == ["ERR_INVALID_ARG_TYPE", "ERR_STREAM_NULL_VALUES", "cb:ERR_STREAM_WRITE_AFTER_END", "error:ERR_STREAM_WRITE_AFTER_END"]


def test_transform_pipe_and_pipeline(loader):
    body = """
const upper = () => new Transform({ transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()) }, flush(cb) { cb(null, '!') } })
const out1 = []
await new Promise((resolve, reject) => pipeline(Readable.from(['a', 'b', 'c']), upper(), new PassThrough(), sink(out1), (err) => err ? reject(err) : resolve()))
const out2 = []
await pipelineAsync(Readable.from(['x', 'y']), upper(), sink(out2))
const out3 = []
const dest = sink(out3)
Readable.from(['p', 'q'], { objectMode: false }).pipe(upper()).pipe(dest)
await finishedAsync(dest)
let failed
try { await pipelineAsync(new Readable({ read() { this.destroy(new Error('source broke')) } }), sink([])) } catch (e) { failed = e.message }
return [out1, out2, out3, failed]
"""
    assert run(loader, body) == [["A", "B", "C", "!"], ["X", "Y", "!"], ["P", "Q", "!"], "source broke"]


def test_duplex_and_object_mode(loader):
    body = """
const written = []
const d = new Duplex({ read() {}, write(chunk, enc, cb) { written.push(chunk.toString()); cb() } })
d.write('in'); d.push('out'); d.push(null)
const read = []
for await (const c of d) read.push(c.toString())
const objects = []
await pipelineAsync(Readable.from([{ a: 1 }, { a: 2 }]), new Transform({ objectMode: true, transform(o, e, cb) { cb(null, o.a * 10) } }), sink(objects, { objectMode: true }))
return [written, read, objects]
"""
    assert run(loader, body) == [["in"], ["out"], [10, 20]]


def test_finished_reports_errors_and_premature_close(loader):
    body = """
const out = []
const a = new Readable({ read() {} })
finished(a, (err) => out.push(err ? err.code : 'ok'))
a.destroy()
const b = new Readable({ read() {} })
finished(b, (err) => out.push(err ? err.message : 'ok'))
b.destroy(new Error('boom'))
const c = Readable.from(['z'])
finished(c, (err) => out.push(err ? 'err' : 'ok'))
c.resume()
await new Promise((r) => setTimeout(r, 5))
return out
"""
    assert sorted(run(loader, body)) == sorted(["ERR_STREAM_PREMATURE_CLOSE", "boom", "ok"])


def test_the_module_shapes(loader):
    body = """
return [stream.Readable === Readable, typeof stream, new Readable() instanceof stream, web.ReadableStream === ReadableStream,
  web.TransformStream === TransformStream, typeof stream.promises.pipeline]
"""
    assert run(loader, body) == [True, "function", True, True, True, "function"]


def test_unimplemented_read_is_an_error(loader):
    body = """
const r = new Readable()
const got = await new Promise((resolve) => { r.on('error', (e) => resolve(e.code)); r.resume() })
return got
"""
    assert run(loader, body) == "ERR_METHOD_NOT_IMPLEMENTED"
