//! The awaitable an AsyncLoader's worker gives for a call (and for a streamed body's next chunk).
//! Waking an event loop from another thread costs several times what a warm call does, so when
//! the awaited call is the loader's only one on its way, the awaitable first polls for the
//! answer, GIL released, for about as long as a warm call takes, and finishes without the loop
//! ever sleeping. Otherwise, or once that poll runs out, it parks on an asyncio future that the
//! completer thread resolves. The loop is held up by at most one poll per await.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyStopIteration};
use pyo3::prelude::*;

use super::completer::{Completer, new_future, resolve_threadsafe, stop_on_cancel};
use crate::isolate::{WorkerHandle, poll};

/// How long an await polls for its answer before parking on a future.
const POLL: Duration = Duration::from_micros(40);

/// What turns an answer into a Python value: logs and traces it, then converts it.
pub type Finish = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

enum Slot {
    Waiting,
    Arrived(Finish),
    /// The awaiter stopped polling and waits on this future.
    Parked(Py<PyAny>),
    /// Dropped unawaited before its answer came.
    Abandoned,
    Taken,
}

/// Where one answer meets its awaiter; the isolate thread's reply delivers into it.
pub struct Arrival {
    slot: Mutex<Slot>,
    arrived: AtomicBool,
    completer: Arc<Completer>,
}

impl Arrival {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called once, on the isolate thread: never enters Python itself.
    pub fn deliver(&self, finish: Finish) {
        let mut slot = self.lock();
        match std::mem::replace(&mut *slot, Slot::Taken) {
            Slot::Waiting => {
                *slot = Slot::Arrived(finish);
                self.arrived.store(true, Ordering::Release);
            }
            Slot::Parked(future) => {
                drop(slot);
                self.completer.submit(Box::new(move |py| resolve_threadsafe(py, &future, finish(py))));
            }
            // Nobody awaits it, but its console output and trace still go out.
            _ => {
                drop(slot);
                self.completer.submit(Box::new(move |py| drop(finish(py))));
            }
        }
    }
}

/// An answer on its way from a worker; await it once.
#[pyclass(name = "Answer", module = "workerbox", frozen)]
pub struct Answer {
    arrival: Arc<Arrival>,
    /// Stopped if the task awaiting this is cancelled.
    stop: Option<Arc<WorkerHandle>>,
    parked: Mutex<Option<Py<PyAny>>>,
    /// The await ended (with a value or an exception).
    over: AtomicBool,
}

impl Answer {
    pub fn new(completer: Arc<Completer>, stop: Option<Arc<WorkerHandle>>) -> Self {
        let arrival = Arrival { slot: Mutex::new(Slot::Waiting), arrived: AtomicBool::new(false), completer };
        Answer { arrival: Arc::new(arrival), stop, parked: Mutex::new(None), over: AtomicBool::new(false) }
    }

    /// An answer known before anything was sent.
    pub fn ready(completer: Arc<Completer>, result: PyResult<Py<PyAny>>) -> Self {
        let answer = Answer::new(completer, None);
        answer.arrival.deliver(Box::new(move |_| result));
        answer
    }

    pub fn arrival(&self) -> Arc<Arrival> {
        self.arrival.clone()
    }

    /// The answer's finish if it is there; else the awaiter is parked on a new future.
    fn take_or_park<'py>(&self, py: Python<'py>) -> PyResult<Result<Finish, Bound<'py, PyAny>>> {
        if let Some(finish) = self.take() {
            return Ok(Ok(finish));
        }
        let future = new_future(py)?;
        {
            let mut slot = self.arrival.lock();
            match std::mem::replace(&mut *slot, Slot::Taken) {
                Slot::Waiting => *slot = Slot::Parked(future.clone().unbind()),
                Slot::Arrived(finish) => return Ok(Ok(finish)),
                other => {
                    *slot = other;
                    return Err(already_awaited());
                }
            }
        }
        if let Some(worker) = &self.stop {
            stop_on_cancel(&future, worker)?;
        }
        *self.parked.lock().unwrap_or_else(PoisonError::into_inner) = Some(future.clone().unbind());
        Ok(Err(future))
    }

    fn take(&self) -> Option<Finish> {
        let mut slot = self.arrival.lock();
        match std::mem::replace(&mut *slot, Slot::Taken) {
            Slot::Arrived(finish) => Some(finish),
            other => {
                *slot = other;
                None
            }
        }
    }
}

fn already_awaited() -> PyErr {
    PyRuntimeError::new_err("this answer was already awaited")
}

/// Ends the await with `value` (StopIteration carries a coroutine's result).
fn finished(value: Py<PyAny>) -> PyErr {
    PyStopIteration::new_err((value,))
}

/// Yields `future` to the task (which then waits for it) until it is done.
fn wait_on(future: Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if future.call_method0("done")?.is_truthy()? {
        return Err(finished(future.call_method0("result")?.unbind()));
    }
    future.setattr("_asyncio_future_blocking", true)?;
    Ok(future.unbind())
}

#[pymethods]
impl Answer {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// `yield from` (asyncio's wrapper for awaitables that are not coroutines) wants an iterable.
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if self.over.load(Ordering::Acquire) {
            return Err(already_awaited());
        }
        let step = self.step(py);
        // Every way an await ends is an exception, StopIteration included.
        self.over.store(step.is_err(), Ordering::Release);
        step
    }

    fn __repr__(&self) -> &'static str {
        "<workerbox.Answer>"
    }
}

impl Answer {
    /// One step of the await: a future to wait on, or the end.
    fn step(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let parked =
            self.parked.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|f| f.clone_ref(py));
        if let Some(future) = parked {
            return wait_on(future.into_bound(py));
        }
        let arrival = &self.arrival;
        if !arrival.arrived.load(Ordering::Acquire) && arrival.completer.alone() {
            py.detach(|| poll(POLL, None, || arrival.arrived.load(Ordering::Acquire).then_some(())));
        }
        match self.take_or_park(py)? {
            Ok(finish) => Err(finished(finish(py)?)),
            Err(future) => wait_on(future),
        }
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        let mut slot = self.arrival.lock();
        match std::mem::replace(&mut *slot, Slot::Taken) {
            Slot::Waiting => *slot = Slot::Abandoned,
            Slot::Arrived(finish) => {
                drop(slot);
                self.arrival.completer.submit(Box::new(move |py| drop(finish(py))));
            }
            other => *slot = other,
        }
    }
}
