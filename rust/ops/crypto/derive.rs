//! `ops.deriveBits`: PBKDF2, HKDF, ECDH and X25519. Each derivation's native time is bounded
//! here, since the CPU watchdog cannot interrupt it: PBKDF2's iterations and output, HKDF's
//! output (RFC 5869's 255 hash blocks).

use std::num::NonZeroU32;

use aws_lc_rs::{agreement, hkdf, pbkdf2};

use super::keys::{Curve, Family, family};
use super::{
    Fail, Hash, Res, bytes_arg, finish, hash_member, member_bytes, member_uint, op_error, output, string_arg,
    uint_arg,
};

/// workerd's cap: more iterations are refused rather than run, as a derivation cannot be
/// interrupted once started.
pub const PBKDF2_MAX_ITERATIONS: u64 = 100_000;
/// PBKDF2's cost is iterations × output blocks; at the iteration cap this keeps one call near
/// a second of CPU even with SHA-1.
pub const PBKDF2_MAX_BITS: u64 = 2048;

/// `ops.deriveBits(name, keyData, params, length, curve)` → `length` bits. `params` is the
/// runtime's record (hash, salt, info, iterations, and the peer's public key data as `public`).
pub fn op_derive_bits<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    rv: v8::ReturnValue<v8::Value>,
) {
    let result = (|| {
        let name = string_arg(scope, args.get(0));
        let key = bytes_arg(args.get(1), "key")?;
        let params = args.get(2);
        let length = uint_arg(args.get(3));
        let bits = match name.as_str() {
            "PBKDF2" => {
                let hash = hash_member(scope, params)?;
                let salt = member_bytes(scope, params, "salt")
                    .ok_or_else(|| Fail::Type("Pbkdf2Params: salt is required".into()))?;
                let iterations = member_uint(scope, params, "iterations")
                    .ok_or_else(|| Fail::Type("Pbkdf2Params: iterations is required".into()))?;
                pbkdf2_bits(hash, &key, &salt, iterations, length)?
            }
            "HKDF" => {
                let hash = hash_member(scope, params)?;
                let salt = member_bytes(scope, params, "salt")
                    .ok_or_else(|| Fail::Type("HkdfParams: salt is required".into()))?;
                let info = member_bytes(scope, params, "info")
                    .ok_or_else(|| Fail::Type("HkdfParams: info is required".into()))?;
                hkdf_bits(hash, &key, &salt, &info, length)?
            }
            "ECDH" | "X25519" => {
                let peer = member_bytes(scope, params, "public")
                    .ok_or_else(|| Fail::Type("EcdhKeyDeriveParams: public is required".into()))?;
                let curve = string_arg(scope, args.get(4));
                agree(family(&name, &curve)?, &key, &peer, length)?
            }
            other => return super::not_supported(format!("{other} does not derive bits")),
        };
        output(scope, &bits)
    })();
    finish(scope, rv, result)
}

fn byte_length(length: Option<u64>, what: &str) -> Res<usize> {
    match length {
        Some(bits) if bits.is_multiple_of(8) => Ok((bits / 8) as usize),
        Some(_) => op_error(format!("{what}: length must be a multiple of 8")),
        None => op_error(format!("{what}: length is required")),
    }
}

fn pbkdf2_bits(hash: Hash, key: &[u8], salt: &[u8], iterations: u64, length: Option<u64>) -> Res<Vec<u8>> {
    let len = byte_length(length, "PBKDF2")?;
    if len == 0 {
        return op_error("PBKDF2: length must not be zero");
    }
    if iterations > PBKDF2_MAX_ITERATIONS {
        return super::not_supported(format!(
            "PBKDF2 iteration counts above {PBKDF2_MAX_ITERATIONS} are not supported (requested {iterations})"
        ));
    }
    let Some(rounds) = NonZeroU32::new(iterations as u32) else {
        return op_error("PBKDF2: iterations must not be zero");
    };
    if length.unwrap_or(0) > PBKDF2_MAX_BITS {
        return op_error(format!("PBKDF2: at most {PBKDF2_MAX_BITS} bits can be derived at once"));
    }
    let alg = match hash {
        Hash::Sha1 => pbkdf2::PBKDF2_HMAC_SHA1,
        Hash::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
        Hash::Sha384 => pbkdf2::PBKDF2_HMAC_SHA384,
        Hash::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
    };
    let mut out = vec![0u8; len];
    pbkdf2::derive(alg, rounds, salt, key, &mut out);
    Ok(out)
}

/// An output length for `hkdf::Okm::fill`.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf_bits(hash: Hash, key: &[u8], salt: &[u8], info: &[u8], length: Option<u64>) -> Res<Vec<u8>> {
    let len = byte_length(length, "HKDF")?;
    if len > 255 * hash.len() {
        return op_error(format!(
            "HKDF: at most {} bits can be derived with {}",
            255 * hash.len() * 8,
            hash.name()
        ));
    }
    let alg = match hash {
        Hash::Sha1 => hkdf::HKDF_SHA1_FOR_LEGACY_USE_ONLY,
        Hash::Sha256 => hkdf::HKDF_SHA256,
        Hash::Sha384 => hkdf::HKDF_SHA384,
        Hash::Sha512 => hkdf::HKDF_SHA512,
    };
    let mut out = vec![0u8; len];
    let info = [info];
    let failed = |_| Fail::Dom("OperationError", "HKDF failed".into());
    let prk = hkdf::Salt::new(alg, salt).extract(key);
    prk.expand(&info, Len(len)).map_err(failed)?.fill(&mut out).map_err(failed)?;
    Ok(out)
}

/// The shared secret, cut to `length` bits when given (all of it when null/absent).
fn agree(family: Family, private: &[u8], peer: &[u8], length: Option<u64>) -> Res<Vec<u8>> {
    let alg = match family {
        Family::Ec(curve) => curve_alg(curve),
        _ => &agreement::X25519,
    };
    let key = agreement::PrivateKey::from_private_key(alg, private)
        .or_else(|_| super::data_error("Invalid private key"))?;
    let peer = agreement::UnparsedPublicKey::new(alg, peer);
    let failed = Fail::Dom("OperationError", "Key agreement failed".into());
    let secret = agreement::agree(&key, peer, failed, |s| Ok(s.to_vec()))?;
    let Some(bits) = length else { return Ok(secret) };
    if bits > secret.len() as u64 * 8 {
        return op_error(format!("length {bits} is longer than the {} bit shared secret", secret.len() * 8));
    }
    let mut out = secret[..(bits as usize).div_ceil(8)].to_vec();
    if !bits.is_multiple_of(8) {
        let last = out.len() - 1;
        out[last] &= 0xffu8 << (8 - bits % 8);
    }
    Ok(out)
}

fn curve_alg(curve: Curve) -> &'static agreement::Algorithm {
    curve.agreement()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_refuses_iterations_past_the_cap_before_running() {
        let refused = pbkdf2_bits(Hash::Sha1, b"k", b"s", PBKDF2_MAX_ITERATIONS + 1, Some(160));
        assert!(matches!(refused, Err(Fail::Dom("NotSupportedError", _))));
        assert!(pbkdf2_bits(Hash::Sha1, b"k", b"s", 1, Some(PBKDF2_MAX_BITS + 8)).is_err());
        assert!(pbkdf2_bits(Hash::Sha1, b"k", b"s", 0, Some(160)).is_err());
    }

    #[test]
    fn hkdf_output_is_capped_at_255_blocks() {
        assert!(hkdf_bits(Hash::Sha256, b"k", b"", b"", Some(255 * 32 * 8)).is_ok());
        assert!(hkdf_bits(Hash::Sha256, b"k", b"", b"", Some(255 * 32 * 8 + 8)).is_err());
    }
}
