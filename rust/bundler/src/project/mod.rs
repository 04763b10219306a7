//! A tenant's project as the bundler sees it: files by relative path (checked: no absolute paths,
//! no `..`, nothing that could name a file outside the project), its `package.json` and wrangler
//! config, and which file the worker starts from.

mod entry;
mod manifest;
mod wrangler;

use std::collections::BTreeMap;

use crate::error::{BundleError, Result};

pub use entry::detect_entry;
pub use manifest::{Manifest, parse_dependencies};
pub use wrangler::Wrangler;

/// The tenant's files, keyed by normalized relative path (`src/index.ts`).
#[derive(Clone, Debug, Default)]
pub struct Project {
    files: BTreeMap<String, Vec<u8>>,
}

impl Project {
    /// Takes the files as the caller spells their paths; `./a`, `a//b` and `a\b` are accepted and
    /// normalized, while an absolute path, a `..` segment, an empty path or a NUL is refused: the
    /// files are the whole project and nothing in them may name a place outside it.
    pub fn new<I, P, B>(files: I) -> Result<Self>
    where
        I: IntoIterator<Item = (P, B)>,
        P: AsRef<str>,
        B: Into<Vec<u8>>,
    {
        let mut out = BTreeMap::new();
        for (path, bytes) in files {
            let name = normalize(path.as_ref())?;
            if out.insert(name.clone(), bytes.into()).is_some() {
                return Err(BundleError::Project(format!("file {name:?} is given twice")));
            }
        }
        Ok(Self { files: out })
    }

    pub fn files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.files
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// The project's `package.json`, if it has one.
    pub fn manifest(&self) -> Result<Option<Manifest>> {
        self.get("package.json").map(Manifest::parse).transpose()
    }

    /// The project's wrangler config (`wrangler.toml`, `.json` or `.jsonc`), if it has one.
    pub fn wrangler(&self) -> Result<Option<Wrangler>> {
        wrangler::find(self)
    }
}

/// A project-relative path with `/` separators and no `.` segments, or why it is refused.
pub fn normalize(path: &str) -> Result<String> {
    let refuse = |why: &str| Err(BundleError::Project(format!("file path {path:?} {why}")));
    if path.contains('\0') {
        return refuse("contains a NUL");
    }
    let unified = path.replace('\\', "/");
    if unified.starts_with('/') || unified.as_bytes().get(1) == Some(&b':') {
        return refuse("is absolute; paths are relative to the project");
    }
    let mut parts = Vec::new();
    for seg in unified.split('/') {
        match seg {
            "" | "." => {}
            ".." => return refuse("climbs out of the project with '..'"),
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return refuse("names no file");
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_or_refused() {
        assert_eq!(normalize("./src//a.ts").unwrap(), "src/a.ts");
        assert_eq!(normalize("src\\a.ts").unwrap(), "src/a.ts");
        for bad in ["/etc/passwd", "../x.js", "src/../../x", "C:/x", "", ".", "a\0b"] {
            assert!(matches!(normalize(bad), Err(BundleError::Project(_))), "{bad:?}");
        }
    }

    #[test]
    fn a_file_given_twice_is_refused() {
        let err = Project::new([("a.js", "1"), ("./a.js", "2")]).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }
}
