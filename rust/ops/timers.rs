//! `ops.now`, `ops.timerStart(id, delayMs)`, `ops.timerCancel(id)`. Timers are deadlines in `OpState`; the
//! isolate thread's loop sleeps until the earliest one and calls the bootstrap's
//! `hooks.fireTimer(id)`.

use std::time::{Duration, Instant};

/// Longest delay honoured, as in browsers (2^31-1 ms); larger delays fire at once.
const MAX_DELAY_MS: f64 = 2_147_483_647.0;

pub fn op_now(
    scope: &mut v8::PinScope,
    _args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let ms = super::state(scope).origin.elapsed().as_secs_f64() * 1000.0;
    rv.set_double(ms);
}

pub fn op_timer_start(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let mut delay = args.get(1).number_value(scope).unwrap_or(0.0);
    if !(0.0..=MAX_DELAY_MS).contains(&delay) {
        delay = 0.0;
    }
    let deadline = Instant::now() + Duration::from_secs_f64(delay / 1000.0);
    let state = super::state(scope);
    state.timers.retain(|t| t.id != id);
    state.timers.push(super::Timer { id, deadline });
}

pub fn op_timer_cancel(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    super::state(scope).timers.retain(|t| t.id != id);
}
