//! The little DER the key formats need that aws-lc-rs does not expose: the fixed
//! SubjectPublicKeyInfo/PrivateKeyInfo prefixes of EC and OKP keys, and RSA's integers for JWK.
//! Encoding only; no cryptography here. Strict: DER is canonical, so a valid key of these kinds
//! matches its prefix byte for byte and anything else is malformed.

/// SPKI prefixes: SEQUENCE { AlgorithmIdentifier, BIT STRING (no unused bits) } up to the key.
pub const SPKI_P256: &[u8] = b"\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\x03\x42\x00";
pub const SPKI_P384: &[u8] =
    b"\x30\x76\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00\x22\x03\x62\x00";
pub const SPKI_P521: &[u8] =
    b"\x30\x81\x9b\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00\x23\x03\x81\x86\x00";
pub const SPKI_ED25519: &[u8] = b"\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00";
pub const SPKI_X25519: &[u8] = b"\x30\x2a\x30\x05\x06\x03\x2b\x65\x6e\x03\x21\x00";
/// PKCS#8 v1 prefixes of the OKP keys: version 0, the OID, OCTET STRING { OCTET STRING seed }.
pub const PKCS8_ED25519: &[u8] = b"\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20";
pub const PKCS8_X25519: &[u8] = b"\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x6e\x04\x22\x04\x20";

/// The bytes after `prefix` when `der` is exactly `prefix` plus `len` bytes.
pub fn after_prefix<'a>(der: &'a [u8], prefix: &[u8], len: usize) -> Option<&'a [u8]> {
    let rest = der.strip_prefix(prefix)?;
    (rest.len() == len).then_some(rest)
}

/// One TLV: (tag, contents, rest).
fn read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The integers of a SEQUENCE of INTEGERs (leading zero bytes dropped), e.g. RSAPrivateKey.
pub fn integers(der: &[u8]) -> Option<Vec<&[u8]>> {
    let (0x30, mut body, _) = read(der)? else { return None };
    let mut out = Vec::new();
    while !body.is_empty() {
        let (0x02, int, rest) = read(body)? else { return None };
        let start = int.iter().position(|b| *b != 0).unwrap_or(int.len().saturating_sub(1));
        out.push(&int[start..]);
        body = rest;
    }
    Some(out)
}

/// The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (its privateKey OCTET STRING).
pub fn pkcs8_inner(der: &[u8]) -> Option<&[u8]> {
    let (0x30, body, _) = read(der)? else { return None };
    let (0x02, _, body) = read(body)? else { return None };
    let (0x30, _, body) = read(body)? else { return None };
    let (0x04, inner, _) = read(body)? else { return None };
    Some(inner)
}

fn write(tag: u8, contents: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
}

/// A SEQUENCE of unsigned big-endian INTEGERs (RSAPublicKey { n, e }).
pub fn sequence_of_integers(values: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for value in values {
        let start = value.iter().position(|b| *b != 0).unwrap_or(value.len().saturating_sub(1));
        let mut int = Vec::with_capacity(value.len() + 1);
        if value.get(start).is_some_and(|b| b & 0x80 != 0) || value.is_empty() {
            int.push(0);
        }
        int.extend_from_slice(&value[start.min(value.len())..]);
        write(0x02, &int, &mut body);
    }
    let mut out = Vec::new();
    write(0x30, &body, &mut out);
    out
}

/// ECDSA's P1363 signature (r || s) as the ASN.1 `Ecdsa-Sig-Value` aws-lc verifies for hash and
/// curve pairs it has no fixed-format algorithm for.
pub fn ecdsa_sig_to_asn1(signature: &[u8]) -> Vec<u8> {
    let (r, s) = signature.split_at(signature.len() / 2);
    sequence_of_integers(&[r, s])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_with_sign_bytes() {
        let der = sequence_of_integers(&[&[0x80, 1], &[0, 0, 3], &[0]]);
        assert_eq!(integers(&der).unwrap(), vec![&[0x80, 1][..], &[3][..], &[0][..]]);
    }

    #[test]
    fn long_lengths_are_read_back() {
        let big = vec![0x7fu8; 300];
        let der = sequence_of_integers(&[&big]);
        assert_eq!(integers(&der).unwrap(), vec![&big[..]]);
    }

    #[test]
    fn truncated_input_is_refused() {
        let der = sequence_of_integers(&[&[1, 2, 3]]);
        assert!(integers(&der[..der.len() - 1]).is_none());
        assert!(pkcs8_inner(&[0x30, 0x81]).is_none());
    }
}
