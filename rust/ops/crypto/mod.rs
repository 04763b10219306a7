//! The native half of `crypto`: random values, digests, `timingSafeEqual`, and what every
//! SubtleCrypto op shares (argument reading, typed failures, output buffers). Keys, signatures,
//! ciphers and derivations live in the submodules; all primitives come from aws-lc-rs.
//!
//! Key material never lives here between calls: runtime JS keeps it in a CryptoKey's private
//! field and hands it to one op per operation. Ops decide every limit (PBKDF2 iterations, RSA
//! sizes, output lengths), since the CPU watchdog cannot interrupt native code. Isolate thread.

mod cipher;
mod der;
mod derive;
mod jwk;
mod keys;
mod sign;

pub use cipher::op_cipher;
pub use derive::op_derive_bits;
pub use keys::{op_export_key, op_generate_key, op_import_key};
pub use sign::{op_sign, op_verify};

use sha1::Digest;

use super::{bytes_of, contents_mut, error_message, new_buffer, throw_type_error};

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

/// `ops.timingSafeEqual(a, b)`: Workers' extension; lengths must match (a TypeError otherwise,
/// as in workerd), the comparison is aws-lc's constant-time one.
pub fn op_timing_safe_equal(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let (Some(a), Some(b)) = (bytes_of(args.get(0)), bytes_of(args.get(1))) else {
        return throw_type_error(
            scope,
            "timingSafeEqual: both arguments must be ArrayBuffer or ArrayBufferView",
        );
    };
    if a.len() != b.len() {
        return throw_type_error(scope, "timingSafeEqual: the two buffers must be of equal length");
    }
    #[allow(deprecated)]
    let equal = aws_lc_rs::constant_time::verify_slices_are_equal(&a, &b).is_ok();
    rv.set_bool(equal);
}

/// Why an op failed: a `DOMException` name the runtime JS turns into one, a TypeError, or an
/// exception already thrown (the memory budget's RangeError).
pub(super) enum Fail {
    Dom(&'static str, String),
    Type(String),
    Thrown,
}

pub(super) type Res<T> = Result<T, Fail>;

pub(super) fn dom<T>(name: &'static str, message: impl Into<String>) -> Res<T> {
    Err(Fail::Dom(name, message.into()))
}

pub(super) fn data_error<T>(message: impl Into<String>) -> Res<T> {
    dom("DataError", message)
}

pub(super) fn op_error<T>(message: impl Into<String>) -> Res<T> {
    dom("OperationError", message)
}

pub(super) fn not_supported<T>(message: impl Into<String>) -> Res<T> {
    dom("NotSupportedError", message)
}

/// Sets the op's result, or throws its failure. A DOMException-to-be is an `Error` carrying an
/// own `domName`, which the runtime rethrows as `new DOMException(message, domName)`.
pub(super) fn finish<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    mut rv: v8::ReturnValue<v8::Value>,
    result: Res<v8::Local<'s, v8::Value>>,
) {
    match result {
        Ok(value) => rv.set(value),
        Err(Fail::Thrown) => {}
        Err(Fail::Type(message)) => throw_type_error(scope, &message),
        Err(Fail::Dom(name, message)) => {
            let msg = error_message(scope, &message);
            let exc = v8::Exception::error(scope, msg);
            if let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) {
                let key = v8::String::new(scope, "domName").unwrap();
                let value = v8::String::new(scope, name).unwrap();
                obj.create_data_property(scope, key.into(), value.into());
            }
            scope.throw_exception(exc);
        }
    }
}

/// An ArrayBuffer holding `bytes`, from the worker's memory budget.
pub(super) fn output<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: &[u8]) -> Res<v8::Local<'s, v8::Value>> {
    let buffer = new_buffer(scope, bytes.len()).ok_or(Fail::Thrown)?;
    contents_mut(buffer).copy_from_slice(bytes);
    Ok(buffer.into())
}

/// A JS array of `items` (made with its elements, so no setter on Array.prototype runs).
pub(super) fn array<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    items: &[v8::Local<'s, v8::Value>],
) -> v8::Local<'s, v8::Value> {
    v8::Array::new_with_elements(scope, items).into()
}

pub(super) fn string_arg(scope: &mut v8::PinScope, value: v8::Local<v8::Value>) -> String {
    if value.is_string() { value.to_rust_string_lossy(scope) } else { String::new() }
}

pub(super) fn bytes_arg(value: v8::Local<v8::Value>, what: &str) -> Res<Vec<u8>> {
    bytes_of(value).ok_or_else(|| Fail::Type(format!("{what} must be an ArrayBuffer or ArrayBufferView")))
}

/// A non-negative integer argument the runtime normalized (`[EnforceRange]` already applied).
pub(super) fn uint_arg(value: v8::Local<v8::Value>) -> Option<u64> {
    let n = v8::Local::<v8::Number>::try_from(value).ok()?.value();
    (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0).then_some(n as u64)
}

/// Member `key` of a record the runtime built (null prototype, own data properties only).
pub(super) fn member<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    record: v8::Local<'s, v8::Value>,
    key: &str,
) -> Option<v8::Local<'s, v8::Value>> {
    let record = v8::Local::<v8::Object>::try_from(record).ok()?;
    let key = v8::String::new(scope, key).unwrap();
    record.get(scope, key.into()).filter(|v| !v.is_undefined())
}

pub(super) fn member_string<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    record: v8::Local<'s, v8::Value>,
    key: &str,
) -> Option<String> {
    let value = member(scope, record, key)?;
    value.is_string().then(|| value.to_rust_string_lossy(scope))
}

pub(super) fn member_bytes<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    record: v8::Local<'s, v8::Value>,
    key: &str,
) -> Option<Vec<u8>> {
    bytes_of(member(scope, record, key)?)
}

pub(super) fn member_uint<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    record: v8::Local<'s, v8::Value>,
    key: &str,
) -> Option<u64> {
    uint_arg(member(scope, record, key)?)
}

/// The SHA family a WebCrypto `hash` names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(super) fn parse(name: &str) -> Res<Hash> {
        match name {
            "SHA-1" => Ok(Hash::Sha1),
            "SHA-256" => Ok(Hash::Sha256),
            "SHA-384" => Ok(Hash::Sha384),
            "SHA-512" => Ok(Hash::Sha512),
            other => not_supported(format!("Unrecognized hash algorithm: {other}")),
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA-1",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    pub(super) fn len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// HMAC's block size, the default HMAC key length.
    pub(super) fn block_len(self) -> usize {
        match self {
            Hash::Sha1 | Hash::Sha256 => 64,
            Hash::Sha384 | Hash::Sha512 => 128,
        }
    }

    pub(super) fn hmac(self) -> aws_lc_rs::hmac::Algorithm {
        use aws_lc_rs::hmac;
        match self {
            Hash::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Hash::Sha256 => hmac::HMAC_SHA256,
            Hash::Sha384 => hmac::HMAC_SHA384,
            Hash::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

pub(super) fn hash_member<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    record: v8::Local<'s, v8::Value>,
) -> Res<Hash> {
    match member_string(scope, record, "hash") {
        Some(name) => Hash::parse(&name),
        None => Err(Fail::Type("Algorithm: hash is required".into())),
    }
}
