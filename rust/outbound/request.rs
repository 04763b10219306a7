//! What a sandbox's request may say, per the Fetch standard: its method and which of its
//! headers an HTTP client sends. Decided here, never in runtime JS (which the tenant can tamper
//! with): `Request` asks through `ops.normalizeMethod`, and `HttpOutbound` applies both rules to
//! every request it sends. Pure functions.

/// Methods no request may use: TRACE and TRACK echo the request, injected credentials included;
/// CONNECT turns the connection into a tunnel.
const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// Methods the Fetch standard upper-cases; any other method is sent as written.
const NORMALIZED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// Headers the client derives from the URL, the body or the connection. A value from the
/// sandbox would retarget the request (`Host`), desynchronise framing (request smuggling) or
/// speak to a proxy, so it is dropped and the client's own is sent.
const FORBIDDEN_HEADERS: [&str; 9] = [
    "connection",
    "content-length",
    "expect",
    "host",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The most of an invalid method an error message quotes, in bytes.
const MAX_QUOTED_METHOD: usize = 64;

/// Headers some servers take as the method: forbidden when they name a forbidden method.
const METHOD_OVERRIDES: [&str; 3] = ["x-http-method", "x-http-method-override", "x-method-override"];

/// The Fetch standard's method normalization: a method is an HTTP token; the standard methods
/// are matched case-insensitively and upper-cased; CONNECT, TRACE and TRACK are refused in any
/// case. The error is the message of the `TypeError` the sandbox sees.
pub fn normalize_method(method: &str) -> Result<String, String> {
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        // The method can be any string the sandbox makes, up to V8's maximum length; quoted
        // whole (and escaped, up to six bytes a character) it would cost the host gigabytes.
        return Err(format!("Invalid method: {:?}", crate::value::truncated(method, MAX_QUOTED_METHOD)));
    }
    if is_forbidden_method(method) {
        return Err(format!("Forbidden method: {method}"));
    }
    match NORMALIZED_METHODS.iter().find(|m| m.eq_ignore_ascii_case(method)) {
        Some(standard) => Ok(standard.to_string()),
        None => Ok(method.to_string()),
    }
}

fn is_forbidden_method(method: &str) -> bool {
    FORBIDDEN_METHODS.iter().any(|m| m.eq_ignore_ascii_case(method))
}

/// RFC 9110's `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether the client must set a header named `name` itself (see `FORBIDDEN_HEADERS`; any
/// `Proxy-*` too): neither the sandbox nor `inject_headers` may.
pub fn is_client_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    FORBIDDEN_HEADERS.contains(&name.as_str()) || name.starts_with("proxy-")
}

/// Whether a header from the sandbox is dropped before sending, silently, as browsers do.
pub fn is_forbidden_header(name: &str, value: &str) -> bool {
    is_client_header(name) || (is_method_override(name) && names_forbidden_method(value))
}

fn is_method_override(name: &str) -> bool {
    METHOD_OVERRIDES.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// A comma-separated list, as the standard reads these headers; quotes are ignored so that a
/// quoted `"TRACE"` counts too.
fn names_forbidden_method(value: &str) -> bool {
    value
        .split(',')
        .any(|m| is_forbidden_method(m.trim_matches(|c: char| c.is_ascii_whitespace() || c == '"')))
}

/// Validates one of `inject_headers`' headers: a well-formed name and value, and not a header
/// the client sets itself.
pub fn check_injected_header(name: &str, value: &str) -> Result<(), String> {
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(format!("{name:?} is not a valid header name"));
    }
    if reqwest::header::HeaderValue::from_str(value).is_err() {
        return Err(format!("the value of {name:?} is not a valid header value"));
    }
    if is_client_header(name) {
        return Err(format!("{name:?} is set by the client from the URL and body and cannot be injected"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn standard_methods_are_upper_cased_and_others_kept() {
        for (given, sent) in [
            ("get", "GET"),
            ("Post", "POST"),
            ("options", "OPTIONS"),
            ("patch", "patch"),
            ("PROPFIND", "PROPFIND"),
        ] {
            assert_eq!(normalize_method(given).as_deref(), Ok(sent));
        }
    }

    #[test]
    fn forbidden_and_malformed_methods_are_refused() {
        for method in ["TRACE", "trace", "TrAcK", "connect", "", "GET /", "GET\r\nX: 1", "G\u{e9}T", "A,B"] {
            assert!(normalize_method(method).is_err(), "{method:?}");
        }
    }

    #[test]
    fn an_invalid_method_is_quoted_in_part() {
        let message = normalize_method(&"\u{85}".repeat(1 << 20)).unwrap_err();
        assert!(message.len() < 1024, "{} bytes", message.len());
        assert!(message.ends_with(&format!("({} more bytes)\"", (2 << 20) - MAX_QUOTED_METHOD)), "{message}");
    }

    #[test]
    fn client_headers_and_method_overrides_are_dropped() {
        for (name, value) in [
            ("Host", "admin.internal"),
            ("content-length", "0"),
            ("Transfer-Encoding", "chunked"),
            ("proxy-authorization", "x"),
            ("Proxy-Connection", "keep-alive"),
            ("X-HTTP-Method-Override", "trace"),
            ("x-method-override", "GET, \"TRACK\""),
        ] {
            assert!(is_forbidden_header(name, value), "{name}");
        }
        for (name, value) in [("authorization", "x"), ("x-http-method-override", "PATCH"), ("cookie", "a=b")]
        {
            assert!(!is_forbidden_header(name, value), "{name}");
        }
    }

    #[test]
    fn injected_headers_are_checked() {
        assert!(check_injected_header("authorization", "Bearer x").is_ok());
        for (name, value) in
            [("host", "x"), ("Content-Length", "1"), ("bad name", "x"), ("x-ok\n", "x"), ("x", "a\r\nb: c")]
        {
            assert!(check_injected_header(name, value).is_err(), "{name:?}");
        }
    }

    proptest! {
        /// Normalization never panics, refuses every casing of a forbidden method, and what it
        /// accepts is a token that normalizes to itself.
        #[test]
        fn normalization_is_total_and_idempotent(method in "\\PC{0,12}", forbidden in 0..3usize, mask in any::<u8>()) {
            if let Ok(sent) = normalize_method(&method) {
                prop_assert_eq!(normalize_method(&sent), Ok(sent.clone()));
                prop_assert!(sent.eq_ignore_ascii_case(&method));
            }
            let cased: String = FORBIDDEN_METHODS[forbidden]
                .chars()
                .enumerate()
                .map(|(i, c)| if mask >> (i % 8) & 1 == 1 { c.to_ascii_lowercase() } else { c })
                .collect();
            prop_assert!(normalize_method(&cased).is_err());
        }
    }
}
