//! Python workers: the tenant's Python runs in the runtime's Pyodide (CPython compiled to
//! WebAssembly), inside the worker's own isolate, under the same limits as JavaScript.
//!
//! A Python worker's module map is the tenant's files plus runtime-owned modules under
//! [`PREFIX`]: Pyodide's files (registered once per process from the `workerbox-pyodide`
//! package, `assets.rs`), the bridge (`main.js`: restore Pyodide from the baseline, load the
//! tenant's `main.py`, turn its functions into methods), and the baseline snapshot: one
//! Pyodide booted and prepared (`prelude.py`) before any tenant code, so each sandbox restores
//! it instead of booting (`maker.js` makes it; `restore.js` restores it, at load or, for a
//! pooled isolate, ahead of demand in `prime.js`). Plain data; no V8 here.

mod assets;

use std::borrow::Cow;

use crate::code::{ModuleSource, WorkerCode};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::value::Value;

pub use assets::{baseline, register, set_baseline};

/// Where the runtime's own modules live; a tenant cannot name a module here (its names are
/// its own, resolved only inside its bundle).
pub const PREFIX: &str = "workerbox:python/";

/// The bridge a Python worker runs as its main module.
pub const MAIN: &str = "workerbox:python/main.js";

/// The maker's main module (see [`maker_code`]).
const MAKER: &str = "workerbox:python/maker.js";

/// A pooled Python isolate's main module (see [`prime_code`]).
const PRIME: &str = "workerbox:python/prime.js";

/// The bridge's native functions (`ops/python.rs`): restoring the baseline into the memory.
pub const NATIVE: &str = "workerbox:python/native";

/// The tenant's files, as the bridge writes them into Pyodide's file system.
const APP: &str = "workerbox:python/app";

/// The bridge's own sources, the same for every Python worker.
const BRIDGE: &[(&str, &str)] = &[
    (MAIN, include_str!("main.js")),
    ("workerbox:python/shim.js", include_str!("shim.js")),
    ("workerbox:python/restore.js", include_str!("restore.js")),
];

/// The runtime's own workers by their one module: the maker and a primer.
const RUNTIME_WORKERS: &[(&str, &str)] = &[(MAKER, MAKER_JS), (PRIME, PRIME_JS)];
const MAKER_JS: &str = include_str!("maker.js");
const PRIME_JS: &str = include_str!("prime.js");

/// Whether `code` is exactly one of the runtime's own workers. Decided by the whole code, not
/// a name, so a tenant naming its main module like one gets none of the runtime's modules.
fn runtime_worker(code: &WorkerCode) -> bool {
    RUNTIME_WORKERS.iter().any(|(name, text)| {
        code.main_module == *name
            && matches!(code.modules.as_slice(), [(n, ModuleSource::Js(src))] if n == name && src == text)
    })
}

/// Code that may import the runtime's modules: a Python worker, the maker, a primer.
fn runtime_code(code: &WorkerCode) -> bool {
    code.is_python() || runtime_worker(code)
}

/// Module names under [`PREFIX`] are the runtime's: only its own workers carry one.
pub fn check_names(code: &WorkerCode) -> Result<()> {
    let reserved = code.modules.iter().find(|(name, _)| name.starts_with(PREFIX));
    match reserved {
        Some((name, _)) if !runtime_worker(code) => Err(Error::Code(format!(
            "modules: {:?}: names under {PREFIX:?} are reserved for the runtime",
            crate::value::truncated(name, 256)
        ))),
        _ => Ok(()),
    }
}

/// The runtime module a Python worker (or the maker, or a primer) imports as `specifier`, if it
/// is one.
pub fn resolve(code: &WorkerCode, specifier: &str) -> Option<String> {
    let main = specifier == MAKER || specifier == PRIME;
    (runtime_code(code) && specifier.starts_with(PREFIX) && !main && exists(specifier))
        .then(|| specifier.to_string())
}

fn exists(name: &str) -> bool {
    name == APP
        || (name == NATIVE && baseline().is_some())
        || BRIDGE.iter().any(|(n, _)| *n == name)
        || assets::get(name).is_some()
}

/// The source of runtime module `name` for `code` (which `resolve` let import it).
pub fn module(code: &WorkerCode, name: &str) -> Option<Cow<'static, ModuleSource>> {
    if !name.starts_with(PREFIX) || !runtime_code(code) {
        return None;
    }
    if name == APP {
        return Some(Cow::Owned(ModuleSource::Json(app(code))));
    }
    if let Some((_, src)) = BRIDGE.iter().find(|(n, _)| *n == name) {
        return Some(Cow::Owned(ModuleSource::Js((*src).to_string())));
    }
    assets::get(name).map(Cow::Borrowed)
}

/// `{main, files}`: the tenant's Python and text modules as strings, data as bytes, json as
/// values, for the bridge to write under `/app`.
fn app(code: &WorkerCode) -> Value {
    let files = code
        .modules
        .iter()
        .filter_map(|(name, source)| {
            let value = match source {
                ModuleSource::Python(s) | ModuleSource::Text(s) => Value::String(s.clone()),
                ModuleSource::Data(b) => Value::Bytes(b.clone()),
                ModuleSource::Json(v) => Value::Object(vec![("json".into(), v.clone())]),
                _ => return None,
            };
            Some((name.clone(), value))
        })
        .collect();
    Value::Object(vec![
        ("main".into(), Value::String(code.main_module.clone())),
        ("files".into(), Value::Object(files)),
    ])
}

/// The limits of a Python worker that sets none: pooled isolates are made with them, and only
/// a worker whose limits give the same heap can take one.
pub fn pooled_limits() -> Limits {
    Limits { memory_mb: Some(crate::code::PYTHON_MEMORY_MB), ..Limits::default() }
}

/// What a pooled Python isolate runs before any tenant is chosen: Pyodide restored from the
/// baseline and kept for the bridge. None until the baseline exists.
pub fn prime_code() -> Option<WorkerCode> {
    baseline()?;
    Some(WorkerCode {
        main_module: PRIME.into(),
        modules: vec![(PRIME.into(), ModuleSource::Js(PRIME_JS.into()))],
        env: Value::Undefined,
        limits: Limits { cpu_ms: Some(10_000), wall_ms: Some(30_000), ..pooled_limits() },
        outbound: crate::code::Outbound::Closed,
        compatibility_flags: Vec::new(),
    })
}

/// The worker that makes the baseline: it boots Pyodide fully, runs the prelude, and returns
/// the memory snapshot. It runs no tenant code, so every sandbox restored from it starts clean.
pub fn maker_code() -> Result<WorkerCode> {
    if !assets::ready() {
        return Err(Error::Code("the Python runtime's files are not registered".into()));
    }
    Ok(WorkerCode {
        main_module: MAKER.into(),
        modules: vec![(MAKER.into(), ModuleSource::Js(MAKER_JS.into()))],
        env: Value::Undefined,
        // A full boot: seconds of CPU, once per process, on the host's behalf. The memory of a
        // default Python worker, so the wasm compiled for it (per memory class) is the one
        // every default sandbox shares.
        limits: Limits { cpu_ms: Some(120_000), wall_ms: Some(300_000), ..pooled_limits() },
        outbound: crate::code::Outbound::Closed,
        compatibility_flags: Vec::new(),
    })
}
