//! UTF-8 ops behind `TextEncoder` and `TextDecoder`.

use super::{bytes_of, contents_mut, new_buffer, throw_type_error};

/// Encodes straight into a buffer from the worker's budget (lone surrogates become U+FFFD, as
/// the Encoding Standard asks), so no copy of the text lives outside it.
pub fn op_utf8_encode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(text) = args.get(0).to_string(scope) else {
        return;
    };
    let len = text.utf8_length(scope);
    let Some(buffer) = new_buffer(scope, len) else {
        return;
    };
    let flags = v8::WriteFlags::kReplaceInvalidUtf8;
    let written = text.write_utf8_v2(scope, contents_mut(buffer), flags, None);
    if let Some(array) = v8::Uint8Array::new(scope, buffer, 0, written) {
        rv.set(array.into());
    }
}

pub fn op_utf8_encode_into(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let text = args.get(0).to_rust_string_lossy(scope);
    let Ok(dest) = v8::Local::<v8::Uint8Array>::try_from(args.get(1)) else {
        return throw_type_error(scope, "encodeInto: destination must be a Uint8Array");
    };
    let capacity = dest.byte_length();
    // Whole characters only, as the spec requires: stop before a char that does not fit.
    let (mut read_utf16, mut written) = (0u32, 0usize);
    for ch in text.chars() {
        if written + ch.len_utf8() > capacity {
            break;
        }
        written += ch.len_utf8();
        read_utf16 += ch.len_utf16() as u32;
    }
    if written > 0 {
        let base = dest.data() as *mut u8;
        // SAFETY: `dest` is a live Uint8Array of `capacity >= written` bytes; no JS runs while
        // we write, and the source is a Rust String that does not alias it.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), base, written) };
    }
    let read = v8::Number::new(scope, read_utf16 as f64);
    let wrote = v8::Number::new(scope, written as f64);
    rv.set(v8::Array::new_with_elements(scope, &[read.into(), wrote.into()]).into());
}

pub fn op_utf8_decode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(bytes) = bytes_of(args.get(0)) else {
        return throw_type_error(scope, "decode: input must be an ArrayBuffer or ArrayBufferView");
    };
    let fatal = args.get(1).is_true();
    let ignore_bom = args.get(2).is_true();
    let mut slice = bytes.as_slice();
    if !ignore_bom {
        slice = slice.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(slice);
    }
    let text = match std::str::from_utf8(slice) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) if fatal => {
            return throw_type_error(scope, "The encoded data was not valid for encoding utf-8");
        }
        Err(_) => String::from_utf8_lossy(slice),
    };
    match v8::String::new(scope, &text) {
        Some(s) => rv.set(s.into()),
        None => throw_type_error(scope, "decode: the text is too long for a JavaScript string"),
    }
}
