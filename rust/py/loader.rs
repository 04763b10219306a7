//! `Loader` for Python, and `LoaderCore`, the part it shares with `AsyncLoader`: the executor
//! and the warm cache.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::cache::{self, Cache, Lookup, WorkerRef};
use super::code::{self, Fields, PyWorkerCode, Unconverted};
use super::convert::{Registrar, to_value};
use super::errors::{IntoPyResult, not_forked, to_pyerr};
use super::host::PyHost;
use super::limits::PyLimits;
use super::outbound::PyHttpOutbound;
use super::trace::{self, Source};
use super::wait::wait;
use super::worker::PyWorker;
use crate::code::Outbound;
use crate::error::Error;
use crate::isolate::{Executor, Options, Pending, Reply, Slot, WorkerHandle};
use crate::rpc::Host;
use crate::rpc::pool::PoolLimits;

pub const DEFAULT_MAX_WARM: usize = 1024;
pub const DEFAULT_IDLE_TTL_S: f64 = 600.0;
/// Blank isolates each thread keeps ready for `load()`.
pub const DEFAULT_POOL_SIZE: usize = 2;

/// Python isolates kept ready per thread, once a loader runs Python: each holds a restored
/// Pyodide (tens of MiB), so one per thread covers a burst as wide as the threads.
pub const DEFAULT_PYTHON_POOL_SIZE: usize = 1;
/// Seconds a worker stays idle before its memory is trimmed: long enough that a worker called
/// every few seconds keeps its warm heap, short enough that a crowd of idle tenants soon shrinks.
pub const DEFAULT_TRIM_AFTER_S: f64 = 5.0;

/// What `Loader()` and `AsyncLoader()` are made with.
pub struct LoaderArgs {
    pub threads: Option<usize>,
    pub max_warm: usize,
    pub idle_ttl_s: Option<f64>,
    pub pool_size: usize,
    pub python_pool_size: usize,
    pub host_threads: Option<usize>,
    pub trim_after_s: Option<f64>,
}

/// `value` seconds as a Duration; `name` for the error. Zero only where `zero_ok`.
fn seconds(name: &str, value: Option<f64>, zero_ok: bool) -> PyResult<Option<Duration>> {
    match value {
        None => Ok(None),
        Some(s) if s.is_finite() && (s > 0.0 || (zero_ok && s == 0.0)) => {
            Ok(Some(Duration::from_secs_f64(s)))
        }
        Some(s) => {
            let what = if zero_ok { "a number ≥ 0" } else { "a positive number" };
            Err(PyValueError::new_err(format!("{name} must be {what} or None, not {s}")))
        }
    }
}

/// What `LoaderCore::make_room` found.
pub enum Room {
    Reserved(Option<Slot>),
    Evict(Arc<WorkerHandle>),
}

pub struct LoaderCore {
    executor: Mutex<Option<Arc<Executor>>>,
    pub cache: Arc<Cache>,
    pub host: Arc<PyHost>,
}

impl LoaderCore {
    pub fn new(py: Python<'_>, args: LoaderArgs, asyncio: bool) -> PyResult<Self> {
        let LoaderArgs {
            threads,
            max_warm,
            idle_ttl_s,
            pool_size,
            python_pool_size,
            host_threads,
            trim_after_s,
        } = args;
        let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let idle_ttl = seconds("idle_ttl_s", idle_ttl_s, false)?;
        let trim_after = seconds("trim_after_s", trim_after_s, true)?;
        if max_warm == 0 {
            return Err(PyValueError::new_err("max_warm must be at least 1"));
        }
        if host_threads == Some(0) {
            return Err(PyValueError::new_err("host_threads must be at least 1"));
        }
        let host = PyHost::new(asyncio, PoolLimits::with_threads(host_threads));
        let engine_host: Arc<dyn Host> = host.clone();
        let options = Options { threads, pool_size, python_pool_size, trim_after };
        let executor = py.detach(|| Executor::new(options, Some(engine_host))).py(py)?;
        Ok(LoaderCore {
            executor: Mutex::new(Some(Arc::new(executor))),
            cache: Arc::new(Cache::new(max_warm, idle_ttl)),
            host,
        })
    }

    /// Converts the code's `env` (registering its host objects) and starts loading it in
    /// `slot`, if reserved; the answer goes to `reply`.
    pub fn start(
        &self,
        py: Python<'_>,
        code: Unconverted,
        reply: Reply<()>,
        slot: Option<Slot>,
    ) -> PyResult<Arc<WorkerHandle>> {
        let executor = self.executor(py)?;
        let Unconverted { mut code, env, outbound, .. } = code;
        let mut registrar = Registrar { host: &self.host, worker: None, ids: Vec::new() };
        if let Some(outbound) = &outbound {
            code.outbound = match outbound.bind(py).cast::<PyHttpOutbound>() {
                Ok(http) => Outbound::Http(http.get().client.clone()),
                Err(_) => {
                    let id = self.host.register_outbound(outbound.bind(py));
                    registrar.ids.push(id);
                    Outbound::Hook(id)
                }
            };
        }
        let loaded = match &env {
            Some(env) => to_value(env.bind(py), Some(&mut registrar)).map(|v| code.env = v),
            None => Ok(()),
        }
        .and_then(|()| executor.load(code, reply, slot).py(py));
        match loaded {
            Ok(handle) => {
                self.host.adopt(handle.id(), &registrar.ids);
                Ok(Arc::new(handle))
            }
            Err(e) => {
                self.host.forget(&registrar.ids);
                Err(e)
            }
        }
    }

    /// Before a `get()` miss loads a worker: a place under the process's isolate cap, reserved
    /// so that concurrent misses cannot take it in between. At the cap, names a cached worker
    /// nothing else holds for the caller to dispose of before asking again, as the cache would
    /// past `max_warm`. With none, the load goes ahead unreserved: its isolate thread may still
    /// free room from closed isolates, or answer with the cap's error.
    pub fn make_room(&self) -> Room {
        match Slot::take() {
            Ok(slot) => Room::Reserved(Some(slot)),
            Err(_) => self.cache.take_unshared_lru().map_or(Room::Reserved(None), Room::Evict),
        }
    }

    pub fn executor(&self, py: Python<'_>) -> PyResult<Arc<Executor>> {
        not_forked(py)?;
        self.executor
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| to_pyerr(py, Error::Closed("the loader is closed".into())))
    }

    /// Terminates running JavaScript and disposes every worker. Idempotent.
    pub fn close(&self, py: Python<'_>) -> PyResult<()> {
        not_forked(py)?;
        self.cache.clear();
        let executor = self.executor.lock().unwrap().take();
        if let Some(executor) = executor {
            py.detach(|| executor.shutdown());
        }
        Ok(())
    }

    pub fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        not_forked(py)?;
        Ok(self.executor.lock().unwrap().is_none())
    }

    /// The ids in the warm cache.
    pub fn warm_ids(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        not_forked(py)?;
        Ok(self.cache.ids())
    }

    /// Isolates ready in the pools, by kind.
    pub fn pooled(&self, py: Python<'_>) -> PyResult<std::collections::HashMap<&'static str, usize>> {
        let (blank, python) = self.executor(py)?.pooled();
        Ok([("blank", blank), ("python", python)].into_iter().collect())
    }

    /// Drops `id` from the warm cache; whether it was there.
    pub fn evict(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        not_forked(py)?;
        Ok(self.cache.evict(id))
    }
}

/// Creates workers: each `load()` is a fresh V8 isolate on one of the loader's threads.
#[pyclass(name = "Loader", module = "workerbox", frozen)]
pub struct PyLoader {
    core: LoaderCore,
}

impl PyLoader {
    fn worker(&self, worker: WorkerRef, id: Option<String>) -> PyWorker {
        PyWorker::new(worker, id, self.core.host.clone(), None)
    }
}

#[pymethods]
impl PyLoader {
    #[new]
    #[pyo3(signature = (*, threads=None, max_warm=DEFAULT_MAX_WARM, idle_ttl_s=Some(DEFAULT_IDLE_TTL_S), pool_size=DEFAULT_POOL_SIZE, python_pool_size=DEFAULT_PYTHON_POOL_SIZE, host_threads=None, trim_after_s=Some(DEFAULT_TRIM_AFTER_S)))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        threads: Option<usize>,
        max_warm: usize,
        idle_ttl_s: Option<f64>,
        pool_size: usize,
        python_pool_size: usize,
        host_threads: Option<usize>,
        trim_after_s: Option<f64>,
    ) -> PyResult<Self> {
        let args = LoaderArgs {
            threads,
            max_warm,
            idle_ttl_s,
            pool_size,
            python_pool_size,
            host_threads,
            trim_after_s,
        };
        let core = LoaderCore::new(py, args, false)?;
        Ok(PyLoader { core })
    }

    /// The warm worker cached under `id`, or a fresh one from `factory()` (a callable returning a
    /// WorkerCode, or a coroutine function whose result is one), which runs once per id even when
    /// several threads ask at the same time. If the factory raises, calls on the returned worker
    /// raise that error and the id is not cached. A factory's `get()` that would wait for itself
    /// (its own id, or a cycle through other ids' factories) raises `WorkerError`.
    fn get(&self, py: Python<'_>, id: String, factory: &Bound<'_, PyAny>) -> PyResult<PyWorker> {
        self.core.executor(py)?;
        // Held until this get() returns: the factory calling it waits for `id` till then.
        let (lookup, _asking) = self.core.cache.lookup(&id, cache::asker(py)?).py(py)?;
        let (entry, filling) = match lookup {
            Lookup::Hit(worker) => return Ok(self.worker(worker, Some(id))),
            Lookup::Wait(entry) => {
                let worker = py.detach(|| crate::rpc::pool::blocking(|| entry.wait()));
                return Ok(self.worker(worker, Some(id)));
            }
            Lookup::Fill(entry, filling) => (entry, filling),
        };
        let code = cache::as_fill(py, filling.token, || run_factory(py, factory));
        drop(filling);
        let loaded = code.and_then(|code| {
            let slot = loop {
                match self.core.make_room() {
                    Room::Reserved(slot) => break slot,
                    Room::Evict(victim) => py.detach(|| victim.dispose()),
                }
            };
            load_code(py, &self.core, code, slot)
        });
        let worker = match loaded {
            Ok(worker) => worker,
            Err(e) => WorkerRef::Failed(Arc::new(e)),
        };
        self.core.cache.fill(&id, &entry, worker.clone());
        Ok(self.worker(worker, Some(id)))
    }

    /// Drops `id` from the warm cache. Returns whether it was cached.
    fn evict(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        self.core.evict(py, id)
    }

    /// The ids currently in the warm cache.
    #[getter]
    fn warm_ids(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.core.warm_ids(py)
    }

    /// Isolates made ahead of demand and ready now: `{"blank": n, "python": m}`.
    #[getter]
    fn pooled(&self, py: Python<'_>) -> PyResult<std::collections::HashMap<&'static str, usize>> {
        self.core.pooled(py)
    }

    /// Starts a fresh worker from `code`, or from the same fields given as keywords.
    #[pyo3(signature = (code=None, *, main_module=None, modules=None, env=None, global_outbound=None, limits=None, compatibility_date=None, compatibility_flags=None, on_trace=None))]
    #[allow(clippy::too_many_arguments)]
    fn load(
        &self,
        py: Python<'_>,
        code: Option<&Bound<'_, PyWorkerCode>>,
        main_module: Option<String>,
        modules: Option<&Bound<'_, PyAny>>,
        env: Option<&Bound<'_, PyAny>>,
        global_outbound: Option<&Bound<'_, PyAny>>,
        limits: Option<&Bound<'_, PyLimits>>,
        compatibility_date: Option<String>,
        compatibility_flags: Option<Vec<String>>,
        on_trace: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWorker> {
        let code = code::from_args(
            py,
            code,
            Fields {
                main_module,
                modules,
                env,
                global_outbound,
                limits,
                compatibility_date,
                compatibility_flags,
                on_trace,
            },
        )?;
        Ok(self.worker(load_code(py, &self.core, code, None)?, None))
    }

    /// Terminates running JavaScript and disposes every worker of this loader. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.core.close(py)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, py: Python<'_>, _t: Py<PyAny>, _v: Py<PyAny>, _tb: Py<PyAny>) -> PyResult<()> {
        self.close(py)
    }

    #[getter]
    fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        self.core.closed(py)
    }
}

/// Loads `code` as a fresh worker (in `slot`, if reserved) and waits for its main module to
/// evaluate.
fn load_code(
    py: Python<'_>,
    core: &LoaderCore,
    code: Unconverted,
    slot: Option<Slot>,
) -> PyResult<WorkerRef> {
    let on_trace = code.on_trace.as_ref().map(|h| h.clone_ref(py));
    let (reply, pending) = Pending::channel();
    let handle = core.start(py, code, reply, slot)?;
    let done = wait(py, pending, &handle)?;
    let source = Source { worker: format!("#{}", handle.id()), call: None, on_trace: None };
    trace::finish(py, &source, done)?;
    Ok(WorkerRef::loaded(handle, on_trace))
}

/// Calls a `get()` factory; a coroutine result is run to completion on a private event loop.
fn run_factory(py: Python<'_>, factory: &Bound<'_, PyAny>) -> PyResult<Unconverted> {
    let mut result = factory.call0()?;
    if py.import("inspect")?.call_method1("iscoroutine", (&result,))?.is_truthy()? {
        result = py.import("asyncio")?.call_method1("run", (result,))?;
    }
    code::from_factory_result(&result)
}
