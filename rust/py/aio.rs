//! asyncio support. `AsyncLoader` shares `LoaderCore` with `Loader`; what differs is how answers
//! arrive: instead of a Python thread blocking on a reply, the isolate thread's reply is handed
//! to this module's completer thread, which attaches to the interpreter and completes an asyncio
//! future on its loop with `call_soon_threadsafe`. The event loop never blocks on JavaScript.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use super::cache::{self, Filling, Loaded, Lookup, WorkerRef};
use super::code::{self, Fields, PyWorkerCode, Unconverted};
use super::errors::IntoPyResult;
use super::host::PyHost;
use super::limits::PyLimits;
use super::loader::{
    DEFAULT_IDLE_TTL_S, DEFAULT_MAX_WARM, DEFAULT_POOL_SIZE, DEFAULT_TRIM_AFTER_S, LoaderArgs, LoaderCore,
    Room,
};
use super::trace::{self, Source};
use super::worker::PyWorker;
use crate::error::Error;
use crate::isolate::{Done, Reply, Slot, WorkerHandle};

type Job = Box<dyn FnOnce(Python<'_>) + Send>;

/// One thread per AsyncLoader that runs the Python half of every asynchronous answer.
pub struct Completer {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
}

impl Completer {
    fn start() -> PyResult<Arc<Self>> {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("workerbox-asyncio".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    // At interpreter exit nobody is left to await the answer.
                    super::attach::attach(job);
                }
            })
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
        Ok(Arc::new(Completer { jobs: Mutex::new(Some(tx)) }))
    }

    fn submit(&self, job: Job) {
        if let Some(tx) = &*self.jobs.lock().unwrap() {
            let _ = tx.send(job);
        }
    }

    fn stop(&self) {
        self.jobs.lock().unwrap().take();
    }

    /// A reply that completes `future` with `convert(value)`, or with the error, after the
    /// answer is logged and traced as from `source`.
    pub fn reply<T: Send + 'static>(
        self: &Arc<Self>,
        future: Py<PyAny>,
        source: Source,
        convert: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    ) -> Reply<T> {
        let me = self.clone();
        Reply::new(move |done: Done<T>| {
            me.submit(Box::new(move |py| {
                let result = trace::finish(py, &source, done).and_then(|v| convert(py, v));
                resolve_threadsafe(py, &future, result);
            }))
        })
    }
}

/// Sets the result or exception of `future` on its own loop; a cancelled future is left alone.
fn resolve_threadsafe(py: Python<'_>, future: &Py<PyAny>, result: PyResult<Py<PyAny>>) {
    let (ok, payload) = match result {
        Ok(v) => (true, v),
        Err(e) => (false, e.into_value(py).into_any()),
    };
    let outcome = (|| -> PyResult<()> {
        let future = future.bind(py);
        let event_loop = future.call_method0("get_loop")?;
        event_loop.call_method1("call_soon_threadsafe", (resolver(py)?, future, ok, payload))?;
        Ok(())
    })();
    // A closed loop has nobody left to wake.
    drop(outcome);
}

fn resolver(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    RESOLVE
        .get_or_try_init(py, || Ok::<_, PyErr>(wrap_pyfunction!(resolve_future, py)?.into_any().unbind()))
        .map(|f| f.bind(py))
}

#[pyfunction]
fn resolve_future(future: &Bound<'_, PyAny>, ok: bool, payload: &Bound<'_, PyAny>) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    if ok {
        future.call_method1("set_result", (payload,))
    } else {
        future.call_method1("set_exception", (payload,))
    }
    .map(drop)
}

/// A new future on the running loop; a clear error when called outside async code.
pub fn new_future(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let asyncio = py.import("asyncio")?;
    let event_loop = asyncio.call_method0("get_running_loop").map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err(
            "AsyncLoader and its workers must be used from a coroutine running on an asyncio event loop",
        )
    })?;
    event_loop.call_method0("create_future")
}

/// Stops `worker` if `future` is cancelled: the JavaScript computing its answer would otherwise
/// run on to its CPU limit, holding its isolate thread from every neighbour. Only the whole
/// worker can be stopped, not one of its calls.
pub fn stop_on_cancel(future: &Bound<'_, PyAny>, worker: &Arc<WorkerHandle>) -> PyResult<()> {
    let callback = StopOnCancel { worker: worker.clone() };
    future.call_method1("add_done_callback", (Py::new(future.py(), callback)?,)).map(drop)
}

/// The done-callback of a call's or a load's future.
#[pyclass(frozen)]
struct StopOnCancel {
    worker: Arc<WorkerHandle>,
}

#[pymethods]
impl StopOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.worker.stop(Error::Terminated("the awaiting task was cancelled".into()));
        }
        Ok(())
    }
}

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
    #[pyo3(signature = (*, threads=None, max_warm=DEFAULT_MAX_WARM, idle_ttl_s=Some(DEFAULT_IDLE_TTL_S), pool_size=DEFAULT_POOL_SIZE, host_threads=None, trim_after_s=Some(DEFAULT_TRIM_AFTER_S)))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        threads: Option<usize>,
        max_warm: usize,
        idle_ttl_s: Option<f64>,
        pool_size: usize,
        host_threads: Option<usize>,
        trim_after_s: Option<f64>,
    ) -> PyResult<Self> {
        let args = LoaderArgs { threads, max_warm, idle_ttl_s, pool_size, host_threads, trim_after_s };
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
