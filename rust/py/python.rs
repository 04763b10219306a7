//! Python workers' native half on the host: registering Pyodide's files and the baseline
//! snapshot, which `workerbox._python` finds and makes once per process.

use std::path::PathBuf;

use pyo3::prelude::*;

use super::code::PyWorkerCode;
use super::convert::binary_bytes;
use super::errors::IntoPyResult;
use crate::error::Error;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_python_assets, m)?)?;
    m.add_function(wrap_pyfunction!(_python_maker_code, m)?)?;
    m.add_function(wrap_pyfunction!(_python_baseline, m)?)?;
    Ok(())
}

/// Has `workerbox._python` find Pyodide, register it and make the baseline, once per process;
/// it raises, with the install hint, where Pyodide is missing.
pub fn ensure_runtime(py: Python<'_>) -> PyResult<()> {
    py.import("workerbox._python")?.call_method0("ensure_runtime")?;
    Ok(())
}

/// Reads Pyodide's files from `directory` (hash-checked by the caller) for every Python worker.
#[pyfunction]
fn _python_assets(py: Python<'_>, directory: PathBuf) -> PyResult<()> {
    py.detach(|| crate::python::register(&directory)).py(py)
}

/// The code of the worker that boots Pyodide once and returns its memory snapshot.
#[pyfunction]
fn _python_maker_code(py: Python<'_>) -> PyResult<PyWorkerCode> {
    crate::python::maker_code().and_then(|code| PyWorkerCode::built(code, None)).py(py)
}

/// Keeps the maker's snapshot as the image every Python sandbox restores.
#[pyfunction]
fn _python_baseline(image: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = image.py();
    let bytes =
        binary_bytes(image)?.ok_or_else(|| Error::Code("the baseline must be bytes".into())).py(py)?;
    crate::python::set_baseline(bytes);
    Ok(())
}
