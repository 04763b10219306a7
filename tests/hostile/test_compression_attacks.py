"""CompressionStream and DecompressionStream against a hostile tenant: decompression bombs,
streams opened and abandoned by the thousand, chunks that are not what they claim, huge inputs
under a small CPU limit, and intrinsics replaced before the first use. The codecs are native
(rust/ops/compression.rs): their state is charged to the tenant's memory and every call is a
bounded step, so none of this reaches the process or the worker's neighbours."""

import gzip
import inspect
import time
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workerbox as wb
from conftest import hostile, run_isolated

GIB = 1 << 30


def gzip_bomb(mib):
    """gzip of `mib` MiB of zeros in about `mib` KiB: one byte-aligned deflate block per MiB,
    repeated. The trailer is right, so a reader that drops what it reads gets to the end."""
    zeros = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    trailer = crc.to_bytes(4, "little") + ((mib << 20) & 0xFFFFFFFF).to_bytes(4, "little")
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + block * mib + deflate.flush() + trailer


# For the cases run in a fresh interpreter.
BOMB_MAKER = "import zlib\n" + inspect.getsource(gzip_bomb)

# `inflate(bytes, keep)` decompresses gzip and reads every piece, keeping them or dropping them.
INFLATE = r"""export default {
  async inflate(packed, keep) {
    const ds = new DecompressionStream('gzip'), w = ds.writable.getWriter()
    w.write(packed).catch(() => {})
    w.close().catch(() => {})
    const kept = []
    let total = 0
    for await (const piece of ds.readable) {
      total += piece.byteLength
      if (keep) kept.push(piece)
    }
    return total
  },
  ping() { return 'pong' },
}"""


def test_a_gzip_bomb_kept_by_its_reader_ends_at_the_memory_limit():
    proc = run_isolated(
        BOMB_MAKER
        + f"""
import workerbox as wb
bomb = gzip_bomb(1024)
with wb.Loader(threads=2) as loader:
    neighbour = loader.load(main_module="n.js", modules={{"n.js": {INFLATE!r}}})
    w = loader.load(main_module="m.js", modules={{"m.js": {INFLATE!r}}}, limits=wb.Limits(memory_mb=32, cpu_ms=20_000))
    print("compressed MiB", len(bomb) >> 20)
    try:
        print("returned", w.get_entrypoint().inflate(bomb, True))
    except wb.MemoryLimitExceeded:
        print("raised MemoryLimitExceeded")
    except wb.JSError as e:
        print("raised", e.name, "memory limit" in str(e))
    print("neighbour", neighbour.get_entrypoint().ping())
    fresh = loader.load(main_module="f.js", modules={{"f.js": {INFLATE!r}}})
    import gzip
    print("fresh", fresh.get_entrypoint().inflate(gzip.compress(b"x" * 1000), True))
"""
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "compressed MiB 1"
    assert lines[1] in ("raised MemoryLimitExceeded", "raised RangeError True")
    assert lines[2:] == ["neighbour pong", "fresh 1000"]


def test_a_gzip_bomb_read_and_dropped_streams_through_in_bounded_memory():
    # 1 GiB comes out 64 KiB at a time while the reader drops each piece: the process's peak
    # memory barely moves, and the stream ends normally (checksum and length verified).
    proc = run_isolated(
        BOMB_MAKER
        + f"""
import resource, workerbox as wb
bomb = gzip_bomb(1024)
with wb.Loader(threads=1) as loader:
    w = loader.load(main_module="m.js", modules={{"m.js": {INFLATE!r}}}, limits=wb.Limits(memory_mb=32, cpu_ms=60_000))
    w.get_entrypoint().inflate(b"\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\x03\\x00" + bytes(8), False)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("total", w.get_entrypoint().inflate(bomb, False))
    print("peak growth MiB", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) >> 10)
"""
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == f"total {GIB}"
    assert int(lines[1].split()[-1]) < 96


def test_a_gzip_bomb_under_a_small_cpu_limit_ends_in_the_cpu_limit(loader, check_alive):
    bomb = gzip_bomb(1024)
    with hostile(loader, INFLATE, limits=wb.Limits(memory_mb=32, cpu_ms=50)) as w:
        start = time.monotonic()
        with pytest.raises(wb.CpuLimitExceeded):
            w.get_entrypoint().inflate(bomb, False)
        assert time.monotonic() - start < 5


def test_a_huge_chunk_compressed_under_a_small_cpu_limit_ends_in_the_cpu_limit(loader, check_alive):
    # 96 MiB of noise compresses at tens of MiB/s: seconds of native work in one chunk, cut into
    # steps the CPU limit can stop between.
    src = r"""export default { async f() {
      const block = new Uint32Array(1 << 18), noise = new Uint8Array(96 << 20)
      let x = 2463534242
      for (let i = 0; i < block.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; block[i] = x }
      // Repeats a MiB apart are beyond deflate's 32 KiB window: as slow to compress as noise.
      for (let at = 0; at < noise.length; at += 1 << 20) noise.set(new Uint8Array(block.buffer), at)
      const cs = new CompressionStream('gzip'), w = cs.writable.getWriter()
      w.write(noise).catch(() => {}); w.close().catch(() => {})
      let total = 0
      for await (const piece of cs.readable) total += piece.byteLength
      return total
    } }"""
    with hostile(loader, src, limits=wb.Limits(memory_mb=512, cpu_ms=400)) as w:
        start = time.monotonic()
        with pytest.raises(wb.CpuLimitExceeded):
            w.get_entrypoint().f()
        assert time.monotonic() - start < 5


def test_abandoned_streams_are_charged_until_the_memory_limit_refuses_more(loader, check_alive):
    # Once written to, a compressor holds about 380 KiB natively, a decompressor about 47 KiB:
    # charged, 64 MiB fits some 170 and 1360 of them, and the next is refused with a RangeError.
    src = r"""export default {
      async open(Kind) {
        const kept = []
        try {
          for (;;) {
            const stream = new globalThis[Kind]('gzip')
            stream.readable.getReader().read()
            await stream.writable.getWriter().write(new Uint8Array([0x1f]))
            kept.push(stream)
          }
        } catch (e) { return [e.name, kept.length] }
      },
      after() { return new Uint8Array(1 << 20).length },
    }"""
    for kind, fewest, most in [("CompressionStream", 100, 200), ("DecompressionStream", 1000, 1500)]:
        with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=64)) as w:
            name, count = w.get_entrypoint().open(kind)
            assert name == "RangeError" and fewest < count < most, (kind, name, count)
            # Still charged: the tenant's own buffers now find the budget spent.
            with pytest.raises((wb.JSError, wb.MemoryLimitExceeded)):
                w.get_entrypoint().after()


def test_streams_never_written_to_hold_no_codec(loader):
    # Unused, a stream is charged only its table entry, so many fit where few written ones do;
    # the first write then makes and charges its codec.
    src = r"""export default {
      async f() {
        const kept = []
        for (let i = 0; i < 1000; i++) kept.push(new CompressionStream('gzip'), new DecompressionStream('gzip'))
        const cs = kept[0], out = cs.readable.getReader(), w = cs.writable.getWriter()
        w.write(new TextEncoder().encode('still works')); w.close()
        const parts = []
        for (let r; !(r = await out.read()).done;) parts.push(r.value)
        const back = new Blob(parts).stream().pipeThrough(new DecompressionStream('gzip'))
        return [kept.length, await new Response(back).text()]
      },
    }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=64)) as w:
        assert w.get_entrypoint().f() == [2000, "still works"]


def test_finished_and_cancelled_streams_give_their_charge_back(loader):
    src = r"""export default { async f() {
      const input = new TextEncoder().encode('give it back '.repeat(100))
      for (let i = 0; i < 3000; i++) {
        const cs = new CompressionStream(i % 2 ? 'deflate' : 'gzip'), w = cs.writable.getWriter()
        const reader = cs.readable.getReader()
        if (i % 3 === 0) { await reader.cancel('no'); continue }
        if (i % 3 === 1) { reader.read(); await w.write(input); await w.abort('no'); continue }
        w.write(input); w.close()
        while (!(await reader.read()).done) {}
      }
      for (let i = 0; i < 3000; i++) await new DecompressionStream('deflate-raw').writable.abort()
      return 'done'
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=32)) as w:
        assert w.get_entrypoint().f() == "done"


@pytest.mark.parametrize(
    "chunk",
    [
        "'a string'",
        "42",
        "null",
        "undefined",
        "{ byteLength: 3, length: 3, 0: 1, 1: 2, 2: 3 }",
        "[1, 2, 3]",
        "new Proxy(new Uint8Array(4), {})",
        "Object.create(Uint8Array.prototype)",
        "Object.setPrototypeOf({ [Symbol.toStringTag]: 'Uint8Array' }, Uint8Array.prototype)",
        "new Blob(['abc'])",
        "new SharedArrayBuffer(8)",
        "new Uint8Array(new SharedArrayBuffer(8))",
        "new DataView(new SharedArrayBuffer(8))",
        "new ArrayBuffer(8, { maxByteLength: 16 })",
        "new Uint8Array(new ArrayBuffer(8, { maxByteLength: 16 }))",
    ],
)
def test_a_chunk_that_is_not_a_plain_buffer_source_is_a_type_error(load, chunk):
    w = load(f"""export default {{ async f() {{
      const out = []
      for (const Kind of [CompressionStream, DecompressionStream]) {{
        const s = new Kind('deflate'), w = s.writable.getWriter(), r = s.readable.getReader()
        const read = r.read()
        out.push(await w.write({chunk}).then(() => 'written', (e) => e.name))
        out.push(await read.then(() => 'read', (e) => e.name))
        out.push(await w.closed.then(() => 'open', (e) => e.name))
      }}
      return out
    }} }}""")
    assert w.get_entrypoint().f() == ["TypeError"] * 6


def test_detached_buffers_are_empty_chunks(load):
    w = load(r"""export default { async f() {
      const gone = new ArrayBuffer(16), view = new Uint8Array(new ArrayBuffer(16), 4, 8)
      gone.transfer(); view.buffer.transfer()
      const cs = new CompressionStream('deflate'), w = cs.writable.getWriter()
      const real = new TextEncoder().encode('kept')
      w.write(gone); w.write(view); w.write(real)
      // Detached after the write was queued, before the transform copies it.
      const late = new Uint8Array([1, 2, 3]); w.write(late); late.buffer.transfer()
      w.close()
      const parts = []
      for await (const p of cs.readable) parts.push(...p)
      const ds = new DecompressionStream('deflate'), dw = ds.writable.getWriter()
      dw.write(new Uint8Array(parts)); dw.close()
      let text = ''
      for await (const p of ds.readable.pipeThrough(new TextDecoderStream())) text += p
      return text
    } }""")
    assert w.get_entrypoint().f() == "kept"


def deflate_raw(data: bytes) -> bytes:
    # zlib.compress takes wbits only from Python 3.11; compressobj has it on 3.10 too.
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


@given(data=st.binary(min_size=1, max_size=3000), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4),
       cut=st.integers(0, 10**6), format=st.sampled_from(["gzip", "deflate", "deflate-raw"]))
@settings(max_examples=60, deadline=None)
def test_mangled_compressed_data_gives_the_data_or_a_type_error(loader, data, flips, cut, format):
    packed = bytearray({"gzip": gzip.compress, "deflate": zlib.compress, "deflate-raw": deflate_raw}[format](data))
    for at, mask in flips:
        packed[at % len(packed)] ^= mask
    packed = bytes(packed[: len(packed) - cut % 4])
    src = r"""export default { async f(format, packed) {
      const ds = new DecompressionStream(format), w = ds.writable.getWriter()
      w.write(packed.subarray(0, 7)).catch(() => {}); w.write(packed.subarray(7)).catch(() => {}); w.close().catch(() => {})
      const parts = []
      try { for await (const p of ds.readable) parts.push(...p) } catch (e) { return e.name }
      return new Uint8Array(parts)
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        result = w.get_entrypoint().f(format, packed)
    # A flip can land where the format does not look (gzip's header time or OS byte) or give a
    # different stream whose checks still pass (raw deflate has none): then the output stands.
    assert result == "TypeError" or isinstance(result, (bytes, bytearray, memoryview))


# The tenant replaces globals and intrinsics, and plants getters on Object.prototype under the
# names the runtime's records use, before its first read of CompressionStream. Its own reading
# and writing goes through originals saved first, so every count is the runtime's.
TAMPER = r"""
const counts = Object.create(null)
const count = (name) => { counts[name] = (counts[name] || 0) + 1 }
const call = Reflect.apply, define = Reflect.defineProperty, construct = Reflect.construct
const U8 = Uint8Array, RS = ReadableStream, P = Promise
const { getReader, pipeThrough } = ReadableStream.prototype
const { getWriter } = WritableStream.prototype
const { read } = ReadableStreamDefaultReader.prototype
const { write, close } = WritableStreamDefaultWriter.prototype
function wrap(object, key, name) {
  const original = object[key]
  define(object, key, { __proto__: null, value: function (...args) { count(name); return call(original, this, args) }, writable: true, configurable: true })
}
const TypedArray = Object.getPrototypeOf(U8.prototype)
const methods = [
  [P.prototype, 'then'], [P.prototype, 'catch'], [P.prototype, 'finally'], [P, 'resolve'], [P, 'reject'], [TypedArray, 'set'], [TypedArray, 'subarray'], [TypedArray, 'slice'],
  [Array.prototype, Symbol.iterator], [Array.prototype, 'push'], [ArrayBuffer.prototype, 'slice'],
  [ArrayBuffer.prototype, 'transfer'], [Function.prototype, 'call'], [Function.prototype, 'apply'],
  [Function.prototype, 'bind'], [Map.prototype, 'get'], [Map.prototype, 'set'], [WeakMap.prototype, 'get'],
  [Object, 'defineProperty'], [Reflect, 'apply'], [JSON, 'stringify'],
]
for (let i = 0; i < methods.length; i++) wrap(methods[i][0], methods[i][1], String(methods[i][1]))
const replaced = ['TransformStream', 'ReadableStream', 'WritableStream', 'Uint8Array', 'ArrayBuffer', 'Promise', 'DataView']
for (let i = 0; i < replaced.length; i++) {
  const name = replaced[i], original = globalThis[name]
  globalThis[name] = function (...args) { count(name); return construct(original, args) }
}
Reflect.defineProperty(P, Symbol.species, { __proto__: null, get() { count('species') }, configurable: true })
const records = ['readable', 'writable', 'enqueue', 'ready', 'id', 'cancelled', 'reason', 'promise', 'resolve',
                 'reject', 'stream', 'controller', 'backpressure', 'state', 'value', 'done']
for (let i = 0; i < records.length; i++) {
  const key = records[i]
  Reflect.defineProperty(Object.prototype, key, { __proto__: null, get() { count(`get ${key}`) }, set(v) { count(`set ${key}`) }, configurable: true })
}

async function run(stream, chunks) {
  const writer = call(getWriter, stream.writable, [])
  for (let i = 0; i < chunks.length; i++) call(write, writer, [chunks[i]])
  call(close, writer, [])
  return await drain(stream.readable)
}
async function drain(readable) {
  const reader = call(getReader, readable, [])
  const out = new U8(1 << 20)
  let n = 0
  for (;;) {
    const result = await call(read, reader, [])
    if (Reflect.getOwnPropertyDescriptor(result, 'done').value) break
    const piece = Reflect.getOwnPropertyDescriptor(result, 'value').value
    for (let i = 0; i < piece.length; i++) out[n++] = piece[i]
  }
  return new U8(out.buffer, 0, n)
}
export default { async f(input) {
  const half = input.length >> 1
  const packed = await run(new CompressionStream('gzip'), [new U8(input.buffer, 0, half), new U8(input.buffer, half)])
  const back = await run(new DecompressionStream('gzip'), [packed])
  const source = new RS({ start(c) { c.enqueue(packed); c.close() } })
  const piped = await drain(call(pipeThrough, source, [new DecompressionStream('gzip')]))
  // A control: the tenant's own call of a replaced intrinsic is counted.
  P.resolve()
  return [packed, back, piped, counts]
} }
"""


def test_replaced_intrinsics_before_first_use_are_never_called(loader):
    data = b"".join(b"%d tampered and still right\n" % i for i in range(5000))
    with loader.load(main_module="m.js", modules={"m.js": TAMPER}) as w:
        packed, back, piped, counts = w.get_entrypoint().f(data)
    assert counts == {"resolve": 1}
    assert gzip.decompress(bytes(packed)) == data
    assert bytes(back) == data and bytes(piped) == data
