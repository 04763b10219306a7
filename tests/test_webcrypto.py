"""crypto.subtle against published vectors and Python's `cryptography`: every algorithm, every
key format it allows, keys crossing both ways, and the errors the Web Cryptography spec names."""

import json

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from webcrypto_harness import RUNNER, b64u, one, ref, run, step, unb64u, w  # noqa: F401 (w is a fixture)

H = bytes.fromhex


def err(result):
    assert isinstance(result, dict) and "error" in result, result
    return result["error"]


# --- known answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "data", "hash", "mac"),
    [
        # RFC 4231 test cases 1 and 2.
        (b"\x0b" * 20, b"Hi There", "SHA-256", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (
            b"\x0b" * 20,
            b"Hi There",
            "SHA-512",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        ),
        (b"Jefe", b"what do ya want for nothing?", "SHA-256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ],
)
def test_hmac_rfc4231(w, key, data, hash, mac):
    alg = {"name": "HMAC", "hash": hash}
    got = run(
        w,
        step("importKey", "raw", key, alg, False, ["sign", "verify"], as_="k"),
        step("sign", "HMAC", ref("k"), data),
        step("verify", "HMAC", ref("k"), H(mac), data),
        step("verify", "HMAC", ref("k"), H(mac)[:-1] + b"\0", data),
    )
    assert got[0]["algorithm"] == {"name": "HMAC", "hash": {"name": hash}, "length": len(key) * 8}
    assert got[1] == H(mac)
    assert got[2:] == [True, False]


def test_ed25519_rfc8032_test1(w):
    secret = H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = H("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = H(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(public), "d": b64u(secret)}
    got = run(
        w,
        step("importKey", "jwk", jwk, "Ed25519", True, ["sign"], as_="priv"),
        step("importKey", "raw", public, {"name": "Ed25519"}, True, ["verify"], as_="pub"),
        step("sign", "Ed25519", ref("priv"), b""),
        step("verify", "Ed25519", ref("pub"), sig, b""),
        step("verify", "Ed25519", ref("pub"), sig, b"x"),
        step("exportKey", "jwk", ref("priv")),
    )
    assert got[2] == sig
    assert got[3:5] == [True, False]
    assert got[5]["x"] == b64u(public) and got[5]["d"] == b64u(secret) and got[5]["kty"] == "OKP"


@pytest.mark.parametrize(
    ("hash", "password", "salt", "iterations", "length", "dk"),
    [
        ("SHA-1", b"password", b"salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),  # RFC 6070
        ("SHA-1", b"password", b"salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
        ("SHA-1", b"password", b"salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"),
        (
            "SHA-256",  # RFC 7914 section 11
            b"passwd",
            b"salt",
            1,
            64,
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
        ),
    ],
)
def test_pbkdf2_known_answers(w, hash, password, salt, iterations, length, dk):
    got = run(
        w,
        step("importKey", "raw", password, "PBKDF2", False, ["deriveBits"], as_="k"),
        step("deriveBits", {"name": "PBKDF2", "hash": hash, "salt": salt, "iterations": iterations}, ref("k"), length * 8),
    )
    assert got[1] == H(dk)


def test_hkdf_rfc5869_case1(w):
    got = run(
        w,
        step("importKey", "raw", b"\x0b" * 22, "HKDF", False, ["deriveBits"], as_="k"),
        step("deriveBits", {"name": "HKDF", "hash": "SHA-256", "salt": H("000102030405060708090a0b0c"), "info": H("f0f1f2f3f4f5f6f7f8f9")}, ref("k"), 42 * 8),
    )
    assert got[1] == H("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")


SP800_38A_KEY = H("2b7e151628aed2a6abf7158809cf4f3c")
SP800_38A_PLAIN = H("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")


def test_aes_cbc_sp800_38a(w):
    iv = H("000102030405060708090a0b0c0d0e0f")
    got = run(
        w,
        step("importKey", "raw", SP800_38A_KEY, "AES-CBC", False, ["encrypt", "decrypt"], as_="k"),
        step("encrypt", {"name": "AES-CBC", "iv": iv}, ref("k"), SP800_38A_PLAIN, as_="c"),
        step("decrypt", {"name": "AES-CBC", "iv": iv}, ref("k"), ref("c")),
    )
    # F.2.1 blocks 1-2, then the PKCS#7 padding block WebCrypto adds.
    assert got[1][:32] == H("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2")
    assert len(got[1]) == 48 and got[2] == SP800_38A_PLAIN


@pytest.mark.parametrize("length", [128, 64])
def test_aes_ctr_sp800_38a(w, length):
    counter = H("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
    got = run(
        w,
        step("importKey", "raw", SP800_38A_KEY, "AES-CTR", False, ["encrypt", "decrypt"], as_="k"),
        step("encrypt", {"name": "AES-CTR", "counter": counter, "length": length}, ref("k"), SP800_38A_PLAIN, as_="c"),
        step("decrypt", {"name": "AES-CTR", "counter": counter, "length": length}, ref("k"), ref("c")),
    )
    assert got[1] == H("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff")
    assert got[2] == SP800_38A_PLAIN


def test_aes_ctr_counter_wraps_within_its_length(w):
    # With length 8 only the last byte counts: after ...ff comes ...00, with no carry.
    key = bytes(range(16))
    counter = bytes(15) + b"\xff"
    plain = bytes(range(48))
    got = one(
        w,
        step("importKey", "raw", key, "AES-CTR", False, ["encrypt"], as_="k"),
        step("encrypt", {"name": "AES-CTR", "counter": counter, "length": 8}, ref("k"), plain),
    )
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    stream = ecb.update(counter + bytes(16) + bytes(15) + b"\x01")
    assert got == bytes(a ^ b for a, b in zip(plain, stream, strict=True))


GCM_KEY = H("feffe9928665731c6d6a8f9467308308")
GCM_IV = H("cafebabefacedbaddecaf888")
GCM_PLAIN = H(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
)
GCM_AAD = H("feedfacedeadbeeffeedfacedeadbeefabaddad2")


def test_aes_gcm_sp800_38d_test_case_4(w):
    got = run(
        w,
        step("importKey", "raw", GCM_KEY, "AES-GCM", False, ["encrypt", "decrypt"], as_="k"),
        step("encrypt", {"name": "AES-GCM", "iv": GCM_IV, "additionalData": GCM_AAD, "tagLength": 128}, ref("k"), GCM_PLAIN, as_="c"),
        step("decrypt", {"name": "AES-GCM", "iv": GCM_IV, "additionalData": GCM_AAD}, ref("k"), ref("c")),
        step("decrypt", {"name": "AES-GCM", "iv": GCM_IV}, ref("k"), ref("c")),
    )
    assert got[1] == H(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
        "5bc94fbc3221a5db94fae95ae7121a47"
    )
    assert got[2] == GCM_PLAIN
    assert err(got[3]) == "OperationError"


def test_x25519_rfc7748(w):
    alice = H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob_public = H("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    jwk = {"kty": "OKP", "crv": "X25519", "x": b64u(H("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")), "d": b64u(alice)}
    got = run(
        w,
        step("importKey", "jwk", jwk, "X25519", False, ["deriveBits"], as_="a"),
        step("importKey", "raw", bob_public, "X25519", False, [], as_="b"),
        step("deriveBits", {"name": "X25519", "public": ref("b")}, ref("a"), 256),
    )
    expected = x25519.X25519PrivateKey.from_private_bytes(alice).exchange(x25519.X25519PublicKey.from_public_bytes(bob_public))
    # The JWK import checked that d yields the RFC's public key x.
    assert "error" not in got[0], got[0]
    assert got[2] == expected


# --- round trips -------------------------------------------------------------------------------

SECRET_ALGS = [
    ({"name": "HMAC", "hash": "SHA-256"}, ["sign", "verify"]),
    ({"name": "HMAC", "hash": "SHA-384", "length": 256}, ["sign"]),
    ({"name": "AES-GCM", "length": 256}, ["encrypt", "decrypt"]),
    ({"name": "AES-CBC", "length": 128}, ["encrypt"]),
    ({"name": "AES-CTR", "length": 192}, ["decrypt"]),
    ({"name": "AES-KW", "length": 256}, ["wrapKey", "unwrapKey"]),
]


@pytest.mark.parametrize(("alg", "usages"), SECRET_ALGS)
@pytest.mark.parametrize("fmt", ["raw", "jwk"])
def test_secret_keys_round_trip(w, alg, usages, fmt):
    got = run(
        w,
        step("generateKey", alg, True, usages, as_="k"),
        step("exportKey", fmt, ref("k"), as_="x"),
        step("importKey", fmt, ref("x"), alg, True, usages, as_="k2"),
        step("exportKey", fmt, ref("k2")),
    )
    assert got[0]["type"] == "secret" and got[0]["usages"] == usages
    assert got[1] == got[3]
    if fmt == "jwk":
        assert got[1]["kty"] == "oct" and got[1]["ext"] is True and got[1]["key_ops"] == usages
        assert got[1]["alg"].startswith(("HS", "A"))


PAIR_ALGS = [
    ({"name": "ECDSA", "namedCurve": "P-256"}, ["sign", "verify"], ["raw", "spki", "jwk"], ["pkcs8", "jwk"]),
    ({"name": "ECDSA", "namedCurve": "P-384"}, ["sign", "verify"], ["raw", "spki", "jwk"], ["pkcs8", "jwk"]),
    ({"name": "ECDSA", "namedCurve": "P-521"}, ["sign", "verify"], ["raw", "spki", "jwk"], ["pkcs8", "jwk"]),
    ({"name": "ECDH", "namedCurve": "P-256"}, ["deriveBits"], ["raw", "spki", "jwk"], ["pkcs8", "jwk"]),
    ({"name": "ECDH", "namedCurve": "P-521"}, ["deriveBits"], ["raw", "spki", "jwk"], ["pkcs8", "jwk"]),
    ({"name": "Ed25519"}, ["sign", "verify"], ["raw", "spki", "jwk"], ["pkcs8", "jwk"]),
    ({"name": "X25519"}, ["deriveKey"], ["raw", "spki", "jwk"], ["pkcs8", "jwk"]),
    (
        {"name": "RSASSA-PKCS1-v1_5", "modulusLength": 2048, "publicExponent": b"\x01\x00\x01", "hash": "SHA-256"},
        ["sign", "verify"],
        ["spki", "jwk"],
        ["pkcs8", "jwk"],
    ),
]


@pytest.fixture(scope="module")
def pairs(w):
    steps = [step("generateKey", alg, True, usages, as_=f"p{i}") for i, (alg, usages, _, _) in enumerate(PAIR_ALGS)]
    return run(w, *steps)


@pytest.mark.parametrize("index", range(len(PAIR_ALGS)))
def test_key_pairs_round_trip_in_every_format(w, index):
    alg, usages, public_formats, private_formats = PAIR_ALGS[index]
    steps = [step("generateKey", alg, True, usages, as_="p")]
    import_alg = {k: v for k, v in alg.items() if k not in ("modulusLength", "publicExponent")}
    for fmt in public_formats:
        steps += [
            step("exportKey", fmt, ref("p.publicKey"), as_="x"),
            step("importKey", fmt, ref("x"), import_alg, True, [u for u in usages if u == "verify"], as_="k"),
            step("exportKey", fmt, ref("k")),
        ]
    for fmt in private_formats:
        steps += [
            step("exportKey", fmt, ref("p.privateKey"), as_="x"),
            step("importKey", fmt, ref("x"), import_alg, True, [u for u in usages if u != "verify"], as_="k"),
            step("exportKey", fmt, ref("k")),
        ]
    got = run(w, *steps)
    assert got[0]["privateKey"]["type"] == "private" and got[0]["publicKey"]["type"] == "public"
    for i in range(1, len(got), 3):
        assert "error" not in got[i + 1], got[i + 1]
        assert got[i] == got[i + 2]


def test_rsa_key_algorithm_reports_its_shape(pairs):
    rsa_pair = pairs[-1]
    assert rsa_pair["publicKey"]["algorithm"] == {
        "name": "RSASSA-PKCS1-v1_5",
        "modulusLength": 2048,
        "publicExponent": b"\x01\x00\x01",
        "hash": {"name": "SHA-256"},
    }
    assert rsa_pair["privateKey"]["usages"] == ["sign"] and rsa_pair["publicKey"]["usages"] == ["verify"]
    assert rsa_pair["privateKey"]["extractable"] is True and rsa_pair["publicKey"]["extractable"] is True


def test_sign_verify_and_encrypt_round_trips(w):
    got = run(
        w,
        step("generateKey", {"name": "ECDSA", "namedCurve": "P-384"}, False, ["sign", "verify"], as_="ec"),
        step("sign", {"name": "ECDSA", "hash": "SHA-384"}, ref("ec.privateKey"), b"msg", as_="s1"),
        step("verify", {"name": "ECDSA", "hash": "SHA-384"}, ref("ec.publicKey"), ref("s1"), b"msg"),
        step("generateKey", {"name": "RSA-PSS", "modulusLength": 2048, "publicExponent": b"\x01\x00\x01", "hash": "SHA-256"}, False, ["sign", "verify"], as_="ps"),
        step("sign", {"name": "RSA-PSS", "saltLength": 32}, ref("ps.privateKey"), b"msg", as_="s2"),
        step("verify", {"name": "RSA-PSS", "saltLength": 32}, ref("ps.publicKey"), ref("s2"), b"msg"),
        step("generateKey", {"name": "RSA-OAEP", "modulusLength": 2048, "publicExponent": b"\x01\x00\x01", "hash": "SHA-256"}, False, ["encrypt", "decrypt"], as_="oa"),
        step("encrypt", {"name": "RSA-OAEP", "label": b"L"}, ref("oa.publicKey"), b"secret", as_="c"),
        step("decrypt", {"name": "RSA-OAEP", "label": b"L"}, ref("oa.privateKey"), ref("c")),
        step("decrypt", {"name": "RSA-OAEP", "label": b"M"}, ref("oa.privateKey"), ref("c")),
    )
    assert len(got[1]) == 96 and got[2] is True
    assert len(got[4]) == 256 and got[5] is True
    assert got[8] == b"secret"
    assert err(got[9]) == "OperationError"


def test_ecdh_and_derive_key(w):
    got = run(
        w,
        step("generateKey", {"name": "ECDH", "namedCurve": "P-256"}, False, ["deriveBits", "deriveKey"], as_="a"),
        step("generateKey", {"name": "ECDH", "namedCurve": "P-256"}, False, ["deriveBits"], as_="b"),
        step("deriveBits", {"name": "ECDH", "public": ref("b.publicKey")}, ref("a.privateKey"), 256),
        step("deriveBits", {"name": "ECDH", "public": ref("a.publicKey")}, ref("b.privateKey"), 256),
        step("deriveKey", {"name": "ECDH", "public": ref("b.publicKey")}, ref("a.privateKey"), {"name": "AES-GCM", "length": 128}, True, ["encrypt"], as_="k"),
        step("exportKey", "raw", ref("k")),
        step("deriveBits", {"name": "ECDH", "public": ref("b.publicKey")}, ref("a.privateKey"), 512),
    )
    assert got[2] == got[3] and len(got[2]) == 32
    assert got[4]["algorithm"] == {"name": "AES-GCM", "length": 128}
    assert got[5] == got[2][:16]
    assert err(got[6]) == "OperationError"


def test_pbkdf2_and_hkdf_derive_keys(w):
    got = run(
        w,
        step("importKey", "raw", b"pw", "PBKDF2", False, ["deriveKey"], as_="p"),
        step("deriveKey", {"name": "PBKDF2", "hash": "SHA-256", "salt": b"s", "iterations": 1000}, ref("p"), {"name": "HMAC", "hash": "SHA-256"}, True, ["sign"], as_="h"),
        step("exportKey", "raw", ref("h")),
        step("importKey", "raw", b"ikm", "HKDF", False, ["deriveKey"], as_="i"),
        step("deriveKey", {"name": "HKDF", "hash": "SHA-512", "salt": b"", "info": b""}, ref("i"), {"name": "AES-KW", "length": 256}, False, ["wrapKey"]),
    )
    assert got[1]["algorithm"] == {"name": "HMAC", "hash": {"name": "SHA-256"}, "length": 512}
    assert len(got[2]) == 64
    assert got[4]["algorithm"] == {"name": "AES-KW", "length": 256}


@pytest.mark.parametrize(
    ("wrap_alg", "wrap_gen", "fmt"),
    [
        ("AES-KW", {"name": "AES-KW", "length": 128}, "raw"),
        ({"name": "AES-GCM", "iv": bytes(12)}, {"name": "AES-GCM", "length": 256}, "jwk"),
        ({"name": "AES-CBC", "iv": bytes(16)}, {"name": "AES-CBC", "length": 256}, "raw"),
    ],
)
def test_wrap_and_unwrap(w, wrap_alg, wrap_gen, fmt):
    got = run(
        w,
        step("generateKey", wrap_gen, False, ["wrapKey", "unwrapKey"], as_="kek"),
        step("generateKey", {"name": "HMAC", "hash": "SHA-256", "length": 256}, True, ["sign"], as_="k"),
        step("wrapKey", fmt, ref("k"), ref("kek"), wrap_alg, as_="wrapped"),
        step("unwrapKey", fmt, ref("wrapped"), ref("kek"), wrap_alg, {"name": "HMAC", "hash": "SHA-256"}, True, ["sign"], as_="k2"),
        step("exportKey", "raw", ref("k")),
        step("exportKey", "raw", ref("k2")),
    )
    assert "error" not in got[3], got[3]
    assert got[4] == got[5]


def test_aes_kw_matches_rfc3394(w):
    # RFC 3394 section 4.1: 128-bit key data with a 128-bit KEK.
    got = run(
        w,
        step("importKey", "raw", H("000102030405060708090a0b0c0d0e0f"), "AES-KW", False, ["wrapKey", "unwrapKey"], as_="kek"),
        step("importKey", "raw", H("00112233445566778899aabbccddeeff"), {"name": "AES-GCM"}, True, ["encrypt"], as_="k"),
        step("wrapKey", "raw", ref("k"), ref("kek"), "AES-KW"),
    )
    assert got[2] == H("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5")


def test_timing_safe_equal(w):
    got = run(
        w,
        step("timingSafeEqual", b"abc", b"abc"),
        step("timingSafeEqual", b"abc", b"abd"),
        step("timingSafeEqual", b"abc", b"ab"),
    )
    assert got[:2] == [True, False]
    assert err(got[2]) == "TypeError"


# --- interop with `cryptography` -------------------------------------------------------------


def test_js_keys_work_in_cryptography(w):
    got = run(
        w,
        step("generateKey", {"name": "ECDSA", "namedCurve": "P-256"}, True, ["sign", "verify"], as_="ec"),
        step("exportKey", "spki", ref("ec.publicKey")),
        step("sign", {"name": "ECDSA", "hash": "SHA-256"}, ref("ec.privateKey"), b"hello"),
        step("generateKey", "Ed25519", True, ["sign", "verify"], as_="ed"),
        step("exportKey", "pkcs8", ref("ed.privateKey")),
        step("sign", "Ed25519", ref("ed.privateKey"), b"hello"),
        step("generateKey", {"name": "RSA-OAEP", "modulusLength": 2048, "publicExponent": b"\x01\x00\x01", "hash": "SHA-256"}, True, ["encrypt", "decrypt"], as_="oa"),
        step("exportKey", "pkcs8", ref("oa.privateKey")),
        step("encrypt", {"name": "RSA-OAEP"}, ref("oa.publicKey"), b"for python"),
        step("exportKey", "jwk", ref("ec.privateKey")),
    )
    ec_pub = serialization.load_der_public_key(got[1])
    r, s = int.from_bytes(got[2][:32], "big"), int.from_bytes(got[2][32:], "big")
    ec_pub.verify(encode_dss_signature(r, s), b"hello", ec.ECDSA(hashes.SHA256()))
    ed_priv = serialization.load_der_private_key(got[4], None)
    ed_priv.public_key().verify(got[5], b"hello")
    oaep_priv = serialization.load_der_private_key(got[7], None)
    pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert oaep_priv.decrypt(got[8], pad) == b"for python"
    jwk = got[9]
    d = int.from_bytes(unb64u(jwk["d"]), "big")
    assert ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers().x == int.from_bytes(unb64u(jwk["x"]), "big")


def test_cryptography_keys_work_in_js(w):
    ec_key = ec.generate_private_key(ec.SECP384R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = serialization.PrivateFormat.PKCS8
    der, none = serialization.Encoding.DER, serialization.NoEncryption()
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    got = run(
        w,
        step("importKey", "pkcs8", ec_key.private_bytes(der, pkcs8, none), {"name": "ECDSA", "namedCurve": "P-384"}, False, ["sign"], as_="ec"),
        step("sign", {"name": "ECDSA", "hash": "SHA-384"}, ref("ec"), b"data"),
        step("importKey", "pkcs8", ed_key.private_bytes(der, pkcs8, none), "Ed25519", False, ["sign"], as_="ed"),
        step("sign", "Ed25519", ref("ed"), b"data"),
        step("importKey", "pkcs8", rsa_key.private_bytes(der, pkcs8, none), {"name": "RSA-PSS", "hash": "SHA-256"}, False, ["sign"], as_="ps"),
        step("sign", {"name": "RSA-PSS", "saltLength": 32}, ref("ps"), b"data"),
        step("importKey", "spki", rsa_key.public_key().public_bytes(der, spki), {"name": "RSA-OAEP", "hash": "SHA-1"}, False, ["encrypt"], as_="oa"),
        step("encrypt", {"name": "RSA-OAEP"}, ref("oa"), b"to python"),
    )
    sig = got[1]
    ec_key.public_key().verify(encode_dss_signature(int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big")), b"data", ec.ECDSA(hashes.SHA384()))
    ed_key.public_key().verify(got[3], b"data")
    rsa_key.public_key().verify(got[5], b"data", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    assert rsa_key.decrypt(got[7], pad) == b"to python"
    # A signature made by `cryptography`, verified in JS.
    r, s = decode_dss_signature(ec_key.sign(b"data", ec.ECDSA(hashes.SHA384())))
    raw_sig = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    assert one(
        w,
        step("importKey", "spki", ec_key.public_key().public_bytes(der, spki), {"name": "ECDSA", "namedCurve": "P-384"}, False, ["verify"], as_="k"),
        step("verify", {"name": "ECDSA", "hash": "SHA-384"}, ref("k"), raw_sig, b"data"),
    ) is True


def test_ecdsa_other_hash_verifies_signatures_from_cryptography(w):
    key = ec.generate_private_key(ec.SECP256R1())
    r, s = decode_dss_signature(key.sign(b"m", ec.ECDSA(hashes.SHA512())))
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    got = run(
        w,
        step("importKey", "spki", spki, {"name": "ECDSA", "namedCurve": "P-256"}, False, ["verify"], as_="k"),
        step("verify", {"name": "ECDSA", "hash": "SHA-512"}, ref("k"), r.to_bytes(32, "big") + s.to_bytes(32, "big"), b"m"),
        step("verify", {"name": "ECDSA", "hash": "SHA-512"}, ref("k"), r.to_bytes(32, "big") + s.to_bytes(32, "big"), b"n"),
    )
    assert got[1:] == [True, False]


@pytest.mark.parametrize("hash_name, hash_cls", [("SHA-256", hashes.SHA256), ("SHA-384", hashes.SHA384), ("SHA-512", hashes.SHA512)])
def test_p521_interoperates_with_cryptography(w, hash_name, hash_cls):
    key = ec.generate_private_key(ec.SECP521R1())
    der, none = serialization.Encoding.DER, serialization.NoEncryption()
    spki = key.public_key().public_bytes(der, serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs8 = key.private_bytes(der, serialization.PrivateFormat.PKCS8, none)
    r, s = decode_dss_signature(key.sign(b"from python", ec.ECDSA(hash_cls())))
    peer = ec.generate_private_key(ec.SECP521R1())
    peer_spki = peer.public_key().public_bytes(der, serialization.PublicFormat.SubjectPublicKeyInfo)
    got = run(
        w,
        step("importKey", "pkcs8", pkcs8, {"name": "ECDSA", "namedCurve": "P-521"}, False, ["sign"], as_="priv"),
        step("sign", {"name": "ECDSA", "hash": hash_name}, ref("priv"), b"from js"),
        step("importKey", "spki", spki, {"name": "ECDSA", "namedCurve": "P-521"}, False, ["verify"], as_="pub"),
        step("verify", {"name": "ECDSA", "hash": hash_name}, ref("pub"), r.to_bytes(66, "big") + s.to_bytes(66, "big"), b"from python"),
        step("importKey", "pkcs8", pkcs8, {"name": "ECDH", "namedCurve": "P-521"}, False, ["deriveBits"], as_="dh"),
        step("importKey", "spki", peer_spki, {"name": "ECDH", "namedCurve": "P-521"}, False, [], as_="peer"),
        step("deriveBits", {"name": "ECDH", "public": ref("peer")}, ref("dh"), 528),
    )
    sig = got[1]
    assert len(sig) == 132
    key.public_key().verify(encode_dss_signature(int.from_bytes(sig[:66], "big"), int.from_bytes(sig[66:], "big")), b"from js", ec.ECDSA(hash_cls()))
    assert got[3] is True
    assert got[6] == peer.exchange(ec.ECDH(), key.public_key())


def _jwt(header, payload, sign):
    def enc(obj):
        return b64u(json.dumps(obj, separators=(",", ":")).encode())

    signing_input = f"{enc(header)}.{enc(payload)}"
    return f"{signing_input}.{b64u(sign(signing_input.encode()))}"


JWT_VERIFIER = r"""
const b64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const ALGS = {
  HS256: [{ name: 'HMAC', hash: 'SHA-256' }, { name: 'HMAC' }],
  ES256: [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
  RS256: [{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }],
}
export default {
  async verify(token, jwk) {
    const [h, p, s] = token.split('.')
    const header = JSON.parse(new TextDecoder().decode(b64u(h)))
    const [importAlg, verifyAlg] = ALGS[header.alg]
    const key = await crypto.subtle.importKey('jwk', jwk, importAlg, false, ['verify'])
    const ok = await crypto.subtle.verify(verifyAlg, key, b64u(s), new TextEncoder().encode(`${h}.${p}`))
    return ok ? JSON.parse(new TextDecoder().decode(b64u(p))) : null
  },
}
"""


def test_jwt_verification_as_a_user_writes_it(load):
    verifier = load(JWT_VERIFIER).get_entrypoint()
    payload = {"sub": "alice", "admin": True}
    secret = b"s3cret-key-material-32-bytes!!!!"
    mac = lambda m: (lambda h: (h.update(m), h.finalize())[1])(hmac.HMAC(secret, hashes.SHA256()))  # noqa: E731
    hs = _jwt({"alg": "HS256", "typ": "JWT"}, payload, mac)
    assert verifier.verify(hs, {"kty": "oct", "k": b64u(secret), "alg": "HS256"}) == payload
    assert verifier.verify(hs[:-2] + "AA", {"kty": "oct", "k": b64u(secret)}) is None

    ec_key = ec.generate_private_key(ec.SECP256R1())

    def es256(m):
        r, s = decode_dss_signature(ec_key.sign(m, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    nums = ec_key.public_key().public_numbers()
    ec_jwk = {"kty": "EC", "crv": "P-256", "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}
    assert verifier.verify(_jwt({"alg": "ES256"}, payload, es256), ec_jwk) == payload

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs = _jwt({"alg": "RS256"}, payload, lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA256()))
    pn = rsa_key.public_key().public_numbers()
    rsa_jwk = {"kty": "RSA", "n": b64u(pn.n.to_bytes(256, "big")), "e": b64u(pn.e.to_bytes(3, "big")), "alg": "RS256"}
    assert verifier.verify(rs, rsa_jwk) == payload


def test_rsa_private_jwk_from_cryptography_imports_and_signs(w):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = key.private_numbers()
    i = lambda v: b64u(v.to_bytes((v.bit_length() + 7) // 8, "big"))  # noqa: E731
    jwk = {
        "kty": "RSA", "n": i(n.public_numbers.n), "e": i(n.public_numbers.e), "d": i(n.d), "p": i(n.p), "q": i(n.q),
        "dp": i(n.dmp1), "dq": i(n.dmq1), "qi": i(n.iqmp),
    }
    got = run(
        w,
        step("importKey", "jwk", jwk, {"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}, True, ["sign"], as_="k"),
        step("sign", "RSASSA-PKCS1-v1_5", ref("k"), b"x"),
        step("exportKey", "jwk", ref("k")),
    )
    key.public_key().verify(got[1], b"x", padding.PKCS1v15(), hashes.SHA256())
    assert {k: got[2][k] for k in jwk} == jwk and got[2]["alg"] == "RS256"


# --- errors ----------------------------------------------------------------------------------


def test_errors_are_the_ones_the_spec_names(w):
    aes = {"name": "AES-GCM", "iv": bytes(12)}
    got = run(
        w,
        step("importKey", "raw", bytes(16), "AES-GCM", False, ["encrypt", "decrypt"], as_="k"),  # 0
        step("importKey", "raw", bytes(16), "AES-GCM", False, ["sign"]),  # 1 bad usage
        step("importKey", "raw", bytes(16), "HMAC", False, ["sign"]),  # 2 missing hash
        step("importKey", "raw", bytes(16), "AES-GCM", False, []),  # 3 empty usages
        step("importKey", "raw", bytes(15), "AES-GCM", False, ["encrypt"]),  # 4 bad length
        step("importKey", "raw", bytes(16), "ROT13", False, ["encrypt"]),  # 5 unknown alg
        step("importKey", "pem", bytes(16), "AES-GCM", False, ["encrypt"]),  # 6 unknown format
        step("exportKey", "raw", ref("k")),  # 7 not extractable
        step("sign", "HMAC", ref("k"), b""),  # 8 wrong algorithm for the key
        step("encrypt", {"name": "AES-GCM", "iv": bytes(7)}, ref("k"), b""),  # 9 unsupported IV length
        step("encrypt", {"name": "AES-GCM"}, ref("k"), b""),  # 10 missing iv
        step("decrypt", aes, ref("k"), bytes(15)),  # 11 shorter than a tag
        step("decrypt", aes, ref("k"), bytes(32)),  # 12 bad tag
        step("importKey", "raw", bytes(16), "AES-CBC", False, ["encrypt", "decrypt"], as_="cbc"),  # 13
        step("encrypt", {"name": "AES-CBC", "iv": bytes(8)}, ref("cbc"), b""),  # 14 bad IV length
        step("decrypt", {"name": "AES-CBC", "iv": bytes(16)}, ref("cbc"), bytes(17)),  # 15 truncated
        step("importKey", "raw", bytes(16), "AES-GCM", False, ["encrypt"], as_="enconly"),  # 16
        step("decrypt", aes, ref("enconly"), bytes(32)),  # 17 usage missing
        step("importKey"),  # 18 missing arguments
        step("sign", "HMAC", {"type": "secret"}, b""),  # 19 not a CryptoKey
        step("digest", "MD5", b""),  # 20
    )
    names = [r.get("error") if isinstance(r, dict) else None for r in got]
    assert names == [
        None, "SyntaxError", "TypeError", "SyntaxError", "DataError", "NotSupportedError", "NotSupportedError",
        "InvalidAccessError", "InvalidAccessError", "NotSupportedError", "TypeError", "OperationError", "OperationError",
        None, "OperationError", "OperationError", None, "InvalidAccessError", "TypeError", "TypeError", "NotSupportedError",
    ], got
    assert all(r["isDOMException"] for r in got if isinstance(r, dict) and r.get("error") not in (None, "TypeError"))


@pytest.mark.parametrize(
    ("fmt", "data", "alg"),
    [
        ("jwk", {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, {"name": "ECDSA", "namedCurve": "P-256"}),
        ("jwk", {"kty": "RSA", "n": "AQAB", "e": "AQAB"}, {"name": "ECDSA", "namedCurve": "P-256"}),
        ("jwk", {"kty": "oct", "k": "!!!"}, {"name": "HMAC", "hash": "SHA-256"}),
        ("jwk", {"kty": "oct", "k": b64u(bytes(32)), "alg": "HS512"}, {"name": "HMAC", "hash": "SHA-256"}),
        ("jwk", {"kty": "OKP", "crv": "Ed25519", "x": b64u(bytes(31))}, "Ed25519"),
        ("spki", b"\x30\x03\x02\x01\x00", {"name": "ECDSA", "namedCurve": "P-256"}),
        ("spki", b"garbage", {"name": "RSA-PSS", "hash": "SHA-256"}),
        ("pkcs8", b"garbage", "Ed25519"),
        ("pkcs8", b"\x30\x82\xff\xff", {"name": "RSA-OAEP", "hash": "SHA-256"}),
        ("raw", bytes(65), {"name": "ECDH", "namedCurve": "P-256"}),
    ],
)
def test_malformed_keys_are_data_errors(w, fmt, data, alg):
    usages = ["verify"] if fmt in ("spki", "raw") or (fmt == "jwk" and "d" not in data and data.get("kty") != "oct") else ["sign"]
    if isinstance(alg, dict) and alg["name"] in ("ECDH", "RSA-OAEP"):
        usages = [] if fmt == "raw" else ["decrypt"]
    assert err(one(w, step("importKey", fmt, data, alg, True, usages))) == "DataError"


def test_export_formats_the_key_cannot_take(w):
    got = run(
        w,
        step("generateKey", {"name": "HMAC", "hash": "SHA-256"}, True, ["sign"], as_="h"),
        step("exportKey", "spki", ref("h")),
        step("generateKey", {"name": "ECDSA", "namedCurve": "P-256"}, True, ["sign"], as_="e"),
        step("exportKey", "raw", ref("e.privateKey")),
        step("exportKey", "pkcs8", ref("e.publicKey")),
        step("exportKey", "pem", ref("e.publicKey")),
    )
    assert [r.get("error") if isinstance(r, dict) else None for r in got[1:]] == [
        "NotSupportedError", None, "InvalidAccessError", "InvalidAccessError", "NotSupportedError",
    ]


def test_jwk_use_key_ops_and_ext_are_honoured(w):
    k = {"kty": "oct", "k": b64u(bytes(16))}
    got = run(
        w,
        step("importKey", "jwk", {**k, "use": "sig"}, "AES-GCM", False, ["encrypt"]),
        step("importKey", "jwk", {**k, "key_ops": ["decrypt"]}, "AES-GCM", False, ["encrypt"]),
        step("importKey", "jwk", {**k, "ext": False}, "AES-GCM", True, ["encrypt"]),
        step("importKey", "jwk", {**k, "use": "enc", "key_ops": ["encrypt"], "ext": True, "alg": "A128GCM"}, "AES-GCM", True, ["encrypt"]),
    )
    assert [r.get("error") for r in got] == ["DataError", "DataError", "DataError", None]


def test_crypto_key_is_a_platform_object(load):
    w = load(r"""
      export default { async f() {
        const k = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
        let ctor
        try { new CryptoKey() } catch (e) { ctor = e.name }
        return [Object.prototype.toString.call(k), ctor, k.algorithm === k.algorithm, k.usages === k.usages,
                typeof CryptoKey, Object.getOwnPropertyNames(k).length]
      } }
    """)
    assert w.get_entrypoint().f() == ["[object CryptoKey]", "TypeError", True, True, "function", 0]
