//! `ops.asyncContextGet()` / `ops.asyncContextSet(frame)`: the value V8 carries along promise
//! continuations (its continuation-preserved embedder data), which `node:async_hooks`'s
//! AsyncLocalStorage keeps its stores in, so a store set before an `await` is there after it.
//! Isolate thread.

pub fn op_async_context_get(
    scope: &mut v8::PinScope,
    _args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    rv.set(scope.get_continuation_preserved_embedder_data());
}

pub fn op_async_context_set(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    scope.set_continuation_preserved_embedder_data(args.get(0));
}
