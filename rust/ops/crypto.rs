//! `ops.randomFill`, `ops.randomUUID`, `ops.digest`: the native half of `crypto`.

use sha1::Digest;

use super::{bytes_of, contents_mut, new_buffer, throw_type_error};

/// Web Crypto's per-call cap on getRandomValues.
const MAX_RANDOM_BYTES: usize = 65536;

pub fn op_random_fill(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(args.get(0)) else {
        return throw_type_error(scope, "getRandomValues: argument must be an integer typed array");
    };
    let len = view.byte_length();
    if len > MAX_RANDOM_BYTES {
        return throw_type_error(scope, "getRandomValues: at most 65536 bytes can be requested at once");
    }
    let mut bytes = vec![0u8; len];
    if getrandom::fill(&mut bytes).is_err() {
        return throw_type_error(scope, "getRandomValues: the system random source failed");
    }
    if len > 0 {
        // SAFETY: `view` is live and `len` bytes long; no JS runs during the copy.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), view.data() as *mut u8, len) };
    }
}

pub fn op_random_uuid(
    scope: &mut v8::PinScope,
    _args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        return throw_type_error(scope, "randomUUID: the system random source failed");
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let uuid = format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]);
    rv.set(v8::String::new(scope, &uuid).unwrap().into());
}

pub fn op_digest(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let algorithm = args.get(0).to_rust_string_lossy(scope).to_ascii_uppercase();
    let Some(data) = bytes_of(args.get(1)) else {
        return throw_type_error(scope, "digest: data must be an ArrayBuffer or ArrayBufferView");
    };
    let out = match algorithm.as_str() {
        "SHA-1" => sha1::Sha1::digest(&data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(&data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(&data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(&data).to_vec(),
        other => {
            return throw_type_error(scope, &format!("digest: unsupported algorithm {other:?}"));
        }
    };
    if let Some(buffer) = new_buffer(scope, out.len()) {
        contents_mut(buffer).copy_from_slice(&out);
        rv.set(buffer.into());
    }
}
