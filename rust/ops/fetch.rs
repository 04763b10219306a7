//! The op behind `Request`'s method: the Fetch standard's normalization and forbidden methods,
//! decided in Rust (`outbound::request`) so that no replaced built-in can wave TRACE through.
//! Runs on the isolate's thread.

use crate::outbound::request::normalize_method;

/// `ops.normalizeMethod(string)`: the normalized method, or a thrown `TypeError`.
pub fn op_normalize_method(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let method = args.get(0).to_rust_string_lossy(scope);
    match normalize_method(&method) {
        Ok(method) => {
            let method = v8::String::new(scope, &method)
                .expect("a normalized method is an ASCII token no longer than the JS string it came from");
            rv.set(method.into())
        }
        Err(message) => super::throw_type_error(scope, &message),
    }
}
