//! The one error type of the crate: every way a tenant's project or options can be refused, each
//! naming what it refers to (a path, a file and line) so the caller can show it as is.

use std::fmt;

/// Where in a tenant's source something went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the project (or a package, `node_modules/<name>/…`) names it.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in UTF-16 units as editors count.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleError {
    /// An option the bundler cannot honour (unknown target, loader, jsx mode…).
    Options(String),
    /// The project's files: a path that is absolute or climbs out, a `package.json` or wrangler
    /// config that does not parse, an entry point that is not among the files or none found.
    Project(String),
    /// An import that resolves to nothing the project or its packages hold.
    Unresolved { specifier: String, at: Option<Location>, message: String },
    /// A file (the tenant's or a package's) that does not parse.
    Syntax { at: Option<Location>, message: String },
    /// Anything else the bundler refused, with its own words.
    Build(String),
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::Options(m) => write!(f, "bad bundler option: {m}"),
            BundleError::Project(m) => write!(f, "{m}"),
            BundleError::Unresolved { at: Some(at), message, .. }
            | BundleError::Syntax { at: Some(at), message } => write!(f, "{at}: {message}"),
            BundleError::Unresolved { message, .. } | BundleError::Syntax { message, .. } => {
                write!(f, "{message}")
            }
            BundleError::Build(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for BundleError {}

pub type Result<T> = std::result::Result<T, BundleError>;
