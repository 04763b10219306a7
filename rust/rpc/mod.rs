//! The RPC bridge: the only way out of the sandbox. JavaScript reaches the host solely through
//! stubs (`stub.rs`) for objects the host handed in; each stub call becomes a `HostCall` given to
//! the loader's `Host`, which runs it off the isolate thread and answers through `HostReply`.
//! Host objects are named by integer ids, never pointers, and errors come back sanitised (type
//! name and message, never a traceback). `pool.rs` holds the threads hosts run calls on, shared
//! fairly between workers.

pub mod pool;
pub mod service;
pub mod stub;

use std::sync::Arc;

pub use crate::value::HostError;
use crate::value::Value;

/// What the embedder (the Python layer) provides to run host calls.
pub trait Host: Send + Sync + 'static {
    /// Runs `call` on some thread other than the isolate's and answers through `reply` exactly
    /// once. Must not block the caller for longer than it takes to hand the call off.
    fn call(&self, call: HostCall, reply: HostReply);

    /// Worker `worker` is gone: drop every host object it was given.
    fn release(&self, worker: u64);
}

#[derive(Debug)]
pub struct HostCall {
    pub worker: u64,
    /// The host object (or function) id from `Value::Target` / `Value::Function`.
    pub target: u64,
    /// The method called on a target; None for a function stub.
    pub method: Option<String>,
    pub args: Vec<Value>,
}

pub struct HostReply(Box<dyn FnOnce(Result<Value, HostError>) + Send>);

impl HostReply {
    pub fn new(f: impl FnOnce(Result<Value, HostError>) + Send + 'static) -> Self {
        HostReply(Box::new(f))
    }

    pub fn send(self, result: Result<Value, HostError>) {
        (self.0)(result)
    }
}

/// How an isolate reaches the world outside: which worker it is, its host (if any), and how an
/// answer (to a host call or an outbound fetch) gets back to the isolate's thread.
pub struct HostLink {
    pub worker: u64,
    pub host: Option<Arc<dyn Host>>,
    pub answer: Arc<dyn Fn(u64, Result<Value, HostError>) + Send + Sync>,
}
