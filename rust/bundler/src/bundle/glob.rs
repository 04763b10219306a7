//! The glob of a computed `import()` specifier, under rollup's dynamic-import-vars rules: each
//! expression is a `*` matching within one path segment (never a `/`, never a leading `.`), the
//! static part starts with `./` or `../` and the glob ends with a file extension. It is matched
//! against the tenant's files in the build's file system only, so however far its `../` climbs
//! it lists nothing of the host.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::vfs::{PROJECT, Vfs, lexical};

/// The most files one computed `import()` may match: each becomes a module of the build.
pub const MAX_MATCHES: usize = 1000;

/// The most files all the computed imports of a build may match together: each match is a line
/// of generated code.
pub const MAX_MATCHES_IN_ALL: usize = 10 * MAX_MATCHES;

/// The most times a build may compare a file with a glob: a source can hold many computed
/// imports, each compared with every file below its static directory.
pub const MAX_COMPARISONS: usize = 1 << 20;

/// What the computed imports of one build have spent so far.
#[derive(Debug, Default)]
pub struct Budget {
    compared: AtomicUsize,
    matched: AtomicUsize,
}

impl Budget {
    fn spend(counter: &AtomicUsize, n: usize, cap: usize) -> bool {
        counter.fetch_add(n, Ordering::Relaxed).saturating_add(n) <= cap
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Glob {
    /// The static part up to the last `/` before the first `*`, as the source spells it.
    dir: String,
    /// The rest, matched against paths below `dir`.
    rest: String,
}

impl Glob {
    /// `Ok(None)` for a specifier with nothing computed in it or nothing static before the
    /// first expression (left to the worker's module map at run time); `Err` says why a glob
    /// cannot be made of it.
    pub fn parse(glob: &str) -> Result<Option<Self>, String> {
        let mut glob = glob.to_owned();
        while glob.contains("**") {
            glob = glob.replace("**", "*");
        }
        let Some(first_star) = glob.find('*') else { return Ok(None) };
        if first_star == 0 {
            return Ok(None);
        }
        if !glob.starts_with("./") && !glob.starts_with("../") {
            return Err("its static part must start with ./ or ../".into());
        }
        if Path::new(&glob).extension().is_none() {
            return Err("it must end with a file extension, as in `./pages/${name}.js`".into());
        }
        let split = glob[..first_star].rfind('/').map_or(0, |i| i + 1);
        Ok(Some(Self { dir: glob[..split].to_owned(), rest: glob[split..].to_owned() }))
    }

    /// The specifiers, spelled as the source spells them, of the project files the glob matches
    /// from a module in `importer_dir`; `Err` says which cap it went past.
    pub fn matches(&self, vfs: &Vfs, importer_dir: &Path, budget: &Budget) -> Result<Vec<String>, String> {
        let Some(base) = lexical(&importer_dir.join(&self.dir)).filter(|b| b.starts_with(PROJECT)) else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        let mut compared = 0;
        for file in vfs.project_files_under(&base) {
            compared += 1;
            let Some(rel) = relative(&base, file) else { continue };
            if path_matches(&self.rest, &rel) {
                if found.len() == MAX_MATCHES {
                    return Err(format!("matches more than {MAX_MATCHES} files"));
                }
                found.push(format!("{}{rel}", self.dir));
            }
        }
        if !Budget::spend(&budget.compared, compared, MAX_COMPARISONS) {
            return Err(format!(
                "takes the build's computed imports past {MAX_COMPARISONS} file comparisons"
            ));
        }
        if !Budget::spend(&budget.matched, found.len(), MAX_MATCHES_IN_ALL) {
            return Err(format!(
                "takes the build's computed imports past {MAX_MATCHES_IN_ALL} matched files"
            ));
        }
        Ok(found)
    }
}

fn relative(base: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(base).ok()?.to_str()?;
    Some(rel.replace('\\', "/"))
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, n)| segment_matches(p, n))
}

/// `*` matches any run of characters within the segment, as a shell glob's does; a name
/// starting with `.` is matched only by a pattern that spells the `.` out.
fn segment_matches(pattern: &str, name: &str) -> bool {
    let pieces: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = pieces.as_slice() else { return pattern == name };
    if pattern.starts_with('*') && name.starts_with('.') {
        return false;
    }
    if name.len() < first.len() + last.len() || !name.starts_with(first) || !name.ends_with(last) {
        return false;
    }
    let mut between = &name[first.len()..name.len() - last.len()];
    for piece in middle {
        match between.find(piece) {
            Some(at) => between = &between[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(s: &str) -> Glob {
        Glob::parse(s).unwrap().unwrap()
    }

    #[test]
    fn globs_follow_rollups_rules() {
        assert_eq!(glob("./pages/*.js"), Glob { dir: "./pages/".into(), rest: "*.js".into() });
        assert_eq!(glob("../lib/x-**.ts"), Glob { dir: "../lib/".into(), rest: "x-*.ts".into() });
        assert_eq!(glob("./*/index.js").dir, "./");
        assert_eq!(Glob::parse("./pages/a.js"), Ok(None));
        assert_eq!(Glob::parse("*.js"), Ok(None));
        assert!(Glob::parse("pkg/*.js").is_err());
        assert!(Glob::parse("/abs/*.js").is_err());
        assert!(Glob::parse("./pages/*").is_err());
        assert!(Glob::parse("../../*").is_err());
    }

    #[test]
    fn a_star_stays_within_one_segment_and_skips_dot_files() {
        assert!(segment_matches("*.js", "a.js"));
        assert!(segment_matches("page-*.js", "page-home.js"));
        assert!(segment_matches("*-*.js", "a-b.js"));
        assert!(!segment_matches("*-*.js", "ab.js"));
        assert!(!segment_matches("*.js", ".env.js"));
        assert!(!segment_matches("a*a", "a"));
        assert!(path_matches("*/index.js", "x/index.js"));
        assert!(!path_matches("*.js", "x/a.js"));
    }
}
