//! `Worker`, `Entrypoint` and the bound method stubs that call into JavaScript.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::convert::{from_value, to_value};
use super::errors::{IntoPyResult, to_pyerr};
use super::wait::wait;
use crate::error::Error;
use crate::isolate::WorkerHandle;

/// A loaded worker: one isolate with its evaluated main module.
#[pyclass(name = "Worker", module = "workerbox", frozen)]
pub struct PyWorker {
    handle: Mutex<Option<Arc<WorkerHandle>>>,
}

impl PyWorker {
    pub fn new(handle: Arc<WorkerHandle>) -> Self {
        PyWorker {
            handle: Mutex::new(Some(handle)),
        }
    }
}

#[pymethods]
impl PyWorker {
    /// A stub for the default export (or the named export `name`); attribute calls on it call
    /// that export's methods.
    #[pyo3(signature = (name=None))]
    fn get_entrypoint(&self, py: Python<'_>, name: Option<String>) -> PyResult<PyEntrypoint> {
        let handle = self.handle.lock().unwrap().clone();
        let handle =
            handle.ok_or_else(|| to_pyerr(py, Error::Closed("the worker is closed".into())))?;
        Ok(PyEntrypoint {
            handle,
            export: name,
        })
    }

    /// Disposes the isolate. Idempotent; stubs from this worker raise ClosedError afterwards.
    fn close(&self) {
        if let Some(handle) = self.handle.lock().unwrap().take() {
            handle.close();
        }
    }

    #[getter]
    fn closed(&self) -> bool {
        self.handle.lock().unwrap().is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, _t: Py<PyAny>, _v: Py<PyAny>, _tb: Py<PyAny>) {
        self.close();
    }
}

/// An export of a worker's main module. `ep.method(*args)` calls `method` on it.
#[pyclass(name = "Entrypoint", module = "workerbox", frozen)]
pub struct PyEntrypoint {
    handle: Arc<WorkerHandle>,
    export: Option<String>,
}

#[pymethods]
impl PyEntrypoint {
    fn __getattr__(&self, name: String) -> PyResult<PyMethod> {
        // Dunder and private probes (copy, pickle, IPython) must not turn into JS calls.
        if name.starts_with('_') {
            return Err(PyAttributeError::new_err(name));
        }
        Ok(PyMethod {
            handle: self.handle.clone(),
            export: self.export.clone(),
            method: name,
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<Entrypoint {}>",
            self.export.as_deref().unwrap_or("default")
        )
    }
}

/// A method of an entrypoint, ready to call.
#[pyclass(name = "EntrypointMethod", module = "workerbox", frozen)]
pub struct PyMethod {
    handle: Arc<WorkerHandle>,
    export: Option<String>,
    method: String,
}

#[pymethods]
impl PyMethod {
    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let args = args
            .iter()
            .map(|a| to_value(&a))
            .collect::<PyResult<Vec<_>>>()?;
        let pending = self
            .handle
            .call(self.export.clone(), self.method.clone(), args)
            .py(py)?;
        let result = wait(py, pending, || {
            self.handle.terminate();
        })?;
        from_value(py, result)
    }

    fn __repr__(&self) -> String {
        format!(
            "<EntrypointMethod {}.{}>",
            self.export.as_deref().unwrap_or("default"),
            self.method
        )
    }
}
