//! One locked package onto disk: from the cache when it holds the integrity, else streamed to a
//! private file by the locked URL while hashing, checked against the locked integrity BEFORE
//! anything is unpacked, and extracted into the cache. A tarball never sits whole in memory, so
//! parallel downloads cost buffers, not tarball sizes. Nothing is ever run.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use url::Url;

use super::cache::{Cache, TempFile};
use super::error::NpmError;
use super::extract;
use super::integrity::Integrity;
use super::limits::{Budget, Deadline, NpmLimits};
use super::lock::{self, LockedPackage};
use super::registry::Registry;

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
        let tgz = self.download(registry, &key, package, &integrity)?;
        let (dir, unpacked) = self.cache.insert(&integrity, |tmp| {
            let file = File::open(&tgz.path).map_err(|e| NpmError::cache(&tgz.path, e))?;
            extract::extract(&key, BufReader::new(file), tmp, self.limits)
        })?;
        let unpacked = unpacked.unwrap_or_default();
        self.budget.charge(&key, unpacked.bytes)?;
        Ok(Landed { dir, skipped: unpacked.skipped })
    }

    /// The tarball in a private file, verified against `integrity`.
    fn download(
        &self,
        registry: &Registry,
        key: &str,
        package: &LockedPackage,
        integrity: &Integrity,
    ) -> Result<TempFile, NpmError> {
        let url = Url::parse(&package.tarball).map_err(|e| NpmError::BadMetadata {
            package: key.to_string(),
            detail: format!("tarball URL: {e}"),
        })?;
        let body = registry.open(key, &url, None, self.limits.max_tarball_bytes, &self.deadline)?;
        let body = body.ok_or_else(|| NpmError::Network {
            package: key.to_string(),
            detail: "the registry has no tarball at the published URL (404)".into(),
        })?;
        let mut temp = self.cache.temp_file()?;
        let mut checker = integrity.checker(BufWriter::new(&mut temp.file));
        let bytes = body.copy_to(&mut checker)?;
        checker.flush().map_err(|e| NpmError::cache(&temp.path, e))?;
        self.budget.charge(key, bytes)?;
        if !integrity.matches(checker) {
            return Err(NpmError::IntegrityMismatch {
                package: key.to_string(),
                detail: format!("tarball does not match {}", package.integrity),
            });
        }
        Ok(temp)
    }
}
