//! The warm-worker cache behind `Loader.get(id, factory)`: one entry per id, filled once even
//! when several threads ask for the same id at the same time, evicted least-recently-used past
//! `max_warm` and after `idle_ttl` without calls. Eviction only drops the cache's reference; a
//! worker still referenced from Python keeps working until that reference goes. A cached worker
//! that died (a limit, a termination) or was closed is a miss: the next `get()` loads afresh.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::prelude::*;

use crate::isolate::WorkerHandle;

/// A worker as the Python layer holds it: live, or the error its factory raised.
#[derive(Clone)]
pub enum WorkerRef {
    Live(Arc<Loaded>),
    Failed(Arc<PyErr>),
}

/// A loaded worker and what its code asked of the Python side.
pub struct Loaded {
    pub handle: Arc<WorkerHandle>,
    pub on_trace: Option<Py<PyAny>>,
}

impl WorkerRef {
    pub fn loaded(handle: Arc<WorkerHandle>, on_trace: Option<Py<PyAny>>) -> Self {
        WorkerRef::Live(Arc::new(Loaded { handle, on_trace }))
    }
}

type OnFill = Box<dyn FnOnce(&WorkerRef) + Send>;

#[derive(Default)]
struct State {
    worker: Option<WorkerRef>,
    on_fill: Vec<OnFill>,
    /// `get()`s that found the entry being filled and have not taken their reference to the
    /// worker yet. While any wait, the worker is in use even if nothing holds it yet.
    waiters: usize,
}

#[derive(Default)]
pub struct Entry {
    state: Mutex<State>,
    filled: Condvar,
}

/// What `Cache::lookup` found for an id.
pub enum Lookup {
    /// A live cached worker.
    Hit(WorkerRef),
    /// Another `get()` is filling the entry; wait for it (`Entry::wait` or `Entry::on_fill`).
    Wait(Arc<Entry>),
    /// A new entry, which the caller must fill.
    Fill(Arc<Entry>),
}

impl Entry {
    /// Blocks until the entry is filled. Call with the GIL released, once per `Lookup::Wait`.
    pub fn wait(&self) -> WorkerRef {
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(w) = &state.worker {
                let w = w.clone();
                state.waiters -= 1;
                return w;
            }
            state = self.filled.wait(state).unwrap();
        }
    }

    /// Runs `f` with the worker once the entry is filled (at once if it already is). Instead of
    /// `wait`, once per `Lookup::Wait`.
    pub fn on_fill(&self, f: impl FnOnce(&WorkerRef) + Send + 'static) {
        let mut state = self.state.lock().unwrap();
        match &state.worker {
            Some(w) => {
                let w = w.clone();
                state.waiters -= 1;
                drop(state);
                f(&w);
            }
            None => state.on_fill.push(Box::new(f)),
        }
    }

    fn set(&self, worker: WorkerRef) {
        let callbacks = {
            let mut state = self.state.lock().unwrap();
            state.worker = Some(worker.clone());
            // `worker` stays held until every callback has taken its own reference.
            state.waiters -= state.on_fill.len();
            std::mem::take(&mut state.on_fill)
        };
        self.filled.notify_all();
        for f in callbacks {
            f(&worker);
        }
    }

    /// How long the filled worker has been idle; None while the entry is being filled.
    fn idle_for(&self) -> Option<Duration> {
        match &self.state.lock().unwrap().worker {
            Some(WorkerRef::Live(w)) => Some(w.handle.idle_for()),
            _ => None,
        }
    }

    /// False once the filled worker is closed or dead; true while the entry is being filled.
    fn alive(&self) -> bool {
        match &self.state.lock().unwrap().worker {
            Some(WorkerRef::Live(w)) => w.handle.alive(),
            _ => true,
        }
    }
}

pub struct Cache {
    entries: Mutex<HashMap<String, Arc<Entry>>>,
    max_warm: usize,
    idle_ttl: Option<Duration>,
}

impl Cache {
    pub fn new(max_warm: usize, idle_ttl: Option<Duration>) -> Self {
        Cache { entries: Mutex::new(HashMap::new()), max_warm, idle_ttl }
    }

    /// The cached worker for `id`, or the entry to wait on or to fill. The worker of a hit is
    /// cloned under the cache's lock, so `take_unshared_lru` cannot take it in between.
    pub fn lookup(&self, id: &str) -> Lookup {
        let mut entries = self.entries.lock().unwrap();
        if let Some(e) = entries.get(id) {
            let mut state = e.state.lock().unwrap();
            match &state.worker {
                Some(WorkerRef::Live(w)) if !w.handle.alive() => {}
                Some(w) => return Lookup::Hit(w.clone()),
                None => {
                    state.waiters += 1;
                    return Lookup::Wait(e.clone());
                }
            }
        }
        self.evict_locked(&mut entries, 1);
        let e = Arc::new(Entry::default());
        entries.insert(id.to_string(), e.clone());
        Lookup::Fill(e)
    }

    /// Fills the entry the caller created for `id`; a failure is not kept cached.
    pub fn fill(&self, id: &str, entry: &Arc<Entry>, worker: WorkerRef) {
        if let WorkerRef::Failed(_) = worker {
            let mut entries = self.entries.lock().unwrap();
            if entries.get(id).is_some_and(|e| Arc::ptr_eq(e, entry)) {
                entries.remove(id);
            }
        }
        entry.set(worker);
    }

    pub fn evict(&self, id: &str) -> bool {
        self.entries.lock().unwrap().remove(id).is_some()
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap().clear();
    }

    pub fn ids(&self) -> Vec<String> {
        self.entries.lock().unwrap().keys().cloned().collect()
    }

    /// Removes the cached worker that nothing but the cache holds (no Python reference, no
    /// service binding in another worker's env, no `get()` about to return it), a dead one
    /// first, else the least recently used, and returns its handle so the caller can dispose
    /// of it; None if every cached worker is in use elsewhere.
    pub fn take_unshared_lru(&self) -> Option<Arc<WorkerHandle>> {
        let mut entries = self.entries.lock().unwrap();
        let (id, _, handle) = entries
            .iter()
            .filter_map(|(id, e)| {
                let state = e.state.lock().unwrap();
                match &state.worker {
                    Some(WorkerRef::Live(w))
                        if state.waiters == 0
                            && Arc::strong_count(w) == 1
                            && Arc::strong_count(&w.handle) == 1 =>
                    {
                        let rank = (!w.handle.alive(), w.handle.idle_for());
                        Some((id.clone(), rank, w.handle.clone()))
                    }
                    _ => None,
                }
            })
            .max_by_key(|(_, rank, _)| *rank)?;
        entries.remove(&id);
        Some(handle)
    }

    /// Drops dead and idle entries, then least-recently-used ones until `room` more fit under
    /// the cap. Entries still being filled are never evicted.
    fn evict_locked(&self, entries: &mut HashMap<String, Arc<Entry>>, room: usize) {
        let ttl = self.idle_ttl;
        entries.retain(|_, e| e.alive() && e.idle_for().is_none_or(|idle| ttl.is_none_or(|ttl| idle < ttl)));
        while entries.len() + room > self.max_warm {
            let oldest = entries
                .iter()
                .filter_map(|(id, e)| e.idle_for().map(|idle| (idle, id.clone())))
                .max_by_key(|(idle, _)| *idle);
            match oldest {
                Some((_, id)) => {
                    entries.remove(&id);
                }
                None => break,
            }
        }
    }
}
