//! The one way a workerbox thread (the asyncio completer, host-call threads) enters Python. When
//! the interpreter shuts down, CPython ends any thread that then tries to take the GIL with
//! `pthread_exit`, whose forced unwind cannot cross Rust frames and aborts the process. So an
//! `atexit` hook, which runs while every thread still works, closes the gate: it waits (GIL
//! released) for threads inside Python to leave, and from then on no workerbox thread enters.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

static INSIDE: AtomicUsize = AtomicUsize::new(0);
static CLOSED: AtomicBool = AtomicBool::new(false);

/// How long the exit hook waits for threads inside Python (a binding still running) to leave.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Runs `f` attached to the interpreter, or returns None once the interpreter is shutting down.
pub fn attach<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    INSIDE.fetch_add(1, Ordering::SeqCst);
    let result = (!CLOSED.load(Ordering::SeqCst)).then(|| Python::attach(f));
    INSIDE.fetch_sub(1, Ordering::SeqCst);
    result
}

/// Registered with `atexit` when the module loads.
#[pyfunction]
pub fn _close_python_gate(py: Python<'_>) {
    CLOSED.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + EXIT_GRACE;
        while INSIDE.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let hook = wrap_pyfunction!(_close_python_gate, m)?;
    m.py().import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}
