//! The entry point: `package.json` dependencies (and a lock, if one was kept) in, an `Installed`
//! tree on disk and the lock that reproduces it out. A lock that still satisfies the
//! dependencies is used as is (no metadata requests); only tarballs missing from the cache are
//! fetched, in parallel, by their locked URL and integrity. A package only optional dependencies
//! reach that cannot be fetched is left out of the tree (with a warning), not of the lock.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::cache::Cache;
use super::config::RegistryConfig;
use super::error::NpmError;
use super::fetch::Fetcher;
use super::graph::{Installed, Package, PkgId};
use super::limits::{Budget, Deadline, NpmLimits};
use super::lock::{Lock, LockedPackage, LockedRoot};
use super::metadata::Metadata;
use super::parallel;
use super::registry::Registry;
use super::resolve;
use super::spec;

/// A cache writer's private directory this old belongs to a dead process (other installs sharing
/// the cache may run with longer timeouts than this one, hence a floor).
const STALE_PRIVATE_DIR: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug)]
pub struct InstallOptions {
    pub config: RegistryConfig,
    /// Default: `Cache::default_root()`.
    pub cache_dir: PathBuf,
    /// Use only the cache; fail naming the first package it lacks.
    pub offline: bool,
    pub limits: NpmLimits,
    /// Registry requests (metadata, tarballs) in flight at once.
    pub concurrency: usize,
}

impl InstallOptions {
    pub fn new(config: RegistryConfig) -> Self {
        InstallOptions {
            config,
            cache_dir: Cache::default_root(),
            offline: false,
            limits: NpmLimits::default(),
            concurrency: 8,
        }
    }
}

/// Resolves `deps` (name → spec, as `package.json` `dependencies` says), fetches and verifies
/// every package into the cache, and returns the tree with its lock. Blocking.
pub fn install(
    deps: &BTreeMap<String, String>,
    lock: Option<&Lock>,
    opts: &InstallOptions,
) -> Result<(Installed, Lock), NpmError> {
    for (alias, text) in deps {
        spec::parse(alias, text)?;
    }
    let deadline = Deadline::after(opts.limits.timeout);
    let budget = Budget::new(opts.limits.max_total_bytes);
    let cache = Cache::open(&opts.cache_dir)?;
    cache.sweep(opts.limits.timeout.saturating_mul(2).max(STALE_PRIVATE_DIR));
    let registry = match opts.offline {
        true => None,
        false => Some(Registry::new(opts.config.clone(), &opts.limits)?),
    };
    let mut warnings = Vec::new();
    let lock = match lock {
        Some(lock) if usable(lock, deps)? => for_deps(lock, deps),
        _ => {
            let mut meta = Metadata::new(
                &opts.config,
                registry.as_ref(),
                &cache,
                &opts.limits,
                &budget,
                deadline,
                opts.concurrency,
            );
            let resolved = resolve::resolve(deps, &mut meta, lock)?;
            warnings = resolved.warnings;
            resolved.lock
        }
    };
    lock.validate()?;
    if lock.packages.len() > opts.limits.max_packages {
        return Err(NpmError::CapExceeded {
            cap: "packages per install",
            limit: opts.limits.max_packages as u64,
            package: "the lock".into(),
        });
    }
    let fetcher = Fetcher {
        registry: registry.as_ref(),
        cache: &cache,
        limits: &opts.limits,
        budget: &budget,
        deadline,
    };
    let fetched = fetch_all(&fetcher, &lock, opts.concurrency)?;
    warnings.extend(fetched.skipped);
    let mut tree = lock.clone();
    if !fetched.dropped.is_empty() {
        for (key, error) in &fetched.dropped {
            warnings.push(format!("optional package {key} left out: {error}"));
        }
        tree = lock.without_optional(fetched.dropped.into_keys().collect());
    }
    Ok((installed(&tree, fetched.dirs, warnings), lock))
}

fn usable(lock: &Lock, deps: &BTreeMap<String, String>) -> Result<bool, NpmError> {
    lock.validate()?;
    Ok(lock.satisfies(deps))
}

/// The part of `lock` that `deps` reaches, with the specs as `package.json` now writes them.
fn for_deps(lock: &Lock, deps: &BTreeMap<String, String>) -> Lock {
    let mut roots = lock.clone();
    roots.root = deps
        .iter()
        .filter_map(|(alias, spec)| {
            let package = lock.root.get(alias)?.package.clone();
            Some((alias.clone(), LockedRoot { spec: spec.clone(), package }))
        })
        .collect();
    roots.reachable()
}

type Dirs = BTreeMap<String, PathBuf>;

/// What fetching the lock's packages gave.
#[derive(Default)]
struct Fetched {
    dirs: Dirs,
    /// Entries extraction left out.
    skipped: Vec<String>,
    /// Optional packages that could not be fetched, and why.
    dropped: BTreeMap<String, NpmError>,
}

/// Every locked package onto disk, `concurrency` at a time; the first error for a package that
/// is not optional stops the rest.
fn fetch_all(fetcher: &Fetcher<'_>, lock: &Lock, concurrency: usize) -> Result<Fetched, NpmError> {
    let todo: Vec<(&String, &LockedPackage)> = lock.packages.iter().collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let done = Mutex::new((Fetched::default(), None::<NpmError>));
    let worker = || {
        while !failed.load(Ordering::Relaxed) {
            let Some((key, package)) = todo.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return;
            };
            let result = fetcher.fetch(package);
            let mut done = done.lock().unwrap_or_else(|p| p.into_inner());
            match result {
                Ok(landed) => {
                    done.0.dirs.insert((*key).clone(), landed.dir);
                    done.0.skipped.extend(landed.skipped);
                }
                Err(e) if package.optional => {
                    done.0.dropped.insert((*key).clone(), e);
                }
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    done.1.get_or_insert(e);
                }
            }
        }
    };
    parallel::run(concurrency.clamp(1, todo.len().max(1)), worker);
    match done.into_inner().unwrap_or_else(|p| p.into_inner()) {
        (_, Some(e)) => Err(e),
        (fetched, None) => Ok(fetched),
    }
}

fn installed(lock: &Lock, mut dirs: Dirs, warnings: Vec<String>) -> Installed {
    let id = |key: &String| {
        lock.packages.get(key).map(|p| PkgId { name: p.name.clone(), version: p.version.clone() })
    };
    let root = lock.root.iter().filter_map(|(alias, r)| Some((alias.clone(), id(&r.package)?))).collect();
    let packages = lock
        .packages
        .iter()
        .filter_map(|(key, package)| {
            let deps = package
                .dependencies
                .iter()
                .filter_map(|(alias, dep)| Some((alias.clone(), id(dep)?)))
                .collect();
            let dir = dirs.remove(key)?;
            Some((id(key)?, Package { dir, deps }))
        })
        .collect();
    Installed { root, packages, warnings }
}
