//! Isolates made ahead of demand, at idle time (a chore), so a load does not wait for them:
//! blank isolates (a context with the runtime, no worker yet) for any load, and Python isolates
//! (Pyodide already restored from the baseline, `prime.rs`) for Python workers whose limits
//! give the pooled heap. Each is used once: a worker's isolate never goes back to a pool.
//!
//! A loader primes Python isolates only after its first Python load that could have taken one,
//! so one that never runs Python (or only with other memory limits) pays nothing for them.

use super::worker::Worker;

/// Which pool a chore refills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Blank,
    Python,
}

pub struct Pools {
    blank: Vec<Worker>,
    blank_target: usize,
    python: Vec<Worker>,
    python_target: usize,
    /// Refills in progress, each a chore on some seat: `[blank, python]`.
    making: [usize; 2],
    /// The loader has run a Python worker, and the process has a baseline to restore.
    python_wanted: bool,
    /// A primer failed: restoring at load still works, so priming stops rather than retrying.
    python_failed: bool,
    /// At the isolate cap: no refilling until a worker closes.
    pub starved: bool,
}

impl Pools {
    pub fn new(blank_target: usize, python_target: usize) -> Self {
        Pools {
            blank: Vec::new(),
            blank_target,
            python: Vec::new(),
            python_target,
            making: [0, 0],
            python_wanted: false,
            python_failed: false,
            starved: false,
        }
    }

    /// The pool a chore should refill next, if any: blank first (every load may want one).
    pub fn wanted(&self) -> Option<Kind> {
        if self.starved {
            return None;
        }
        if self.blank.len() + self.making[0] < self.blank_target {
            return Some(Kind::Blank);
        }
        let python = self.python_wanted && !self.python_failed;
        (python && self.python.len() + self.making[1] < self.python_target).then_some(Kind::Python)
    }

    /// A chore starts refilling `kind`; `made` ends it.
    pub fn making(&mut self, kind: Kind) {
        self.making[kind as usize] += 1;
    }

    /// The refill of `kind` ended: with an isolate, or without one (the cap refused a place, or
    /// a primer failed).
    pub fn made(&mut self, kind: Kind, made: Option<Worker>) {
        self.making[kind as usize] -= 1;
        match (kind, made) {
            (Kind::Blank, Some(w)) => self.blank.push(w),
            (Kind::Python, Some(w)) => self.python.push(w),
            (Kind::Python, None) if !self.starved => self.python_failed = true,
            (Kind::Blank, None) | (Kind::Python, None) => {}
        }
    }

    /// Adds a blank isolate made outside a chore (a thread's first fill).
    pub fn add_blank(&mut self, blank: Worker) {
        self.blank.push(blank);
    }

    pub fn take_blank(&mut self, heap: usize) -> Option<Worker> {
        self.blank.pop_if(|w| w.heap() == heap)
    }

    /// A Python load asks for a primed isolate with heap cap `heap`. Once a load could have
    /// used one (its heap is the pooled one), the loader keeps some ready.
    pub fn take_python(&mut self, heap: usize) -> Option<Worker> {
        if heap != crate::python::pooled_limits().or_defaults().heap_bytes() {
            return None;
        }
        self.python_wanted |= crate::python::baseline().is_some();
        self.python.pop()
    }

    /// Every pooled Python isolate, to dispose of: at the isolate cap a load needs their places
    /// more than a later Python load needs them.
    pub fn take_all_python(&mut self) -> Vec<Worker> {
        std::mem::take(&mut self.python)
    }

    /// Isolates ready: `(blank, python)`.
    pub fn ready(&self) -> (usize, usize) {
        (self.blank.len(), self.python.len())
    }

    /// Everything pooled, for disposal at shutdown.
    pub fn drain(&mut self) -> Vec<Worker> {
        let mut all = std::mem::take(&mut self.blank);
        all.append(&mut self.python);
        all
    }
}
