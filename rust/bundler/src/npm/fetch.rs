//! One locked package onto disk: from the cache when it holds the integrity, else downloaded by
//! the locked URL, checked against the locked integrity BEFORE anything is unpacked, and extracted
//! into the cache. Nothing is ever run.

use std::path::PathBuf;

use url::Url;

use super::cache::Cache;
use super::error::NpmError;
use super::extract;
use super::integrity::Integrity;
use super::limits::{Budget, Deadline, NpmLimits};
use super::lock::{self, LockedPackage};
use super::registry::{Fetched, Registry};

pub struct Fetcher<'a> {
    /// `None` offline.
    pub registry: Option<&'a Registry>,
    pub cache: &'a Cache,
    pub limits: &'a NpmLimits,
    pub budget: &'a Budget,
    pub deadline: Deadline,
}

/// Where a package landed, and what extraction left out.
pub struct Landed {
    pub dir: PathBuf,
    pub skipped: Vec<String>,
}

impl Fetcher<'_> {
    pub fn fetch(&self, package: &LockedPackage) -> Result<Landed, NpmError> {
        let key = lock::key(&package.name, &package.version);
        let integrity = Integrity::parse(&package.integrity).ok_or_else(|| NpmError::IntegrityMismatch {
            package: key.clone(),
            detail: "no sha256/384/512 integrity".into(),
        })?;
        if let Some(dir) = self.cache.get(&integrity) {
            return Ok(Landed { dir, skipped: Vec::new() });
        }
        let Some(registry) = self.registry else {
            return Err(NpmError::OfflineMiss { package: key });
        };
        let tgz = self.download(registry, &key, &package.tarball)?;
        if !integrity.matches(&tgz) {
            return Err(NpmError::IntegrityMismatch {
                package: key,
                detail: format!("tarball does not match {}", package.integrity),
            });
        }
        let (dir, unpacked) =
            self.cache.insert(&integrity, |tmp| extract::extract(&key, &tgz, tmp, self.limits))?;
        let unpacked = unpacked.unwrap_or_default();
        self.budget.charge(&key, unpacked.bytes)?;
        Ok(Landed { dir, skipped: unpacked.skipped })
    }

    fn download(&self, registry: &Registry, key: &str, tarball: &str) -> Result<Vec<u8>, NpmError> {
        let url = Url::parse(tarball).map_err(|e| NpmError::BadMetadata {
            package: key.to_string(),
            detail: format!("tarball URL: {e}"),
        })?;
        let max = self.limits.max_tarball_bytes;
        match registry.get(key, &url, None, max, &self.deadline)? {
            Fetched::Body(body) => {
                self.budget.charge(key, body.len() as u64)?;
                Ok(body)
            }
            Fetched::NotFound => Err(NpmError::Network {
                package: key.to_string(),
                detail: "the registry has no tarball at the published URL (404)".into(),
            }),
        }
    }
}
