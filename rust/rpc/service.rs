//! Service bindings: another worker's entrypoint in `env`. The stub is a Proxy whose every
//! property (but `then`, so awaiting the stub itself does not treat it as a promise) is a method
//! that sends a `Call` straight to the target worker's thread; the answer comes back to this
//! isolate as a `HostDone`. No Python runs in between. `fetch` goes to the target's fetch
//! handler, with the Request and Response in wire form (see js/12_fetch.js). Isolate thread only.

use super::HostError;
use crate::convert::{self, Budget, ConversionError};
use crate::ops;
use crate::value::{Service, Value};

pub fn stub<'s>(scope: &mut v8::PinScope<'s, '_>, service: Service) -> v8::Local<'s, v8::Value> {
    // One entry per distinct binding, however often it is handed in (an entrypoint passed as an
    // argument on every call must not grow the list).
    let state = ops::state(scope);
    let index = match state.services.iter().position(|s| *s == service) {
        Some(known) => known,
        None => {
            state.services.push(service);
            state.services.len() - 1
        }
    };
    let null = v8::null(scope);
    let target = v8::Object::with_prototype_and_properties(scope, null.into(), &[], &[]);
    let handler = v8::Object::new(scope);
    let index = v8::Number::new(scope, index as f64);
    // Fails only while the isolate is being terminated; then the binding is simply absent.
    let Some(get) = v8::Function::builder(get_trap).data(index.into()).build(scope) else {
        return v8::undefined(scope).into();
    };
    let key = v8::String::new(scope, "get").expect("a short literal always fits in a V8 string");
    handler.set(scope, key.into(), get.into());
    v8::Proxy::new(scope, target, handler).map_or_else(|| v8::undefined(scope).into(), Into::into)
}

/// `proxy[name]`: a function that calls method `name` of the service; for `fetch`, one that
/// takes a Request (or a URL and init) and sends it to the service's fetch handler.
fn get_trap<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let name = args.get(1);
    // A name longer than any real method would be copied into the call and every message about
    // it; such a property is simply absent.
    if !name.is_string() || name.to_string(scope).is_none_or(|s| s.length() > MAX_METHOD_NAME) {
        return;
    }
    let name_str = name.to_rust_string_lossy(scope);
    if name_str == "then" {
        return;
    }
    let fetch = name_str == "fetch";
    let flag = v8::Boolean::new(scope, fetch);
    let data = v8::Array::new_with_elements(scope, &[args.data(), name, flag.into()]);
    let Some(method) = v8::Function::builder(call).data(data.into()).build(scope) else { return };
    if !fetch {
        rv.set(method.into());
        return;
    }
    let Some(wrap) = ops::hook(scope, "serviceFetch") else { return };
    let undefined = v8::undefined(scope);
    if let Some(fetch) = wrap.call(scope, undefined.into(), &[method.into()]) {
        rv.set(fetch);
    }
}

/// The longest method name a service binding answers for, in UTF-16 units.
const MAX_METHOD_NAME: usize = 64 << 10;

fn call<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    // No resolver while the isolate is being terminated: nothing is sent.
    let Some(resolver) = v8::PromiseResolver::new(scope) else { return };
    rv.set(resolver.get_promise(scope).into());
    let Ok(data) = v8::Local::<v8::Array>::try_from(args.data()) else { return };
    let index = data.get_index(scope, 0).and_then(|v| v.number_value(scope)).unwrap_or(-1.0);
    let method = data.get_index(scope, 1).map(|v| v.to_rust_string_lossy(scope)).unwrap_or_default();
    let shown = crate::value::truncated(&method, 256);
    let fetch = data.get_index(scope, 2).is_some_and(|v| v.is_true());
    let mut values = Vec::with_capacity(args.length() as usize);
    let mut budget = Budget::of(scope);
    for i in 0..args.length() {
        match convert::from_v8(scope, args.get(i), &mut budget) {
            Ok(v) => values.push(v),
            Err(ConversionError::Refused(why)) => {
                return ops::reject(
                    scope,
                    resolver,
                    true,
                    &format!("argument {} of {shown}(): {why}", i + 1),
                );
            }
            Err(ConversionError::Threw) => return,
        }
    }
    let state = ops::state(scope);
    let (service, link) = (state.services.get(index as usize).cloned(), state.link.clone());
    let Some(service) = service else {
        return ops::reject(scope, resolver, false, &format!("{shown}(): the service binding is gone"));
    };
    let global = v8::Global::new(scope, resolver);
    let call_id = ops::state(scope).begin_host_call(global);
    let answer = link.answer.clone();
    let reply = Box::new(move |result: crate::error::Result<Value>| {
        let result = result.map_err(|e| match e {
            crate::error::Error::Js(js) | crate::error::Error::Python(js) => {
                HostError { name: js.name, message: js.message }
            }
            other => HostError { name: "Error".into(), message: other.to_string() },
        });
        answer(call_id, result);
    });
    if let Err(e) = service.worker.send(service.export, method, values, fetch, reply) {
        // The target's loader is gone; the reply was dropped unanswered, so answer here.
        (link.answer)(call_id, Err(HostError { name: "Error".into(), message: e.to_string() }));
    }
}
