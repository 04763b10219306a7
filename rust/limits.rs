//! `Limits`: the resources one worker or call may use. Plain data; enforcement lives in `heap`
//! (memory), `watchdog` (CPU and wall time while JS runs) and the isolate loop (wall time while
//! it waits).

use std::time::Duration;

/// What a limit is about, for errors and traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    Memory,
    Cpu,
    Wall,
    Subrequests,
}

impl LimitKind {
    pub fn unit(self) -> &'static str {
        match self {
            LimitKind::Memory => "MiB",
            LimitKind::Cpu | LimitKind::Wall => "ms",
            LimitKind::Subrequests => "requests",
        }
    }
}

/// Each field is an upper bound; None means "not set here" (another level or the default
/// decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    pub memory_mb: Option<u64>,
    pub cpu_ms: Option<u64>,
    pub wall_ms: Option<u64>,
    pub sub_requests: Option<u64>,
    /// Values (array elements, object entries, strings, numbers...) one crossing between
    /// Python and JavaScript may carry; its bytes are bounded by `memory_mb`.
    pub conversion_nodes: Option<u64>,
}

/// The most 64 KiB pages any WebAssembly memory may have, whatever its worker's memory limit:
/// V8's own ceiling (`--wasm-max-mem-pages`, platform.rs) and the most a memory is charged for
/// (ops/wasm.rs). Each memory is also limited to its worker's room, so this only bounds what a
/// single memory can map should that charge ever be missed. 1 GiB.
pub const WASM_MAX_PAGES: u64 = 16384;

/// Applied where nothing is set: every worker is bounded in memory and every call in CPU time.
/// Wall time is unbounded by default because awaiting a slow host binding is legitimate.
pub const DEFAULT_LIMITS: Limits = Limits {
    memory_mb: Some(128),
    cpu_ms: Some(30_000),
    wall_ms: None,
    sub_requests: Some(1000),
    conversion_nodes: Some(1_000_000),
};

impl Limits {
    /// Field by field, the lower of the two where both are set.
    pub fn tighten(self, other: Limits) -> Limits {
        fn lower(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        Limits {
            memory_mb: lower(self.memory_mb, other.memory_mb),
            cpu_ms: lower(self.cpu_ms, other.cpu_ms),
            wall_ms: lower(self.wall_ms, other.wall_ms),
            sub_requests: lower(self.sub_requests, other.sub_requests),
            conversion_nodes: lower(self.conversion_nodes, other.conversion_nodes),
        }
    }

    /// These limits with the defaults filling what is unset.
    pub fn or_defaults(self) -> Limits {
        Limits {
            memory_mb: self.memory_mb.or(DEFAULT_LIMITS.memory_mb),
            cpu_ms: self.cpu_ms.or(DEFAULT_LIMITS.cpu_ms),
            wall_ms: self.wall_ms.or(DEFAULT_LIMITS.wall_ms),
            sub_requests: self.sub_requests.or(DEFAULT_LIMITS.sub_requests),
            conversion_nodes: self.conversion_nodes.or(DEFAULT_LIMITS.conversion_nodes),
        }
    }

    pub fn heap_bytes(self) -> usize {
        let mb = self.memory_mb.or(DEFAULT_LIMITS.memory_mb).unwrap_or(128);
        usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }

    pub fn cpu(self) -> Option<Duration> {
        self.cpu_ms.map(Duration::from_millis)
    }

    pub fn wall(self) -> Option<Duration> {
        self.wall_ms.map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lower_limit_wins_and_unset_fields_fall_through() {
        let code = Limits { memory_mb: Some(64), cpu_ms: Some(100), ..Default::default() };
        let call = Limits { cpu_ms: Some(50), wall_ms: Some(1000), ..Default::default() };
        let both = code.tighten(call);
        assert_eq!(
            both,
            Limits { memory_mb: Some(64), cpu_ms: Some(50), wall_ms: Some(1000), ..Default::default() }
        );
        assert_eq!(call.tighten(code), both);
        assert_eq!(both.or_defaults().sub_requests, DEFAULT_LIMITS.sub_requests);
    }

    #[test]
    fn defaults_bound_memory_and_cpu() {
        let d = Limits::default().or_defaults();
        assert!(d.memory_mb.is_some() && d.cpu_ms.is_some());
        assert_eq!(Limits::default().heap_bytes(), 128 << 20);
    }
}
