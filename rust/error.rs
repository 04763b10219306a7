//! The engine's one error type. Every failure that can reach a caller is a variant here; the
//! pyo3 layer maps each variant to one Python exception class (`py/errors.rs`).

use std::fmt;

use crate::limits::LimitKind;

/// A JavaScript exception that escaped to the host, reduced to plain strings on the isolate's
/// thread so it can cross threads and outlive the isolate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    pub name: String,
    pub message: String,
    pub stack: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// JavaScript threw (or a promise the host awaited rejected).
    Js(JsError),
    /// A Python worker's guest raised: its bridge's report (`message` "Type: text", `stack` the
    /// guest's traceback). Only a Python worker's bridge makes one; a JavaScript error of the same
    /// name stays `Js`.
    Python(JsError),
    /// The worker's code is unusable: unknown main module, bad module type, unresolvable import.
    Code(String),
    /// A value cannot cross the boundary (unsupported type, cycle, too deep).
    Conversion(String),
    /// The worker or its loader is closed, or the worker died (terminated) earlier.
    Closed(String),
    /// Execution was terminated from outside (Ctrl-C in the waiting thread, loader shutdown).
    Terminated(String),
    /// A limit was exceeded and the worker was terminated: `limit` in the kind's unit, and how
    /// much was used when it was stopped, where known.
    Limit { kind: LimitKind, limit: u64, used: Option<u64> },
    /// Anything else the caller did wrong or the engine could not do, with a sentence saying which.
    Worker(String),
    /// A Python worker's interpreter failed past recovery (Pyodide's fatal error, `os._exit`,
    /// `os.abort`): the worker is closed, as after a limit.
    PythonFatal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Js(e) | Error::Python(e) => write!(f, "{}: {}", e.name, e.message),
            Error::Limit { kind, limit, used } => {
                let what = match kind {
                    LimitKind::Memory => "memory limit",
                    LimitKind::Cpu => "CPU time limit",
                    LimitKind::Wall => "wall-clock time limit",
                    LimitKind::Subrequests => "subrequest limit",
                };
                let unit = kind.unit();
                match used {
                    Some(used) => write!(
                        f,
                        "{what} exceeded: used {used} {unit} of {limit} {unit}; the worker was terminated"
                    ),
                    None => write!(f, "{what} of {limit} {unit} exceeded; the worker was terminated"),
                }
            }
            Error::PythonFatal(m) => {
                write!(f, "the Python interpreter failed and cannot run again ({m}); the worker was closed")
            }
            Error::Code(m)
            | Error::Conversion(m)
            | Error::Closed(m)
            | Error::Terminated(m)
            | Error::Worker(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Whether the isolate cannot run JavaScript after this error.
    pub fn is_fatal(&self) -> bool {
        match self {
            // Closed: JavaScript that unwinds with this reason was stopped by `close()`.
            Error::Terminated(_) | Error::Closed(_) | Error::PythonFatal(_) => true,
            Error::Limit { kind, .. } => *kind != LimitKind::Subrequests,
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
