//! `NpmError`: every way an install fails, each naming the package (or the setting) at fault, so
//! the Python layer can map a variant to a typed exception. Messages never carry credentials.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NpmError {
    /// The registry has no such package.
    #[error("npm package {package} not found in the registry ({registry})")]
    NotFound { package: String, registry: String },

    /// The package exists, but no published version matches the spec.
    #[error("no version of npm package {package} matches {spec:?}")]
    NoMatchingVersion { package: String, spec: String },

    /// A tarball does not match its `integrity`, or has no integrity strong enough to check.
    #[error("integrity check failed for {package}: {detail}")]
    IntegrityMismatch { package: String, detail: String },

    /// A dependency spec that is not a registry semver range, tag or `npm:` alias.
    #[error("refused dependency {package}@{spec:?}: {reason}")]
    RefusedSpec { package: String, spec: String, reason: String },

    /// An install cap (package count, bytes, time) was reached.
    #[error("npm install cap exceeded: {cap} (limit {limit}) at {package}")]
    CapExceeded { cap: &'static str, limit: u64, package: String },

    /// Offline, and the cache lacks what the install needs.
    #[error("offline: {package} is not in the npm cache")]
    OfflineMiss { package: String },

    /// The registry could not be reached, or answered with an error.
    #[error("registry request for {package} failed: {detail}")]
    Network { package: String, detail: String },

    /// Registry metadata that cannot be used (malformed JSON, missing fields).
    #[error("bad registry metadata for {package}: {detail}")]
    BadMetadata { package: String, detail: String },

    /// A tarball that cannot be extracted safely (corrupt gzip/tar, path traversal).
    #[error("bad tarball for {package}: {detail}")]
    BadTarball { package: String, detail: String },

    /// A lockfile that cannot be used as given.
    #[error("bad lockfile: {detail}")]
    BadLock { detail: String },

    /// Registry configuration (`.npmrc`, `npm_config_registry`, the registry argument, `cafile`).
    #[error("npm configuration: {detail}")]
    Config { detail: String },

    /// The cache directory could not be read or written.
    #[error("npm cache at {path}: {detail}")]
    Cache { path: String, detail: String },
}

impl NpmError {
    pub(crate) fn cache(path: &std::path::Path, err: impl std::fmt::Display) -> Self {
        NpmError::Cache { path: path.display().to_string(), detail: err.to_string() }
    }
}
