//! An isolate thread: takes whatever the scheduler hands it (a worker with work, a chore) and
//! runs it. A worker's commands run as turns under its isolate's lock, each watched by the
//! watchdog and charged to the worker, then due timers; the worker goes back to its mailbox
//! after a bounded batch, so a worker flooded with commands shares its thread with the rest.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::capacity::{Release, Slot};
use super::mailbox::{Command, Mailbox, State, Status};
use super::polling::OnCpu;
use super::pool::Kind;
use super::sched::{Next, Retired, Scheduler};
use super::worker::Worker;
use super::{Call, Done, Reply};
use crate::code::WorkerCode;
use crate::error::Error;
use crate::limits::Limits;
use crate::rpc::HostLink;
use crate::value::Value;
use crate::watchdog::Watchdog;

/// Commands one worker runs before others queued behind it get a turn.
const BATCH: usize = 16;

/// Time one worker's batch may take before others queued behind it get a turn.
const SLICE: Duration = Duration::from_millis(2);

/// Runs seat `seat` until the loader shuts down. Base seats first fill their share of the pool
/// of blank isolates, then tell `ready`.
pub fn run(seat: usize, sched: Arc<Scheduler>, fill: usize, ready: std::sync::mpsc::Sender<()>) {
    for _ in 0..fill {
        match Slot::take() {
            Ok(slot) => sched.add_blank(Worker::blank(Scheduler::default_heap(), slot)),
            Err(_) => break,
        }
    }
    let _ = ready.send(());
    drop(ready);
    let cpu = OnCpu::enter();
    loop {
        match sched.next(seat, &cpu) {
            Next::Run(mailbox) => run_batch(seat, &sched, &mailbox),
            Next::Dispose(worker) => drop(worker),
            Next::Refill(kind) => match Slot::take() {
                Ok(slot) => sched.refilled(kind, refill(kind, slot), false),
                Err(_) => sched.refilled(kind, None, true),
            },
            Next::Trim(mailbox) => {
                let mut due = Some(mailbox);
                while let Some(m) = due {
                    trim(seat, &sched, &m);
                    due = sched.next_trim(seat);
                }
            }
            Next::Exit => break,
        }
    }
    sched.leave();
}

/// An isolate for the pool of `kind`, in place `slot`.
fn refill(kind: Kind, slot: Slot) -> Option<Worker> {
    match kind {
        Kind::Blank => Some(Worker::blank(Scheduler::default_heap(), slot)),
        Kind::Python => super::prime::python(slot),
    }
}

/// Runs the worker of `mailbox` while it has work: batches of its commands, then due timers.
/// Between batches it keeps the thread only if no other worker waits (no migration for a busy
/// worker alone); otherwise it goes to the back of the queue.
fn run_batch(seat: usize, sched: &Arc<Scheduler>, mailbox: &Arc<Mailbox>) {
    let mut worker = {
        let mut state = mailbox.lock();
        state.status = Status::Running;
        state.last_thread = Some(seat);
        state.worker.take()
    };
    loop {
        match run_commands(sched, mailbox, &mut worker) {
            Batch::Ran => {}
            Batch::Closed => return,
            Batch::Deferred => {
                let mut state = mailbox.lock();
                state.status = Status::Queued;
                sched.requeue(mailbox);
                drop(state);
                // The close it waits for may need this core.
                std::thread::yield_now();
                return;
            }
        }
        run_timers(sched, mailbox, &mut worker);
        let mut state = mailbox.lock();
        if state.commands.is_empty() && !state.due {
            state.status = Status::Idle;
            state.worker = worker;
            idle(sched, mailbox, &mut state);
            return;
        }
        if !sched.keep(seat) {
            state.status = Status::Queued;
            state.worker = worker;
            sched.requeue(mailbox);
            return;
        }
    }
}

/// Notes that the worker went idle, and asks for a trim if none is pending: the pending one
/// checks `idle_since` when it comes due, so a worker called often costs the scheduler nothing.
fn idle(sched: &Scheduler, mailbox: &Arc<Mailbox>, state: &mut State) {
    state.idle_since = Instant::now();
    if let Some(after) = sched.trim_after
        && !state.trim_pending
        && state.worker.is_some()
    {
        state.trim_pending = true;
        sched.want_trim(mailbox, state.idle_since + after);
    }
}

/// Trims the worker of `mailbox` if it has stayed idle for the scheduler's `trim_after`: a full
/// GC under its lock, as a chore. A worker that ran since asks again for its new idle time; one
/// that is running now asks when it next goes idle.
fn trim(seat: usize, sched: &Arc<Scheduler>, mailbox: &Arc<Mailbox>) {
    let Some(after) = sched.trim_after else { return };
    let mut worker = {
        let mut state = mailbox.lock();
        state.trim_pending = false;
        if state.status != Status::Idle || state.worker.is_none() {
            return;
        }
        let at = state.idle_since + after;
        if at > Instant::now() {
            state.trim_pending = true;
            sched.want_trim(mailbox, at);
            return;
        }
        state.status = Status::Running;
        state.last_thread = Some(seat);
        state.worker.take()
    };
    if let Some(w) = worker.as_mut() {
        w.locked(Worker::trim);
    }
    let mut state = mailbox.lock();
    state.worker = worker;
    if state.commands.is_empty() && !state.due {
        state.status = Status::Idle;
    } else {
        state.status = Status::Queued;
        sched.schedule(mailbox, Some(seat));
    }
}

enum Batch {
    Ran,
    Closed,
    /// The load waits for closes in flight to free a place under the isolate cap.
    Deferred,
}

/// Runs up to `BATCH` of the mailbox's commands, or `SLICE` of time, whichever ends first.
fn run_commands(sched: &Arc<Scheduler>, mailbox: &Arc<Mailbox>, worker: &mut Option<Worker>) -> Batch {
    let started = Instant::now();
    for _ in 0..BATCH {
        let Some(command) = mailbox.lock().commands.pop_front() else { break };
        match command {
            Command::Load { code, reply, slot } => match load(sched, mailbox, code, reply, slot) {
                Ok(loaded) => *worker = loaded,
                Err(Deferred) => return Batch::Deferred,
            },
            Command::Call { call, reply } => match worker.as_mut() {
                Some(w) => call_worker(w, call, reply),
                None => reply.send(Done::early(Err(Error::Closed("the worker is closed".into())))),
            },
            Command::HostDone { call, result } => {
                if let Some(w) = worker.as_mut() {
                    w.locked(|w| {
                        turn(w, None, |w| w.host_done(call, result));
                        turn(w, None, Worker::settle);
                    });
                }
            }
            Command::Close { disposed, release } => {
                close(sched, mailbox, worker.take(), disposed, release);
                return Batch::Closed;
            }
        }
        if started.elapsed() >= SLICE {
            break;
        }
    }
    Batch::Ran
}

/// Fires the worker's due timers and expires calls past their wall-clock limit, then tells the
/// clock when the worker next needs a turn.
fn run_timers(sched: &Scheduler, mailbox: &Arc<Mailbox>, worker: &mut Option<Worker>) {
    let due = std::mem::take(&mut mailbox.lock().due);
    let Some(w) = worker.as_mut() else { return };
    let next = w.locked(|w| {
        let now = Instant::now();
        if due || w.next_deadline().is_some_and(|d| d <= now) {
            w.expire(now);
            turn(w, None, |w| {
                w.fire_timers(now);
                w.settle();
            });
        }
        w.next_deadline()
    });
    sched.set_deadline(mailbox, next);
}

/// At the isolate cap with closes in flight, the load went back to the front of its mailbox, to
/// run again once they are done.
struct Deferred;

/// Makes the mailbox's worker from a blank isolate (pooled if one fits) and starts its load.
fn load(
    sched: &Arc<Scheduler>,
    mailbox: &Arc<Mailbox>,
    code: WorkerCode,
    reply: Reply<()>,
    slot: Option<Slot>,
) -> Result<Option<Worker>, Deferred> {
    let limits = code.worker_limits();
    let heap = limits.or_defaults().heap_bytes();
    // Read before trying for a place: a close's release is dropped only after its place is free,
    // so if none was pending then, a refusal below is the cap's final word.
    let closes_in_flight = sched.releases.pending();
    let primed = if code.is_python() { sched.take_python(heap) } else { None };
    let pooled = primed.or_else(|| sched.take_blank(heap));
    let blank = pooled.map(Ok).unwrap_or_else(|| {
        let slot = slot.map(Ok).unwrap_or_else(|| {
            Slot::take().or_else(|_| {
                // At the isolate cap, closed isolates awaiting disposal make room, and so do
                // pooled Python isolates (a blank one would have been taken above).
                drop(sched.take_retired());
                drop(sched.take_python_pool());
                Slot::take()
            })
        });
        slot.map(|slot| Worker::blank(heap, slot))
    });
    let mut worker = match blank {
        Ok(blank) => blank,
        // A close accepted before this load may not have reached its isolate thread yet (or be
        // disposing on another): its place is as good as free, so the load waits its turn again
        // (unless this worker is being closed itself: its own close waits behind the load).
        Err(_) if closes_in_flight && mailbox.is_alive() && !sched.closing() => {
            mailbox.lock().commands.push_front(Command::Load { code, reply, slot: None });
            return Err(Deferred);
        }
        Err(e) => {
            mailbox.alive.store(false, std::sync::atomic::Ordering::Release);
            reply.send(Done::early(Err(e)));
            return Ok(None);
        }
    };
    mailbox.lock().isolate = Some(worker.thread_safe_handle());
    worker.locked(|w| {
        w.assign(code, link(sched, mailbox), mailbox.alive.clone(), mailbox.termination.clone());
        turn(w, Some(limits), |w| w.load(reply));
        turn(w, None, Worker::settle);
    });
    Ok(Some(worker))
}

fn call_worker(worker: &mut Worker, call: Call, reply: Reply<Value>) {
    let limits = call.limits;
    worker.locked(|w| {
        turn(w, Some(limits), |w| w.call(call, reply));
        turn(w, None, Worker::settle);
    });
}

/// Ends the worker: calls in flight end with the handle's reason, queued commands are refused,
/// and the isolate is disposed now (`disposed`) or at idle time.
fn close(
    sched: &Scheduler,
    mailbox: &Arc<Mailbox>,
    worker: Option<Worker>,
    disposed: Option<Reply<()>>,
    release: Release,
) {
    let queued = {
        let mut state = mailbox.lock();
        state.status = Status::Closed;
        state.isolate = None;
        std::mem::take(&mut state.commands)
    };
    sched.forget(mailbox.id);
    if let Some(mut worker) = worker {
        let reason =
            mailbox.termination.get().unwrap_or_else(|| Error::Closed("the worker was closed".into()));
        // No later call can reach a closed worker, so nobody is left to tell.
        worker.locked(|w| w.condemn(reason, true));
        // Disposal is the slow half of a sandbox's life; it waits for idle time unless closed
        // isolates pile up under sustained load.
        let retired = Retired::new(worker, release);
        let dispose_now = match disposed {
            Some(_) => Some(retired),
            None => sched.retire(retired),
        };
        drop(dispose_now);
    }
    if let Some(reply) = disposed {
        reply.send(Done::early(Ok(())));
    }
    for command in queued {
        command.refuse(Error::Closed("the worker is closed".into()));
    }
    if let Some(host) = &sched.host {
        host.release(mailbox.id);
    }
}

/// How the worker's isolate reaches back to its mailbox: host answers (and outbound fetches)
/// come back as commands. Weak, so a closed worker's stubs keep nothing alive.
fn link(sched: &Arc<Scheduler>, mailbox: &Arc<Mailbox>) -> HostLink {
    let (sched_ref, mailbox_ref) = (Arc::downgrade(sched), Arc::downgrade(mailbox));
    let answer = move |call, result| {
        if let (Some(sched), Some(mailbox)) = (sched_ref.upgrade(), mailbox_ref.upgrade()) {
            mailbox.send(&sched, Command::HostDone { call, result });
        }
    };
    HostLink { worker: mailbox.id, host: sched.host.clone(), answer: Arc::new(answer) }
}

/// One stretch of JavaScript in one worker, under its lock: watched by the watchdog, its CPU
/// time charged to the worker's waiting calls (or its background account). A turn never spans
/// threads, so the thread CPU clock measures it exactly wherever the worker runs.
pub(super) fn turn(worker: &mut Worker, starting: Option<Limits>, f: impl FnOnce(&mut Worker)) {
    let handle = worker.thread_safe_handle();
    // Stopped by its handle before this turn began: the handle may have found nothing running
    // to terminate.
    if worker.termination.get().is_some() {
        handle.terminate_execution();
    }
    let guard = Watchdog::get().watch(handle, worker.termination(), worker.budget(starting));
    worker.begin_turn();
    f(worker);
    worker.end_turn();
    drop(guard);
}
