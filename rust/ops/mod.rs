//! Ops: the native functions the bootstrap JavaScript (`rust/js/`) builds the Workers globals
//! from. They are handed to each bootstrap file as one `ops` object and never reach user code.
//! Run on the isolate's thread; per-isolate state lives in the `OpState` isolate slot.
//!
//! The list in `ops!` is the single source for both installing the functions and (for the
//! startup snapshot) registering them as external references.

mod async_context;
mod clone;
mod compression;
mod console;
mod crypto;
mod encoding;
mod fetch;
mod forgiving_base64;
mod multipart;
mod node;
mod node_hash;
mod node_types;
pub mod outbound;
pub mod python;
mod timers;
mod url;
mod urlpattern;
pub mod wasm;

use std::collections::HashMap;
use std::time::Instant;

use crate::rpc::HostLink;

pub use console::{Level, LogLine};

#[derive(Debug, Clone, Copy)]
pub struct Timer {
    pub id: u32,
    pub deadline: Instant,
}

/// Per-isolate state the ops read and write.
pub struct OpState {
    /// `performance.now()` zero.
    pub origin: Instant,
    /// Console output not yet handed to the host.
    pub logs: Vec<LogLine>,
    /// Timers armed by JS and not yet fired or cancelled.
    pub timers: Vec<Timer>,
    /// The way out: the host for host calls, and the answer path back to this isolate.
    pub link: std::sync::Arc<HostLink>,
    /// The native client for `fetch()`, when the worker's outbound is an HttpOutbound.
    pub http: Option<std::sync::Arc<crate::outbound::HttpOutbound>>,
    /// Promises of host calls not yet answered, by call id.
    pub host_calls: HashMap<u64, v8::Global<v8::PromiseResolver>>,
    next_call: u64,
    /// Service bindings handed to this isolate, by the index their stubs carry.
    pub services: Vec<crate::value::Service>,
    /// The bootstrap's `hooks`, for ops that call back into the runtime (`serviceFetch` gives a
    /// service stub its `fetch(input, init)`, `wasmModule` compiles a `wasm` module's bytes).
    pub hooks: Option<v8::Global<v8::Object>>,
    /// The isolate's off-heap budget: ArrayBuffers (the ops' own included, see `new_buffer`) and
    /// WebAssembly memory (ops/wasm.rs).
    pub buffers: Option<std::sync::Arc<crate::heap::BufferBudget>>,
    /// Streaming TextDecoders of encodings other than UTF-8, between chunks.
    pub decoders: encoding::Decoders,
    /// `node:crypto`'s open Hash and Hmac objects.
    pub hashes: node_hash::Hashes,
    /// Open CompressionStreams and DecompressionStreams: codecs and their pending input.
    pub compression: compression::Streams,
    /// Response bodies of `fetch()` through HttpOutbound still being read, by id.
    pub http_bodies: outbound::OpenBodies,
    /// Request bodies of `fetch()` through HttpOutbound still streaming out, by id.
    pub http_uploads: outbound::OpenUploads,
    /// Outbound requests made by the calls in flight, and the tightest limit among them.
    pub subrequests: u64,
    pub subrequest_limit: Option<u64>,
    /// Set when a fetch was refused for the limit (the limit then), so the rejection can become
    /// `SubrequestLimitExceeded` in Python.
    pub subrequests_exceeded: Option<u64>,
}

impl OpState {
    pub fn new(link: HostLink) -> Self {
        OpState {
            origin: Instant::now(),
            logs: Vec::new(),
            timers: Vec::new(),
            link: std::sync::Arc::new(link),
            http: None,
            host_calls: HashMap::new(),
            next_call: 1,
            services: Vec::new(),
            hooks: None,
            buffers: None,
            decoders: Default::default(),
            hashes: Default::default(),
            compression: Default::default(),
            http_bodies: Default::default(),
            http_uploads: Default::default(),
            subrequests: 0,
            subrequest_limit: None,
            subrequests_exceeded: None,
        }
    }

    /// State for an isolate that only makes the snapshot: no worker, nothing to answer.
    pub fn detached() -> Self {
        let link = HostLink { worker: 0, host: None, answer: std::sync::Arc::new(|_, _| {}) };
        OpState::new(link)
    }

    /// Registers the promise of a host call; returns its id.
    pub fn begin_host_call(&mut self, resolver: v8::Global<v8::PromiseResolver>) -> u64 {
        let id = self.next_call;
        self.next_call += 1;
        self.host_calls.insert(id, resolver);
        id
    }

    /// Whether anything outside JavaScript (a timer, a host call) can still wake this isolate.
    pub fn has_pending_work(&self) -> bool {
        !self.timers.is_empty() || !self.host_calls.is_empty()
    }

    /// The earliest armed timer's deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.iter().map(|t| t.deadline).min()
    }

    /// Removes and returns the ids of timers due at `now`, earliest first.
    pub fn take_due(&mut self, now: Instant) -> Vec<u32> {
        let mut due: Vec<Timer> = self.timers.iter().copied().filter(|t| t.deadline <= now).collect();
        due.sort_by_key(|t| (t.deadline, t.id));
        self.timers.retain(|t| t.deadline > now);
        due.into_iter().map(|t| t.id).collect()
    }
}

macro_rules! ops {
    ($($name:literal => $f:path),* $(,)?) => {
        /// Builds the `ops` object for the bootstrap files.
        pub fn object<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Object> {
            let ops = v8::Object::new(scope);
            $(
                let name = v8::String::new(scope, $name).unwrap();
                let func = v8::Function::new(scope, $f).unwrap();
                func.set_name(name);
                ops.set(scope, name.into(), func.into());
            )*
            ops
        }

        /// Every op callback, for snapshot creation and deserialisation.
        pub fn external_references() -> Vec<v8::ExternalReference> {
            use v8::MapFnTo;
            vec![$(v8::ExternalReference { function: $f.map_fn_to() }),*]
        }
    };
}

ops! {
    "log" => console::op_log,
    "now" => timers::op_now,
    "timerStart" => timers::op_timer_start,
    "timerCancel" => timers::op_timer_cancel,
    "utf8Encode" => encoding::op_utf8_encode,
    "utf8EncodeInto" => encoding::op_utf8_encode_into,
    "utf8Decode" => encoding::op_utf8_decode,
    "encodingName" => encoding::op_encoding_name,
    "textDecode" => encoding::op_text_decode,
    "decoderOpen" => encoding::op_decoder_open,
    "decoderDecode" => encoding::op_decoder_decode,
    "compressionOpen" => compression::op_compression_open,
    "compressionWrite" => compression::op_compression_write,
    "compressionPull" => compression::op_compression_pull,
    "compressionClose" => compression::op_compression_close,
    "urlParse" => url::op_url_parse,
    "urlPatternParse" => urlpattern::op_url_pattern_parse,
    "urlPatternInput" => urlpattern::op_url_pattern_input,
    "base64Encode" => forgiving_base64::op_base64_encode,
    "base64Decode" => forgiving_base64::op_base64_decode,
    "randomFill" => crypto::op_random_fill,
    "randomUUID" => crypto::op_random_uuid,
    "digest" => crypto::op_digest,
    "timingSafeEqual" => crypto::op_timing_safe_equal,
    "importKey" => crypto::op_import_key,
    "exportKey" => crypto::op_export_key,
    "generateKey" => crypto::op_generate_key,
    "sign" => crypto::op_sign,
    "verify" => crypto::op_verify,
    "cipher" => crypto::op_cipher,
    "deriveBits" => crypto::op_derive_bits,
    "structuredClone" => clone::op_structured_clone,
    "bufferEncode" => node::op_buffer_encode,
    "bufferDecode" => node::op_buffer_decode,
    "bufferIsUtf8" => node::op_buffer_is_utf8,
    "hashOpen" => node_hash::op_hash_open,
    "hashUpdate" => node_hash::op_hash_update,
    "hashDigest" => node_hash::op_hash_digest,
    "hashCopy" => node_hash::op_hash_copy,
    "asyncContextGet" => async_context::op_async_context_get,
    "asyncContextSet" => async_context::op_async_context_set,
    "nodeTypeOf" => node_types::op_node_type_of,
    "nodePromiseState" => node_types::op_node_promise_state,
    "nodeProxyTarget" => node_types::op_node_proxy_target,
    "normalizeMethod" => fetch::op_normalize_method,
    "httpBodyRead" => outbound::op_body_read,
    "httpBodyCancel" => outbound::op_body_cancel,
    "httpUploadOpen" => outbound::op_upload_open,
    "httpUploadWrite" => outbound::op_upload_write,
    "httpUploadEnd" => outbound::op_upload_end,
    "multipartParse" => multipart::op_multipart_parse,
    "takeSubrequest" => op_take_subrequest,
    "importModule" => crate::modules::op_import_module,
    "enqueueMicrotask" => op_enqueue_microtask,
    "wasmMemoryDescriptor" => wasm::op_memory_descriptor,
    "wasmCompile" => wasm::op_compile,
    "wasmChargeInstance" => wasm::op_charge_instance,
}

/// `ops.enqueueMicrotask(fn)`: queues `fn` on V8's microtask queue directly, so queueMicrotask
/// needs no promise (whose `then`, `constructor` and species the sandbox can replace).
fn op_enqueue_microtask(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    match v8::Local::<v8::Function>::try_from(args.get(0)) {
        Ok(f) => scope.enqueue_microtask(f),
        Err(_) => throw_type_error(scope, "queueMicrotask: the callback must be a function"),
    }
}

/// `ops.takeSubrequest()`: counts one outbound request; returns how many remain, or
/// `-(limit + 1)` when the limit is already used up.
fn op_take_subrequest(
    scope: &mut v8::PinScope,
    _args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let state = state(scope);
    let left = match state.subrequest_limit {
        Some(limit) if state.subrequests >= limit => {
            state.subrequests_exceeded = Some(limit);
            -(limit as f64) - 1.0
        }
        Some(limit) => {
            state.subrequests += 1;
            (limit - state.subrequests) as f64
        }
        None => {
            state.subrequests += 1;
            f64::MAX
        }
    };
    rv.set_double(left);
}

/// Rejects the promise of a native async op with a `TypeError` (bad input from JS) or an
/// `Error` (anything else), so no op leaves its promise pending on a path that gives up.
pub fn reject(
    scope: &mut v8::PinScope<'_, '_>,
    resolver: v8::Local<v8::PromiseResolver>,
    type_error: bool,
    message: &str,
) {
    let msg = error_message(scope, message);
    let exc =
        if type_error { v8::Exception::type_error(scope, msg) } else { v8::Exception::error(scope, msg) };
    resolver.reject(scope, exc);
}

/// Throws a JS `TypeError` with `message`.
pub(crate) fn throw_type_error(scope: &mut v8::PinScope<'_, '_>, message: &str) {
    let msg = error_message(scope, message);
    let exc = v8::Exception::type_error(scope, msg);
    scope.throw_exception(exc);
}

/// Throws a JS `RangeError` with `message`.
pub(crate) fn throw_range_error(scope: &mut v8::PinScope<'_, '_>, message: &str) {
    let msg = error_message(scope, message);
    let exc = v8::Exception::range_error(scope, msg);
    scope.throw_exception(exc);
}

/// Throws a JS `Error` with `message`.
pub(crate) fn throw_error(scope: &mut v8::PinScope<'_, '_>, message: &str) {
    let msg = error_message(scope, message);
    let exc = v8::Exception::error(scope, msg);
    scope.throw_exception(exc);
}

/// The most of an error message that reaches JavaScript, in bytes.
const MAX_ERROR_MESSAGE: usize = 8 << 10;

/// `message` as the text of a JS error, cut to `MAX_ERROR_MESSAGE` bytes. Messages quote what the
/// sandbox passed in (a method, a specifier, a class name), which can hold more UTF-8 bytes than
/// a V8 string may (`v8::String::MAX_LENGTH`); uncut, creating the string would fail.
fn error_message<'s>(scope: &mut v8::PinScope<'s, '_>, message: &str) -> v8::Local<'s, v8::String> {
    let text = crate::value::truncated(message, MAX_ERROR_MESSAGE);
    v8::String::new(scope, &text).expect("V8 refuses only strings past MAX_LENGTH bytes")
}

/// Copies the bytes of an ArrayBufferView, ArrayBuffer or SharedArrayBuffer (a BufferSource).
pub fn bytes_of(value: v8::Local<v8::Value>) -> Option<Vec<u8>> {
    if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(value) {
        let mut out = vec![0u8; view.byte_length()];
        view.copy_contents(&mut out);
        return Some(out);
    }
    let store = if let Ok(buffer) = v8::Local::<v8::ArrayBuffer>::try_from(value) {
        buffer.get_backing_store()
    } else {
        v8::Local::<v8::SharedArrayBuffer>::try_from(value).ok()?.get_backing_store()
    };
    let len = store.byte_length();
    let Some(data) = store.data() else {
        return Some(Vec::new());
    };
    // SAFETY: the backing store is kept alive by `store` for the duration of the copy and holds
    // `len` initialised bytes; nothing writes them meanwhile: no JS runs on this thread, and a
    // SharedArrayBuffer never leaves its isolate (there is no postMessage), so no other thread
    // holds it.
    Some(unsafe { std::slice::from_raw_parts(data.as_ptr() as *const u8, len) }.to_vec())
}

/// A new zeroed ArrayBuffer of `len` bytes drawn from the worker's off-heap budget, or None with
/// a `RangeError` thrown when the budget has no room. Every buffer an op hands the sandbox comes
/// from here: a backing store made from a Rust Vec would sit outside the budget. V8 aborts the
/// process when the isolate's allocator refuses `ArrayBuffer::new`, so the room is checked
/// first; nothing else draws on the budget between the check and the allocation (this thread
/// runs no JS meanwhile, and other threads only free).
pub fn new_buffer<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    len: usize,
) -> Option<v8::Local<'s, v8::ArrayBuffer>> {
    if !has_room(scope, len) {
        throw_range_error(
            scope,
            &format!("Array buffer allocation failed: {len} bytes would exceed this worker's memory limit"),
        );
        return None;
    }
    Some(v8::ArrayBuffer::new(scope, len))
}

/// Whether the worker's off-heap budget has room for `len` more bytes. Buffers the sandbox has
/// dropped hold their share until a GC frees them, so a refusal first collects garbage and looks
/// again, as V8 does before it gives up on an ArrayBuffer of its own.
pub fn has_room(scope: &mut v8::PinScope<'_, '_>, len: usize) -> bool {
    let room = |scope: &mut v8::PinScope<'_, '_>| state(scope).buffers.as_ref().map_or(0, |b| b.room());
    if len <= room(scope) {
        return true;
    }
    // More than the whole budget never fits: no collection for it.
    if state(scope).buffers.as_ref().is_none_or(|b| len > b.limit()) {
        return false;
    }
    scope.low_memory_notification();
    len <= room(scope)
}

/// An ArrayBuffer holding a copy of `bytes`, drawn from the worker's off-heap budget like
/// `new_buffer`'s; None, with nothing thrown, when the budget has no room. For bytes that come
/// from outside the sandbox (host values, `data` and `wasm` modules), so a tenant cannot keep
/// many of them past its memory limit.
pub fn buffer_from<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    bytes: &[u8],
) -> Option<v8::Local<'s, v8::ArrayBuffer>> {
    if !has_room(scope, bytes.len()) {
        return None;
    }
    let buffer = v8::ArrayBuffer::new(scope, bytes.len());
    contents_mut(buffer).copy_from_slice(bytes);
    Some(buffer)
}

/// The bytes of a buffer made by `new_buffer`, to fill before any JS runs.
fn contents_mut<'a>(buffer: v8::Local<'a, v8::ArrayBuffer>) -> &'a mut [u8] {
    let len = buffer.byte_length();
    match buffer.data() {
        // SAFETY: a fresh, non-shared ArrayBuffer owns `len` initialised (zeroed) bytes, and no
        // JS runs while the caller holds the slice, so nothing else reads or detaches it.
        Some(data) if len > 0 => unsafe { std::slice::from_raw_parts_mut(data.as_ptr() as *mut u8, len) },
        _ => &mut [],
    }
}

/// The runtime's hook function `name` in `hooks` (the bootstrap's object); looked up when needed,
/// since a hook set by a lazily installed file installs it when read.
pub fn hook_in<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    hooks: v8::Local<'s, v8::Object>,
    name: &str,
) -> Option<v8::Local<'s, v8::Function>> {
    let key = v8::String::new(scope, name).unwrap();
    hooks.get(scope, key.into()).and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
}

/// `hook_in` for an op: the worker's hooks.
pub fn hook<'s>(scope: &mut v8::PinScope<'s, '_>, name: &str) -> Option<v8::Local<'s, v8::Function>> {
    let hooks = state(scope).hooks.clone()?;
    let hooks = v8::Local::new(scope, hooks);
    hook_in(scope, hooks, name)
}

pub fn state<'a>(scope: &'a mut v8::PinScope<'_, '_>) -> &'a mut OpState {
    scope.get_slot_mut::<OpState>().expect("OpState is installed before any JS runs")
}
