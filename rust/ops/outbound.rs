//! The JavaScript side of `HttpOutbound`: the function the bootstrap's `fetch()` calls as
//! `hooks.outbound(wire)`. It converts the wire request, hands it to the outbound runtime and
//! returns a promise that the isolate thread settles when the answer comes back (as a
//! `HostDone` command, like host calls). Runs on the isolate's thread.

use std::sync::Arc;

use crate::convert::{self, Budget, ConversionError};
use crate::ops;
use crate::outbound::{HttpOutbound, RedirectMode, WireRequest, WireResponse, runtime};
use crate::value::Value;

/// None if V8 cannot make the function (the isolate is being terminated): the worker then has
/// no way out, as with a closed outbound.
pub fn fetch_function<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    client: Arc<HttpOutbound>,
) -> Option<v8::Local<'s, v8::Function>> {
    ops::state(scope).http = Some(client);
    v8::Function::new(scope, fetch)
}

fn fetch<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    // No resolver while the isolate is being terminated: nothing is sent, and the caller's
    // JavaScript is unwinding anyway.
    let Some(resolver) = v8::PromiseResolver::new(scope) else { return };
    rv.set(resolver.get_promise(scope).into());
    let mut budget = Budget::of(scope);
    let request = match convert::from_v8(scope, args.get(0), &mut budget) {
        Ok(value) => wire_request(value),
        // An exception (or termination) is pending: it is the caller's, not a rejection.
        Err(ConversionError::Threw) => return,
        Err(ConversionError::Refused(_)) => None,
    };
    let Some(request) = request else {
        return ops::reject(scope, resolver, true, "fetch: malformed request");
    };
    let state = ops::state(scope);
    let (client, link) = (state.http.clone(), state.link.clone());
    let Some(client) = client else {
        return ops::reject(scope, resolver, false, "fetch: this worker has no HTTP outbound");
    };
    let global = v8::Global::new(scope, resolver);
    let call_id = ops::state(scope).begin_host_call(global);
    let answer = link.answer.clone();
    runtime().spawn(async move {
        let result = client.send(request).await.map(response_value);
        answer(call_id, result);
    });
}

fn wire_request(value: Value) -> Option<WireRequest> {
    let Value::Object(fields) = value else { return None };
    let mut request = WireRequest {
        method: "GET".into(),
        url: String::new(),
        headers: Vec::new(),
        body: None,
        redirect: RedirectMode::Follow,
    };
    for (k, v) in fields {
        match (k.as_str(), v) {
            ("method", Value::String(s)) => request.method = s,
            ("url", Value::String(s)) => request.url = s,
            ("body", Value::Bytes(b)) => request.body = Some(b),
            ("redirect", Value::String(s)) => {
                request.redirect = match s.as_str() {
                    "error" => RedirectMode::Error,
                    "manual" => RedirectMode::Manual,
                    _ => RedirectMode::Follow,
                }
            }
            ("headers", Value::Array(pairs)) => {
                for pair in pairs {
                    if let Value::Array(kv) = pair
                        && let Ok([Value::String(k), Value::String(v)]) = <[Value; 2]>::try_from(kv)
                    {
                        request.headers.push((k, v));
                    }
                }
            }
            _ => {}
        }
    }
    (!request.url.is_empty()).then_some(request)
}

fn response_value(r: WireResponse) -> Value {
    let headers =
        r.headers.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), Value::String(v)])).collect();
    Value::Object(vec![
        ("status".into(), Value::Number(r.status as f64)),
        ("statusText".into(), Value::String(r.status_text)),
        ("headers".into(), Value::Array(headers)),
        ("body".into(), Value::Bytes(r.body)),
        ("url".into(), Value::String(r.url)),
        ("redirected".into(), Value::Bool(r.redirected)),
    ])
}
