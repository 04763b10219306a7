//! The warm-worker cache behind `Loader.get(id, factory)`: one entry per id, filled once even
//! when several threads ask for the same id at the same time, evicted least-recently-used past
//! `max_warm` and after `idle_ttl` without calls. Eviction only drops the cache's reference; a
//! worker still referenced from Python keeps working until that reference goes. A cached worker
//! that died (a limit, a termination) or was closed is a miss: the next `get()` loads afresh.
//!
//! A factory may call `get()` itself. One that asks, directly or through other ids' factories,
//! for an id whose factory is waiting on it would wait forever; `Fills` tracks who waits for
//! whom and refuses the `get()` that would close such a cycle.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::error::Error;
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
    /// A new entry, which the caller must fill, holding the `Filling` while its factory runs.
    Fill(Arc<Entry>, Filling),
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

/// Names one running factory. Unique in the process: a factory of one loader may call `get()`
/// on another.
static NEXT_FILL: AtomicU64 = AtomicU64::new(1);

/// The factories running now and the ids each is waiting for.
#[derive(Default)]
struct Fills {
    /// The fill whose factory is running, per id. Once its factory has returned, an id's load
    /// waits for nothing in Python and cannot be part of a cycle.
    owner: HashMap<String, u64>,
    /// The ids each fill's factory has asked for and not yet received (a multiset).
    waits: HashMap<u64, Vec<String>>,
}

impl Fills {
    /// The ids from `id` along the wait-for edges back to an id that fill `me` owns, if waiting
    /// for `id` would make `me` wait for itself.
    fn cycle(&self, id: &str, me: u64) -> Option<Vec<String>> {
        let mut path = Vec::new();
        self.leads_to(id, me, &mut HashSet::new(), &mut path).then_some(path)
    }

    fn leads_to(&self, id: &str, me: u64, seen: &mut HashSet<u64>, path: &mut Vec<String>) -> bool {
        path.push(id.to_string());
        if let Some(&owner) = self.owner.get(id) {
            if owner == me {
                return true;
            }
            let next = self.waits.get(&owner).filter(|_| seen.insert(owner));
            if next.into_iter().flatten().any(|next| self.leads_to(next, me, seen, path)) {
                return true;
            }
        }
        path.pop();
        false
    }

    fn forget_wait(&mut self, by: u64, id: &str) {
        if let Some(ids) = self.waits.get_mut(&by) {
            if let Some(i) = ids.iter().position(|x| x == id) {
                ids.swap_remove(i);
            }
            if ids.is_empty() {
                self.waits.remove(&by);
            }
        }
    }
}

/// `path` runs from the id asked for to the one whose factory asked.
fn cycle_error(path: &[String]) -> Error {
    let names: Vec<String> = path.iter().map(|id| format!("{id:?}")).collect();
    Error::Worker(format!(
        "get({}) would wait forever: the factories of these ids wait for each other: {} -> {}",
        names[0],
        names[names.len() - 1],
        names.join(" -> ")
    ))
}

/// A running factory for `id`: `get()`s made inside it (its context carries `token`) wait on its
/// behalf. Dropped when the factory returns.
pub struct Filling {
    cache: Arc<Cache>,
    pub token: u64,
    id: String,
}

impl Drop for Filling {
    fn drop(&mut self) {
        let mut fills = self.cache.fills.lock().unwrap();
        if fills.owner.get(&self.id) == Some(&self.token) {
            fills.owner.remove(&self.id);
        }
    }
}

/// A `get()` made inside fill `by`'s factory: while it lasts, that factory waits for `id`.
pub struct Asking {
    cache: Arc<Cache>,
    by: u64,
    id: String,
}

impl Drop for Asking {
    fn drop(&mut self) {
        self.cache.fills.lock().unwrap().forget_wait(self.by, &self.id);
    }
}

/// The context variable naming the fill whose factory runs in the current context: set around
/// the factory call, inherited by the asyncio task that runs an async factory.
fn filling_var(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static VAR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    VAR.get_or_try_init(py, || -> PyResult<_> {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("default", py.None())?;
        let class = py.import("contextvars")?.getattr("ContextVar")?;
        Ok(class.call(("workerbox.filling",), Some(&kwargs))?.unbind())
    })
    .map(|v| v.bind(py))
}

/// The fill whose factory is calling `get()` now, if any.
pub fn asker(py: Python<'_>) -> PyResult<Option<u64>> {
    filling_var(py)?.call_method0("get")?.extract()
}

/// Runs `f` (a factory call) as fill `token`'s.
pub fn as_fill<R>(py: Python<'_>, token: u64, f: impl FnOnce() -> PyResult<R>) -> PyResult<R> {
    let var = filling_var(py)?;
    let reset = var.call_method1("set", (token,))?;
    let result = f();
    var.call_method1("reset", (reset,))?;
    result
}

pub struct Cache {
    entries: Mutex<HashMap<String, Arc<Entry>>>,
    /// Taken after `entries` when both are held.
    fills: Mutex<Fills>,
    max_warm: usize,
    idle_ttl: Option<Duration>,
}

impl Cache {
    pub fn new(max_warm: usize, idle_ttl: Option<Duration>) -> Self {
        Cache { entries: Mutex::new(HashMap::new()), fills: Mutex::default(), max_warm, idle_ttl }
    }

    /// The cached worker for `id`, or the entry to wait on or to fill (with the `Filling` to hold
    /// while its factory runs). The worker of a hit is cloned under the cache's lock, so
    /// `take_unshared_lru` cannot take it in between. `asker` is the fill whose factory asks, if
    /// any: it waits for `id` while the returned `Asking` lives, and an error says when that
    /// wait could never end.
    pub fn lookup(self: &Arc<Self>, id: &str, asker: Option<u64>) -> Result<(Lookup, Option<Asking>), Error> {
        let mut entries = self.entries.lock().unwrap();
        let mut fills = self.fills.lock().unwrap();
        if let Some(e) = entries.get(id) {
            let mut state = e.state.lock().unwrap();
            match &state.worker {
                Some(WorkerRef::Live(w)) if !w.handle.alive() => {}
                Some(w) => return Ok((Lookup::Hit(w.clone()), None)),
                None => {
                    if let Some(path) = asker.and_then(|me| fills.cycle(id, me)) {
                        return Err(cycle_error(&path));
                    }
                    state.waiters += 1;
                    return Ok((Lookup::Wait(e.clone()), self.ask(&mut fills, asker, id)));
                }
            }
        }
        self.evict_locked(&mut entries, 1);
        let e = Arc::new(Entry::default());
        entries.insert(id.to_string(), e.clone());
        let token = NEXT_FILL.fetch_add(1, Ordering::Relaxed);
        fills.owner.insert(id.to_string(), token);
        let filling = Filling { cache: self.clone(), token, id: id.to_string() };
        Ok((Lookup::Fill(e, filling), self.ask(&mut fills, asker, id)))
    }

    fn ask(self: &Arc<Self>, fills: &mut Fills, asker: Option<u64>, id: &str) -> Option<Asking> {
        let by = asker?;
        fills.waits.entry(by).or_default().push(id.to_string());
        Some(Asking { cache: self.clone(), by, id: id.to_string() })
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
