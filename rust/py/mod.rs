//! The pyo3 layer: the only Rust code that knows about Python. It converts Python values to
//! owned engine values while attached, releases the GIL for every wait (`wait.rs`), and maps
//! engine errors to Python exceptions (`errors.rs`).

mod aio;
mod answer;
mod attach;
mod body;
mod bundler;
mod cache;
mod code;
mod completer;
mod convert;
mod errors;
mod host;
mod http;
mod limits;
mod loader;
mod outbound;
mod python;
mod trace;
mod wait;
mod worker;

use pyo3::prelude::*;

// Explicit, as pyo3's default claims GIL-free safety nobody has audited: 3.13t re-enables the GIL.
#[pymodule(gil_used = true)]
fn _workerbox(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    attach::register(m)?;
    bundler::register(m)?;
    python::register(m)?;
    m.add_class::<loader::PyLoader>()?;
    m.add_class::<code::PyWorkerCode>()?;
    m.add_class::<aio::PyAsyncLoader>()?;
    m.add_class::<host::PyRpcTarget>()?;
    m.add_class::<limits::PyLimits>()?;
    m.add_class::<http::PyRequest>()?;
    m.add_class::<http::PyResponse>()?;
    m.add_class::<body::PyBodyIter>()?;
    m.add_class::<outbound::PyHttpOutbound>()?;
    m.add_class::<worker::PyWorker>()?;
    m.add_class::<worker::PyEntrypoint>()?;
    m.add_class::<worker::PyMethod>()?;
    m.add_class::<answer::Answer>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Benchmarks refuse debug builds.
    m.add("__debug_build__", cfg!(debug_assertions))?;
    Ok(())
}
