//! The registry's package document (the abbreviated `application/vnd.npm.install-v1+json` form
//! carries everything an install reads). Fields we do not use are not kept. Old versions carry
//! odd shapes (`"dependencies": []`), so each version's fields are read leniently, as npm does:
//! what has the wrong type counts as absent rather than failing the whole package.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::NpmError;

#[derive(Clone, Debug, Deserialize)]
pub struct Packument {
    #[serde(default, rename = "dist-tags")]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub versions: BTreeMap<String, Manifest>,
}

/// One published version.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    #[serde(default, deserialize_with = "string_map")]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "string_map")]
    pub optional_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "string_map")]
    pub peer_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient")]
    pub peer_dependencies_meta: BTreeMap<String, PeerMeta>,
    #[serde(default, deserialize_with = "lenient")]
    pub dist: Option<Dist>,
    /// npm shows a deprecation as a message; any value but `false`/absent counts.
    #[serde(default)]
    pub deprecated: Option<serde_json::Value>,
    /// Platform restrictions: set on packages that ship native binaries.
    #[serde(default)]
    pub os: Option<serde_json::Value>,
    #[serde(default)]
    pub cpu: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct PeerMeta {
    #[serde(default)]
    pub optional: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Dist {
    pub tarball: String,
    pub integrity: Option<String>,
}

impl Manifest {
    pub fn is_deprecated(&self) -> bool {
        !matches!(
            self.deprecated,
            None | Some(serde_json::Value::Bool(false)) | Some(serde_json::Value::Null)
        )
    }

    pub fn is_platform_specific(&self) -> bool {
        self.os.is_some() || self.cpu.is_some()
    }
}

/// The string-valued entries of an object; anything else is no entries.
fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let Value::Object(map) = Value::deserialize(d)? else {
        return Ok(BTreeMap::new());
    };
    let strings = map.into_iter().filter_map(|(k, v)| match v {
        Value::String(s) => Some((k, s)),
        _ => None,
    });
    Ok(strings.collect())
}

/// `T` if the value has its shape, else `T::default()`.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).unwrap_or_default())
}

pub fn parse(package: &str, body: &[u8]) -> Result<Packument, NpmError> {
    serde_json::from_slice(body)
        .map_err(|e| NpmError::BadMetadata { package: package.to_string(), detail: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_shapes_in_old_versions_count_as_absent() {
        let body = br#"{"versions": {"1.0.0": {"dependencies": [], "dist": "x",
            "optionalDependencies": {"a": "1", "b": 2}, "peerDependenciesMeta": 7}}}"#;
        let packument = parse("old", body).unwrap();
        let manifest = &packument.versions["1.0.0"];
        assert!(manifest.dependencies.is_empty() && manifest.dist.is_none());
        assert_eq!(manifest.optional_dependencies.len(), 1);
        assert!(matches!(parse("bad", br#"{"versions": 5}"#), Err(NpmError::BadMetadata { .. })));
    }
}
