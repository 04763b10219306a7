//! `Loader` and `WorkerCode` for Python.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use super::cache::{Cache, WorkerRef};
use super::errors::{IntoPyResult, to_pyerr};
use super::wait::wait;
use super::worker::PyWorker;
use crate::code::{ModuleSource, WorkerCode};
use crate::error::Error;
use crate::isolate::{Executor, WorkerHandle};

const DEFAULT_MAX_WARM: usize = 1024;
const DEFAULT_IDLE_TTL_S: f64 = 600.0;

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
        let code = WorkerCode { main_module, modules: parse_modules(modules)? };
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
                return Err(code_error(format!("modules[{name:?}][{kind:?}]: the source must be str")));
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
    cache: Cache,
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
    #[pyo3(signature = (*, threads=None, max_warm=DEFAULT_MAX_WARM, idle_ttl_s=Some(DEFAULT_IDLE_TTL_S)))]
    fn new(
        py: Python<'_>,
        threads: Option<usize>,
        max_warm: usize,
        idle_ttl_s: Option<f64>,
    ) -> PyResult<Self> {
        let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let idle_ttl = match idle_ttl_s {
            Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
            None => None,
            Some(s) => {
                return Err(PyValueError::new_err(format!(
                    "idle_ttl_s must be a positive number or None, not {s}"
                )));
            }
        };
        if max_warm == 0 {
            return Err(PyValueError::new_err("max_warm must be at least 1"));
        }
        let executor = py.detach(|| Executor::new(threads)).py(py)?;
        Ok(PyLoader { executor: Mutex::new(Some(Arc::new(executor))), cache: Cache::new(max_warm, idle_ttl) })
    }

    /// The warm worker cached under `id`, or a fresh one from `factory()` (a callable returning a
    /// WorkerCode, or a coroutine function whose result is one), which runs once per id even when
    /// several threads ask at the same time. If the factory raises, calls on the returned worker
    /// raise that error and the id is not cached.
    fn get(&self, py: Python<'_>, id: String, factory: &Bound<'_, PyAny>) -> PyResult<PyWorker> {
        let executor = self.executor(py)?;
        let (entry, mine) = self.cache.entry(&id);
        if !mine {
            let worker = py.detach(|| entry.wait());
            return Ok(PyWorker::new(worker, Some(id)));
        }
        let worker = match run_factory(py, factory).and_then(|code| load_code(py, &executor, code)) {
            Ok(handle) => WorkerRef::Live(handle),
            Err(e) => WorkerRef::Failed(Arc::new(e)),
        };
        entry.fill(worker.clone());
        if let WorkerRef::Failed(_) = worker {
            self.cache.forget(&id, &entry);
        }
        Ok(PyWorker::new(worker, Some(id)))
    }

    /// Drops `id` from the warm cache. Returns whether it was cached.
    fn evict(&self, id: &str) -> bool {
        self.cache.evict(id)
    }

    /// The ids currently in the warm cache.
    #[getter]
    fn warm_ids(&self) -> Vec<String> {
        self.cache.ids()
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
            (None, Some(main_module), Some(modules)) => {
                WorkerCode { main_module, modules: parse_modules(modules)? }
            }
            (None, None, _) => {
                return Err(PyTypeError::new_err("load() missing required field: main_module"));
            }
            (None, _, None) => {
                return Err(PyTypeError::new_err("load() missing required field: modules"));
            }
        };
        let executor = self.executor(py)?;
        Ok(PyWorker::new(WorkerRef::Live(load_code(py, &executor, code)?), None))
    }

    /// Terminates running JavaScript and disposes every worker of this loader. Idempotent.
    fn close(&self, py: Python<'_>) {
        self.cache.clear();
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

/// Loads `code` as a fresh worker and waits for its main module to evaluate.
fn load_code(py: Python<'_>, executor: &Executor, code: WorkerCode) -> PyResult<Arc<WorkerHandle>> {
    let (handle, pending) = executor.load(code).py(py)?;
    let handle = Arc::new(handle);
    wait(py, pending, || {
        handle.terminate();
    })?;
    Ok(handle)
}

/// Calls a `get()` factory; a coroutine result is run to completion on a private event loop.
fn run_factory(py: Python<'_>, factory: &Bound<'_, PyAny>) -> PyResult<WorkerCode> {
    let mut result = factory.call0()?;
    if py.import("inspect")?.call_method1("iscoroutine", (&result,))?.is_truthy()? {
        result = py.import("asyncio")?.call_method1("run", (result,))?;
    }
    match result.cast::<PyWorkerCode>() {
        Ok(code) => Ok(code.get().code.clone()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "the get() factory must return a WorkerCode, not {}",
            result.get_type().name()?
        ))),
    }
}
