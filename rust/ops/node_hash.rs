//! `node:crypto`'s Hash and Hmac: incremental digests kept here between calls, JS holding only
//! an id. `ops.hashOpen(algorithm, key?)` opens one (HMAC when a key is given), charged to the
//! worker's budget while open so that abandoned ones run into its memory limit;
//! `ops.hashUpdate(id, bytes)` feeds it; `ops.hashDigest(id)` ends it with its digest (a
//! Uint8Array from the budget); `ops.hashCopy(id)` clones one. Isolate thread.

use std::collections::HashMap;

use sha2::digest::DynDigest;

use super::{bytes_of, contents_mut, new_buffer, state, throw_range_error, throw_type_error};

/// What one open hash is charged: more than it holds, as for streaming decoders.
const HASH_CHARGE: usize = 1024;

/// A worker's open hashes by id.
#[derive(Default)]
pub struct Hashes {
    open: HashMap<u32, Hash>,
    next: u32,
}

#[derive(Clone)]
struct Hash {
    inner: Box<dyn DynDigest>,
    /// For HMAC: the outer hash, already fed the key xor opad.
    outer: Option<Box<dyn DynDigest>>,
}

/// The digest `name` names (Node's names, any case), with its block size for HMAC.
fn algorithm(name: &str) -> Option<(Box<dyn DynDigest>, usize)> {
    Some(match name.to_ascii_lowercase().as_str() {
        "md5" => (Box::new(md5::Md5::default()), 64),
        "sha1" | "sha-1" => (Box::new(sha1::Sha1::default()), 64),
        "sha224" | "sha-224" => (Box::new(sha2::Sha224::default()), 64),
        "sha256" | "sha-256" => (Box::new(sha2::Sha256::default()), 64),
        "sha384" | "sha-384" => (Box::new(sha2::Sha384::default()), 128),
        "sha512" | "sha-512" => (Box::new(sha2::Sha512::default()), 128),
        _ => return None,
    })
}

/// RFC 2104: the key, hashed if longer than a block, padded to one, xored into both hashes.
fn hmac(name: &str, key: &[u8]) -> Option<Hash> {
    let (mut inner, block) = algorithm(name)?;
    let (mut outer, _) = algorithm(name)?;
    let mut padded = if key.len() > block {
        let mut hashed = inner.box_clone();
        hashed.update(key);
        hashed.finalize_reset().to_vec()
    } else {
        key.to_vec()
    };
    padded.resize(block, 0);
    inner.update(&padded.iter().map(|b| b ^ 0x36).collect::<Vec<_>>());
    outer.update(&padded.iter().map(|b| b ^ 0x5c).collect::<Vec<_>>());
    Some(Hash { inner, outer: Some(outer) })
}

impl Hash {
    fn finish(self) -> Vec<u8> {
        let inner = self.inner.finalize().to_vec();
        match self.outer {
            Some(mut outer) => {
                outer.update(&inner);
                outer.finalize().to_vec()
            }
            None => inner,
        }
    }
}

/// `ops.hashOpen(algorithm, key)`: the new hash's id, or null when the algorithm is unknown.
pub fn op_hash_open(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let name = args.get(0).to_rust_string_lossy(scope);
    let hash = if args.get(1).is_undefined() {
        algorithm(&name).map(|(inner, _)| Hash { inner, outer: None })
    } else {
        let Some(key) = bytes_of(args.get(1)) else {
            return throw_type_error(scope, "hashOpen: the key must be an ArrayBufferView");
        };
        hmac(&name, &key)
    };
    let Some(hash) = hash else { return rv.set_null() };
    if let Some(id) = register(scope, hash) {
        rv.set_uint32(id);
    }
}

fn register(scope: &mut v8::PinScope, hash: Hash) -> Option<u32> {
    let state = state(scope);
    if !state.buffers.as_ref().is_some_and(|b| b.reserve(HASH_CHARGE)) {
        throw_range_error(scope, "createHash: another hash would exceed this worker's memory limit");
        return None;
    }
    let hashes = &mut state.hashes;
    hashes.next = hashes.next.wrapping_add(1).max(1);
    hashes.open.insert(hashes.next, hash);
    Some(hashes.next)
}

pub fn op_hash_update(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(args.get(1)) else {
        return throw_type_error(scope, "hashUpdate: data must be an ArrayBufferView");
    };
    let (data, len) = (view.data() as *const u8, view.byte_length());
    let Some(hash) = state(scope).hashes.open.get_mut(&id) else {
        return throw_type_error(scope, "hashUpdate: the hash is finished");
    };
    if len > 0 && !data.is_null() {
        // SAFETY: `view` is live and `len` bytes long from `data`; no JS runs while the hash
        // reads it, so nothing detaches or resizes its buffer meanwhile.
        hash.inner.update(unsafe { std::slice::from_raw_parts(data, len) });
    }
}

pub fn op_hash_digest(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let state = state(scope);
    let Some(hash) = state.hashes.open.remove(&id) else {
        return throw_type_error(scope, "hashDigest: the hash is finished");
    };
    if let Some(budget) = &state.buffers {
        budget.release(HASH_CHARGE);
    }
    let digest = hash.finish();
    let Some(buffer) = new_buffer(scope, digest.len()) else { return };
    contents_mut(buffer).copy_from_slice(&digest);
    if let Some(array) = v8::Uint8Array::new(scope, buffer, 0, digest.len()) {
        rv.set(array.into());
    }
}

pub fn op_hash_copy(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let Some(hash) = state(scope).hashes.open.get(&id).cloned() else {
        return throw_type_error(scope, "hashCopy: the hash is finished");
    };
    if let Some(id) = register(scope, hash) {
        rv.set_uint32(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231_and_2202() {
        // RFC 4231 test case 2, RFC 2202 test case 2 (MD5).
        let mut h = hmac("sha256", b"Jefe").unwrap();
        h.inner.update(b"what do ya want for nothing?");
        assert_eq!(hex(&h.finish()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let mut h = hmac("MD5", b"Jefe").unwrap();
        h.inner.update(b"what do ya want for nothing?");
        assert_eq!(hex(&h.finish()), "750c783e6ab0b503eaa86e310a5db738");
    }

    #[test]
    fn a_key_longer_than_a_block_is_hashed_first() {
        // RFC 4231 test case 6.
        let mut h = hmac("sha512", &[0xaa; 131]).unwrap();
        h.inner.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            hex(&h.finish()),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        );
    }

    #[test]
    fn unknown_algorithms_are_none() {
        assert!(algorithm("sha3-256").is_none());
        assert!(hmac("whirlpool", b"k").is_none());
    }
}
