//! What `node:util` asks V8 about a value, which JavaScript cannot learn without running the
//! tenant's code (a proxy's traps, a spoofable `Symbol.toStringTag`): `ops.nodeTypeOf(value)` its
//! kind by internal slots, `ops.nodePromiseState(promise)` a promise's state and result,
//! `ops.nodeProxyTarget(proxy)` what a proxy wraps, so `util.inspect` shows it without traps.
//! Isolate thread.

pub fn op_node_type_of(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    if let Some(kind) = kind(args.get(0))
        && let Some(name) = v8::String::new(scope, kind)
    {
        rv.set(name.into());
    }
}

/// A check V8 answers from a value's internal slots, and the kind it names.
type Check = (fn(&v8::Value) -> bool, &'static str);

fn kind(value: v8::Local<v8::Value>) -> Option<&'static str> {
    let checks: [Check; 26] = [
        (v8::Value::is_proxy, "Proxy"),
        (v8::Value::is_promise, "Promise"),
        (v8::Value::is_date, "Date"),
        (v8::Value::is_reg_exp, "RegExp"),
        (v8::Value::is_native_error, "NativeError"),
        (v8::Value::is_map, "Map"),
        (v8::Value::is_set, "Set"),
        (v8::Value::is_weak_map, "WeakMap"),
        (v8::Value::is_weak_set, "WeakSet"),
        (v8::Value::is_map_iterator, "MapIterator"),
        (v8::Value::is_set_iterator, "SetIterator"),
        (v8::Value::is_array_buffer, "ArrayBuffer"),
        (v8::Value::is_shared_array_buffer, "SharedArrayBuffer"),
        (v8::Value::is_data_view, "DataView"),
        (v8::Value::is_typed_array, "TypedArray"),
        (v8::Value::is_generator_object, "GeneratorObject"),
        (v8::Value::is_async_function, "AsyncFunction"),
        (v8::Value::is_generator_function, "GeneratorFunction"),
        (v8::Value::is_arguments_object, "Arguments"),
        (v8::Value::is_module_namespace_object, "ModuleNamespace"),
        (v8::Value::is_number_object, "NumberObject"),
        (v8::Value::is_string_object, "StringObject"),
        (v8::Value::is_boolean_object, "BooleanObject"),
        (v8::Value::is_big_int_object, "BigIntObject"),
        (v8::Value::is_symbol_object, "SymbolObject"),
        (v8::Value::is_array, "Array"),
    ];
    checks.iter().find(|(check, _)| check(&value)).map(|(_, name)| *name)
}

pub fn op_node_promise_state(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Ok(promise) = v8::Local::<v8::Promise>::try_from(args.get(0)) else { return };
    let (state, result) = match promise.state() {
        v8::PromiseState::Pending => ("pending", v8::undefined(scope).into()),
        v8::PromiseState::Fulfilled => ("fulfilled", promise.result(scope)),
        v8::PromiseState::Rejected => ("rejected", promise.result(scope)),
    };
    let Some(state) = v8::String::new(scope, state) else { return };
    rv.set(v8::Array::new_with_elements(scope, &[state.into(), result]).into());
}

pub fn op_node_proxy_target(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    if let Ok(proxy) = v8::Local::<v8::Proxy>::try_from(args.get(0)) {
        rv.set(proxy.get_target(scope));
    }
}
