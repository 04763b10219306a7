//! How many isolates this process can hold. V8 aborts the whole process when it cannot map
//! memory, and on Linux the first thing to run out is not RAM but memory mappings: the kernel's
//! `vm.max_map_count` (65,530 by default) is per process, and every isolate holds a few (heap
//! pages, its code range, its dispatch table). A live isolate takes a `Slot`; past the cap,
//! creating one fails with an error instead of taking the process down.
//!
//! The cap is measured, not assumed: what an isolate holds depends on the V8 build (the patched
//! one merges an isolate's heap pages; the crate's prebuilt archive does not), on whether it is
//! trimmed, pooled or busy, and the process maps things of its own. So whenever the live count
//! reaches its allowance, `/proc/self/maps` is read again: the room left is
//! (`vm.max_map_count` − the process's mappings now − `RESERVE_PERCENT` of the limit) ÷ the
//! mappings per live isolate (their average, as they are now), and half of it is granted before
//! the next look, so the cap is approached in smaller and smaller re-measured steps. The reserve
//! is for what grows after a look: busy isolates' heaps, thread stacks, the rest of the process.
//! `WORKERBOX_MAX_ISOLATES` lowers the cap (for a process that wants fewer, or for tests).
//!
//! Closing a worker is asynchronous (its isolate is disposed on an isolate thread), yet whoever
//! closed one expects its place to be free for the next load. So each accepted close holds a
//! `Release` until its isolate is gone, and a load refused at the cap while any are pending waits
//! its turn again instead of failing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The share of `vm.max_map_count` never counted as room for isolates.
pub const RESERVE_PERCENT: usize = 10;

/// Mappings per isolate assumed while too few are alive to measure the average.
const FIRST_GUESS: usize = 8;

/// Live isolates needed before their average is trusted over `FIRST_GUESS`: with fewer, a
/// thread stack or a library mapped meanwhile would skew it.
const MIN_SAMPLE: usize = 64;

/// After a look that found no room, further refusals come without looking for this long: a
/// caller retrying at the cap must not turn every attempt into a read of the whole map.
const QUIET: Duration = Duration::from_millis(100);

/// Live isolates (each holding a `Slot`).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Live isolates allowed without another look; zero until the first look.
static ALLOWED: AtomicUsize = AtomicUsize::new(0);

/// What the last looks found.
struct Gauge {
    /// The process's mappings when it last held no isolate.
    baseline: Option<usize>,
    /// Until when a refusal stands without a new look.
    quiet_until: Option<Instant>,
}

static GAUGE: Mutex<Gauge> = Mutex::new(Gauge { baseline: None, quiet_until: None });

/// One live isolate's place under the cap; released on drop.
pub struct Slot(());

impl Slot {
    /// A place under the cap, looking at the process's mappings again if the allowance is used up.
    pub fn take() -> Result<Slot> {
        if let Some(slot) = Slot::try_take() {
            return Ok(slot);
        }
        let mut gauge = GAUGE.lock().unwrap_or_else(|p| p.into_inner());
        // Another thread may have looked while this one waited for the lock.
        if let Some(slot) = Slot::try_take() {
            return Ok(slot);
        }
        let now = Instant::now();
        if gauge.quiet_until.is_none_or(|until| now >= until) {
            look(&mut gauge);
            if let Some(slot) = Slot::try_take() {
                gauge.quiet_until = None;
                return Ok(slot);
            }
            gauge.quiet_until = Some(now + QUIET);
        }
        Err(Error::Worker(format!(
            "this process already holds {} isolates, as many as its memory-mapping limit allows \
             (vm.max_map_count); close idle workers, lower the loader's max_warm, or raise \
             vm.max_map_count",
            LIVE.load(Ordering::Acquire)
        )))
    }

    /// A place under the current allowance, without looking (for callers holding a lock).
    pub fn try_take() -> Option<Slot> {
        let allowed = ALLOWED.load(Ordering::Acquire);
        LIVE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < allowed).then_some(n + 1))
            .ok()
            .map(|_| Slot(()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Closes in flight for one loader: places under the cap promised back but not yet free.
#[derive(Default)]
pub struct Releases(Arc<AtomicUsize>);

/// One close's promise: held from the moment the close is accepted until its isolate (if it had
/// one) is disposed, so dropped after the worker it frees.
pub struct Release(Arc<AtomicUsize>);

impl Releases {
    pub fn promise(&self) -> Release {
        self.0.fetch_add(1, Ordering::AcqRel);
        Release(self.0.clone())
    }

    /// Whether some close accepted earlier has yet to free its place.
    pub fn pending(&self) -> bool {
        self.0.load(Ordering::Acquire) > 0
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Measures the process's mappings and sets the allowance from them.
fn look(gauge: &mut Gauge) {
    let live = LIVE.load(Ordering::Acquire);
    let mappings = mappings_now();
    if live == 0 {
        gauge.baseline = mappings;
    }
    let per_isolate = match (mappings, gauge.baseline) {
        (Some(now), Some(base)) if live >= MIN_SAMPLE => now.saturating_sub(base).div_ceil(live).max(1),
        _ => FIRST_GUESS,
    };
    let room = room(max_map_count(), mappings.unwrap_or(0), per_isolate);
    let allowed = (live + room.div_ceil(2)).min(user_cap());
    ALLOWED.store(allowed, Ordering::Release);
}

/// Isolates that still fit: the mappings left under the limit, less the reserve, divided by
/// what one isolate holds.
fn room(max_map_count: usize, mappings: usize, per_isolate: usize) -> usize {
    let reserve = max_map_count / 100 * RESERVE_PERCENT;
    max_map_count.saturating_sub(reserve).saturating_sub(mappings) / per_isolate.max(1)
}

fn max_map_count() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(65_530)
    })
}

/// `WORKERBOX_MAX_ISOLATES`, if set: a cap below the measured one.
fn user_cap() -> usize {
    static CAP: OnceLock<usize> = OnceLock::new();
    *CAP.get_or_init(|| {
        std::env::var("WORKERBOX_MAX_ISOLATES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .map_or(usize::MAX, |n| n.max(1))
    })
}

/// The process's memory mappings (lines of `/proc/self/maps`); None where there is no such file
/// (then the room is counted as if the process held none besides its isolates).
fn mappings_now() -> Option<usize> {
    use std::io::Read;
    let mut file = std::fs::File::open("/proc/self/maps").ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(lines),
            Ok(n) => lines += buf[..n].iter().filter(|&&b| b == b'\n').count(),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_room_is_what_the_limit_leaves_after_the_reserve_and_the_process() {
        // 65,530 − 6,550 reserved − 1,000 held = 57,980 mappings, 5 per isolate.
        assert_eq!(room(65_530, 1_000, 5), 11_596);
        assert_eq!(room(65_530, 70_000, 5), 0);
        assert_eq!(room(1_000_000, 0, 0), 900_000);
    }

    #[test]
    fn a_release_is_pending_until_dropped() {
        let releases = Releases::default();
        let (a, b) = (releases.promise(), releases.promise());
        drop(a);
        assert!(releases.pending());
        drop(b);
        assert!(!releases.pending());
    }

    #[test]
    fn this_process_maps_something() {
        assert!(mappings_now().is_some_and(|n| n > 10));
    }
}
