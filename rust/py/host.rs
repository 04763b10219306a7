//! `PyHost`: runs the calls sandboxed JavaScript makes to Python objects handed to it (RpcTarget
//! instances and callables in `env` or in call arguments). Objects are kept here under integer
//! ids per worker and dropped when the worker closes. Calls run on the loader's `HostPool`
//! (capped threads that attach to the interpreter, shared fairly between workers), never on an
//! isolate thread, so a slow binding delays only the JavaScript that awaits it. A coroutine
//! result is awaited on the loop it was registered from (AsyncLoader) and answered from its
//! future's done-callback, holding no host thread meanwhile; without a loop (a sync Loader) it
//! runs to completion on a private loop on the host thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::convert::{Registrar, from_value, to_value};
use super::http::{PyRequest, PyResponse};
use crate::rpc::pool::{HostPool, PoolLimits, blocking};
use crate::rpc::{Host, HostCall, HostError, HostReply};
use crate::value::Value;

/// Base class for Python objects handed to a worker as RPC capabilities. Only the public methods
/// a subclass defines are callable from JavaScript; attributes and `_` names never are.
#[pyclass(name = "RpcTarget", module = "workerbox", subclass)]
pub struct PyRpcTarget;

#[pymethods]
impl PyRpcTarget {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>) -> Self {
        PyRpcTarget
    }
}

struct Hosted {
    object: Py<PyAny>,
    /// A `global_outbound` hook: takes a Request and returns a Response, adapted from and to the
    /// wire form that `fetch()` uses.
    outbound: bool,
    /// The running asyncio loop at registration, where coroutine results are awaited.
    event_loop: Option<Py<PyAny>>,
    worker: Option<u64>,
}

pub struct PyHost {
    /// Host calls run on pool threads, which need their own reference to the host.
    me: std::sync::Weak<PyHost>,
    /// AsyncLoader: a coroutine result is awaited on the loop its object was registered from.
    /// A sync Loader's caller blocks its own thread (maybe a loop's), so it never uses a loop.
    uses_event_loop: bool,
    objects: Mutex<HashMap<u64, Hosted>>,
    next: AtomicU64,
    pool: HostPool,
}

impl PyHost {
    pub fn new(uses_event_loop: bool, pool: PoolLimits) -> Arc<Self> {
        Arc::new_cyclic(|me| PyHost {
            me: me.clone(),
            uses_event_loop,
            objects: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            pool: HostPool::new(pool),
        })
    }

    /// Keeps a `global_outbound` hook for the sandbox's `fetch()`; returns its id.
    pub fn register_outbound(&self, hook: &Bound<'_, PyAny>) -> u64 {
        let id = self.register(hook, None);
        if let Some(h) = self.objects.lock().unwrap().get_mut(&id) {
            h.outbound = true;
        }
        id
    }

    /// Keeps `object` for JavaScript to call; returns its id.
    pub fn register(&self, object: &Bound<'_, PyAny>, worker: Option<u64>) -> u64 {
        let py = object.py();
        let event_loop = if self.uses_event_loop {
            py.import("asyncio").and_then(|a| a.call_method0("get_running_loop")).ok().map(Bound::unbind)
        } else {
            None
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let hosted = Hosted { object: object.clone().unbind(), outbound: false, event_loop, worker };
        self.objects.lock().unwrap().insert(id, hosted);
        id
    }

    /// Assigns objects registered before their worker existed (its `env`) to `worker`.
    pub fn adopt(&self, worker: u64, ids: &[u64]) {
        let mut objects = self.objects.lock().unwrap();
        for id in ids {
            if let Some(h) = objects.get_mut(id) {
                h.worker = Some(worker);
            }
        }
    }

    /// Drops objects registered for a worker that never came to be.
    pub fn forget(&self, ids: &[u64]) {
        let mut objects = self.objects.lock().unwrap();
        for id in ids {
            objects.remove(id);
        }
    }

    /// Runs `call` and answers `reply`: at once, or, for a coroutine awaited on its loop, from
    /// the future's done-callback, so no host thread waits while the coroutine runs.
    fn run(self: &Arc<Self>, py: Python<'_>, call: HostCall, reply: HostReply) {
        let (object, event_loop, outbound) = {
            let objects = self.objects.lock().unwrap();
            let Some(h) = objects.get(&call.target) else {
                let gone = HostError { name: "Error".into(), message: "the host object is gone".into() };
                return reply.send(Err(gone));
            };
            (h.object.clone_ref(py), h.event_loop.as_ref().map(|l| l.clone_ref(py)), h.outbound)
        };
        let worker = call.worker;
        let invoke = || -> PyResult<Bound<'_, PyAny>> {
            let object = object.bind(py);
            let func = match &call.method {
                Some(m) => object.getattr(m.as_str())?,
                None => object.clone(),
            };
            let args = if outbound {
                let wire = call.args.into_iter().next().unwrap_or(Value::Undefined);
                vec![Py::new(py, PyRequest::from_wire(wire)?)?.into_any()]
            } else {
                call.args.into_iter().map(|v| from_value(py, v)).collect::<PyResult<Vec<_>>>()?
            };
            func.call1(PyTuple::new(py, args)?)
        };
        let result = match invoke() {
            Ok(result) => result,
            Err(e) => return reply.send(Err(sanitize(py, e))),
        };
        let coroutine = py.import("inspect").and_then(|i| i.call_method1("iscoroutine", (&result,)));
        if !coroutine.is_ok_and(|c| c.is_truthy().unwrap_or(false)) {
            return reply.send(self.finish(py, &result, worker, outbound));
        }
        let awaited = match &event_loop {
            Some(l) => return self.answer_when_done(py, result, l.bind(py), worker, outbound, reply),
            // No loop to await it on: run it here, not counted against the pool while it runs
            // (it may await workers whose bindings need the pool).
            None => blocking(|| py.import("asyncio")?.call_method1("run", (result,))),
        };
        reply.send(awaited.map_err(|e| sanitize(py, e)).and_then(|r| self.finish(py, &r, worker, outbound)));
    }

    /// Schedules `coroutine` on `event_loop` and answers `reply` from the future's done-callback.
    fn answer_when_done(
        self: &Arc<Self>,
        py: Python<'_>,
        coroutine: Bound<'_, PyAny>,
        event_loop: &Bound<'_, PyAny>,
        worker: u64,
        outbound: bool,
        reply: HostReply,
    ) {
        let scheduled = py
            .import("asyncio")
            .and_then(|a| a.call_method1("run_coroutine_threadsafe", (coroutine, event_loop)));
        let future = match scheduled {
            Ok(future) => future,
            Err(e) => return reply.send(Err(sanitize(py, e))),
        };
        let slot = Arc::new(Mutex::new(Some(reply)));
        let (this, pending) = (self.clone(), slot.clone());
        let on_done = move |args: &Bound<'_, PyTuple>, _: Option<&Bound<'_, pyo3::types::PyDict>>| {
            let Some(reply) = pending.lock().unwrap().take() else { return };
            let py = args.py();
            let result = args.get_item(0).and_then(|f| f.call_method0("result"));
            reply.send(
                result.map_err(|e| sanitize(py, e)).and_then(|r| this.finish(py, &r, worker, outbound)),
            );
        };
        let added = pyo3::types::PyCFunction::new_closure(py, None, None, on_done)
            .and_then(|callback| future.call_method1("add_done_callback", (callback,)));
        if let Err(e) = added
            && let Some(reply) = slot.lock().unwrap().take()
        {
            reply.send(Err(sanitize(py, e)));
        }
    }

    /// A binding's Python result as the value JavaScript gets.
    fn finish(
        self: &Arc<Self>,
        py: Python<'_>,
        result: &Bound<'_, PyAny>,
        worker: u64,
        outbound: bool,
    ) -> Result<Value, HostError> {
        if outbound {
            return match result.cast::<PyResponse>() {
                Ok(response) => response.get().to_wire().map_err(|e| sanitize(py, e)),
                Err(_) => Err(HostError {
                    name: "TypeError".into(),
                    message: "global_outbound must return a workerbox.Response".into(),
                }),
            };
        }
        let mut registrar = Registrar { host: self, worker: Some(worker), ids: Vec::new() };
        to_value(result, Some(&mut registrar)).map_err(|e| sanitize(py, e))
    }
}

/// A Python exception as JavaScript sees it: type name and message, never a traceback.
fn sanitize(py: Python<'_>, e: PyErr) -> HostError {
    HostError {
        name: e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "Error".into()),
        message: e.value(py).str().map(|s| s.to_string()).unwrap_or_default(),
    }
}

impl Host for PyHost {
    fn call(&self, call: HostCall, reply: HostReply) {
        let Some(this) = self.me.upgrade() else {
            return reply
                .send(Err(HostError { name: "Error".into(), message: "the loader is closed".into() }));
        };
        let worker = call.worker;
        self.pool.submit(
            worker,
            Box::new(move |admitted| {
                match admitted {
                    // Past interpreter exit nothing runs, and nobody is left to hear the answer.
                    Ok(()) => drop(super::attach::attach(|py| this.run(py, call, reply))),
                    Err(full) => reply.send(Err(HostError {
                        name: "TooManyHostCalls".into(),
                        message: format!(
                            "this worker already has {} host calls waiting; await some before making more",
                            full.limit
                        ),
                    })),
                }
            }),
        );
    }

    fn release(&self, worker: u64) {
        let dropped: Vec<Hosted> = {
            let mut objects = self.objects.lock().unwrap();
            let ids: Vec<u64> =
                objects.iter().filter(|(_, h)| h.worker == Some(worker)).map(|(id, _)| *id).collect();
            ids.into_iter().filter_map(|id| objects.remove(&id)).collect()
        };
        // Python references are released when the interpreter next runs (pyo3 defers the decref
        // when no thread is attached); the isolate thread never waits for the GIL.
        drop(dropped);
    }
}
