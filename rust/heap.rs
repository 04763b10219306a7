//! The per-isolate heap cap. Stock V8 aborts the whole process when an isolate runs out of heap;
//! instead, near the cap we ask V8 to terminate the running script and raise the limit by some
//! headroom so the termination can unwind. The worker is then condemned.
//!
//! Runs on the isolate's thread (V8 calls the callback during allocation/GC).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;
use crate::limits::LimitKind;

/// Extra heap granted once the cap is reached, so the terminating script can unwind without V8
/// hitting a hard out-of-memory first.
const HEADROOM_BYTES: usize = 64 << 20;

pub struct HeapGuard {
    handle: v8::IsolateHandle,
    limit: usize,
    hit: AtomicBool,
}

impl HeapGuard {
    /// Caps `isolate`'s heap at `limit` bytes (set in `CreateParams` too) and installs the
    /// callback. The guard lives in an isolate slot, so it outlives every callback.
    pub fn install(isolate: &mut v8::OwnedIsolate, limit: usize) {
        let guard =
            Box::new(HeapGuard { handle: isolate.thread_safe_handle(), limit, hit: AtomicBool::new(false) });
        let data = &*guard as *const HeapGuard as *mut std::ffi::c_void;
        isolate.set_slot(guard);
        isolate.add_near_heap_limit_callback(near_heap_limit, data);
    }

    /// The error for a hit cap, if the isolate has reached it (it is terminating or dead then).
    pub fn reached(isolate: &v8::Isolate) -> Option<Error> {
        let guard = isolate.get_slot::<Box<HeapGuard>>().filter(|g| g.hit.load(Ordering::SeqCst))?;
        Some(Error::Limit { kind: LimitKind::Memory, limit: (guard.limit >> 20) as u64, used: None })
    }
}

unsafe extern "C" fn near_heap_limit(data: *mut std::ffi::c_void, current: usize, _initial: usize) -> usize {
    // SAFETY: `data` is the HeapGuard boxed in this isolate's slot (see `install`), which lives
    // as long as the isolate that calls back.
    let guard = unsafe { &*(data as *const HeapGuard) };
    guard.hit.store(true, Ordering::SeqCst);
    guard.handle.terminate_execution();
    current + HEADROOM_BYTES
}
