//! Pyodide's files, read once per process, and the baseline snapshot made from them.

use std::path::Path;
use std::sync::OnceLock;

use crate::code::ModuleSource;
use crate::error::{Error, Result};

/// How each of Pyodide's files is imported.
#[derive(Clone, Copy)]
enum Kind {
    Js,
    Wasm,
    Data,
    Text,
}

/// Pyodide's files: (file name, module type). The name under `PREFIX` is the module's.
const FILES: &[(&str, Kind)] = &[
    ("pyodide.mjs", Kind::Js),
    ("pyodide.asm.mjs", Kind::Js),
    ("pyodide.asm.wasm", Kind::Wasm),
    ("python_stdlib.zip", Kind::Data),
    ("pyodide-lock.json", Kind::Text),
];

const PRELUDE: &str = "workerbox:python/prelude.py";

static ASSETS: OnceLock<Vec<(String, ModuleSource)>> = OnceLock::new();
static PRELUDE_SOURCE: OnceLock<ModuleSource> = OnceLock::new();
static BASELINE_IMAGE: OnceLock<ModuleSource> = OnceLock::new();

fn source(kind: Kind, bytes: Vec<u8>) -> Result<ModuleSource> {
    let text = |bytes| {
        String::from_utf8(bytes)
            .map_err(|_| Error::Code("a Pyodide file that should be text is not UTF-8".into()))
    };
    Ok(match kind {
        Kind::Js => ModuleSource::Js(text(bytes)?),
        Kind::Text => ModuleSource::Text(text(bytes)?),
        Kind::Wasm => ModuleSource::Wasm(bytes),
        Kind::Data => ModuleSource::Data(bytes),
    })
}

/// Reads Pyodide's files from `dir` (checked against their hashes by the caller); the first
/// registration in a process is the one every Python worker uses.
pub fn register(dir: &Path) -> Result<()> {
    if ASSETS.get().is_some() {
        return Ok(());
    }
    let mut modules = Vec::with_capacity(FILES.len());
    for (file, kind) in FILES {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::Code(format!("the Python runtime's file {} cannot be read: {e}", path.display()))
        })?;
        modules.push((format!("{}{file}", super::PREFIX), source(*kind, bytes)?));
    }
    let _ = ASSETS.set(modules);
    Ok(())
}

/// Keeps the maker's snapshot for every later Python worker; the first one stays.
pub fn set_baseline(image: Vec<u8>) {
    let _ = BASELINE_IMAGE.set(ModuleSource::Data(image));
}

/// The baseline snapshot, once made: Pyodide's header, then the heap image.
pub fn baseline() -> Option<&'static [u8]> {
    match BASELINE_IMAGE.get()? {
        ModuleSource::Data(image) => Some(image),
        _ => None,
    }
}

pub fn ready() -> bool {
    ASSETS.get().is_some()
}

/// A registered runtime module: Pyodide's files, the prelude, the baseline once made.
pub fn get(name: &str) -> Option<&'static ModuleSource> {
    match name {
        PRELUDE => Some(PRELUDE_SOURCE.get_or_init(|| ModuleSource::Text(include_str!("prelude.py").into()))),
        _ => ASSETS.get()?.iter().find(|(n, _)| n == name).map(|(_, s)| s),
    }
}
