//! The engine's one error type. Every failure that can reach a caller is a variant here; the
//! pyo3 layer maps each variant to one Python exception class (`py/errors.rs`).

use std::fmt;

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
    /// The worker's code is unusable: unknown main module, bad module type, unresolvable import.
    Code(String),
    /// A value cannot cross the boundary (unsupported type, cycle, too deep).
    Conversion(String),
    /// The worker or its loader is closed, or the worker died (terminated) earlier.
    Closed(String),
    /// Execution was terminated from outside (Ctrl-C in the waiting thread, loader shutdown).
    Terminated(String),
    /// The isolate reached its heap limit and was terminated before V8 could abort.
    OutOfMemory(String),
    /// Anything else the caller did wrong or the engine could not do, with a sentence saying which.
    Worker(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Js(e) => write!(f, "{}: {}", e.name, e.message),
            Error::Code(m)
            | Error::Conversion(m)
            | Error::Closed(m)
            | Error::Terminated(m)
            | Error::OutOfMemory(m)
            | Error::Worker(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
