//! The watchdog: ONE long-lived thread that terminates JavaScript which runs past its CPU
//! budget or wall deadline. An isolate thread `watch`es each turn it runs and drops the guard
//! when the turn ends; the watchdog reads that thread's CPU clock (`pthread_getcpuclockid`), so
//! time spent waiting (for a binding, a timer, another isolate on the thread) is never counted.
//!
//! Termination in V8 is cooperative at safe points and can be swallowed by a `TryCatch` that
//! does not rethrow, so a watch that stays alive after firing is terminated again on every tick.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::error::Error;

/// How often CPU budgets are checked while something is watched. CPU limits hold to about this
/// much precision.
const TICK: Duration = Duration::from_millis(2);

/// Why an isolate's execution was terminated; read by whoever turns the termination into an
/// error. Shared between the isolate (a slot) and the watchdog.
#[derive(Clone, Default)]
pub struct Termination(Arc<Mutex<Option<Error>>>);

impl Termination {
    /// Records `reason` unless another reason came first.
    pub fn set(&self, reason: Error) {
        self.0.lock().unwrap().get_or_insert(reason);
    }

    pub fn get(&self) -> Option<Error> {
        self.0.lock().unwrap().clone()
    }
}

/// A thread's CPU clock, readable from any thread.
#[derive(Clone, Copy)]
pub struct CpuClock(libc::clockid_t);

impl CpuClock {
    /// The clock of the calling thread.
    pub fn current() -> CpuClock {
        let mut id: libc::clockid_t = 0;
        // SAFETY: pthread_self() is the calling thread, alive for this call; `id` is a valid out
        // pointer. On failure we fall back to the process-wide thread clock id, which still reads
        // the calling thread's time when read from it.
        let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
        CpuClock(if rc == 0 { id } else { libc::CLOCK_THREAD_CPUTIME_ID })
    }

    pub fn now(self) -> Duration {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid out pointer; the clock id came from pthread_getcpuclockid.
        unsafe { libc::clock_gettime(self.0, &mut ts) };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
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
    /// The watchdog waits without a timeout (nothing watched); a new watch must wake it. While
    /// it ticks, new watches are seen at the next tick and cost no wake-up.
    sleeping: bool,
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
        let mut state = self.state.lock().unwrap();
        let id = state.next;
        state.next += 1;
        // A wall deadline sooner than the next tick needs the watchdog awake too.
        let wake = state.sleeping || budget_wakes_early(&watch);
        state.watches.insert(id, watch);
        state.sleeping = false;
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
            for watch in state.watches.values_mut() {
                let over = watch
                    .cpu_budget
                    .as_ref()
                    .filter(|(budget, _)| watch.clock.now().saturating_sub(watch.cpu_start) > *budget)
                    .map(|(_, e)| e.clone())
                    .or_else(|| {
                        watch.wall.as_ref().filter(|(deadline, _)| now >= *deadline).map(|(_, e)| e.clone())
                    });
                if let Some(reason) = over {
                    if !watch.fired {
                        watch.termination.set(reason);
                        watch.fired = true;
                    }
                    watch.isolate.terminate_execution();
                }
            }
            state = if state.watches.is_empty() {
                state.sleeping = true;
                self.wake.wait(state).unwrap()
            } else {
                let next_wall = state.watches.values().filter_map(|w| w.wall.as_ref().map(|(d, _)| *d)).min();
                let has_cpu = state.watches.values().any(|w| w.cpu_budget.is_some());
                let mut timeout = if has_cpu { TICK } else { Duration::from_secs(3600) };
                if let Some(deadline) = next_wall {
                    timeout = timeout.min(deadline.saturating_duration_since(Instant::now()));
                }
                self.wake.wait_timeout(state, timeout.max(Duration::from_micros(100))).unwrap().0
            };
        }
    }
}

/// Whether `watch` must be looked at before the next regular tick: a wall-only watch (the
/// watchdog then waits for the earliest deadline, not a tick) whose deadline is near.
fn budget_wakes_early(watch: &Watch) -> bool {
    watch.cpu_budget.is_none()
        && watch
            .wall
            .as_ref()
            .is_some_and(|(d, _)| d.saturating_duration_since(Instant::now()) < Duration::from_secs(3600))
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
