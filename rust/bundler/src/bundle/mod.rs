//! Bundling with rolldown: the tenant's files and an install graph in, a worker's modules out.
//! rolldown reads through [`vfs::Vfs`] only (never the host's file system), resolves with its own
//! oxc_resolver under the Workers conditions, transforms TypeScript and JSX with oxc and wraps
//! CommonJS; [`plugin::WorkerPlugin`] decides what stays outside the bundle.

mod depth;
mod dynamic_import;
mod errors;
mod glob;
mod options;
mod output;
mod plugin;
mod stack;
mod vfs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rolldown::{BundleFactory, BundleFactoryOptions};
use rolldown_common::{Platform, TsConfig};
use rolldown_resolver::Resolver;

use crate::error::{BundleError, Result};
use crate::npm::Installed;
use crate::project::{Project, detect_entry};

pub use options::{Jsx, Loader, Options};
pub use output::{Module, ModuleKind, Output};
pub use vfs::{MAX_SOURCE_BYTES, PROJECT, STORE};

/// Bundles the project from its entry point (given in `opts` or detected).
pub fn bundle(project: &Project, installed: &Installed, opts: &Options) -> Result<Output> {
    let started = Instant::now();
    let wrangler = project.wrangler()?;
    let manifest = project.manifest()?;
    let entry = detect_entry(project, opts.entry_point.as_deref(), wrangler.as_ref(), manifest.as_ref())?;
    let vfs = vfs::Vfs::new(project, installed)?;
    let bundler_options = opts.rolldown(&entry)?;
    let resolve = bundler_options.resolve.clone().unwrap_or_default();
    let resolver = Arc::new(Resolver::new(
        vfs.clone(),
        PathBuf::from(PROJECT),
        Platform::Browser,
        &tsconfig(project),
        resolve,
    ));
    let assets = Arc::new(Mutex::new(BTreeMap::new()));
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let plugin = plugin::WorkerPlugin {
        vfs: vfs.clone(),
        resolver: Arc::clone(&resolver),
        externals: opts.externals.clone(),
        virtual_modules: opts.virtual_modules.clone(),
        loaders: opts.loaders()?,
        assets: Arc::clone(&assets),
        required: Arc::default(),
        warnings: Arc::clone(&warnings),
        globs: glob::Budget::default(),
    };
    // The factory also makes a resolver over the host's file system; only
    // `PluginContext::resolve` reaches it, which no plugin of this build calls (rolldown's copy
    // and asset plugins act only on the `copy`/`asset` module types, never configured here).
    let mut factory = BundleFactory::new(BundleFactoryOptions {
        bundler_options,
        plugins: vec![Arc::new(plugin)],
        session: None,
        disable_tracing_setup: true,
    })
    .map_err(|e| errors::from_diagnostics(e.into_vec()))?;
    let largest_source = vfs.largest_source();
    let bundle = factory.create_bundle_with_fs(vfs, resolver);
    let generated = stack::run_deep(largest_source, || {
        runtime()?.block_on(bundle.generate()).map_err(|e| errors::from_diagnostics(e.into_vec()))
    })?;
    errors::refuse_unresolved(&generated.warnings)?;
    let assets = std::mem::take(&mut *assets.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    let mut out = output::collect(generated, assets, &entry)?;
    out.warnings.append(&mut warnings.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    if let Some(w) = wrangler {
        out.compatibility_date = w.compatibility_date;
        out.compatibility_flags = w.compatibility_flags;
    }
    out.bundle_time = started.elapsed();
    Ok(out)
}

/// The tenant's root `tsconfig.json`, for its `paths` and `baseUrl`: read (with whatever it
/// `extends`) by the bundle's resolver, through the build's file system only. Its compiler options
/// do not reach the transform: rolldown looks a transform's tsconfig up on the host's file
/// system, so the bundler options keep tsconfig off (`Options::rolldown`).
fn tsconfig(project: &Project) -> TsConfig {
    match project.get("tsconfig.json") {
        Some(_) => TsConfig::Manual(Path::new(PROJECT).join("tsconfig.json")),
        None => TsConfig::Auto(false),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| BundleError::Build(format!("cannot start the bundler's runtime: {e}")))
}
