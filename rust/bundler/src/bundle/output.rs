//! What a build hands back: the worker's modules by name, which one is the main module, the
//! compatibility settings of a wrangler config, the warnings and how long it took.

use std::collections::BTreeMap;
use std::time::Duration;

use rolldown::BundleOutput;
use rolldown_common::Output as Emitted;

use super::errors;
use crate::error::{BundleError, Result};

/// A module's type, as `WorkerCode` knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleKind {
    Esm,
    Text,
    Data,
    Wasm,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    pub kind: ModuleKind,
    pub content: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct Output {
    pub main_module: String,
    pub modules: Vec<Module>,
    pub compatibility_date: Option<String>,
    pub compatibility_flags: Vec<String>,
    pub warnings: Vec<String>,
    pub bundle_time: Duration,
}

pub(super) fn collect(
    generated: BundleOutput,
    assets: BTreeMap<String, (ModuleKind, Vec<u8>)>,
    entry: &str,
) -> Result<Output> {
    let mut modules: BTreeMap<String, Module> = BTreeMap::new();
    let mut main_module = None;
    for emitted in generated.assets {
        let name = emitted.filename().to_owned();
        if let Emitted::Chunk(chunk) = &emitted
            && chunk.is_entry
        {
            main_module = Some(name.clone());
        }
        let kind = if matches!(emitted, Emitted::Chunk(_)) { ModuleKind::Esm } else { ModuleKind::Data };
        modules.insert(name.clone(), Module { name, kind, content: emitted.content_as_bytes().to_vec() });
    }
    for (name, (kind, content)) in assets {
        if modules.contains_key(&name) {
            return Err(BundleError::Build(format!("{name:?} is both a bundled module and a file module")));
        }
        modules.insert(name.clone(), Module { name, kind, content });
    }
    let main_module = main_module
        .ok_or_else(|| BundleError::Build(format!("the build of {entry:?} produced no entry module")))?;
    Ok(Output {
        main_module,
        modules: modules.into_values().collect(),
        warnings: errors::warning_lines(&generated.warnings),
        ..Output::default()
    })
}
