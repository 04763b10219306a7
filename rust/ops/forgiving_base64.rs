//! `ops.base64Encode`, `ops.base64Decode`: the native half of `btoa` and `atob` (the HTML
//! Standard's forgiving-base64). Each answers null where the JS side throws
//! InvalidCharacterError, so the DOMException is made in one place.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::throw_range_error;

/// Decoding as forgiving-base64 does: padding optional (a remainder of 1 is still refused),
/// and the unused bits of the last character ignored.
const FORGIVING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The Latin-1 bytes of `text`, or None if it has a character past U+00FF.
fn latin1(scope: &mut v8::PinScope, text: v8::Local<v8::String>) -> Option<Vec<u8>> {
    if !text.contains_only_onebyte() {
        return None;
    }
    let mut bytes = vec![0u8; text.length()];
    text.write_one_byte_v2(scope, 0, &mut bytes, v8::WriteFlags::empty());
    Some(bytes)
}

/// A string of one Latin-1 character per byte; a RangeError if V8's string limit is past.
fn binary_string<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: &[u8]) -> Option<v8::Local<'s, v8::String>> {
    if bytes.len() > v8::String::MAX_LENGTH {
        throw_range_error(scope, "Invalid string length");
        return None;
    }
    v8::String::new_from_one_byte(scope, bytes, v8::NewStringType::Normal)
}

pub fn op_base64_encode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(text) = args.get(0).to_string(scope) else { return };
    let Some(bytes) = latin1(scope, text) else { return rv.set_null() };
    if let Some(encoded) = binary_string(scope, FORGIVING.encode(bytes).as_bytes()) {
        rv.set(encoded.into());
    }
}

pub fn op_base64_decode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(text) = args.get(0).to_string(scope) else { return };
    let Some(mut bytes) = latin1(scope, text) else { return rv.set_null() };
    bytes.retain(|b| !matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' '));
    // Padding counts only where it completes a group of four.
    if bytes.len() % 4 == 0 {
        let pad = bytes.iter().rev().take(2).take_while(|&&b| b == b'=').count();
        bytes.truncate(bytes.len() - pad);
    }
    if bytes.len() % 4 == 1 || bytes.contains(&b'=') {
        return rv.set_null();
    }
    match FORGIVING.decode(&bytes) {
        Ok(decoded) => {
            if let Some(s) = binary_string(scope, &decoded) {
                rv.set(s.into());
            }
        }
        Err(_) => rv.set_null(),
    }
}
