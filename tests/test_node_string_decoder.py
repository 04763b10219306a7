"""`node:string_decoder` under nodejs_compat: characters and base64 groups split across chunks
come out whole, as Node's StringDecoder gives them."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body):
    src = f"import {{ StringDecoder }} from 'node:string_decoder'\nimport {{ Buffer }} from 'node:buffer'\nexport default {{ f() {{ {body} }} }}"
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


CASES = [
    ("const d = new StringDecoder('utf8'); return [d.write(Buffer.from([0xe2])), d.write(Buffer.from([0x82])), d.end(Buffer.from([0xac]))]", ["", "", "€"]),
    ("const d = new StringDecoder(); return [d.write(Buffer.from([0x61, 0xf0, 0x9f])), d.write(Buffer.from([0x98, 0x80, 0x62]))]", ["a", "😀b"]),
    ("const d = new StringDecoder('utf8'); return [d.write(Buffer.from([0xe2, 0x82])), d.end()]", ["", "\ufffd"]),
    ("const d = new StringDecoder('utf16le'); return [d.write(Buffer.from([0x61])), d.write(Buffer.from([0, 0x62])), d.end(Buffer.from([0]))]", ["", "a", "b"]),
    ("const d = new StringDecoder('ucs2'); return [d.write(Buffer.from([0x3d, 0xd8])), d.end(Buffer.from([0x00, 0xde]))]", ["", "😀"]),
    ("const d = new StringDecoder('base64'); return [d.write(Buffer.from('ab')), d.write(Buffer.from('cd')), d.end()]", ["", "YWJj", "ZA=="]),
    ("const d = new StringDecoder('hex'); return [d.write(Buffer.from([1, 255])), d.end(), d.encoding]", ["01ff", "", "hex"]),
    ("return [new StringDecoder('UTF-8').encoding, new StringDecoder('binary').encoding]", ["utf8", "latin1"]),
]


@pytest.mark.parametrize("body, expected", CASES)
def test_chunks_decode_as_node(loader, body, expected):
    assert run(loader, body) == expected


def test_bad_arguments(loader):
    body = """
const out = []
try { new StringDecoder('nope') } catch (e) { out.push(e.name, e.code) }
try { new StringDecoder().write(5) } catch (e) { out.push(e.name, e.code) }
return out
"""
    assert run(loader, body) == ["TypeError", "ERR_UNKNOWN_ENCODING", "TypeError", "ERR_INVALID_ARG_TYPE"]
