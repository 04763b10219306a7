//! The warm-worker cache behind `Loader.get(id, factory)`: one entry per id, filled once even
//! when several threads ask for the same id at the same time, evicted least-recently-used past
//! `max_warm` and after `idle_ttl` without calls. Eviction only drops the cache's reference; a
//! worker still referenced from Python keeps working until that reference goes.

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

pub struct Entry {
    state: Mutex<(Option<WorkerRef>, Vec<OnFill>)>,
    filled: Condvar,
}

impl Entry {
    /// Blocks until the entry is filled. Call with the GIL released.
    pub fn wait(&self) -> WorkerRef {
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(w) = &state.0 {
                return w.clone();
            }
            state = self.filled.wait(state).unwrap();
        }
    }

    /// Runs `f` with the worker once the entry is filled (at once if it already is).
    pub fn on_fill(&self, f: impl FnOnce(&WorkerRef) + Send + 'static) {
        let mut state = self.state.lock().unwrap();
        match &state.0 {
            Some(w) => {
                let w = w.clone();
                drop(state);
                f(&w);
            }
            None => state.1.push(Box::new(f)),
        }
    }

    fn set(&self, worker: WorkerRef) {
        let callbacks = {
            let mut state = self.state.lock().unwrap();
            state.0 = Some(worker.clone());
            std::mem::take(&mut state.1)
        };
        self.filled.notify_all();
        for f in callbacks {
            f(&worker);
        }
    }

    fn idle_for(&self) -> Option<Duration> {
        match &self.state.lock().unwrap().0 {
            Some(WorkerRef::Live(w)) => Some(w.handle.idle_for()),
            _ => None,
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

    /// The entry for `id`, and whether the caller created it (and so must fill it).
    pub fn entry(&self, id: &str) -> (Arc<Entry>, bool) {
        let mut entries = self.entries.lock().unwrap();
        if let Some(e) = entries.get(id) {
            return (e.clone(), false);
        }
        self.evict_locked(&mut entries, 1);
        let e = Arc::new(Entry { state: Mutex::new((None, Vec::new())), filled: Condvar::new() });
        entries.insert(id.to_string(), e.clone());
        (e, true)
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

    /// Removes the least recently used worker that nothing but the cache holds (no Python
    /// reference, no service binding in another worker's env) and returns its handle, so the
    /// caller can dispose of it; None if every cached worker is in use elsewhere.
    pub fn take_unshared_lru(&self) -> Option<Arc<WorkerHandle>> {
        let mut entries = self.entries.lock().unwrap();
        let (id, _, handle) = entries
            .iter()
            .filter_map(|(id, e)| match &e.state.lock().unwrap().0 {
                Some(WorkerRef::Live(w))
                    if Arc::strong_count(w) == 1 && Arc::strong_count(&w.handle) == 1 =>
                {
                    Some((id.clone(), w.handle.idle_for(), w.handle.clone()))
                }
                _ => None,
            })
            .max_by_key(|(_, idle, _)| *idle)?;
        entries.remove(&id);
        Some(handle)
    }

    /// Drops idle entries, then least-recently-used ones until `room` more fit under the cap.
    /// Entries still being filled are never evicted.
    fn evict_locked(&self, entries: &mut HashMap<String, Arc<Entry>>, room: usize) {
        if let Some(ttl) = self.idle_ttl {
            entries.retain(|_, e| e.idle_for().is_none_or(|idle| idle < ttl));
        }
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
