//! npm: a tenant's `dependencies` resolved against a registry, fetched, verified and unpacked into
//! a content-addressed cache on disk, and the `Installed` tree the bundler resolves imports with.
//! No V8, no Python; blocking (call `install` from a plain thread). Nothing a package ships is
//! ever run.
//!
//! | module | owns |
//! |---|---|
//! | `install` | the entry point: lock or resolve, then fetch everything, build `Installed` |
//! | `config` | `.npmrc`/environment/argument registry settings, scoped registries, credentials |
//! | `spec` | which dependency specs pass (registry ranges, tags, `npm:` aliases) and package names |
//! | `semver` | which published version a spec picks (npm-pick-manifest's rules) |
//! | `packument` | the registry's metadata document, read leniently |
//! | `metadata` | packuments for one install: memoised, prefetched in parallel, offline from cache |
//! | `registry` | the HTTP client: TLS roots, proxies, auth headers, size and time bounds |
//! | `resolve` | the dependency tree (dedupe, cycles, optional and peer deps) as a `Lock` |
//! | `lock` | the lockfile format and its validation |
//! | `fetch` | one locked package: cache hit, or download, integrity check, extract |
//! | `integrity` | SRI parsing and checking |
//! | `extract` | safe, bounded tarball unpacking |
//! | `cache` | the on-disk cache: atomic publish, concurrent writers, packuments |
//! | `durable` | flushing a written tree to disk before it is published |
//! | `parallel` | running a job on a few threads, the caller's included |
//! | `limits` | caps with their defaults, the install deadline, the byte budget |
//! | `error` | `NpmError` |
//! | `graph` | `Installed`, what the bundler consumes |

mod cache;
mod config;
mod durable;
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
mod parallel;
mod registry;
mod resolve;
mod semver;
mod spec;

pub use cache::Cache;
pub use config::{Auth, DEFAULT_REGISTRY, RegistryConfig, Secret};
pub use error::NpmError;
pub use graph::{Installed, Package, PkgId};
pub use install::{InstallOptions, install};
pub use limits::NpmLimits;
pub use lock::{LOCKFILE_VERSION, Lock, LockedPackage, LockedRoot};
