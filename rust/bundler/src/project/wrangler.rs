//! A wrangler config among the tenant's files (`wrangler.toml`, `wrangler.json`, `wrangler.jsonc`,
//! as wrangler itself looks for them): the entry point and the compatibility settings the worker
//! was written against, which the built `WorkerCode` carries.

use serde::Deserialize;

use super::Project;
use crate::error::{BundleError, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Wrangler {
    pub main: Option<String>,
    pub compatibility_date: Option<String>,
    #[serde(default)]
    pub compatibility_flags: Vec<String>,
}

/// Wrangler's own precedence: `.json`, then `.jsonc`, then `.toml`.
pub(super) fn find(project: &Project) -> Result<Option<Wrangler>> {
    for name in ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] {
        if let Some(bytes) = project.get(name) {
            return parse(name, bytes).map(Some);
        }
    }
    Ok(None)
}

fn parse(name: &str, bytes: &[u8]) -> Result<Wrangler> {
    let bad = |e: &dyn std::fmt::Display| BundleError::Project(format!("{name} does not parse: {e}"));
    let text = std::str::from_utf8(bytes).map_err(|e| bad(&e))?;
    if name.ends_with(".toml") {
        toml::from_str(text).map_err(|e| bad(&e))
    } else {
        let mut text = text.to_owned();
        json_strip_comments::strip(&mut text).map_err(|e| bad(&e))?;
        serde_json::from_str(&text).map_err(|e| bad(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_format() {
        let toml = "name = \"w\"\nmain = \"src/w.ts\"\ncompatibility_date = \"2025-01-01\"\ncompatibility_flags = [\"nodejs_compat\"]\n";
        let w = parse("wrangler.toml", toml.as_bytes()).unwrap();
        assert_eq!(w.main.as_deref(), Some("src/w.ts"));
        assert_eq!(w.compatibility_flags, ["nodejs_compat"]);
        let jsonc = "{ // comment\n \"main\": \"a.js\", /* x */ \"compatibility_date\": \"2024-09-23\", }";
        let w = parse("wrangler.jsonc", jsonc.as_bytes()).unwrap();
        assert_eq!(w.compatibility_date.as_deref(), Some("2024-09-23"));
    }

    #[test]
    fn a_broken_config_is_a_project_error() {
        assert!(matches!(parse("wrangler.toml", b"main = ["), Err(BundleError::Project(_))));
        assert!(matches!(parse("wrangler.json", b"{\"main\": 3}"), Err(BundleError::Project(_))));
    }
}
