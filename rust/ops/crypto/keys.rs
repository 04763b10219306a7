//! `ops.importKey`, `ops.exportKey`, `ops.generateKey`: key material in and out of the
//! runtime's internal formats, which are what the other crypto ops take:
//! secret keys as their bytes; EC private keys as the big-endian scalar, public as the
//! uncompressed point; Ed25519/X25519 private keys as the 32-byte seed, public as the 32 bytes;
//! RSA private keys as PKCS#8 DER, public as PKCS#1 `RSAPublicKey` DER.

use aws_lc_rs::encoding::{
    AsBigEndian, AsDer, Curve25519SeedBin, EcPrivateKeyBin, Pkcs8V1Der, PublicKeyX509Der,
};
use aws_lc_rs::signature::KeyPair as _;
use aws_lc_rs::{agreement, rsa, signature};

use super::der;
use super::jwk::{Jwk, export_jwk, import_jwk, jwk_object};
use super::{
    Fail, Hash, Res, array, data_error, finish, not_supported, op_error, output, string_arg, uint_arg,
};

/// RSA moduli aws-lc-rs signs and verifies with (its floor), and the most an import may carry:
/// every RSA operation's cost grows with the modulus, and native code cannot be interrupted.
pub(super) const RSA_MIN_BITS: usize = 2048;
pub(super) const RSA_MAX_IMPORT_BITS: usize = 8192;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Secret,
    Ec(Curve),
    Ed25519,
    X25519,
    Rsa,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    pub(super) fn parse(name: &str) -> Res<Curve> {
        match name {
            "P-256" => Ok(Curve::P256),
            "P-384" => Ok(Curve::P384),
            "P-521" => Ok(Curve::P521),
            other => not_supported(format!("Unsupported named curve: {other}")),
        }
    }

    pub(super) fn agreement(self) -> &'static agreement::Algorithm {
        match self {
            Curve::P256 => &agreement::ECDH_P256,
            Curve::P384 => &agreement::ECDH_P384,
            Curve::P521 => &agreement::ECDH_P521,
        }
    }

    pub(super) fn coordinate_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    fn spki_prefix(self) -> &'static [u8] {
        match self {
            Curve::P256 => der::SPKI_P256,
            Curve::P384 => der::SPKI_P384,
            Curve::P521 => der::SPKI_P521,
        }
    }
}

/// The key family of canonical algorithm `name`; `param` is the named curve where one applies.
pub(super) fn family(name: &str, param: &str) -> Res<Family> {
    match name {
        "HMAC" | "AES-GCM" | "AES-CBC" | "AES-CTR" | "AES-KW" | "PBKDF2" | "HKDF" => Ok(Family::Secret),
        "ECDSA" | "ECDH" => Ok(Family::Ec(Curve::parse(param)?)),
        "Ed25519" => Ok(Family::Ed25519),
        "X25519" => Ok(Family::X25519),
        "RSASSA-PKCS1-v1_5" | "RSA-PSS" | "RSA-OAEP" => Ok(Family::Rsa),
        other => not_supported(format!("Unrecognized algorithm name: {other}")),
    }
}

/// A key as the runtime holds it: its type and its bytes in the internal format.
pub(super) struct Material {
    pub(super) kind: &'static str,
    pub(super) data: Vec<u8>,
}

pub(super) fn private(data: Vec<u8>) -> Material {
    Material { kind: "private", data }
}

pub(super) fn public(data: Vec<u8>) -> Material {
    Material { kind: "public", data }
}

/// `ops.importKey(format, name, param, keyData)` → `[type, data, bits, publicExponent]`;
/// `keyData` is bytes, or for "jwk" a record of the JWK's string members.
pub fn op_import_key<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    rv: v8::ReturnValue<v8::Value>,
) {
    let result = import(scope, &args);
    finish(scope, rv, result)
}

fn import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments<'s>,
) -> Res<v8::Local<'s, v8::Value>> {
    let format = string_arg(scope, args.get(0));
    let name = string_arg(scope, args.get(1));
    let param = string_arg(scope, args.get(2));
    let family = family(&name, &param)?;
    let key = if format == "jwk" {
        let jwk = Jwk { scope, record: args.get(3) };
        import_jwk(jwk, family, &name, &param)?
    } else {
        let bytes = super::bytes_arg(args.get(3), "keyData")?;
        import_bytes(&format, family, &name, bytes)?
    };
    describe(scope, key, family)
}

/// `[type, data, bits, publicExponent]` of a key just made or imported.
fn describe<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    key: Material,
    family: Family,
) -> Res<v8::Local<'s, v8::Value>> {
    let kind = v8::String::new(scope, key.kind).unwrap().into();
    let (bits, exponent) = match family {
        Family::Rsa => rsa_shape(&key)?,
        _ => (key.data.len() * 8, Vec::new()),
    };
    let data = output(scope, &key.data)?;
    let bits = v8::Number::new(scope, bits as f64).into();
    let exponent = output(scope, &exponent)?;
    Ok(array(scope, &[kind, data, bits, exponent]))
}

/// An RSA key's modulus length in bits and public exponent.
fn rsa_shape(key: &Material) -> Res<(usize, Vec<u8>)> {
    let public = if key.kind == "private" { rsa_public_of(&key.data)? } else { key.data.clone() };
    let ints = der::integers(&public)
        .filter(|i| i.len() == 2)
        .ok_or(Fail::Dom("DataError", "Invalid RSA key".into()))?;
    let bits = ints[0].len() * 8 - ints[0][0].leading_zeros() as usize;
    Ok((bits, ints[1].to_vec()))
}

fn rsa_public_of(pkcs8: &[u8]) -> Res<Vec<u8>> {
    let pair = rsa::KeyPair::from_pkcs8(pkcs8).or_else(|_| data_error("Invalid RSA private key"))?;
    Ok(pair.public_key().as_ref().to_vec())
}

fn import_bytes(format: &str, family: Family, name: &str, bytes: Vec<u8>) -> Res<Material> {
    match (format, family) {
        ("raw", Family::Secret) => secret(name, bytes),
        ("raw", Family::Ec(curve)) => ec_public(curve, bytes),
        ("raw", Family::Ed25519 | Family::X25519) if bytes.len() == 32 => Ok(public(bytes)),
        ("raw", Family::Ed25519 | Family::X25519) => data_error("Invalid key length: expected 32 bytes"),
        ("spki", Family::Ec(curve)) => {
            match der::after_prefix(&bytes, curve.spki_prefix(), 1 + 2 * curve.coordinate_len()) {
                Some(point) => ec_public(curve, point.to_vec()),
                None => data_error(format!("Invalid SPKI for an EC {} public key", curve.name())),
            }
        }
        ("spki", Family::Ed25519) => okp_spki(&bytes, der::SPKI_ED25519),
        ("spki", Family::X25519) => okp_spki(&bytes, der::SPKI_X25519),
        ("spki", Family::Rsa) => rsa_public(&bytes),
        ("pkcs8", Family::Ec(curve)) => {
            let key = agreement::PrivateKey::from_private_key_der(curve.agreement(), &bytes)
                .or_else(|_| data_error(format!("Invalid PKCS#8 for an EC {} private key", curve.name())))?;
            Ok(private(ec_scalar(&key)?))
        }
        ("pkcs8", Family::Ed25519) => okp_pkcs8(&bytes, der::PKCS8_ED25519),
        ("pkcs8", Family::X25519) => okp_pkcs8(&bytes, der::PKCS8_X25519),
        ("pkcs8", Family::Rsa) => rsa_private(&bytes),
        ("raw" | "spki" | "pkcs8", _) => not_supported(format!("Unsupported key format {format} for {name}")),
        _ => not_supported(format!("Unrecognized key format: {format}")),
    }
}

/// Secret key bytes, checked against what the algorithm allows.
pub(super) fn secret(name: &str, bytes: Vec<u8>) -> Res<Material> {
    let aes = name.starts_with("AES-");
    if aes && ![16, 24, 32].contains(&bytes.len()) {
        return data_error(format!(
            "Invalid AES key length {} bits: must be 128, 192 or 256",
            bytes.len() * 8
        ));
    }
    if name == "HMAC" && bytes.is_empty() {
        return data_error("HMAC key must not be empty");
    }
    Ok(Material { kind: "secret", data: bytes })
}

pub(super) fn ec_public(curve: Curve, point: Vec<u8>) -> Res<Material> {
    let unparsed = agreement::UnparsedPublicKey::new(curve.agreement(), &point);
    let ok = point.len() == 1 + 2 * curve.coordinate_len()
        && point[0] == 4
        && agreement::ParsedPublicKey::try_from(&unparsed).is_ok();
    if !ok {
        return data_error(format!("Invalid EC {} public key", curve.name()));
    }
    Ok(public(point))
}

fn ec_scalar(key: &agreement::PrivateKey) -> Res<Vec<u8>> {
    let bin: EcPrivateKeyBin = key.as_be_bytes().or_else(|_| op_error("EC key export failed"))?;
    Ok(bin.as_ref().to_vec())
}

pub(super) fn ec_point_of(curve: Curve, scalar: &[u8]) -> Res<Vec<u8>> {
    let key = agreement::PrivateKey::from_private_key(curve.agreement(), scalar)
        .or_else(|_| data_error(format!("Invalid EC {} private key", curve.name())))?;
    let point = key.compute_public_key().or_else(|_| data_error("Invalid EC private key"))?;
    Ok(point.as_ref().to_vec())
}

fn okp_spki(bytes: &[u8], prefix: &[u8]) -> Res<Material> {
    match der::after_prefix(bytes, prefix, 32) {
        Some(key) => Ok(public(key.to_vec())),
        None => data_error("Invalid SPKI for this key type"),
    }
}

fn okp_pkcs8(bytes: &[u8], prefix: &[u8]) -> Res<Material> {
    match der::after_prefix(bytes, prefix, 32) {
        Some(seed) => Ok(private(seed.to_vec())),
        None => data_error("Invalid PKCS#8 for this key type"),
    }
}

pub(super) fn okp_public(family: Family, seed: &[u8]) -> Res<Vec<u8>> {
    if family == Family::Ed25519 {
        let pair = signature::Ed25519KeyPair::from_seed_unchecked(seed)
            .or_else(|_| data_error("Invalid Ed25519 key"))?;
        return Ok(pair.public_key().as_ref().to_vec());
    }
    let key = agreement::PrivateKey::from_private_key(&agreement::X25519, seed)
        .or_else(|_| data_error("Invalid X25519 key"))?;
    let public = key.compute_public_key().or_else(|_| data_error("Invalid X25519 key"))?;
    Ok(public.as_ref().to_vec())
}

pub(super) fn rsa_public(der_bytes: &[u8]) -> Res<Material> {
    let key = rsa::PublicKey::from_der(der_bytes).or_else(|_| data_error("Invalid RSA public key"))?;
    let key = public(key.as_ref().to_vec());
    rsa_size_allowed(&key)?;
    Ok(key)
}

fn rsa_private(pkcs8: &[u8]) -> Res<Material> {
    // Sized from the DER before aws-lc checks the key, whose cost grows with the modulus.
    rsa_size_allowed_der(pkcs8)?;
    let pair = rsa::KeyPair::from_pkcs8(pkcs8).or_else(|_| data_error("Invalid RSA private key"))?;
    let der: Pkcs8V1Der = pair.as_der().or_else(|_| op_error("RSA key export failed"))?;
    let key = private(der.as_ref().to_vec());
    rsa_size_allowed(&key)?;
    Ok(key)
}

fn rsa_size_allowed_der(pkcs8: &[u8]) -> Res<()> {
    if pkcs8.len() > RSA_MAX_IMPORT_BITS / 8 * 6 {
        return data_error(format!("RSA keys larger than {RSA_MAX_IMPORT_BITS} bits are not supported"));
    }
    Ok(())
}

pub(super) fn rsa_size_allowed(key: &Material) -> Res<()> {
    let (bits, _) = rsa_shape(key)?;
    if bits > RSA_MAX_IMPORT_BITS {
        return data_error(format!("RSA keys larger than {RSA_MAX_IMPORT_BITS} bits are not supported"));
    }
    if bits < RSA_MIN_BITS {
        return not_supported(format!("RSA keys smaller than {RSA_MIN_BITS} bits are not supported"));
    }
    Ok(())
}

/// `ops.exportKey(format, name, param, type, data)` → bytes, or for "jwk" an object of the
/// key's JWK members (the runtime adds `key_ops` and `ext`).
pub fn op_export_key<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    rv: v8::ReturnValue<v8::Value>,
) {
    let result = export(scope, &args);
    finish(scope, rv, result)
}

fn export<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments<'s>,
) -> Res<v8::Local<'s, v8::Value>> {
    let format = string_arg(scope, args.get(0));
    let name = string_arg(scope, args.get(1));
    let param = string_arg(scope, args.get(2));
    let kind = string_arg(scope, args.get(3));
    let data = super::bytes_arg(args.get(4), "key")?;
    let family = family(&name, &param)?;
    let key = Material {
        kind: if kind == "private" {
            "private"
        } else if kind == "public" {
            "public"
        } else {
            "secret"
        },
        data,
    };
    if format == "jwk" {
        let members = export_jwk(family, &name, &param, &key)?;
        return Ok(jwk_object(scope, &members));
    }
    let bytes = export_bytes(&format, family, &key)?;
    output(scope, &bytes)
}

fn export_bytes(format: &str, family: Family, key: &Material) -> Res<Vec<u8>> {
    let is_public = key.kind == "public";
    let is_private = key.kind == "private";
    match (format, family) {
        ("raw", Family::Secret) => Ok(key.data.clone()),
        ("raw", Family::Ec(_) | Family::Ed25519 | Family::X25519) if is_public => Ok(key.data.clone()),
        ("spki", Family::Ec(curve)) if is_public => Ok([curve.spki_prefix(), &key.data].concat()),
        ("spki", Family::Ed25519) if is_public => Ok([der::SPKI_ED25519, &key.data].concat()),
        ("spki", Family::X25519) if is_public => Ok([der::SPKI_X25519, &key.data].concat()),
        ("spki", Family::Rsa) if is_public => {
            let key =
                rsa::PublicKey::from_der(&key.data).or_else(|_| data_error("Invalid RSA public key"))?;
            let der: PublicKeyX509Der = key.as_der().or_else(|_| op_error("RSA key export failed"))?;
            Ok(der.as_ref().to_vec())
        }
        ("pkcs8", Family::Ec(curve)) if is_private => {
            let pkey = agreement::PrivateKey::from_private_key(curve.agreement(), &key.data)
                .or_else(|_| data_error("Invalid EC private key"))?;
            let der: Pkcs8V1Der = pkey.as_der().or_else(|_| op_error("EC key export failed"))?;
            Ok(der.as_ref().to_vec())
        }
        ("pkcs8", Family::Ed25519) if is_private => Ok([der::PKCS8_ED25519, &key.data].concat()),
        ("pkcs8", Family::X25519) if is_private => Ok([der::PKCS8_X25519, &key.data].concat()),
        ("pkcs8", Family::Rsa) if is_private => Ok(key.data.clone()),
        // A format the algorithm has no encoding in is unsupported; one meant for the pair's
        // other half (spki of a private key) is the wrong key.
        ("spki" | "pkcs8", Family::Secret) | ("raw", Family::Rsa) => {
            not_supported(format!("{format} is not a format for this algorithm's keys"))
        }
        ("raw" | "spki" | "pkcs8", _) => {
            dom("InvalidAccessError", format!("This key cannot be exported as {format}"))
        }
        _ => not_supported(format!("Unrecognized key format: {format}")),
    }
}

fn dom<T>(name: &'static str, message: String) -> Res<T> {
    super::dom(name, message)
}

/// `ops.generateKey(name, param, length, publicExponent)` → `[type, data, bits, exponent]` for
/// a secret key, or that for the private key followed by the public key's data.
pub fn op_generate_key<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    rv: v8::ReturnValue<v8::Value>,
) {
    let result = generate(scope, &args);
    finish(scope, rv, result)
}

fn generate<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments<'s>,
) -> Res<v8::Local<'s, v8::Value>> {
    let name = string_arg(scope, args.get(0));
    let param = string_arg(scope, args.get(1));
    let length = uint_arg(args.get(2)).unwrap_or(0);
    let family = family(&name, &param)?;
    if family == Family::Secret {
        let bytes = random_secret(&name, &param, length)?;
        return describe(scope, Material { kind: "secret", data: bytes }, family);
    }
    let exponent = super::bytes_arg(args.get(3), "publicExponent").unwrap_or_default();
    let (private_key, public_key) = generate_pair(family, length, &exponent)?;
    let described = describe(scope, private_key, family)?;
    let public_data = output(scope, &public_key)?;
    Ok(array(scope, &[described, public_data]))
}

fn random_secret(name: &str, hash: &str, length: u64) -> Res<Vec<u8>> {
    let bytes = match name {
        "HMAC" if length == 0 => Hash::parse(hash)?.block_len(),
        "HMAC" if length.is_multiple_of(8) && length <= 4096 => (length / 8) as usize,
        "HMAC" => return op_error("HMAC key length must be a multiple of 8, at most 4096 bits"),
        _ if matches!(length, 128 | 192 | 256) => (length / 8) as usize,
        _ if name.starts_with("AES-") => return op_error("AES key length must be 128, 192 or 256 bits"),
        _ => return not_supported(format!("{name} keys cannot be generated")),
    };
    let mut out = vec![0u8; bytes];
    getrandom::fill(&mut out).or_else(|_| op_error("the system random source failed"))?;
    Ok(out)
}

fn generate_pair(family: Family, modulus_bits: u64, exponent: &[u8]) -> Res<(Material, Vec<u8>)> {
    let failed = |_| Fail::Dom("OperationError", "key generation failed".into());
    match family {
        Family::Ec(curve) => {
            let key = agreement::PrivateKey::generate(curve.agreement()).map_err(failed)?;
            let point = key.compute_public_key().map_err(failed)?.as_ref().to_vec();
            Ok((private(ec_scalar(&key)?), point))
        }
        Family::Ed25519 => {
            let pair = signature::Ed25519KeyPair::generate().map_err(failed)?;
            let seed = pair.seed().map_err(failed)?;
            let seed: Curve25519SeedBin = seed.as_be_bytes().map_err(failed)?;
            Ok((private(seed.as_ref().to_vec()), pair.public_key().as_ref().to_vec()))
        }
        Family::X25519 => {
            let key = agreement::PrivateKey::generate(&agreement::X25519).map_err(failed)?;
            let seed: Curve25519SeedBin = key.as_be_bytes().map_err(failed)?;
            let point = key.compute_public_key().map_err(failed)?.as_ref().to_vec();
            Ok((private(seed.as_ref().to_vec()), point))
        }
        Family::Rsa => generate_rsa(modulus_bits, exponent),
        Family::Secret => not_supported("not a key pair algorithm"),
    }
}

/// RSA generation is the slowest native operation here, so only aws-lc-rs's sizes up to 4096
/// bits, and its one public exponent (65537; workerd also allows 3, which aws-lc-rs cannot make).
fn generate_rsa(modulus_bits: u64, exponent: &[u8]) -> Res<(Material, Vec<u8>)> {
    let size = match modulus_bits {
        2048 => rsa::KeySize::Rsa2048,
        3072 => rsa::KeySize::Rsa3072,
        4096 => rsa::KeySize::Rsa4096,
        _ => {
            return op_error(format!(
                "RSA modulusLength {modulus_bits} is not supported: use 2048, 3072 or 4096"
            ));
        }
    };
    let trimmed: &[u8] = &exponent[exponent.iter().position(|b| *b != 0).unwrap_or(exponent.len())..];
    if trimmed != [1, 0, 1] {
        return op_error("RSA publicExponent must be 65537 ([1, 0, 1])");
    }
    let pair = rsa::KeyPair::generate(size).or_else(|_| op_error("RSA key generation failed"))?;
    let der: Pkcs8V1Der = pair.as_der().or_else(|_| op_error("RSA key export failed"))?;
    Ok((private(der.as_ref().to_vec()), pair.public_key().as_ref().to_vec()))
}
