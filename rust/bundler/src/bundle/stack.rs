//! Where a build runs: a rayon pool of its own whose threads (the one driving the build
//! included) have a stack sized from the largest source the build may parse. oxc's parser,
//! transformer and codegen recurse once per nesting level with no depth guard, and rolldown runs
//! them on the driving thread and on rayon's; past the stack the process dies of SIGSEGV, so the
//! stack is sized from the source, not hoped for. It is reserved address space, touched only as
//! deep as a source really nests.

use crate::error::{BundleError, Result};

/// Stack per byte of source: the deepest shape measured for the engine's TypeScript stripping
/// (nested parentheses, one byte a level) takes about 1 KiB a level; twice that is the margin.
const STACK_PER_BYTE: usize = 2 << 10;

/// Stack for everything around the recursion.
const BASE_STACK: usize = 8 << 20;

const MAX_THREADS: usize = 4;

/// Runs `build` on a pool whose threads can parse a source of `largest_source` bytes.
pub fn run_deep<T: Send>(largest_source: usize, build: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("workerbox-bundler-{i}"))
        .stack_size(largest_source.saturating_mul(STACK_PER_BYTE).saturating_add(BASE_STACK))
        .build()
        .map_err(|e| BundleError::Build(format!("no threads to bundle on: {e}")))?;
    pool.install(build)
}
