//! The calls a worker has in flight: who is waiting for which promise, with what limits and how
//! much CPU it has used, and how an answer is sent. Isolate thread only.

use std::time::{Duration, Instant};

use super::{Done, Reply, Usage};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::ops::OpState;
use crate::value::Value;

pub(super) enum Waiter {
    Load(Reply<()>),
    /// `streamed`: a fetch whose body, if a stream, stays open as a `Body` waiter.
    Call {
        reply: Reply<Value>,
        what: String,
        streamed: bool,
    },
    /// A streamed response body the host is reading: nobody awaits its end, but the call it
    /// came from stays open (charged, watched, wall clock running) until it ends.
    Body,
}

pub(super) struct Waiting {
    pub promise: v8::Global<v8::Promise>,
    pub waiter: Waiter,
    /// Effective limits of this call (defaults filled in).
    pub limits: Limits,
    pub started: Instant,
    /// CPU time of every turn this worker ran since the call started.
    pub cpu_used: Duration,
}

impl Waiting {
    /// What the call has used, counting `running` CPU of the turn in progress.
    pub fn usage(&self, running: Duration) -> Usage {
        Usage { cpu: self.cpu_used + running, wall: self.started.elapsed() }
    }

    pub fn new(promise: v8::Global<v8::Promise>, waiter: Waiter, limits: Limits) -> Self {
        Waiting { promise, waiter, limits, started: Instant::now(), cpu_used: Duration::ZERO }
    }

    /// The same call, now waiting for its streamed body to end (`body`): its limits, start and
    /// CPU so far carry over.
    pub fn streaming(&self, body: v8::Global<v8::Promise>) -> Self {
        Waiting {
            promise: body,
            waiter: Waiter::Body,
            limits: self.limits,
            started: self.started,
            cpu_used: self.cpu_used,
        }
    }

    pub fn wall_deadline(&self) -> Option<Instant> {
        self.limits.wall().map(|w| self.started + w)
    }
}

pub(super) fn never_settled(waiter: &Waiter, main_name: &str) -> Error {
    let what = match waiter {
        Waiter::Load(_) => format!("top-level await in {main_name:?}"),
        Waiter::Call { what, .. } => format!("the promise returned by {what}"),
        Waiter::Body => "a streamed response body".into(),
    };
    Error::Worker(format!("{what} never settled: nothing is left that could resolve it"))
}

/// Sends `result` with the console output collected so far.
pub(super) fn answer<T>(isolate: &mut v8::Isolate, reply: Reply<T>, result: Result<T>) {
    answer_with(isolate, reply, result, None);
}

pub(super) fn answer_with<T>(
    isolate: &mut v8::Isolate,
    reply: Reply<T>,
    result: Result<T>,
    usage: Option<Usage>,
) {
    let logs = isolate.get_slot_mut::<OpState>().map(|s| std::mem::take(&mut s.logs)).unwrap_or_default();
    reply.send(Done { result, logs, usage });
}
