//! `Loader` and `WorkerCode` for Python.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use super::errors::{IntoPyResult, to_pyerr};
use super::wait::wait;
use super::worker::PyWorker;
use crate::code::{ModuleSource, WorkerCode};
use crate::error::Error;
use crate::isolate::Executor;

/// The code of a worker: its modules and which one is the entry point.
#[pyclass(name = "WorkerCode", module = "workerbox", frozen)]
pub struct PyWorkerCode {
    code: WorkerCode,
}

#[pymethods]
impl PyWorkerCode {
    #[new]
    #[pyo3(signature = (main_module, modules))]
    fn new(main_module: String, modules: &Bound<'_, PyAny>) -> PyResult<Self> {
        let code = WorkerCode {
            main_module,
            modules: parse_modules(modules)?,
        };
        code.validate().py(modules.py())?;
        Ok(PyWorkerCode { code })
    }

    #[getter]
    fn main_module(&self) -> &str {
        &self.code.main_module
    }

    #[getter]
    fn modules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, source) in &self.code.modules {
            match source {
                ModuleSource::Js(src) => dict.set_item(name, src)?,
            }
        }
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "WorkerCode(main_module={:?}, modules=<{} module(s)>)",
            self.code.main_module,
            self.code.modules.len()
        )
    }
}

fn parse_modules(modules: &Bound<'_, PyAny>) -> PyResult<Vec<(String, ModuleSource)>> {
    let py = modules.py();
    let code_error = |m: String| to_pyerr(py, Error::Code(m));
    let Ok(dict) = modules.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "modules must be a dict mapping module names to sources, not {}",
            modules.get_type().name()?
        )));
    };
    let mut out = Vec::with_capacity(dict.len());
    for (name, source) in dict.iter() {
        let Ok(name) = name.cast::<PyString>() else {
            return Err(code_error(format!(
                "modules: module names must be str, not {}",
                name.get_type().name()?
            )));
        };
        let name = name.to_cow()?.into_owned();
        let parsed = if let Ok(src) = source.cast::<PyString>() {
            if !(name.ends_with(".js") || name.ends_with(".mjs")) {
                return Err(code_error(format!(
                    "modules[{name:?}]: a plain string is an ES module only for names ending in .js or .mjs; \
                     use a one-key dict such as {{\"js\": source}} to give the type"
                )));
            }
            ModuleSource::Js(src.to_cow()?.into_owned())
        } else if let Ok(d) = source.cast::<PyDict>() {
            let mut items = d.iter();
            let (Some((kind, value)), None) = (items.next(), items.next()) else {
                return Err(code_error(format!(
                    "modules[{name:?}]: a module dict must have exactly one key, the module type"
                )));
            };
            let kind: String = kind.extract()?;
            let Ok(value) = value.cast::<PyString>() else {
                return Err(code_error(format!(
                    "modules[{name:?}][{kind:?}]: the source must be str"
                )));
            };
            ModuleSource::from_kind(&kind, value.to_cow()?.into_owned()).ok_or_else(|| {
                code_error(format!(
                    "modules[{name:?}]: unknown module type {kind:?} (supported: {})",
                    ModuleSource::KINDS.join(", ")
                ))
            })?
        } else {
            return Err(code_error(format!(
                "modules[{name:?}]: a module must be str or a one-key dict, not {}",
                source.get_type().name()?
            )));
        };
        out.push((name, parsed));
    }
    Ok(out)
}

/// Creates workers: each `load()` is a fresh V8 isolate on one of the loader's threads.
#[pyclass(name = "Loader", module = "workerbox", frozen)]
pub struct PyLoader {
    executor: Mutex<Option<Arc<Executor>>>,
}

impl PyLoader {
    fn executor(&self, py: Python<'_>) -> PyResult<Arc<Executor>> {
        self.executor
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| to_pyerr(py, Error::Closed("the loader is closed".into())))
    }
}

#[pymethods]
impl PyLoader {
    #[new]
    #[pyo3(signature = (*, threads=None))]
    fn new(py: Python<'_>, threads: Option<usize>) -> PyResult<Self> {
        let threads =
            threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let executor = py.detach(|| Executor::new(threads)).py(py)?;
        Ok(PyLoader {
            executor: Mutex::new(Some(Arc::new(executor))),
        })
    }

    /// Starts a fresh worker from `code`, or from the same fields given as keywords.
    #[pyo3(signature = (code=None, *, main_module=None, modules=None))]
    fn load(
        &self,
        py: Python<'_>,
        code: Option<&Bound<'_, PyWorkerCode>>,
        main_module: Option<String>,
        modules: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWorker> {
        let code = match (code, main_module, modules) {
            (Some(code), None, None) => code.get().code.clone(),
            (Some(_), _, _) => {
                return Err(PyTypeError::new_err(
                    "load() takes either a WorkerCode or its fields as keywords, not both",
                ));
            }
            (None, Some(main_module), Some(modules)) => WorkerCode {
                main_module,
                modules: parse_modules(modules)?,
            },
            (None, None, _) => {
                return Err(PyTypeError::new_err(
                    "load() missing required field: main_module",
                ));
            }
            (None, _, None) => {
                return Err(PyTypeError::new_err(
                    "load() missing required field: modules",
                ));
            }
        };
        let executor = self.executor(py)?;
        let (handle, pending) = executor.load(code).py(py)?;
        let handle = Arc::new(handle);
        wait(py, pending, || {
            handle.terminate();
        })?;
        Ok(PyWorker::new(handle))
    }

    /// Terminates running JavaScript and disposes every worker of this loader. Idempotent.
    fn close(&self, py: Python<'_>) {
        let executor = self.executor.lock().unwrap().take();
        if let Some(executor) = executor {
            py.detach(|| executor.shutdown());
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, py: Python<'_>, _t: Py<PyAny>, _v: Py<PyAny>, _tb: Py<PyAny>) {
        self.close(py);
    }

    #[getter]
    fn closed(&self) -> bool {
        self.executor.lock().unwrap().is_none()
    }
}
