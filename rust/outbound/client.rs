//! `HttpOutbound`: a real HTTP/1.1 + HTTP/2 client (rustls) that sends the sandbox's allowed
//! requests without entering Python. Every hop (the request and each redirect) is checked
//! against the allow-list, and every name is resolved by `GuardedResolver`, which drops private
//! addresses, so a public-looking name that resolves inward is refused after resolution. The
//! wire request comes from the sandbox and is trusted for nothing: its method is normalized
//! and checked, and headers the client must set itself are dropped, here. Runs on the
//! process-wide outbound runtime, never on an isolate thread.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::policy::{HostPattern, is_private};
use super::request::{is_forbidden_header, normalize_method};
use crate::value::HostError;

/// Redirects followed before giving up, as in browsers.
const MAX_REDIRECTS: usize = 20;

/// A response body up to this size comes with its head; the rest of a longer one is read as the
/// worker asks for it, in pieces of about this size, so a worker holds no more than it reads.
pub const BODY_PIECE: usize = 64 << 10;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub allow: Vec<HostPattern>,
    /// Headers added to requests whose URL matches the pattern; they replace same-named headers
    /// from the sandbox, so a secret lives only here, never in the isolate.
    pub inject: Vec<(HostPattern, Vec<(String, String)>)>,
    pub timeout: Duration,
    pub max_response_bytes: usize,
    pub allow_private_networks: bool,
    /// Fixed answers for names (like curl's --resolve); still subject to the private-address check.
    pub resolve: Vec<(String, IpAddr)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectMode {
    Follow,
    Error,
    Manual,
}

#[derive(Debug)]
pub struct WireRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    pub redirect: RedirectMode,
}

#[derive(Debug)]
pub enum RequestBody {
    Bytes(Vec<u8>),
    /// Still being read from the worker's stream: it can be sent once, so a redirect that would
    /// send it again is refused, as browsers refuse it.
    Streamed(super::Upload),
}

#[derive(Debug)]
pub struct WireResponse {
    pub status: u16,
    pub status_text: String,
    pub headers: Vec<(String, String)>,
    /// The body, or its first piece when `rest` is left.
    pub body: Vec<u8>,
    pub rest: Option<BodyReader>,
    pub url: String,
    pub redirected: bool,
}

/// The rest of a response body, still on the wire; `max_response_bytes` bounds it in all.
#[derive(Debug)]
pub struct BodyReader {
    response: reqwest::Response,
    url: url::Url,
    read: usize,
    limit: usize,
}

impl BodyReader {
    /// The next piece of at least `BODY_PIECE` bytes (less at the end), or None at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, HostError> {
        let mut piece = Vec::new();
        while piece.len() < BODY_PIECE {
            let Some(chunk) = self.response.chunk().await.map_err(|e| describe(&self.url, &e))? else {
                break;
            };
            self.read += chunk.len();
            if self.read > self.limit {
                return Err(too_large(&self.url, self.limit));
            }
            piece.extend_from_slice(&chunk);
        }
        Ok((!piece.is_empty()).then_some(piece))
    }
}

fn too_large(url: &url::Url, limit: usize) -> HostError {
    type_error(format!("fetch to {url}: the response is larger than max_response_bytes ({limit})"))
}

pub struct HttpOutbound {
    config: Arc<HttpConfig>,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpOutbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOutbound").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The runtime every HttpOutbound sends on: two threads, idle when nothing is in flight.
static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// Starts the runtime if no HttpOutbound has yet. Starting can fail (no threads to be had), and
/// failing here is an error for whoever makes the HttpOutbound, not a panic in a fetch.
fn start_runtime() -> Result<(), String> {
    if RUNTIME.get().is_none() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("workerbox-outbound")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the outbound runtime: {e}"))?;
        // Should another thread have won the race, this one's threads stop again.
        let _ = RUNTIME.set(runtime);
    }
    Ok(())
}

/// The runtime every HttpOutbound sends on. Its fetch callback calls this inside V8, where a
/// panic aborts the process; it cannot fail there, since that fetch belongs to an HttpOutbound.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    RUNTIME.get().expect("HttpOutbound::new starts the runtime, and only an HttpOutbound sends on it")
}

fn type_error(message: String) -> HostError {
    HostError { name: "TypeError".into(), message }
}

impl HttpOutbound {
    pub fn new(config: HttpConfig) -> Result<Self, String> {
        start_runtime()?;
        // Several libraries may race to install a provider; any installed one will do.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = Arc::new(config);
        let resolver = Arc::new(GuardedResolver { config: config.clone() });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(config.timeout)
            .dns_resolver(resolver)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpOutbound { config, client })
    }

    /// Checks a hop before it is sent: scheme, allow-list, and literal private addresses.
    fn check(&self, url: &url::Url) -> Result<(), HostError> {
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(type_error(format!("fetch to {url} refused: only http and https are allowed")));
        }
        if !self.config.allow.iter().any(|p| p.matches(url)) {
            return Err(type_error(format!(
                "fetch to {} refused: the host is not in this worker's HttpOutbound allow list",
                url.host_str().unwrap_or("")
            )));
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal.filter(|ip| is_private(*ip) && !self.config.allow_private_networks) {
            return Err(type_error(format!("fetch to {url} refused: {ip} is a private address")));
        }
        Ok(())
    }

    pub async fn send(&self, request: WireRequest) -> Result<WireResponse, HostError> {
        let mut url = url::Url::parse(&request.url).map_err(|e| type_error(format!("invalid URL: {e}")))?;
        let method = normalize_method(&request.method).map_err(type_error)?;
        let mut method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| type_error(format!("Invalid method: {:?}", request.method)))?;
        let mut body = request.body;
        // A streamed body leaves `body` when it is first sent; the flag remembers that it existed.
        let streamed = matches!(body, Some(RequestBody::Streamed(_)));
        let mut redirected = false;
        for _ in 0..=MAX_REDIRECTS {
            self.check(&url)?;
            let builder =
                self.with_headers(self.client.request(method.clone(), url.clone()), &url, &request.headers);
            let builder = match body.take() {
                Some(RequestBody::Bytes(b)) => {
                    let builder = builder.body(b.clone());
                    body = Some(RequestBody::Bytes(b));
                    builder
                }
                Some(RequestBody::Streamed(upload)) => builder.body(reqwest::Body::wrap(upload)),
                None => builder,
            };
            let response = builder.send().await.map_err(|e| describe(&url, &e))?;
            let status = response.status();
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok());
            if status.is_redirection() && location.is_some() && request.redirect != RedirectMode::Manual {
                if request.redirect == RedirectMode::Error {
                    return Err(type_error(format!(
                        "fetch to {url} was redirected and redirect is \"error\""
                    )));
                }
                let next = url
                    .join(location.unwrap_or_default())
                    .map_err(|e| type_error(format!("bad redirect: {e}")))?;
                // As browsers do: 303, and 301/302 after POST, continue as GET without a body.
                if status == 303 || (method == reqwest::Method::POST && (status == 301 || status == 302)) {
                    method = reqwest::Method::GET;
                    body = None;
                } else if streamed {
                    return Err(type_error(format!(
                        "fetch to {url} was redirected ({status}) and its body was a stream, which cannot be sent twice"
                    )));
                }
                url = next;
                redirected = true;
                continue;
            }
            return self.read(response, url, redirected).await;
        }
        Err(type_error(format!("fetch to {} followed too many redirects", request.url)))
    }

    /// The sandbox's headers that may be sent, then the ones injected for this URL, which replace
    /// same-named ones from the sandbox.
    fn with_headers(
        &self,
        mut builder: reqwest::RequestBuilder,
        url: &url::Url,
        headers: &[(String, String)],
    ) -> reqwest::RequestBuilder {
        let injected: Vec<&(String, String)> =
            self.config.inject.iter().filter(|(p, _)| p.matches(url)).flat_map(|(_, h)| h).collect();
        for (name, value) in headers {
            if !is_forbidden_header(name, value)
                && !injected.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                builder = builder.header(name, value);
            }
        }
        for (name, value) in injected {
            builder = builder.header(name, value);
        }
        builder
    }

    /// The head and the body's first piece; a body longer than that keeps its reader.
    async fn read(
        &self,
        response: reqwest::Response,
        url: url::Url,
        redirected: bool,
    ) -> Result<WireResponse, HostError> {
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
            .collect();
        let mut reader =
            BodyReader { response, url: url.clone(), read: 0, limit: self.config.max_response_bytes };
        let body = reader.next().await?.unwrap_or_default();
        let rest = (body.len() >= BODY_PIECE).then_some(reader);
        Ok(WireResponse {
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_string(),
            headers,
            body,
            rest,
            url: url.to_string(),
            redirected,
        })
    }
}

/// A transport error as the sandbox sees it, with the guard's reason when it was the guard.
fn describe(url: &url::Url, error: &reqwest::Error) -> HostError {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    let what = if error.is_timeout() { "timed out" } else { "failed" };
    type_error(format!("fetch to {url} {what}: {reason}"))
}

/// Resolves names for the client, then drops private addresses unless they are allowed.
struct GuardedResolver {
    config: Arc<HttpConfig>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let config = self.config.clone();
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            let fixed: Vec<SocketAddr> = config
                .resolve
                .iter()
                .filter(|(n, _)| *n == host)
                .map(|(_, ip)| SocketAddr::new(*ip, 0))
                .collect();
            let found: Vec<SocketAddr> = if fixed.is_empty() {
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect()
            } else {
                fixed
            };
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| config.allow_private_networks || !is_private(a.ip()))
                .collect();
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = if found.is_empty() {
                    format!("{host} does not resolve").into()
                } else {
                    format!("{host} resolves only to private addresses ({})", found[0].ip()).into()
                };
                return Err(err);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// A real HTTP/1.1 server on 127.0.0.1: `/echo` returns the request head, `/to?<url>`
    /// redirects there, `/big` sends 64 KiB.
    fn server() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(64) {
                let Ok(mut stream) = stream else { continue };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                // Read the body too: closing with it unread would reset the connection.
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|n| n.trim().to_string())
                    })
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                let _ = stream.read_exact(&mut vec![0; length]);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, extra, body) = if let Some(to) = path.strip_prefix("/to?") {
                    ("302 Found", format!("location: {to}\r\n"), Vec::new())
                } else if path == "/big" {
                    ("200 OK", String::new(), vec![b'x'; 64 << 10])
                } else {
                    ("200 OK", String::new(), head.into_bytes())
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        port
    }

    fn config(allow: &[&str], allow_private: bool) -> HttpConfig {
        HttpConfig {
            allow: allow.iter().map(|p| HostPattern::parse(p).unwrap()).collect(),
            inject: vec![(
                HostPattern::parse("api.test").unwrap(),
                vec![("authorization".into(), "Bearer s3cret".into())],
            )],
            timeout: Duration::from_secs(5),
            max_response_bytes: 16 << 10,
            allow_private_networks: allow_private,
            resolve: vec![
                ("api.test".into(), "127.0.0.1".parse().unwrap()),
                ("evil.test".into(), "127.0.0.1".parse().unwrap()),
            ],
        }
    }

    fn get(url: String) -> WireRequest {
        WireRequest {
            method: "GET".into(),
            url,
            headers: vec![("authorization".into(), "from the sandbox".into())],
            body: None,
            redirect: RedirectMode::Follow,
        }
    }

    fn send(outbound: &HttpOutbound, request: WireRequest) -> Result<WireResponse, HostError> {
        runtime().block_on(outbound.send(request))
    }

    #[test]
    fn allowed_request_carries_the_injected_header() {
        let port = server();
        let out = HttpOutbound::new(config(&["api.test"], true)).unwrap();
        let response = send(&out, get(format!("http://api.test:{port}/echo"))).unwrap();
        let head = String::from_utf8(response.body).unwrap();
        assert_eq!(response.status, 200);
        assert!(head.contains("authorization: Bearer s3cret"), "{head}");
        assert!(!head.contains("from the sandbox"), "{head}");
    }

    #[test]
    fn forbidden_methods_are_refused_before_sending() {
        let out = HttpOutbound::new(config(&["api.test"], true)).unwrap();
        for method in ["TRACE", "track", "Connect"] {
            // Port 9 (discard): nothing listens, so only a refusal before connecting passes.
            let mut request = get("http://api.test:9/echo".into());
            request.method = method.into();
            let err = send(&out, request).unwrap_err();
            assert!(err.message.contains("Forbidden method"), "{}", err.message);
        }
    }

    #[test]
    fn the_sandbox_cannot_set_host_or_framing_headers() {
        let port = server();
        let out = HttpOutbound::new(config(&["api.test"], true)).unwrap();
        let mut request = get(format!("http://api.test:{port}/echo"));
        request.method = "post".into();
        request.body = Some(RequestBody::Bytes(b"hello".to_vec()));
        request.headers = [
            ("Host", "admin.internal"),
            ("content-length", "0"),
            ("transfer-encoding", "chunked"),
            ("proxy-authorization", "Basic eA=="),
            ("x-http-method-override", "TRACE"),
            ("x-ok", "1"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
        let head = String::from_utf8(send(&out, request).unwrap().body).unwrap();
        assert!(head.starts_with("POST /echo "), "{head}");
        assert!(head.contains(&format!("host: api.test:{port}\r\n")), "{head}");
        assert!(head.contains("content-length: 5\r\n") && head.contains("x-ok: 1\r\n"), "{head}");
        for gone in ["admin.internal", "chunked", "proxy-authorization", "x-http-method-override"] {
            assert!(!head.contains(gone), "{gone} in {head}");
        }
    }

    #[test]
    fn a_name_resolving_to_a_private_address_is_refused() {
        let port = server();
        let out = HttpOutbound::new(config(&["api.test"], false)).unwrap();
        let err = send(&out, get(format!("http://api.test:{port}/echo"))).unwrap_err();
        assert!(err.message.contains("private addresses"), "{}", err.message);
    }

    #[test]
    fn private_ip_literals_and_denied_hosts_are_refused() {
        let out = HttpOutbound::new(config(
            &["api.test", "127.0.0.1", "[::127.0.0.1]", "[2002:a9fe:a9fe::]"],
            false,
        ))
        .unwrap();
        for literal in ["127.0.0.1", "[::127.0.0.1]", "[2002:a9fe:a9fe::]"] {
            let err = send(&out, get(format!("http://{literal}:9/"))).unwrap_err();
            assert!(err.message.contains("private address"), "{}", err.message);
        }
        let err = send(&out, get("https://example.org/".into())).unwrap_err();
        assert!(err.message.contains("not in this worker's HttpOutbound allow list"), "{}", err.message);
        let err = send(&out, get("file:///etc/passwd".into())).unwrap_err();
        assert!(err.message.contains("only http and https"), "{}", err.message);
    }

    #[test]
    fn redirects_are_checked_at_every_hop() {
        let port = server();
        let out = HttpOutbound::new(config(&["api.test"], true)).unwrap();
        let ok = send(&out, get(format!("http://api.test:{port}/to?/echo"))).unwrap();
        assert!(ok.redirected && ok.url.ends_with("/echo"));
        let err =
            send(&out, get(format!("http://api.test:{port}/to?http://evil.test:{port}/echo"))).unwrap_err();
        assert!(err.message.contains("evil.test"), "{}", err.message);
        let mut manual = get(format!("http://api.test:{port}/to?/echo"));
        manual.redirect = RedirectMode::Manual;
        assert_eq!(send(&out, manual).unwrap().status, 302);
        let mut error = get(format!("http://api.test:{port}/to?/echo"));
        error.redirect = RedirectMode::Error;
        assert!(send(&out, error).is_err());
    }

    #[test]
    fn oversized_responses_are_cut_off() {
        let port = server();
        let out = HttpOutbound::new(config(&["api.test"], true)).unwrap();
        let err = send(&out, get(format!("http://api.test:{port}/big"))).unwrap_err();
        assert!(err.message.contains("max_response_bytes"), "{}", err.message);
    }
}
