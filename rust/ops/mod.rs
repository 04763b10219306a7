//! Ops: the native functions the bootstrap JavaScript (`rust/js/`) builds the Workers globals
//! from. They are handed to each bootstrap file as one `ops` object and never reach user code.
//! Run on the isolate's thread; per-isolate state lives in the `OpState` isolate slot.
//!
//! The list in `ops!` is the single source for both installing the functions and (for the
//! startup snapshot) registering them as external references.

mod clone;
mod console;
mod crypto;
mod encoding;
mod timers;
mod url;

use std::collections::HashSet;
use std::time::Instant;

pub use console::{Level, LogLine};

/// Per-isolate state the ops read and write.
pub struct OpState {
    /// `performance.now()` zero.
    pub origin: Instant,
    /// Console output not yet handed to the host.
    pub logs: Vec<LogLine>,
    /// Timers armed by JS and not yet fired or cancelled, with their deadlines.
    pub timers: Vec<(u32, Instant)>,
    /// Ids cancelled while their deadline is still queued.
    pub cancelled: HashSet<u32>,
}

impl OpState {
    pub fn new() -> Self {
        OpState { origin: Instant::now(), logs: Vec::new(), timers: Vec::new(), cancelled: HashSet::new() }
    }

    /// The earliest armed timer's deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.iter().map(|(_, d)| *d).min()
    }

    /// Removes and returns the ids of timers due at `now`, earliest first.
    pub fn take_due(&mut self, now: Instant) -> Vec<u32> {
        let mut due: Vec<(u32, Instant)> = self.timers.iter().copied().filter(|(_, d)| *d <= now).collect();
        due.sort_by_key(|(id, d)| (*d, *id));
        self.timers.retain(|(_, d)| *d > now);
        due.into_iter().map(|(id, _)| id).collect()
    }
}

impl Default for OpState {
    fn default() -> Self {
        Self::new()
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
    "urlParse" => url::op_url_parse,
    "randomFill" => crypto::op_random_fill,
    "randomUUID" => crypto::op_random_uuid,
    "digest" => crypto::op_digest,
    "structuredClone" => clone::op_structured_clone,
}

/// Throws a JS `TypeError` with `message`.
fn throw_type_error(scope: &mut v8::PinScope<'_, '_>, message: &str) {
    let msg = v8::String::new(scope, message).unwrap();
    let exc = v8::Exception::type_error(scope, msg);
    scope.throw_exception(exc);
}

/// Copies the bytes of an ArrayBufferView or ArrayBuffer argument.
fn bytes_arg(value: v8::Local<v8::Value>) -> Option<Vec<u8>> {
    if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(value) {
        let mut out = vec![0u8; view.byte_length()];
        view.copy_contents(&mut out);
        return Some(out);
    }
    if let Ok(buffer) = v8::Local::<v8::ArrayBuffer>::try_from(value) {
        let store = buffer.get_backing_store();
        let len = store.byte_length();
        let Some(data) = store.data() else {
            return Some(Vec::new());
        };
        // SAFETY: the backing store is kept alive by `store` for the duration of the copy and
        // holds `len` initialised bytes; JS cannot run concurrently on this thread.
        return Some(unsafe { std::slice::from_raw_parts(data.as_ptr() as *const u8, len) }.to_vec());
    }
    None
}

/// A new `Uint8Array` owning `bytes`.
fn uint8_array<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: Vec<u8>) -> v8::Local<'s, v8::Uint8Array> {
    let len = bytes.len();
    let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared();
    let buffer = v8::ArrayBuffer::with_backing_store(scope, &store);
    v8::Uint8Array::new(scope, buffer, 0, len).unwrap()
}

fn state<'a>(scope: &'a mut v8::PinScope<'_, '_>) -> &'a mut OpState {
    scope.get_slot_mut::<OpState>().expect("OpState is installed before any JS runs")
}
