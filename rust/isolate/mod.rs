//! Isolate lifecycle and threading. `Executor` owns the isolate threads and the scheduler that
//! hands them work; any thread runs any worker, one thread at a time, under the worker's
//! `v8::Locker`. `WorkerHandle` is the `Send + Sync` face of a worker that any thread (the Python
//! layer in particular) may hold; every operation on it is a `Command` put in the worker's
//! mailbox, answered through a one-shot `Pending`.

mod accounting;
mod capacity;
mod entry;
mod exception;
mod mailbox;
mod polling;
mod pool;
mod prime;
mod sched;
mod thread;
mod waiting;
mod worker;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::code::WorkerCode;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::ops::LogLine;
use crate::rpc::Host;
use crate::value::{Answer, ServiceTarget, Value};
pub use capacity::Slot;
use mailbox::{Command, Mailbox};
pub use polling::poll;
use sched::Scheduler;

/// One entrypoint call.
pub struct Call {
    /// The export to call into; None for `default`.
    pub export: Option<String>,
    pub method: String,
    pub args: Vec<Value>,
    /// `ctx.props` for the call.
    pub props: Value,
    /// The caller's limits for this call; they can only tighten the worker's own.
    pub limits: Limits,
    pub kind: CallKind,
}

/// What a call does in the worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// A method called over RPC: `args` in, its converted value out.
    Method,
    /// A fetch handler call: `args[0]` is a request in wire form (url, method, headers, body);
    /// the handler's Response comes back in wire form (status, statusText, headers, body). With
    /// `streamed`, a body that is a stream stays in the worker (the wire's `stream` names it, and
    /// `body` is null), the host reads it with `Body` calls, and the call stays open, its limits
    /// running, until the body ends.
    Fetch { streamed: bool },
    /// The next chunk of streamed body `id` (bytes, or null at its end); with `cancel`, the host
    /// stops reading it instead.
    Body { id: u64, cancel: bool },
}

/// The answer to one command, with the console output the worker produced since the last one.
pub struct Done<T> {
    pub result: Result<T>,
    pub logs: Vec<LogLine>,
    /// What the call used, for traces; None for answers that ran no JavaScript.
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// CPU time of the worker's turns while the call was in flight.
    pub cpu: Duration,
    pub wall: Duration,
}

impl<T> Done<T> {
    /// An answer that ran no JavaScript.
    pub fn early(result: Result<T>) -> Self {
        Done { result, logs: Vec::new(), usage: None }
    }
}

/// Where the answer to one command goes: a blocking `Pending` (see `Pending::channel`) or any
/// callback, such as one that completes an asyncio future. Called exactly once, on the isolate
/// thread, so it must not block.
pub struct Reply<T>(Box<dyn FnOnce(Done<T>) + Send>);

impl<T> Reply<T> {
    pub fn new(f: impl FnOnce(Done<T>) + Send + 'static) -> Self {
        Reply(Box::new(f))
    }

    pub fn send(self, done: Done<T>) {
        (self.0)(done)
    }
}

/// How long a caller polls for an answer before it sleeps.
const REPLY_SPIN: Duration = Duration::from_micros(50);

/// Stack for isolate threads: V8's own stack guard (`--stack-size`) trips well inside it, so deep
/// JS recursion becomes a RangeError rather than a crash.
const THREAD_STACK_BYTES: usize = 8 << 20;

/// How an `Executor` runs its workers.
pub struct Options {
    /// Isolate threads always in service.
    pub threads: usize,
    /// Blank isolates kept ready per thread.
    pub pool_size: usize,
    /// Python isolates (Pyodide restored) kept ready per thread, once the loader runs Python.
    pub python_pool_size: usize,
    /// How long a worker stays idle before its memory is trimmed; None: never.
    pub trim_after: Option<Duration>,
}

pub struct Executor {
    sched: Arc<Scheduler>,
    joins: Mutex<Vec<JoinHandle<()>>>,
    next_id: AtomicU64,
}

impl Executor {
    /// Starts `threads` isolate threads, up to one extra thread per core for when every one of
    /// them is in a long turn (see `sched`), and the scheduler's clock. `host` runs the calls
    /// workers make to host objects.
    pub fn new(options: Options, host: Option<Arc<dyn Host>>) -> Result<Self> {
        let Options { threads, pool_size, python_pool_size, trim_after } = options;
        if threads == 0 {
            return Err(Error::Worker("threads must be at least 1".into()));
        }
        // V8 first: a thread that locks an isolate must be created after V8 is initialised.
        crate::platform::init()?;
        let extra = std::thread::available_parallelism().map_or(1, |n| n.get());
        let sched = Arc::new(Scheduler::new(threads, extra, host, pool_size, python_pool_size, trim_after));
        let mut joins = Vec::with_capacity(sched.seats() + 1);
        let (ready_tx, ready) = mpsc::channel();
        let spawn = |name: String, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name)
                .stack_size(THREAD_STACK_BYTES)
                .spawn(f)
                .map_err(|e| Error::Worker(format!("cannot start an isolate thread: {e}")))
        };
        let started = (|| -> Result<()> {
            for seat in 0..sched.seats() {
                let (sched, ready) = (sched.clone(), ready_tx.clone());
                let fill = if seat < threads { pool_size } else { 0 };
                let run = move || thread::run(seat, sched, fill, ready);
                joins.push(spawn(format!("workerbox-isolate-{seat}"), Box::new(run))?);
            }
            let clock = sched.clone();
            joins.push(spawn("workerbox-clock".into(), Box::new(move || clock.clock()))?);
            Ok(())
        })();
        drop(ready_tx);
        if let Err(e) = started {
            sched.close();
            for j in joins {
                let _ = j.join();
            }
            return Err(e);
        }
        // The pool is filled before the first load, which would otherwise create its isolate.
        for _ in 0..sched.seats() {
            let _ = ready.recv();
        }
        Ok(Executor { sched, joins: Mutex::new(joins), next_id: AtomicU64::new(1) })
    }

    /// Starts loading a fresh worker; the answer goes to `reply`. The handle is usable at once;
    /// its commands queue behind the load. `slot`, if given, is the place under the isolate cap
    /// the caller reserved for it.
    pub fn load(&self, code: WorkerCode, reply: Reply<()>, slot: Option<Slot>) -> Result<WorkerHandle> {
        crate::platform::not_forked()?;
        code.validate()?;
        crate::python::check_names(&code)?;
        if self.sched.closing() {
            return Err(Error::Closed("the loader is closed".into()));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mailbox = Mailbox::new(id, Command::Load { code, reply, slot });
        self.sched.admit(&mailbox);
        Ok(WorkerHandle { mailbox, sched: self.sched.clone(), last_used: Mutex::new(Instant::now()) })
    }

    /// Isolates ready in the pools: `(blank, python)`.
    pub fn pooled(&self) -> (usize, usize) {
        self.sched.pooled()
    }

    /// Terminates running JavaScript, refuses queued commands, stops every isolate thread and
    /// waits for them to exit (which disposes their isolates). Does nothing in a forked child,
    /// which has none of those threads to stop or join.
    pub fn shutdown(&self) {
        if crate::platform::forked() {
            return;
        }
        self.sched.close();
        let joins = std::mem::take(&mut *self.joins.lock().unwrap());
        for j in joins {
            let _ = j.join();
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        if crate::platform::forked() {
            // Their threads did not survive the fork: detaching them would touch what is gone.
            std::mem::forget(std::mem::take(self.joins.get_mut().unwrap()));
        }
        self.shutdown();
    }
}

/// A worker, from any thread. Dropping it closes the worker.
pub struct WorkerHandle {
    mailbox: Arc<Mailbox>,
    sched: Arc<Scheduler>,
    last_used: Mutex<Instant>,
}

impl WorkerHandle {
    pub fn id(&self) -> u64 {
        self.mailbox.id
    }

    /// How long since the worker was loaded or last called.
    pub fn idle_for(&self) -> Duration {
        self.last_used.lock().unwrap_or_else(|p| p.into_inner()).elapsed()
    }

    pub fn call(&self, call: Call) -> Result<Pending<Value>> {
        let (reply, pending) = Pending::channel();
        self.call_with(call, reply)?;
        Ok(pending)
    }

    /// Like `call`, answering through `reply` instead of a `Pending`.
    pub fn call_with(&self, call: Call, reply: Reply<Value>) -> Result<()> {
        crate::platform::not_forked()?;
        *self.last_used.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.mailbox.send(&self.sched, Command::Call { call, reply });
        Ok(())
    }

    /// Whether the worker can still run calls: not closed, not dead. A worker can die at any
    /// moment, so `true` is a hint; `false` is final.
    pub fn alive(&self) -> bool {
        self.mailbox.is_alive()
    }

    /// Ends the worker: closed, no more calls, and the calls in flight end with `ClosedError`.
    pub fn close(&self) {
        self.stop(Error::Closed("the worker was closed".into()));
    }

    /// Ends the worker at once, whatever it is doing: JavaScript running now is terminated (a
    /// Close command would wait behind it), and every call in flight, running or awaiting a
    /// host call or a timer, ends with `reason`.
    pub fn stop(&self, reason: Error) {
        self.stop_with(reason, None);
    }

    fn stop_with(&self, reason: Error, disposed: Option<Reply<()>>) {
        if crate::platform::forked() {
            // No isolate thread here to stop, and its locks may be held by threads that the fork
            // did not copy.
            if let Some(reply) = disposed {
                reply.send(Done::early(Ok(())));
            }
            return;
        }
        self.mailbox.alive.store(false, std::sync::atomic::Ordering::Release);
        // Recorded before the check for a running turn; a turn checks it as it starts, so a
        // turn starting in between is terminated too.
        self.mailbox.termination.set(reason);
        self.mailbox.interrupt();
        // A closed mailbox acknowledges at once (see `Command::refuse`).
        let release = self.sched.releases.promise();
        self.mailbox.send(&self.sched, Command::Close { disposed, release });
    }

    /// Closes the worker and waits until its isolate is disposed (its place under the process's
    /// isolate cap free again). Call with the GIL released.
    pub fn dispose(&self) {
        let (reply, pending) = Pending::channel();
        self.dispose_with(reply);
        let _ = pending.rx.recv();
    }

    /// Like `dispose`, answering through `reply` once the isolate is gone (at once if the
    /// loader is closed).
    pub fn dispose_with(&self, reply: Reply<()>) {
        self.stop_with(Error::Closed("the worker was closed".into()), Some(reply));
    }
}

impl ServiceTarget for WorkerHandle {
    fn id(&self) -> u64 {
        self.mailbox.id
    }

    /// A service binding's call: the target's own limits apply (the calling worker's limits
    /// cover only its own turns), and `ctx.props` is empty.
    fn send(
        &self,
        export: Option<String>,
        method: String,
        args: Vec<Value>,
        fetch: bool,
        answer: Answer,
    ) -> Result<()> {
        let kind = if fetch { CallKind::Fetch { streamed: false } } else { CallKind::Method };
        let call = Call { export, method, args, props: Value::Undefined, limits: Limits::default(), kind };
        self.call_with(call, Reply::new(move |done: Done<Value>| answer(done.result)))
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.close();
    }
}

/// The answer to one command, still on its way.
pub struct Pending<T> {
    rx: Receiver<Done<T>>,
}

impl<T: Send + 'static> Pending<T> {
    pub fn channel() -> (Reply<T>, Pending<T>) {
        let (tx, rx) = mpsc::sync_channel(1);
        let reply = Reply::new(move |done| {
            // A dropped receiver means the caller stopped waiting; nobody is left to tell.
            let _ = tx.send(done);
        });
        (reply, Pending { rx })
    }
}

impl<T> Pending<T> {
    /// `None` if no answer came within `timeout`. Polls briefly before sleeping: a short call's
    /// answer usually arrives within microseconds, sooner than a sleeping thread wakes.
    pub fn wait(&self, timeout: Duration) -> Option<Done<T>> {
        match polling::recv(&self.rx, REPLY_SPIN, Some(Instant::now() + timeout)) {
            Ok(done) => Some(done),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                Some(Done::early(Err(Error::Closed("the loader is closed".into()))))
            }
        }
    }
}
