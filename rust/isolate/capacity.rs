//! How many isolates this process can hold. V8 aborts the whole process when it cannot map
//! memory, and on Linux the first thing to run out is not RAM but memory mappings: an idle
//! isolate uses about eight (heap pages and its code range), and the kernel's
//! `vm.max_map_count` (65,530 by default) is per process. A live isolate takes a `Slot`; past
//! the cap, creating one fails with an error instead of taking the process down.
//! `WORKERBOX_MAX_ISOLATES` lowers the cap (for a process that shares its mappings with
//! something else, or for tests).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// Mappings an idle isolate holds (measured with V8 150, default crate features).
const MAPPINGS_PER_ISOLATE: usize = 8;

/// The share of `vm.max_map_count` isolates may take when idle; the rest is for their heaps
/// growing and for everything else in the process.
const SHARE_PERCENT: usize = 75;

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The most isolates the process may hold at once.
pub fn cap() -> usize {
    static CAP: OnceLock<usize> = OnceLock::new();
    *CAP.get_or_init(|| {
        let max_map_count = std::fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(65_530);
        let cap = cap_for(max_map_count);
        match std::env::var("WORKERBOX_MAX_ISOLATES").ok().and_then(|v| v.parse::<usize>().ok()) {
            Some(lower) => lower.clamp(1, cap),
            None => cap,
        }
    })
}

fn cap_for(max_map_count: usize) -> usize {
    (max_map_count / 100 * SHARE_PERCENT / MAPPINGS_PER_ISOLATE).max(1)
}

/// One live isolate's place under the cap; released on drop.
pub struct Slot(());

impl Slot {
    pub fn take() -> Result<Slot> {
        let cap = cap();
        LIVE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < cap).then_some(n + 1))
            .map(|_| Slot(()))
            .map_err(|_| {
                Error::Worker(format!(
                    "this process already holds {cap} isolates, as many as its memory-mapping \
                     limit allows (vm.max_map_count); close idle workers, lower the loader's \
                     max_warm, or raise vm.max_map_count"
                ))
            })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_follows_the_mapping_limit() {
        assert_eq!(cap_for(65_530), 6_140);
        assert_eq!(cap_for(1_000_000), 93_750);
        assert_eq!(cap_for(0), 1);
    }
}
