//! Python workers: the tenant's Python runs in the runtime's Pyodide (CPython compiled to
//! WebAssembly), inside the worker's own isolate, under the same limits as JavaScript.
//!
//! A Python worker's module map is the tenant's files plus runtime-owned modules under
//! [`PREFIX`]: Pyodide's files (registered once per process from the `workerbox-pyodide`
//! package, `assets.rs`), the bridge (`main.js`: restore Pyodide from the baseline, load the
//! tenant's `main.py`, turn its functions into methods), and the baseline snapshot: one
//! Pyodide booted and prepared (`prelude.py`) before any tenant code, so each sandbox restores
//! it instead of booting (`maker.js` makes it). Plain data; no V8 here.

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

/// The bridge's native functions (`ops/python.rs`): restoring the baseline into the memory.
pub const NATIVE: &str = "workerbox:python/native";

/// The tenant's files, as the bridge writes them into Pyodide's file system.
const APP: &str = "workerbox:python/app";

/// The bridge's own sources, the same for every Python worker.
const BRIDGE: &[(&str, &str)] =
    &[(MAIN, include_str!("main.js")), ("workerbox:python/shim.js", include_str!("shim.js"))];

/// The runtime module a Python worker (or the maker) imports as `specifier`, if it is one.
pub fn resolve(code: &WorkerCode, specifier: &str) -> Option<String> {
    let runtime = code.is_python() || code.main_module == MAKER;
    (runtime && specifier.starts_with(PREFIX) && specifier != MAKER && exists(specifier))
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
    if !name.starts_with(PREFIX) || !(code.is_python() || code.main_module == MAKER) {
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

/// The worker that makes the baseline: it boots Pyodide fully, runs the prelude, and returns
/// the memory snapshot. It runs no tenant code, so every sandbox restored from it starts clean.
pub fn maker_code() -> Result<WorkerCode> {
    if !assets::ready() {
        return Err(Error::Code("the Python runtime's files are not registered".into()));
    }
    Ok(WorkerCode {
        main_module: MAKER.into(),
        modules: vec![(MAKER.into(), ModuleSource::Js(include_str!("maker.js").into()))],
        env: Value::Undefined,
        // A full boot: seconds of CPU, once per process, on the host's behalf.
        limits: Limits {
            memory_mb: Some(512),
            cpu_ms: Some(120_000),
            wall_ms: Some(300_000),
            ..Limits::default()
        },
        outbound: crate::code::Outbound::Closed,
        compatibility_flags: Vec::new(),
    })
}
