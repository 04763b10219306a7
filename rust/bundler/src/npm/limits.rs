//! Install caps: plain data with documented defaults, and the one deadline every network request
//! and every step of an install checks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::error::NpmError;

/// Every bound an install enforces. Defaults admit real apps (a Hono or React app with its whole
/// tree) with headroom, and stop a hostile `package.json` long before it fills a disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpmLimits {
    /// Packages in the resolved tree.
    pub max_packages: usize,
    /// Dependency edges followed while resolving (bounds a manifest listing thousands).
    pub max_edges: u64,
    /// Bytes downloaded plus bytes unpacked by one install (cached packages cost nothing).
    pub max_total_bytes: u64,
    /// One registry metadata document.
    pub max_packument_bytes: u64,
    /// One compressed tarball.
    pub max_tarball_bytes: u64,
    /// One package unpacked (the tar stream, headers included: bounds gzip bombs).
    pub max_unpacked_bytes: u64,
    /// One file inside a package.
    pub max_file_bytes: u64,
    /// Entries in one tarball.
    pub max_entries: u64,
    /// The whole install, resolution and fetching together.
    pub timeout: Duration,
    /// One HTTP request, body included.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

const MIB: u64 = 1024 * 1024;

impl Default for NpmLimits {
    fn default() -> Self {
        NpmLimits {
            max_packages: 2000,
            max_edges: 100_000,
            max_total_bytes: 1024 * MIB,
            max_packument_bytes: 64 * MIB,
            max_tarball_bytes: 64 * MIB,
            max_unpacked_bytes: 256 * MIB,
            max_file_bytes: 64 * MIB,
            max_entries: 50_000,
            timeout: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

const LONGEST: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// When the install must be over.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    limit: Duration,
}

impl Deadline {
    /// `limit` from now; a limit past a year is a year (an `Instant` that far out may overflow).
    pub fn after(limit: Duration) -> Self {
        let limit = limit.min(LONGEST);
        Deadline { at: Instant::now() + limit, limit }
    }

    /// The time cap error if the deadline is (within timer precision) past: a request timed out
    /// by its deadline can wake a moment before it.
    pub fn passed(&self, package: &str) -> Option<NpmError> {
        let slack = Duration::from_millis(50);
        let left = self.at.saturating_duration_since(Instant::now());
        (left <= slack).then(|| self.cap(package))
    }

    fn cap(&self, package: &str) -> NpmError {
        NpmError::CapExceeded {
            cap: "install time (seconds)",
            limit: self.limit.as_secs(),
            package: package.to_string(),
        }
    }

    /// Time left, or the time cap error naming what was being done.
    pub fn remaining(&self, package: &str) -> Result<Duration, NpmError> {
        self.at.checked_duration_since(Instant::now()).filter(|left| !left.is_zero()).ok_or_else(|| {
            NpmError::CapExceeded {
                cap: "install time (seconds)",
                limit: self.limit.as_secs(),
                package: package.to_string(),
            }
        })
    }
}

/// Bytes one install may download and unpack, shared by its fetching threads.
#[derive(Debug)]
pub struct Budget {
    used: AtomicU64,
    limit: u64,
}

impl Budget {
    pub fn new(limit: u64) -> Self {
        Budget { used: AtomicU64::new(0), limit }
    }

    pub fn charge(&self, package: &str, bytes: u64) -> Result<(), NpmError> {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if used > self.limit {
            return Err(NpmError::CapExceeded {
                cap: "bytes per install",
                limit: self.limit,
                package: package.to_string(),
            });
        }
        Ok(())
    }
}
