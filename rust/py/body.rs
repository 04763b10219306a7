//! A streamed response body: `ep.fetch(request, stream=True)` answers as soon as the handler's
//! Response exists, and a body that is a stream stays in the worker, which the `Response` reads
//! chunk by chunk (one `CallKind::Body` call a chunk, so reading is bounded by the call's limits
//! like anything else the worker does). Closing or dropping the Response before the end cancels
//! the stream in the worker (its source's `cancel` runs) and ends the call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyStopAsyncIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::answer::Answer;
use super::completer::{Completer, new_future};
use super::errors::IntoPyResult;
use super::trace::{self, Source};
use super::wait::wait;
use crate::isolate::{Call, CallKind, Reply, WorkerHandle};
use crate::limits::Limits;
use crate::value::Value;

/// The worker, the body's id there, and whether it has ended (or was cancelled).
pub struct StreamedBody {
    handle: Arc<WorkerHandle>,
    id: u64,
    label: Arc<str>,
    completer: Option<Arc<Completer>>,
    ended: AtomicBool,
}

impl StreamedBody {
    pub fn new(
        handle: Arc<WorkerHandle>,
        id: u64,
        label: Arc<str>,
        completer: Option<Arc<Completer>>,
    ) -> Arc<Self> {
        Arc::new(StreamedBody { handle, id, label, completer, ended: AtomicBool::new(false) })
    }

    fn call(&self, cancel: bool) -> Call {
        Call {
            export: None,
            method: "fetch".into(),
            args: Vec::new(),
            props: Value::Undefined,
            limits: Limits::default(),
            kind: CallKind::Body { id: self.id, cancel },
        }
    }

    /// Console output of the reads goes where the call's went; reads are not traced apart.
    fn source(&self) -> Source {
        Source { worker: self.label.to_string(), call: None, on_trace: None }
    }

    /// A chunk from the worker's answer: bytes, or None at the end.
    fn chunk(&self, value: Value) -> PyResult<Option<Vec<u8>>> {
        match value {
            Value::Bytes(bytes) => Ok(Some(bytes)),
            Value::Null | Value::Undefined => {
                self.ended.store(true, Ordering::Release);
                Ok(None)
            }
            _ => Err(PyTypeError::new_err("the response body sent something other than bytes")),
        }
    }

    /// The next chunk, waiting for the worker; None once the body ended. An error (the stream
    /// failed, a limit ended the worker) ends the body too.
    pub fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<u8>>> {
        if self.ended.load(Ordering::Acquire) {
            return Ok(None);
        }
        let read = (|| {
            let pending = self.handle.call(self.call(false)).py(py)?;
            let done = wait(py, pending, &self.handle)?;
            self.chunk(trace::finish(py, &self.source(), done)?)
        })();
        if read.is_err() {
            self.ended.store(true, Ordering::Release);
        }
        read
    }

    /// The rest of the body.
    pub fn read_all(&self, py: Python<'_>) -> PyResult<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next(py)? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// An awaitable of the next chunk as bytes; StopAsyncIteration at the end.
    pub fn next_async(self: &Arc<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let Some(completer) = &self.completer else {
            return Err(PyTypeError::new_err(
                "async iteration needs a response from an AsyncLoader's worker; iterate this one with `for`",
            ));
        };
        if self.ended.load(Ordering::Acquire) {
            let end = Answer::ready(completer.clone(), Err(PyStopAsyncIteration::new_err(())));
            return Ok(Py::new(py, end)?.into_any());
        }
        let me = self.clone();
        let (reply, answer) = completer.answer(
            self.source(),
            move |py, value| match me.chunk(value) {
                Ok(Some(bytes)) => Ok(PyBytes::new(py, &bytes).into_any().unbind()),
                Ok(None) => Err(PyStopAsyncIteration::new_err(())),
                Err(e) => {
                    me.ended.store(true, Ordering::Release);
                    Err(e)
                }
            },
            None,
        );
        self.handle.call_with(self.call(false), reply).py(py)?;
        Ok(Py::new(py, answer)?.into_any())
    }

    /// Stops reading: the worker cancels the stream and the call ends. Idempotent.
    pub fn cancel(&self) {
        if !self.ended.swap(true, Ordering::AcqRel) {
            // Nobody waits for the answer; a closed or dead worker has nothing left to cancel.
            let _ = self.handle.call_with(self.call(true), Reply::new(|_| {}));
        }
    }

    pub fn ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }
}

impl Drop for StreamedBody {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// `iter(response)` / `aiter(response)`: the body's chunks as bytes.
#[pyclass(name = "BodyIterator", module = "workerbox", frozen)]
pub struct PyBodyIter {
    source: Chunks,
}

enum Chunks {
    Streamed(Arc<StreamedBody>),
    /// A body that came whole: one chunk (none if empty), then the end.
    Whole(Mutex<Option<Arc<Vec<u8>>>>),
}

impl PyBodyIter {
    pub fn streamed(body: Arc<StreamedBody>) -> Self {
        PyBodyIter { source: Chunks::Streamed(body) }
    }

    pub fn whole(body: Arc<Vec<u8>>) -> Self {
        PyBodyIter { source: Chunks::Whole(Mutex::new(Some(body).filter(|b| !b.is_empty()))) }
    }
}

#[pymethods]
impl PyBodyIter {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        match &self.source {
            Chunks::Streamed(body) => Ok(body.next(py)?.map(|chunk| PyBytes::new(py, &chunk))),
            Chunks::Whole(chunk) => Ok(chunk.lock().unwrap().take().map(|chunk| PyBytes::new(py, &chunk))),
        }
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match &self.source {
            Chunks::Streamed(body) => body.next_async(py),
            Chunks::Whole(_) => {
                let future = new_future(py)?;
                match self.__next__(py)? {
                    Some(chunk) => future.call_method1("set_result", (chunk,))?,
                    None => future
                        .call_method1("set_exception", (PyStopAsyncIteration::new_err(()).into_value(py),))?,
                };
                Ok(future.unbind())
            }
        }
    }
}

/// A request body given as an iterator or async iterator: the worker sees a `ReadableStream`
/// whose every pull calls this object as a host function, getting the next chunk (bytes or str)
/// or None at the end. It runs on a host thread, like any binding, so a slow iterator delays only
/// the worker that reads it. An async iterator's steps all run on the loop it was made on: an
/// async generator belongs to one loop, and a private loop per step would finalize it after the
/// first chunk.
#[pyclass(module = "workerbox", frozen)]
pub struct RequestChunks {
    iterator: Py<PyAny>,
    /// The running loop when an async iterator was given; None for a sync iterator.
    event_loop: Option<Py<PyAny>>,
}

impl RequestChunks {
    /// The chunk source for `body`, if it is an iterable other than str and bytes-like (which are
    /// whole bodies), or an async iterable (made where an event loop runs).
    pub fn from_body(body: &Bound<'_, PyAny>) -> PyResult<Option<Self>> {
        let py = body.py();
        if body.hasattr("__aiter__")? {
            let Ok(event_loop) = py.import("asyncio")?.call_method0("get_running_loop") else {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "an async iterator body must be given where an event loop runs (make the Request in a coroutine)",
                ));
            };
            let iterator = body.call_method0("__aiter__")?.unbind();
            return Ok(Some(RequestChunks { iterator, event_loop: Some(event_loop.unbind()) }));
        }
        match body.try_iter() {
            Ok(iterator) => {
                Ok(Some(RequestChunks { iterator: iterator.into_any().unbind(), event_loop: None }))
            }
            Err(_) => Ok(None),
        }
    }
}

impl RequestChunks {
    /// Refuses a caller about to wait for the worker on a thread where the iterator's steps could
    /// never run: they run on the loop the iterator was made on, which cannot take a step while
    /// its own thread waits, and which a stopped loop never takes.
    pub fn check_waiter(&self, py: Python<'_>) -> PyResult<()> {
        let Some(event_loop) = &self.event_loop else { return Ok(()) };
        let running_here = py.import("asyncio")?.call_method0("get_running_loop").ok();
        let own = running_here.is_some_and(|l| l.is(event_loop.bind(py)));
        if own || !event_loop.bind(py).call_method0("is_running")?.is_truthy()? {
            return Err(PyTypeError::new_err(
                "this request's body is an async iterator whose event loop cannot run while this call waits \
                 (it is this thread's, or stopped): await the call on an AsyncLoader's worker, or make the \
                 call from another thread (asyncio.to_thread)",
            ));
        }
        Ok(())
    }
}

#[pymethods]
impl RequestChunks {
    fn __call__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let iterator = self.iterator.bind(py);
        if let Some(event_loop) = &self.event_loop {
            // A coroutine the host awaits wherever it awaits coroutines, waiting on the step that
            // runs on the iterator's own loop.
            return Ok(helper(py, "on_loop")?.call1((iterator, event_loop.bind(py)))?.unbind());
        }
        match iterator.call_method0("__next__") {
            Ok(chunk) => Ok(chunk.unbind()),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => Ok(py.None()),
            Err(e) => Err(e),
        }
    }
}

/// Python helpers for async iterator bodies, compiled once.
fn helper<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    static MODULE: pyo3::sync::PyOnceLock<Py<PyModule>> = pyo3::sync::PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || {
        let code = c"import asyncio

async def next_chunk(it):
    return await anext(it, None)

async def _wait(step):
    return await asyncio.wrap_future(step)

def on_loop(it, loop):
    return _wait(asyncio.run_coroutine_threadsafe(next_chunk(it), loop))
";
        Ok::<_, PyErr>(
            PyModule::from_code(py, code, c"<workerbox request body>", c"workerbox_request_body")?.unbind(),
        )
    })?;
    module.bind(py).getattr(name)
}
