//! When a waiting thread may poll instead of sleeping. Polling saves the futex wake-up and
//! reschedule of a sleeper when the answer is microseconds away, but on a saturated machine the
//! polling thread takes the core from the thread that would produce the answer. So a thread polls
//! only while the process's threads on a core for workerbox (isolate threads not asleep, callers
//! polling) leave one free for it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

/// Isolate threads not asleep, plus callers polling.
static ON_CPU: AtomicUsize = AtomicUsize::new(0);

fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A thread counted as on a core while this lives.
pub struct OnCpu(());

impl OnCpu {
    pub fn enter() -> OnCpu {
        ON_CPU.fetch_add(1, Ordering::Relaxed);
        OnCpu(())
    }

    /// Whether this thread, already counted, may poll: no more threads on a core than cores.
    pub fn may_poll(&self) -> bool {
        ON_CPU.load(Ordering::Relaxed) <= cores()
    }

    /// Runs `sleep` (a blocking wait) with this thread not counted.
    pub fn asleep<R>(&self, sleep: impl FnOnce() -> R) -> R {
        ON_CPU.fetch_sub(1, Ordering::Relaxed);
        let woken = sleep();
        ON_CPU.fetch_add(1, Ordering::Relaxed);
        woken
    }
}

impl Drop for OnCpu {
    fn drop(&mut self) {
        ON_CPU.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The first `Some` that `attempt` gives within `spin`, trying again and again while a core is
/// free for it (once only when none is).
pub fn poll<R>(
    spin: Duration,
    deadline: Option<Instant>,
    mut attempt: impl FnMut() -> Option<R>,
) -> Option<R> {
    let polling = OnCpu::enter();
    if !polling.may_poll() {
        return attempt();
    }
    let spin_until = Instant::now() + spin;
    loop {
        if let Some(found) = attempt() {
            return Some(found);
        }
        let now = Instant::now();
        if now >= spin_until || deadline.is_some_and(|d| now >= d) {
            return None;
        }
        std::hint::spin_loop();
    }
}

/// The next message on `rx` by `deadline` (None: no deadline), polling for up to `spin` first
/// when a core is free for it.
pub fn recv<T>(rx: &Receiver<T>, spin: Duration, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
    let polled = poll(spin, deadline, || match rx.try_recv() {
        Ok(message) => Some(Ok(message)),
        Err(TryRecvError::Disconnected) => Some(Err(RecvTimeoutError::Disconnected)),
        Err(TryRecvError::Empty) => None,
    });
    if let Some(message) = polled {
        return message;
    }
    match deadline {
        Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
}
