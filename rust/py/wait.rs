//! The one place the Python layer blocks: waits for an engine reply with the GIL released, in
//! slices, so Ctrl-C (and any other pending signal) is noticed whatever the worker is doing.

use std::time::Duration;

use pyo3::prelude::*;

use crate::error::Error;
use crate::isolate::{Done, Pending, WorkerHandle};
use crate::rpc::pool::blocking;

const SLICE: Duration = Duration::from_millis(50);

/// Waits for `pending`, an answer from `worker`. If a signal handler raises (KeyboardInterrupt),
/// the worker is stopped and the signal's exception returned at once, without its answer: JS
/// awaiting a binding or a timer answers only once that settles, and the stop itself may queue
/// behind a neighbour's turn on the worker's thread.
///
/// On a host thread (a binding calling a worker) the wait does not count against the host pool,
/// so the worker's own binding calls can still run (see `rpc::pool::blocking`).
pub fn wait<T: Send>(py: Python<'_>, mut pending: Pending<T>, worker: &WorkerHandle) -> PyResult<Done<T>> {
    blocking(|| {
        loop {
            let (returned, reply) = py.detach(move || {
                let reply = pending.wait(SLICE);
                (pending, reply)
            });
            pending = returned;
            if let Some(done) = reply {
                return Ok(done);
            }
            if let Err(err) = py.check_signals() {
                worker.stop(Error::Terminated("interrupted by a signal while the caller waited".into()));
                return Err(err);
            }
        }
    })
}
