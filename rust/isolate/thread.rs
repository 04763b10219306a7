//! `IsolateThread`: one OS thread that owns many workers (isolates) and runs their commands one
//! at a time. Only this thread ever touches its isolates, scopes and handles; other threads talk
//! to it through `Command`s and get `Reply`s back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use super::worker::Worker;
use crate::code::WorkerCode;
use crate::error::{Error, Result};
use crate::value::Value;

pub type Reply<T> = SyncSender<Result<T>>;

pub enum Command {
    Load {
        id: u64,
        code: WorkerCode,
        reply: Reply<()>,
    },
    Call {
        id: u64,
        export: Option<String>,
        method: String,
        args: Vec<Value>,
        reply: Reply<Value>,
    },
    Close {
        id: u64,
    },
    Shutdown,
}

/// What the thread is running right now, so another thread can terminate exactly that.
#[derive(Default)]
pub struct Running {
    current: Mutex<Option<(u64, v8::IsolateHandle)>>,
    closing: AtomicBool,
}

impl Running {
    /// Refuses every queued command from now on and terminates the one running.
    pub fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        if let Some((_, handle)) = &*self.current.lock().unwrap() {
            handle.terminate_execution();
        }
    }

    /// Terminates worker `id`'s JavaScript if it is the one executing. Returns whether it was.
    pub fn terminate(&self, id: u64) -> bool {
        match &*self.current.lock().unwrap() {
            Some((running, handle)) if *running == id => handle.terminate_execution(),
            _ => false,
        }
    }

    fn set(&self, value: Option<(u64, v8::IsolateHandle)>) {
        *self.current.lock().unwrap() = value;
    }
}

struct Slot {
    worker: Worker,
    handle: v8::IsolateHandle,
    /// Set once a call ended in termination or OOM: the isolate is condemned.
    dead: Option<String>,
}

fn closed() -> Error {
    Error::Closed("the loader is closed".into())
}

pub fn run(commands: Receiver<Command>, running: Arc<Running>) {
    crate::platform::init();
    let mut workers: HashMap<u64, Slot> = HashMap::new();
    while let Ok(command) = commands.recv() {
        if running.closing.load(Ordering::SeqCst) {
            match command {
                Command::Load { reply, .. } => drop(reply.send(Err(closed()))),
                Command::Call { reply, .. } => drop(reply.send(Err(closed()))),
                Command::Close { .. } => {}
                Command::Shutdown => break,
            }
            continue;
        }
        match command {
            Command::Load { id, code, reply } => {
                let (worker, handle, result) = Worker::load(code);
                let dead = result.as_ref().err().map(|e| e.to_string());
                workers.insert(
                    id,
                    Slot {
                        worker,
                        handle,
                        dead,
                    },
                );
                // A dropped receiver means the caller gave up waiting; nothing to report to.
                let _ = reply.send(result);
            }
            Command::Call {
                id,
                export,
                method,
                args,
                reply,
            } => {
                let result = match workers.get_mut(&id) {
                    None => Err(Error::Closed("the worker is closed".into())),
                    Some(Slot {
                        dead: Some(why), ..
                    }) => Err(Error::Closed(format!(
                        "the worker is no longer usable: {why}"
                    ))),
                    Some(slot) => {
                        running.set(Some((id, slot.handle.clone())));
                        let result = slot.worker.call(export.as_deref(), &method, &args);
                        running.set(None);
                        if let Err(e @ (Error::Terminated(_) | Error::OutOfMemory(_))) = &result {
                            slot.dead = Some(e.to_string());
                        }
                        result
                    }
                };
                let _ = reply.send(result);
            }
            Command::Close { id } => {
                workers.remove(&id);
            }
            Command::Shutdown => break,
        }
    }
}
