//! What an install hands the bundler: every package of the dependency tree, where its files are,
//! and which package each of its dependency names means. Resolution of a bare specifier is decided
//! here, once, not by the directory layout: a package's files live in a cache shared by every build,
//! so the same directory can be reached from many trees.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// One package version, as `name@version` names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PkgId {
    pub name: String,
    pub version: String,
}

/// A package of the tree: its extracted files (read-only, in the cache) and its dependencies.
#[derive(Clone, Debug)]
pub struct Package {
    /// The package root (where its `package.json` is).
    pub dir: PathBuf,
    /// Dependency name (as `import`/`require` spell it) → the package it means in this tree.
    pub deps: BTreeMap<String, PkgId>,
}

/// A resolved, fetched and verified dependency tree.
#[derive(Clone, Debug, Default)]
pub struct Installed {
    /// The tenant's own `dependencies`: name → package.
    pub root: BTreeMap<String, PkgId>,
    pub packages: BTreeMap<PkgId, Package>,
    /// What the install left out and why (skipped optional dependencies, tarball links).
    pub warnings: Vec<String>,
}
