//! The ops behind `TextEncoder` and `TextDecoder`: UTF-8 directly, the Encoding Standard's other
//! encodings through encoding_rs. A streaming decode of those keeps its decoder here, between
//! calls, until the stream's last chunk; JS holds only its id.

use std::collections::HashMap;

use encoding_rs::{DecoderResult, Encoding};

use super::{bytes_of, contents_mut, new_buffer, state, throw_range_error, throw_type_error};

/// What one open streaming decoder is charged to the worker's off-heap budget: more than it
/// holds, so that streams a tenant opens and abandons run into its memory limit.
const DECODER_CHARGE: usize = 1024;

/// A worker's streaming decoders by id.
#[derive(Default)]
pub struct Decoders {
    open: HashMap<u32, encoding_rs::Decoder>,
    next: u32,
}

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

/// The encoding for `label` as the Encoding Standard names it (lower case), or None when the
/// label is unknown or names the replacement encoding, which TextDecoder refuses.
fn encoding_for(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim_matches(['\t', '\n', '\x0c', '\r', ' ']).as_bytes())
        .filter(|e| *e != encoding_rs::REPLACEMENT)
}

/// `ops.encodingName(label)`: the canonical name, or null.
pub fn op_encoding_name(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let label = args.get(0).to_rust_string_lossy(scope);
    match encoding_for(&label) {
        Some(encoding) => {
            let name = encoding.name().to_ascii_lowercase();
            rv.set(v8::String::new(scope, &name).unwrap().into());
        }
        None => rv.set_null(),
    }
}

fn new_decoder(encoding: &'static Encoding, ignore_bom: bool) -> encoding_rs::Decoder {
    // The Encoding Standard's TextDecoder strips a BOM only when it matches the encoding.
    if ignore_bom {
        encoding.new_decoder_without_bom_handling()
    } else {
        encoding.new_decoder_with_bom_removal()
    }
}

/// Decodes `bytes` with `decoder` into a JS string; with `fatal`, malformed input throws the
/// TypeError the spec asks for (and None comes back).
fn decode_with<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    decoder: &mut encoding_rs::Decoder,
    bytes: &[u8],
    fatal: bool,
    last: bool,
) -> Option<v8::Local<'s, v8::String>> {
    let Some(capacity) = decoder.max_utf8_buffer_length(bytes.len()) else {
        throw_range_error(scope, "Invalid string length");
        return None;
    };
    let mut text = String::with_capacity(capacity);
    if fatal {
        let (result, _) = decoder.decode_to_string_without_replacement(bytes, &mut text, last);
        if let DecoderResult::Malformed(..) = result {
            let name = decoder.encoding().name().to_ascii_lowercase();
            throw_type_error(scope, &format!("The encoded data was not valid for encoding {name}"));
            return None;
        }
    } else {
        // The capacity fits the whole output, so the input is always used up.
        let _ = decoder.decode_to_string(bytes, &mut text, last);
    }
    let decoded = v8::String::new(scope, &text);
    if decoded.is_none() {
        throw_range_error(scope, "Invalid string length");
    }
    decoded
}

/// `ops.textDecode(name, bytes, fatal, ignoreBOM)`: one whole input in an encoding other than
/// UTF-8.
pub fn op_text_decode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let name = args.get(0).to_rust_string_lossy(scope);
    let Some(encoding) = encoding_for(&name) else { return throw_range_error(scope, "unknown encoding") };
    let Some(bytes) = bytes_of(args.get(1)) else {
        return throw_type_error(scope, "decode: input must be an ArrayBuffer or ArrayBufferView");
    };
    let mut decoder = new_decoder(encoding, args.get(3).is_true());
    if let Some(text) = decode_with(scope, &mut decoder, &bytes, args.get(2).is_true(), true) {
        rv.set(text.into());
    }
}

/// `ops.decoderOpen(name, ignoreBOM)`: a streaming decoder's id, charged to the budget.
pub fn op_decoder_open(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let name = args.get(0).to_rust_string_lossy(scope);
    let Some(encoding) = encoding_for(&name) else { return throw_range_error(scope, "unknown encoding") };
    let state = state(scope);
    if !state.buffers.as_ref().is_some_and(|b| b.reserve(DECODER_CHARGE)) {
        return throw_range_error(
            scope,
            "TextDecoder: a streaming decode would exceed this worker's memory limit",
        );
    }
    let decoders = &mut state.decoders;
    decoders.next = decoders.next.wrapping_add(1).max(1);
    let id = decoders.next;
    decoders.open.insert(id, new_decoder(encoding, args.get(1).is_true()));
    rv.set(v8::Integer::new_from_unsigned(scope, id).into());
}

/// `ops.decoderDecode(id, bytes, fatal, last)`: the next chunk of a stream. The decoder is
/// dropped after the last chunk or a fatal error.
pub fn op_decoder_decode(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let Some(bytes) = bytes_of(args.get(1)) else {
        return throw_type_error(scope, "decode: input must be an ArrayBuffer or ArrayBufferView");
    };
    let (fatal, last) = (args.get(2).is_true(), args.get(3).is_true());
    let Some(mut decoder) = state(scope).decoders.open.remove(&id) else {
        return throw_type_error(scope, "decode: the stream is closed");
    };
    let text = decode_with(scope, &mut decoder, &bytes, fatal, last);
    let state = state(scope);
    match text {
        Some(text) if !last => {
            state.decoders.open.insert(id, decoder);
            rv.set(text.into());
        }
        text => {
            if let Some(budget) = &state.buffers {
                budget.release(DECODER_CHARGE);
            }
            if let Some(text) = text {
                rv.set(text.into());
            }
        }
    }
}
