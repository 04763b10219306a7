//! Module loading: in-bundle resolution only. A specifier resolves to one of the worker's own
//! modules or the import fails; nothing is ever read from disk or the network.
//!
//! Runs on the isolate's executor thread. The `ModuleMap` lives in an isolate slot so V8's
//! resolve callback (which only receives a context) can reach it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::code::{ModuleSource, WorkerCode};
use crate::error::{Error, Result};
use crate::typescript::PositionMap;

mod dynamic;
mod require;

pub use dynamic::{dynamic_import, op_import_module};
use require::require_module;

/// Modules the runtime provides. Their exports live in the `Builtins` isolate slot.
pub const BUILTIN_MODULES: &[&str] = &["cloudflare:workers"];

/// The exports of `cloudflare:workers`: the entrypoint classes and the worker's `env`.
pub struct Builtins {
    pub exports: Vec<(&'static str, v8::Global<v8::Value>)>,
}

/// The most of a specifier an error message quotes, in bytes.
const MAX_QUOTED_SPECIFIER: usize = 256;

/// Resolves `specifier` as imported from the module named `referrer` to a module name of `code`.
/// Relative specifiers (`./`, `../`) resolve against the referrer's directory, a leading `/` is
/// the bundle root, anything else is a bare module name. `node:*` modules (and their bare names
/// where the bundle has no such module) are the runtime's, under `nodejs_compat` (`node.rs`);
/// URLs and other schemes are refused outright.
pub fn resolve_specifier(code: &WorkerCode, referrer: &str, specifier: &str) -> Result<String> {
    let refused = |why: &str| {
        // `require` takes any string the sandbox makes, up to V8's maximum length.
        let specifier = crate::value::truncated(specifier, MAX_QUOTED_SPECIFIER);
        Error::Code(format!(
            "{referrer:?} imports {specifier:?}, which {why}; only the worker's own modules can be imported"
        ))
    };
    if BUILTIN_MODULES.contains(&specifier) {
        return Ok(specifier.to_string());
    }
    if let Some(node) = crate::node::resolve(code, referrer, specifier) {
        return node;
    }
    if let Some(runtime) = crate::python::resolve(code, specifier) {
        return Ok(runtime);
    }
    let candidate = if specifier.starts_with("./") || specifier.starts_with("../") {
        let dir = referrer.rsplit_once('/').map_or("", |(d, _)| d);
        normalize(&format!("{dir}/{specifier}")).ok_or_else(|| refused("points outside the bundle"))?
    } else if let Some(rest) = specifier.strip_prefix('/') {
        normalize(rest).ok_or_else(|| refused("points outside the bundle"))?
    } else if specifier.contains(':') {
        return Err(refused("is a URL or built-in module that is not available"));
    } else {
        specifier.to_string()
    };
    if code.get(&candidate).is_some() { Ok(candidate) } else { Err(refused("is not one of its modules")) }
}

/// Collapses `.` and `..` segments; `None` when `..` climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The compiled modules of one isolate.
pub struct ModuleMap {
    code: WorkerCode,
    by_name: HashMap<String, v8::Global<v8::Module>>,
    /// V8 hands the resolve callback the referrer as a module; its script id names it.
    name_by_script_id: HashMap<i32, String>,
    /// What each synthetic module (text, data, json, wasm, cjs) exports as `default`.
    defaults: Vec<(v8::Global<v8::Module>, DefaultExport)>,
    /// The `module` object of every CommonJS module run so far (so cycles and repeats reuse it).
    /// Borrowed only briefly, never across JavaScript, since `require` re-enters.
    cjs: RefCell<HashMap<String, v8::Global<v8::Object>>>,
    /// Generated → TypeScript positions of each TypeScript module, for error stacks.
    ts_maps: Vec<(String, PositionMap)>,
    /// The runtime's own JavaScript modules (Pyodide's) compiled here, for `recache_runtime`.
    runtime_scripts: Vec<(crate::code_cache::Key, v8::Global<v8::UnboundModuleScript>)>,
}

enum DefaultExport {
    Value(v8::Global<v8::Value>),
    /// Run the CommonJS module when the synthetic module evaluates; export `module.exports`.
    Cjs(String),
    /// A `node:*` module: export the object as `default` and each of its properties by name.
    Node(v8::Global<v8::Object>),
}

impl ModuleMap {
    pub fn new(code: WorkerCode) -> Self {
        ModuleMap {
            code,
            by_name: HashMap::new(),
            name_by_script_id: HashMap::new(),
            defaults: Vec::new(),
            cjs: RefCell::new(HashMap::new()),
            ts_maps: Vec::new(),
            runtime_scripts: Vec::new(),
        }
    }

    /// `stack` with positions in TypeScript modules mapped back to the TypeScript source.
    pub fn map_stack(&self, stack: String) -> String {
        if self.ts_maps.is_empty() {
            return stack;
        }
        let maps: Vec<(&str, &PositionMap)> = self.ts_maps.iter().map(|(n, m)| (n.as_str(), m)).collect();
        crate::typescript::map_stack(&stack, &maps)
    }

    /// Compiles `name` and, depth first, every module it imports. On a compile error the
    /// exception is left pending in the caller's TryCatch and `Ok(None)` is returned.
    pub fn compile<'s>(
        &mut self,
        scope: &mut v8::PinScope<'s, '_>,
        name: &str,
    ) -> Result<Option<v8::Local<'s, v8::Module>>> {
        if let Some(m) = self.by_name.get(name) {
            return Ok(Some(v8::Local::new(scope, m)));
        }
        let transpiled;
        let found = source_of(&self.code, name);
        let source = match found.as_deref() {
            Some(ModuleSource::Ts(ts)) => {
                let t = crate::typescript::transpile(name, ts).map_err(Error::Js)?;
                self.ts_maps.push((name.to_string(), t.map));
                transpiled = t.code;
                Some(transpiled.as_str())
            }
            Some(ModuleSource::Js(src)) => Some(src.as_str()),
            _ => None,
        };
        let module = match (source, found.as_deref()) {
            (Some(text), _) => {
                let Some(src) = v8::String::new(scope, text) else {
                    return Err(Error::Code(format!("modules[{name:?}]: source is too large")));
                };
                let resource = v8_name(scope, name)?;
                let origin = v8::ScriptOrigin::new(
                    scope,
                    resource.into(),
                    0,
                    0,
                    false,
                    -1,
                    None,
                    false,
                    false,
                    true,
                    None,
                );
                let key = crate::code_cache::key(name, text);
                let cached = key.as_ref().and_then(crate::code_cache::get);
                let (mut source, options) = match &cached {
                    Some(data) => (
                        v8::script_compiler::Source::new_with_cached_data(
                            src,
                            Some(&origin),
                            v8::script_compiler::CachedData::new(data),
                        ),
                        v8::script_compiler::CompileOptions::ConsumeCodeCache,
                    ),
                    None => (
                        v8::script_compiler::Source::new(src, Some(&origin)),
                        v8::script_compiler::CompileOptions::NoCompileOptions,
                    ),
                };
                let no_cache = v8::script_compiler::NoCacheReason::NoReason;
                let Some(module) =
                    v8::script_compiler::compile_module2(scope, &mut source, options, no_cache)
                else {
                    return Ok(None);
                };
                if let Some(key) = key
                    && name.starts_with(crate::python::PREFIX)
                    && !RECACHED.load(Ordering::Relaxed)
                {
                    let script = module.get_unbound_module_script(scope);
                    self.runtime_scripts.push((key, v8::Global::new(scope, script)));
                }
                if let Some(key) = key {
                    match cached {
                        Some(_) if source.get_cached_data().is_some_and(|d| d.rejected()) => {
                            crate::code_cache::reject(&key)
                        }
                        Some(_) => {}
                        None => {
                            if let Some(data) = module.get_unbound_module_script(scope).create_code_cache() {
                                crate::code_cache::put(key, data.to_vec());
                            }
                        }
                    }
                }
                module
            }
            (None, Some(ModuleSource::Cjs(_))) => {
                let module = synthetic_default(scope, name)?;
                self.defaults.push((v8::Global::new(scope, module), DefaultExport::Cjs(name.to_string())));
                module
            }
            (None, Some(source)) => {
                let value = match source {
                    ModuleSource::Wasm(bytes) if name.starts_with(crate::python::PREFIX) => {
                        crate::ops::wasm::shared_module(scope, name, bytes).map(Into::into)
                    }
                    source => value_module(scope, source),
                };
                let Some(value) = value else { return Ok(None) };
                let module = synthetic_default(scope, name)?;
                self.defaults.push((
                    v8::Global::new(scope, module),
                    DefaultExport::Value(v8::Global::new(scope, value)),
                ));
                module
            }
            (None, None) if BUILTIN_MODULES.contains(&name) => builtin_module(scope, name),
            (None, None) if name == crate::python::NATIVE => {
                let Some(exports) = crate::ops::python::exports(scope) else { return Ok(None) };
                let module = synthetic_default(scope, name)?;
                self.defaults.push((
                    v8::Global::new(scope, module),
                    DefaultExport::Value(v8::Global::new(scope, v8::Local::<v8::Value>::from(exports))),
                ));
                module
            }
            (None, None) if name.starts_with("node:") => {
                let Some(object) = crate::node::exports(scope, name) else { return Ok(None) };
                let Some(names) = crate::node::export_names(scope, object) else { return Ok(None) };
                let module_name = v8_name(scope, name)?;
                let module =
                    v8::Module::create_synthetic_module(scope, module_name, &names, evaluate_default);
                self.defaults.push((
                    v8::Global::new(scope, module),
                    DefaultExport::Node(v8::Global::new(scope, object)),
                ));
                module
            }
            (None, None) => return Err(Error::Code(format!("module {name:?} is not one of the modules"))),
        };
        self.by_name.insert(name.to_string(), v8::Global::new(scope, module));
        if let Some(id) = module.script_id() {
            self.name_by_script_id.insert(id, name.to_string());
        }
        let requests = module.get_module_requests();
        for i in 0..requests.length() {
            let request: v8::Local<v8::ModuleRequest> = requests
                .get(scope, i)
                .and_then(|r| r.try_into().ok())
                .expect("a module's requests are ModuleRequests, and i is below their count");
            let specifier = request.get_specifier().to_rust_string_lossy(scope);
            let target = resolve_specifier(&self.code, name, &specifier)?;
            if self.compile(scope, &target)?.is_none() {
                return Ok(None);
            }
        }
        Ok(Some(module))
    }

    fn lookup<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        referrer: v8::Local<v8::Module>,
        specifier: &str,
    ) -> Result<v8::Local<'s, v8::Module>> {
        let referrer = referrer
            .script_id()
            .and_then(|id| self.name_by_script_id.get(&id))
            .map_or("<unknown>", String::as_str);
        let name = resolve_specifier(&self.code, referrer, specifier)?;
        self.by_name
            .get(&name)
            .map(|m| v8::Local::new(scope, m))
            .ok_or_else(|| Error::Code(format!("module {name:?} was not compiled")))
    }
}

/// Module `name` of `code`: one of its own, or for a Python worker one of the runtime's.
/// Set once `recache_runtime` has run in this process.
static RECACHED: AtomicBool = AtomicBool::new(false);

/// Caches the compiled code of the runtime's own modules anew, once per process, after they ran
/// in this isolate (a Python worker's load): the cache made when they were first compiled holds
/// only what V8 compiled eagerly, and most of Pyodide's JavaScript is compiled lazily, on first
/// call. Every later restore then deserializes that code instead of compiling it.
pub fn recache_runtime(scope: &mut v8::PinScope<'_, '_>) {
    let scripts = scope.get_slot_mut::<ModuleMap>().map(|m| std::mem::take(&mut m.runtime_scripts));
    let Some(scripts) = scripts.filter(|s| !s.is_empty()) else { return };
    if RECACHED.swap(true, Ordering::Relaxed) {
        return;
    }
    for (key, script) in scripts {
        let script = v8::Local::new(scope, script);
        if let Some(data) = script.create_code_cache() {
            crate::code_cache::put(key, data.to_vec());
        }
    }
}

fn source_of<'c>(code: &'c WorkerCode, name: &str) -> Option<Cow<'c, ModuleSource>> {
    code.get(name).map(Cow::Borrowed).or_else(|| crate::python::module(code, name))
}

/// The value a text, data, json or wasm module exports; None with an exception pending.
fn value_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    source: &ModuleSource,
) -> Option<v8::Local<'s, v8::Value>> {
    Some(match source {
        // A Python module imported from JavaScript is its source, as a text module's.
        ModuleSource::Text(text) | ModuleSource::Python(text) => match v8::String::new(scope, text) {
            Some(text) => text.into(),
            None => {
                crate::ops::throw_range_error(
                    scope,
                    "a text module is longer than a JavaScript string can be",
                );
                return None;
            }
        },
        ModuleSource::Data(bytes) => match crate::ops::buffer_from(scope, bytes) {
            Some(buffer) => buffer.into(),
            None => {
                crate::ops::throw_range_error(
                    scope,
                    "a data module is larger than this worker's memory limit",
                );
                return None;
            }
        },
        ModuleSource::Json(value) => {
            let mut budget = crate::convert::Budget::of(scope);
            match crate::convert::to_v8(scope, value, &mut budget) {
                Ok(value) => value,
                Err(e) => {
                    e.throw(scope);
                    return None;
                }
            }
        }
        ModuleSource::Wasm(bytes) => {
            // Through the bootstrap's WebAssembly.Module, which charges the memories it defines.
            let compile = crate::ops::hook(scope, "wasmModule")?;
            let Some(buffer) = crate::ops::buffer_from(scope, bytes) else {
                crate::ops::throw_range_error(
                    scope,
                    "a wasm module is larger than this worker's memory limit",
                );
                return None;
            };
            let undefined = v8::undefined(scope);
            compile.call(scope, undefined.into(), &[buffer.into()])?
        }
        ModuleSource::Js(_) | ModuleSource::Ts(_) | ModuleSource::Cjs(_) => {
            unreachable!("both callers take the js, ts and cjs modules apart before asking for a value")
        }
    })
}

fn synthetic_default<'s>(scope: &mut v8::PinScope<'s, '_>, name: &str) -> Result<v8::Local<'s, v8::Module>> {
    let module_name = v8_name(scope, name)?;
    let default = v8::String::new(scope, "default").unwrap();
    Ok(v8::Module::create_synthetic_module(scope, module_name, &[default], evaluate_default))
}

/// Module `name` as a JS string; the worker's code is unusable if its name cannot be one.
fn v8_name<'s>(scope: &mut v8::PinScope<'s, '_>, name: &str) -> Result<v8::Local<'s, v8::String>> {
    v8::String::new(scope, name).ok_or_else(|| {
        let name = crate::value::truncated(name, MAX_QUOTED_SPECIFIER);
        Error::Code(format!("module {name:?}: the name is longer than a JavaScript string can be"))
    })
}

/// Evaluation of a synthetic module: sets its `default` export, running a CommonJS module first.
fn evaluate_default<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    // SAFETY: V8 calls this synchronously on the isolate's thread while evaluating the module.
    v8::callback_scope!(unsafe scope, context);
    let map = module_map(scope)?;
    let entry = map.defaults.iter().find(|(m, _)| v8::Local::new(scope, m) == module).map(|(_, d)| d)?;
    let value = match entry {
        DefaultExport::Value(v) => Some(v8::Local::new(scope, v)),
        DefaultExport::Cjs(name) => Some(require_module(scope, map, name)?),
        DefaultExport::Node(object) => {
            let object = v8::Local::new(scope, object);
            crate::node::fill(scope, module, object)?;
            None
        }
    };
    if let Some(value) = value {
        let default = v8::String::new(scope, "default").unwrap();
        module.set_synthetic_module_export(scope, default, value)?;
    }
    let resolver = v8::PromiseResolver::new(scope)?;
    let undefined = v8::undefined(scope);
    resolver.resolve(scope, undefined.into());
    Some(resolver.get_promise(scope).into())
}

/// The isolate's module map, as a shared reference that outlives borrows of `scope`.
fn module_map<'a>(scope: &mut v8::PinScope<'_, '_>) -> Option<&'a ModuleMap> {
    let map = scope.get_slot::<ModuleMap>()? as *const ModuleMap;
    // SAFETY: the slot is set before any module is compiled and removed only when the isolate is
    // disposed, after all JavaScript; it is never mutated while module callbacks run (only its
    // RefCell, in short borrows), so a shared reference stays valid for the callback.
    Some(unsafe { &*map })
}

fn builtin_module<'s>(scope: &mut v8::PinScope<'s, '_>, name: &str) -> v8::Local<'s, v8::Module> {
    let names: Vec<_> = scope
        .get_slot::<Builtins>()
        .map(|b| b.exports.iter().map(|(n, _)| *n).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|n| v8::String::new(scope, n).unwrap())
        .collect();
    let module_name = v8::String::new(scope, name).unwrap();
    v8::Module::create_synthetic_module(scope, module_name, &names, builtin_exports)
}

/// Evaluation of a built-in module: copies the exports from the `Builtins` slot.
fn builtin_exports<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    // SAFETY: V8 calls this synchronously on the isolate's thread while evaluating the module.
    v8::callback_scope!(unsafe scope, context);
    let exports: Vec<(&'static str, v8::Local<v8::Value>)> = scope
        .get_slot::<Builtins>()
        .map(|b| b.exports.iter().map(|(n, g)| (*n, g.clone())).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|(n, g)| (n, v8::Local::new(scope, g)))
        .collect();
    for (name, value) in exports {
        let name = v8::String::new(scope, name).unwrap();
        module.set_synthetic_module_export(scope, name, value)?;
    }
    // With top-level await, module evaluation answers with a promise.
    let resolver = v8::PromiseResolver::new(scope)?;
    let undefined = v8::undefined(scope);
    resolver.resolve(scope, undefined.into());
    Some(resolver.get_promise(scope).into())
}

/// V8's `ResolveModuleCallback`: every module was compiled by `ModuleMap::compile` before
/// instantiation, so this only looks modules up; a miss throws a JS `Error`.
pub fn resolve_callback<'s>(
    context: v8::Local<'s, v8::Context>,
    specifier: v8::Local<'s, v8::String>,
    _import_attributes: v8::Local<'s, v8::FixedArray>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Module>> {
    // SAFETY: V8 calls this synchronously on the isolate's thread during instantiation, with the
    // context it is instantiating in.
    v8::callback_scope!(unsafe scope, context);
    let spec = specifier.to_rust_string_lossy(scope);
    let map = scope.get_slot::<ModuleMap>().map(|m| m as *const ModuleMap);
    let found = match map {
        // SAFETY: the slot lives as long as the isolate and nothing mutates it during
        // instantiation; the raw pointer only ends the borrow of `scope` that get_slot holds.
        Some(map) => unsafe { &*map }.lookup(scope, referrer, &spec),
        None => Err(Error::Code("no module map".into())),
    };
    match found {
        Ok(m) => Some(m),
        Err(e) => {
            crate::ops::throw_error(scope, &e.to_string());
            None
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A worker whose modules are `names` (the first is the main one), all empty.
    pub(crate) fn bundle<S: AsRef<str>>(names: &[S]) -> WorkerCode {
        WorkerCode {
            main_module: names[0].as_ref().into(),
            modules: names
                .iter()
                .map(|n| (n.as_ref().to_string(), ModuleSource::Js(String::new())))
                .collect(),
            env: crate::value::Value::Undefined,
            limits: crate::limits::Limits::default(),
            outbound: crate::code::Outbound::Closed,
            compatibility_flags: Vec::new(),
        }
    }

    #[test]
    fn relative_and_bare_specifiers_resolve_inside_the_bundle() {
        let c = bundle(&["src/main.js", "src/util.js", "lib.js"]);
        assert_eq!(resolve_specifier(&c, "src/main.js", "./util.js").unwrap(), "src/util.js");
        assert_eq!(resolve_specifier(&c, "src/main.js", "../lib.js").unwrap(), "lib.js");
        assert_eq!(resolve_specifier(&c, "src/main.js", "/lib.js").unwrap(), "lib.js");
        assert_eq!(resolve_specifier(&c, "src/main.js", "lib.js").unwrap(), "lib.js");
        assert_eq!(resolve_specifier(&c, "src/main.js", "cloudflare:workers").unwrap(), "cloudflare:workers");
    }

    #[test]
    fn everything_else_is_refused() {
        let c = bundle(&["main.js"]);
        for spec in [
            "fs",
            "node:fs",
            "cloudflare:sockets",
            "https://x.test/a.js",
            "../../etc/passwd",
            "/etc/passwd",
            "./nope.js",
        ] {
            let err = resolve_specifier(&c, "main.js", spec).unwrap_err();
            assert!(matches!(err, Error::Code(_)), "{spec}: {err}");
            assert!(err.to_string().contains(spec), "{err}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::tests::bundle;
    use super::*;

    proptest! {
        /// Whatever the specifier, resolution names one of the worker's modules (or a built-in),
        /// or refuses; it never invents a path.
        #[test]
        fn resolution_stays_inside_the_bundle(
            names in proptest::collection::hash_set("[a-z]{1,3}(/[a-z]{1,3}){0,2}\\.js", 1..5),
            referrer_pick in 0usize..5,
            specifier in "(\\./|\\.\\./|/)?([a-z.]{1,3}/){0,3}[a-z]{1,3}(\\.js)?|node:[a-z]+|https?://[a-z]+/[a-z]+",
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let code = bundle(&names);
            let referrer = &names[referrer_pick % names.len()];
            if let Ok(resolved) = resolve_specifier(&code, referrer, &specifier) {
                prop_assert!(names.contains(&resolved) || BUILTIN_MODULES.contains(&resolved.as_str()));
            }
        }
    }
}
