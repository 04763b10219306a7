//! Running one job on a few threads at once: the caller's thread works too, and a thread the
//! system will not give is simply not used, so a starved host makes an install slower, not fail.

/// Runs `worker` on up to `threads` threads (the caller's among them) and returns when all end.
pub fn run(threads: usize, worker: impl Fn() + Sync) {
    std::thread::scope(|s| {
        for _ in 1..threads {
            let spawned = std::thread::Builder::new().name("workerbox-npm".into()).spawn_scoped(s, &worker);
            if spawned.is_err() {
                break;
            }
        }
        worker();
    });
}
