//! The ops behind `CompressionStream` and `DecompressionStream` (js/17_compression.js): gzip,
//! zlib ("deflate") and raw deflate through flate2 on its zlib-rs backend. A stream's codec stays
//! here between chunks, by id (JS holds only the id), with the input it has not consumed yet; both
//! are charged to the worker's off-heap budget until the stream ends, fails or is cancelled.
//! Nothing frees them otherwise (there are no finalizers), so abandoned streams run into the
//! tenant's memory limit, not the host's.
//!
//! Native code is out of the CPU watchdog's reach, and a few bytes can inflate to gigabytes, so
//! no call does more than one step (`codec.rs`): at most `IN_STEP` bytes in and `OUT_STEP` out. JS
//! pulls step by step and enqueues each piece as the stream's reader asks for it; a reader that
//! keeps every piece of a bomb runs into its own memory limit. Runs on the isolate's thread.

use std::collections::HashMap;

mod codec;

use super::{contents_mut, new_buffer, state, throw_range_error, throw_type_error};
use codec::{Format, Stream};

/// An open stream and what it is charged to the budget now.
struct Open {
    stream: Stream,
    charged: usize,
}

/// A worker's open (de)compression streams by id.
#[derive(Default)]
pub struct Streams {
    open: HashMap<u32, Open>,
    next: u32,
}

/// Brings `open`'s charge to what its stream holds; false (charge unchanged) when the growth
/// does not fit the budget.
fn recharge(budget: &crate::heap::BufferBudget, open: &mut Open) -> bool {
    let holds = open.stream.holds();
    if holds > open.charged && !budget.reserve(holds - open.charged) {
        return false;
    }
    if holds < open.charged {
        budget.release(open.charged - holds);
    }
    open.charged = holds;
    true
}

type Budget = std::sync::Arc<crate::heap::BufferBudget>;

/// Makes the stream's codec on its first write or pull and charges it; false when the budget has
/// no room for it.
fn started(budget: &crate::heap::BufferBudget, open: &mut Open) -> bool {
    !open.stream.start() || recharge(budget, open)
}

/// Takes stream `id` out of the worker's table, with the budget it is charged to; a TypeError
/// when it is not open. An op puts it back with `keep` unless the stream is done.
fn take(scope: &mut v8::PinScope, id: u32) -> Option<(Budget, Open)> {
    let state = state(scope);
    let taken = state.buffers.clone().zip(state.compression.open.remove(&id));
    if taken.is_none() {
        throw_type_error(scope, "The compression stream is closed");
    }
    taken
}

fn keep(scope: &mut v8::PinScope, id: u32, open: Open) {
    state(scope).compression.open.insert(id, open);
}

/// `ops.compressionOpen(format, decompress)`: a new stream's id, its entry charged to the budget
/// (its codec is charged when made, on first use); a TypeError for a format the Compression Standard does not name.
pub fn op_compression_open(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let name = args.get(0).to_rust_string_lossy(scope);
    let decompress = args.get(1).is_true();
    let what = if decompress { "DecompressionStream" } else { "CompressionStream" };
    let Some(format) = Format::parse(&name) else {
        return throw_type_error(scope, &format!("{what}: unsupported compression format '{name}'"));
    };
    let state = state(scope);
    let mut open = Open { stream: Stream::new(format, decompress), charged: 0 };
    if !state.buffers.as_ref().is_some_and(|budget| recharge(budget, &mut open)) {
        return throw_range_error(
            scope,
            &format!("{what}: a new stream would exceed this worker's memory limit"),
        );
    }
    let streams = &mut state.compression;
    loop {
        streams.next = streams.next.wrapping_add(1).max(1);
        if !streams.open.contains_key(&streams.next) {
            break;
        }
    }
    let id = streams.next;
    streams.open.insert(id, open);
    rv.set(v8::Integer::new_from_unsigned(scope, id).into());
}

/// A chunk as the WebIDL BufferSource the standard asks for: an ArrayBuffer or a view of one,
/// neither shared nor resizable.
enum Source<'s> {
    View(v8::Local<'s, v8::ArrayBufferView>),
    Buffer(v8::Local<'s, v8::ArrayBuffer>),
}

fn buffer_source<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
) -> Option<Source<'s>> {
    let plain = |store: v8::SharedRef<v8::BackingStore>| {
        !store.is_shared() && !store.is_resizable_by_user_javascript()
    };
    if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(value) {
        // A view without a buffer of its own yet is a small, plain one; asking for its buffer
        // would allocate one.
        if view.has_buffer() && !view.buffer(scope).is_some_and(|b| plain(b.get_backing_store())) {
            return None;
        }
        return Some(Source::View(view));
    }
    let buffer = v8::Local::<v8::ArrayBuffer>::try_from(value).ok()?;
    plain(buffer.get_backing_store()).then_some(Source::Buffer(buffer))
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::View(view) => view.byte_length(),
            Source::Buffer(buffer) => buffer.byte_length(),
        }
    }

    /// Copies the bytes into `dest`, which is `len()` long.
    fn copy_to(&self, dest: &mut [u8]) {
        match self {
            Source::View(view) => {
                view.copy_contents(dest);
            }
            Source::Buffer(buffer) => {
                if let Some(data) = buffer.data() {
                    // SAFETY: a live, non-shared ArrayBuffer holds `byte_length() == dest.len()`
                    // initialised bytes at `data`; no JS runs during the copy, so nothing
                    // detaches or resizes it, and `dest` is Rust memory that cannot alias it.
                    let bytes = unsafe { std::slice::from_raw_parts(data.as_ptr() as *const u8, dest.len()) };
                    dest.copy_from_slice(bytes);
                }
            }
        }
    }
}

/// `ops.compressionWrite(id, chunk)`: copies a chunk into stream `id`'s input, charged to the
/// budget until consumed. Any failure throws and closes the stream.
pub fn op_compression_write<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let source = buffer_source(scope, args.get(1));
    let Some((budget, mut open)) = take(scope, id) else { return };
    let what = open.stream.what();
    let Some(source) = source else {
        budget.release(open.charged);
        return throw_type_error(
            scope,
            &format!(
                "{what}: a chunk must be an ArrayBuffer or ArrayBufferView (neither shared nor resizable)"
            ),
        );
    };
    if !started(&budget, &mut open) {
        budget.release(open.charged);
        return throw_range_error(
            scope,
            &format!("{what}: its state would exceed this worker's memory limit"),
        );
    }
    let len = source.len();
    if !budget.reserve(len) {
        budget.release(open.charged);
        return throw_range_error(
            scope,
            &format!("{what}: the chunk would exceed this worker's memory limit"),
        );
    }
    open.charged += len;
    match open.stream.extend(len) {
        Ok(dest) => source.copy_to(dest),
        Err(failure) => {
            budget.release(open.charged);
            return throw_type_error(scope, &open.stream.message(&failure));
        }
    }
    // Only shrinks: the input buffer grew by at most `len`.
    recharge(&budget, &mut open);
    keep(scope, id, open);
}

/// `ops.compressionPull(id, finish)`: one step of stream `id`. Returns a Uint8Array of output,
/// null when the step made progress but no output, or undefined when nothing is left to do
/// until the next chunk; with `finish` (the writable side closed), undefined means the stream
/// is complete and closed. A corrupt, truncated or overlong compressed stream throws a
/// TypeError; any failure closes the stream.
pub fn op_compression_pull(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let finish = args.get(1).is_true();
    let Some((budget, mut open)) = take(scope, id) else { return };
    if !started(&budget, &mut open) {
        budget.release(open.charged);
        let what = open.stream.what();
        return throw_range_error(
            scope,
            &format!("{what}: its state would exceed this worker's memory limit"),
        );
    }
    let step = open.stream.step(finish);
    recharge(&budget, &mut open);
    let out = match step {
        Ok(Some(out)) => out,
        Ok(None) if finish => return budget.release(open.charged),
        Ok(None) => return keep(scope, id, open),
        Err(failure) => {
            budget.release(open.charged);
            return throw_type_error(scope, &open.stream.message(&failure));
        }
    };
    if out.is_empty() {
        keep(scope, id, open);
        return rv.set_null();
    }
    let Some(buffer) = new_buffer(scope, out.len()) else {
        return budget.release(open.charged);
    };
    contents_mut(buffer).copy_from_slice(&out);
    keep(scope, id, open);
    if let Some(array) = v8::Uint8Array::new(scope, buffer, 0, out.len()) {
        rv.set(array.into());
    }
}

/// `ops.compressionClose(id)`: forgets stream `id` (cancelled, aborted or failed), if open.
pub fn op_compression_close(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let state = state(scope);
    if let Some(open) = state.compression.open.remove(&id)
        && let Some(budget) = &state.buffers
    {
        budget.release(open.charged);
    }
}
