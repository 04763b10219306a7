//! The registry's package document (the abbreviated `application/vnd.npm.install-v1+json` form
//! carries everything an install reads). Fields we do not use are not kept.

use std::collections::BTreeMap;

use serde::Deserialize;

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
    #[serde(default)]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default)]
    pub optional_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    pub peer_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    pub peer_dependencies_meta: BTreeMap<String, PeerMeta>,
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

pub fn parse(package: &str, body: &[u8]) -> Result<Packument, NpmError> {
    serde_json::from_slice(body)
        .map_err(|e| NpmError::BadMetadata { package: package.to_string(), detail: e.to_string() })
}
