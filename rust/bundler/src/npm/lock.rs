//! The lockfile: every package of a resolved tree with its tarball URL, integrity and dependency
//! edges, as versioned JSON. A lock is checked whole before use (names, URLs, integrities, edges
//! that point inside it), since a caller may hand back one that was stored where a tenant could
//! edit it.
//!
//! ```json
//! {"lockfileVersion": 1,
//!  "root": {"hono": {"spec": "^4.0.0", "package": "hono@4.6.3"}},
//!  "packages": {"hono@4.6.3": {"name": "hono", "version": "4.6.3",
//!     "tarball": "https://registry.npmjs.org/hono/-/hono-4.6.3.tgz",
//!     "integrity": "sha512-…", "dependencies": {}}}}
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::error::NpmError;
use super::integrity::Integrity;
use super::semver;
use super::spec;

pub const LOCKFILE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lock {
    pub lockfile_version: u32,
    /// The tenant's dependencies: name as imported → what it resolved to.
    pub root: BTreeMap<String, LockedRoot>,
    /// `name@version` → the package.
    pub packages: BTreeMap<String, LockedPackage>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedRoot {
    /// The spec `package.json` said when this was resolved.
    pub spec: String,
    /// A key of `Lock::packages`.
    pub package: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    pub tarball: String,
    /// SRI, always SHA-256 or stronger.
    pub integrity: String,
    /// Dependency name as imported → a key of `Lock::packages`.
    #[serde(default)]
    pub dependencies: BTreeMap<String, String>,
    /// Reached only through optional dependencies: a failure to fetch it drops it, with what
    /// only it served, instead of failing the install.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

pub fn key(name: &str, version: &str) -> String {
    format!("{name}@{version}")
}

impl Default for Lock {
    fn default() -> Self {
        Lock { lockfile_version: LOCKFILE_VERSION, root: BTreeMap::new(), packages: BTreeMap::new() }
    }
}

impl Lock {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses and validates a lock.
    pub fn from_json(text: &str) -> Result<Self, NpmError> {
        let lock: Lock = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        lock.validate()?;
        Ok(lock)
    }

    pub fn validate(&self) -> Result<(), NpmError> {
        if self.lockfile_version != LOCKFILE_VERSION {
            return Err(bad(format!(
                "lockfileVersion {} (this build reads {LOCKFILE_VERSION})",
                self.lockfile_version
            )));
        }
        for (k, package) in &self.packages {
            package.validate(k)?;
            if let Some(missing) = package.dependencies.values().find(|d| !self.packages.contains_key(*d)) {
                return Err(bad(format!("{k} depends on {missing}, which the lock lacks")));
            }
        }
        for alias in self.root.keys() {
            spec::check_name(alias).map_err(bad)?;
        }
        match self.root.values().find(|r| !self.packages.contains_key(&r.package)) {
            Some(missing) => Err(bad(format!("root entry {} is not locked", missing.package))),
            None => Ok(()),
        }
    }

    /// The lock without the packages its roots no longer reach.
    pub fn reachable(&self) -> Lock {
        let mut out = Lock { root: self.root.clone(), ..Lock::default() };
        let mut todo: Vec<&String> = self.root.values().map(|r| &r.package).collect();
        while let Some(key) = todo.pop() {
            if out.packages.contains_key(key) {
                continue;
            }
            if let Some(package) = self.packages.get(key) {
                todo.extend(package.dependencies.values());
                out.packages.insert(key.clone(), package.clone());
            }
        }
        out
    }

    /// The lock less `failed` optional packages, the optional ones that depend on them, and
    /// whatever that leaves unreachable.
    pub fn without_optional(&self, mut failed: BTreeSet<String>) -> Lock {
        loop {
            let dependents: Vec<String> = self
                .packages
                .iter()
                .filter(|(key, p)| p.optional && !failed.contains(*key))
                .filter(|(_, p)| p.dependencies.values().any(|d| failed.contains(d)))
                .map(|(key, _)| key.clone())
                .collect();
            if dependents.is_empty() {
                break;
            }
            failed.extend(dependents);
        }
        let mut out = self.clone();
        out.packages.retain(|key, _| !failed.contains(key));
        for package in out.packages.values_mut() {
            package.dependencies.retain(|_, dep| !failed.contains(dep));
        }
        out.reachable()
    }

    /// Whether the lock still answers `deps` (name → spec): every dependency is locked, to a
    /// version its spec (as written now) accepts. Extra locked roots do not matter.
    pub fn satisfies(&self, deps: &BTreeMap<String, String>) -> bool {
        deps.iter().all(|(alias, text)| {
            let Some(root) = self.root.get(alias) else {
                return false;
            };
            let Some(locked) = self.packages.get(&root.package) else {
                return false;
            };
            if root.spec == *text {
                return true;
            }
            spec::parse(alias, text).is_ok_and(|dep| {
                dep.name == locked.name && semver::satisfies(None, &locked.version, &dep.want)
            })
        })
    }
}

impl LockedPackage {
    fn validate(&self, k: &str) -> Result<(), NpmError> {
        if *k != key(&self.name, &self.version) {
            return Err(bad(format!("entry {k} names {}@{}", self.name, self.version)));
        }
        spec::check_name(&self.name).map_err(bad)?;
        nodejs_semver::Version::parse(&self.version)
            .map_err(|_| bad(format!("{k}: version is not semver")))?;
        if Integrity::parse(&self.integrity).is_none() {
            return Err(bad(format!("{k}: integrity is not sha256/384/512 SRI")));
        }
        let url = url::Url::parse(&self.tarball).map_err(|e| bad(format!("{k}: tarball {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!("{k}: tarball is not http(s)")));
        }
        for alias in self.dependencies.keys() {
            spec::check_name(alias).map_err(bad)?;
        }
        Ok(())
    }
}

fn bad(detail: impl Into<String>) -> NpmError {
    NpmError::BadLock { detail: detail.into() }
}
