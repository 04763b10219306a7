//! Isolate lifecycle and threading. `Executor` owns a fixed set of `IsolateThread`s; each worker
//! is pinned to one of them for life. `WorkerHandle` is the `Send + Sync` face of a worker that
//! any thread (the Python layer in particular) may hold; every operation on it is a `Command`
//! sent to the worker's thread, answered through a one-shot `Pending`.

mod accounting;
mod capacity;
mod entry;
mod exception;
mod thread;
mod waiting;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::code::WorkerCode;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::ops::LogLine;
use crate::rpc::Host;
use crate::value::Value;
use crate::watchdog::Termination;
pub use capacity::Slot;
use thread::{Command, Running};

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
    /// A `fetch(request)` call: `args[0]` is a request in wire form (url, method, headers,
    /// body); the handler's Response comes back in wire form (status, statusText, headers, body).
    pub fetch: bool,
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

/// The next message on `rx` by `deadline` (None: no deadline), polling for up to `spin` before
/// sleeping on the channel. Polling costs a little CPU and saves the futex wake-up and
/// reschedule of a sleeping receiver when the message is about to arrive.
fn recv_polling<T>(
    rx: &Receiver<T>,
    spin: Duration,
    deadline: Option<Instant>,
) -> Result<T, RecvTimeoutError> {
    let spin_until = Instant::now() + spin;
    loop {
        let now = Instant::now();
        if now >= spin_until || deadline.is_some_and(|d| now >= d) {
            break;
        }
        match rx.try_recv() {
            Ok(message) => return Ok(message),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
    match deadline {
        Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
}

/// How long a caller polls for an answer before it sleeps.
const REPLY_SPIN: Duration = Duration::from_micros(50);

/// Stack for isolate threads: V8's own stack guard (`--stack-size`) trips well inside it, so deep
/// JS recursion becomes a RangeError rather than a crash.
const THREAD_STACK_BYTES: usize = 8 << 20;

struct ThreadRef {
    commands: Sender<Command>,
    running: Arc<Running>,
}

pub struct Executor {
    threads: Vec<Arc<ThreadRef>>,
    joins: Mutex<Vec<JoinHandle<()>>>,
    next_thread: AtomicUsize,
    next_id: AtomicU64,
}

impl Executor {
    /// Starts `threads` isolate threads; `host` runs the calls workers make to host objects;
    /// each thread keeps `pool_size` blank isolates ready.
    pub fn new(threads: usize, host: Option<Arc<dyn Host>>, pool_size: usize) -> Result<Self> {
        if threads == 0 {
            return Err(Error::Worker("threads must be at least 1".into()));
        }
        crate::platform::init()?;
        let mut refs = Vec::with_capacity(threads);
        let mut joins = Vec::with_capacity(threads);
        let (ready_tx, ready) = mpsc::channel();
        for i in 0..threads {
            let (tx, rx) = mpsc::channel();
            let running = Arc::new(Running::default());
            let cx = thread::ThreadContext {
                running: running.clone(),
                host: host.clone(),
                to_self: tx.clone(),
                pool_size,
                ready: ready_tx.clone(),
            };
            let join = std::thread::Builder::new()
                .name(format!("workerbox-isolate-{i}"))
                .stack_size(THREAD_STACK_BYTES)
                .spawn(move || thread::run(rx, cx))
                .map_err(|e| Error::Worker(format!("cannot start an isolate thread: {e}")))?;
            refs.push(Arc::new(ThreadRef { commands: tx, running }));
            joins.push(join);
        }
        // Threads fill their pools before the first load: a thread busy filling at start would
        // make every early load pick the same other thread, and their workers share it for life.
        drop(ready_tx);
        for _ in 0..threads {
            let _ = ready.recv();
        }
        Ok(Executor {
            threads: refs,
            joins: Mutex::new(joins),
            next_thread: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    /// Starts loading a fresh worker; the answer goes to `reply`. The handle is usable at once;
    /// its commands queue behind the load on the worker's thread. `slot`, if given, is the place
    /// under the isolate cap the caller reserved for it.
    pub fn load(&self, code: WorkerCode, reply: Reply<()>, slot: Option<Slot>) -> Result<WorkerHandle> {
        crate::platform::not_forked()?;
        code.validate()?;
        // The thread where the load would start soonest; ties rotate.
        let start = self.next_thread.fetch_add(1, Ordering::Relaxed);
        let n = self.threads.len();
        let thread = (0..n)
            .map(|k| &self.threads[(start + k) % n])
            .min_by_key(|t| t.running.load_rank())
            .expect("an executor has at least one thread")
            .clone();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let alive = Arc::new(AtomicBool::new(true));
        let termination = Termination::default();
        let load =
            Command::Load { id, code, reply, alive: alive.clone(), termination: termination.clone(), slot };
        send(&thread, load)?;
        Ok(WorkerHandle { id, thread, last_used: Mutex::new(Instant::now()), alive, termination })
    }

    /// Terminates running JavaScript, refuses queued commands, stops every isolate thread and
    /// waits for them to exit (which disposes their isolates). Does nothing in a forked child,
    /// which has none of those threads to stop or join.
    pub fn shutdown(&self) {
        if crate::platform::forked() {
            return;
        }
        for t in &self.threads {
            t.running.close();
            let _ = send(t, Command::Shutdown);
        }
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

fn send(thread: &ThreadRef, command: Command) -> Result<()> {
    thread.running.enqueued();
    thread.commands.send(command).map_err(|_| Error::Closed("the loader is closed".into()))
}

/// A worker, from any thread. Dropping it closes the worker.
pub struct WorkerHandle {
    id: u64,
    thread: Arc<ThreadRef>,
    last_used: Mutex<Instant>,
    /// Cleared by the isolate thread when the worker dies (failed load, limit, termination)
    /// and here when it is closed, so a cache can tell a dead worker from a warm one.
    alive: Arc<AtomicBool>,
    /// The worker's termination reason, shared with its isolate: `stop` records why, so the
    /// JavaScript it interrupts unwinds into that error rather than a bare termination.
    termination: Termination,
}

impl WorkerHandle {
    pub fn id(&self) -> u64 {
        self.id
    }

    /// How long since the worker was loaded or last called.
    pub fn idle_for(&self) -> Duration {
        self.last_used.lock().unwrap().elapsed()
    }

    pub fn call(&self, call: Call) -> Result<Pending<Value>> {
        let (reply, pending) = Pending::channel();
        self.call_with(call, reply)?;
        Ok(pending)
    }

    /// Like `call`, answering through `reply` instead of a `Pending`.
    pub fn call_with(&self, call: Call, reply: Reply<Value>) -> Result<()> {
        crate::platform::not_forked()?;
        *self.last_used.lock().unwrap() = Instant::now();
        send(&self.thread, Command::Call { id: self.id, call, reply })
    }

    /// Whether the worker can still run calls: not closed, not dead. A worker can die at any
    /// moment, so `true` is a hint; `false` is final.
    pub fn alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
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
        self.alive.store(false, Ordering::Release);
        // Recorded before the check for a running turn; the isolate thread checks it after
        // announcing a turn, so a turn starting in between is terminated too.
        self.termination.set(reason);
        self.thread.running.terminate(self.id);
        self.thread.running.enqueued();
        let command = Command::Close { id: self.id, disposed };
        if let Err(mpsc::SendError(Command::Close { disposed: Some(reply), .. })) =
            self.thread.commands.send(command)
        {
            reply.send(Done::early(Ok(())));
        }
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
        match recv_polling(&self.rx, REPLY_SPIN, Some(Instant::now() + timeout)) {
            Ok(done) => Some(done),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                Some(Done::early(Err(Error::Closed("the loader is closed".into()))))
            }
        }
    }
}
