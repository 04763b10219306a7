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
mod fetch;
mod timers;
mod url;

use std::collections::HashMap;
use std::rc::Rc;
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
    pub link: Rc<HostLink>,
    /// The native client for `fetch()`, when the worker's outbound is an HttpOutbound.
    pub http: Option<std::sync::Arc<crate::outbound::HttpOutbound>>,
    /// Promises of host calls not yet answered, by call id.
    pub host_calls: HashMap<u64, v8::Global<v8::PromiseResolver>>,
    next_call: u64,
    /// Service bindings handed to this isolate, by the index their stubs carry.
    pub services: Vec<crate::value::Service>,
    /// The bootstrap's `hooks.serviceFetch`, which gives a service stub its `fetch(input, init)`.
    pub service_fetch: Option<v8::Global<v8::Function>>,
    /// The bootstrap's `hooks.wasmModule`, which compiles a `wasm` module's bytes.
    pub wasm_module: Option<v8::Global<v8::Function>>,
    /// The isolate's off-heap budget (ArrayBuffers), which WebAssembly memory is charged to.
    pub buffers: Option<std::sync::Arc<crate::heap::BufferBudget>>,
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
            link: Rc::new(link),
            http: None,
            host_calls: HashMap::new(),
            next_call: 1,
            services: Vec::new(),
            service_fetch: None,
            wasm_module: None,
            buffers: None,
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
    "urlParse" => url::op_url_parse,
    "randomFill" => crypto::op_random_fill,
    "randomUUID" => crypto::op_random_uuid,
    "digest" => crypto::op_digest,
    "structuredClone" => clone::op_structured_clone,
    "normalizeMethod" => fetch::op_normalize_method,
    "takeSubrequest" => op_take_subrequest,
    "chargeWasm" => op_charge_wasm,
    "wasmRoom" => op_wasm_room,
}

/// `ops.wasmRoom()`: bytes left in the worker's off-heap budget.
fn op_wasm_room(
    scope: &mut v8::PinScope,
    _args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let room = state(scope).buffers.as_ref().map_or(0, |b| b.room());
    rv.set_double(room as f64);
}

/// `ops.chargeWasm(bytes)`: reserves WebAssembly memory the worker may come to use in its
/// off-heap budget, for good (see js/13_wasm.js). Returns false, reserving nothing, past it.
fn op_charge_wasm(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let bytes = args.get(0).number_value(scope).unwrap_or(f64::NAN);
    let budget = state(scope).buffers.clone();
    let fits =
        bytes >= 0.0 && bytes <= usize::MAX as f64 && budget.is_some_and(|b| b.reserve(bytes as usize));
    rv.set_bool(fits);
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
    let msg = v8::String::new(scope, message).unwrap();
    let exc =
        if type_error { v8::Exception::type_error(scope, msg) } else { v8::Exception::error(scope, msg) };
    resolver.reject(scope, exc);
}

/// Throws a JS `TypeError` with `message`.
fn throw_type_error(scope: &mut v8::PinScope<'_, '_>, message: &str) {
    let msg = v8::String::new(scope, message).unwrap();
    let exc = v8::Exception::type_error(scope, msg);
    scope.throw_exception(exc);
}

/// Copies the bytes of an ArrayBufferView or ArrayBuffer.
pub fn bytes_of(value: v8::Local<v8::Value>) -> Option<Vec<u8>> {
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

pub fn state<'a>(scope: &'a mut v8::PinScope<'_, '_>) -> &'a mut OpState {
    scope.get_slot_mut::<OpState>().expect("OpState is installed before any JS runs")
}
