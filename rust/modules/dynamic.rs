//! `import()`: V8's callback hands the request to the runtime's JS, which asks `ops.importModule`
//! for the module one microtask later.

use super::{ModuleMap, resolve_callback, resolve_specifier};

/// V8's `HostImportModuleDynamicallyCallback` (`import()`): hands the request to the runtime's
/// `hooks.dynamicImport`, which waits a microtask before asking `ops.importModule` for the module,
/// so the module map is never changed while a caller (a `require`, an evaluation) is using it.
pub fn dynamic_import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _options: v8::Local<'s, v8::Data>,
    referrer: v8::Local<'s, v8::Value>,
    specifier: v8::Local<'s, v8::String>,
    _attributes: v8::Local<'s, v8::FixedArray>,
) -> Option<v8::Local<'s, v8::Promise>> {
    let Some(hook) = crate::ops::hook(scope, "dynamicImport") else {
        crate::ops::throw_error(scope, "import() is not available before the runtime is");
        return None;
    };
    let undefined = v8::undefined(scope);
    hook.call(scope, undefined.into(), &[specifier.into(), referrer])?.try_into().ok()
}

/// `ops.importModule(specifier, referrer)`: compiles, instantiates and evaluates the module
/// `specifier` names as imported from `referrer`; returns `[namespace, evaluation promise]`. A
/// specifier outside the bundle throws a `TypeError`; a compile error throws the module's own.
pub fn op_import_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let specifier = args.get(0).to_rust_string_lossy(scope);
    let referrer = args.get(1).to_rust_string_lossy(scope);
    let Some(map) = scope.get_slot_mut::<ModuleMap>().map(|m| m as *mut ModuleMap) else {
        return crate::ops::throw_type_error(scope, "import(): this worker has no modules");
    };
    // SAFETY: the slot outlives this call; `dynamicImport` calls this from a microtask of its
    // own, never while another borrow of the map is live (see `dynamic_import`).
    let map = unsafe { &mut *map };
    let compiled =
        resolve_specifier(&map.code, &referrer, &specifier).and_then(|name| map.compile(scope, &name));
    let module = match compiled {
        Ok(Some(module)) => module,
        // The compile error is pending: it is what import() rejects with.
        Ok(None) => return,
        Err(e) => return crate::ops::throw_type_error(scope, &e.to_string()),
    };
    if module.get_status() == v8::ModuleStatus::Uninstantiated
        && module.instantiate_module(scope, resolve_callback) != Some(true)
    {
        return;
    }
    let Some(evaluated) = module.evaluate(scope) else { return };
    let namespace = module.get_module_namespace();
    rv.set(v8::Array::new_with_elements(scope, &[namespace, evaluated]).into());
}
