//! The one place the Python layer blocks: waits for an engine reply with the GIL released, in
//! slices, so Ctrl-C (and any other pending signal) is noticed while JavaScript runs.

use std::time::Duration;

use pyo3::prelude::*;

use crate::isolate::{Done, Pending};

const SLICE: Duration = Duration::from_millis(50);

/// Waits for `pending`. If a signal handler raises (KeyboardInterrupt), `interrupt` is called to
/// terminate the JavaScript, the reply is still awaited so the worker's thread is free again,
/// and the signal's exception is returned; otherwise the answer, for `trace::finish`.
pub fn wait<T: Send>(py: Python<'_>, mut pending: Pending<T>, interrupt: impl Fn()) -> PyResult<Done<T>> {
    let mut raised: Option<PyErr> = None;
    loop {
        let (returned, reply) = py.detach(move || {
            let reply = pending.wait(SLICE);
            (pending, reply)
        });
        pending = returned;
        if let Some(done) = reply {
            return match raised {
                Some(err) => Err(err),
                None => Ok(done),
            };
        }
        if raised.is_none() {
            if let Err(err) = py.check_signals() {
                interrupt();
                raised = Some(err);
            }
        } else {
            interrupt();
        }
    }
}
