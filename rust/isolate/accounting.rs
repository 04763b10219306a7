//! What a worker's calls may use and have used: the budget a turn is watched with, the CPU
//! charged per turn, and wall-clock expiry. Isolate thread only.

use std::time::{Duration, Instant};

use super::worker::Worker;
use crate::error::Error;
use crate::limits::{LimitKind, Limits};
use crate::watchdog::{Budget, CpuClock, Termination};

impl Worker {
    /// What the next turn may use: the tightest remaining CPU budget and the earliest wall
    /// deadline among the waiting calls and `starting` (a call about to start).
    pub fn budget(&self, starting: Option<Limits>) -> Budget {
        let now = Instant::now();
        let starting = starting.map(|l| self.limits.tighten(l).or_defaults());
        let waiting = self.js.waiting.iter().map(|w| (w.limits, w.cpu_used, w.started));
        let all = waiting.chain(starting.map(|l| (l, Duration::ZERO, now)));
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

    /// Charges the turn's CPU time to every call still waiting.
    pub fn end_turn(&mut self) {
        let cpu = self.turn_cpu();
        self.turn_started = None;
        for w in &mut self.js.waiting {
            w.cpu_used += cpu;
        }
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
            self.condemn(Error::Limit { kind: LimitKind::Wall, limit, used: Some(used) });
        }
    }
}
