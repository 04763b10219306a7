//! Once-per-process V8 initialisation, and the fork guard. Any thread may call `init()`; the
//! first call wins and the platform then lives until the process exits (V8 cannot be
//! re-initialised after disposal).

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The pid that initialised V8. A forked child inherits V8's memory but not its threads (the
/// platform's workers, our isolate threads), so V8 must not be used there.
static INIT_PID: OnceLock<u32> = OnceLock::new();

pub fn init() -> Result<()> {
    let pid = *INIT_PID.get_or_init(|| {
        // WebAssembly memory is mapped by V8 itself, outside the per-isolate ArrayBuffer
        // allocator and its budget; capping every memory at 2048 pages (128 MiB, the default
        // memory limit) bounds what one grow loop can map. Declared maximums above it still load.
        v8::V8::set_flags_from_string("--stack-size=900 --wasm-max-mem-pages=2048");
        let platform = v8::new_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
        std::process::id()
    });
    if pid != std::process::id() {
        return Err(Error::Worker(format!(
            "V8 was started in process {pid} and this process ({}) is a fork of it; V8 cannot run \
             in a forked child. Create Loaders after forking (e.g. in gunicorn's post_fork hook).",
            std::process::id()
        )));
    }
    Ok(())
}
