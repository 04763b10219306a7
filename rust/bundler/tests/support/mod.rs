//! A tiny npm registry on 127.0.0.1, served by the test itself over real HTTP/1.1: packument JSON
//! at `/<name>` (scoped names as `@scope%2fname`) and tarballs at the URLs the packuments name.
//! Fixture packages are packed in memory with `tar` + `flate2`. It counts every request, can
//! demand a bearer token, and answers absolute-form request lines, so it can stand in for a proxy.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use workerbox_bundler::npm::{InstallOptions, NpmLimits, RegistryConfig};

#[derive(Default)]
struct State {
    packuments: HashMap<String, Value>,
    tarballs: HashMap<String, Vec<u8>>,
    token: Option<String>,
    stall: Option<Duration>,
    /// Requests still to answer 503 before serving.
    unavailable: usize,
    auth_seen: Vec<Option<String>>,
}

pub struct Registry {
    pub url: String,
    requests: Arc<AtomicUsize>,
    state: Arc<Mutex<State>>,
}

/// What goes into a fixture tarball.
pub enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
    CharDevice(&'a str),
    /// A regular file whose name is written raw (the tar crate refuses `..` when asked nicely).
    RawName(&'a str, &'a [u8]),
}

/// The test CA (its key was discarded after signing) and the registry's certificate for
/// 127.0.0.1, made with `openssl req -x509 … -addext basicConstraints=critical,CA:TRUE` and
/// `openssl x509 -req … subjectAltName=IP:127.0.0.1`.
pub const TEST_CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tls/ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("tls/server.key");

impl Registry {
    pub fn start() -> Self {
        Self::listen(None)
    }

    /// The same registry over HTTPS, with a certificate only `TEST_CA` vouches for.
    pub fn start_tls() -> Self {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<_> = CertificateDer::pem_slice_iter(SERVER_CERT).collect::<Result<_, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        Self::listen(Some(Arc::new(config)))
    }

    fn listen(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}/", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(Mutex::new(State::default()));
        let (count, shared) = (requests.clone(), state.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (count, shared, tls) = (count.clone(), shared.clone(), tls.clone());
                std::thread::spawn(move || match tls {
                    None => serve(stream, &count, &shared),
                    Some(config) => {
                        let Ok(conn) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        serve(rustls::StreamOwned::new(conn, stream), &count, &shared);
                    }
                });
            }
        });
        Registry { url, requests, state }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn require_token(&self, token: &str) {
        self.state.lock().unwrap().token = Some(format!("Bearer {token}"));
    }

    /// Answers only requests carrying `user:password` as HTTP basic auth.
    pub fn require_basic(&self, user: &str, password: &str) {
        let basic = STANDARD.encode(format!("{user}:{password}"));
        self.state.lock().unwrap().token = Some(format!("Basic {basic}"));
    }

    pub fn fail_next(&self, requests: usize) {
        self.state.lock().unwrap().unavailable = requests;
    }

    pub fn stall(&self, delay: Duration) {
        self.state.lock().unwrap().stall = Some(delay);
    }

    /// Publishes `name@version` with a `package.json` built from `manifest` plus `files`.
    pub fn publish(&self, name: &str, version: &str, manifest: Value, files: &[(&str, &str)]) {
        let mut pkg = manifest.clone();
        pkg["name"] = json!(name);
        pkg["version"] = json!(version);
        let pkg_json = serde_json::to_vec_pretty(&pkg).unwrap();
        let mut entries = vec![Entry::File("package/package.json", &pkg_json)];
        let paths: Vec<String> = files.iter().map(|(p, _)| format!("package/{p}")).collect();
        for ((_, body), path) in files.iter().zip(&paths) {
            entries.push(Entry::File(path, body.as_bytes()));
        }
        let tgz = tgz(&entries);
        self.publish_tarball(name, version, manifest, tgz, None);
    }

    /// Publishes a prepared tarball; `integrity` overrides the true one (`Some(None)`: none).
    pub fn publish_tarball(
        &self,
        name: &str,
        version: &str,
        manifest: Value,
        tgz: Vec<u8>,
        integrity: Option<Option<String>>,
    ) {
        let file = format!("-/{}-{version}.tgz", name.replace('/', "-"));
        let tarball = format!("{}{}", self.url, file);
        let integrity = integrity.unwrap_or_else(|| Some(sri(&tgz)));
        let mut dist = json!({"tarball": tarball, "shasum": "0"});
        if let Some(integrity) = integrity {
            dist["integrity"] = json!(integrity);
        }
        let mut version_doc = manifest;
        version_doc["name"] = json!(name);
        version_doc["version"] = json!(version);
        version_doc["dist"] = dist;
        let mut state = self.state.lock().unwrap();
        state.tarballs.insert(format!("/{file}"), tgz);
        let doc = state
            .packuments
            .entry(name.to_string())
            .or_insert_with(|| json!({"name": name, "dist-tags": {}, "versions": {}}));
        doc["versions"][version] = version_doc;
        let latest = doc["dist-tags"]["latest"].as_str().map(str::to_string);
        let newer = latest.is_none_or(|l| newer(version, &l)) && !version.contains('-');
        if newer {
            doc["dist-tags"]["latest"] = json!(version);
        }
    }

    pub fn set_tag(&self, name: &str, tag: &str, version: &str) {
        let mut state = self.state.lock().unwrap();
        state.packuments.get_mut(name).unwrap()["dist-tags"][tag] = json!(version);
    }

    /// Replaces a published tarball's bytes, leaving the packument's integrity as it was.
    pub fn tamper(&self, name: &str, version: &str, tgz: Vec<u8>) {
        let file = format!("/-/{}-{version}.tgz", name.replace('/', "-"));
        self.state.lock().unwrap().tarballs.insert(file, tgz);
    }

    /// Makes `name`'s packument name its tarballs under `base` instead of this server.
    pub fn point_tarballs(&self, name: &str, base: &str) {
        let mut state = self.state.lock().unwrap();
        let doc = state.packuments.get_mut(name).unwrap();
        for version in doc["versions"].as_object_mut().unwrap().values_mut() {
            let url = version["dist"]["tarball"].as_str().unwrap();
            let moved = url.replace(&self.url, base);
            version["dist"]["tarball"] = json!(moved);
        }
    }

    /// The `Authorization` header of every request so far (`None` where there was none).
    pub fn auth_seen(&self) -> Vec<Option<String>> {
        self.state.lock().unwrap().auth_seen.clone()
    }

    /// Serves `body` as the packument of `name`, whatever it is.
    pub fn raw_packument(&self, name: &str, body: Value) {
        self.state.lock().unwrap().packuments.insert(name.to_string(), body);
    }
}

fn newer(a: &str, b: &str) -> bool {
    let parse = |v: &str| nodejs_semver::Version::parse(v).ok();
    parse(a) > parse(b)
}

pub fn sri(bytes: &[u8]) -> String {
    format!("sha512-{}", STANDARD.encode(Sha512::digest(bytes)))
}

fn serve<S: Read + Write>(stream: S, count: &AtomicUsize, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut auth = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':')
                && k.eq_ignore_ascii_case("authorization")
            {
                auth = Some(v.trim().to_string());
            }
        }
        count.fetch_add(1, Ordering::SeqCst);
        let (status, body, stall) = answer(&target, auth.as_deref(), state);
        if let Some(delay) = stall {
            std::thread::sleep(delay);
        }
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\ncontent-type: application/octet-stream\r\n\r\n",
            body.len()
        );
        let stream = reader.get_mut();
        let sent = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        if sent.and_then(|()| stream.flush()).is_err() {
            return;
        }
    }
}

fn answer(
    target: &str,
    auth: Option<&str>,
    state: &Mutex<State>,
) -> (&'static str, Vec<u8>, Option<Duration>) {
    // Absolute-form (through a proxy): keep only the path.
    let path = match target.strip_prefix("http://") {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]).to_string(),
        None => target.to_string(),
    };
    let mut state = state.lock().unwrap();
    state.auth_seen.push(auth.map(str::to_string));
    if state.unavailable > 0 {
        state.unavailable -= 1;
        return ("503 Service Unavailable", b"{}".to_vec(), None);
    }
    if let Some(token) = &state.token
        && auth != Some(token.as_str())
    {
        return ("401 Unauthorized", b"{}".to_vec(), None);
    }
    if let Some(tgz) = state.tarballs.get(&path) {
        return ("200 OK", tgz.clone(), state.stall);
    }
    let name = path.trim_start_matches('/').replace("%2f", "/").replace("%2F", "/");
    match state.packuments.get(&name) {
        Some(doc) => ("200 OK", serde_json::to_vec(doc).unwrap(), state.stall),
        None => ("404 Not Found", b"{\"error\":\"not found\"}".to_vec(), None),
    }
}

/// A gzipped tarball of `entries`.
pub fn tgz(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for entry in entries {
        append(&mut builder, entry);
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn append<W: Write>(builder: &mut tar::Builder<W>, entry: &Entry<'_>) {
    let mut header = tar::Header::new_gnu();
    header.set_mode(0o644);
    match entry {
        Entry::File(path, body) => {
            header.set_size(body.len() as u64);
            header.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut header, path, *body).unwrap();
        }
        Entry::Dir(path) => {
            header.set_size(0);
            header.set_entry_type(tar::EntryType::Directory);
            builder.append_data(&mut header, path, &[][..]).unwrap();
        }
        Entry::Symlink(path, target) | Entry::HardLink(path, target) => {
            let kind = match entry {
                Entry::Symlink(..) => tar::EntryType::Symlink,
                _ => tar::EntryType::Link,
            };
            header.set_size(0);
            header.set_entry_type(kind);
            builder.append_link(&mut header, path, target).unwrap();
        }
        Entry::CharDevice(path) => {
            header.set_size(0);
            header.set_entry_type(tar::EntryType::Char);
            builder.append_data(&mut header, path, &[][..]).unwrap();
        }
        Entry::RawName(name, body) => {
            header.set_size(body.len() as u64);
            header.set_entry_type(tar::EntryType::Regular);
            let raw = &mut header.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *body).unwrap();
        }
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "wb-npm-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Options for installing from `registry` into `cache`, with no `.npmrc` or environment read.
pub fn options(registry: &Registry, cache: &TempDir) -> InstallOptions {
    let config = RegistryConfig::from_sources(&[], &Default::default(), Some(&registry.url)).unwrap();
    let mut opts = InstallOptions::new(config);
    opts.cache_dir = cache.0.clone();
    opts.limits = NpmLimits::default();
    opts
}

pub fn deps(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Everything under `dir`, as sorted relative paths (directories end in `/`).
pub fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                out.push(format!("{rel}/"));
                todo.push(path);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

pub fn read(path: PathBuf) -> String {
    let mut s = String::new();
    std::fs::File::open(path).unwrap().read_to_string(&mut s).unwrap();
    s
}
