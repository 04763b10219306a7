//! `Mailbox`: one worker's queue of commands and the worker itself while no thread runs it. Every
//! party that talks to a worker (its handle, its host link, the scheduler's clock) pushes into
//! the mailbox; whichever isolate thread the scheduler hands the mailbox to takes the worker out,
//! runs its commands under the isolate's lock, and puts it back.
//!
//! Lock order: a mailbox's lock, then the scheduler's; never the other way round.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::capacity::{Release, Slot};
use super::sched::Scheduler;
use super::worker::Worker;
use super::{Call, Done, Reply};
use crate::code::WorkerCode;
use crate::error::Error;
use crate::rpc::HostError;
use crate::value::Value;
use crate::watchdog::Termination;

pub enum Command {
    /// Always the first command of a mailbox: makes its worker from a blank isolate.
    Load {
        code: WorkerCode,
        reply: Reply<()>,
        /// A place under the isolate cap reserved by the caller; released if the pool has a blank.
        slot: Option<Slot>,
    },
    Call {
        call: Call,
        reply: Reply<Value>,
    },
    Close {
        /// Set to dispose the isolate now, not at idle time, and answer once it is gone.
        disposed: Option<Reply<()>>,
        /// Pending until the isolate is disposed (dropped with the command if it is refused).
        release: Release,
    },
    /// A host call made by the worker was answered.
    HostDone {
        call: u64,
        result: std::result::Result<Value, HostError>,
    },
}

impl Command {
    /// Answers the command's caller, if it has one, with `e` (a close is simply acknowledged).
    pub fn refuse(self, e: Error) {
        match self {
            Command::Load { reply, .. } => reply.send(Done::early(Err(e))),
            Command::Call { reply, .. } => reply.send(Done::early(Err(e))),
            Command::Close { disposed: Some(reply), .. } => reply.send(Done::early(Ok(()))),
            Command::Close { disposed: None, .. } | Command::HostDone { .. } => {}
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// Nothing to do; the worker (if loaded) sits in the mailbox.
    Idle,
    /// In the scheduler's queues, waiting for a thread.
    Queued,
    /// A thread has the worker out and is running its commands.
    Running,
    /// Closed: the worker is gone, and every later command is refused.
    Closed,
}

pub struct Mailbox {
    pub id: u64,
    /// Cleared when the worker dies (failed load, limit, termination) and when it is closed, so a
    /// cache can tell a dead worker from a warm one.
    pub alive: Arc<AtomicBool>,
    /// Why the worker was stopped, shared with its isolate: the JavaScript it interrupts unwinds
    /// into that error rather than a bare termination.
    pub termination: Termination,
    state: Mutex<State>,
}

pub struct State {
    pub commands: VecDeque<Command>,
    /// The worker between its turns; None before its load and while a thread runs it.
    pub worker: Option<Worker>,
    pub status: Status,
    /// The thread that ran the worker last: it runs it again if it is free (no migration).
    pub last_thread: Option<usize>,
    /// A timer or a call's wall-clock limit came due while the worker waited.
    pub due: bool,
    /// Set once the worker has an isolate, so `stop` can terminate JavaScript that is running.
    pub isolate: Option<v8::IsolateHandle>,
    /// When the worker last went idle, for idle trimming.
    pub idle_since: Instant,
    /// The scheduler holds a trim deadline for this worker (at most one at a time).
    pub trim_pending: bool,
}

impl Mailbox {
    /// A mailbox whose first command is the worker's load.
    pub fn new(id: u64, load: Command) -> Arc<Self> {
        Arc::new(Mailbox {
            id,
            alive: Arc::new(AtomicBool::new(true)),
            termination: Termination::default(),
            state: Mutex::new(State {
                commands: VecDeque::from([load]),
                worker: None,
                status: Status::Queued,
                last_thread: None,
                due: false,
                isolate: None,
                idle_since: Instant::now(),
                trim_pending: false,
            }),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while holding it left the state consistent (every transition
        // is one assignment), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `command` and makes sure a thread will run it. Refused (answered "closed") if the
    /// worker is closed or the loader is shutting down.
    pub fn send(self: &Arc<Self>, sched: &Scheduler, command: Command) {
        let mut state = self.lock();
        // Checked under the mailbox's lock: shutdown drains each mailbox under it after setting
        // `closing`, so a command is either drained or refused here, never stranded.
        let refused = match state.status {
            _ if sched.closing() => Some("the loader is closed"),
            Status::Closed => Some("the worker is closed"),
            _ => None,
        };
        if let Some(why) = refused {
            drop(state);
            return command.refuse(Error::Closed(why.into()));
        }
        state.commands.push_back(command);
        if state.status == Status::Idle {
            state.status = Status::Queued;
            sched.schedule(self, state.last_thread);
        }
    }

    /// Marks a timer or wall-clock deadline due and schedules the worker if it is idle.
    pub fn wake(self: &Arc<Self>, sched: &Scheduler) {
        let mut state = self.lock();
        state.due = true;
        if state.status == Status::Idle {
            state.status = Status::Queued;
            sched.schedule(self, state.last_thread);
        }
    }

    /// Terminates the worker's JavaScript if a thread is running it now.
    pub fn interrupt(&self) {
        let state = self.lock();
        if state.status == Status::Running
            && let Some(handle) = &state.isolate
        {
            handle.terminate_execution();
        }
    }

    /// Closes the mailbox for good and hands back what it held: commands to refuse, the worker
    /// to dispose of. For shutdown, once no thread runs any worker.
    pub fn close_for_shutdown(&self) -> (VecDeque<Command>, Option<Worker>) {
        let mut state = self.lock();
        state.status = Status::Closed;
        (std::mem::take(&mut state.commands), state.worker.take())
    }

    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }
}
