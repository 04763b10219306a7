//! The content-addressed package cache on disk, shared by every process: `content-v1/<algo>/<hex>/`
//! holds one unpacked tarball, keyed by its integrity, and `packuments-v1/` the last registry
//! metadata seen (what an offline install resolves from). Writers fill a private directory under
//! `tmp/` on the same filesystem, sync it, and rename it into place in one step, so a reader sees a
//! whole package or none; when two writers race, the loser's rename fails and it uses the
//! winner's copy. Entries are never modified after the rename.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::durable::{sync_dir, sync_tree};
use super::error::NpmError;
use super::integrity::Integrity;

#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    fn new(root: impl Into<PathBuf>) -> Self {
        Cache { root: root.into() }
    }

    /// The cache at `root`, created if absent; refused if another user owns it (they could have
    /// planted packages under integrities we would then trust).
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, NpmError> {
        let cache = Cache::new(root);
        fs::create_dir_all(&cache.root).map_err(|e| NpmError::cache(&cache.root, e))?;
        check_owner(&cache.root)?;
        Ok(cache)
    }

    /// `$XDG_CACHE_HOME/workerbox/npm`, else `$HOME/.cache/workerbox/npm`, else a directory of
    /// this user's under the system temp dir. The cache is trusted as it stands (whoever can
    /// write it can change packages), so the shared temp dir gets a per-user name.
    pub fn default_root() -> PathBuf {
        let env_dir = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = env_dir("XDG_CACHE_HOME").or_else(|| env_dir("HOME").map(|home| home.join(".cache")));
        match home {
            Some(dir) => dir.join("workerbox").join("npm"),
            None => std::env::temp_dir().join(format!("workerbox-npm-{}", user_id())),
        }
    }

    fn content_dir(&self, integrity: &Integrity) -> PathBuf {
        let (algo, hex) = integrity.cache_key();
        self.root.join("content-v1").join(algo).join(hex)
    }

    /// The unpacked package with this integrity, if the cache has it.
    pub fn get(&self, integrity: &Integrity) -> Option<PathBuf> {
        let dir = self.content_dir(integrity);
        dir.is_dir().then_some(dir)
    }

    /// Fills a fresh directory with `fill` and publishes it under `integrity`; returns where the
    /// package now is (the winner's copy if another writer got there first).
    pub fn insert<T>(
        &self,
        integrity: &Integrity,
        fill: impl FnOnce(&Path) -> Result<T, NpmError>,
    ) -> Result<(PathBuf, Option<T>), NpmError> {
        let dest = self.content_dir(integrity);
        if dest.is_dir() {
            return Ok((dest, None));
        }
        let tmp = self.private_dir()?;
        let filled = fill(&tmp).and_then(|value| {
            sync_tree(&tmp).map_err(|e| NpmError::cache(&tmp, e))?;
            Ok(value)
        });
        let value = match filled {
            Ok(value) => value,
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        self.publish(&tmp, &dest)?;
        Ok((dest, Some(value)))
    }

    fn publish(&self, tmp: &Path, dest: &Path) -> Result<(), NpmError> {
        let parent = dest.parent().unwrap_or(&self.root);
        fs::create_dir_all(parent).map_err(|e| NpmError::cache(parent, e))?;
        match fs::rename(tmp, dest) {
            Ok(()) => {
                sync_dir(parent).map_err(|e| NpmError::cache(parent, e))?;
                Ok(())
            }
            // Another writer published the same content first: theirs is as good as ours.
            Err(_) if dest.is_dir() => {
                let _ = fs::remove_dir_all(tmp);
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_dir_all(tmp);
                Err(NpmError::cache(dest, e))
            }
        }
    }

    /// Removes private directories left by writers that died mid-fill: any older than `age`
    /// (longer than an install may run, so none is still being written).
    pub fn sweep(&self, age: Duration) {
        let Ok(entries) = fs::read_dir(self.root.join("tmp")) else {
            return;
        };
        for entry in entries.flatten() {
            let modified = entry.metadata().and_then(|m| m.modified());
            let stale = modified.is_ok_and(|t| t.elapsed().is_ok_and(|e| e > age));
            if stale {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    /// A new directory only this writer uses, on the cache's filesystem.
    fn private_dir(&self) -> Result<PathBuf, NpmError> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let tmp_root = self.root.join("tmp");
        fs::create_dir_all(&tmp_root).map_err(|e| NpmError::cache(&tmp_root, e))?;
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        let name = format!("{}-{}-{nanos}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed));
        let dir = tmp_root.join(name);
        fs::create_dir(&dir).map_err(|e| NpmError::cache(&dir, e))?;
        Ok(dir)
    }

    /// A new file only this writer uses, removed when dropped.
    pub fn temp_file(&self) -> Result<TempFile, NpmError> {
        let dir = self.private_dir()?;
        let path = dir.join("download");
        let file = fs::File::create(&path).map_err(|e| NpmError::cache(&path, e))?;
        Ok(TempFile { dir, path, file })
    }

    fn packument_path(&self, url: &str) -> PathBuf {
        let hex: String = Sha256::digest(url.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        self.root.join("packuments-v1").join(format!("{hex}.json"))
    }

    /// The metadata last fetched from `url`, if any.
    pub fn packument(&self, url: &str) -> Option<Vec<u8>> {
        fs::read(self.packument_path(url)).ok()
    }

    /// Records metadata fetched from `url` (whole-file replace: readers see old or new). Not
    /// synced: a copy lost to a power cut only costs an offline install a re-fetch.
    pub fn store_packument(&self, url: &str, body: &[u8]) -> Result<(), NpmError> {
        let path = self.packument_path(url);
        let tmp = self.private_dir()?;
        let file = tmp.join("packument.json");
        let written = fs::write(&file, body)
            .and_then(|()| fs::create_dir_all(path.parent().unwrap_or(&self.root)))
            .and_then(|()| fs::rename(&file, &path));
        let _ = fs::remove_dir_all(&tmp);
        written.map_err(|e| NpmError::cache(&path, e))
    }
}

#[cfg(unix)]
fn check_owner(root: &Path) -> Result<(), NpmError> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(root).map_err(|e| NpmError::cache(root, e))?;
    if meta.uid() != user_id() {
        return Err(NpmError::cache(root, "owned by another user"));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_root: &Path) -> Result<(), NpmError> {
    Ok(())
}

#[cfg(unix)]
fn user_id() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn user_id() -> String {
    std::env::var("USERNAME").unwrap_or_default()
}

/// A download in progress or awaiting extraction; its private directory goes with it.
pub struct TempFile {
    dir: PathBuf,
    pub path: PathBuf,
    pub file: fs::File,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integrity() -> Integrity {
        Integrity::parse("sha512-AAAA").unwrap()
    }

    #[test]
    fn the_loser_of_a_publish_race_uses_the_winners_copy() {
        let root = std::env::temp_dir().join(format!("wb-npm-cache-race-{}", std::process::id()));
        let cache = Cache::new(&root);
        // The outer writer is still filling when the inner one publishes the same content.
        let (outer_dir, _) = cache
            .insert(&integrity(), |tmp| {
                fs::write(tmp.join("who"), "outer").map_err(|e| NpmError::cache(tmp, e))?;
                let (inner_dir, _) = cache.insert(&integrity(), |tmp| {
                    fs::write(tmp.join("who"), "inner").map_err(|e| NpmError::cache(tmp, e))
                })?;
                assert_eq!(fs::read_to_string(inner_dir.join("who")).unwrap(), "inner");
                Ok(())
            })
            .unwrap();
        assert_eq!(fs::read_to_string(outer_dir.join("who")).unwrap(), "inner");
        assert_eq!(fs::read_dir(root.join("tmp")).unwrap().count(), 0);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn sweep_removes_only_stale_private_dirs() {
        let root = std::env::temp_dir().join(format!("wb-npm-cache-sweep-{}", std::process::id()));
        let cache = Cache::new(&root);
        let fresh = cache.private_dir().unwrap();
        cache.sweep(Duration::from_secs(3600));
        assert!(fresh.is_dir());
        cache.sweep(Duration::ZERO);
        assert!(!fresh.exists());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_failed_fill_leaves_nothing_behind() {
        let root = std::env::temp_dir().join(format!("wb-npm-cache-fail-{}", std::process::id()));
        let cache = Cache::new(&root);
        let err = cache.insert(&integrity(), |tmp| {
            fs::write(tmp.join("half"), "written").map_err(|e| NpmError::cache(tmp, e))?;
            Err::<(), _>(NpmError::BadTarball { package: "x@1.0.0".into(), detail: "truncated".into() })
        });
        assert!(err.is_err());
        assert!(cache.get(&integrity()).is_none());
        assert_eq!(fs::read_dir(root.join("tmp")).unwrap().count(), 0);
        let _ = fs::remove_dir_all(&root);
    }
}
