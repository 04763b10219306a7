//! Once-per-process V8 initialisation, and the fork guard. Any thread may call `init()`; the
//! first call wins and the platform then lives until the process exits (V8 cannot be
//! re-initialised after disposal).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// The pid that initialised V8. A forked child inherits V8's memory but not its threads (the
/// platform's workers, our isolate threads, the watchdog), so nothing made before the fork may
/// be used there: a command sent to an isolate thread would wait forever for an answer.
static INIT_PID: OnceLock<u32> = OnceLock::new();

/// Set in every forked child of the process that started V8. A flag set at fork time rather
/// than a pid compared on every call: `getpid` is a syscall, and the check sits on every call.
static FORKED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_fork_child() {
    // Async-signal-safe: one atomic store.
    FORKED.store(true, Ordering::Relaxed);
}

pub fn init() -> Result<()> {
    INIT_PID.get_or_init(|| {
        // WebAssembly memory is mapped by V8 itself, outside the per-isolate ArrayBuffer
        // allocator and its budget: every memory is charged to its worker (ops/wasm.rs), and
        // this ceiling bounds what one memory can map even so. Declared maximums above it load.
        let pages = crate::limits::WASM_MAX_PAGES;
        v8::V8::set_flags_from_string(&format!("--stack-size=900 --wasm-max-mem-pages={pages}"));
        let platform = v8::new_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
        // SAFETY: registers a plain function with no captured state; it runs in the child right
        // after fork(), where it only stores to an atomic.
        unsafe { libc::pthread_atfork(None, None, Some(on_fork_child)) };
        std::process::id()
    });
    not_forked()
}

/// Whether this process is a forked child of the one that started V8: every engine object it
/// inherited (loaders, workers, their threads) is unusable here.
pub fn forked() -> bool {
    FORKED.load(Ordering::Relaxed)
}

/// The error every entry point of an inherited object raises in a forked child.
pub fn not_forked() -> Result<()> {
    match forked() {
        true => Err(forked_error()),
        false => Ok(()),
    }
}

fn forked_error() -> Error {
    let pid = INIT_PID.get().copied().unwrap_or_default();
    Error::Worker(format!(
        "V8 was started in process {pid} and this process ({}) is a fork of it; V8 cannot run in \
         a forked child, and loaders and workers made before the fork cannot be used in it. \
         Create Loaders after forking (e.g. in gunicorn's post_fork hook).",
        std::process::id()
    ))
}
