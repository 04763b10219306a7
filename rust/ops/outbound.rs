//! The JavaScript side of `HttpOutbound`: the function the bootstrap's `fetch()` calls as
//! `hooks.outbound(wire)`. It converts the wire request, hands it to the outbound runtime and
//! returns a promise that the isolate thread settles when the answer comes back (as a
//! `HostDone` command, like host calls). Runs on the isolate's thread.
//!
//! A body longer than its first piece stays on the wire: the answer names it (`stream`), and
//! `ops.httpBodyRead(id)` reads it a piece at a time the same way, so a worker holds no more of a
//! download than it has read. Its bodies are dropped with the worker.
//!
//! A request body that is a stream goes out the same way in reverse: `ops.httpUploadOpen()` names
//! an upload the wire request carries (`upload`), the runtime's JS writes each chunk it reads with
//! `ops.httpUploadWrite(id, bytes)` (a promise settling once the connection has room for it, true
//! while the request still wants more) and ends it with `ops.httpUploadEnd(id, failed)`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::convert::{self, Budget, ConversionError};
use crate::ops;
use crate::outbound::{
    BodyReader, HttpOutbound, RedirectMode, RequestBody, Upload, UploadSender, WireRequest, WireResponse,
    runtime, upload,
};
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

/// Uploads open past this many are refused: each is a request in flight.
const MAX_OPEN_UPLOADS: usize = 64;

/// A worker's streamed request bodies: the worker's end of each, and the connection's end until
/// the request that carries it is sent.
#[derive(Default)]
pub struct OpenUploads {
    last: u64,
    open: HashMap<u64, (UploadSender, Option<Upload>)>,
}

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
        Ok(value) => wire_request(value, &mut ops::state(scope).http_uploads),
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

/// `ops.httpUploadOpen()`: a new upload's id, or null when this worker's way out is not an
/// HttpOutbound (which alone takes a body still streaming).
pub fn op_upload_open(
    scope: &mut v8::PinScope,
    _args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let state = ops::state(scope);
    if state.http.is_none() {
        return rv.set_null();
    }
    let uploads = &mut state.http_uploads;
    if uploads.open.len() >= MAX_OPEN_UPLOADS {
        let message = format!("fetch: {MAX_OPEN_UPLOADS} streamed request bodies are still being sent");
        return ops::throw_type_error(scope, &message);
    }
    uploads.last += 1;
    let id = uploads.last;
    let (sender, body) = upload();
    uploads.open.insert(id, (sender, Some(body)));
    rv.set_double(id as f64);
}

/// `ops.httpUploadWrite(id, bytes)`: a promise of true once the connection has room for the
/// chunk, or of false when the request no longer wants it (ended, failed, or not sent).
pub fn op_upload_write<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(resolver) = v8::PromiseResolver::new(scope) else { return };
    rv.set(resolver.get_promise(scope).into());
    let id = args.get(0).number_value(scope).unwrap_or(0.0) as u64;
    let Ok(chunk) = v8::Local::<v8::Uint8Array>::try_from(args.get(1)) else {
        return ops::reject(scope, resolver, true, "fetch: a request body's chunks must be Uint8Arrays");
    };
    let mut piece = vec![0; chunk.byte_length()];
    chunk.copy_contents(&mut piece);
    let Some(sender) = ops::state(scope).http_uploads.open.get(&id).map(|(sender, _)| sender.clone()) else {
        let no = v8::Boolean::new(scope, false);
        resolver.resolve(scope, no.into());
        return;
    };
    let global = v8::Global::new(scope, resolver);
    let call_id = ops::state(scope).begin_host_call(global);
    let answer = ops::state(scope).link.answer.clone();
    runtime().spawn(async move {
        let wanted = sender.send(piece).await;
        answer(call_id, Ok(Value::Bool(wanted)));
    });
}

/// `ops.httpUploadEnd(id, failed)`: the body ended, or (failed) its stream errored or was
/// abandoned, which fails the request rather than sending a truncated body as if complete.
pub fn op_upload_end(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).number_value(scope).unwrap_or(0.0) as u64;
    let failed = args.get(1).boolean_value(scope);
    let Some((sender, _)) = ops::state(scope).http_uploads.open.remove(&id) else { return };
    if failed {
        runtime().spawn(sender.fail("the request body's stream failed before it ended".into()));
    }
}

fn wire_request(value: Value, uploads: &mut OpenUploads) -> Option<WireRequest> {
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
            ("body", Value::Bytes(b)) => request.body = Some(RequestBody::Bytes(b)),
            // An upload goes out with one request only.
            ("upload", Value::Number(id)) => {
                let body = uploads.open.get_mut(&(id as u64)).and_then(|(_, body)| body.take());
                request.body = Some(RequestBody::Streamed(body?));
            }
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
