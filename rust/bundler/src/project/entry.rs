//! Which file the worker starts from. An explicit entry point wins; then wrangler's `main` (the
//! worker's entry by definition, where a `package.json` `main` may describe a library build);
//! then `package.json` `module`, `main`; then the conventional `src/index.*` and `index.*`.

use super::{Manifest, Project, Wrangler, normalize};
use crate::error::{BundleError, Result};

const CONVENTIONAL: [&str; 12] = [
    "src/index.ts",
    "src/index.js",
    "src/index.mts",
    "src/index.mjs",
    "src/index.tsx",
    "src/index.jsx",
    "index.ts",
    "index.js",
    "index.mts",
    "index.mjs",
    "index.tsx",
    "index.jsx",
];

/// The entry point's project path, or why there is none.
pub fn detect_entry(
    project: &Project,
    given: Option<&str>,
    wrangler: Option<&Wrangler>,
    manifest: Option<&Manifest>,
) -> Result<String> {
    let named = [
        (given, "the entry_point argument"),
        (wrangler.and_then(|w| w.main.as_deref()), "the wrangler config's \"main\""),
        (manifest.and_then(|m| m.module.as_deref()), "package.json \"module\""),
        (manifest.and_then(|m| m.main.as_deref()), "package.json \"main\""),
    ];
    if let Some((path, source)) = named.iter().find_map(|(p, s)| p.map(|p| (p, s))) {
        let name = normalize(path)?;
        return match project.get(&name) {
            Some(_) => Ok(name),
            None => Err(BundleError::Project(format!(
                "entry point {path:?} (from {source}) is not one of the files"
            ))),
        };
    }
    CONVENTIONAL.iter().find(|p| project.get(p).is_some()).map(|p| (*p).to_owned()).ok_or_else(|| {
        BundleError::Project(
            "no entry point: give entry_point, a wrangler \"main\", a package.json \
                 \"module\"/\"main\", or a src/index.ts (or .js/.tsx/.jsx) file"
                .into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(names: &[&str]) -> Project {
        Project::new(names.iter().map(|n| (*n, "x"))).unwrap()
    }

    #[test]
    fn precedence() {
        let p = project(&["a.js", "b.js", "c.js", "src/index.ts", "index.js"]);
        let w = Wrangler { main: Some("./b.js".into()), ..Default::default() };
        let m = Manifest { main: Some("c.js".into()), ..Default::default() };
        assert_eq!(detect_entry(&p, Some("a.js"), Some(&w), Some(&m)).unwrap(), "a.js");
        assert_eq!(detect_entry(&p, None, Some(&w), Some(&m)).unwrap(), "b.js");
        assert_eq!(detect_entry(&p, None, None, Some(&m)).unwrap(), "c.js");
        assert_eq!(detect_entry(&p, None, None, None).unwrap(), "src/index.ts");
        assert_eq!(detect_entry(&project(&["index.jsx"]), None, None, None).unwrap(), "index.jsx");
    }

    #[test]
    fn a_named_entry_outside_the_files_is_refused() {
        let p = project(&["src/index.ts"]);
        for bad in ["missing.js", "../etc/passwd", "/etc/passwd"] {
            assert!(matches!(detect_entry(&p, Some(bad), None, None), Err(BundleError::Project(_))));
        }
        assert!(detect_entry(&project(&["lib.js"]), None, None, None).is_err());
    }
}
