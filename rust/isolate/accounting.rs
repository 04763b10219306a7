//! What a worker may use and has used: the budget a turn is watched with, the CPU charged per
//! turn, and wall-clock expiry. Isolate thread only.
//!
//! Every turn is bounded, whatever runs it. A turn with calls in flight is charged to them and
//! watched with the tightest of their budgets; a turn with none (a timer, a promise reaction or a
//! host answer after the last reply) is charged to the worker's background account, which the
//! worker's own `cpu_ms` bounds between two calls. A turn the watchdog or the heap cap ended
//! kills the worker, even if nobody was waiting.

use std::time::{Duration, Instant};

use super::worker::Worker;
use crate::error::Error;
use crate::heap::HeapGuard;
use crate::limits::{LimitKind, Limits};
use crate::watchdog::{Budget, CpuClock, Termination};

impl Worker {
    /// What the next turn may use: the tightest remaining CPU budget and the earliest wall
    /// deadline among the waiting calls and `starting` (a call about to start).
    pub fn budget(&self, starting: Option<Limits>) -> Budget {
        let now = Instant::now();
        let starting = starting.map(|l| self.limits.tighten(l).or_defaults());
        let waiting = self.js.waiting.iter().map(|w| (w.limits, w.cpu_used, w.started));
        // Background turns have no caller whose wall clock could run out; CPU bounds them.
        let background = (self.js.waiting.is_empty() && starting.is_none()).then_some((
            Limits { wall_ms: None, ..self.limits },
            self.background_cpu,
            now,
        ));
        let all = waiting.chain(starting.map(|l| (l, Duration::ZERO, now))).chain(background);
        let mut cpu: Option<(Duration, Error)> = None;
        let mut wall: Option<(Instant, Error)> = None;
        for (limits, used, started) in all {
            if let Some(limit) = limits.cpu() {
                let left = limit.saturating_sub(used);
                if cpu.as_ref().is_none_or(|(l, _)| left < *l) {
                    let e =
                        Error::Limit { kind: LimitKind::Cpu, limit: limit.as_millis() as u64, used: None };
                    cpu = Some((left, e));
                }
            }
            if let Some(limit) = limits.wall() {
                let deadline = started + limit;
                if wall.as_ref().is_none_or(|(d, _)| deadline < *d) {
                    let e =
                        Error::Limit { kind: LimitKind::Wall, limit: limit.as_millis() as u64, used: None };
                    wall = Some((deadline, e));
                }
            }
        }
        Budget { cpu, wall }
    }

    pub fn termination(&self) -> Termination {
        self.termination.clone()
    }

    /// Marks the start of a turn (a stretch of JavaScript) on this thread.
    pub fn begin_turn(&mut self) {
        self.turn_started = Some(CpuClock::current().now());
    }

    /// Charges the turn's CPU time to every call still waiting, or to the background account
    /// when none is; then a worker whose turn was terminated (CPU, wall, heap) is condemned.
    pub fn end_turn(&mut self) {
        let cpu = self.turn_cpu();
        self.turn_started = None;
        if self.js.waiting.is_empty() {
            self.background_cpu += cpu;
        }
        for w in &mut self.js.waiting {
            w.cpu_used += cpu;
        }
        if let Some(e) = self.overrun() {
            self.condemn(e, false);
        }
    }

    /// Starts a new background account: the worker's `cpu_ms` bounds what runs after each call.
    pub(super) fn reset_background(&mut self) {
        self.background_cpu = Duration::ZERO;
    }

    /// Why the last turn was ended from outside, if it was and the worker still counts as alive.
    fn overrun(&self) -> Option<Error> {
        if self.is_dead() {
            return None;
        }
        HeapGuard::reached(self.isolate()).or_else(|| self.termination.get())
    }

    /// CPU used so far by the turn in progress.
    pub(super) fn turn_cpu(&self) -> Duration {
        self.turn_started.map_or(Duration::ZERO, |start| CpuClock::current().now().saturating_sub(start))
    }

    /// Ends the worker if a waiting call is past its wall-clock limit.
    pub fn expire(&mut self, now: Instant) {
        let expired = self.js.waiting.iter().find(|w| w.wall_deadline().is_some_and(|d| d <= now));
        if let Some(w) = expired {
            let limit = w.limits.wall_ms.unwrap_or_default();
            let used = now.duration_since(w.started).as_millis() as u64;
            self.condemn(Error::Limit { kind: LimitKind::Wall, limit, used: Some(used) }, false);
        }
    }
}
