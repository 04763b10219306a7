//! A thread's CPU clock, captured on the thread itself and readable from any thread: the watchdog
//! reads the clock of the isolate thread whose turn it watches, and accounting charges a turn by
//! two readings on the isolate thread. Plain platform code: `libc` only, no V8, no other state.
//!
//! Linux: `pthread_getcpuclockid` + `clock_gettime` (nanoseconds). macOS: the thread's Mach port
//! (`pthread_mach_thread_np`) + `thread_info(THREAD_BASIC_INFO)`, user plus system time
//! (microseconds). Both count only time the thread ran on a CPU, never time it waited.
//!
//! A clock must only be read while its thread is alive (a watch lives inside one turn on that
//! thread): a dead thread's clock reads as zero on Linux, and on macOS its port name could be
//! reused by a later thread.

use std::time::Duration;

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
compile_error!("workerbox's per-thread CPU clock is implemented for Linux and macOS only");

/// A thread's CPU clock, readable from any thread.
#[derive(Clone, Copy)]
pub struct CpuClock(Id);

#[cfg(target_os = "linux")]
type Id = libc::clockid_t;

#[cfg(target_os = "macos")]
type Id = libc::mach_port_t;

#[cfg(target_os = "linux")]
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

#[cfg(target_os = "macos")]
impl CpuClock {
    /// The clock of the calling thread.
    pub fn current() -> CpuClock {
        // SAFETY: pthread_self() is the calling thread, alive for this call. The port name
        // pthread_mach_thread_np returns is the one libpthread keeps for the thread's lifetime; no
        // send right is added, so there is nothing to deallocate.
        CpuClock(unsafe { libc::pthread_mach_thread_np(libc::pthread_self()) })
    }

    pub fn now(self) -> Duration {
        // SAFETY: thread_basic_info is plain integers, for which all-zero is a valid value.
        let mut info: libc::thread_basic_info = unsafe { std::mem::zeroed() };
        let mut count = libc::THREAD_BASIC_INFO_COUNT;
        // SAFETY: `info` is a thread_basic_info and `count` says how many integer_t it holds
        // (THREAD_BASIC_INFO_COUNT), so the kernel writes within it; the port names a thread of
        // this task (see the module doc on reading only live threads). On failure `info` stays
        // zeroed and the clock reads zero, as Linux's does for a dead thread.
        let rc = unsafe {
            libc::thread_info(
                self.0,
                libc::THREAD_BASIC_INFO as libc::thread_flavor_t,
                (&raw mut info).cast::<libc::integer_t>(),
                &mut count,
            )
        };
        if rc != libc::KERN_SUCCESS {
            return Duration::ZERO;
        }
        let micros = |t: libc::time_value_t| t.seconds as u64 * 1_000_000 + t.microseconds as u64;
        Duration::from_micros(micros(info.user_time) + micros(info.system_time))
    }
}

#[cfg(test)]
mod tests {
    use super::CpuClock;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    /// Spins until `clock` (this thread's) has advanced by `by`, or gives up after 20 s of wall
    /// time (a loaded machine may run this thread rarely).
    fn spin(clock: CpuClock, by: Duration) -> Duration {
        let (cpu0, wall0) = (clock.now(), Instant::now());
        while clock.now().saturating_sub(cpu0) < by && wall0.elapsed() < Duration::from_secs(20) {
            std::hint::spin_loop();
        }
        clock.now().saturating_sub(cpu0)
    }

    #[test]
    fn advances_while_spinning_not_while_sleeping() {
        let clock = CpuClock::current();
        let spun = spin(clock, Duration::from_millis(30));
        assert!(spun >= Duration::from_millis(30), "spinning advanced the clock by only {spun:?}");

        let before = clock.now();
        std::thread::sleep(Duration::from_millis(300));
        let slept = clock.now().saturating_sub(before);
        assert!(slept < Duration::from_millis(30), "sleeping 300 ms advanced the clock by {slept:?}");
    }

    /// The watchdog's use: one thread reads another's clock, and sees that thread's time.
    #[test]
    fn reads_another_threads_time() {
        let (clock_tx, clock_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let spinner = std::thread::spawn(move || {
            let clock = CpuClock::current();
            clock_tx.send(clock).unwrap();
            go_rx.recv().unwrap();
            spin(clock, Duration::from_millis(100));
            done_rx.recv().unwrap(); // stay alive (asleep) until the reader has read
        });
        let theirs = clock_rx.recv().unwrap();
        let ours = CpuClock::current();
        let (theirs0, ours0) = (theirs.now(), ours.now());
        go_tx.send(()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while theirs.now().saturating_sub(theirs0) < Duration::from_millis(50) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let (their_use, our_use) = (theirs.now().saturating_sub(theirs0), ours.now().saturating_sub(ours0));
        done_tx.send(()).unwrap();
        spinner.join().unwrap();
        assert!(their_use >= Duration::from_millis(50), "the spinning thread's clock read {their_use:?}");
        assert!(our_use < Duration::from_millis(30), "the sleeping reader's own clock read {our_use:?}");
    }
}
