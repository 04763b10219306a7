//! Python isolates restored ahead of demand: a blank isolate runs the runtime's primer
//! (`python/prime.js`), which restores Pyodide from the baseline and keeps it for the bridge of
//! the worker that later takes the isolate (`python/main.js`). The restore runs at idle time on
//! the runtime's behalf, under the primer's own limits, before any tenant is chosen; the worker
//! that takes the isolate is then assigned as any blank one is.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, mpsc};

use super::capacity::Slot;
use super::thread::turn;
use super::worker::Worker;
use super::{Done, Reply};
use crate::rpc::HostLink;
use crate::watchdog::Termination;

/// A Python isolate in place `slot`, or None if the process has no baseline yet or the restore
/// failed.
pub fn python(slot: Slot) -> Option<Worker> {
    let code = crate::python::prime_code()?;
    let limits = code.worker_limits();
    let mut worker = Worker::blank(limits.or_defaults().heap_bytes(), slot);
    let (tx, rx) = mpsc::channel();
    let reply = Reply::new(move |done: Done<()>| {
        let _ = tx.send(done.result);
    });
    // The primer calls no host: it has no `env`, and nothing answers.
    let link = HostLink { worker: 0, host: None, answer: Arc::new(|_, _| {}) };
    worker.locked(|w| {
        w.assign(code, link, Arc::new(AtomicBool::new(true)), Termination::default());
        turn(w, Some(limits), |w| w.load(reply));
        turn(w, None, Worker::settle);
    });
    // The restore settles within its own turns (no timer, no host call); anything else is a
    // failure, and the caller stops priming.
    matches!(rx.try_recv(), Ok(Ok(()))).then_some(worker).filter(|w| !w.is_dead())
}
