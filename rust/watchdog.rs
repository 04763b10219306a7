//! The watchdog: ONE long-lived thread that terminates JavaScript which runs past its CPU
//! budget or wall deadline. An isolate thread `watch`es each turn it runs and drops the guard
//! when the turn ends; the watchdog reads that thread's CPU clock (`cpu_clock::CpuClock`), so
//! time spent waiting (for a binding, a timer, another isolate on the thread) is never counted.
//!
//! It does not tick: CPU time advances no faster than the wall clock, so a watch cannot run out
//! of budget before `now + (budget - used)`, and the watchdog sleeps until the earliest such
//! moment (or wall deadline) among its watches; a new watch that could run out sooner wakes it.
//! Limits then hold to the wake-up latency, and long budgets cost no wake-ups at all.
//!
//! Termination in V8 is cooperative at safe points and can be swallowed by a `TryCatch` that
//! does not rethrow, so a watch that stays alive after firing is terminated again every REFIRE.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use crate::cpu_clock::CpuClock;
use crate::error::Error;

/// How often a watch that has fired is terminated again (its JavaScript may have swallowed the
/// termination in a `TryCatch`).
const REFIRE: Duration = Duration::from_millis(2);

/// The least the watchdog sleeps, so a budget about to run out does not become a busy loop.
const MIN_SLEEP: Duration = Duration::from_micros(50);

/// Why an isolate's execution was terminated; read by whoever turns the termination into an
/// error. Shared between the isolate (a slot) and the watchdog.
#[derive(Clone, Default)]
pub struct Termination(Arc<Mutex<Option<Error>>>);

impl Termination {
    /// Records `reason` unless another reason came first.
    pub fn set(&self, reason: Error) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(reason);
    }

    pub fn get(&self) -> Option<Error> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

struct Watch {
    isolate: v8::IsolateHandle,
    clock: CpuClock,
    /// CPU reading when the watch began, and how much more it may use.
    cpu_start: Duration,
    cpu_budget: Option<(Duration, Error)>,
    wall: Option<(Instant, Error)>,
    termination: Termination,
    fired: bool,
}

#[derive(Default)]
struct State {
    watches: HashMap<u64, Watch>,
    next: u64,
    /// When the watchdog will next look; None while it waits for a first watch. A new watch that
    /// could run out before then wakes it.
    wake_at: Option<Instant>,
}

impl Watch {
    fn cpu_used(&self) -> Duration {
        self.clock.now().saturating_sub(self.cpu_start)
    }

    /// Why this watch is over budget at `now`, if it is.
    fn overrun(&self, now: Instant) -> Option<Error> {
        let cpu = self.cpu_budget.as_ref().filter(|(budget, _)| self.cpu_used() > *budget).map(|(_, e)| e);
        let wall = || self.wall.as_ref().filter(|(deadline, _)| now >= *deadline).map(|(_, e)| e);
        cpu.or_else(wall).cloned()
    }

    /// The earliest moment this watch can be over budget: CPU time advances no faster than the
    /// wall clock.
    fn earliest_overrun(&self, now: Instant) -> Option<Instant> {
        let cpu = self.cpu_budget.as_ref().map(|(budget, _)| now + budget.saturating_sub(self.cpu_used()));
        let wall = self.wall.as_ref().map(|(deadline, _)| *deadline);
        match (cpu, wall) {
            (Some(c), Some(w)) => Some(c.min(w)),
            (c, w) => c.or(w),
        }
    }
}

pub struct Watchdog {
    state: Mutex<State>,
    wake: Condvar,
}

/// What one turn may use before it is terminated, and the error each overrun becomes.
pub struct Budget {
    pub cpu: Option<(Duration, Error)>,
    pub wall: Option<(Instant, Error)>,
}

impl Watchdog {
    /// The process-wide watchdog, started on first use.
    pub fn get() -> &'static Watchdog {
        static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
        WATCHDOG.get_or_init(|| {
            let dog: &'static Watchdog =
                Box::leak(Box::new(Watchdog { state: Mutex::new(State::default()), wake: Condvar::new() }));
            std::thread::Builder::new()
                .name("workerbox-watchdog".into())
                .spawn(move || dog.run())
                .expect("the watchdog thread must start");
            dog
        })
    }

    /// Watches the calling thread's next stretch of JavaScript in `isolate` until the guard drops.
    /// Returns None when the budget has no limit at all (nothing to watch).
    pub fn watch(
        &'static self,
        isolate: v8::IsolateHandle,
        termination: Termination,
        budget: Budget,
    ) -> Option<WatchGuard> {
        if budget.cpu.is_none() && budget.wall.is_none() {
            return None;
        }
        let clock = CpuClock::current();
        let watch = Watch {
            isolate,
            clock,
            cpu_start: clock.now(),
            cpu_budget: budget.cpu,
            wall: budget.wall,
            termination,
            fired: false,
        };
        let now = Instant::now();
        let due = watch.earliest_overrun(now).unwrap_or(now);
        let mut state = self.state.lock().unwrap();
        let id = state.next;
        state.next += 1;
        let wake = state.wake_at.is_none_or(|at| due < at);
        state.watches.insert(id, watch);
        if wake {
            state.wake_at = Some(due);
        }
        drop(state);
        if wake {
            self.wake.notify_one();
        }
        Some(WatchGuard { dog: self, id })
    }

    fn run(&self) {
        let mut state = self.state.lock().unwrap();
        loop {
            let now = Instant::now();
            let mut next: Option<Instant> = None;
            for watch in state.watches.values_mut() {
                if let Some(reason) = watch.overrun(now) {
                    if !watch.fired {
                        watch.termination.set(reason);
                        watch.fired = true;
                    }
                    watch.isolate.terminate_execution();
                }
                let due = match watch.fired {
                    true => now + REFIRE,
                    false => watch.earliest_overrun(now).unwrap_or(now + REFIRE),
                };
                next = Some(next.map_or(due, |n| n.min(due)));
            }
            state.wake_at = next;
            state = match next {
                None => self.wake.wait(state).unwrap(),
                Some(at) => {
                    let sleep = at.saturating_duration_since(Instant::now()).max(MIN_SLEEP);
                    self.wake.wait_timeout(state, sleep).unwrap().0
                }
            };
        }
    }
}

/// Ends the watch when dropped.
pub struct WatchGuard {
    dog: &'static Watchdog,
    id: u64,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.dog.state.lock().unwrap().watches.remove(&self.id);
    }
}
