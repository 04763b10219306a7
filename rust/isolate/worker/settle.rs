//! `Worker::settle`: after each turn, microtasks run and every waiter whose promise settled is
//! answered (a load's module namespace kept, a call's value converted back); a worker whose
//! waiters can no longer settle, or whose turn was ended from outside, is condemned.

use super::{JsState, Worker};
use crate::convert::{self, Budget};
use crate::error::{Error, Result};
use crate::heap::HeapGuard;
use crate::isolate::Usage;
use crate::isolate::entry::conversion_error;
use crate::isolate::exception;
use crate::isolate::waiting::{Waiter, answer_with, never_settled};
use crate::limits::LimitKind;
use crate::ops::OpState;
use crate::ops::hook_in;
use crate::value::Value;
use crate::watchdog::Termination;

impl Worker {
    /// Runs microtasks, then answers every waiter whose promise settled. With no timer armed and
    /// no host call outstanding, nothing can ever settle the rest, so they get an error.
    pub fn settle(&mut self) {
        if self.js.dead.is_some() {
            return;
        }
        if self.js.waiting.is_empty() && self.js.main.is_some() {
            // Nobody waits, but the reactions still run JavaScript that V8 itself may terminate.
            let terminated = in_context!(self, |tc, _js| {
                tc.perform_microtask_checkpoint();
                (tc.has_terminated() || tc.is_execution_terminating()).then(|| exception::take(tc))
            });
            if let Some(e) = terminated {
                self.condemn(e, false);
            }
            return;
        }
        let mut answers: Vec<(Waiter, Usage, Result<Option<Value>>)> = Vec::new();
        let running = self.turn_cpu();
        let terminal = in_context!(self, |tc, js| {
            tc.perform_microtask_checkpoint();
            let terminated = tc.has_terminated()
                || tc.is_execution_terminating()
                || HeapGuard::reached(tc).is_some()
                || tc.get_slot::<Termination>().and_then(Termination::get).is_some();
            if terminated {
                let e = exception::take(tc);
                for w in js.waiting.drain(..) {
                    let usage = w.usage(running);
                    answers.push((w.waiter, usage, Err(e.clone())));
                }
                return Err(e);
            }
            let can_wake = tc.get_slot::<OpState>().is_some_and(OpState::has_pending_work);
            let mut still = Vec::new();
            for w in std::mem::take(&mut js.waiting) {
                let promise = v8::Local::new(tc, &w.promise);
                let outcome = match promise.state() {
                    // A streamed body waits for the host's reads, which nothing here can see
                    // coming; however it ends, its reader hears it on its own read.
                    v8::PromiseState::Pending if can_wake || matches!(w.waiter, Waiter::Body) => {
                        still.push(w);
                        continue;
                    }
                    _ if matches!(w.waiter, Waiter::Body) => continue,
                    v8::PromiseState::Pending => Err(never_settled(&w.waiter, &js.main_name)),
                    v8::PromiseState::Rejected => {
                        let reason = promise.result(tc);
                        let js_error = exception::from_value(tc, reason, None);
                        let exceeded = tc.get_slot::<OpState>().and_then(|s| s.subrequests_exceeded);
                        match exceeded {
                            Some(limit) if js_error.name == "SubrequestLimitExceeded" => Err(Error::Limit {
                                kind: LimitKind::Subrequests,
                                limit,
                                used: Some(limit.saturating_add(1)),
                            }),
                            // The bridge says so when Pyodide cannot run again; a guest that
                            // says it falsely only ends its own worker.
                            _ if js_error.name == "PythonFatalError"
                                && js.main_name == crate::python::MAIN =>
                            {
                                Err(Error::PythonFatal(js_error.message))
                            }
                            _ if js_error.name == "PythonError" && js.main_name == crate::python::MAIN => {
                                Err(Error::Python(js_error))
                            }
                            _ => Err(Error::Js(js_error)),
                        }
                    }
                    v8::PromiseState::Fulfilled => match &w.waiter {
                        Waiter::Load(_) => {
                            let module = js.module.as_ref().expect("load keeps the module it waits for");
                            let module = v8::Local::new(tc, module);
                            let ns: v8::Local<v8::Object> = module
                                .get_module_namespace()
                                .try_into()
                                .expect("an evaluated module's namespace is an object");
                            js.main = Some(v8::Global::new(tc, ns));
                            if js.main_name == crate::python::MAIN {
                                crate::modules::recache_runtime(tc);
                            }
                            Ok(None)
                        }
                        Waiter::Call { what, streamed, .. } => {
                            let result = promise.result(tc);
                            if *streamed && let Some(body) = streamed_body(tc, js, result) {
                                still.push(w.streaming(body));
                            }
                            let mut budget = Budget::new(w.limits);
                            convert::from_v8(tc, result, &mut budget)
                                .map(Some)
                                .map_err(|e| conversion_error(tc, &format!("return value of {what}"), e))
                        }
                        Waiter::Body => unreachable!("a streamed body's waiter is never answered"),
                    },
                };
                let usage = w.usage(running);
                answers.push((w.waiter, usage, outcome));
            }
            js.waiting = still;
            Ok(())
        });
        // A conversion stopped by termination (the watchdog) ends the worker like any other.
        let fatal =
            answers.iter().find_map(|(_, _, outcome)| outcome.as_ref().err().filter(|e| e.is_fatal()));
        if let Some(e) = terminal.err().or_else(|| fatal.cloned()) {
            let told = answers.iter().any(|(waiter, _, _)| !matches!(waiter, Waiter::Body));
            self.condemn(e, told);
        }
        for (waiter, usage, outcome) in answers {
            if let (Waiter::Load(_), Err(e)) = (&waiter, &outcome) {
                self.die(e);
            }
            let isolate = self.v8();
            match waiter {
                Waiter::Load(reply) => answer_with(isolate, reply, outcome.map(|_| ()), Some(usage)),
                Waiter::Call { reply, .. } => {
                    answer_with(isolate, reply, outcome.map(|v| v.unwrap_or(Value::Undefined)), Some(usage))
                }
                Waiter::Body => {}
            }
        }
    }
}

/// For a streamed fetch's answer whose body stayed a stream (the wire's `stream` is its id): the
/// promise of that body's end, which keeps the call open.
fn streamed_body(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, '_, v8::HandleScope<'_>>>,
    js: &JsState,
    wire: v8::Local<v8::Value>,
) -> Option<v8::Global<v8::Promise>> {
    // The wire is the runtime's own null-prototype object, so these reads run no tenant code.
    let wire = v8::Local::<v8::Object>::try_from(wire).ok()?;
    let key = v8::String::new(tc, "stream")?;
    let id = wire.get(tc, key.into()).filter(|id| id.is_number())?;
    let hooks = v8::Local::new(tc, js.hooks.as_ref()?);
    let key = v8::String::new(tc, "http")?;
    let http = v8::Local::<v8::Object>::try_from(hooks.get(tc, key.into())?).ok()?;
    let done = hook_in(tc, http, "hostBodyDone")?.call(tc, hooks.into(), &[id])?;
    let done = v8::Local::<v8::Promise>::try_from(done).ok()?;
    Some(v8::Global::new(tc, done))
}
