//! `AsyncLoader`: shares `LoaderCore` with `Loader`; what differs is how answers arrive. A load's
//! answer goes through the completer thread (`completer.rs`) to an asyncio future; a call's
//! answer is an `Answer` awaitable (`answer.rs`). The event loop never waits on JavaScript for
//! longer than a warm call's answer takes to come back.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use super::cache::{self, Filling, Loaded, Lookup, WorkerRef};
use super::code::{self, Fields, PyWorkerCode, Unconverted};
use super::completer::{Completer, new_future, resolve_threadsafe, stop_on_cancel};
use super::errors::IntoPyResult;
use super::host::PyHost;
use super::limits::PyLimits;
use super::loader::{
    DEFAULT_IDLE_TTL_S, DEFAULT_MAX_WARM, DEFAULT_POOL_SIZE, DEFAULT_PYTHON_POOL_SIZE, DEFAULT_TRIM_AFTER_S,
    LoaderArgs, LoaderCore, Room,
};
use super::trace::{self, Source};
use super::worker::PyWorker;
use crate::isolate::{Done, Reply, Slot};

fn done_future<'py>(py: Python<'py>, value: Py<PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let future = new_future(py)?;
    future.call_method1("set_result", (value,))?;
    Ok(future)
}

/// `Loader` for asyncio: every method that waits returns an awaitable, and entrypoint calls on
/// its workers are awaitables too.
#[pyclass(name = "AsyncLoader", module = "workerbox", frozen)]
pub struct PyAsyncLoader {
    core: Arc<LoaderCore>,
    completer: Arc<Completer>,
}

impl PyAsyncLoader {
    fn finisher(
        &self,
        id: Option<String>,
        future: Py<PyAny>,
        on_done: impl FnOnce(WorkerRef) + Send + 'static,
    ) -> Arc<Finish> {
        Arc::new(Finish {
            id,
            future,
            host: self.core.host.clone(),
            completer: self.completer.clone(),
            loading: Mutex::new(None),
            on_done: Mutex::new(Some(Box::new(on_done))),
        })
    }
}

#[pymethods]
impl PyAsyncLoader {
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
        let core = LoaderCore::new(py, args, true)?;
        Ok(PyAsyncLoader { core: Arc::new(core), completer: Completer::start()? })
    }

    /// Awaitable: starts a fresh worker, like `Loader.load`.
    #[pyo3(signature = (code=None, *, main_module=None, modules=None, env=None, global_outbound=None, limits=None, compatibility_date=None, compatibility_flags=None, on_trace=None))]
    #[allow(clippy::too_many_arguments)]
    fn load<'py>(
        &self,
        py: Python<'py>,
        code: Option<&Bound<'_, PyWorkerCode>>,
        main_module: Option<String>,
        modules: Option<&Bound<'_, PyAny>>,
        env: Option<&Bound<'_, PyAny>>,
        global_outbound: Option<&Bound<'_, PyAny>>,
        limits: Option<&Bound<'_, PyLimits>>,
        compatibility_date: Option<String>,
        compatibility_flags: Option<Vec<String>>,
        on_trace: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
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
        let future = new_future(py)?;
        self.finisher(None, future.clone().unbind(), |_| {}).start(py, &self.core, code, None)?;
        Ok(future)
    }

    /// Awaitable: the warm worker for `id`, or a fresh one from `factory()` (plain or async),
    /// like `Loader.get`. The factory runs once per id even when several tasks ask at once.
    fn get<'py>(
        &self,
        py: Python<'py>,
        id: String,
        factory: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.core.executor(py)?;
        let future = new_future(py)?;
        // Kept until the worker is there: the factory calling this waits for `id` till then.
        let (lookup, asking) = self.core.cache.lookup(&id, cache::asker(py)?).py(py)?;
        let (entry, filling) = match lookup {
            Lookup::Hit(worker) => {
                let w = PyWorker::new(worker, Some(id), self.core.host.clone(), Some(self.completer.clone()));
                future.call_method1("set_result", (Py::new(py, w)?,))?;
                return Ok(future);
            }
            Lookup::Wait(entry) => {
                let (f, completer, host, wid) =
                    (future.clone().unbind(), self.completer.clone(), self.core.host.clone(), id.clone());
                entry.on_fill(move |worker| {
                    drop(asking);
                    let worker = worker.clone();
                    let for_worker = completer.clone();
                    completer.submit(Box::new(move |py| {
                        let w = PyWorker::new(worker, Some(wid), host, Some(for_worker));
                        resolve_threadsafe(py, &f, Py::new(py, w).map(Py::into_any));
                    }));
                });
                return Ok(future);
            }
            Lookup::Fill(entry, filling) => (entry, filling),
        };
        let (cache, entry_id) = (self.core.cache.clone(), id.clone());
        let finish = self.finisher(Some(id), future.clone().unbind(), move |worker| {
            drop(asking);
            cache.fill(&entry_id, &entry, worker)
        });
        let token = filling.token;
        // An async factory's fill lasts until its task is done; a plain one's, until it returns.
        let mut filling = Some(filling);
        // The task of an async factory is made here, so its context names this fill too.
        let result = cache::as_fill(py, token, || {
            let result = factory.call0()?;
            let inspect = py.import("inspect")?;
            if inspect.call_method1("isawaitable", (&result,))?.is_truthy()? {
                let task = py.import("asyncio")?.call_method1("ensure_future", (result,))?;
                let callback = FactoryDone {
                    core: self.core.clone(),
                    finish: Mutex::new(Some(finish.clone())),
                    filling: Mutex::new(filling.take()),
                };
                task.call_method1("add_done_callback", (Py::new(py, callback)?,))?;
                Ok(None)
            } else {
                Ok(Some(code::from_factory_result(&result)))
            }
        });
        drop(filling);
        match result {
            Ok(None) => {}
            Ok(Some(code)) => finish.proceed(py, &self.core, code),
            Err(e) => finish.proceed(py, &self.core, Err(e)),
        }
        Ok(future)
    }

    fn evict(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        self.core.evict(py, id)
    }

    #[getter]
    fn warm_ids(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.core.warm_ids(py)
    }

    /// Isolates made ahead of demand and ready now: `{"blank": n, "python": m}`.
    #[getter]
    fn pooled(&self, py: Python<'_>) -> PyResult<std::collections::HashMap<&'static str, usize>> {
        self.core.pooled(py)
    }

    /// Terminates running JavaScript and disposes every worker. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.core.close(py)?;
        self.completer.stop();
        Ok(())
    }

    #[getter]
    fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        self.core.closed(py)
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        done_future(slf.py(), slf.clone().into_any().unbind())
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _t: Py<PyAny>,
        _v: Py<PyAny>,
        _tb: Py<PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)?;
        done_future(py, py.None())
    }
}

type OnDone = Box<dyn FnOnce(WorkerRef) + Send>;

/// Completes one async `load()` or `get()`: gives the outcome to `on_done` (the cache) and
/// resolves the awaiting future with a Worker.
struct Finish {
    id: Option<String>,
    future: Py<PyAny>,
    host: Arc<PyHost>,
    completer: Arc<Completer>,
    /// Stored right after the load is submitted, before its answer can arrive, with the code's
    /// trace hook.
    loading: Mutex<Option<Loaded>>,
    on_done: Mutex<Option<OnDone>>,
}

impl Finish {
    /// Starts loading `code` (in `slot`, if reserved); the answer completes this.
    fn start(
        self: &Arc<Self>,
        py: Python<'_>,
        core: &LoaderCore,
        code: Unconverted,
        slot: Option<Slot>,
    ) -> PyResult<()> {
        let on_trace = code.on_trace.as_ref().map(|h| h.clone_ref(py));
        let handle = core.start(py, code, self.reply(), slot)?;
        *self.loading.lock().unwrap() = Some(Loaded { handle: handle.clone(), on_trace });
        // Only a plain load()'s future belongs to one task; a get()'s worker is others' too.
        match self.id {
            None => stop_on_cancel(self.future.bind(py), &handle),
            Some(_) => Ok(()),
        }
    }

    /// The reply for the load: completes on the completer thread.
    fn reply(self: &Arc<Self>) -> Reply<()> {
        let me = self.clone();
        Reply::new(move |done: Done<()>| {
            let completer = me.completer.clone();
            completer.submit(Box::new(move |py| {
                let loaded = me.loading.lock().unwrap().take().expect("stored before the answer");
                let source =
                    Source { worker: format!("#{}", loaded.handle.id()), call: None, on_trace: None };
                let worker = match trace::finish(py, &source, done) {
                    Ok(()) => WorkerRef::Live(Arc::new(loaded)),
                    Err(e) => WorkerRef::Failed(Arc::new(e)),
                };
                me.complete(py, worker);
            }));
        })
    }

    fn complete(&self, py: Python<'_>, worker: WorkerRef) {
        if let Some(on_done) = self.on_done.lock().unwrap().take() {
            on_done(worker.clone());
        }
        let failed = match &worker {
            WorkerRef::Failed(e) if self.id.is_none() => Some(e.clone_ref(py)),
            _ => None,
        };
        let result = match failed {
            // A plain load() raises its error from the await; get() hands back a failed worker.
            Some(e) => Err(e),
            None => Py::new(
                py,
                PyWorker::new(worker, self.id.clone(), self.host.clone(), Some(self.completer.clone())),
            )
            .map(Py::into_any),
        };
        resolve_threadsafe(py, &self.future, result);
    }

    /// Continues a `get()` once the factory produced `code` (or failed). At the isolate cap the
    /// load waits, off the event loop, for an evicted worker's isolate to be disposed.
    fn proceed(self: &Arc<Self>, py: Python<'_>, core: &Arc<LoaderCore>, code: PyResult<Unconverted>) {
        let code = match code {
            Ok(code) => code,
            Err(e) => return self.complete(py, WorkerRef::Failed(Arc::new(e))),
        };
        let victim = match core.make_room() {
            Room::Reserved(slot) => return self.load(py, core, code, slot),
            Room::Evict(victim) => victim,
        };
        let (me, core) = (self.clone(), core.clone());
        victim.dispose_with(Reply::new(move |_| {
            let completer = me.completer.clone();
            completer.submit(Box::new(move |py| me.proceed(py, &core, Ok(code))));
        }));
    }

    fn load(self: &Arc<Self>, py: Python<'_>, core: &LoaderCore, code: Unconverted, slot: Option<Slot>) {
        if let Err(e) = self.start(py, core, code, slot) {
            self.complete(py, WorkerRef::Failed(Arc::new(e)));
        }
    }
}

/// The done-callback of an async factory's task.
#[pyclass(frozen)]
struct FactoryDone {
    core: Arc<LoaderCore>,
    finish: Mutex<Option<Arc<Finish>>>,
    filling: Mutex<Option<Filling>>,
}

#[pymethods]
impl FactoryDone {
    fn __call__(&self, task: &Bound<'_, PyAny>) {
        self.filling.lock().unwrap().take();
        let Some(finish) = self.finish.lock().unwrap().take() else { return };
        let code = task.call_method0("result").and_then(|r| code::from_factory_result(&r));
        finish.proceed(task.py(), &self.core, code);
    }
}
