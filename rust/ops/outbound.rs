//! The JavaScript side of `HttpOutbound`: the function the bootstrap's `fetch()` calls as
//! `hooks.outbound(wire)`. It converts the wire request, hands it to the outbound runtime and
//! returns a promise that the isolate thread settles when the answer comes back (as a
//! `HostDone` command, like host calls). Runs on the isolate's thread.
//!
//! A body longer than its first piece stays on the wire: the answer names it (`stream`), and
//! `ops.httpBodyRead(id)` reads it a piece at a time the same way, so a worker holds no more of a
//! download than it has read. Its bodies are dropped with the worker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::convert::{self, Budget, ConversionError};
use crate::ops;
use crate::outbound::{BodyReader, HttpOutbound, RedirectMode, WireRequest, WireResponse, runtime};
use crate::value::HostError;

/// Bodies left unread past this many are refused: each holds a connection until the worker ends.
const MAX_OPEN_BODIES: usize = 64;

/// A worker's response bodies still being read, shared with the outbound runtime's tasks.
#[derive(Default, Clone)]
pub struct OpenBodies(Arc<Mutex<Bodies>>);

#[derive(Default)]
struct Bodies {
    last: u64,
    /// None while a read has the reader out.
    open: HashMap<u64, Option<BodyReader>>,
}

impl OpenBodies {
    fn lock(&self) -> std::sync::MutexGuard<'_, Bodies> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, reader: BodyReader) -> Result<u64, HostError> {
        let mut bodies = self.lock();
        if bodies.open.len() >= MAX_OPEN_BODIES {
            return Err(HostError {
                name: "TypeError".into(),
                message: format!(
                    "fetch: {MAX_OPEN_BODIES} response bodies are unread; read or cancel them first"
                ),
            });
        }
        bodies.last += 1;
        let id = bodies.last;
        bodies.open.insert(id, Some(reader));
        Ok(id)
    }
}
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
    let bodies = ops::state(scope).http_bodies.clone();
    runtime().spawn(async move {
        let result = match client.send(request).await {
            Ok(response) => response_value(response, &bodies),
            Err(e) => Err(e),
        };
        answer(call_id, result);
    });
}

/// `ops.httpBodyRead(id)`: a promise of the body's next piece (a Uint8Array), or of null at its end.
pub fn op_body_read<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(resolver) = v8::PromiseResolver::new(scope) else { return };
    rv.set(resolver.get_promise(scope).into());
    let id = args.get(0).number_value(scope).unwrap_or(0.0) as u64;
    let bodies = ops::state(scope).http_bodies.clone();
    let taken = bodies.lock().open.get_mut(&id).and_then(Option::take);
    let Some(mut reader) = taken else {
        return ops::reject(scope, resolver, true, "fetch: the response body is closed or being read");
    };
    let global = v8::Global::new(scope, resolver);
    let call_id = ops::state(scope).begin_host_call(global);
    let answer = ops::state(scope).link.answer.clone();
    runtime().spawn(async move {
        let piece = reader.next().await;
        let mut open = bodies.lock();
        let result = match piece {
            Ok(Some(bytes)) => {
                // Unless it was cancelled meanwhile.
                if let Some(slot) = open.open.get_mut(&id) {
                    *slot = Some(reader);
                }
                Ok(Value::Bytes(bytes))
            }
            Ok(None) => {
                open.open.remove(&id);
                Ok(Value::Null)
            }
            Err(e) => {
                open.open.remove(&id);
                Err(e)
            }
        };
        drop(open);
        answer(call_id, result);
    });
}

/// `ops.httpBodyCancel(id)`: the worker stopped reading; the connection is dropped.
pub fn op_body_cancel(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).number_value(scope).unwrap_or(0.0) as u64;
    let bodies = ops::state(scope).http_bodies.clone();
    bodies.lock().open.remove(&id);
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

/// The answer in wire form; a body left on the wire is registered and named by `stream`.
fn response_value(r: WireResponse, bodies: &OpenBodies) -> Result<Value, HostError> {
    let stream = match r.rest {
        Some(reader) => Value::Number(bodies.add(reader)? as f64),
        None => Value::Null,
    };
    let headers =
        r.headers.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), Value::String(v)])).collect();
    Ok(Value::Object(vec![
        ("status".into(), Value::Number(r.status as f64)),
        ("statusText".into(), Value::String(r.status_text)),
        ("headers".into(), Value::Array(headers)),
        ("body".into(), Value::Bytes(r.body)),
        ("stream".into(), stream),
        ("url".into(), Value::String(r.url)),
        ("redirected".into(), Value::Bool(r.redirected)),
    ]))
}
