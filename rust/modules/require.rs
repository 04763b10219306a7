//! CommonJS inside the bundle: `require()` runs a `cjs` module's body once, as a function of
//! Node's five parameters, and hands back its `module.exports` (or a text, data, json or wasm
//! module's value, or a `node:*` module under `nodejs_compat`).

use super::{ModuleMap, module_map, resolve_specifier, v8_name, value_module};
use crate::code::ModuleSource;

/// What `require(name)` returns: `module.exports` of a CommonJS module (run once), or the value
/// of a text, data, json or wasm module. None with a JS exception pending.
pub(super) fn require_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    map: &ModuleMap,
    name: &str,
) -> Option<v8::Local<'s, v8::Value>> {
    let exports_key = v8::String::new(scope, "exports").unwrap();
    if let Some(module) = map.cjs.borrow().get(name) {
        let module = v8::Local::new(scope, module);
        return module.get(scope, exports_key.into());
    }
    if name.starts_with("node:") && map.code.get(name).is_none() {
        return crate::node::exports(scope, name).map(Into::into);
    }
    let source = match map.code.get(name) {
        Some(ModuleSource::Cjs(src)) => src,
        Some(ModuleSource::Js(_) | ModuleSource::Ts(_)) => {
            return throw(
                scope,
                &format!("require() cannot load the ES module {name:?}; use import instead"),
            );
        }
        Some(other) => return value_module(scope, other),
        None => return throw(scope, &format!("module {name:?} is not one of the modules")),
    };
    let resource = match v8_name(scope, name) {
        Ok(resource) => resource,
        Err(e) => return throw(scope, &e.to_string()),
    };
    let Some(source) = v8::String::new(scope, source) else {
        return throw(scope, &format!("modules[{name:?}]: source is too large"));
    };
    let module = v8::Object::new(scope);
    let exports = v8::Object::new(scope);
    module.set(scope, exports_key.into(), exports.into());
    map.cjs.borrow_mut().insert(name.to_string(), v8::Global::new(scope, module));
    // Compiled as a function body, not pasted into a function's source text: text that closed
    // the function early would make something else of the script (even no function at all).
    let origin =
        v8::ScriptOrigin::new(scope, resource.into(), 0, 0, false, -1, None, false, false, false, None);
    let mut source = v8::script_compiler::Source::new(source, Some(&origin));
    let params = CJS_PARAMS.map(|p| v8::String::new(scope, p).unwrap());
    let options = v8::script_compiler::CompileOptions::NoCompileOptions;
    let no_cache = v8::script_compiler::NoCacheReason::NoReason;
    let function =
        v8::script_compiler::compile_function(scope, &mut source, &params, &[], options, no_cache)?;
    let require = v8::Function::builder(require_callback).data(resource.into()).build(scope)?;
    let dirname = v8::String::new(scope, name.rsplit_once('/').map_or("", |(d, _)| d))
        .expect("a prefix of a name V8 took fits too");
    let args = [exports.into(), require.into(), module.into(), resource.into(), dirname.into()];
    function.call(scope, exports.into(), &args)?;
    module.get(scope, exports_key.into())
}

/// What a CommonJS module's body sees, as in Node.
const CJS_PARAMS: [&str; 5] = ["exports", "require", "module", "__filename", "__dirname"];

/// `require(specifier)` inside a CommonJS module; the function's data is the module's name.
fn require_callback<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let referrer = args.data().to_rust_string_lossy(scope);
    let specifier = args.get(0).to_rust_string_lossy(scope);
    let Some(map) = module_map(scope) else { return };
    let target = match resolve_specifier(&map.code, &referrer, &specifier) {
        Ok(t) => t,
        Err(e) => {
            throw(scope, &e.to_string());
            return;
        }
    };
    if let Some(value) = require_module(scope, map, &target) {
        rv.set(value);
    }
}

fn throw<'s>(scope: &mut v8::PinScope<'s, '_>, message: &str) -> Option<v8::Local<'s, v8::Value>> {
    crate::ops::throw_error(scope, message);
    None
}
