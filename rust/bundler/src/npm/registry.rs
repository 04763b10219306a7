//! The registry client: packuments (abbreviated metadata) and tarballs over HTTP(S). TLS trusts the
//! operating system's store (rustls-platform-verifier) plus `cafile` and `ca`; `HTTP_PROXY`/`HTTPS_PROXY`/
//! `NO_PROXY` apply through reqwest's environment proxy matcher. Every response is bounded: size
//! caps checked against `Content-Length` and while reading, a per-request timeout no later than
//! the install's deadline. Blocking: call it from a plain thread, not from inside an async runtime.

use std::io::{Read, Write};
use std::sync::Once;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, ClientBuilder, RequestBuilder, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{NoProxy, Proxy};
use url::Url;

use super::config::{Auth, RegistryConfig, redacted};
use super::error::NpmError;
use super::limits::{Deadline, NpmLimits};

const ABBREVIATED: &str = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8";

pub struct Registry {
    client: Client,
    config: RegistryConfig,
}

/// Tries after the first, and the pause before the first of them (doubling each time).
const RETRIES: u32 = 2;
const BACKOFF: Duration = Duration::from_millis(250);

/// Why an attempt failed: worth another try, or not.
enum Failure {
    Transient(NpmError),
    Final(NpmError),
}

impl From<NpmError> for Failure {
    fn from(e: NpmError) -> Self {
        Failure::Final(e)
    }
}

/// What a GET answered.
pub enum Fetched {
    Body(Vec<u8>),
    NotFound,
}

/// A response body not yet read, and the bounds reading it obeys.
pub struct Body<'d> {
    response: Response,
    package: String,
    url: Url,
    max_bytes: u64,
    deadline: &'d Deadline,
}

impl Body<'_> {
    /// Streams the body into `sink`, failing past `max_bytes`; returns the bytes written.
    pub fn copy_to(self, sink: &mut impl Write) -> Result<u64, NpmError> {
        let (package, max) = (self.package.as_str(), self.max_bytes);
        if self.response.content_length().is_some_and(|len| len > max) {
            return Err(too_big(package, max));
        }
        let copied = std::io::copy(&mut self.response.take(max.saturating_add(1)), sink);
        let copied = copied.map_err(|e| {
            let detail = format!("reading {}: {e}", redacted(&self.url));
            match failed(package, detail, self.deadline) {
                Failure::Transient(e) | Failure::Final(e) => e,
            }
        })?;
        if copied > max {
            return Err(too_big(package, max));
        }
        Ok(copied)
    }
}

impl Registry {
    pub fn new(config: RegistryConfig, limits: &NpmLimits) -> Result<Self, NpmError> {
        static PROVIDER: Once = Once::new();
        // The engine's outbound client installs the same provider; whichever runs first wins.
        PROVIDER.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut builder = Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .user_agent(concat!("workerbox-bundler/", env!("CARGO_PKG_VERSION")))
            .danger_accept_invalid_certs(!config.strict_ssl);
        if let Some(path) = &config.cafile {
            let pem = std::fs::read(path)
                .map_err(|e| NpmError::Config { detail: format!("cafile {}: {e}", path.display()) })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| NpmError::Config { detail: format!("cafile {}: {e}", path.display()) })?;
            builder = builder.tls_certs_merge(certs);
        }
        if let Some(pem) = &config.ca {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| NpmError::Config { detail: format!("ca: {e}") })?;
            builder = builder.tls_certs_merge(certs);
        }
        builder = proxies(builder, &config)?;
        let client = builder.build().map_err(|e| NpmError::Config { detail: format!("HTTP client: {e}") })?;
        Ok(Registry { client, config })
    }

    /// GETs `url` whole (metadata).
    pub fn get(
        &self,
        package: &str,
        url: &Url,
        accept: Option<&str>,
        max_bytes: u64,
        deadline: &Deadline,
    ) -> Result<Fetched, NpmError> {
        match self.open(package, url, accept, max_bytes, deadline)? {
            Some(body) => {
                let mut bytes = Vec::new();
                body.copy_to(&mut bytes)?;
                Ok(Fetched::Body(bytes))
            }
            None => Ok(Fetched::NotFound),
        }
    }

    /// Sends a GET and returns its body unread (`None`: 404), trying again after a transient
    /// failure (connection trouble, 429, 5xx), as npm's `fetch-retries` does, while the deadline
    /// allows.
    pub fn open<'d>(
        &self,
        package: &str,
        url: &Url,
        accept: Option<&str>,
        max_bytes: u64,
        deadline: &'d Deadline,
    ) -> Result<Option<Body<'d>>, NpmError> {
        let mut tries = 0;
        loop {
            match self.attempt(package, url, accept, deadline) {
                Ok(response) => {
                    let (package, url) = (package.to_string(), url.clone());
                    return Ok(response.map(|response| Body { response, package, url, max_bytes, deadline }));
                }
                Err(Failure::Transient(e)) if tries < RETRIES => {
                    let pause = BACKOFF * 2u32.pow(tries);
                    if deadline.remaining(package)? <= pause {
                        return Err(e);
                    }
                    std::thread::sleep(pause);
                    tries += 1;
                }
                Err(Failure::Transient(e) | Failure::Final(e)) => return Err(e),
            }
        }
    }

    fn attempt(
        &self,
        package: &str,
        url: &Url,
        accept: Option<&str>,
        deadline: &Deadline,
    ) -> Result<Option<Response>, Failure> {
        let mut request = self.client.get(url.clone()).timeout(deadline.remaining(package)?);
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        let response =
            self.authorize(request, url).send().map_err(|e| failed(package, describe(e, url), deadline))?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            status if !status.is_success() => {
                let e = network(package, format!("HTTP {status} from {}", redacted(url)));
                let transient = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                Err(if transient { Failure::Transient(e) } else { Failure::Final(e) })
            }
            _ => Ok(Some(response)),
        }
    }

    pub fn packument_accept() -> &'static str {
        ABBREVIATED
    }

    fn authorize(&self, request: RequestBuilder, url: &Url) -> RequestBuilder {
        match self.config.auth_for(url) {
            Some(Auth::Bearer(token)) => request.header(AUTHORIZATION, format!("Bearer {}", token.expose())),
            Some(Auth::Basic(basic)) => request.header(AUTHORIZATION, format!("Basic {}", basic.expose())),
            None => request,
        }
    }
}

/// The `.npmrc` proxies, if any (setting one replaces the environment's, as npm's does). Errors
/// never print the proxy URL: it may carry credentials.
fn proxies(mut builder: ClientBuilder, config: &RegistryConfig) -> Result<ClientBuilder, NpmError> {
    let no_proxy = config.noproxy.as_deref().and_then(NoProxy::from_string);
    let bad = |which: &str| NpmError::Config { detail: format!("{which} is not a proxy URL") };
    if let Some(url) = config.https_proxy.as_ref().or(config.proxy.as_ref()) {
        let proxy = Proxy::https(url.expose()).map_err(|_| bad("https-proxy"))?;
        builder = builder.proxy(proxy.no_proxy(no_proxy.clone()));
    }
    if let Some(url) = &config.proxy {
        let proxy = Proxy::http(url.expose()).map_err(|_| bad("proxy"))?;
        builder = builder.proxy(proxy.no_proxy(no_proxy));
    }
    Ok(builder)
}

fn too_big(package: &str, limit: u64) -> NpmError {
    NpmError::CapExceeded { cap: "bytes per registry response", limit, package: package.to_string() }
}

/// A request that failed because the install ran out of time is the time cap, not the network
/// (and final); any other request failure may pass.
fn failed(package: &str, detail: String, deadline: &Deadline) -> Failure {
    match deadline.passed(package) {
        Some(cap) => Failure::Final(cap),
        None => Failure::Transient(network(package, detail)),
    }
}

fn network(package: &str, detail: impl std::fmt::Display) -> NpmError {
    NpmError::Network { package: package.to_string(), detail: detail.to_string() }
}

/// A request error and its causes, with the URL printed our way (reqwest would print userinfo).
fn describe(err: reqwest::Error, url: &Url) -> String {
    let err = err.without_url();
    let mut text = format!("{err} for {}", redacted(url));
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
