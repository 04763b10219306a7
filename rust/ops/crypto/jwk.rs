//! JSON Web Keys: the JWK members of each key family in and out of the runtime's internal
//! formats (see `keys.rs`), with the checks RFC 7517/7518 and the Web Cryptography spec ask of
//! `kty`, `crv`, `alg` and the key's own consistency. The runtime JS reads the tenant's JWK into
//! a record of strings and checks `use`, `key_ops` and `ext`; nothing here reads tenant objects.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use super::der;
use super::keys::{
    Family, Material, RSA_MAX_IMPORT_BITS, ec_point_of, ec_public, okp_public, private, public, rsa_public,
    rsa_size_allowed, secret,
};
use super::{Fail, Res, data_error, member_string, op_error};

/// The string members of a JWK record the runtime read from the tenant's object.
pub(super) struct Jwk<'a, 's, 'i> {
    pub(super) scope: &'a mut v8::PinScope<'s, 'i>,
    pub(super) record: v8::Local<'s, v8::Value>,
}

impl Jwk<'_, '_, '_> {
    fn text(&mut self, key: &str) -> Option<String> {
        member_string(self.scope, self.record, key)
    }

    fn bytes(&mut self, key: &str) -> Res<Vec<u8>> {
        let Some(text) = self.text(key) else {
            return data_error(format!("JWK member {key} is missing"));
        };
        B64.decode(text.trim_end_matches('='))
            .or_else(|_| data_error(format!("JWK member {key} is not valid base64url")))
    }

    fn expect(&mut self, key: &str, want: &str) -> Res<()> {
        match self.text(key) {
            Some(got) if got == want => Ok(()),
            Some(got) => {
                data_error(format!("JWK {key} {got:?} does not match the algorithm (expected {want:?})"))
            }
            None => data_error(format!("JWK member {key} is missing")),
        }
    }

    /// `alg`, when present, must be the one the algorithm and key imply.
    fn expect_alg(&mut self, want: Option<String>) -> Res<()> {
        match (self.text("alg"), want) {
            (Some(got), Some(want)) if got != want => {
                data_error(format!("JWK alg {got:?} does not match the algorithm (expected {want:?})"))
            }
            _ => Ok(()),
        }
    }
}

pub(super) fn import_jwk(mut jwk: Jwk, family: Family, name: &str, param: &str) -> Res<Material> {
    match family {
        Family::Secret => {
            jwk.expect("kty", "oct")?;
            let key = secret(name, jwk.bytes("k")?)?;
            jwk.expect_alg(jwk_alg(name, param, key.data.len()))?;
            Ok(key)
        }
        Family::Ec(curve) => {
            jwk.expect("kty", "EC")?;
            jwk.expect("crv", curve.name())?;
            let (x, y) = (jwk.bytes("x")?, jwk.bytes("y")?);
            let n = curve.coordinate_len();
            if x.len() != n || y.len() != n {
                return data_error("JWK x and y must be the curve's coordinate length");
            }
            let point = [&[4u8][..], &x, &y].concat();
            if jwk.text("d").is_none() {
                return ec_public(curve, point);
            }
            let d = jwk.bytes("d")?;
            if d.len() != n || ec_point_of(curve, &d)? != point {
                return data_error("JWK d does not match x and y");
            }
            Ok(private(d))
        }
        Family::Ed25519 | Family::X25519 => {
            let crv = if family == Family::Ed25519 { "Ed25519" } else { "X25519" };
            jwk.expect("kty", "OKP")?;
            jwk.expect("crv", crv)?;
            if family == Family::Ed25519 {
                jwk.expect_alg(Some("EdDSA".into()))?;
            }
            let x = jwk.bytes("x")?;
            if x.len() != 32 {
                return data_error("JWK x must be 32 bytes");
            }
            if jwk.text("d").is_none() {
                return Ok(public(x));
            }
            let d = jwk.bytes("d")?;
            if d.len() != 32 || okp_public(family, &d)? != x {
                return data_error("JWK d does not match x");
            }
            Ok(private(d))
        }
        Family::Rsa => {
            jwk.expect("kty", "RSA")?;
            jwk.expect_alg(jwk_alg(name, param, 0))?;
            import_rsa_jwk(jwk)
        }
    }
}

fn import_rsa_jwk(mut jwk: Jwk) -> Res<Material> {
    let (n, e) = (jwk.bytes("n")?, jwk.bytes("e")?);
    if n.len() * 8 > RSA_MAX_IMPORT_BITS + 8 {
        return data_error(format!("RSA keys larger than {RSA_MAX_IMPORT_BITS} bits are not supported"));
    }
    if jwk.text("d").is_none() {
        return rsa_public(&der::sequence_of_integers(&[&n, &e]));
    }
    let names = ["d", "p", "q", "dp", "dq", "qi"];
    let mut parts = Vec::with_capacity(6);
    for name in names {
        parts.push(jwk.bytes(name)?);
    }
    let components = rsa::KeyPairComponents {
        public_key: rsa::PublicKeyComponents { n: &n[..], e: &e[..] },
        d: &parts[0][..],
        p: &parts[1][..],
        q: &parts[2][..],
        dP: &parts[3][..],
        dQ: &parts[4][..],
        qInv: &parts[5][..],
    };
    let pair =
        rsa::KeyPair::from_components(&components).or_else(|_| data_error("Invalid RSA private key"))?;
    let der: Pkcs8V1Der = pair.as_der().or_else(|_| op_error("RSA key export failed"))?;
    let key = private(der.as_ref().to_vec());
    rsa_size_allowed(&key)?;
    Ok(key)
}

/// The JWK `alg` for an algorithm (with its hash, or the AES key length in bytes).
fn jwk_alg(name: &str, hash: &str, len: usize) -> Option<String> {
    let bits = (len * 8).to_string();
    let sha = hash.strip_prefix("SHA-").unwrap_or("");
    let alg = match name {
        "HMAC" => format!("HS{}", if sha == "1" { "1" } else { sha }),
        "AES-GCM" => format!("A{bits}GCM"),
        "AES-KW" => format!("A{bits}KW"),
        "AES-CBC" => format!("A{bits}CBC"),
        "AES-CTR" => format!("A{bits}CTR"),
        "RSASSA-PKCS1-v1_5" if sha == "1" => "RS1".into(),
        "RSASSA-PKCS1-v1_5" => format!("RS{sha}"),
        "RSA-PSS" if sha == "1" => "PS1".into(),
        "RSA-PSS" => format!("PS{sha}"),
        "RSA-OAEP" if sha == "1" => "RSA-OAEP".into(),
        "RSA-OAEP" => format!("RSA-OAEP-{sha}"),
        _ => return None,
    };
    Some(alg)
}

pub(super) fn export_jwk(
    family: Family,
    name: &str,
    param: &str,
    key: &Material,
) -> Res<Vec<(&'static str, String)>> {
    let b64 = |bytes: &[u8]| B64.encode(bytes);
    let mut out = Vec::new();
    match family {
        Family::Secret => {
            out.push(("kty", "oct".to_string()));
            out.push(("k", b64(&key.data)));
            if let Some(alg) = jwk_alg(name, param, key.data.len()) {
                out.push(("alg", alg));
            }
        }
        Family::Ec(curve) => {
            let point = if key.kind == "private" { ec_point_of(curve, &key.data)? } else { key.data.clone() };
            let n = curve.coordinate_len();
            out.push(("kty", "EC".into()));
            out.push(("crv", curve.name().into()));
            out.push(("x", b64(&point[1..1 + n])));
            out.push(("y", b64(&point[1 + n..])));
            if key.kind == "private" {
                out.push(("d", b64(&key.data)));
            }
        }
        Family::Ed25519 | Family::X25519 => {
            let x = if key.kind == "private" { okp_public(family, &key.data)? } else { key.data.clone() };
            out.push(("kty", "OKP".into()));
            out.push(("crv", if family == Family::Ed25519 { "Ed25519" } else { "X25519" }.into()));
            out.push(("x", b64(&x)));
            if key.kind == "private" {
                out.push(("d", b64(&key.data)));
            }
            if family == Family::Ed25519 {
                out.push(("alg", "EdDSA".into()));
            }
        }
        Family::Rsa => export_rsa_jwk(name, param, key, &mut out)?,
    }
    Ok(out)
}

fn export_rsa_jwk(name: &str, param: &str, key: &Material, out: &mut Vec<(&'static str, String)>) -> Res<()> {
    let invalid = || Fail::Dom("DataError", "Invalid RSA key".into());
    out.push(("kty", "RSA".into()));
    if let Some(alg) = jwk_alg(name, param, 0) {
        out.push(("alg", alg));
    }
    if key.kind == "public" {
        let ints = der::integers(&key.data).filter(|i| i.len() == 2).ok_or_else(invalid)?;
        out.push(("n", B64.encode(ints[0])));
        out.push(("e", B64.encode(ints[1])));
        return Ok(());
    }
    // RSAPrivateKey: version, n, e, d, p, q, dp, dq, qi.
    let inner = der::pkcs8_inner(&key.data).ok_or_else(invalid)?;
    let ints = der::integers(inner).filter(|i| i.len() >= 9).ok_or_else(invalid)?;
    for (i, member) in ["n", "e", "d", "p", "q", "dp", "dq", "qi"].into_iter().enumerate() {
        out.push((member, B64.encode(ints[i + 1])));
    }
    Ok(())
}

/// A plain object of string members, defined (not assigned, so no setter of the tenant's runs).
pub(super) fn jwk_object<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    members: &[(&'static str, String)],
) -> v8::Local<'s, v8::Value> {
    let object = v8::Object::new(scope);
    for (key, value) in members {
        let key = v8::String::new(scope, key).unwrap();
        let value = v8::String::new(scope, value).unwrap();
        object.create_data_property(scope, key.into(), value.into());
    }
    object.into()
}
