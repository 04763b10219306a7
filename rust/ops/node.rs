//! The native half of `node:buffer`'s encodings: `ops.bufferEncode(text, encoding)` gives a
//! string's bytes (a Uint8Array from the worker's budget), `ops.bufferDecode(bytes, encoding)`
//! the string of some bytes (and `ops.bufferIsUtf8` whether they are UTF-8), each as Node's `Buffer` does for utf8, utf16le, latin1, ascii,
//! base64, base64url and hex. The JS side names the encoding; an unknown one throws here too.
//! Isolate thread.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::{bytes_of, contents_mut, new_buffer, throw_range_error, throw_type_error};

#[derive(Clone, Copy)]
enum Encoding {
    Utf8,
    Utf16le,
    Latin1,
    Ascii,
    Base64,
    Base64url,
    Hex,
}

fn encoding(name: &str) -> Option<Encoding> {
    Some(match name {
        "utf8" => Encoding::Utf8,
        "utf16le" => Encoding::Utf16le,
        "latin1" => Encoding::Latin1,
        "ascii" => Encoding::Ascii,
        "base64" => Encoding::Base64,
        "base64url" => Encoding::Base64url,
        "hex" => Encoding::Hex,
        _ => return None,
    })
}

fn named(scope: &mut v8::PinScope, value: v8::Local<v8::Value>) -> Option<Encoding> {
    let found = encoding(&value.to_rust_string_lossy(scope));
    if found.is_none() {
        throw_type_error(scope, "Unknown encoding");
    }
    found
}

pub fn op_buffer_encode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(text) = args.get(0).to_string(scope) else { return };
    let Some(encoding) = named(scope, args.get(1)) else { return };
    let bytes = match encoding {
        Encoding::Utf8 => return utf8(scope, text, rv),
        Encoding::Latin1 | Encoding::Ascii => {
            // V8 keeps the low byte of each UTF-16 unit, as Node does for both.
            let mut bytes = vec![0u8; text.length()];
            text.write_one_byte_v2(scope, 0, &mut bytes, v8::WriteFlags::empty());
            bytes
        }
        Encoding::Utf16le => units(scope, text).iter().flat_map(|u| u.to_le_bytes()).collect(),
        Encoding::Base64 | Encoding::Base64url => lenient_base64(&units(scope, text)),
        Encoding::Hex => hex_prefix(&units(scope, text)),
    };
    if let Some(array) = array_of(scope, &bytes) {
        rv.set(array.into());
    }
}

fn utf8(scope: &mut v8::PinScope, text: v8::Local<v8::String>, mut rv: v8::ReturnValue<v8::Value>) {
    let Some(buffer) = new_buffer(scope, text.utf8_length(scope)) else { return };
    let written = text.write_utf8_v2(scope, contents_mut(buffer), v8::WriteFlags::kReplaceInvalidUtf8, None);
    if let Some(array) = v8::Uint8Array::new(scope, buffer, 0, written) {
        rv.set(array.into());
    }
}

fn units(scope: &mut v8::PinScope, text: v8::Local<v8::String>) -> Vec<u16> {
    let mut units = vec![0u16; text.length()];
    text.write_v2(scope, 0, &mut units, v8::WriteFlags::empty());
    units
}

fn array_of<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: &[u8]) -> Option<v8::Local<'s, v8::Uint8Array>> {
    let buffer = new_buffer(scope, bytes.len())?;
    contents_mut(buffer).copy_from_slice(bytes);
    v8::Uint8Array::new(scope, buffer, 0, bytes.len())
}

/// Node's base64 decoding: both alphabets, characters outside them skipped, `=` ends the data,
/// a lone last character dropped.
fn lenient_base64(units: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(units.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &unit in units {
        let value = match unit {
            0x41..=0x5a => unit - 0x41,
            0x61..=0x7a => unit - 0x61 + 26,
            0x30..=0x39 => unit - 0x30 + 52,
            0x2b | 0x2d => 62,
            0x2f | 0x5f => 63,
            0x3d => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Node's hex decoding: pairs of hex digits up to the first pair that is not one.
fn hex_prefix(units: &[u16]) -> Vec<u8> {
    let digit = |u: u16| char::from_u32(u32::from(u)).and_then(|c| c.to_digit(16));
    units.chunks_exact(2).map_while(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)).collect()
}

pub fn op_buffer_decode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(bytes) = bytes_of(args.get(0)) else {
        return throw_type_error(scope, "bufferDecode: bytes must be an ArrayBufferView");
    };
    let Some(encoding) = named(scope, args.get(1)) else { return };
    let text = match encoding {
        Encoding::Utf8 => {
            let text = String::from_utf8_lossy(&bytes);
            v8::String::new_from_utf8(scope, text.as_bytes(), v8::NewStringType::Normal)
        }
        Encoding::Latin1 => one_byte(scope, &bytes),
        Encoding::Ascii => one_byte(scope, &bytes.iter().map(|b| b & 0x7f).collect::<Vec<_>>()),
        Encoding::Utf16le => {
            let units: Vec<u16> = bytes.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
            v8::String::new_from_two_byte(scope, &units, v8::NewStringType::Normal)
        }
        Encoding::Base64 => one_byte(scope, STANDARD.encode(&bytes).as_bytes()),
        Encoding::Base64url => one_byte(scope, URL_SAFE_NO_PAD.encode(&bytes).as_bytes()),
        Encoding::Hex => one_byte(scope, hex(&bytes).as_bytes()),
    };
    match text {
        Some(text) => rv.set(text.into()),
        None => throw_range_error(scope, "Cannot create a string longer than the maximum string length"),
    }
}

/// `ops.bufferIsUtf8(bytes)`: whether the bytes are well-formed UTF-8 (`buffer.isUtf8`).
pub fn op_buffer_is_utf8(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    match bytes_of(args.get(0)) {
        Some(bytes) => rv.set_bool(std::str::from_utf8(&bytes).is_ok()),
        None => throw_type_error(scope, "isUtf8: input must be an ArrayBuffer or ArrayBufferView"),
    }
}

fn one_byte<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: &[u8]) -> Option<v8::Local<'s, v8::String>> {
    v8::String::new_from_one_byte(scope, bytes, v8::NewStringType::Normal)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(text: &str) -> Vec<u16> {
        text.encode_utf16().collect()
    }

    #[test]
    fn base64_takes_both_alphabets_and_skips_noise() {
        assert_eq!(lenient_base64(&units("aGVs bG8=")), b"hello");
        assert_eq!(lenient_base64(&units("-_8")), [0xfb, 0xff]);
        assert_eq!(lenient_base64(&units("aGk=trailing")), b"hi");
    }

    #[test]
    fn hex_stops_at_the_first_bad_pair() {
        assert_eq!(hex_prefix(&units("00ffzz11")), [0x00, 0xff]);
        assert_eq!(hex_prefix(&units("abc")), [0xab]);
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
