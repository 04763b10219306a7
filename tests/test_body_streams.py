"""Request and Response bodies are ReadableStreams: `body` is one, a stream can be a body, and the
readers, clone(), the fetch handler's answer and fetch() all work through it."""

import asyncio

import pytest

import workerbox as wb

STREAMS = """
const enc = new TextEncoder()
const chunks = (...parts) => new ReadableStream({
  start(c) { for (const p of parts) c.enqueue(enc.encode(p)); c.close() },
})
async function drain(stream) {
  const reader = stream.getReader(), out = []
  for (;;) { const { done, value } = await reader.read(); if (done) return out; out.push(value) }
}
export default {
  async bodyIsAByteStream() {
    const body = new Response('hello').body
    const reader = body.getReader({ mode: 'byob' })
    const { value } = await reader.read(new Uint8Array(16))
    return [body instanceof ReadableStream, new TextDecoder().decode(value)]
  },
  async noBodyIsNull() {
    return [new Response(null).body, new Request('https://x.test/').body]
  },
  async streamBodyText() {
    return await new Response(chunks('a', 'b', 'c')).text()
  },
  async pipedThroughEncoder() {
    const text = new ReadableStream({ start(c) { c.enqueue('hé'); c.enqueue('llo'); c.close() } })
    return await new Response(text.pipeThrough(new TextEncoderStream())).text()
  },
  async readerMarksUsed() {
    const r = new Response('abc')
    await r.body.getReader().read()
    let error = null
    try { await r.text() } catch (e) { error = e.name + ': ' + e.message }
    return [r.bodyUsed, error]
  },
  async lockedBody() {
    const r = new Response(chunks('x'))
    r.body.getReader()
    try { await r.text(); return 'read' } catch (e) { return e.name }
  },
  lockedStreamAsBody() {
    const s = chunks('x')
    s.getReader()
    try { new Response(s); return 'accepted' } catch (e) { return e.name }
  },
  async cloneOfAStream() {
    const r = new Response(chunks('one ', 'two'))
    const c = r.clone()
    return [await r.text(), await c.text(), r.bodyUsed, c.bodyUsed]
  },
  async cloneAfterBodyAsked() {
    const r = new Response('bytes')
    const body = r.body
    const c = r.clone()
    return [await c.text(), (await drain(r.body)).length, body !== r.body]
  },
  async requestMovesItsStream() {
    const a = new Request('https://x.test/', { method: 'POST', body: chunks('moved') })
    const b = new Request(a)
    let again = null
    try { new Request(a) } catch (e) { again = e.name }
    return [await b.text(), a.bodyUsed, again]
  },
  async wrongChunkType() {
    const s = new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close() } })
    try { await new Response(s).text(); return 'read' } catch (e) { return e.name }
  },
  async erroredStream() {
    const s = new ReadableStream({ pull(c) { c.error(new RangeError('source broke')) } })
    try { await new Response(s).arrayBuffer(); return 'read' } catch (e) { return e.name + ': ' + e.message }
  },
  async formDataFromAStream() {
    const form = await new Response(chunks('a=1&b=', 'two'), { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData()
    return [form.get('a'), form.get('b')]
  },
  async blobFromAStream() {
    const blob = await new Response(chunks('12', '345')).blob()
    return [blob.size, await blob.text()]
  },
  async fetch(request) {
    const url = new URL(request.url)
    if (url.pathname === '/stream') return new Response(chunks('streamed ', 'in ', 'parts'), { headers: { 'x-kind': 'stream' } })
    if (url.pathname === '/echo') return new Response(request.body)
    if (url.pathname === '/broken') {
      return new Response(new ReadableStream({ pull(c) { c.error(new TypeError('mid-body failure')) } }))
    }
    return new Response('plain')
  },
  async postStream(body) {
    const r = await fetch('https://api.test/upload', { method: 'POST', body: chunks(...body), duplex: 'half' })
    return await r.text()
  },
}
"""


@pytest.fixture(scope="module")
def ep(loader):
    seen = []

    def outbound(request):
        seen.append(request.body)
        return wb.Response(b"got " + request.body)

    with loader.load(main_module="s.js", modules={"s.js": STREAMS}, global_outbound=outbound) as w:
        entry = w.get_entrypoint()
        entry.seen = seen
        yield entry


def test_a_body_is_a_readable_byte_stream(ep):
    assert ep.bodyIsAByteStream() == [True, "hello"]
    assert ep.noBodyIsNull() == [None, None]


def test_a_stream_is_a_body_and_reads_to_its_end(ep):
    assert ep.streamBodyText() == "abc"
    assert ep.pipedThroughEncoder() == "héllo"
    assert ep.formDataFromAStream() == ["1", "two"]
    assert ep.blobFromAStream() == [5, "12345"]


def test_a_body_read_through_its_stream_is_used(ep):
    assert ep.readerMarksUsed() == [True, "TypeError: Body has already been used"]


def test_a_locked_body_or_stream_is_refused(ep):
    assert ep.lockedBody() == "TypeError"
    assert ep.lockedStreamAsBody() == "TypeError"


def test_clone_tees_a_stream_body(ep):
    assert ep.cloneOfAStream() == ["one two", "one two", True, True]
    text, chunk_count, replaced = ep.cloneAfterBodyAsked()
    assert (text, chunk_count, replaced) == ("bytes", 1, True)


def test_a_request_made_from_another_takes_its_body(ep):
    assert ep.requestMovesItsStream() == ["moved", True, "TypeError"]


def test_bad_chunks_and_errors_reach_the_reader(ep):
    assert ep.wrongChunkType() == "TypeError"
    assert ep.erroredStream() == "RangeError: source broke"


def test_the_fetch_handler_may_answer_with_a_stream(ep):
    r = ep.fetch(wb.Request("https://app.test/stream"))
    assert (r.status, r.headers["x-kind"], r.text()) == (200, "stream", "streamed in parts")


def test_a_request_body_can_be_echoed_as_a_stream(ep):
    r = ep.fetch(wb.Request("https://app.test/echo", method="POST", body=b"\x00\x01round trip"))
    assert r.body == b"\x00\x01round trip"


def test_a_body_failing_mid_stream_is_the_callers_error(ep):
    with pytest.raises(wb.JSError, match="mid-body failure"):
        ep.fetch(wb.Request("https://app.test/broken"))


def test_fetch_sends_a_stream_body(ep):
    assert ep.postStream(["up", "lo", "ad"]) == "got upload"
    assert ep.seen[-1] == b"upload"


PRODUCER = """
let pulls = 0, cancelled = null
const enc = new TextEncoder()
export default {
  fetch(request) {
    const url = new URL(request.url)
    const n = Number(url.searchParams.get('n') ?? 3)
    const delay = Number(url.searchParams.get('delay') ?? 0)
    let i = 0
    pulls = 0
    cancelled = null
    return new Response(new ReadableStream({
      async pull(c) {
        pulls++
        if (delay) await new Promise((r) => setTimeout(r, delay))
        if (i < n) c.enqueue(enc.encode(`chunk${i++};`))
        else c.close()
      },
      cancel(reason) { cancelled = String(reason) },
    }, { highWaterMark: 0 }), { status: 203, headers: { 'x-streamed': 'yes' } })
  },
  state() { return { pulls, cancelled } },
}
"""


@pytest.fixture
def producer(loader):
    with loader.load(main_module="p.js", modules={"p.js": PRODUCER}) as w:
        yield w.get_entrypoint()


def test_a_streamed_response_answers_before_its_body_is_complete(producer):
    r = producer.fetch(wb.Request("https://app.test/?n=3&delay=100"), stream=True)
    # The head is here; the producer has not been asked for more than it had to give.
    assert (r.status, r.headers["x-streamed"], r.streamed) == (203, "yes", True)
    assert producer.state()["pulls"] <= 1
    assert [bytes(c) for c in r] == [b"chunk0;", b"chunk1;", b"chunk2;"]


def test_the_host_pulls_the_body_chunk_by_chunk(producer):
    # highWaterMark 0: the source is pulled only as the host reads, never ahead of it.
    r = producer.fetch(wb.Request("https://app.test/?n=100"), stream=True)
    chunks = iter(r)
    for expected in range(5):
        assert next(chunks) == f"chunk{expected};".encode()
        assert producer.state()["pulls"] <= expected + 2
    r.close()


def test_closing_a_streamed_response_cancels_the_workers_stream(producer):
    r = producer.fetch(wb.Request("https://app.test/?n=100"), stream=True)
    assert next(iter(r)) == b"chunk0;"
    r.close()
    assert producer.state()["cancelled"] == "TypeError: The host stopped reading the response body"
    assert list(r) == []


def test_dropping_a_streamed_response_cancels_the_workers_stream(producer):
    r = producer.fetch(wb.Request("https://app.test/?n=100"), stream=True)
    del r
    assert producer.state()["cancelled"] is not None


def test_a_streamed_response_reads_whole_through_body_text_json(producer):
    r = producer.fetch(wb.Request("https://app.test/?n=2"), stream=True)
    assert (r.body, r.text()) == (b"chunk0;chunk1;", "chunk0;chunk1;")
    assert list(r) == [b"chunk0;chunk1;"]


def test_a_whole_response_iterates_as_one_chunk(producer):
    r = producer.fetch(wb.Request("https://app.test/?n=2"))
    assert (r.streamed, list(r)) == (False, [b"chunk0;chunk1;"])
    assert list(wb.Response(b"")) == []


def test_stream_is_an_option_of_fetch_only(producer):
    with pytest.raises(TypeError, match="fetch"):
        producer.state(stream=True)


def test_a_streamed_response_cannot_be_an_outbound_answer(loader, producer):
    streamed = producer.fetch(wb.Request("https://app.test/?n=2"), stream=True)
    src = "export default { async f() { try { await fetch('https://x.test/') } catch (e) { return e.message } } }"
    with loader.load(main_module="m.js", modules={"m.js": src}, global_outbound=lambda request: streamed) as w:
        assert "streamed response" in w.get_entrypoint().f()


def test_async_for_over_a_streamed_response():
    async def main():
        async with wb.AsyncLoader() as loader:
            w = await loader.load(main_module="p.js", modules={"p.js": PRODUCER})
            r = await w.get_entrypoint().fetch(wb.Request("https://app.test/?n=3&delay=5"), stream=True)
            streamed = [chunk async for chunk in r]
            whole = await w.get_entrypoint().fetch(wb.Request("https://app.test/?n=1"))
            return streamed, [chunk async for chunk in whole]

    streamed, whole = asyncio.run(asyncio.wait_for(main(), 60))
    assert streamed == [b"chunk0;", b"chunk1;", b"chunk2;"]
    assert whole == [b"chunk0;"]


CONSUMER = """export default {
  async fetch(request) {
    const sizes = []
    for await (const chunk of request.body) sizes.push(chunk.length)
    return Response.json(sizes)
  },
}"""


@pytest.fixture
def consumer(loader):
    with loader.load(main_module="c.js", modules={"c.js": CONSUMER}) as w:
        yield w.get_entrypoint()


def test_a_python_iterator_is_a_streamed_request_body(consumer):
    def chunks():
        yield b"ab"
        yield "cé"  # str chunks are UTF-8
        yield b""  # skipped: a byte stream has no empty chunks
        yield bytearray(b"xyz")
        yield memoryview(b"12345")[1:3]

    r = consumer.fetch(wb.Request("https://app.test/", method="POST", body=chunks()))
    assert r.json() == [2, 3, 3, 2]


def test_the_worker_pulls_a_python_iterator_only_as_it_reads(loader):
    pulled = []

    def chunks():
        for i in range(100):
            pulled.append(i)
            yield b"x"

    src = """export default { async fetch(request) {
      const reader = request.body.getReader()
      await reader.read(); await reader.read()
      return new Response('read two')
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().fetch(wb.Request("https://app.test/", method="POST", body=chunks())).text() == "read two"
    assert len(pulled) <= 3


def test_a_request_body_iterator_is_sent_once(consumer):
    request = wb.Request("https://app.test/", method="POST", body=iter([b"1", b"2"]))
    assert request.body is None
    assert consumer.fetch(request).json() == [1, 1]
    with pytest.raises(ValueError, match="already sent"):
        consumer.fetch(request)


def test_a_failing_iterator_or_a_bad_chunk_fails_the_workers_read(consumer):
    def broken():
        yield b"ok"
        raise ValueError("iterator broke")

    with pytest.raises(wb.JSError, match="ValueError: iterator broke"):
        consumer.fetch(wb.Request("https://app.test/", method="POST", body=broken()))
    with pytest.raises(wb.JSError, match="must be bytes or str"):
        consumer.fetch(wb.Request("https://app.test/", method="POST", body=iter([1, 2])))
    with pytest.raises(TypeError, match="iterator"):
        wb.Request("https://app.test/", method="POST", body=42)


def test_an_async_iterator_is_a_streamed_request_body():
    async def chunks():
        for i in range(3):
            await asyncio.sleep(0.005)
            yield f"part{i}"

    async def main():
        async with wb.AsyncLoader() as loader:
            w = await loader.load(main_module="c.js", modules={"c.js": CONSUMER})
            r = await w.get_entrypoint().fetch(wb.Request("https://app.test/", method="POST", body=chunks()))
            return r.json()

    assert asyncio.run(asyncio.wait_for(main(), 60)) == [5, 5, 5]


def test_a_blocking_call_that_could_never_read_its_async_body_is_refused():
    # The body's steps run on the loop that made it; a sync call waiting on that loop's own
    # thread (or after the loop stopped) would wait out its wall limit for a chunk that never comes.
    async def chunks():
        yield "never read"

    with wb.Loader() as loader:
        w = loader.load(main_module="c.js", modules={"c.js": CONSUMER}, limits=wb.Limits(wall_ms=3000))
        ep = w.get_entrypoint()

        async def on_its_own_loop():
            with pytest.raises(TypeError, match="cannot run while this call waits"):
                ep.fetch(wb.Request("https://app.test/", method="POST", body=chunks()))

        asyncio.run(on_its_own_loop())

        async def make():
            return wb.Request("https://app.test/", method="POST", body=chunks())

        stopped = asyncio.run(make())
        with pytest.raises(TypeError, match="cannot run while this call waits"):
            ep.fetch(stopped)

        # From another thread, while the loop runs, the same kind of body is read.
        async def from_a_thread():
            request = wb.Request("https://app.test/", method="POST", body=chunks())
            return (await asyncio.to_thread(ep.fetch, request)).json()

        assert asyncio.run(from_a_thread()) == [10]
