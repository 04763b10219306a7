//! Unpacks a verified tarball into a fresh directory. The tarball is hostile input even after its
//! integrity check (a registry serves whatever was published), so: regular files and directories
//! only (links and devices are skipped and reported, as npm skips links), no absolute paths or
//! `..` (refused: no real package has them), the top directory stripped whatever it is named (npm
//! publishes `package/`, older tools other names), and every byte counted against the caps while
//! decompressing, so a gzip bomb stops at the cap instead of filling the disk.

use std::cell::Cell;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use flate2::read::GzDecoder;
use tar::EntryType;

use super::error::NpmError;
use super::limits::NpmLimits;

/// What an extraction wrote.
#[derive(Debug, Default)]
pub struct Unpacked {
    /// Bytes of the decompressed tar stream read.
    pub bytes: u64,
    /// Entries left out (links, devices), for the install's warnings.
    pub skipped: Vec<String>,
}

pub fn extract(package: &str, tgz: impl Read, dest: &Path, limits: &NpmLimits) -> Result<Unpacked, NpmError> {
    let over = Rc::new(Cell::new(false));
    let stream = Capped { inner: GzDecoder::new(tgz), left: limits.max_unpacked_bytes, over: over.clone() };
    let mut archive = tar::Archive::new(stream);
    let mut job = Extraction { package, dest, limits, entries: 0, unpacked: Unpacked::default() };
    let result = job.run(&mut archive);
    if over.get() {
        return Err(cap(package, "unpacked bytes per package", limits.max_unpacked_bytes));
    }
    result?;
    job.unpacked.bytes = limits.max_unpacked_bytes - archive.into_inner().left;
    Ok(job.unpacked)
}

struct Extraction<'a> {
    package: &'a str,
    dest: &'a Path,
    limits: &'a NpmLimits,
    entries: u64,
    unpacked: Unpacked,
}

impl Extraction<'_> {
    fn run<R: Read>(&mut self, archive: &mut tar::Archive<R>) -> Result<(), NpmError> {
        let entries = archive.entries().map_err(|e| self.bad(e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.bad(e))?;
            self.entries += 1;
            if self.entries > self.limits.max_entries {
                return Err(cap(self.package, "tarball entries", self.limits.max_entries));
            }
            self.entry(entry)?;
        }
        Ok(())
    }

    fn entry<R: Read>(&mut self, mut entry: tar::Entry<'_, R>) -> Result<(), NpmError> {
        let raw = entry.path().map_err(|e| self.bad(e))?.into_owned();
        let kind = entry.header().entry_type();
        let Some(relative) = self.relative(&raw)? else {
            return Ok(());
        };
        let target = self.dest.join(&relative);
        match kind {
            EntryType::Directory => fs::create_dir_all(&target).map_err(|e| self.bad(e)),
            EntryType::Regular | EntryType::Continuous => self.file(&mut entry, &target),
            EntryType::XGlobalHeader | EntryType::XHeader => Ok(()),
            EntryType::GNUSparse => Err(self.bad(format!("sparse file {}", raw.display()))),
            other => {
                let what = format!("{} ({other:?}) skipped", raw.display());
                self.unpacked.skipped.push(format!("{}: {what}", self.package));
                Ok(())
            }
        }
    }

    /// The path below the stripped top directory; `None` for the top directory itself.
    fn relative(&self, raw: &Path) -> Result<Option<PathBuf>, NpmError> {
        let mut parts = Vec::new();
        for component in raw.components() {
            match component {
                Component::Normal(part) => parts.push(part),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                    return Err(self.bad(format!("entry {:?} escapes the package", raw)));
                }
            }
        }
        Ok((parts.len() > 1).then(|| parts[1..].iter().collect()))
    }

    fn file<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>, target: &Path) -> Result<(), NpmError> {
        let size = entry.header().entry_size().map_err(|e| self.bad(e))?;
        if size > self.limits.max_file_bytes {
            return Err(cap(self.package, "bytes per file", self.limits.max_file_bytes));
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| self.bad(e))?;
        }
        let mut file = fs::File::create(target).map_err(|e| self.bad(e))?;
        io::copy(entry, &mut file).map_err(|e| self.bad(e))?;
        file.flush().map_err(|e| self.bad(e))
    }

    fn bad(&self, detail: impl std::fmt::Display) -> NpmError {
        NpmError::BadTarball { package: self.package.to_string(), detail: detail.to_string() }
    }
}

fn cap(package: &str, what: &'static str, limit: u64) -> NpmError {
    NpmError::CapExceeded { cap: what, limit, package: package.to_string() }
}

/// A reader that fails once more than `left` bytes have come through, recording that it did.
struct Capped<R> {
    inner: R,
    left: u64,
    over: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX).saturating_add(1));
        let n = self.inner.read(&mut buf[..want])?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => {
                self.over.set(true);
                Err(io::Error::other("unpacked size cap"))
            }
        }
    }
}
