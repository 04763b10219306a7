//! `ops.cipher`: encrypt and decrypt with AES-GCM, AES-CBC, AES-CTR, AES-KW and RSA-OAEP.
//! Every failure to authenticate or unpad is one OperationError, saying nothing more.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    self, EncryptingKey, EncryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey,
};
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::key_wrap::{self, KeyWrap};
use aws_lc_rs::rsa;

use super::{
    Fail, Hash, Res, bytes_arg, data_error, finish, member_bytes, member_string, member_uint, not_supported,
    op_error, output, string_arg,
};

/// `ops.cipher(encrypt, name, keyData, params, data)` → the output bytes. `params` is the
/// runtime's record of the algorithm's members (iv, counter, length, additionalData, tagLength,
/// label) plus the key's hash for RSA-OAEP.
pub fn op_cipher<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    rv: v8::ReturnValue<v8::Value>,
) {
    let result = (|| {
        let encrypt = args.get(0).is_true();
        let name = string_arg(scope, args.get(1));
        let key = bytes_arg(args.get(2), "key")?;
        let params = args.get(3);
        let data = bytes_arg(args.get(4), "data")?;
        let out = match name.as_str() {
            "AES-GCM" => {
                let iv = member_bytes(scope, params, "iv")
                    .ok_or_else(|| type_error("AesGcmParams: iv is required"))?;
                let aad = member_bytes(scope, params, "additionalData").unwrap_or_default();
                let tag = member_uint(scope, params, "tagLength").unwrap_or(128);
                gcm(encrypt, &key, &iv, &aad, tag, data)?
            }
            "AES-CBC" => {
                let iv = member_bytes(scope, params, "iv")
                    .ok_or_else(|| type_error("AesCbcParams: iv is required"))?;
                cbc(encrypt, &key, &iv, data)?
            }
            "AES-CTR" => {
                let counter = member_bytes(scope, params, "counter")
                    .ok_or_else(|| type_error("AesCtrParams: counter is required"))?;
                let length = member_uint(scope, params, "length")
                    .ok_or_else(|| type_error("AesCtrParams: length is required"))?;
                ctr(&key, &counter, length, data)?
            }
            "AES-KW" => kw(encrypt, &key, &data)?,
            "RSA-OAEP" => {
                let hash = Hash::parse(&member_string(scope, params, "hash").unwrap_or_default())?;
                let label = member_bytes(scope, params, "label");
                oaep(encrypt, &key, hash, label.as_deref(), &data)?
            }
            other => return not_supported(format!("{other} does not encrypt")),
        };
        output(scope, &out)
    })();
    finish(scope, rv, result)
}

fn type_error(message: &str) -> Fail {
    Fail::Type(message.into())
}

fn aes(key: &[u8]) -> Res<&'static cipher::Algorithm> {
    match key.len() {
        16 => Ok(&cipher::AES_128),
        24 => Ok(&cipher::AES_192),
        32 => Ok(&cipher::AES_256),
        _ => data_error("Invalid AES key length"),
    }
}

fn failed<E>(_: E) -> Fail {
    Fail::Dom("OperationError", "The operation failed for an operation-specific reason".into())
}

/// AES-GCM with aws-lc-rs's 96-bit nonce and full 128-bit tag, the only shapes it offers (and
/// what nearly every caller uses); other valid ones are NotSupportedError, invalid OperationError.
fn gcm(encrypt: bool, key: &[u8], iv: &[u8], aad: &[u8], tag_bits: u64, mut data: Vec<u8>) -> Res<Vec<u8>> {
    match tag_bits {
        128 => {}
        32 | 64 | 96 | 104 | 112 | 120 => {
            return not_supported(format!("AES-GCM tagLength {tag_bits} is not supported: use 128"));
        }
        _ => return op_error(format!("Invalid AES-GCM tagLength {tag_bits}")),
    }
    if iv.is_empty() {
        return op_error("AES-GCM iv must not be empty");
    }
    let Ok(nonce) = Nonce::try_assume_unique_for_key(iv) else {
        return not_supported(format!("AES-GCM iv of {} bytes is not supported: use 12", iv.len()));
    };
    let alg = match key.len() {
        16 => &aead::AES_128_GCM,
        24 => &aead::AES_192_GCM,
        32 => &aead::AES_256_GCM,
        _ => return data_error("Invalid AES key length"),
    };
    let key = LessSafeKey::new(UnboundKey::new(alg, key).map_err(failed)?);
    if encrypt {
        key.seal_in_place_append_tag(nonce, Aad::from(aad), &mut data).map_err(failed)?;
        return Ok(data);
    }
    if data.len() < 16 {
        return op_error("AES-GCM ciphertext is shorter than its tag");
    }
    let len = key.open_in_place(nonce, Aad::from(aad), &mut data).map_err(failed)?.len();
    data.truncate(len);
    Ok(data)
}

fn iv16(iv: &[u8]) -> Res<[u8; 16]> {
    iv.try_into().or_else(|_| op_error(format!("The iv must be 16 bytes, not {}", iv.len())))
}

fn cbc(encrypt: bool, key: &[u8], iv: &[u8], mut data: Vec<u8>) -> Res<Vec<u8>> {
    let iv = iv16(iv)?;
    let unbound = UnboundCipherKey::new(aes(key)?, key).map_err(failed)?;
    let context = EncryptionContext::Iv128(iv.into());
    if encrypt {
        PaddedBlockEncryptingKey::cbc_pkcs7(unbound)
            .map_err(failed)?
            .less_safe_encrypt(&mut data, context)
            .map_err(failed)?;
        return Ok(data);
    }
    let len = PaddedBlockDecryptingKey::cbc_pkcs7(unbound)
        .map_err(failed)?
        .decrypt(&mut data, context.into())
        .map_err(failed)?
        .len();
    data.truncate(len);
    Ok(data)
}

/// AES-CTR where only the low `length` bits of the counter block count: the block wraps to
/// zero in those bits (aws-lc carries into the rest), so the data is run in two parts at the
/// wrap. More blocks than the counter has values would reuse keystream: refused.
fn ctr(key: &[u8], counter: &[u8], length: u64, mut data: Vec<u8>) -> Res<Vec<u8>> {
    let counter = iv16(counter).or_else(|_| op_error("AES-CTR counter must be 16 bytes"))?;
    if length == 0 || length > 128 {
        return op_error("AES-CTR length must be between 1 and 128");
    }
    let mask = if length == 128 { u128::MAX } else { (1u128 << length) - 1 };
    let start = u128::from_be_bytes(counter);
    let blocks = data.len().div_ceil(16) as u128;
    if length < 128 && blocks > mask + 1 {
        return op_error("AES-CTR data is longer than the counter's length allows");
    }
    let before_wrap = (mask - (start & mask) + 1).saturating_mul(16);
    let split = usize::try_from(before_wrap).unwrap_or(usize::MAX).min(data.len());
    let (head, tail) = data.split_at_mut(split);
    ctr_run(key, counter, head)?;
    if !tail.is_empty() {
        ctr_run(key, (start & !mask).to_be_bytes(), tail)?;
    }
    Ok(data)
}

fn ctr_run(key: &[u8], block: [u8; 16], data: &mut [u8]) -> Res<()> {
    let unbound = UnboundCipherKey::new(aes(key)?, key).map_err(failed)?;
    EncryptingKey::ctr(unbound)
        .map_err(failed)?
        .less_safe_encrypt(data, EncryptionContext::Iv128(block.into()))
        .map_err(failed)?;
    Ok(())
}

fn kw(wrap: bool, key: &[u8], data: &[u8]) -> Res<Vec<u8>> {
    let alg = match key.len() {
        16 => &key_wrap::AES_128,
        32 => &key_wrap::AES_256,
        _ => return not_supported("AES-KW with a 192-bit key is not supported"),
    };
    if !data.len().is_multiple_of(8) || data.len() < if wrap { 16 } else { 24 } {
        return op_error("AES-KW data must be a multiple of 8 bytes, at least 16 to wrap or 24 to unwrap");
    }
    let kek = key_wrap::KeyEncryptionKey::new(alg, key).map_err(failed)?;
    let mut out = vec![0u8; data.len() + 8];
    let len = if wrap { kek.wrap(data, &mut out) } else { kek.unwrap(data, &mut out) }.map_err(failed)?.len();
    out.truncate(len);
    Ok(out)
}

fn oaep_alg(hash: Hash) -> &'static rsa::OaepAlgorithm {
    match hash {
        Hash::Sha1 => &rsa::OAEP_SHA1_MGF1SHA1,
        Hash::Sha256 => &rsa::OAEP_SHA256_MGF1SHA256,
        Hash::Sha384 => &rsa::OAEP_SHA384_MGF1SHA384,
        Hash::Sha512 => &rsa::OAEP_SHA512_MGF1SHA512,
    }
}

fn oaep(encrypt: bool, key: &[u8], hash: Hash, label: Option<&[u8]>, data: &[u8]) -> Res<Vec<u8>> {
    let alg = oaep_alg(hash);
    if encrypt {
        // The runtime holds PKCS#1; the encrypting key parses only SubjectPublicKeyInfo.
        let parsed = rsa::PublicKey::from_der(key).or_else(|_| data_error("Invalid RSA public key"))?;
        let spki: PublicKeyX509Der = parsed.as_der().map_err(failed)?;
        let public = rsa::PublicEncryptingKey::from_der(spki.as_ref())
            .or_else(|_| data_error("Invalid RSA public key"))?;
        let public = rsa::OaepPublicEncryptingKey::new(public).map_err(failed)?;
        if data.len() > public.max_plaintext_size(alg) {
            return op_error("RSA-OAEP plaintext is too long for this key");
        }
        let mut out = vec![0u8; public.ciphertext_size()];
        let len = public.encrypt(alg, data, &mut out, label).map_err(failed)?.len();
        out.truncate(len);
        return Ok(out);
    }
    let private =
        rsa::PrivateDecryptingKey::from_pkcs8(key).or_else(|_| data_error("Invalid RSA private key"))?;
    let private = rsa::OaepPrivateDecryptingKey::new(private).map_err(failed)?;
    let mut out = vec![0u8; private.min_output_size()];
    let len = private.decrypt(alg, data, &mut out, label).map_err(failed)?.len();
    out.truncate(len);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctr_refuses_more_blocks_than_the_counter_has_values() {
        // A 1-bit counter has two values: two blocks are fine, a third would reuse keystream.
        assert!(ctr(&[0; 16], &[0; 16], 1, vec![0; 32]).is_ok());
        assert!(matches!(ctr(&[0; 16], &[0; 16], 1, vec![0; 33]), Err(Fail::Dom("OperationError", _))));
    }

    #[test]
    fn ctr_wrap_restarts_the_counted_bits_only() {
        let key = [7u8; 16];
        let mut counter = [0xaau8; 16];
        counter[15] = 0xff;
        let both = ctr(&key, &counter, 8, vec![0; 32]).ok().unwrap();
        let mut wrapped = counter;
        wrapped[15] = 0;
        let second = ctr(&key, &wrapped, 8, vec![0; 16]).ok().unwrap();
        assert_eq!(&both[16..], &second[..]);
    }

    #[test]
    fn gcm_detects_a_flipped_bit() {
        let sealed = gcm(true, &[1; 16], &[2; 12], b"aad", 128, b"hello".to_vec()).ok().unwrap();
        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert!(gcm(false, &[1; 16], &[2; 12], b"aad", 128, sealed).is_ok_and(|p| p == b"hello"));
        assert!(gcm(false, &[1; 16], &[2; 12], b"aad", 128, bad).is_err());
    }
}
