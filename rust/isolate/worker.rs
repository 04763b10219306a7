//! `Worker`: one V8 isolate with one context, its bootstrap globals and its main module. The
//! isolate is shared (`v8::SharedIsolate`): any isolate thread may run the worker, one at a time,
//! inside `Worker::locked`, which holds the isolate's `v8::Locker` and keeps it entered; every
//! method that touches V8 runs only there.
//!
//! A worker is driven in turns by its thread: `load`, `call`, `fire_timers`, each followed by
//! `settle`, which runs microtasks and answers every waiter whose promise has settled.

use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::capacity::Slot;
use super::entry::{begin_call, conversion_error};
use super::exception;
use super::waiting::{Waiter, Waiting, answer, answer_with};
use super::{Call, CallKind, Reply, Usage};
use crate::code::{Outbound, WorkerCode};
use crate::convert::{self, Budget, ConversionError};
use crate::error::Error;
use crate::heap::{BufferBudget, HeapGuard};
use crate::limits::Limits;
use crate::modules::{Builtins, ModuleMap, resolve_callback};
use crate::ops::OpState;
use crate::ops::hook_in as hook;
use crate::rpc::{HostError, HostLink};
use crate::value::{self, Value};
use crate::watchdog::Termination;

/// Growth past a blank isolate's footprint below which trimming is not worth its GC: a couple
/// of heap pages.
const TRIM_GROWTH: usize = 512 << 10;

pub struct Worker {
    // Declared before `isolate`: these handles are released while the isolate still lives.
    pub(super) js: JsState,
    /// The worker's own limits; each call's limits are these tightened by the caller's.
    pub(super) limits: Limits,
    /// The heap cap the isolate was made with.
    heap: usize,
    /// The thread's CPU clock reading when the running turn began.
    pub(super) turn_started: Option<Duration>,
    /// CPU of the turns run with no call in flight since the last call began.
    pub(super) background_cpu: Duration,
    /// Why the isolate was terminated, set by whoever terminates it (watchdog, interrupt).
    pub(super) termination: Termination,
    /// Shared with the worker's handle; cleared with `js.dead` set.
    alive: Arc<AtomicBool>,
    /// The isolate while this thread holds its lock (inside `locked`), else None.
    held: Option<NonNull<v8::Isolate>>,
    isolate: Arc<v8::SharedIsolate>,
    /// The isolate's off-heap budget, shared with its ArrayBuffer allocator.
    buffers: Arc<BufferBudget>,
    /// `footprint()` when the isolate was made, the baseline for trimming.
    fresh_footprint: usize,
    // After `isolate`: the place under the cap is given back once the isolate is disposed.
    _slot: Slot,
}

#[derive(Default)]
pub(super) struct JsState {
    context: Option<v8::Global<v8::Context>>,
    pub(super) hooks: Option<v8::Global<v8::Object>>,
    pub(super) env: Option<v8::Global<v8::Value>>,
    module: Option<v8::Global<v8::Module>>,
    pub(super) main: Option<v8::Global<v8::Object>>,
    pub(super) main_name: String,
    pub(super) waiting: Vec<Waiting>,
    /// Why the worker can no longer run JavaScript (load failed, terminated, out of memory).
    dead: Option<Error>,
    /// The cause of a death no caller heard of (a limit hit by a timer after the last reply):
    /// the next call gets it instead of a plain "closed".
    unheard: Option<Error>,
}

// SAFETY: every field is `Send` but `held`, which is Some only inside `locked`, on the thread
// holding the isolate's lock, and None whenever the worker can move.
unsafe impl Send for Worker {}

/// The isolate behind `held`.
///
/// # Safety
/// `held` must come from the `Locker` of a `Worker::locked` call still running on this thread,
/// and the reference must not outlive that call.
unsafe fn held_isolate<'a>(held: Option<NonNull<v8::Isolate>>) -> &'a mut v8::Isolate {
    let mut isolate = held.expect("V8 is only touched inside Worker::locked");
    // SAFETY: per this function's contract, the pointer is the live Locker's isolate.
    unsafe { isolate.as_mut() }
}

/// Enters `$worker`'s isolate and context and binds a TryCatch scope to `$tc` for `$body`.
macro_rules! in_context {
    ($worker:expr, |$tc:ident, $js:ident| $body:block) => {{
        let Worker { js: $js, held, .. } = $worker;
        // SAFETY: methods using this macro run inside `Worker::locked`.
        let isolate = unsafe { crate::isolate::worker::held_isolate(*held) };
        v8::scope!(let hs, isolate);
        let context = v8::Local::new(hs, $js.context.as_ref().expect("context exists after Worker::blank"));
        let scope = &mut v8::ContextScope::new(hs, context);
        v8::tc_scope!(let $tc, scope);
        // A closure so that `return` inside the body leaves only the body.
        #[allow(clippy::redundant_closure_call)]
        (|| $body)()
    }};
}

// After `in_context!`: the module uses it.
mod settle;

impl Worker {
    /// A fresh isolate with a context holding the runtime globals, belonging to no worker yet;
    /// the pool keeps these ready. Never runs user code. `slot` is its place under the
    /// process's isolate cap.
    pub fn blank(heap: usize, slot: Slot) -> Self {
        let snapshot = crate::snapshot::blob();
        let (allocator, buffers) = BufferBudget::allocator(heap);
        let mut params = v8::CreateParams::default().heap_limits(0, heap).array_buffer_allocator(allocator);
        if let Some(blob) = snapshot {
            params = params
                .snapshot_blob(v8::StartupData::from(blob))
                .external_references(std::borrow::Cow::Borrowed(crate::snapshot::external_references()));
        }
        let mut isolate = v8::Isolate::new(params);
        isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
        isolate.set_host_import_module_dynamically_callback(crate::modules::dynamic_import);
        // As in Workers: `Atomics.wait` throws. A blocked thread burns no CPU, so no CPU limit
        // would end the wait, and every worker sharing the thread would stall behind it.
        isolate.set_allow_atomics_wait(false);
        HeapGuard::install(&mut isolate, heap);
        let termination = Termination::default();
        isolate.set_slot(termination.clone());
        isolate.set_slot(OpState::detached());
        let mut js = JsState::default();
        {
            v8::scope!(let hs, &mut isolate);
            let context = v8::Context::new(hs, Default::default());
            // Like Workers: no eval() or new Function() on strings.
            context.set_allow_generation_from_strings(false);
            let scope = &mut v8::ContextScope::new(hs, context);
            v8::tc_scope!(let tc, scope);
            let installed = match snapshot {
                Some(_) => crate::snapshot::hooks(tc).ok_or_else(|| "the snapshot has no hooks".to_string()),
                None => crate::bootstrap::run(tc),
            }
            .and_then(|hooks| crate::bootstrap::per_context(tc, hooks).map(|()| hooks));
            match installed {
                Ok(hooks) => js.hooks = Some(v8::Global::new(tc, hooks)),
                Err(e) => js.dead = Some(Error::Worker(format!("the runtime failed to start: {e}"))),
            }
            js.context = Some(v8::Global::new(tc, context));
        }
        let fresh_footprint = isolate.get_heap_statistics().total_heap_size();
        // SAFETY: every slot and callback data attached to the isolate, now or later, is `Send`
        // (`OpState`, `ModuleMap`, `Budget`, `Termination`, `HeapGuard`, `Builtins`, the
        // allocator's budget); the code creates no `Weak` handles and opens no `Global`s; the
        // isolate was made on this thread, is the one entered, and no other is.
        let isolate = unsafe { isolate.try_into_shared() }
            .unwrap_or_else(|e| panic!("a fresh isolate without weak handles can always be shared: {e}"));
        Worker {
            js,
            limits: Limits::default(),
            heap,
            turn_started: None,
            background_cpu: Duration::ZERO,
            termination,
            alive: Arc::new(AtomicBool::new(true)),
            held: None,
            isolate: Arc::new(isolate),
            buffers,
            fresh_footprint,
            _slot: slot,
        }
    }

    /// Runs `f` with the isolate locked and entered on this thread. Every method below that
    /// touches V8 must run inside it; nested calls are not allowed.
    pub fn locked<R>(&mut self, f: impl FnOnce(&mut Worker) -> R) -> R {
        let shared = self.isolate.clone();
        let mut locker = shared.lock();
        let previous = self.held.replace(NonNull::from(&mut *locker));
        debug_assert!(previous.is_none(), "Worker::locked does not nest");
        let result = f(self);
        self.held = None;
        result
    }

    /// The locked isolate (inside `locked` only).
    fn v8(&mut self) -> &mut v8::Isolate {
        // SAFETY: callers run inside `locked`; the reference borrows `self`, so it cannot
        // outlive the call.
        unsafe { held_isolate(self.held) }
    }

    /// The heap cap this isolate was created with (a pooled isolate fits only code asking for it).
    pub fn heap(&self) -> usize {
        self.heap
    }

    /// Makes a blank isolate worker `code`'s: its limits, modules, `env`, outbound, host link,
    /// and the liveness flag and termination reason it shares with its handle.
    pub fn assign(
        &mut self,
        mut code: WorkerCode,
        link: HostLink,
        alive: Arc<AtomicBool>,
        termination: Termination,
    ) {
        alive.store(self.js.dead.is_none(), Ordering::Release);
        self.alive = alive;
        self.v8().set_slot(termination.clone());
        self.termination = termination;
        let env = std::mem::replace(&mut code.env, Value::Undefined);
        let outbound = std::mem::take(&mut code.outbound);
        self.limits = code.worker_limits().or_defaults();
        let limits = self.limits;
        Budget::install(self.v8(), limits);
        // A pooled Python isolate ran the runtime's primer: its module is not the worker's.
        self.js.module = None;
        self.js.main = None;
        // A Python worker runs the runtime's bridge, which loads the tenant's main module.
        self.js.main_name =
            if code.is_python() { crate::python::MAIN.to_string() } else { code.main_module.clone() };
        let mut state = OpState::new(link);
        // Before `env` converts: its bytes are drawn from the budget too.
        state.buffers = Some(self.buffers.clone());
        self.v8().set_slot(state);
        self.v8().set_slot(ModuleMap::new(code));
        if self.js.dead.is_some() {
            return;
        }
        in_context!(self, |tc, js| {
            let hooks = v8::Local::new(tc, js.hooks.as_ref().expect("hooks exist when alive"));
            crate::ops::state(tc).hooks = js.hooks.clone();
            let mut budget = Budget::of(tc);
            let env = match env {
                Value::Undefined => v8::Object::new(tc).into(),
                env => match convert::to_v8(tc, &env, &mut budget) {
                    Ok(env) => env,
                    Err(e) => {
                        js.dead = Some(conversion_error(tc, "env", e));
                        return;
                    }
                },
            };
            let mut exports = vec![("env", v8::Global::new(tc, env))];
            for name in ["WorkerEntrypoint", "RpcTarget", "DurableObject"] {
                let key = v8::String::new(tc, name).unwrap();
                let class = hooks.get(tc, key.into()).unwrap_or_else(|| v8::undefined(tc).into());
                exports.push((name, v8::Global::new(tc, class)));
            }
            tc.set_slot(Builtins { exports });
            let key = v8::String::new(tc, "outbound").unwrap();
            let outbound: v8::Local<v8::Value> = match outbound {
                Outbound::Closed => v8::undefined(tc).into(),
                Outbound::Hook(id) => crate::rpc::stub::function(tc, id).into(),
                Outbound::Http(client) => crate::ops::outbound::fetch_function(tc, client)
                    .map_or_else(|| v8::undefined(tc).into(), Into::into),
            };
            hooks.set(tc, key.into(), outbound);
            js.env = Some(v8::Global::new(tc, env));
        });
        self.alive.store(self.js.dead.is_none(), Ordering::Release);
    }

    /// For terminating the worker's JavaScript from any thread, locked or not.
    pub fn thread_safe_handle(&self) -> v8::IsolateHandle {
        self.isolate.thread_safe_handle()
    }

    /// Compiles, links and evaluates the main module and its imports; the reply comes once
    /// top-level evaluation (including top-level await) has settled.
    pub fn load(&mut self, reply: Reply<()>) {
        if let Some(e) = self.js.dead.clone() {
            return answer(self.v8(), reply, Err(e));
        }
        let outcome = in_context!(self, |tc, js| {
            let map = tc
                .get_slot_mut::<ModuleMap>()
                .map(|m| m as *mut ModuleMap)
                .expect("assign installs the module map before the load");
            let main_name = js.main_name.clone();
            // SAFETY: the slot outlives this call and nothing else touches it while compiling;
            // the raw pointer only releases the borrow of `tc` that get_slot_mut holds.
            let compiled = unsafe { &mut *map }.compile(tc, &main_name);
            match compiled {
                Err(e) => Err(e),
                Ok(None) => Err(exception::take(tc)),
                Ok(Some(module)) => {
                    if module.instantiate_module(tc, resolve_callback) != Some(true) {
                        Err(exception::take(tc))
                    } else if let Some(result) = module.evaluate(tc) {
                        js.module = Some(v8::Global::new(tc, module));
                        let promise: v8::Local<v8::Promise> =
                            result.try_into().expect("modules evaluate to a promise");
                        Ok(v8::Global::new(tc, promise))
                    } else {
                        Err(exception::take(tc))
                    }
                }
            }
        });
        match outcome {
            Ok(promise) => self.js.waiting.push(Waiting::new(promise, Waiter::Load(reply), self.limits)),
            Err(e) => {
                self.condemn(e.clone(), true);
                answer(self.v8(), reply, Err(e));
            }
        }
    }

    /// Calls `method` on the export `export` (default: `default`), as `begin_call` describes;
    /// the reply comes once the returned value (awaited if a promise) is known.
    pub fn call(&mut self, call: Call, reply: Reply<Value>) {
        if let Some(e) = &self.js.dead {
            let e = self
                .js
                .unheard
                .take()
                .unwrap_or_else(|| Error::Closed(format!("the worker is no longer usable: {e}")));
            return answer(self.v8(), reply, Err(e));
        }
        self.reset_background();
        let limits = self.limits.tighten(call.limits).or_defaults();
        self.arm_subrequests(limits);
        let what = format!("{}.{}()", call.export.as_deref().unwrap_or("default"), call.method);
        let started = Instant::now();
        let begun = in_context!(self, |tc, js| { begin_call(tc, js, &call, limits, &what) });
        match begun {
            Ok(promise) => {
                let streamed = call.kind == CallKind::Fetch { streamed: true };
                self.js.waiting.push(Waiting::new(promise, Waiter::Call { reply, what, streamed }, limits))
            }
            Err(e) => {
                if e.is_fatal() {
                    self.condemn(e.clone(), true);
                }
                let usage = Usage { cpu: self.turn_cpu(), wall: started.elapsed() };
                answer_with(self.v8(), reply, Err(e), Some(usage));
            }
        }
    }

    /// Sets the subrequest limit for the calls in flight, starting the count afresh when this
    /// call is the only one.
    fn arm_subrequests(&mut self, limits: Limits) {
        let tightest =
            self.js.waiting.iter().filter_map(|w| w.limits.sub_requests).chain(limits.sub_requests).min();
        let nothing_in_flight = self.js.waiting.is_empty();
        if let Some(state) = self.v8().get_slot_mut::<OpState>() {
            if nothing_in_flight {
                state.subrequests = 0;
                state.subrequests_exceeded = None;
            }
            state.subrequest_limit = tightest;
        }
    }

    /// Runs the callbacks of every timer due at `now`.
    pub fn fire_timers(&mut self, now: Instant) {
        if self.js.dead.is_some() {
            return;
        }
        let due = self.v8().get_slot_mut::<OpState>().map(|s| s.take_due(now)).unwrap_or_default();
        if due.is_empty() {
            return;
        }
        let failed = in_context!(self, |tc, js| {
            let hooks = v8::Local::new(tc, js.hooks.as_ref().expect("hooks exist when alive"));
            let fire = hook(tc, hooks, "fireTimer");
            let mut failed = None;
            if let Some(fire) = fire {
                for id in due {
                    let id = v8::Number::new(tc, id as f64);
                    if fire.call(tc, hooks.into(), &[id.into()]).is_none() {
                        let e = exception::take(tc);
                        if e.is_fatal() {
                            failed = Some(e);
                            break;
                        }
                        report_uncaught(tc, &e);
                        tc.reset();
                    }
                    // As on the web: each timer callback is its own task, microtasks run between.
                    tc.perform_microtask_checkpoint();
                }
            }
            failed
        });
        if let Some(e) = failed {
            self.condemn(e, false);
        }
    }

    /// Settles the promise of host call `call` with the host's answer. Nothing in the answer is
    /// trusted to fit: a value past the worker's conversion budget rejects with a `TypeError`,
    /// and an error's name and message are cut to `value::MAX_HOST_ERROR_*` (a binding's
    /// message can echo a sandbox string of any size).
    pub fn host_done(&mut self, call: u64, result: std::result::Result<Value, HostError>) {
        if self.js.dead.is_some() {
            return;
        }
        let Some(resolver) = self.v8().get_slot_mut::<OpState>().and_then(|s| s.host_calls.remove(&call))
        else {
            return;
        };
        let mut budget = Budget::of(self.v8());
        in_context!(self, |tc, _js| {
            let resolver = v8::Local::new(tc, resolver);
            let answer = result.map(|v| convert::to_v8(tc, &v, &mut budget));
            let exception = match answer {
                Ok(Ok(v)) => {
                    resolver.resolve(tc, v);
                    return;
                }
                // Terminating: the turn ends with it, and the call with the worker.
                Ok(Err(ConversionError::Threw)) => return,
                Ok(Err(ConversionError::Refused(why))) => {
                    let message =
                        host_text(tc, &format!("the host's answer: {why}"), value::MAX_HOST_ERROR_MESSAGE);
                    v8::Exception::type_error(tc, message)
                }
                Err(e) => {
                    let message = host_text(tc, &e.message, value::MAX_HOST_ERROR_MESSAGE);
                    let exception = v8::Exception::error(tc, message);
                    if let Ok(obj) = v8::Local::<v8::Object>::try_from(exception) {
                        let key = v8::String::new(tc, "name").unwrap();
                        let name = host_text(tc, &e.name, value::MAX_HOST_ERROR_NAME);
                        // An own property: a setter the tenant put on Error.prototype must not
                        // run inside the host's answer.
                        obj.create_data_property(tc, key.into(), name.into());
                    }
                    exception
                }
            };
            resolver.reject(tc, exception);
        });
    }

    /// The earliest moment this worker needs a turn: a timer, or a call's wall-clock limit.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        if self.js.dead.is_some() {
            return None;
        }
        let timer = self.v8().get_slot::<OpState>().and_then(OpState::next_deadline);
        let wall = self.js.waiting.iter().filter_map(Waiting::wall_deadline).min();
        timer.into_iter().chain(wall).min()
    }

    /// Marks the worker dead (keeping the first cause), telling its handle before any caller
    /// can hear of the death.
    fn die(&mut self, e: &Error) {
        self.js.dead.get_or_insert_with(|| e.clone());
        self.alive.store(false, Ordering::Release);
    }

    /// Gives back what an idle worker no longer needs, if it has grown since it was made: a full
    /// GC that releases its empty heap pages and unreachable ArrayBuffers. Runs no JavaScript.
    /// A worker still about its blank size is left alone: its heap is the runtime itself, and
    /// the GC would cost a millisecond to free next to nothing.
    pub fn trim(&mut self) {
        if self.footprint() <= self.fresh_footprint + TRIM_GROWTH {
            return;
        }
        // A one-shot notification: V8 collects at once (we hold the lock) and sets the level
        // back, so the heap does not stay in its slower memory-saving mode after the worker wakes.
        self.v8().memory_pressure_notification(v8::MemoryPressureLevel::Critical);
    }

    /// The V8 heap's committed size plus the ArrayBuffer memory the worker holds.
    fn footprint(&mut self) -> usize {
        let heap = self.v8().get_heap_statistics().total_heap_size();
        heap + self.buffers.used()
    }

    pub(super) fn is_dead(&self) -> bool {
        self.js.dead.is_some()
    }

    /// The locked isolate (inside `locked` only).
    pub(super) fn isolate(&self) -> &v8::Isolate {
        // SAFETY: callers run inside `locked`; the reference borrows `self`.
        unsafe { held_isolate(self.held) }
    }

    /// Marks the worker dead and answers every waiting call with `e`. `told`: a caller outside
    /// `waiting` hears of it too; when nobody does, the next call gets `e` instead of "closed".
    pub(super) fn condemn(&mut self, e: Error, told: bool) {
        // A streamed body's reader hears of it on its next read.
        let nobody_waits = self.js.waiting.iter().all(|w| matches!(w.waiter, Waiter::Body));
        if self.js.dead.is_none() && nobody_waits && !told {
            self.js.unheard = Some(e.clone());
        }
        self.die(&e);
        let running = self.turn_cpu();
        for w in std::mem::take(&mut self.js.waiting) {
            let usage = Some(w.usage(running));
            match w.waiter {
                Waiter::Load(reply) => answer_with(self.v8(), reply, Err(e.clone()), usage),
                Waiter::Call { reply, .. } => answer_with(self.v8(), reply, Err(e.clone()), usage),
                Waiter::Body => {}
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // The handles go first: dropped without the lock, their release is deferred to the
        // isolate's disposal, which takes the lock itself (on an isolate thread, as V8 requires).
        self.js = JsState::default();
    }
}

/// Host-supplied text as a JS string of at most `max` bytes.
fn host_text<'s>(scope: &mut v8::PinScope<'s, '_>, text: &str, max: usize) -> v8::Local<'s, v8::String> {
    let text = value::truncated(text, max);
    v8::String::new(scope, &text).unwrap_or_else(|| v8::String::empty(scope))
}

/// An exception thrown by a timer callback has no caller to reach; it goes to the console as
/// `console.error` would print it.
fn report_uncaught(scope: &mut v8::PinScope<'_, '_>, e: &Error) {
    let message = match e {
        Error::Js(js) | Error::Python(js) => {
            js.stack.clone().unwrap_or_else(|| format!("{}: {}", js.name, js.message))
        }
        other => other.to_string(),
    };
    if let Some(state) = scope.get_slot_mut::<OpState>() {
        state.logs.push(crate::ops::LogLine {
            level: crate::ops::Level::Error,
            message: format!("Uncaught {message}"),
        });
    }
}
