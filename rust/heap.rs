//! Per-isolate memory caps. Stock V8 aborts the whole process when an isolate runs out of heap;
//! instead, near the cap we ask V8 to terminate the running script and raise the limit by some
//! headroom so the termination can unwind. The worker is then condemned. ArrayBuffer and
//! WebAssembly memory, outside the heap, share a second budget of the same size (`BufferBudget`).
//!
//! The heap callback runs on the isolate's thread (during allocation/GC); the allocator on any
//! thread V8 allocates from.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;
use crate::limits::LimitKind;

/// Extra heap granted each time the cap is reached, so the terminating script can unwind without
/// V8 hitting a hard out-of-memory first. V8 aborts the process if the raised limit still cannot
/// fit the allocation that tripped the cap, and one allocation can be as large as V8's largest
/// object (a FixedArray of 2^27 tagged slots or a two-byte string of 2^29 units: 1 GiB), so the
/// headroom must cover that plus room to unwind. It is a limit, not memory: only a script that
/// really allocates that much uses it, once, before the termination lands.
const HEADROOM_BYTES: usize = (1 << 30) + (64 << 20);

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
    current.saturating_add(HEADROOM_BYTES)
}

/// ArrayBuffer backing stores live outside V8's heap, so the heap cap does not see them. Each
/// isolate gets its own allocator that refuses allocations past its budget; V8 then throws a
/// catchable `RangeError` ("Array buffer allocation failed") instead of the host running dry.
pub struct BufferBudget {
    used: std::sync::atomic::AtomicUsize,
    limit: usize,
}

impl BufferBudget {
    /// An ArrayBuffer allocator drawing on a new budget of `limit` bytes, and the budget, which
    /// WebAssembly memory is charged to as well (ops/wasm.rs).
    pub fn allocator(limit: usize) -> (v8::UniqueRef<v8::Allocator>, std::sync::Arc<BufferBudget>) {
        static VTABLE: v8::RustAllocatorVtable<BufferBudget> =
            v8::RustAllocatorVtable { allocate, allocate_uninitialized, free, drop: drop_budget };
        let budget = std::sync::Arc::new(BufferBudget { used: Default::default(), limit });
        // SAFETY: the handle is an Arc leaked into V8, which calls `drop_budget` exactly once
        // when the allocator goes; the vtable functions match `BufferBudget`.
        let allocator = unsafe { v8::new_rust_allocator(std::sync::Arc::into_raw(budget.clone()), &VTABLE) };
        (allocator, budget)
    }

    /// Bytes in use.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::SeqCst)
    }

    /// Bytes left in the budget.
    /// The whole budget: what no amount of freeing could make room beyond.
    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn room(&self) -> usize {
        self.limit.saturating_sub(self.used.load(Ordering::SeqCst))
    }

    /// Gives back `len` bytes reserved with `reserve`.
    pub fn release(&self, len: usize) {
        self.used.fetch_sub(len, Ordering::SeqCst);
    }

    /// Reserves `len` bytes of the budget; false when that would exceed it.
    pub fn reserve(&self, len: usize) -> bool {
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(len).filter(|&total| total <= self.limit)
            })
            .is_ok()
    }
}

unsafe extern "C" fn allocate(budget: &BufferBudget, len: usize) -> *mut std::ffi::c_void {
    if !budget.reserve(len) {
        return std::ptr::null_mut();
    }
    // SAFETY: calloc with a size V8 asked for; a null result is handed back to V8 as failure.
    let ptr = unsafe { libc::calloc(len.max(1), 1) };
    if ptr.is_null() {
        budget.used.fetch_sub(len, Ordering::SeqCst);
    }
    ptr
}

unsafe extern "C" fn allocate_uninitialized(budget: &BufferBudget, len: usize) -> *mut std::ffi::c_void {
    if !budget.reserve(len) {
        return std::ptr::null_mut();
    }
    // SAFETY: as in `allocate`; V8 initialises the memory itself.
    let ptr = unsafe { libc::malloc(len.max(1)) };
    if ptr.is_null() {
        budget.used.fetch_sub(len, Ordering::SeqCst);
    }
    ptr
}

unsafe extern "C" fn free(budget: &BufferBudget, data: *mut std::ffi::c_void, len: usize) {
    // SAFETY: V8 frees only what `allocate`/`allocate_uninitialized` returned, with its length.
    unsafe { libc::free(data) };
    budget.used.fetch_sub(len, Ordering::SeqCst);
}

unsafe extern "C" fn drop_budget(budget: *const BufferBudget) {
    // SAFETY: the pointer came from `Arc::into_raw` in `allocator` and V8 drops it once.
    drop(unsafe { std::sync::Arc::from_raw(budget) });
}
