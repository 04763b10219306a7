//! The one place the Python layer blocks: waits for an engine reply with the GIL released, in
//! slices, so Ctrl-C (and any other pending signal) is noticed while JavaScript runs.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use super::errors::to_pyerr;
use crate::isolate::Pending;
use crate::ops::{Level, LogLine};

const SLICE: Duration = Duration::from_millis(50);

/// Waits for `pending`. If a signal handler raises (KeyboardInterrupt), `interrupt` is called to
/// terminate the JavaScript, the reply is still awaited so the worker's thread is free again,
/// and the signal's exception is returned.
pub fn wait<T: Send>(py: Python<'_>, mut pending: Pending<T>, interrupt: impl Fn()) -> PyResult<T> {
    let mut raised: Option<PyErr> = None;
    loop {
        let (returned, reply) = py.detach(move || {
            let reply = pending.wait(SLICE);
            (pending, reply)
        });
        pending = returned;
        if let Some(done) = reply {
            emit_logs(py, done.logs)?;
            return match raised {
                Some(err) => Err(err),
                None => done.result.map_err(|e| to_pyerr(py, e)),
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

/// Console output from the sandbox goes to the `workerbox.console` logger.
pub fn emit_logs(py: Python<'_>, logs: Vec<LogLine>) -> PyResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let logger = LOGGER.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("logging")?.call_method1("getLogger", ("workerbox.console",))?.unbind())
    })?;
    let logger = logger.bind(py);
    for line in logs {
        let level = match line.level {
            Level::Debug => 10,
            Level::Log | Level::Info => 20,
            Level::Warn => 30,
            Level::Error => 40,
        };
        logger.call_method1("log", (level, "%s", line.message))?;
    }
    Ok(())
}
