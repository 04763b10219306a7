//! Subresource-integrity strings (`sha512-<base64>`): parsing, choosing the strongest hash, and
//! checking bytes against it. SHA-1 is never trusted as proof of content: a version whose only
//! checksum is SHA-1 (published before 2017 and never republished) is refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::Write;

use sha2::{Digest, Sha256, Sha384, Sha512};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algo {
    Sha256,
    Sha384,
    Sha512,
}

/// One strong hash of a tarball: what the cache is keyed by and every fetch is checked against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Integrity {
    pub algo: Algo,
    pub digest: Vec<u8>,
}

impl Algo {
    fn name(self) -> &'static str {
        match self {
            Algo::Sha256 => "sha256",
            Algo::Sha384 => "sha384",
            Algo::Sha512 => "sha512",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Algo::Sha256),
            "sha384" => Some(Algo::Sha384),
            "sha512" => Some(Algo::Sha512),
            _ => None,
        }
    }
}

impl Integrity {
    /// The strongest supported hash in an SRI string (several may be listed, space-separated;
    /// options after `?` are ignored). `None` when it lists none we trust.
    pub fn parse(sri: &str) -> Option<Self> {
        sri.split_whitespace()
            .filter_map(|item| {
                let (algo, rest) = item.split_once('-')?;
                let b64 = rest.split('?').next()?;
                let digest = STANDARD.decode(b64).ok()?;
                Some(Integrity { algo: Algo::from_name(algo)?, digest })
            })
            .max_by_key(|i| i.algo)
    }

    /// A writer passing bytes to `inner` while hashing them with this integrity's algorithm.
    pub fn checker<W: Write>(&self, inner: W) -> Checker<W> {
        let hasher = match self.algo {
            Algo::Sha256 => Hasher::Sha256(Sha256::new()),
            Algo::Sha384 => Hasher::Sha384(Sha384::new()),
            Algo::Sha512 => Hasher::Sha512(Sha512::new()),
        };
        Checker { inner, hasher }
    }

    /// Whether what went through `checker` is the content this integrity names.
    pub fn matches(&self, checker: Checker<impl Write>) -> bool {
        checker.digest() == self.digest
    }

    /// The SRI spelling (`sha512-…`), as locks store it.
    pub fn to_sri(&self) -> String {
        format!("{}-{}", self.algo.name(), STANDARD.encode(&self.digest))
    }

    /// A file-name-safe key: `sha512/<hex>`.
    pub fn cache_key(&self) -> (&'static str, String) {
        let hex = self.digest.iter().map(|b| format!("{b:02x}")).collect();
        (self.algo.name(), hex)
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

/// Hashes what it writes through.
pub struct Checker<W> {
    inner: W,
    hasher: Hasher,
}

impl<W> Checker<W> {
    fn digest(self) -> Vec<u8> {
        match self.hasher {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

impl<W: Write> Write for Checker<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        match &mut self.hasher {
            Hasher::Sha256(h) => h.update(&buf[..n]),
            Hasher::Sha384(h) => h.update(&buf[..n]),
            Hasher::Sha512(h) => h.update(&buf[..n]),
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strongest_hash_wins_and_sha1_is_not_trusted() {
        let bytes = b"tarball";
        let sri = format!(
            "sha1-{} sha512-{} sha256-{}",
            STANDARD.encode([0u8; 20]),
            STANDARD.encode(Sha512::digest(bytes)),
            STANDARD.encode(Sha256::digest(bytes))
        );
        let parsed = Integrity::parse(&sri).unwrap();
        assert_eq!(parsed.algo, Algo::Sha512);
        let check = |data: &[u8]| {
            let mut checker = parsed.checker(std::io::sink());
            checker.write_all(data).unwrap();
            parsed.matches(checker)
        };
        assert!(check(bytes));
        assert!(!check(b"other"));
        assert_eq!(Integrity::parse(&format!("sha1-{}", STANDARD.encode([0u8; 20]))), None);
        assert_eq!(Integrity::parse("sha512-not base64!"), None);
    }
}
