//! `Worker`: one V8 isolate with one context and its evaluated main module. Owned by exactly one
//! executor thread for its whole life; never `Send`. Several workers share a thread, so an
//! isolate is entered only while one of its commands runs and exited otherwise.

use crate::code::WorkerCode;
use crate::error::{Error, JsError, Result};
use crate::modules::{ModuleMap, resolve_callback};
use crate::value::{self, FromV8Error, Value};

/// Default per-isolate heap cap until per-worker limits exist.
const DEFAULT_HEAP_LIMIT: usize = 128 << 20;

pub struct Worker {
    // Declared before `isolate` so these handles are released while the isolate still lives.
    context: Option<v8::Global<v8::Context>>,
    main: Option<v8::Global<v8::Object>>,
    main_name: String,
    isolate: v8::OwnedIsolate,
}

/// Per-isolate state reachable from V8 callbacks through an isolate slot.
struct HeapGuard {
    handle: v8::IsolateHandle,
    hit: std::sync::atomic::AtomicBool,
}

/// Keeps the isolate entered for the guard's lifetime.
struct Entered<'a>(&'a mut v8::OwnedIsolate);

impl<'a> Entered<'a> {
    fn new(isolate: &'a mut v8::OwnedIsolate) -> Self {
        // SAFETY: isolates on this thread are only ever entered through this guard, which exits
        // on drop, so enter/exit stay balanced and nested in LIFO order.
        unsafe { isolate.enter() };
        Entered(isolate)
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        // SAFETY: entered in `new` on this thread; nothing else entered since without exiting.
        unsafe { self.0.exit() };
    }
}

impl Worker {
    /// Creates the isolate and evaluates the main module (and its imports).
    pub fn load(code: WorkerCode) -> (Self, v8::IsolateHandle, Result<()>) {
        let params = v8::CreateParams::default().heap_limits(0, DEFAULT_HEAP_LIMIT);
        let isolate = v8::Isolate::new(params);
        // SAFETY: `Isolate::new` entered the new isolate on this thread; every later use goes
        // through `Entered`, and `Drop` re-enters before disposal.
        unsafe { isolate.exit() };
        let handle = isolate.thread_safe_handle();
        let mut worker = Worker {
            context: None,
            main: None,
            main_name: code.main_module.clone(),
            isolate,
        };
        let result = worker.init(code, handle.clone());
        (worker, handle, result)
    }

    fn init(&mut self, code: WorkerCode, handle: v8::IsolateHandle) -> Result<()> {
        let main_name = code.main_module.clone();
        let entered = Entered::new(&mut self.isolate);
        let isolate = &mut *entered.0;
        isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
        isolate.set_slot(ModuleMap::new(code));
        let guard = Box::new(HeapGuard {
            handle,
            hit: Default::default(),
        });
        let guard_ptr = &*guard as *const HeapGuard as *mut std::ffi::c_void;
        isolate.set_slot(guard);
        isolate.add_near_heap_limit_callback(near_heap_limit, guard_ptr);

        v8::scope!(let hs, isolate);
        let context = v8::Context::new(hs, Default::default());
        // Like Workers: no eval() or new Function() on strings.
        context.set_allow_generation_from_strings(false);
        let scope = &mut v8::ContextScope::new(hs, context);
        v8::tc_scope!(let tc, scope);

        let map = tc
            .get_slot_mut::<ModuleMap>()
            .map(|m| m as *mut ModuleMap)
            .unwrap();
        // SAFETY: the slot outlives this call and is not touched by anything else while
        // compiling; the raw pointer only releases the borrow of `tc` held by get_slot_mut.
        let compiled = unsafe { &mut *map }.compile(tc, &main_name)?;
        let Some(module) = compiled else {
            return Err(take_exception(tc));
        };
        if module.instantiate_module(tc, resolve_callback) != Some(true) {
            return Err(take_exception(tc));
        }
        let Some(evaluated) = module.evaluate(tc) else {
            return Err(take_exception(tc));
        };
        settle(tc, evaluated, || {
            format!("top-level await in {main_name:?}")
        })?;
        let ns: v8::Local<v8::Object> = module.get_module_namespace().try_into().unwrap();
        self.main = Some(v8::Global::new(tc, ns));
        self.context = Some(v8::Global::new(tc, context));
        Ok(())
    }

    /// Calls `method` on the export `export` (default: `default`) with `args`, awaiting a
    /// returned promise.
    pub fn call(&mut self, export: Option<&str>, method: &str, args: &[Value]) -> Result<Value> {
        let (Some(context), Some(main)) = (self.context.as_ref(), self.main.as_ref()) else {
            return Err(Error::Closed("the worker failed to load".into()));
        };
        let main_name = self.main_name.clone();
        let entered = Entered::new(&mut self.isolate);
        let isolate = &mut *entered.0;
        v8::scope!(let hs, isolate);
        let context = v8::Local::new(hs, context);
        let scope = &mut v8::ContextScope::new(hs, context);
        v8::tc_scope!(let tc, scope);
        let ns = v8::Local::new(tc, main);
        let export = export.unwrap_or("default");
        let key = v8::String::new(tc, export).unwrap();
        let Some(target) = ns.get(tc, key.into()) else {
            return Err(take_exception(tc));
        };
        let Ok(target) = v8::Local::<v8::Object>::try_from(target) else {
            return Err(Error::Worker(format!(
                "module {main_name:?} has no export named {export:?} that is an object"
            )));
        };
        let key = v8::String::new(tc, method).unwrap();
        let Some(func) = target.get(tc, key.into()) else {
            return Err(take_exception(tc));
        };
        let Ok(func) = v8::Local::<v8::Function>::try_from(func) else {
            return Err(Error::Worker(format!(
                "export {export:?} of {main_name:?} has no method {method:?}"
            )));
        };
        let argv: Vec<_> = args.iter().map(|a| value::to_v8(tc, a)).collect();
        let Some(result) = func.call(tc, target.into(), &argv) else {
            return Err(take_exception(tc));
        };
        let result = settle(tc, result, || format!("{export}.{method}()"))?;
        match value::from_v8(tc, result) {
            Ok(v) => Ok(v),
            Err(FromV8Error::Unsupported(why)) => Err(Error::Conversion(format!(
                "return value of {export}.{method}(): {why}"
            ))),
            Err(FromV8Error::Threw) => Err(take_exception(tc)),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.context = None;
        self.main = None;
        // SAFETY: OwnedIsolate's drop exits the isolate and requires it to be the current one;
        // it was exited after every use, so enter it once more for the disposal.
        unsafe { self.isolate.enter() };
    }
}

/// Runs microtasks until `value` (if it is a promise) settles. With no host work outstanding a
/// promise still pending after the microtask queue drains can never settle.
fn settle<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    value: v8::Local<'s, v8::Value>,
    what: impl FnOnce() -> String,
) -> Result<v8::Local<'s, v8::Value>> {
    tc.perform_microtask_checkpoint();
    if tc.has_terminated() || tc.is_execution_terminating() {
        return Err(take_exception(tc));
    }
    let Ok(promise) = v8::Local::<v8::Promise>::try_from(value) else {
        return Ok(value);
    };
    match promise.state() {
        v8::PromiseState::Fulfilled => Ok(promise.result(tc)),
        v8::PromiseState::Rejected => {
            let reason = promise.result(tc);
            Err(Error::Js(js_error_from_value(tc, reason, None)))
        }
        v8::PromiseState::Pending => Err(Error::Worker(format!(
            "the promise returned by {} never settled: nothing is left that could resolve it",
            what()
        ))),
    }
}

/// Turns the TryCatch's pending exception (or termination) into an `Error`.
fn take_exception(tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, '_, v8::HandleScope<'_>>>) -> Error {
    let out_of_memory = tc
        .get_slot::<Box<HeapGuard>>()
        .is_some_and(|g| g.hit.load(std::sync::atomic::Ordering::SeqCst));
    if out_of_memory {
        return Error::OutOfMemory(format!(
            "the worker exceeded its memory limit of {} MiB and was terminated",
            DEFAULT_HEAP_LIMIT >> 20
        ));
    }
    if tc.has_terminated() || tc.is_execution_terminating() {
        return Error::Terminated("execution was terminated".into());
    }
    let Some(exception) = tc.exception() else {
        return Error::Worker("JavaScript failed without an exception".into());
    };
    let location = tc.message().map(|m| {
        let file = m
            .get_script_resource_name(tc)
            .map(|n| n.to_rust_string_lossy(tc))
            .unwrap_or_default();
        let line = m.get_line_number(tc).unwrap_or(0);
        let col = m.get_start_column() + 1;
        format!("{file}:{line}:{col}")
    });
    Error::Js(js_error_from_value(tc, exception, location))
}

/// Reads `name`, `message` and `stack` off a thrown value. Reading can run hostile getters, so
/// each read is guarded and falls back to a plain string conversion.
fn js_error_from_value<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    exception: v8::Local<'s, v8::Value>,
    location: Option<String>,
) -> JsError {
    v8::tc_scope!(let tc, scope);
    let read = |obj: v8::Local<v8::Object>, key: &str| -> Option<String> {
        let k = v8::String::new(tc, key).unwrap();
        let v = obj.get(tc, k.into())?;
        v.is_string().then(|| v.to_rust_string_lossy(tc))
    };
    let (name, message, stack) = match v8::Local::<v8::Object>::try_from(exception) {
        Ok(obj)
            if exception.is_native_error()
                || obj.has_own_property(tc, v8::String::new(tc, "message").unwrap().into())
                    == Some(true) =>
        {
            let name = read(obj, "name").unwrap_or_else(|| "Error".into());
            let message = read(obj, "message").unwrap_or_default();
            let stack = read(obj, "stack");
            (name, message, stack)
        }
        _ => {
            let text = exception
                .to_string(tc)
                .map(|s| s.to_rust_string_lossy(tc))
                .unwrap_or_default();
            ("Error".into(), text, None)
        }
    };
    tc.reset();
    let stack = match (stack, location) {
        (Some(s), Some(loc)) if !s.contains("\n    at ") => Some(format!("{s}\n    at {loc}")),
        (None, Some(loc)) => Some(format!("{name}: {message}\n    at {loc}")),
        (s, _) => s,
    };
    JsError {
        name,
        message,
        stack,
    }
}

/// Near the heap cap: ask V8 to terminate the running script and grant headroom so the
/// termination can unwind instead of V8 aborting the process on OOM.
unsafe extern "C" fn near_heap_limit(
    data: *mut std::ffi::c_void,
    current: usize,
    _initial: usize,
) -> usize {
    // SAFETY: `data` points at the HeapGuard boxed in the isolate's slot, which outlives every
    // callback of that isolate.
    let guard = unsafe { &*(data as *const HeapGuard) };
    guard.hit.store(true, std::sync::atomic::Ordering::SeqCst);
    guard.handle.terminate_execution();
    current + (64 << 20)
}
