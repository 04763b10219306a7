//! worker-bundler: a tenant's files and `package.json` in, a worker's modules out. No V8 and no
//! Python here: `npm` fetches and lays out dependencies, `project` reads the tenant's files
//! (entry point, `package.json`, wrangler config), `bundle` resolves and bundles; the engine's
//! `py/` layer exposes them as `workerbox.bundler`.

pub mod bundle;
mod error;
pub mod npm;
pub mod project;

pub use bundle::{Jsx, Loader, Module, ModuleKind, Options, Output, bundle};
pub use error::{BundleError, Location, Result};
pub use project::{Project, parse_dependencies};
