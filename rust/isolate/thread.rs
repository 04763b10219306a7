//! `IsolateThread`: one OS thread that owns many workers (isolates) and runs their turns one at
//! a time: commands from other threads, due timers, then microtasks and replies. Only this thread
//! touches its isolates, scopes and handles. It sleeps in `recv_timeout` until the next command
//! or timer, so idle workers cost no CPU.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::worker::Worker;
use super::{Call, Done, Reply, Slot, recv_polling};
use crate::code::WorkerCode;
use crate::error::Error;
use crate::limits::Limits;
use crate::rpc::{Host, HostError, HostLink};
use crate::value::Value;
use crate::watchdog::{Termination, Watchdog};

pub enum Command {
    Load {
        id: u64,
        code: WorkerCode,
        reply: Reply<()>,
        /// The handle's liveness flag, cleared when the worker dies.
        alive: Arc<AtomicBool>,
        /// Where the handle records why it stopped the worker.
        termination: Termination,
        /// A place under the isolate cap reserved by the caller; released if the pool has a blank.
        slot: Option<Slot>,
    },
    Call {
        id: u64,
        call: Call,
        reply: Reply<Value>,
    },
    Close {
        id: u64,
        /// Set to dispose the isolate now, not at idle time, and answer once it is gone.
        disposed: Option<Reply<()>>,
    },
    /// A host call made by worker `id` was answered.
    HostDone {
        id: u64,
        call: u64,
        result: std::result::Result<Value, HostError>,
    },
    Shutdown,
}

/// What the thread is doing right now, shared with other threads: which worker runs (so exactly
/// that one can be terminated), and how loaded the thread is (so a load can go where it will
/// start soonest).
#[derive(Default)]
pub struct Running {
    current: Mutex<Option<(u64, v8::IsolateHandle)>>,
    closing: AtomicBool,
    /// Commands sent to the thread and not yet taken.
    queued: AtomicUsize,
    /// Running a turn or a chore (refilling the pool, disposing isolates), not waiting.
    busy: AtomicBool,
    /// Blank isolates ready in the pool.
    pooled: AtomicUsize,
}

impl Running {
    /// Terminates worker `id`'s JavaScript if it is the one executing. Returns whether it was.
    pub fn terminate(&self, id: u64) -> bool {
        match &*self.current.lock().unwrap() {
            Some((running, handle)) if *running == id => handle.terminate_execution(),
            _ => false,
        }
    }

    /// Refuses every queued command from now on and terminates the one running.
    pub fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        if let Some((_, handle)) = &*self.current.lock().unwrap() {
            handle.terminate_execution();
        }
    }

    /// Counts a command on its way to the thread.
    pub fn enqueued(&self) {
        self.queued.fetch_add(1, Ordering::Relaxed);
    }

    /// How long a new load would wait here, as a rank: queued commands first, then whether the
    /// thread is busy, then whether it must create an isolate. Lower is sooner.
    pub fn load_rank(&self) -> usize {
        self.queued.load(Ordering::Relaxed) * 4
            + self.busy.load(Ordering::Relaxed) as usize * 2
            + (self.pooled.load(Ordering::Relaxed) == 0) as usize
    }

    fn set(&self, value: Option<(u64, v8::IsolateHandle)>) {
        *self.current.lock().unwrap() = value;
    }
}

/// When each worker next needs a turn (a timer or a wall-clock limit), so a wake-up costs
/// O(log n) however many idle workers the thread holds.
#[derive(Default)]
struct Deadlines {
    by_time: BTreeSet<(Instant, u64)>,
    by_worker: HashMap<u64, Instant>,
}

impl Deadlines {
    fn set(&mut self, id: u64, deadline: Option<Instant>) {
        if let Some(old) = self.by_worker.remove(&id) {
            self.by_time.remove(&(old, id));
        }
        if let Some(d) = deadline {
            self.by_worker.insert(id, d);
            self.by_time.insert((d, id));
        }
    }

    fn next(&self) -> Option<Instant> {
        self.by_time.first().map(|(d, _)| *d)
    }

    /// Removes and returns the workers due at `now`, earliest first.
    fn take_due(&mut self, now: Instant) -> Vec<u64> {
        let mut due = Vec::new();
        while let Some(&(d, id)) = self.by_time.first().filter(|(d, _)| *d <= now) {
            self.by_time.remove(&(d, id));
            self.by_worker.remove(&id);
            due.push(id);
        }
        due
    }
}

fn closed() -> Error {
    Error::Closed("the loader is closed".into())
}

fn refuse<T>(reply: Reply<T>) {
    reply.send(Done::early(Err(closed())));
}

/// What an isolate thread needs besides its commands.
pub struct ThreadContext {
    pub running: Arc<Running>,
    pub host: Option<Arc<dyn Host>>,
    /// A sender to this thread's own queue, for answers from the host.
    pub to_self: Sender<Command>,
    /// Blank isolates to keep ready, so a load does not wait for one to be created.
    pub pool_size: usize,
    /// Told once the pool is first filled.
    pub ready: Sender<()>,
}

pub fn run(commands: Receiver<Command>, cx: ThreadContext) {
    let ThreadContext { running, host, to_self, pool_size, ready } = cx;
    let default_heap = Limits::default().heap_bytes();
    let mut pool: Vec<Worker> =
        (0..pool_size).map_while(|_| Slot::take().ok().map(|s| Worker::blank(default_heap, s))).collect();
    running.pooled.store(pool.len(), Ordering::Relaxed);
    let _ = ready.send(());
    let link = |id: u64| {
        let to_self = to_self.clone();
        let running = running.clone();
        let answer = move |call, result| {
            running.enqueued();
            let _ = to_self.send(Command::HostDone { id, call, result });
        };
        HostLink { worker: id, host: host.clone(), answer: Arc::new(answer) }
    };
    let mut workers: HashMap<u64, Worker> = HashMap::new();
    // One stretch of JavaScript in one worker: announced to `running` (for interrupts), watched
    // by the watchdog, its CPU time charged to the worker's waiting calls.
    let turn = |id: u64, worker: &mut Worker, starting: Option<Limits>, f: &mut dyn FnMut(&mut Worker)| {
        let handle = worker.thread_safe_handle();
        running.set(Some((id, handle.clone())));
        // Stopped by its handle before this turn was announced: the handle may have found
        // nothing running to terminate.
        if worker.termination.get().is_some() {
            handle.terminate_execution();
        }
        let guard = Watchdog::get().watch(handle, worker.termination(), worker.budget(starting));
        worker.begin_turn();
        f(worker);
        worker.end_turn();
        drop(guard);
        running.set(None);
    };
    let mut deadlines = Deadlines::default();
    // Closed workers whose isolates are disposed when the thread has nothing better to do.
    let mut retired: Vec<Worker> = Vec::new();
    let mut starved = false;
    loop {
        // Idle time disposes retired isolates and refills the pool, once the thread has been
        // idle for CHORE_GRACE: a chore cannot be interrupted, and a caller's next command
        // (the call after a load, the load after a close) usually comes within microseconds.
        let chores = !retired.is_empty() || (!starved && pool.len() < pool_size);
        let wake = match (deadlines.next(), chores) {
            (next, true) => {
                let grace = Instant::now() + CHORE_GRACE;
                Some(next.map_or(grace, |d| d.min(grace)))
            }
            (next, false) => next,
        };
        running.busy.store(false, Ordering::Relaxed);
        let received = recv_polling(&commands, SPIN, wake);
        running.busy.store(true, Ordering::Relaxed);
        if matches!(received, Err(RecvTimeoutError::Timeout))
            && chores
            && deadlines.next().is_none_or(|d| d > Instant::now())
        {
            if let Some(worker) = retired.pop() {
                drop(worker);
            } else {
                match Slot::take() {
                    Ok(slot) => pool.push(Worker::blank(default_heap, slot)),
                    // At the isolate cap: no refilling until a worker closes.
                    Err(_) => starved = true,
                }
                running.pooled.store(pool.len(), Ordering::Relaxed);
            }
            continue;
        }
        if received.is_ok() {
            running.queued.fetch_sub(1, Ordering::Relaxed);
        }
        let command = match received {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if running.closing.load(Ordering::SeqCst) {
            match command {
                Some(Command::Load { reply, .. }) => refuse(reply),
                Some(Command::Call { reply, .. }) => refuse(reply),
                Some(Command::Close { disposed: Some(reply), .. }) => reply.send(Done::early(Ok(()))),
                Some(Command::Shutdown) => break,
                _ => {}
            }
            continue;
        }
        let mut touched = None;
        match command {
            Some(Command::Load { id, code, reply, alive, termination, slot }) => {
                let limits = code.limits;
                let heap = limits.or_defaults().heap_bytes();
                let pooled = pool.pop_if(|w| w.heap() == heap);
                running.pooled.store(pool.len(), Ordering::Relaxed);
                let blank = pooled.map(Ok).unwrap_or_else(|| {
                    let slot = slot.map(Ok).unwrap_or_else(|| {
                        Slot::take().or_else(|_| {
                            // At the isolate cap, closed isolates awaiting disposal make room.
                            retired.clear();
                            Slot::take()
                        })
                    });
                    slot.map(|slot| Worker::blank(heap, slot))
                });
                let mut blank = match blank {
                    Ok(blank) => blank,
                    Err(e) => {
                        reply.send(Done::early(Err(e)));
                        continue;
                    }
                };
                blank.assign(code, link(id), alive, termination);
                let worker = workers.entry(id).insert_entry(blank).into_mut();
                let mut reply = Some(reply);
                turn(id, worker, Some(limits), &mut |w| w.load(reply.take().unwrap()));
                touched = Some(id);
            }
            Some(Command::Call { id, call, reply }) => match workers.get_mut(&id) {
                None => {
                    reply.send(Done::early(Err(Error::Closed("the worker is closed".into()))));
                }
                Some(worker) => {
                    let limits = call.limits;
                    let mut args = Some((call, reply));
                    turn(id, worker, Some(limits), &mut |w| {
                        let (call, reply) = args.take().unwrap();
                        w.call(call, reply)
                    });
                    touched = Some(id);
                }
            },
            Some(Command::Close { id, disposed }) => {
                starved = false;
                if let Some(mut worker) = workers.remove(&id) {
                    // Calls awaiting a host call or a timer end now, with the handle's reason.
                    let reason = worker.termination.get();
                    let reason = reason.unwrap_or_else(|| Error::Closed("the worker was closed".into()));
                    // No later call can reach a removed worker, so nobody is left to tell.
                    worker.condemn(reason, true);
                    // Disposal is the slow half of a sandbox's life; it waits for idle time
                    // unless closed isolates pile up under sustained load.
                    if disposed.is_none() && retired.len() < MAX_RETIRED {
                        retired.push(worker);
                    }
                }
                if let Some(reply) = disposed {
                    reply.send(Done::early(Ok(())));
                }
                deadlines.set(id, None);
                if let Some(host) = &host {
                    host.release(id);
                }
            }
            Some(Command::HostDone { id, call, result }) => {
                if let Some(worker) = workers.get_mut(&id) {
                    let mut result = Some(result);
                    turn(id, worker, None, &mut |w| w.host_done(call, result.take().unwrap()));
                    touched = Some(id);
                }
            }
            Some(Command::Shutdown) => break,
            None => {}
        }
        if let Some(id) = touched
            && let Some(worker) = workers.get_mut(&id)
        {
            turn(id, worker, None, &mut Worker::settle);
            deadlines.set(id, worker.next_deadline());
        }
        let now = Instant::now();
        for id in deadlines.take_due(now) {
            let Some(worker) = workers.get_mut(&id) else { continue };
            worker.expire(now);
            turn(id, worker, None, &mut |w| {
                w.fire_timers(now);
                w.settle();
            });
            deadlines.set(id, worker.next_deadline());
        }
    }
    // Dispose isolates here, on their own thread.
    drop(workers);
    drop(retired);
    drop(pool);
}

/// How long a thread must be idle before it starts a chore.
const CHORE_GRACE: Duration = Duration::from_micros(200);

/// Closed isolates kept for disposal at idle time, at most.
const MAX_RETIRED: usize = 16;

/// How long an isolate thread polls for the next command before it sleeps: a caller that
/// answers a reply with another command (a loop of calls) finds the thread still awake, and
/// neither side pays for a futex wake-up and a reschedule.
const SPIN: Duration = Duration::from_micros(30);

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn deadlines_come_due_in_order_and_can_move_or_go() {
        let now = Instant::now();
        let mut d = Deadlines::default();
        d.set(1, Some(now + Duration::from_millis(30)));
        d.set(2, Some(now + Duration::from_millis(10)));
        d.set(3, Some(now + Duration::from_millis(20)));
        d.set(3, Some(now + Duration::from_millis(5)));
        d.set(1, None);
        assert_eq!(d.next(), Some(now + Duration::from_millis(5)));
        assert_eq!(d.take_due(now + Duration::from_millis(15)), vec![3, 2]);
        assert_eq!(d.next(), None);
        assert!(d.take_due(now + Duration::from_secs(1)).is_empty());
    }
}
