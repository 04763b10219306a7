//! `ops.sign`, `ops.verify`: HMAC, ECDSA (P1363 signatures, as WebCrypto has them), Ed25519,
//! RSASSA-PKCS1-v1_5 and RSA-PSS. Verification compares in constant time inside aws-lc.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use aws_lc_rs::{hmac, rsa};

use super::keys::Curve;
use super::{Hash, Res, bytes_arg, finish, not_supported, output, string_arg, uint_arg};

/// What a sign or verify call names: algorithm, hash, curve, PSS salt length.
struct Scheme {
    name: String,
    hash: Option<Hash>,
    curve: String,
    salt: Option<u64>,
}

fn scheme<'s>(scope: &mut v8::PinScope<'s, '_>, args: &v8::FunctionCallbackArguments<'s>) -> Res<Scheme> {
    let name = string_arg(scope, args.get(0));
    let hash = string_arg(scope, args.get(1));
    let hash = if hash.is_empty() { None } else { Some(Hash::parse(&hash)?) };
    let curve = string_arg(scope, args.get(2));
    Ok(Scheme { name, hash, curve, salt: uint_arg(args.get(3)) })
}

/// `ops.sign(name, hash, curve, saltLength, keyData, data)` → the signature.
pub fn op_sign<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    rv: v8::ReturnValue<v8::Value>,
) {
    let result = (|| {
        let scheme = scheme(scope, &args)?;
        let key = bytes_arg(args.get(4), "key")?;
        let data = bytes_arg(args.get(5), "data")?;
        let signature = sign(&scheme, &key, &data)?;
        output(scope, &signature)
    })();
    finish(scope, rv, result)
}

/// `ops.verify(name, hash, curve, saltLength, keyData, signature, data)` → whether it holds.
pub fn op_verify<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    rv: v8::ReturnValue<v8::Value>,
) {
    let result = (|| {
        let scheme = scheme(scope, &args)?;
        let key = bytes_arg(args.get(4), "key")?;
        let signature = bytes_arg(args.get(5), "signature")?;
        let data = bytes_arg(args.get(6), "data")?;
        let ok = verify(&scheme, &key, &signature, &data)?;
        Ok(v8::Boolean::new(scope, ok).into())
    })();
    finish(scope, rv, result)
}

fn need_hash(scheme: &Scheme) -> Res<Hash> {
    scheme.hash.ok_or_else(|| super::Fail::Type("Algorithm: hash is required".into()))
}

fn sign(scheme: &Scheme, key: &[u8], data: &[u8]) -> Res<Vec<u8>> {
    let failed = |_| super::Fail::Dom("OperationError", "signing failed".into());
    match scheme.name.as_str() {
        "HMAC" => Ok(hmac::sign(&hmac::Key::new(need_hash(scheme)?.hmac(), key), data).as_ref().to_vec()),
        "Ed25519" => {
            let pair = signature::Ed25519KeyPair::from_seed_unchecked(key)
                .map_err(|_| super::Fail::Dom("DataError", "Invalid Ed25519 key".into()))?;
            Ok(pair.sign(data).as_ref().to_vec())
        }
        "ECDSA" => {
            let alg = ecdsa_signing(&scheme.curve, need_hash(scheme)?)?;
            let curve = Curve::parse(&scheme.curve)?;
            let point = super::keys::ec_point_of(curve, key)?;
            let pair = signature::EcdsaKeyPair::from_private_key_and_public_key(alg, key, &point)
                .map_err(|_| super::Fail::Dom("DataError", "Invalid EC key".into()))?;
            let rng = aws_lc_rs::rand::SystemRandom::new();
            Ok(pair.sign(&rng, data).map_err(failed)?.as_ref().to_vec())
        }
        "RSASSA-PKCS1-v1_5" | "RSA-PSS" => {
            let encoding = rsa_encoding(scheme)?;
            let pair = rsa::KeyPair::from_pkcs8(key)
                .map_err(|_| super::Fail::Dom("DataError", "Invalid RSA key".into()))?;
            let mut out = vec![0u8; pair.public_modulus_len()];
            let rng = aws_lc_rs::rand::SystemRandom::new();
            pair.sign(encoding, &rng, data, &mut out).map_err(failed)?;
            Ok(out)
        }
        other => not_supported(format!("{other} does not sign")),
    }
}

fn verify(scheme: &Scheme, key: &[u8], sig: &[u8], data: &[u8]) -> Res<bool> {
    match scheme.name.as_str() {
        "HMAC" => Ok(hmac::verify(&hmac::Key::new(need_hash(scheme)?.hmac(), key), data, sig).is_ok()),
        "Ed25519" => Ok(UnparsedPublicKey::new(&signature::ED25519, key).verify(data, sig).is_ok()),
        "ECDSA" => {
            let hash = need_hash(scheme)?;
            if let Some(verifier) = ecdsa_fixed(&scheme.curve, hash) {
                return Ok(UnparsedPublicKey::new(verifier, key).verify(data, sig).is_ok());
            }
            // No fixed-format verifier for this curve and hash: the same signature in ASN.1.
            let width = if scheme.curve == "P-256" { 64 } else { 96 };
            if sig.len() != width {
                return Ok(false);
            }
            let asn1 = super::der::ecdsa_sig_to_asn1(sig);
            Ok(UnparsedPublicKey::new(ecdsa_asn1(&scheme.curve, hash)?, key).verify(data, &asn1).is_ok())
        }
        "RSASSA-PKCS1-v1_5" | "RSA-PSS" => {
            let alg = rsa_verification(scheme)?;
            Ok(rsa_verify(alg, key, data, sig))
        }
        other => not_supported(format!("{other} does not verify")),
    }
}

fn rsa_verify(alg: &'static dyn VerificationAlgorithm, key: &[u8], data: &[u8], sig: &[u8]) -> bool {
    UnparsedPublicKey::new(alg, key).verify(data, sig).is_ok()
}

fn ecdsa_signing(curve: &str, hash: Hash) -> Res<&'static signature::EcdsaSigningAlgorithm> {
    match (curve, hash) {
        ("P-256", Hash::Sha256) => Ok(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        ("P-384", Hash::Sha384) => Ok(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        ("P-521", Hash::Sha256) => Ok(&signature::ECDSA_P521_SHA256_FIXED_SIGNING),
        ("P-521", Hash::Sha384) => Ok(&signature::ECDSA_P521_SHA384_FIXED_SIGNING),
        ("P-521", Hash::Sha512) => Ok(&signature::ECDSA_P521_SHA512_FIXED_SIGNING),
        _ => not_supported(format!("ECDSA signing with {curve} and {} is not supported", hash.name())),
    }
}

fn ecdsa_fixed(curve: &str, hash: Hash) -> Option<&'static signature::EcdsaVerificationAlgorithm> {
    match (curve, hash) {
        ("P-256", Hash::Sha256) => Some(&signature::ECDSA_P256_SHA256_FIXED),
        ("P-384", Hash::Sha384) => Some(&signature::ECDSA_P384_SHA384_FIXED),
        ("P-521", Hash::Sha256) => Some(&signature::ECDSA_P521_SHA256_FIXED),
        ("P-521", Hash::Sha384) => Some(&signature::ECDSA_P521_SHA384_FIXED),
        ("P-521", Hash::Sha512) => Some(&signature::ECDSA_P521_SHA512_FIXED),
        _ => None,
    }
}

fn ecdsa_asn1(curve: &str, hash: Hash) -> Res<&'static signature::EcdsaVerificationAlgorithm> {
    match (curve, hash) {
        ("P-256", Hash::Sha384) => Ok(&signature::ECDSA_P256_SHA384_ASN1),
        ("P-256", Hash::Sha512) => Ok(&signature::ECDSA_P256_SHA512_ASN1),
        ("P-384", Hash::Sha256) => Ok(&signature::ECDSA_P384_SHA256_ASN1),
        ("P-384", Hash::Sha512) => Ok(&signature::ECDSA_P384_SHA512_ASN1),
        _ => not_supported(format!("ECDSA with {curve} and {} is not supported", hash.name())),
    }
}

/// RSA-PSS signs only with a salt as long as the hash (aws-lc-rs's one signing choice).
fn rsa_encoding(scheme: &Scheme) -> Res<&'static dyn signature::RsaEncoding> {
    let hash = need_hash(scheme)?;
    if scheme.name == "RSA-PSS" {
        pss_salt_supported(scheme, hash)?;
    }
    let pss = scheme.name == "RSA-PSS";
    Ok(match (pss, hash) {
        (false, Hash::Sha256) => &signature::RSA_PKCS1_SHA256,
        (false, Hash::Sha384) => &signature::RSA_PKCS1_SHA384,
        (false, Hash::Sha512) => &signature::RSA_PKCS1_SHA512,
        (true, Hash::Sha256) => &signature::RSA_PSS_SHA256,
        (true, Hash::Sha384) => &signature::RSA_PSS_SHA384,
        (true, Hash::Sha512) => &signature::RSA_PSS_SHA512,
        (_, Hash::Sha1) => return not_supported("RSA signatures with SHA-1 are not supported"),
    })
}

fn rsa_verification(scheme: &Scheme) -> Res<&'static dyn VerificationAlgorithm> {
    let hash = need_hash(scheme)?;
    if scheme.name == "RSA-PSS" {
        pss_salt_supported(scheme, hash)?;
    }
    Ok(match (scheme.name == "RSA-PSS", hash) {
        (false, Hash::Sha1) => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (false, Hash::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (false, Hash::Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (false, Hash::Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (true, Hash::Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
        (true, Hash::Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
        (true, Hash::Sha512) => &signature::RSA_PSS_2048_8192_SHA512,
        (true, Hash::Sha1) => return not_supported("RSA-PSS with SHA-1 is not supported"),
    })
}

fn pss_salt_supported(scheme: &Scheme, hash: Hash) -> Res<()> {
    match scheme.salt {
        Some(salt) if salt as usize == hash.len() => Ok(()),
        Some(salt) => not_supported(format!(
            "RSA-PSS saltLength {salt} is not supported: use the hash length ({})",
            hash.len()
        )),
        None => Err(super::Fail::Type("RsaPssParams: saltLength is required".into())),
    }
}
