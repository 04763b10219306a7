"""`node:crypto` under nodejs_compat: createHash/createHmac/hash give the digests of the RFC and
NIST test vectors (as Node does), incrementally and in every output encoding; random values and
timingSafeEqual check their arguments as Node does; webcrypto is the worker's own."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body, is_async=False):
    src = (
        "import crypto, { createHash, createHmac, hash, randomBytes, randomInt, randomUUID, randomFillSync, timingSafeEqual, getRandomValues, webcrypto, subtle } from 'node:crypto'\n"
        "import { Buffer } from 'node:buffer'\n"
        f"export default {{ {'async ' if is_async else ''}f() {{ {body} }} }}"
    )
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


DIGESTS = [
    ("md5", "abc", "900150983cd24fb0d6963f7d28e17f72"),
    ("sha1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("sha224", "abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"),
    ("sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("SHA384", "abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
    ("sha512", "", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
]


@pytest.mark.parametrize("algorithm, data, expected", DIGESTS)
def test_digests_match_the_test_vectors(loader, algorithm, data, expected):
    body = f"return [createHash('{algorithm}').update('{data}').digest('hex'), hash('{algorithm}', '{data}')]"
    assert run(loader, body) == [expected, expected]


def test_incremental_updates_copies_and_encodings(loader):
    body = """
const h = createHash('sha256').update('a').update(Buffer.from('b'))
const copy = h.copy()
const whole = h.update(new Uint8Array([0x63])).digest()
let again
try { h.digest() } catch (e) { again = e.code }
return [whole.toString('hex'), Buffer.isBuffer(whole), copy.update('c').digest('base64'), createHash('md5').update('616263', 'hex').digest('hex'), again,
  createHash('sha1').update('abc').digest('base64url')]
"""
    assert run(loader, body) == [
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", True,
        "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "900150983cd24fb0d6963f7d28e17f72", "ERR_CRYPTO_HASH_FINALIZED",
        "qZk-NkcGgWq6PiVxeFDCbJzQ2J0",
    ]


def test_hmac_matches_rfc_4231_and_2202(loader):
    body = """
return [createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex'),
  createHmac('sha1', Buffer.alloc(20, 0x0b)).update('Hi There').digest('hex'),
  createHmac('md5', 'Jefe').update('what do ya want ').update('for nothing?').digest('hex'),
  createHmac('sha512', Buffer.alloc(131, 0xaa)).update('Test Using Larger Than Block-Size Key - Hash Key First').digest('hex')]
"""
    assert run(loader, body) == [
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "b617318655057264e28bc0b6fb378c8ef146be00",
        "750c783e6ab0b503eaa86e310a5db738",
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
    ]


def test_random_values(loader):
    body = """
const a = randomBytes(100000)
const ints = Array.from({ length: 200 }, () => randomInt(3, 7))
const filled = randomFillSync(Buffer.alloc(8), 4)
return [a.length, Buffer.isBuffer(a), a.some((b) => b !== 0), Math.min(...ints), Math.max(...ints), randomInt(1), filled.readUInt32LE(0),
  /^[0-9a-f-]{36}$/.test(randomUUID()), getRandomValues(new Uint8Array(4)).length, webcrypto === globalThis.crypto, subtle === crypto.subtle]
"""
    assert run(loader, body) == [100000, True, True, 3, 6, 0, 0, True, 4, True, True]


def test_random_bytes_with_a_callback(loader):
    body = "return await new Promise((resolve) => randomBytes(4, (err, buf) => resolve([err, buf.length])))"
    assert run(loader, body, is_async=True) == [None, 4]


def test_timing_safe_equal(loader):
    body = """
let out = [timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')), timingSafeEqual(Buffer.from('abc'), Buffer.from('abd'))]
try { timingSafeEqual(Buffer.from('a'), Buffer.from('ab')) } catch (e) { out.push(e.name, e.code) }
return out
"""
    assert run(loader, body) == [True, False, "RangeError", "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH"]


BAD = [
    ("createHash('sha3-999')", "Error", None),
    ("createHash(1)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("createHmac('nope', 'k')", "TypeError", "ERR_CRYPTO_INVALID_DIGEST"),
    ("createHmac('sha256', 1)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("createHash('sha256').update(1)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("randomBytes(-1)", "RangeError", "ERR_OUT_OF_RANGE"),
    ("randomBytes('1')", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("randomInt(5, 5)", "RangeError", "ERR_OUT_OF_RANGE"),
    ("randomInt(1.5)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("timingSafeEqual('a', 'a')", "TypeError", "ERR_INVALID_ARG_TYPE"),
]


@pytest.mark.parametrize("expr, name, code", BAD)
def test_bad_arguments_throw_nodes_coded_errors(loader, expr, name, code):
    assert run(loader, f"try {{ {expr} }} catch (e) {{ return [e.name, e.code] }}") == [name, code]
