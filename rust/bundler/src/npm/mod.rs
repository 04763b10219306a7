//! npm: registry configuration, semver resolution, tarball fetching and verification, the
//! content-addressed cache on disk, lockfiles.

mod graph;

pub use graph::{Installed, Package, PkgId};
