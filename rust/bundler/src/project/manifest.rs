//! The tenant's `package.json`: where the worker starts (`module`, then `main`) and which npm
//! packages it asks for. It is hostile input like every other file, so anything that is not the
//! shape npm documents is refused with the field it concerns.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{BundleError, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub main: Option<String>,
    pub module: Option<String>,
    /// `dependencies`: package name → the range the tenant wrote (`^4.0.0`).
    pub dependencies: BTreeMap<String, String>,
}

impl Manifest {
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let json: Value = serde_json::from_slice(bytes)
            .map_err(|e| BundleError::Project(format!("package.json is not JSON: {e}")))?;
        let Value::Object(obj) = json else {
            return Err(BundleError::Project("package.json is not a JSON object".into()));
        };
        Ok(Self {
            main: string_field(&obj, "main")?,
            module: string_field(&obj, "module")?,
            dependencies: dependencies(obj.get("dependencies"))?,
        })
    }
}

/// The `dependencies` of a `package.json`, for the npm installer: name → range.
pub fn parse_dependencies(bytes: &[u8]) -> Result<BTreeMap<String, String>> {
    Manifest::parse(bytes).map(|m| m.dependencies)
}

fn string_field(obj: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(BundleError::Project(format!("package.json {key:?} is not a string"))),
    }
}

fn dependencies(value: Option<&Value>) -> Result<BTreeMap<String, String>> {
    let Some(value) = value else { return Ok(BTreeMap::new()) };
    let Value::Object(deps) = value else {
        return Err(BundleError::Project("package.json \"dependencies\" is not an object".into()));
    };
    deps.iter()
        .map(|(name, range)| match range {
            Value::String(r) => Ok((name.clone(), r.clone())),
            _ => {
                Err(BundleError::Project(format!("package.json dependency {name:?} is not a version string")))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entry_fields_and_dependencies() {
        let m = Manifest::parse(br#"{"main":"src/a.js","dependencies":{"hono":"^4.0.0"}}"#).unwrap();
        assert_eq!(m.main.as_deref(), Some("src/a.js"));
        assert_eq!(m.module, None);
        assert_eq!(m.dependencies.get("hono").map(String::as_str), Some("^4.0.0"));
    }

    #[test]
    fn refuses_what_is_not_a_manifest() {
        for bad in [
            &b"{nope"[..],
            b"[]",
            br#"{"main":3}"#,
            br#"{"dependencies":[]}"#,
            br#"{"dependencies":{"a":1}}"#,
        ] {
            assert!(matches!(Manifest::parse(bad), Err(BundleError::Project(_))));
        }
    }
}
