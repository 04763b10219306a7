//! Turning a caught JavaScript exception (or a termination) into an engine `Error`. Runs on the
//! isolate's thread.

use crate::error::{Error, JsError};
use crate::heap::HeapGuard;
use crate::modules::ModuleMap;
use crate::watchdog::Termination;

/// The TryCatch's pending exception, termination or heap-limit hit as an `Error`.
pub fn take(tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, '_, v8::HandleScope<'_>>>) -> Error {
    if let Some(e) = HeapGuard::reached(tc) {
        return e;
    }
    // A recorded reason means the watchdog terminated this isolate, whatever V8's flags say by
    // now (termination can be cleared once the last JS frame unwinds).
    if let Some(reason) = tc.get_slot::<Termination>().and_then(Termination::get) {
        return reason;
    }
    if tc.has_terminated() || tc.is_execution_terminating() {
        return Error::Terminated("execution was terminated".into());
    }
    let Some(exception) = tc.exception() else {
        return Error::Worker("JavaScript failed without an exception".into());
    };
    let location = tc.message().map(|m| {
        let file = m.get_script_resource_name(tc).map(|n| n.to_rust_string_lossy(tc)).unwrap_or_default();
        let line = m.get_line_number(tc).unwrap_or(0);
        let col = m.get_start_column() + 1;
        format!("{file}:{line}:{col}")
    });
    Error::Js(from_value(tc, exception, location))
}

/// Reads `name`, `message` and `stack` off a thrown value. Reading can run hostile getters, so
/// each read is guarded and falls back to a plain string conversion.
pub fn from_value<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    exception: v8::Local<'s, v8::Value>,
    location: Option<String>,
) -> JsError {
    v8::tc_scope!(let tc, scope);
    let read = |tc: &mut v8::PinScope<'_, '_>, obj: v8::Local<v8::Object>, key: &str| -> Option<String> {
        let k = v8::String::new(tc, key).unwrap();
        let v = obj.get(tc, k.into())?;
        let s = v8::Local::<v8::String>::try_from(v).ok()?;
        Some(bounded(tc, s))
    };
    let error_like = match v8::Local::<v8::Object>::try_from(exception) {
        Ok(obj) => {
            let message_key = v8::String::new(tc, "message").unwrap();
            (exception.is_native_error() || obj.has(tc, message_key.into()) == Some(true)).then_some(obj)
        }
        Err(_) => None,
    };
    let (name, message, stack) = match error_like {
        Some(obj) => (
            read(tc, obj, "name").unwrap_or_else(|| "Error".into()),
            read(tc, obj, "message").unwrap_or_default(),
            read(tc, obj, "stack"),
        ),
        None => {
            let text = exception.to_string(tc).map(|s| bounded(tc, s)).unwrap_or_default();
            ("Error".into(), text, None)
        }
    };
    tc.reset();
    let stack = match (stack, location) {
        (Some(s), Some(loc)) if !s.contains("\n    at ") => Some(format!("{s}\n    at {loc}")),
        (None, Some(loc)) => Some(format!("{name}: {message}\n    at {loc}")),
        (s, _) => s,
    };
    let stack = match (stack, tc.get_slot::<ModuleMap>()) {
        (Some(s), Some(map)) => Some(map.map_stack(s)),
        (s, _) => s,
    };
    JsError { name, message, stack }
}

/// The most UTF-16 units of a thrown value's name, message or stack that reach the host: a tenant
/// can throw a string of V8's maximum length (half a gigabyte), and copying it out would cost
/// the host that much outside the worker's memory limit.
const MAX_ERROR_TEXT: usize = 64 << 10;

/// `s` as Rust text, cut to `MAX_ERROR_TEXT` units with a note of how much was cut.
fn bounded(scope: &mut v8::PinScope<'_, '_>, s: v8::Local<v8::String>) -> String {
    let len = s.length();
    if len <= MAX_ERROR_TEXT {
        return s.to_rust_string_lossy(scope);
    }
    let mut units = vec![0u16; MAX_ERROR_TEXT];
    s.write_v2(scope, 0, &mut units, v8::WriteFlags::empty());
    format!("{}… ({} more characters)", String::from_utf16_lossy(&units), len - MAX_ERROR_TEXT)
}
