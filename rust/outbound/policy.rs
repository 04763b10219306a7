//! Who the sandbox may reach: host patterns for the allow-list and credential injection, and
//! which resolved addresses count as private (the SSRF guard). Pure data and functions.

use std::net::IpAddr;

/// `example.com`, `*.example.com` (any subdomain, not the apex), optionally with a scheme
/// (`https://…`) and/or a port (`…:8443`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    scheme: Option<String>,
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl HostPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("host pattern {pattern:?}: {why}");
        let (scheme, rest) = match pattern.split_once("://") {
            Some((s, r)) if s == "http" || s == "https" => (Some(s.to_string()), r),
            Some(_) => return Err(bad("the scheme must be http or https")),
            None => (None, pattern),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(']') || h.ends_with(']') => {
                (h, Some(p.parse::<u16>().map_err(|_| bad("the port must be a number"))?))
            }
            _ => (rest, None),
        };
        let (wildcard, host) = match host.strip_prefix("*.") {
            Some(h) => (true, h),
            None => (false, host),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() || host.contains(['/', '*', '@', '?', '#', ' ']) {
            return Err(bad("expected a host name such as api.example.com or *.example.com"));
        }
        Ok(HostPattern { scheme, host, wildcard, port })
    }

    /// Whether `url` (already parsed) matches.
    pub fn matches(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str() else { return false };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host_ok = if self.wildcard {
            host.len() > self.host.len() + 1
                && host.ends_with(&self.host)
                && host[..host.len() - self.host.len()].ends_with('.')
        } else {
            host == self.host
        };
        host_ok
            && self.scheme.as_deref().is_none_or(|s| s == url.scheme())
            && self.port.is_none_or(|p| Some(p) == url.port_or_known_default())
    }
}

/// Addresses a sandbox must not reach unless private networks are allowed: loopback, private
/// ranges, link-local (including the cloud metadata address 169.254.169.254), CGNAT,
/// unspecified, multicast and broadcast, and their IPv6 counterparts and IPv4-mapped forms.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0xdb8
                || first == 0x64 && v6.segments()[1] == 0xff9b
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn exact_and_wildcard_hosts() {
        let exact = HostPattern::parse("api.example.com").unwrap();
        assert!(exact.matches(&url("https://api.example.com/x")));
        assert!(exact.matches(&url("http://API.example.com./x")));
        assert!(!exact.matches(&url("https://evil-api.example.com/")));
        assert!(!exact.matches(&url("https://api.example.com.evil.net/")));
        let wild = HostPattern::parse("*.example.com").unwrap();
        assert!(wild.matches(&url("https://a.b.example.com/")));
        assert!(!wild.matches(&url("https://example.com/")));
        assert!(!wild.matches(&url("https://notexample.com/")));
    }

    #[test]
    fn scheme_and_port_restrict() {
        let p = HostPattern::parse("https://api.example.com:8443").unwrap();
        assert!(p.matches(&url("https://api.example.com:8443/")));
        assert!(!p.matches(&url("https://api.example.com/")));
        assert!(!p.matches(&url("http://api.example.com:8443/")));
        let default_port = HostPattern::parse("example.com:443").unwrap();
        assert!(default_port.matches(&url("https://example.com/")));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in ["", "ftp://x.com", "x.com:port", "*.", "a/b", "user@x.com", "*"] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "224.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Parsing never panics, and an exact pattern matches its own host over https.
        #[test]
        fn patterns_parse_or_refuse(pattern in "\\PC{0,30}") {
            if let Ok(p) = HostPattern::parse(&pattern)
                && !p.wildcard
                && p.scheme.as_deref().is_none_or(|s| s == "https")
                && p.port.is_none()
                && let Ok(url) = url::Url::parse(&format!("https://{}/", p.host))
                && url.host_str() == Some(p.host.as_str())
            {
                prop_assert!(p.matches(&url));
            }
        }

        /// An IPv4 address and its IPv4-mapped IPv6 form are judged alike.
        #[test]
        fn mapped_addresses_agree(octets in any::<[u8; 4]>()) {
            let v4 = std::net::Ipv4Addr::from(octets);
            prop_assert_eq!(is_private(IpAddr::V4(v4)), is_private(IpAddr::V6(v4.to_ipv6_mapped())));
        }
    }
}
