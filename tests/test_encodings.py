"""TextDecoder for every encoding of the WHATWG Encoding Standard (encoding_rs behind it), and
atob/btoa at native speed: checked against Python's codecs and base64, whole and streamed."""

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workerbox as wb

# (label, the name TextDecoder reports, the Python codec that agrees with it on SAMPLE)
ENCODINGS = [
    ("latin1", "windows-1252", "cp1252"),
    ("ascii", "windows-1252", "cp1252"),
    ("iso-8859-2", "iso-8859-2", "iso8859_2"),
    ("iso-8859-5", "iso-8859-5", "iso8859_5"),
    ("koi8-r", "koi8-r", "koi8_r"),
    ("windows-1251", "windows-1251", "cp1251"),
    ("macintosh", "macintosh", "mac_roman"),
    ("utf-16le", "utf-16le", "utf-16-le"),
    ("utf-16", "utf-16le", "utf-16-le"),
    ("utf-16be", "utf-16be", "utf-16-be"),
    ("shift_jis", "shift_jis", "cp932"),
    ("euc-jp", "euc-jp", "euc_jp"),
    ("iso-2022-jp", "iso-2022-jp", "iso2022_jp"),
    ("euc-kr", "euc-kr", "cp949"),
    ("big5", "big5", "big5"),
    ("gbk", "gbk", "gbk"),
    ("gb18030", "gb18030", "gb18030"),
]
SAMPLES = {
    "windows-1252": "café, naïve – “quoted” €5",
    "iso-8859-2": "Zażółć gęślą jaźń",
    "iso-8859-5": "Привет, мир",
    "koi8-r": "Привет, мир",
    "windows-1251": "Привет, мир",
    "macintosh": "café ñ ü",
    "utf-16le": "héllo 😀 wörld",
    "utf-16be": "héllo 😀 wörld",
    "shift_jis": "こんにちは世界、カタカナ",
    "euc-jp": "こんにちは世界",
    "iso-2022-jp": "こんにちは世界 and ASCII",
    "euc-kr": "안녕하세요 세계",
    "big5": "你好，世界",
    "gbk": "你好，世界",
    "gb18030": "你好，世界 😀",
}

DECODE = r"""
export default {
  whole(label, bytes, options) { return new TextDecoder(label, options).decode(new Uint8Array(bytes)) },
  // Feeds `bytes` in pieces cut at `cuts`, streaming, then ends the stream.
  streamed(label, bytes, cuts, options) {
    const d = new TextDecoder(label, options), u = new Uint8Array(bytes)
    let out = '', from = 0
    for (const to of [...cuts, u.length]) { out += d.decode(u.subarray(from, to), { stream: true }); from = to }
    return out + d.decode()
  },
  name(label) { return new TextDecoder(label).encoding },
  error(label, bytes, options) {
    try { new TextDecoder(label, options).decode(new Uint8Array(bytes)); return 'no error' } catch (e) { return `${e.name}: ${e.message}` }
  },
}
"""


@pytest.fixture(scope="module")
def decoder(loader):
    with loader.load(main_module="d.js", modules={"d.js": DECODE}) as w:
        yield w.get_entrypoint()


@pytest.mark.parametrize("label, name, codec", ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_every_encoding_decodes_what_python_encodes(decoder, label, name, codec):
    text = SAMPLES[name] if label != "ascii" else "plain"
    data = list(text.encode(codec))
    assert decoder.name(label) == name
    assert decoder.whole(label, data, None) == text
    assert decoder.streamed(label, data, list(range(1, len(data))), None) == text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from([e[0] for e in ENCODINGS]),
    st.binary(max_size=64),
    st.lists(st.integers(0, 64), max_size=6),
    st.booleans(),
)
def test_streaming_in_any_pieces_decodes_like_the_whole(decoder, label, data, cuts, ignore_bom):
    cuts = sorted(c for c in cuts if c <= len(data))
    options = {"ignoreBOM": ignore_bom}
    assert decoder.streamed(label, list(data), cuts, options) == decoder.whole(label, list(data), options)


def test_byte_order_marks_are_stripped_only_for_their_own_encoding(decoder):
    assert decoder.whole("utf-16le", [0xFF, 0xFE, 0x68, 0], None) == "h"
    assert decoder.whole("utf-16le", [0xFF, 0xFE, 0x68, 0], {"ignoreBOM": True}) == "\ufeffh"
    assert decoder.whole("utf-16be", [0xFE, 0xFF, 0, 0x68], None) == "h"
    # A UTF-8 BOM means nothing to windows-1252.
    assert decoder.whole("windows-1252", [0xEF, 0xBB, 0xBF], None) == "ï»¿"
    # Only the first chunk of a stream may start with the BOM.
    assert decoder.streamed("utf-16le", [0xFF, 0xFE, 0x68, 0, 0xFF, 0xFE], [2, 4], None) == "h\ufeff"


@pytest.mark.parametrize(
    "label, data",
    [("utf-16le", [0x00, 0xD8]), ("utf-16be", [0xD8]), ("shift_jis", [0x82]), ("euc-kr", [0xFF, 0xFF]), ("gb18030", [0x81, 0x30])],
)
def test_fatal_decoders_throw_type_errors_and_others_replace(decoder, label, data):
    assert decoder.error(label, data, {"fatal": True}).startswith("TypeError: The encoded data was not valid for encoding")
    assert "\ufffd" in decoder.whole(label, data, None)


@pytest.mark.parametrize("label", ["replacement", "iso-2022-kr", "hz-gb-2312", "no-such-thing", "utf-7", ""])
def test_unsupported_labels_are_range_errors(decoder, label):
    assert decoder.error(label, [], None).startswith("RangeError")


def test_a_fatal_error_ends_the_stream_and_the_decoder_starts_afresh(loader):
    src = r"""export default { f() {
      const d = new TextDecoder('shift_jis', { fatal: true }), out = []
      out.push(d.decode(new Uint8Array([0x82]), { stream: true }))
      try { d.decode(new Uint8Array([0x20])) } catch (e) { out.push(e.name) }
      out.push(d.decode(new Uint8Array([0x82, 0xa0])))
      return out
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == ["", "TypeError", "あ"]


# --- base64 ---------------------------------------------------------------------------------------

B64 = r"""
export default {
  encode(bytes) { return btoa(String.fromCharCode(...bytes)) },
  decode(text) { try { const s = atob(text); return Array.from(s, (c) => c.charCodeAt(0)) } catch (e) { return e.name } },
}
"""


@pytest.fixture(scope="module")
def b64(loader):
    with loader.load(main_module="b.js", modules={"b.js": B64}) as w:
        yield w.get_entrypoint()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=100), st.lists(st.tuples(st.integers(0, 200), st.sampled_from(" \t\n\r\f")), max_size=5))
def test_base64_matches_python_with_whitespace_anywhere(b64, data, spaces):
    encoded = base64.b64encode(data).decode()
    assert b64.encode(list(data)) == encoded
    for at, ch in sorted(spaces, reverse=True):
        encoded = encoded[:at] + ch + encoded[at:]
    assert b64.decode(encoded) == list(data)
    assert b64.decode(encoded.rstrip("=")) == list(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="ABCab012+/=* \n", max_size=12))
def test_atob_accepts_exactly_forgiving_base64(b64, text):
    stripped = "".join(c for c in text if c not in " \n")
    if len(stripped) % 4 == 0:
        stripped = stripped[:-2] + stripped[-2:].rstrip("=") if stripped.endswith("=") else stripped
        if stripped.endswith("="):
            stripped = stripped[:-1]
    valid = len(stripped) % 4 != 1 and all(c.isalnum() or c in "+/" for c in stripped)
    expected = list(base64.b64decode(stripped + "=" * (-len(stripped) % 4))) if valid else "InvalidCharacterError"
    assert b64.decode(text) == expected


def test_uint8array_base64_and_hex_are_there(loader):
    src = r"""export default { f() {
      const u = new Uint8Array([104, 105, 255])
      return [u.toBase64(), u.toHex(), Array.from(Uint8Array.fromBase64('aGn/')), Array.from(Uint8Array.fromHex('6869ff'))]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == ["aGn/", "6869ff", [104, 105, 255], [104, 105, 255]]


def test_base64_of_a_mebibyte_round_trips(loader):
    src = r"""export default { f() { const s = 'ab\u00ff'.repeat(1 << 18); return atob(btoa(s)) === s } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() is True


def test_decoding_into_more_than_the_memory_limit_is_a_limit_error_not_a_crash(loader):
    src = r"""export default { f() {
      const big = new Uint8Array(24 << 20).fill(0x41), parts = []
      for (;;) parts.push(new TextDecoder('windows-1252').decode(big))
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=64)) as w:
        with pytest.raises((wb.MemoryLimitExceeded, wb.JSError)):
            w.get_entrypoint().f()
