//! Stubs: the JavaScript face of host objects. A target becomes a frozen object whose methods
//! (only those the host listed) are native functions; a host function becomes one native
//! function. Calling either converts the arguments to owned `Value`s, registers a pending
//! promise in `OpState` and hands a `HostCall` to the host. Runs on the isolate's thread.

use super::{HostCall, HostReply};
use crate::convert::{self, Budget, ConversionError};
use crate::ops;

pub fn target<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    id: u64,
    methods: &[String],
) -> v8::Local<'s, v8::Object> {
    let null = v8::null(scope);
    let obj = v8::Object::with_prototype_and_properties(scope, null.into(), &[], &[]);
    for method in methods {
        // No JavaScript could name a method V8 cannot hold as a string.
        let Some(name) = v8::String::new(scope, method) else { continue };
        let func = stub_function(scope, id, Some(name));
        obj.create_data_property(scope, name.into(), func.into());
    }
    obj.set_integrity_level(scope, v8::IntegrityLevel::Frozen);
    obj
}

pub fn function<'s>(scope: &mut v8::PinScope<'s, '_>, id: u64) -> v8::Local<'s, v8::Function> {
    stub_function(scope, id, None)
}

fn stub_function<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    id: u64,
    method: Option<v8::Local<'s, v8::String>>,
) -> v8::Local<'s, v8::Function> {
    let id = v8::Number::new(scope, id as f64);
    let method: v8::Local<v8::Value> = match method {
        Some(m) => m.into(),
        None => v8::undefined(scope).into(),
    };
    let data = v8::Array::new_with_elements(scope, &[id.into(), method]);
    let func = v8::Function::builder(call)
        .data(data.into())
        .build(scope)
        .expect("V8 makes a function from a callback without running JavaScript, so it cannot fail");
    if let Ok(name) = v8::Local::<v8::String>::try_from(method) {
        func.set_name(name);
    }
    func
}

/// The native body of every stub: returns a promise settled when the host answers.
fn call<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Ok(data) = v8::Local::<v8::Array>::try_from(args.data()) else { return };
    let target = data.get_index(scope, 0).and_then(|v| v.number_value(scope)).unwrap_or(0.0) as u64;
    let method = data.get_index(scope, 1).filter(|v| v.is_string()).map(|v| v.to_rust_string_lossy(scope));
    let Some(resolver) = v8::PromiseResolver::new(scope) else { return };
    rv.set(resolver.get_promise(scope).into());
    let mut values = Vec::with_capacity(args.length() as usize);
    let mut budget = Budget::of(scope);
    for i in 0..args.length() {
        match convert::from_v8(scope, args.get(i), &mut budget) {
            Ok(v) => values.push(v),
            Err(ConversionError::Refused(why)) => {
                let label = method.as_deref().unwrap_or("function");
                return ops::reject(
                    scope,
                    resolver,
                    true,
                    &format!("argument {} of {label}(): {why}", i + 1),
                );
            }
            Err(ConversionError::Threw) => return,
        }
    }
    let link = ops::state(scope).link.clone();
    let Some(host) = link.host.clone() else {
        return ops::reject(scope, resolver, false, "this worker has no host to call");
    };
    let global = v8::Global::new(scope, resolver);
    let call_id = ops::state(scope).begin_host_call(global);
    let answer = link.answer.clone();
    let reply = HostReply::new(move |result| answer(call_id, result));
    host.call(HostCall { worker: link.worker, target, method, args: values }, reply);
}
