//! asyncio support. `AsyncLoader` shares `LoaderCore` with `Loader`; what differs is how answers
//! arrive: instead of a Python thread blocking on a reply, the isolate thread's reply is handed
//! to this module's completer thread, which attaches to the interpreter and completes an asyncio
//! future on its loop with `call_soon_threadsafe`. The event loop never blocks on JavaScript.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use super::cache::{Cache, Entry, WorkerRef};
use super::code::{self, PyWorkerCode};
use super::errors::{IntoPyResult, to_pyerr};
use super::loader::{DEFAULT_IDLE_TTL_S, DEFAULT_MAX_WARM, LoaderCore};
use super::wait::emit_logs;
use super::worker::PyWorker;
use crate::code::WorkerCode;
use crate::isolate::{Done, Executor, Reply};

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
                    Python::attach(job);
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

    /// A reply that completes `future` with `convert(value)`, or with the error.
    pub fn reply<T: Send + 'static>(
        self: &Arc<Self>,
        future: Py<PyAny>,
        convert: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    ) -> Reply<T> {
        let me = self.clone();
        Reply::new(move |done: Done<T>| {
            me.submit(Box::new(move |py| {
                let logged = emit_logs(py, done.logs);
                let result = logged.and_then(|()| done.result.py(py)).and_then(|v| convert(py, v));
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

fn done_future<'py>(py: Python<'py>, value: Py<PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let future = new_future(py)?;
    future.call_method1("set_result", (value,))?;
    Ok(future)
}

/// `Loader` for asyncio: every method that waits returns an awaitable, and entrypoint calls on
/// its workers are awaitables too.
#[pyclass(name = "AsyncLoader", module = "workerbox", frozen)]
pub struct PyAsyncLoader {
    core: LoaderCore,
    completer: Arc<Completer>,
}

#[pymethods]
impl PyAsyncLoader {
    #[new]
    #[pyo3(signature = (*, threads=None, max_warm=DEFAULT_MAX_WARM, idle_ttl_s=Some(DEFAULT_IDLE_TTL_S)))]
    fn new(
        py: Python<'_>,
        threads: Option<usize>,
        max_warm: usize,
        idle_ttl_s: Option<f64>,
    ) -> PyResult<Self> {
        Ok(PyAsyncLoader {
            core: LoaderCore::new(py, threads, max_warm, idle_ttl_s)?,
            completer: Completer::start()?,
        })
    }

    /// Awaitable: starts a fresh worker, like `Loader.load`.
    #[pyo3(signature = (code=None, *, main_module=None, modules=None))]
    fn load<'py>(
        &self,
        py: Python<'py>,
        code: Option<&Bound<'_, PyWorkerCode>>,
        main_module: Option<String>,
        modules: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code = code::from_args(code, main_module, modules)?;
        let future = new_future(py)?;
        let executor = self.core.executor(py)?;
        start_load(py, &executor, &self.completer, code, future.clone().unbind())?;
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
        let executor = self.core.executor(py)?;
        let future = new_future(py)?;
        let (entry, mine) = self.core.cache.entry(&id);
        if !mine {
            let (f, completer, wid) = (future.clone().unbind(), self.completer.clone(), id.clone());
            entry.on_fill(move |worker| {
                let worker = worker.clone();
                let for_worker = completer.clone();
                completer.submit(Box::new(move |py| {
                    let w = PyWorker::new(worker, Some(wid), Some(for_worker));
                    let result = Py::new(py, w).map(Py::into_any);
                    resolve_threadsafe(py, &f, result);
                }));
            });
            return Ok(future);
        }
        let filler = Filler {
            id,
            entry,
            cache: self.core.cache.clone(),
            executor,
            completer: self.completer.clone(),
            future: future.clone().unbind(),
        };
        let produced = factory.call0().and_then(|result| {
            let inspect = py.import("inspect")?;
            if inspect.call_method1("isawaitable", (&result,))?.is_truthy()? {
                let task = py.import("asyncio")?.call_method1("ensure_future", (result,))?;
                task.call_method1(
                    "add_done_callback",
                    (Py::new(py, FactoryDone { filler: Mutex::new(Some(filler)) })?,),
                )?;
                Ok(None)
            } else {
                Ok(Some((code::from_factory_result(&result), filler)))
            }
        });
        match produced {
            Ok(None) => {}
            Ok(Some((code, filler))) => filler.proceed(py, code),
            Err(e) => return Err(e),
        }
        Ok(future)
    }

    fn evict(&self, id: &str) -> bool {
        self.core.cache.evict(id)
    }

    #[getter]
    fn warm_ids(&self) -> Vec<String> {
        self.core.cache.ids()
    }

    /// Terminates running JavaScript and disposes every worker. Idempotent.
    fn close(&self, py: Python<'_>) {
        self.core.close(py);
        self.completer.stop();
    }

    #[getter]
    fn closed(&self) -> bool {
        self.core.closed()
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
        self.close(py);
        done_future(py, py.None())
    }
}

/// Starts loading `code`; completes `future` with a Worker (async mode) once it has evaluated.
fn start_load(
    py: Python<'_>,
    executor: &Executor,
    completer: &Arc<Completer>,
    code: WorkerCode,
    future: Py<PyAny>,
) -> PyResult<()> {
    let slot: Arc<Mutex<Option<Arc<crate::isolate::WorkerHandle>>>> = Arc::new(Mutex::new(None));
    let (slot2, completer2) = (slot.clone(), completer.clone());
    let reply = completer.reply(future, move |py, ()| {
        let handle = slot2.lock().unwrap().take().expect("the handle is stored before the load answers");
        Ok(Py::new(py, PyWorker::new(WorkerRef::Live(handle), None, Some(completer2)))?.into_any())
    });
    let handle = executor.load_with(code, reply).py(py)?;
    *slot.lock().unwrap() = Some(Arc::new(handle));
    Ok(())
}

/// Everything needed to finish an async `get()` once the factory has produced its code.
struct Filler {
    id: String,
    entry: Arc<Entry>,
    cache: Arc<Cache>,
    executor: Arc<Executor>,
    completer: Arc<Completer>,
    future: Py<PyAny>,
}

impl Filler {
    fn proceed(self, py: Python<'_>, code: PyResult<WorkerCode>) {
        let Filler { id, entry, cache, executor, completer, future } = self;
        let fail = |py: Python<'_>, e: PyErr| {
            let worker = WorkerRef::Failed(Arc::new(e));
            cache.fill(&id, &entry, worker.clone());
            let w = PyWorker::new(worker, Some(id.clone()), Some(completer.clone()));
            resolve_threadsafe(py, &future, Py::new(py, w).map(Py::into_any));
        };
        let code = match code {
            Ok(code) => code,
            Err(e) => return fail(py, e),
        };
        let (cache2, entry2, id2, completer2) = (cache.clone(), entry.clone(), id.clone(), completer.clone());
        let slot: Arc<Mutex<Option<Arc<crate::isolate::WorkerHandle>>>> = Arc::new(Mutex::new(None));
        let slot2 = slot.clone();
        let reply = Reply::new(move |done: Done<()>| {
            let completer3 = completer2.clone();
            completer2.submit(Box::new(move |py| {
                let logged = emit_logs(py, done.logs);
                let worker = match logged.and_then(|()| done.result.py(py)) {
                    Ok(()) => {
                        WorkerRef::Live(slot2.lock().unwrap().take().expect("handle stored before answer"))
                    }
                    Err(e) => WorkerRef::Failed(Arc::new(e)),
                };
                cache2.fill(&id2, &entry2, worker.clone());
                let w = PyWorker::new(worker, Some(id2), Some(completer3));
                resolve_threadsafe(py, &future, Py::new(py, w).map(Py::into_any));
            }));
        });
        match executor.load_with(code, reply) {
            Ok(handle) => *slot.lock().unwrap() = Some(Arc::new(handle)),
            Err(e) => {
                let err = to_pyerr(py, e);
                let worker = WorkerRef::Failed(Arc::new(err));
                cache.fill(&id, &entry, worker);
            }
        }
    }
}

/// The done-callback of an async factory's task.
#[pyclass(frozen)]
struct FactoryDone {
    filler: Mutex<Option<Filler>>,
}

#[pymethods]
impl FactoryDone {
    fn __call__(&self, task: &Bound<'_, PyAny>) {
        let Some(filler) = self.filler.lock().unwrap().take() else { return };
        let code = task.call_method0("result").and_then(|r| code::from_factory_result(&r));
        filler.proceed(task.py(), code);
    }
}
