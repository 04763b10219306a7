//! What happens in Python after every answer from a worker: its console output goes to the
//! `workerbox.console` logger, the worker's `on_trace` hook (if any) gets a record of the call,
//! and the result becomes a value or an exception.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList};

use super::errors::to_pyerr;
use crate::error::Error;
use crate::isolate::Done;
use crate::limits::LimitKind;
use crate::ops::{Level, LogLine};

/// Who answered: for log records and traces.
pub struct Source {
    /// The id given to `Loader.get`, else `#<n>`.
    pub worker: String,
    /// `(entrypoint, method)` for calls; None for loading a worker.
    pub call: Option<(String, String)>,
    pub on_trace: Option<Py<PyAny>>,
}

/// Logs, traces and unwraps one answer.
pub fn finish<T>(py: Python<'_>, source: &Source, done: Done<T>) -> PyResult<T> {
    let Done { result, logs, usage } = done;
    emit_logs(py, &source.worker, &logs)?;
    if let (Some(hook), Some((entrypoint, method))) = (&source.on_trace, &source.call) {
        let record = trace_record(py, source, entrypoint, method, result.as_ref().err(), &logs, usage);
        if let Err(e) = record.and_then(|r| hook.call1(py, (r,))) {
            // A broken hook must not turn a successful call into a failure.
            e.write_unraisable(py, Some(hook.bind(py)));
        }
    }
    result.map_err(|e| to_pyerr(py, e))
}

fn outcome(error: Option<&Error>) -> &'static str {
    match error {
        None => "ok",
        Some(Error::Limit { kind: LimitKind::Cpu, .. }) => "exceededCpu",
        Some(Error::Limit { kind: LimitKind::Memory, .. }) => "exceededMemory",
        Some(Error::Limit { kind: LimitKind::Wall, .. }) => "exceededWallTime",
        Some(Error::Limit { kind: LimitKind::Subrequests, .. }) => "exceededSubrequests",
        Some(Error::Terminated(_)) => "canceled",
        Some(_) => "exception",
    }
}

fn trace_record<'py>(
    py: Python<'py>,
    source: &Source,
    entrypoint: &str,
    method: &str,
    error: Option<&Error>,
    logs: &[LogLine],
    usage: Option<crate::isolate::Usage>,
) -> PyResult<Bound<'py, PyDict>> {
    let record = PyDict::new(py);
    record.set_item("worker", &source.worker)?;
    record.set_item("entrypoint", entrypoint)?;
    record.set_item("method", method)?;
    record.set_item("outcome", outcome(error))?;
    let lines = PyList::empty(py);
    for line in logs {
        let item = PyDict::new(py);
        item.set_item("level", line.level.as_str())?;
        item.set_item("message", &line.message)?;
        lines.append(item)?;
    }
    record.set_item("logs", lines)?;
    let exceptions = PyList::empty(py);
    if let Some(e) = error {
        let item = PyDict::new(py);
        match e {
            Error::Js(js) | Error::Python(js) => {
                item.set_item("name", &js.name)?;
                item.set_item("message", &js.message)?;
                item.set_item("stack", &js.stack)?;
            }
            other => {
                item.set_item("name", to_pyerr(py, other.clone()).get_type(py).name()?)?;
                item.set_item("message", other.to_string())?;
                item.set_item("stack", py.None())?;
            }
        }
        exceptions.append(item)?;
    }
    record.set_item("exceptions", exceptions)?;
    let usage = usage.unwrap_or_default();
    record.set_item("cpu_ms", usage.cpu.as_secs_f64() * 1000.0)?;
    record.set_item("wall_ms", usage.wall.as_secs_f64() * 1000.0)?;
    Ok(record)
}

/// Console output from the sandbox goes to the `workerbox.console` logger, with the worker's id
/// and the JS level in the record (`worker_id`, `js_level`).
fn emit_logs(py: Python<'_>, worker: &str, logs: &[LogLine]) -> PyResult<()> {
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
        let extra = PyDict::new(py);
        extra.set_item("worker_id", worker)?;
        extra.set_item("js_level", line.level.as_str())?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("extra", extra)?;
        logger.call_method("log", (level, "%s", &line.message), Some(&kwargs))?;
    }
    Ok(())
}
