//! The Python half of asynchronous answers. An isolate thread never enters Python (it would
//! wait for the GIL while its neighbours wait for it), so an answer the event loop is not
//! polling for goes to the completer thread, which attaches to the interpreter and completes an
//! asyncio future on its loop with `call_soon_threadsafe`. Answers that arrive together are
//! finished under one attach.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use super::answer::Answer;
use super::trace::{self, Source};
use crate::error::Error;
use crate::isolate::{Done, Reply, WorkerHandle};

pub type Job = Box<dyn FnOnce(Python<'_>) + Send>;

/// One thread per AsyncLoader that runs the Python half of every asynchronous answer.
pub struct Completer {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    /// Calls whose answer has not arrived yet, for `Answer`'s choice to poll.
    in_flight: AtomicUsize,
}

impl Completer {
    pub fn start() -> PyResult<Arc<Self>> {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("workerbox-asyncio".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    let batch: Vec<Job> = std::iter::once(job).chain(rx.try_iter()).collect();
                    // At interpreter exit nobody is left to await the answers.
                    super::attach::attach(|py| batch.into_iter().for_each(|job| job(py)));
                }
            })
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
        Ok(Arc::new(Completer { jobs: Mutex::new(Some(tx)), in_flight: AtomicUsize::new(0) }))
    }

    pub fn submit(&self, job: Job) {
        if let Some(tx) = &*self.jobs.lock().unwrap() {
            let _ = tx.send(job);
        }
    }

    pub fn stop(&self) {
        self.jobs.lock().unwrap().take();
    }

    /// Whether `answer` is the only one of this loader's calls still on its way: then polling
    /// for it holds up no other answer the loop could be handling.
    pub fn alone(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) <= 1
    }

    /// A reply and the awaitable it answers: `convert(value)`, or the error, after the answer is
    /// logged and traced as from `source`. When the awaiting task is cancelled, `stop` (if any)
    /// is stopped: the JavaScript computing the answer would otherwise run on to its CPU limit,
    /// holding its isolate thread from every neighbour.
    pub fn answer<T: Send + 'static>(
        self: &Arc<Self>,
        source: Source,
        convert: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
        stop: Option<Arc<WorkerHandle>>,
    ) -> (Reply<T>, Answer) {
        let answer = Answer::new(self.clone(), stop);
        let (arrival, in_flight) = (answer.arrival(), InFlight::enter(self.clone()));
        let reply = Reply::new(move |done: Done<T>| {
            // Not in flight before it is delivered, so the awaiter's next call may poll.
            drop(in_flight);
            arrival
                .deliver(Box::new(move |py| trace::finish(py, &source, done).and_then(|v| convert(py, v))));
        });
        (reply, answer)
    }
}

/// A call counted in flight while this lives (a reply dropped unsent counts too).
struct InFlight(Arc<Completer>);

impl InFlight {
    fn enter(completer: Arc<Completer>) -> Self {
        completer.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(completer)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Sets the result or exception of `future` on its own loop; a cancelled future is left alone.
pub fn resolve_threadsafe(py: Python<'_>, future: &Py<PyAny>, result: PyResult<Py<PyAny>>) {
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

/// Stops `worker` if `future` is cancelled. Only the whole worker can be stopped, not one of
/// its calls.
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
