"""Blob, File and FormData, and the bodies made of them: multipart/form-data out of a worker read by
Python's email parser, uploads built in Python read by request.formData(), round trips with
hypothesis, and the spec's errors for bad input."""

import email.parser
import email.policy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workerbox as wb

ROUND_TRIP = r"""
export default {
  // entries: [name, string value] or [name, [filename, type, bytes]]; returns them as parsed back.
  async roundTrip(entries) {
    const fd = new FormData()
    for (const [name, value] of entries) {
      if (typeof value === 'string') fd.append(name, value)
      else fd.append(name, new Blob([new Uint8Array(value[2])], { type: value[1] }), value[0])
    }
    const back = await new Response(fd).formData()
    const out = []
    for (const [name, value] of back) {
      out.push([name, typeof value === 'string' ? value : [value.name, value.type, Array.from(await value.bytes())]])
    }
    return out
  },
  async serve(request) {
    const fd = await request.formData(), out = {}
    for (const [name, value] of fd) out[name] = typeof value === 'string' ? value : { file: value.name, type: value.type, text: await value.text() }
    return out
  },
  respond() {
    const fd = new FormData()
    fd.append('greeting', 'hello\nworld')
    fd.append('upload', new File(['file body \u00e9'], 'r\u00e9sum\u00e9 "1".txt', { type: 'text/plain' }))
    return new Response(fd)
  },
  async fetch(request) {
    return new URL(request.url).pathname === '/form' ? this.respond() : Response.json(await this.serve(request))
  },
}
"""


def load(loader):
    return loader.load(main_module="f.js", modules={"f.js": ROUND_TRIP})


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def test_a_multipart_body_from_a_worker_parses_with_pythons_email_parser(loader):
    with load(loader) as w:
        response = w.get_entrypoint().fetch(wb.Request("https://x.test/form"))
    body = response.body
    head = f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts = list(message.iter_parts())
    assert [p.get_param("name", header="content-disposition") for p in parts] == ["greeting", "upload"]
    assert parts[0].get_content() == "hello\r\nworld"
    assert parts[1].get_filename() == 'résumé %221%22.txt'
    assert parts[1].get_content_type() == "text/plain"
    assert parts[1].get_payload(decode=True) == "file body é".encode()


def test_an_upload_built_in_python_reads_with_request_form_data(loader):
    boundary = "XyZ-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nA title\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"notes.md\"\r\n"
        f"Content-Type: text/markdown\r\n\r\n# Notes\r\n\r\nline\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    with load(loader) as w:
        r = w.get_entrypoint().fetch(
            wb.Request("https://x.test/up", method="POST", headers={"content-type": f"multipart/form-data; boundary=\"{boundary}\""}, body=body)
        )
        assert r.status == 200
        assert r.json() == {"title": "A title", "doc": {"file": "notes.md", "type": "text/markdown", "text": "# Notes\r\n\r\nline"}}


NAMES = st.text(st.characters(blacklist_characters="%", blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            NAMES,
            st.one_of(
                st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
                st.tuples(NAMES, st.sampled_from(["", "text/plain", "application/x-thing"]), st.binary(max_size=64)),
            ),
        ),
        max_size=5,
    )
)
def test_form_data_survives_a_multipart_round_trip(loader, entries):
    def expected(name, value):
        if isinstance(value, str):
            return [crlf(name), crlf(value)]
        filename, type_, data = value
        return [crlf(name), [crlf(filename), type_ or "application/octet-stream", list(data)]]

    with load(loader) as w:
        got = w.get_entrypoint().roundTrip([[n, v if isinstance(v, str) else [v[0], v[1], list(v[2])]] for n, v in entries])
    assert got == [expected(n, v) for n, v in entries]


def test_blob_and_file_basics(loader):
    src = r"""export default { async f() {
      const b = new Blob(['h\u00e9', new Uint8Array([33]), new Blob(['?'])], { type: 'Text/HTML' })
      const f = new File([b], 'x.html', { lastModified: 42 })
      return [b.size, b.type, await b.text(), await b.slice(-2).text(), b.slice(0, 1, 'A/B').type, b.slice(5, 2).size,
              new Blob(['\u00ff'], { type: 'caf\u00e9' }).type, f.name, f.lastModified, f.type, f instanceof Blob,
              Object.prototype.toString.call(f), Array.from(await new Blob(['a\nb'], { endings: 'native' }).bytes()),
              (await b.arrayBuffer()).byteLength]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == [5, "text/html", "hé!?", "!?", "a/b", 0, "", "x.html", 42, "", True, "[object File]", [97, 10, 98], 5]


def test_bodies_of_blobs_and_blob_bodies(loader):
    src = r"""export default { async f() {
      const r = new Response(new Blob(['data'], { type: 'application/x-test' }))
      const typed = await new Response('x', { headers: { 'content-type': 'text/x' } }).blob()
      return [r.headers.get('content-type'), await (await r.blob()).text(), typed.type, typed.size,
              (await new Request('https://a.test/', { method: 'POST', body: new URLSearchParams('a=1&a=2') }).formData()).getAll('a')]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == ["application/x-test", "data", "text/x", 1, ["1", "2"]]


def test_bad_input_gets_the_specs_errors(loader):
    src = r"""
    const caught = async (f) => { try { await f(); return 'no error' } catch (e) { return e.name } }
    export default { async f() {
      return [
        await caught(() => new Blob('not a sequence')),
        await caught(() => new Blob([], { endings: 'crlf' })),
        await caught(() => new File(['x'])),
        await caught(() => new FormData().append('only-name')),
        await caught(() => new FormData().append('k', 'string', 'filename.txt')),
        await caught(() => new FormData({})),
        await caught(() => new Response('x', { headers: { 'content-type': 'text/plain' } }).formData()),
        await caught(() => new Response('--b\r\nno headers', { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData()),
        await caught(() => new Response('x', { headers: { 'content-type': 'multipart/form-data' } }).formData()),
        await caught(() => new FormData().forEach(1)),
      ]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == ["TypeError"] * 10


def test_form_data_methods(loader):
    src = r"""export default { f() {
      const fd = new FormData()
      fd.append('a', '1'); fd.append('b', '2'); fd.append('a', '3'); fd.set('a', '4'); fd.append('c', new Blob(['x']))
      const seen = []; fd.forEach((v, k, self) => seen.push(k + (self === fd)))
      fd.delete('b')
      return [fd.get('a'), fd.getAll('a'), fd.has('b'), fd.get('nope'), fd.get('c').name, [...fd.keys()], seen, [...fd.entries()].length]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == ["4", ["4"], False, None, "blob", ["a", "c"], ["atrue", "btrue", "ctrue"], 2]


def test_blob_stream_is_a_byte_stream_of_its_contents(loader):
    src = r"""export default { async f() {
      const b = new Blob(['stream ', 'me'])
      const reader = b.stream().getReader({ mode: 'byob' })
      const { value } = await reader.read(new Uint8Array(64))
      let text = ''
      for await (const chunk of new Blob(['x\u00e9']).stream().pipeThrough(new TextDecoderStream())) text += chunk
      return [new TextDecoder().decode(value), text]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == ["stream me", "xé"]


def test_structured_clone_copies_blobs_and_files_keeping_identity(loader):
    src = r"""export default { async f() {
      const b = new Blob(['hello'], { type: 'text/plain' })
      const f = new File(['file body'], 'a.txt', { type: 'text/x', lastModified: 1234 })
      const c = structuredClone({ b, f, list: [b, b], slice: b.slice(1, 3), n: 1 })
      return [
        c.b instanceof Blob && c.b !== b, await c.b.text(), c.b.type,
        c.f instanceof File, c.f.name, c.f.lastModified, c.f.type, await c.f.text(),
        c.list[0] === c.list[1] && c.list[0] === c.b, await c.slice.text(), c.n,
      ]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == [
            True, "hello", "text/plain", True, "a.txt", 1234, "text/x", "file body", True, "el", 1,
        ]


def test_slice_positions_are_clamped_and_rounded_half_to_even(loader):
    # WebIDL [Clamp] long long: 1.5 -> 2, 2.5 -> 2, -1.5 -> -2, NaN -> 0, ±Infinity -> the ends.
    src = r"""export default { async f() {
      const b = new Blob(['0123456789'])
      const cut = async (...a) => await b.slice(...a).text()
      return [await cut(1.5), await cut(2.5), await cut(-1.5), await cut(NaN, 3), await cut(-Infinity, Infinity), await cut(0.5, 3.5)]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == ["23456789", "23456789", "89", "012", "0123456789", "0123"]
