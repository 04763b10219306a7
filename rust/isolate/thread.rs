//! `IsolateThread`: one OS thread that owns many workers (isolates) and runs their turns one at
//! a time: commands from other threads, due timers, then microtasks and replies. Only this thread
//! touches its isolates, scopes and handles. It sleeps in `recv_timeout` until the next command
//! or timer, so idle workers cost no CPU.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::worker::Worker;
use super::{Done, Reply};
use crate::code::WorkerCode;
use crate::error::Error;
use crate::value::Value;

pub enum Command {
    Load { id: u64, code: WorkerCode, reply: Reply<()> },
    Call { id: u64, export: Option<String>, method: String, args: Vec<Value>, reply: Reply<Value> },
    Close { id: u64 },
    Shutdown,
}

/// What the thread is running right now, so another thread can terminate exactly that.
#[derive(Default)]
pub struct Running {
    current: Mutex<Option<(u64, v8::IsolateHandle)>>,
    closing: AtomicBool,
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

    fn set(&self, value: Option<(u64, v8::IsolateHandle)>) {
        *self.current.lock().unwrap() = value;
    }
}

fn closed() -> Error {
    Error::Closed("the loader is closed".into())
}

fn refuse<T>(reply: Reply<T>) {
    reply.send(Done { result: Err(closed()), logs: Vec::new() });
}

pub fn run(commands: Receiver<Command>, running: Arc<Running>) {
    let mut workers: HashMap<u64, Worker> = HashMap::new();
    loop {
        let next_timer = workers.values().filter_map(Worker::next_deadline).min();
        let received = match next_timer {
            Some(deadline) => commands.recv_timeout(deadline.saturating_duration_since(Instant::now())),
            None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let command = match received {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if running.closing.load(Ordering::SeqCst) {
            match command {
                Some(Command::Load { reply, .. }) => refuse(reply),
                Some(Command::Call { reply, .. }) => refuse(reply),
                Some(Command::Shutdown) => break,
                _ => {}
            }
            continue;
        }
        let mut touched = None;
        match command {
            Some(Command::Load { id, code, reply }) => {
                let worker = workers.entry(id).or_insert_with(|| Worker::new(code));
                running.set(Some((id, worker.thread_safe_handle())));
                worker.load(reply);
                touched = Some(id);
            }
            Some(Command::Call { id, export, method, args, reply }) => match workers.get_mut(&id) {
                None => {
                    reply.send(Done {
                        result: Err(Error::Closed("the worker is closed".into())),
                        logs: Vec::new(),
                    });
                }
                Some(worker) => {
                    running.set(Some((id, worker.thread_safe_handle())));
                    worker.call(export.as_deref(), &method, &args, reply);
                    touched = Some(id);
                }
            },
            Some(Command::Close { id }) => {
                workers.remove(&id);
            }
            Some(Command::Shutdown) => break,
            None => {}
        }
        if let Some(id) = touched {
            if let Some(worker) = workers.get_mut(&id) {
                worker.settle();
            }
        }
        let now = Instant::now();
        let due: Vec<u64> = workers
            .iter()
            .filter(|(_, w)| w.next_deadline().is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let worker = workers.get_mut(&id).unwrap();
            running.set(Some((id, worker.thread_safe_handle())));
            worker.fire_timers(now);
            worker.settle();
        }
        running.set(None);
    }
    // Dispose isolates here, on their own thread.
    drop(workers);
}
