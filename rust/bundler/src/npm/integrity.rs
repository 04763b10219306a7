//! Subresource-integrity strings (`sha512-<base64>`): parsing, choosing the strongest hash, and
//! checking bytes against it. SHA-1 is never trusted as proof of content: a version whose only
//! checksum is SHA-1 (published before 2017 and never republished) is refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
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

    fn hash(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Algo::Sha256 => Sha256::digest(bytes).to_vec(),
            Algo::Sha384 => Sha384::digest(bytes).to_vec(),
            Algo::Sha512 => Sha512::digest(bytes).to_vec(),
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

    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.algo.hash(bytes) == self.digest
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
        assert!(parsed.matches(bytes));
        assert!(!parsed.matches(b"other"));
        assert_eq!(Integrity::parse(&format!("sha1-{}", STANDARD.encode([0u8; 20]))), None);
        assert_eq!(Integrity::parse("sha512-not base64!"), None);
    }
}
