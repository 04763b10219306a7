//! V8 code caches of ES modules, shared by every isolate in the process: a module seen before
//! (the same bundle in every fresh sandbox, a `get()` miss for code another worker already ran)
//! is deserialized instead of parsed and compiled. Keyed by a hash of the module's name and full
//! source, because V8's own check of a cache against its source compares only the length.
//! Small sources are not cached: parsing them costs less than a lookup and a copy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use sha2::{Digest, Sha256};

/// Sources shorter than this are compiled every time.
pub const MIN_SOURCE_BYTES: usize = 4096;

/// The most cache bytes kept; least recently used entries go first.
const MAX_TOTAL_BYTES: usize = 64 << 20;

pub type Key = [u8; 32];

#[derive(Default)]
struct Cache {
    entries: HashMap<Key, (Arc<Vec<u8>>, u64)>,
    bytes: usize,
    clock: u64,
}

/// The cache, locked. Its users are isolate threads, where a panic would end every worker the
/// thread runs, so a poisoned lock is used anyway: nothing panics while holding it, and at
/// worst the byte count would be off, which bounds only how much is kept.
fn cache() -> MutexGuard<'static, Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default).lock().unwrap_or_else(|p| p.into_inner())
}

/// The key of module `name` with `source`, or None when the source is too small to cache.
pub fn key(name: &str, source: &str) -> Option<Key> {
    (source.len() >= MIN_SOURCE_BYTES).then(|| {
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update([0]);
        h.update(source.as_bytes());
        h.finalize().into()
    })
}

pub fn get(key: &Key) -> Option<Arc<Vec<u8>>> {
    let mut c = cache();
    c.clock += 1;
    let now = c.clock;
    c.entries.get_mut(key).map(|(data, used)| {
        *used = now;
        data.clone()
    })
}

pub fn put(key: Key, data: Vec<u8>) {
    if data.len() > MAX_TOTAL_BYTES / 4 {
        return;
    }
    let mut c = cache();
    c.clock += 1;
    let now = c.clock;
    c.bytes += data.len();
    if let Some((old, _)) = c.entries.insert(key, (Arc::new(data), now)) {
        c.bytes -= old.len();
    }
    while c.bytes > MAX_TOTAL_BYTES {
        let Some(oldest) = c.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| *k) else {
            break;
        };
        let (gone, _) = c.entries.remove(&oldest).expect("the oldest key was just found in the map");
        c.bytes -= gone.len();
    }
}

/// Drops a cache V8 refused (built by another V8 version or with other flags).
pub fn reject(key: &Key) {
    let mut c = cache();
    if let Some((gone, _)) = c.entries.remove(key) {
        c.bytes -= gone.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_sources_of_equal_length_apart_and_skip_small_ones() {
        let a = "a".repeat(MIN_SOURCE_BYTES);
        let b = "b".repeat(MIN_SOURCE_BYTES);
        assert_ne!(key("m.js", &a), key("m.js", &b));
        assert_ne!(key("m.js", &a), key("n.js", &a));
        assert_eq!(key("m.js", "export default 1"), None);
    }

    #[test]
    fn the_least_recently_used_entries_go_past_the_budget() {
        let entry = MAX_TOTAL_BYTES / 8;
        let keys: Vec<Key> = (0..10u8).map(|i| [i; 32]).collect();
        for k in &keys[..8] {
            put(*k, vec![0; entry]);
        }
        assert!(get(&keys[0]).is_some());
        put(keys[8], vec![0; entry]);
        assert!(get(&keys[0]).is_some(), "recently used, kept");
        assert!(get(&keys[1]).is_none(), "least recently used, evicted");
        reject(&keys[0]);
        assert!(get(&keys[0]).is_none());
    }
}
