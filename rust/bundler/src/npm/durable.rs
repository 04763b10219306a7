//! Making a freshly written tree durable before the rename that publishes it, so after a power
//! loss the cache holds the whole package or none of it. On Linux one `syncfs` flushes the tree's
//! filesystem in a single call (a `fsync` per file costs seconds for a package of hundreds of
//! files); elsewhere every file and directory is synced one by one.

use std::fs;
use std::io;
use std::path::Path;

#[cfg(target_os = "linux")]
pub fn sync_tree(root: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let dir = fs::File::open(root)?;
    // SAFETY: `dir` owns the descriptor for the whole call; syncfs only reads it.
    let rc = unsafe { libc::syncfs(dir.as_raw_fd()) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
pub fn sync_tree(root: &Path) -> io::Result<()> {
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                dirs.push(entry.path());
            } else {
                fs::File::open(entry.path())?.sync_all()?;
            }
        }
        sync_dir(&dir)?;
    }
    Ok(())
}

/// Syncs a directory's entries (a rename into it, a file created in it).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}
