//! npm: registry configuration, semver resolution, tarball fetching and verification, the
//! content-addressed cache on disk, lockfiles. `install` is the one entry point.

mod cache;
mod config;
mod error;
mod extract;
mod fetch;
mod graph;
mod install;
mod integrity;
mod limits;
mod lock;
mod metadata;
mod packument;
mod registry;
mod resolve;
mod semver;
mod spec;

pub use cache::Cache;
pub use config::{DEFAULT_REGISTRY, RegistryConfig};
pub use error::NpmError;
pub use graph::{Installed, Package, PkgId};
pub use install::{InstallOptions, install};
pub use limits::NpmLimits;
pub use lock::{LOCKFILE_VERSION, Lock, LockedPackage, LockedRoot};
