"""CompressionStream and DecompressionStream (the Compression Standard, rust/js/17_compression.js
over rust/ops/compression.rs): round trips in every format and chunking, interoperability with
Python's zlib and gzip both ways, pipe chains, and the errors the standard asks for."""

import gzip
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

FORMATS = ["gzip", "deflate", "deflate-raw"]

# Python's codec for each format: compress, decompress.
PY = {
    "gzip": (gzip.compress, gzip.decompress),
    "deflate": (zlib.compress, zlib.decompress),
    "deflate-raw": (
        lambda data: (lambda c: c.compress(data) + c.flush())(zlib.compressobj(wbits=-15)),
        lambda data: zlib.decompress(data, wbits=-15),
    ),
}

# `transform(stream, chunks)` writes the chunks (byte arrays) and reads the readable side to the
# end, concatenated; `error(p)` is "Name: message" of what p rejects with.
SRC = r"""
async function readAll(readable) {
  const reader = readable.getReader(), parts = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (!(value instanceof Uint8Array)) throw new Error('a chunk is not a Uint8Array')
    parts.push(value)
    total += value.byteLength
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}
async function transform(stream, chunks) {
  const writer = stream.writable.getWriter()
  const writes = chunks.map((c) => writer.write(c instanceof Uint8Array || ArrayBuffer.isView(c) || c instanceof ArrayBuffer ? c : new Uint8Array(c)))
  const closed = writer.close()
  const out = await readAll(stream.readable)
  await Promise.all([...writes, closed])
  return out
}
async function error(p) {
  try { await p; return 'no error' } catch (e) { return `${e.name}: ${e.message}` }
}
export default {
  compress(format, chunks) { return transform(new CompressionStream(format), chunks) },
  decompress(format, chunks) { return transform(new DecompressionStream(format), chunks) },
  async roundTrip(format, chunks) {
    const packed = await transform(new CompressionStream(format), chunks)
    return transform(new DecompressionStream(format), [packed])
  },
  decompressError(format, chunks) { return error(transform(new DecompressionStream(format), chunks)) },
}
"""


@pytest.fixture
def codec(load):
    return load(SRC).get_entrypoint()


@pytest.fixture
def js(load):
    """Runs an async function body with SRC's functions in scope (its methods as `helpers`)."""

    def call(body):
        w = load(SRC.replace("export default", "const helpers =") + "\nexport default { async run() {\n" + body + "\n} }\n")
        return w.get_entrypoint().run()

    return call


def _chunks(data, size):
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


TEXT = b"".join(b"line %d: the quick brown fox jumps over the lazy dog\n" % i for i in range(20000))


@pytest.mark.parametrize("format", FORMATS)
def test_each_format_round_trips_and_compresses(codec, format):
    packed = bytes(codec.compress(format, [TEXT]))
    assert len(packed) < len(TEXT) // 5
    assert bytes(codec.decompress(format, [packed])) == TEXT


@pytest.mark.parametrize("format", FORMATS)
def test_python_reads_what_the_worker_compressed(codec, format):
    packed = bytes(codec.compress(format, _chunks(TEXT, 10_000)))
    assert PY[format][1](packed) == TEXT


@pytest.mark.parametrize("format", FORMATS)
def test_the_worker_reads_what_python_compressed(codec, format):
    packed = PY[format][0](TEXT)
    assert bytes(codec.decompress(format, _chunks(packed, 777))) == TEXT


def test_gzip_headers_with_a_name_comment_and_extra_field_are_read(codec):
    # FEXTRA, FNAME, FCOMMENT and FHCRC, which gzip.compress never writes.
    body = zlib.compressobj(wbits=-15)
    deflated = body.compress(TEXT) + body.flush()
    header = bytearray(b"\x1f\x8b\x08\x1e\x00\x00\x00\x00\x00\xff")
    header += (4).to_bytes(2, "little") + b"ab\x00\x00" + b"name.txt\x00" + b"a comment\x00"
    header += (zlib.crc32(bytes(header)) & 0xFFFF).to_bytes(2, "little")
    trailer = zlib.crc32(TEXT).to_bytes(4, "little") + (len(TEXT) & 0xFFFFFFFF).to_bytes(4, "little")
    member = bytes(header) + deflated + trailer
    assert gzip.decompress(member) == TEXT
    assert bytes(codec.decompress("gzip", _chunks(member, 5))) == TEXT


@pytest.mark.parametrize("format", FORMATS)
def test_many_one_byte_chunks_both_ways(codec, format):
    data = TEXT[:3000]
    packed = bytes(codec.compress(format, _chunks(data, 1)))
    assert PY[format][1](packed) == data
    assert bytes(codec.decompress(format, _chunks(PY[format][0](data), 1))) == data


def test_one_big_chunk_comes_out_in_bounded_pieces(js):
    # 8 MiB of zeros inflate from a few KiB; the readable side gets it in pieces of at most 64 KiB.
    assert js("""
        const zeros = new Uint8Array(8 << 20)
        const cs = new CompressionStream('gzip'), w = cs.writable.getWriter()
        w.write(zeros); w.close()
        const packed = await readAll(cs.readable)
        const ds = new DecompressionStream('gzip'), dw = ds.writable.getWriter()
        dw.write(packed); dw.close()
        let total = 0, pieces = 0, largest = 0, nonzero = 0
        for await (const piece of ds.readable) {
          pieces++; total += piece.byteLength; largest = Math.max(largest, piece.byteLength)
          for (let i = 0; i < piece.length; i += 4096) nonzero += piece[i]
        }
        return [packed.byteLength < 16384, total, pieces >= 128, largest <= 65536, nonzero]
    """) == [True, 8 << 20, True, True, 0]


@given(
    data=st.binary(max_size=20_000) | st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=40), st.integers(1, 500)),
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=8),
    format=st.sampled_from(FORMATS),
)
@settings(max_examples=40, deadline=None)
def test_random_data_in_random_chunkings_round_trips_with_python(loader, data, sizes, format):
    chunks, at, i = [], 0, 0
    while at < len(data):
        chunks.append(data[at : at + sizes[i % len(sizes)]])
        at += sizes[i % len(sizes)]
        i += 1
    with loader.load(main_module="m.js", modules={"m.js": SRC}) as w:
        codec = w.get_entrypoint()
        packed = bytes(codec.compress(format, chunks))
        assert PY[format][1](packed) == data
        python_packed = PY[format][0](data)
        split = _chunks(python_packed, sizes[0])
        assert bytes(codec.decompress(format, split)) == data


def test_pipe_through_chains_and_pipe_to(js):
    assert js("""
        const text = 'compression streams all the way down. '.repeat(5000)
        const source = ReadableStream.from([text.slice(0, 1000), text.slice(1000, 90000), text.slice(90000)])
        const out = source
          .pipeThrough(new TextEncoderStream())
          .pipeThrough(new CompressionStream('gzip'))
          .pipeThrough(new DecompressionStream('gzip'))
          .pipeThrough(new CompressionStream('deflate-raw'))
          .pipeThrough(new DecompressionStream('deflate-raw'))
          .pipeThrough(new TextDecoderStream())
        let joined = ''
        await out.pipeTo(new WritableStream({ write(chunk) { joined += chunk } }))
        return joined === text
    """) is True


def test_empty_input_compresses_to_a_valid_empty_stream(codec):
    for format in FORMATS:
        packed = bytes(codec.compress(format, []))
        assert PY[format][1](packed) == b""
        assert bytes(codec.decompress(format, [packed])) == b""


def test_chunks_may_be_any_buffer_source(js):
    assert js("""
        const bytes = new TextEncoder().encode('hello, buffer sources')
        const chunks = [bytes.buffer.slice(0, 5), new DataView(bytes.buffer, 5, 3), new Uint16Array(bytes.buffer.slice(8, 12)),
                        bytes.subarray(12), new Uint8Array(0)]
        const packed = await helpers.compress('deflate', chunks)
        return new TextDecoder().decode(await helpers.decompress('deflate', [packed]))
    """) == "hello, buffer sources"


@pytest.mark.parametrize(
    "format,data,message",
    [
        ("gzip", b"this is not gzip at all", "invalid"),
        ("deflate", b"\x78\x9c\xff\xff\xff\xff", "invalid"),
        ("deflate-raw", b"\xff\xff\xff\xff\xff\xff", "invalid"),
        ("gzip", gzip.compress(b"abc")[:-4], "ended before"),
        ("deflate", zlib.compress(b"abc" * 100)[:10], "ended before"),
        ("gzip", b"", "ended before"),
        ("gzip", gzip.compress(b"abc") + b"\x00", "after the end"),
        ("gzip", gzip.compress(b"abc") + gzip.compress(b"def"), "after the end"),
        ("deflate", zlib.compress(b"abc") + b"tail", "after the end"),
    ],
)
def test_bad_compressed_data_is_a_type_error(codec, format, data, message):
    result = codec.decompressError(format, [data])
    assert result.startswith("TypeError: DecompressionStream") and message in result


def test_a_corrupt_checksum_is_a_type_error(codec):
    packed = bytearray(gzip.compress(TEXT[:1000]))
    packed[-5] ^= 1  # the CRC32 in the trailer
    assert codec.decompressError("gzip", [bytes(packed)]).startswith("TypeError")
    packed = bytearray(zlib.compress(TEXT[:1000]))
    packed[-1] ^= 1  # the Adler-32
    assert codec.decompressError("deflate", [bytes(packed)]).startswith("TypeError")


def test_trailing_data_in_a_later_chunk_is_a_type_error_after_the_output(js):
    assert js("""
        const ds = new DecompressionStream('deflate'), w = ds.writable.getWriter()
        const packed = await helpers.compress('deflate', [new TextEncoder().encode('abc')])
        w.write(packed); w.write(new Uint8Array(0)); const late = w.write(new Uint8Array([1]))
        const reader = ds.readable.getReader()
        const first = await reader.read()
        let failure
        try { await reader.read() } catch (e) { failure = e.name }
        return [new TextDecoder().decode(first.value), failure, await late.then(() => 'ok', (e) => e.name)]
    """) == ["abc", "TypeError", "TypeError"]


def test_unknown_formats_and_missing_arguments_are_type_errors(js):
    assert js("""
        const names = []
        for (const f of ['br', 'GZIP', 'deflate ', '', undefined, { toString() { return 'zstd' } }]) {
          try { new CompressionStream(f); names.push('no error') } catch (e) { names.push(e.name) }
          try { new DecompressionStream(f); names.push('no error') } catch (e) { names.push(e.name) }
        }
        const formats = { toString() { return 'deflate-raw' } }
        let called = 'no error'
        try { CompressionStream('gzip') } catch (e) { called = e.name }
        return [names.every((n) => n === 'TypeError'), names.length, typeof new CompressionStream(formats).readable, called]
    """) == [True, 12, "object", "TypeError"]


def test_the_classes_look_like_web_idl_interfaces(js):
    assert js("""
        const cs = new CompressionStream('gzip'), ds = new DecompressionStream('gzip')
        const get = (C, k) => Object.getOwnPropertyDescriptor(C.prototype, k).get
        let illegal
        try { get(CompressionStream, 'readable').call(ds) } catch (e) { illegal = e.name }
        return [String(cs), String(ds), CompressionStream.length, cs.readable instanceof ReadableStream,
                cs.writable instanceof WritableStream, cs.readable === cs.readable, illegal,
                Object.keys(globalThis).includes('CompressionStream')]
    """) == ["[object CompressionStream]", "[object DecompressionStream]", 1, True, True, True, "TypeError", False]


def test_output_waits_for_the_reader(js):
    # A chunk that inflates to 4 MiB is not inflated ahead of the reader: one read gets one piece,
    # and the write it came from is still pending.
    assert js("""
        const packed = await helpers.compress('deflate', [new Uint8Array(4 << 20)])
        const ds = new DecompressionStream('deflate'), w = ds.writable.getWriter()
        let written = false
        w.write(packed).then(() => { written = true })
        w.close()
        const reader = ds.readable.getReader()
        const first = await reader.read()
        for (let i = 0; i < 20; i++) await null
        const pendingAfterOne = !written
        let total = first.value.byteLength
        for (;;) { const { done, value } = await reader.read(); if (done) break; total += value.byteLength }
        return [first.value.byteLength <= 65536, pendingAfterOne, total, written]
    """) == [True, True, 4 << 20, True]


def test_cancelling_the_readable_side_mid_stream_settles_the_writer(js):
    assert js("""
        const packed = await helpers.compress('gzip', [new Uint8Array(4 << 20)])
        const ds = new DecompressionStream('gzip'), w = ds.writable.getWriter()
        const write = w.write(packed)
        const reader = ds.readable.getReader()
        await reader.read()
        await reader.cancel('enough')
        const outcome = await write.then(() => 'ok', (e) => typeof e === 'string' ? e : e.name)
        return [outcome, await w.closed.then(() => 'closed', (e) => e)]
    """) == ["enough", "enough"]


def test_aborting_the_writable_side_errors_the_readable_side(js):
    assert js("""
        // A transform stream starts with backpressure: the first read lets the write run. Its
        // output is the zlib header only (the compressor keeps the rest), so the write completes.
        const cs = new CompressionStream('deflate'), w = cs.writable.getWriter()
        const reader = cs.readable.getReader()
        const first = reader.read()
        await w.write(new Uint8Array(100))
        const header = (await first).value.byteLength
        const second = reader.read()
        await w.abort('stop')
        return [header, await second.then(() => 'read', (e) => e)]
    """) == [2, "stop"]
