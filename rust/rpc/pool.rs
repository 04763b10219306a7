//! `HostPool`: the threads that run host calls, shared fairly between workers. One tenant's flood
//! of slow calls must cost only that tenant, so the pool has a fixed number of threads for the
//! whole process, each worker has at most `per_worker` calls running at once (the rest wait in
//! its own queue, up to `queue` of them), and free threads take the next call from the workers
//! in rotation. A call another worker makes therefore waits for at most about one running call
//! to finish, however many calls a neighbour has queued.
//!
//! Threads start on demand up to the cap and exit after sitting idle. A call that blocks on
//! another worker (a binding that calls a worker and waits, directly or in a coroutine it runs) wraps
//! the wait in `blocking`: for that long its thread and its place in the worker's share do not
//! count, so nested calls do not deadlock the pool. Blocked threads are still threads, so they
//! are bounded too, at `BLOCKED_FACTOR` times the cap: nesting deeper than that waits for a
//! thread to come back. Pure Rust: the jobs are closures; what they run (Python, for `py::host`)
//! is the caller's business.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// A host call: run with `Ok(())` on a pool thread, or at once with `Err` when its worker's queue
/// is full, so the caller can answer it either way.
pub type Job = Box<dyn FnOnce(Result<(), QueueFull>) + Send>;

/// Caps of a `HostPool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    /// Threads running host calls, for the whole pool.
    pub threads: usize,
    /// Calls one worker may have running at once.
    pub per_worker: usize,
    /// Calls one worker may have waiting for a thread; past it a call is refused.
    pub queue: usize,
}

impl PoolLimits {
    /// Enough threads for several tenants' I/O-bound calls to overlap, few enough that a flood
    /// cannot exhaust the process; a tenant gets a handful at once and a deep queue, so bursts
    /// (a `Promise.all` over a page of items) are slowed, not refused.
    pub fn with_threads(threads: Option<usize>) -> Self {
        PoolLimits {
            threads: threads.unwrap_or(DEFAULT_THREADS).max(1),
            per_worker: PER_WORKER,
            queue: QUEUE,
        }
    }
}

pub const DEFAULT_THREADS: usize = 16;
const PER_WORKER: usize = 4;
const QUEUE: usize = 10_000;

/// Threads in all, blocked ones included, are at most this many times the cap.
const BLOCKED_FACTOR: usize = 8;

/// How long an idle thread waits for work before it exits.
const IDLE_EXIT: Duration = Duration::from_secs(30);

/// Why the pool would not take a call: its worker already has `limit` calls waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull {
    pub limit: usize,
}

#[derive(Default)]
struct WorkerQueue {
    waiting: VecDeque<Job>,
    running: usize,
    /// In `State::turns`, so it is listed at most once.
    listed: bool,
}

#[derive(Default)]
struct State {
    workers: HashMap<u64, WorkerQueue>,
    /// Workers with a call that may start now, in the order they get a thread.
    turns: VecDeque<u64>,
    threads: usize,
    idle: usize,
    /// Threads inside `blocking`: alive, but not counted against the cap.
    blocked: usize,
}

impl State {
    /// Lists `worker` for a thread if it has a call waiting and room to run it.
    fn offer(&mut self, worker: u64, per_worker: usize) {
        let Some(q) = self.workers.get_mut(&worker) else { return };
        if !q.listed && !q.waiting.is_empty() && q.running < per_worker {
            q.listed = true;
            self.turns.push_back(worker);
        }
    }

    /// The next call to run, from the worker whose turn it is; that worker goes to the back.
    fn next(&mut self, per_worker: usize) -> Option<(u64, Job)> {
        let worker = self.turns.pop_front()?;
        let q = self.workers.get_mut(&worker).expect("listed workers have a queue");
        q.listed = false;
        let job = q.waiting.pop_front().expect("listed workers have a call waiting");
        q.running += 1;
        self.offer(worker, per_worker);
        Some((worker, job))
    }

    fn finished(&mut self, worker: u64, per_worker: usize) {
        if let Some(q) = self.workers.get_mut(&worker) {
            q.running -= 1;
            if q.running == 0 && q.waiting.is_empty() {
                self.workers.remove(&worker);
                return;
            }
        }
        self.offer(worker, per_worker);
    }
}

pub struct HostPool {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    limits: PoolLimits,
}

impl HostPool {
    pub fn new(limits: PoolLimits) -> Self {
        HostPool { shared: Arc::new(Shared { state: Mutex::default(), work: Condvar::new(), limits }) }
    }

    pub fn limits(&self) -> PoolLimits {
        self.shared.limits
    }

    /// Queues `job` for `worker`, or refuses it at once when that worker's queue is full.
    pub fn submit(&self, worker: u64, job: Job) {
        let limits = self.shared.limits;
        let mut state = self.shared.lock();
        let q = state.workers.entry(worker).or_default();
        if q.waiting.len() >= limits.queue {
            if q.running == 0 && q.waiting.is_empty() {
                state.workers.remove(&worker);
            }
            drop(state);
            return job(Err(QueueFull { limit: limits.queue }));
        }
        q.waiting.push_back(job);
        state.offer(worker, limits.per_worker);
        self.shared.wake(state);
    }

    /// Threads running now (for tests and stats).
    pub fn threads(&self) -> usize {
        self.shared.lock().threads
    }
}

impl Shared {
    /// The pool's state. `submit` runs on isolate threads inside V8 callbacks, where a panic
    /// aborts the process, so a poisoned lock is used anyway: jobs run (and panic) outside it,
    /// and the critical sections only count and queue, panicking on nothing but a broken
    /// invariant.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands the listed work to an idle thread, or starts one if the cap allows.
    fn wake(self: &Arc<Self>, mut state: MutexGuard<'_, State>) {
        let counted = state.threads - state.blocked;
        let room = counted < self.limits.threads && state.threads < self.limits.threads * BLOCKED_FACTOR;
        let start = state.idle == 0 && room && !state.turns.is_empty();
        if start {
            state.threads += 1;
        }
        drop(state);
        self.work.notify_one();
        if start {
            let shared = self.clone();
            let spawned =
                std::thread::Builder::new().name("workerbox-host".into()).spawn(move || shared.serve());
            if spawned.is_err() {
                // The call still runs once a running thread frees up.
                self.lock().threads -= 1;
            }
        }
    }

    fn serve(self: Arc<Self>) {
        let per_worker = self.limits.per_worker;
        let mut state = self.lock();
        loop {
            let Some((worker, job)) = state.next(per_worker) else {
                state.idle += 1;
                let (next, timeout) =
                    self.work.wait_timeout(state, IDLE_EXIT).unwrap_or_else(|p| p.into_inner());
                state = next;
                state.idle -= 1;
                if timeout.timed_out() && state.turns.is_empty() {
                    state.threads -= 1;
                    return;
                }
                continue;
            };
            drop(state);
            CURRENT.set(Some((self.clone(), worker)));
            // A job that panics must not take the thread's accounting with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(Ok(()))));
            CURRENT.set(None);
            state = self.lock();
            state.finished(worker, per_worker);
        }
    }
}

thread_local! {
    /// The pool and worker of the call this thread is running, on pool threads.
    static CURRENT: RefCell<Option<(Arc<Shared>, u64)>> = const { RefCell::new(None) };
}

/// Runs `wait` (a wait for another worker) so that, on a pool thread, the call it belongs to
/// stops counting against the pool's cap and its worker's share until `wait` returns: a binding
/// that calls back into workers cannot starve the calls it is waiting for. Elsewhere it just
/// runs `wait`.
pub fn blocking<R>(wait: impl FnOnce() -> R) -> R {
    let Some((shared, worker)) = CURRENT.with_borrow(|c| c.clone()) else { return wait() };
    let per_worker = shared.limits.per_worker;
    let mut state = shared.lock();
    state.blocked += 1;
    state.finished(worker, per_worker);
    shared.wake(state);
    let result = wait();
    let mut state = shared.lock();
    state.blocked -= 1;
    // Back in the worker's share, even if that briefly puts it over.
    state.workers.entry(worker).or_default().running += 1;
    result
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;

    fn limits(threads: usize, per_worker: usize, queue: usize) -> PoolLimits {
        PoolLimits { threads, per_worker, queue }
    }

    #[test]
    fn a_flood_from_one_worker_uses_at_most_its_share_and_the_cap() {
        let pool = HostPool::new(limits(3, 2, 1000));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (done, finished) = mpsc::channel();
        for _ in 0..50 {
            let (running, peak, done) = (running.clone(), peak.clone(), done.clone());
            pool.submit(
                1,
                Box::new(move |admitted| {
                    admitted.unwrap();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(2));
                    running.fetch_sub(1, Ordering::SeqCst);
                    done.send(()).unwrap();
                }),
            );
        }
        for _ in 0..50 {
            finished.recv_timeout(Duration::from_secs(10)).unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert!(pool.threads() <= 3);
    }

    #[test]
    fn another_workers_call_does_not_wait_behind_a_flood() {
        let pool = HostPool::new(limits(2, 2, 1000));
        for _ in 0..200 {
            pool.submit(1, Box::new(|_| std::thread::sleep(Duration::from_millis(20))));
        }
        let (tx, rx) = mpsc::channel();
        let asked = Instant::now();
        pool.submit(2, Box::new(move |_| tx.send(asked.elapsed()).unwrap()));
        let waited = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        // At most about one of the flood's calls runs ahead of it.
        assert!(waited < Duration::from_millis(200), "waited {waited:?}");
    }

    #[test]
    fn nested_waits_do_not_deadlock_a_full_pool() {
        // Each call submits the next and waits for it, on a pool of one thread: as deep as the
        // ceiling on blocked threads allows.
        fn nest(pool: &Arc<HostPool>, depth: usize, done: mpsc::Sender<usize>) {
            let inner = pool.clone();
            pool.submit(
                1,
                Box::new(move |_| {
                    if depth == BLOCKED_FACTOR - 1 {
                        return done.send(depth).unwrap();
                    }
                    let (tx, rx) = mpsc::channel();
                    nest(&inner, depth + 1, tx);
                    let deepest = blocking(|| rx.recv_timeout(Duration::from_secs(10)).unwrap());
                    done.send(deepest).unwrap();
                }),
            );
        }
        let pool = Arc::new(HostPool::new(limits(1, 1, 100)));
        let (tx, rx) = mpsc::channel();
        nest(&pool, 0, tx);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(BLOCKED_FACTOR - 1));
    }

    #[test]
    fn a_full_queue_refuses_and_hands_the_call_back() {
        let pool = HostPool::new(limits(1, 1, 2));
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        pool.submit(7, Box::new(move |_| gate.lock().unwrap().recv().unwrap()));
        // Let the first call start, so the next two wait in the queue.
        while pool.shared.state.lock().unwrap().workers[&7].running == 0 {
            std::thread::yield_now();
        }
        let (answers, answered) = mpsc::channel();
        for _ in 0..3 {
            let answers = answers.clone();
            pool.submit(7, Box::new(move |admitted| answers.send(admitted).unwrap()));
        }
        // The third is refused at once, on the submitting thread; another worker's queue is
        // its own.
        assert_eq!(answered.try_recv(), Ok(Err(QueueFull { limit: 2 })));
        let (tx, rx) = mpsc::channel();
        pool.submit(8, Box::new(move |admitted| tx.send(admitted).unwrap()));
        release.send(()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Ok(())));
        assert_eq!(answered.recv_timeout(Duration::from_secs(10)), Ok(Ok(())));
    }
}
