//! How a call enters a worker's JavaScript: the export and its receiver (an object, or a
//! `WorkerEntrypoint` class constructed per call), the method RPC may call, the arguments
//! converted under one budget, and `fetch` adapted through the runtime's `serveFetch`. Isolate
//! thread only; `Worker::call` runs it inside the worker's context.

use super::exception;
use super::worker::JsState;
use super::{Call, CallKind};
use crate::convert::{self, Budget, ConversionError};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::ops::hook_in as hook;

/// Starts `call` in the worker's context. As in Workers, an object export's method gets
/// `(...args, env, ctx)`; a class export (a `WorkerEntrypoint`) is constructed per call with
/// `(ctx, env)` and its method gets `args`; a fetch goes through the runtime's `serveFetch`,
/// which adapts Request and Response; a body read goes to the runtime's table of streamed
/// bodies. The result, adopted as a promise, is what `settle` awaits.
pub(super) fn begin_call<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    js: &JsState,
    call: &Call,
    limits: Limits,
    what: &str,
) -> Result<v8::Global<v8::Promise>> {
    if let CallKind::Body { id, cancel } = call.kind {
        return body_call(tc, js, id, cancel);
    }
    // A call starts outside every AsyncLocalStorage store (node:async_hooks keeps them in V8's
    // continuation-preserved data), as a request does in Workers: what an earlier call entered
    // with `enterWith` is not this one's.
    let undefined = v8::undefined(tc);
    tc.set_continuation_preserved_embedder_data(undefined.into());
    let export = call.export.as_deref().unwrap_or("default");
    let Some(main) = js.main.as_ref() else {
        return Err(Error::Worker("the worker has not finished loading".into()));
    };
    let ns = v8::Local::new(tc, main);
    let no_export = || {
        Error::Worker(format!(
            "module {:?} has no export named {:?} that is an object or class",
            js.main_name,
            shown(export)
        ))
    };
    // A name V8 cannot hold as a string names no export.
    let Some(key) = v8::String::new(tc, export) else { return Err(no_export()) };
    let Some(mut target) = ns.get(tc, key.into()) else {
        return Err(exception::take(tc));
    };
    if export != "default" && js.main_name == crate::python::MAIN {
        target = python_entrypoint(tc, ns, key)?;
    }
    let hooks = v8::Local::new(tc, js.hooks.as_ref().expect("hooks exist when alive"));
    let env = v8::Local::new(tc, js.env.as_ref().expect("env exists when alive"));
    // One budget for everything this call hands in.
    let mut budget = Budget::new(limits);
    let props = convert::to_v8(tc, &call.props, &mut budget).map_err(|e| conversion_error(tc, "props", e))?;
    let Some(ctx) = hook(tc, hooks, "makeContext").and_then(|f| f.call(tc, hooks.into(), &[props])) else {
        return Err(exception::take(tc));
    };
    let mut argv = Vec::with_capacity(call.args.len() + 2);
    for (i, arg) in call.args.iter().enumerate() {
        let arg = convert::to_v8(tc, arg, &mut budget);
        argv.push(arg.map_err(|e| conversion_error(tc, &format!("argument {} of {what}", i + 1), e))?);
    }
    let (receiver, extra) = if let Ok(class) = v8::Local::<v8::Function>::try_from(target) {
        match class.new_instance(tc, &[ctx, env]) {
            Some(instance) => (instance, vec![]),
            None => return Err(exception::take(tc)),
        }
    } else if let Ok(object) = v8::Local::<v8::Object>::try_from(target) {
        (object, vec![env, ctx])
    } else {
        return Err(no_export());
    };
    let method = &call.method;
    let Some(mut func) = lookup_method(tc, receiver, method)? else {
        return Err(Error::Worker(format!(
            "export {:?} of {:?} has no method {:?}",
            shown(export),
            js.main_name,
            shown(method)
        )));
    };
    let mut this: v8::Local<v8::Value> = receiver.into();
    if let CallKind::Fetch { streamed } = call.kind {
        // serveFetch(receiver, wire request, [env, ctx] or [], streamed).
        let Some(serve) = hook(tc, hooks, "serveFetch") else { return Err(exception::take(tc)) };
        let extra = v8::Array::new_with_elements(tc, &extra);
        argv = vec![
            receiver.into(),
            argv.first().copied().unwrap_or_else(|| v8::undefined(tc).into()),
            extra.into(),
            v8::Boolean::new(tc, streamed).into(),
        ];
        (func, this) = (serve, hooks.into());
    } else {
        argv.extend(extra);
    }
    let Some(result) = func.call(tc, this, &argv) else {
        return Err(exception::take(tc));
    };
    let promise = adopt(tc, result)?;
    Ok(v8::Global::new(tc, promise))
}

/// A Python worker's class entrypoint: its bridge exports one object per `WorkerEntrypoint`
/// class under `entrypoints` (an ES module cannot export names it learns at run time).
fn python_entrypoint<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    ns: v8::Local<'s, v8::Object>,
    key: v8::Local<'s, v8::String>,
) -> Result<v8::Local<'s, v8::Value>> {
    let name = v8::String::new(tc, "entrypoints").unwrap();
    let Some(table) = ns.get(tc, name.into()) else { return Err(exception::take(tc)) };
    let Ok(table) = v8::Local::<v8::Object>::try_from(table) else { return Ok(v8::undefined(tc).into()) };
    table.get(tc, key.into()).ok_or_else(|| exception::take(tc))
}

/// `hooks.http.readHostBody(id)` or `cancelHostBody(id)`: a promise of the next chunk (or null).
fn body_call<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    js: &JsState,
    id: u64,
    cancel: bool,
) -> Result<v8::Global<v8::Promise>> {
    let hooks = v8::Local::new(tc, js.hooks.as_ref().expect("hooks exist when alive"));
    let name = if cancel { "cancelHostBody" } else { "readHostBody" };
    let http = v8::String::new(tc, "http").unwrap();
    let http = hooks.get(tc, http.into()).and_then(|h| v8::Local::<v8::Object>::try_from(h).ok());
    let Some(func) = http.and_then(|http| hook(tc, http, name)) else { return Err(exception::take(tc)) };
    // Ids are small counters; a number holds them exactly.
    let id = v8::Number::new(tc, id as f64);
    let Some(result) = func.call(tc, hooks.into(), &[id.into()]) else { return Err(exception::take(tc)) };
    let promise = adopt(tc, result)?;
    Ok(v8::Global::new(tc, promise))
}

/// `result` as a promise: thenables are adopted like `await` would; plain values settle at once.
fn adopt<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    result: v8::Local<'s, v8::Value>,
) -> Result<v8::Local<'s, v8::Promise>> {
    match v8::Local::<v8::Promise>::try_from(result) {
        Ok(p) => Ok(p),
        Err(_) => {
            let Some(resolver) = v8::PromiseResolver::new(tc) else { return Err(exception::take(tc)) };
            resolver.resolve(tc, result);
            Ok(resolver.get_promise(tc))
        }
    }
}

/// The most of an export's or method's name an error message quotes, in bytes.
const MAX_QUOTED_NAME: usize = 256;

/// `name` as an error message quotes it.
fn shown(name: &str) -> std::borrow::Cow<'_, str> {
    crate::value::truncated(name, MAX_QUOTED_NAME)
}

/// The method `name` of `receiver`, if it has one that RPC may call: not `constructor` and not
/// anything every object inherits from `Object.prototype`.
fn lookup_method<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    receiver: v8::Local<'s, v8::Object>,
    name: &str,
) -> Result<Option<v8::Local<'s, v8::Function>>> {
    if name == "constructor" {
        return Ok(None);
    }
    // A name V8 cannot hold as a string names no method. A service binding's caller names it
    // with any string its JavaScript makes, and UTF-8 can take three bytes a character.
    let Some(key) = v8::String::new(tc, name) else { return Ok(None) };
    let Some(found) = receiver.get(tc, key.into()) else { return Err(exception::take(tc)) };
    let Ok(func) = v8::Local::<v8::Function>::try_from(found) else { return Ok(None) };
    let inherited = v8::Object::new(tc)
        .get_prototype(tc)
        .and_then(|p| v8::Local::<v8::Object>::try_from(p).ok())
        .and_then(|p| p.get(tc, key.into()))
        .is_some_and(|p| p.strict_equals(func.into()));
    Ok((!inherited).then_some(func))
}

/// A value that could not cross into or out of this isolate as the caller's error: `what` says
/// which value; an exception or termination met on the way is taken from the TryCatch.
pub(super) fn conversion_error(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, '_, v8::HandleScope<'_>>>,
    what: &str,
    e: ConversionError,
) -> Error {
    match e {
        ConversionError::Refused(why) => Error::Conversion(format!("{what}: {why}")),
        ConversionError::Threw => exception::take(tc),
    }
}
