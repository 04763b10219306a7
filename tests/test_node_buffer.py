"""`node:buffer` under nodejs_compat: Buffer's encodings, views and number accessors give what
Node gives (expected values written from Node's documentation), and bad arguments throw Node's
coded errors."""

import pytest

import workerbox as wb

NODE = ["nodejs_compat"]


def run(loader, body):
    src = f"import {{ Buffer, constants, kMaxLength, isUtf8, isAscii, atob, btoa, Blob }} from 'node:buffer'\nexport default {{ f() {{ {body} }} }}"
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


ENCODE_CASES = [
    ("Buffer.from('héllo').toString('hex')", "68c3a96c6c6f"),
    ("Buffer.from('héllo', 'latin1').toString('hex')", "68e96c6c6f"),
    ("Buffer.from('hi', 'utf16le').toString('hex')", "68006900"),
    ("Buffer.from('hi', 'ucs2').toString('hex')", "68006900"),
    ("Buffer.from('\\u20ac', 'ascii').toString('hex')", "ac"),
    ("Buffer.from('aGVsbG8gd29ybGQ=', 'base64').toString()", "hello world"),
    ("Buffer.from('aGVsbG8', 'base64').toString()", "hello"),
    ("Buffer.from('-_8', 'base64url').toString('hex')", "fbff"),
    ("Buffer.from([0xfb, 0xff]).toString('base64')", "+/8="),
    ("Buffer.from([0xfb, 0xff]).toString('base64url')", "-_8"),
    ("Buffer.from('00ffzz', 'hex').toString('hex')", "00ff"),
    ("Buffer.from('abc', 'hex').length", 1),
    ("Buffer.from([0xe9]).toString('latin1')", "é"),
    ("Buffer.from([0xe9]).toString('ascii')", "i"),
    ("Buffer.from([0xff, 0x61]).toString()", "\ufffda"),
    ("Buffer.from([0x68, 0, 0x69, 0]).toString('utf16le')", "hi"),
    ("Buffer.from('\\ud800').toString('hex')", "efbfbd"),
    ("Buffer.from('hello').toString('utf8', 1, 3)", "el"),
    ("Buffer.byteLength('héllo')", 6),
    ("Buffer.byteLength('\\ud83d\\ude00')", 4),
    ("Buffer.byteLength('aGVsbG8=', 'base64')", 5),
    ("Buffer.byteLength('abcd', 'hex')", 2),
    ("Buffer.byteLength(new ArrayBuffer(7))", 7),
    ("Buffer.isEncoding('UTF-8') && Buffer.isEncoding('binary') && !Buffer.isEncoding('nope')", True),
]


@pytest.mark.parametrize("expr, expected", ENCODE_CASES)
def test_encodings_match_node(loader, expr, expected):
    assert run(loader, f"return {expr}") == expected


def test_a_buffer_is_a_uint8array_whose_slices_share_memory(loader):
    body = """
const b = Buffer.from('abcdef')
const s = b.slice(1, 3)
s[0] = 0x5a
const sub = b.subarray(-2)
return [b instanceof Uint8Array, Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(1)), b.toString(), s instanceof Buffer,
  sub.toString(), b.slice().length, Buffer.from(b.buffer, 1, 2).toString()]
"""
    assert run(loader, body) == [True, True, False, "aZcdef", True, "ef", 6, "Zc"]


def test_alloc_fill_concat_compare_copy(loader):
    body = """
const a = Buffer.alloc(5, 'ab')
const z = Buffer.alloc(3)
const u = Buffer.allocUnsafe(2).fill(7)
const c = Buffer.concat([Buffer.from('ab'), Buffer.from('cd')])
const t = Buffer.concat([Buffer.from('ab'), Buffer.from('cd')], 3)
const target = Buffer.alloc(4)
const copied = Buffer.from('xyz').copy(target, 1)
return [a.toString(), [...z], [...u], c.toString(), t.toString(), copied, [...target],
  Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.from('b').compare(Buffer.from('a')),
  Buffer.from('ab').equals(Buffer.from('ab')), Buffer.alloc(4).fill('hi', 1).toString('hex')]
"""
    assert run(loader, body) == [
        "ababa", [0, 0, 0], [7, 7], "abcd", "abc", 3, [0, 120, 121, 122], -1, 1, True, "00686968",
    ]


def test_search(loader):
    body = """
const b = Buffer.from('this is a buffer is')
return [b.indexOf('is'), b.indexOf('is', 3), b.lastIndexOf('is'), b.indexOf(0x61), b.includes('buf'),
  b.indexOf(Buffer.from('a b')), b.indexOf('zz'), b.indexOf('is', -2), b.lastIndexOf(0x73, 5)]
"""
    assert run(loader, body) == [2, 5, 17, 8, True, 8, -1, 17, 3]


def test_write_and_json(loader):
    body = """
const b = Buffer.alloc(6)
const n1 = b.write('hé', 0)
const n2 = b.write('ab', 4, 'latin1')
const n3 = Buffer.alloc(2).write('é€')
return [n1, n2, n3, b.toString('hex'), JSON.stringify(Buffer.from([1, 2])),
  Buffer.from({ type: 'Buffer', data: [3, 4] }).toString('hex'), Buffer.from(new Uint16Array([1, 258])).toString('hex')]
"""
    assert run(loader, body) == [3, 2, 2, "68c3a9006162", '{"type":"Buffer","data":[1,2]}', "0304", "0102"]


def test_number_accessors(loader):
    body = """
const b = Buffer.alloc(16)
const out = []
out.push(b.writeUInt32BE(0xdeadbeef, 0), b.readUInt32BE(0), b.readUInt32LE(0), b.readUInt16BE(1), b.readUint8(3))
out.push(b.writeInt16LE(-2, 4), b.readInt16LE(4), b.readUInt16LE(4), b.readInt8(4))
out.push(b.writeDoubleLE(1.5, 8), b.readDoubleLE(8), b.toString('hex', 8))
b.writeFloatBE(-0.25, 0)
out.push(b.readFloatBE(0), b.toString('hex', 0, 4))
b.writeBigUInt64BE(0x0102030405060708n, 8)
out.push(String(b.readBigUInt64BE(8)), String(b.readBigUInt64LE(8)), b.toString('hex', 8))
b.writeBigInt64LE(-1n, 0)
out.push(String(b.readBigInt64LE(0)), String(b.readBigUInt64LE(0)))
out.push(b.writeUIntBE(0x123456, 0, 3), b.readUIntBE(0, 3), b.readIntLE(0, 3), b.writeIntBE(-1, 0, 6), b.readIntBE(0, 6))
return out
"""
    assert run(loader, body) == [
        4, 0xDEADBEEF, 0xEFBEADDE, 0xADBE, 0xEF,
        6, -2, 0xFFFE, -2,
        16, 1.5, "000000000000f83f",
        -0.25, "be800000",
        "72623859790382856", "578437695752307201", "0102030405060708",
        "-1", "18446744073709551615",
        3, 0x123456, 0x563412, 6, -1,
    ]


def test_swap_and_module_exports(loader):
    body = """
return [Buffer.from([1, 2, 3, 4]).swap16().toString('hex'), Buffer.from([1, 2, 3, 4]).swap32().toString('hex'),
  typeof constants.MAX_LENGTH, kMaxLength === constants.MAX_LENGTH, isUtf8(Buffer.from([0xc3, 0xa9])), isUtf8(Buffer.from([0xff])),
  isAscii(Buffer.from('abc')), atob(btoa('hi')), new Blob(['x']).size, Buffer.poolSize]
"""
    assert run(loader, body) == ["02010403", "04030201", "number", True, True, False, True, "hi", 1, 8192]


BAD_ARGUMENTS = [
    ("Buffer.alloc('5')", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("Buffer.alloc(-1)", "RangeError", "ERR_OUT_OF_RANGE"),
    ("Buffer.from(5)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("Buffer.from('x', 'nope')", "TypeError", "ERR_UNKNOWN_ENCODING"),
    ("Buffer.alloc(2).readUInt32LE(0)", "RangeError", "ERR_BUFFER_OUT_OF_BOUNDS"),
    ("Buffer.alloc(4).readUInt16LE(3)", "RangeError", "ERR_OUT_OF_RANGE"),
    ("Buffer.alloc(4).readUInt8(1.5)", "RangeError", "ERR_OUT_OF_RANGE"),
    ("Buffer.alloc(4).readUInt8('1')", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("Buffer.alloc(4).writeUInt8(256, 0)", "RangeError", "ERR_OUT_OF_RANGE"),
    ("Buffer.alloc(8).writeBigInt64LE(1, 0)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("Buffer.concat('ab')", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("Buffer.concat([1])", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("Buffer.from('abc').swap16()", "RangeError", "ERR_INVALID_BUFFER_SIZE"),
    ("Buffer.from('ab').equals('ab')", "TypeError", "ERR_INVALID_ARG_TYPE"),
]


@pytest.mark.parametrize("expr, name, code", BAD_ARGUMENTS)
def test_bad_arguments_throw_nodes_coded_errors(loader, expr, name, code):
    assert run(loader, f"try {{ {expr} }} catch (e) {{ return [e.name, e.code] }}") == [name, code]


def test_bare_buffer_import_and_require(loader):
    modules = {
        "m.js": "import { Buffer } from 'buffer'; import r from './r.cjs'; export default { f: () => [Buffer.from('a').toString('hex'), r] }",
        "r.cjs": {"cjs": "module.exports = require('node:buffer').Buffer.from('b').toString('base64')"},
    }
    with loader.load(main_module="m.js", modules=modules, compatibility_flags=NODE) as w:
        assert w.get_entrypoint().f() == ["61", "Yg=="]


def test_without_the_flag_buffer_is_refused(loader):
    with pytest.raises(wb.CodeError, match="nodejs_compat"):
        loader.load(main_module="m.js", modules={"m.js": "import { Buffer } from 'node:buffer'; export default {}"})
