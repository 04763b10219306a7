//! Who the sandbox may reach: host patterns for the allow-list and credential injection, and
//! which resolved addresses count as private (the SSRF guard). Pure data and functions.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const NAME: &str =
    "expected a host name such as api.example.com or *.example.com, or an IP address ([::1] for IPv6)";

/// `example.com`, `*.example.com` (any subdomain, not the apex), `192.0.2.1` or `[2001:db8::1]`,
/// optionally with a scheme (`https://…`) and/or a port (`…:8443`, `[…]:8443`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    scheme: Option<String>,
    /// As the URL parser serialises hosts (lower-case, punycode, canonical IP addresses, IPv6
    /// in brackets), so it compares equal to `Url::host_str`.
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl HostPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("host pattern {pattern:?}: {why}");
        let (scheme, authority) = match pattern.split_once("://") {
            Some((s, r)) if s == "http" || s == "https" => (Some(s.to_string()), r),
            Some(_) => return Err(bad("the scheme must be http or https")),
            None => (None, pattern),
        };
        let (host, port) = split_port(authority).map_err(bad)?;
        let (wildcard, host) = match host.strip_prefix("*.") {
            Some(h) => (true, h),
            None => (false, host),
        };
        let parsed = url::Host::parse(host).map_err(|_| bad(NAME))?;
        if wildcard && !matches!(parsed, url::Host::Domain(_)) {
            return Err(bad("a wildcard needs a host name, not an IP address"));
        }
        let name = parsed.to_string();
        // One trailing dot is a fully qualified name's; more would be empty labels.
        let host = name.strip_suffix('.').unwrap_or(&name).to_string();
        let empty_label = matches!(parsed, url::Host::Domain(_)) && host.split('.').any(str::is_empty);
        // The URL parser accepts `*` in names (also as `%2a`); a pattern must not, or `a*.com`
        // would look like a wildcard that never matches.
        if host.is_empty() || host.contains('*') || empty_label {
            return Err(bad(NAME));
        }
        Ok(HostPattern { scheme, host, wildcard, port })
    }

    /// Whether `url` (already parsed) matches.
    pub fn matches(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str() else { return false };
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
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

/// Splits `host[:port]` as URLs write it: an IPv6 address is in brackets (`[::1]:8080`), so its
/// colons are not a port's.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']').ok_or("an IPv6 address needs its closing bracket")? + 1;
        let (host, rest) = authority.split_at(end);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':').ok_or("expected :port after the IPv6 address")?)),
        }
    } else {
        match authority.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err("write an IPv6 address in brackets, as in [::1]");
            }
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    const PORT: &str = "the port must be a number from 0 to 65535";
    let port = match port {
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().map_err(|_| PORT)?),
        Some(_) => return Err(PORT),
        None => None,
    };
    Ok((host, port))
}

/// Addresses a sandbox must not reach unless private networks are allowed: loopback, private
/// ranges, link-local (including the cloud metadata address 169.254.169.254), CGNAT,
/// unspecified, multicast and broadcast, their IPv6 counterparts, and every IPv6 form of a
/// private IPv4 address (see `embedded_ipv4`).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => embedded_ipv4(v6).map_or_else(|| is_private_v6(v6), is_private_v4),
    }
}

fn is_private_v4(v4: Ipv4Addr) -> bool {
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

fn is_private_v6(v6: Ipv6Addr) -> bool {
    let [first, second, ..] = v6.segments();
    v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Site-local: deprecated, yet still routed inside some networks.
        || (first & 0xffc0) == 0xfec0
        || (first == 0x2001 && second == 0xdb8)
        // NAT64 outside the well-known /96, above all the local-use 64:ff9b:1::/48 (RFC 8215):
        // a translator run by the local network, where the IPv4 address may sit at any of
        // RFC 6052's offsets, so no one reading of it can be trusted.
        || (first == 0x64 && second == 0xff9b)
}

/// The IPv4 address an IPv6 address reaches through the kernel, a tunnel or a translator, so it
/// is judged as that address: IPv4-mapped `::ffff:0:0/96`, SIIT's IPv4-translated
/// `::ffff:0:0:0/96`, IPv4-compatible `::/96` (bar `::` and `::1`, which are themselves), the
/// NAT64 well-known prefix `64:ff9b::/96`, 6to4 `2002::/16` (bits 16..48) and Teredo
/// `2001::/32` (the client, stored inverted in the last 32 bits).
fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(v6);
    let last = Ipv4Addr::from(bits as u32);
    match v6.segments() {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0xffff, 0, ..] => Some(last),
        [0, 0, 0, 0, 0, 0, ..] if bits > 1 => Some(last),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(last),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        [0x2001, 0, ..] => Some(Ipv4Addr::from(!(bits as u32))),
        _ => None,
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
    fn empty_labels_are_refused_and_one_trailing_dot_is_a_fqdn() {
        // "0.." once became the pattern "0", which parses as the address 0.0.0.0: a pattern
        // whose text and meaning differ.
        for pattern in ["0..", "a..b", "example.com..", "*.a..b"] {
            assert!(HostPattern::parse(pattern).is_err(), "{pattern}");
        }
        let fqdn = HostPattern::parse("example.com.").unwrap();
        assert!(fqdn.matches(&url("https://example.com/")));
        assert!(!fqdn.matches(&url("https://example.com../")));
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
    fn ip_addresses_match_in_canonical_form() {
        for (pattern, target) in [
            ("[::1]", "http://[::1]/"),
            ("[::1]:8080", "http://[0:0::1]:8080/"),
            ("https://[2001:DB8::1]:8443", "https://[2001:db8:0::1]:8443/"),
            ("127.0.0.1", "http://127.1/"),
            ("bücher.de", "https://xn--bcher-kva.de/"),
        ] {
            assert!(HostPattern::parse(pattern).unwrap().matches(&url(target)), "{pattern}");
        }
        assert!(!HostPattern::parse("[::1]:8080").unwrap().matches(&url("http://[::1]:8081/")));
        assert!(!HostPattern::parse("[::1]").unwrap().matches(&url("http://[::2]/")));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "",
            "ftp://x.com",
            "x.com:port",
            "*.",
            "a/b",
            "user@x.com",
            "*",
            "a*.com",
            "x.com:",
            "x.com:+80",
            "x.com:65536",
            "[::1",
            "[::1]x",
            "[::1]:",
            "::1",
            "fe80::1:80",
            "*.[::1]",
            "*.10.0.0.1",
            "[x.com]",
            "[::1]:80:80",
        ] {
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
            "::",
            "::1",
            "fe80::1",
            "fec0::1",
            "fd00::1",
            "224.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0:7f00:1",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::808:808",
            "2002:7f00:1::",
            "2002:a9fe:a9fe:1234::1",
            "2001:0:4136:e378:8000:63bf:80ff:fffe",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:1.1.1.1",
            "::8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A host name the URL parser keeps as it is: lower-case labels, the last not numeric.
    fn domain() -> impl Strategy<Value = String> {
        ("([a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?\\.){0,3}", "[a-z][a-z0-9]{0,5}")
            .prop_map(|(head, tld)| head + &tld)
            .prop_filter("an xn-- label must be valid punycode", |d| {
                !d.split('.').any(|l| l.starts_with("xn--"))
            })
    }

    /// A host as a URL writes it: a name, an IPv4 address or a bracketed IPv6 address.
    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            domain(),
            any::<Ipv4Addr>().prop_map(|ip| ip.to_string()),
            any::<Ipv6Addr>().prop_map(|ip| format!("[{ip}]")),
        ]
    }

    fn scheme() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("http"), Just("https")]
    }

    /// IPv6 forms that reach the IPv4 address `v4` (random bits where a form leaves them free).
    fn embeddings(v4: Ipv4Addr, free: [u16; 5]) -> Vec<Ipv6Addr> {
        let [high, low] = [(u32::from(v4) >> 16) as u16, u32::from(v4) as u16];
        let [a, b, c, d, e] = free;
        vec![
            v4.to_ipv6_mapped(),
            Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, high, low),
            Ipv6Addr::new(0, 0, 0, 0, 0, 0, high, low),
            Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, high, low),
            Ipv6Addr::new(0x2002, high, low, a, b, c, d, e),
            Ipv6Addr::new(0x2001, 0, a, b, c, d, !high, !low),
        ]
    }

    proptest! {
        /// Parsing arbitrary text never panics, and whatever it accepts is a host pattern that
        /// parses again to itself from its parts.
        #[test]
        fn patterns_parse_or_refuse(pattern in prop_oneof!["\\PC{0,40}", "(https?://)?[*.a-fA-F0-9:%\\[\\]-]{0,24}"]) {
            if let Ok(p) = HostPattern::parse(&pattern) {
                let wildcard = if p.wildcard { "*." } else { "" };
                let port = p.port.map(|p| format!(":{p}")).unwrap_or_default();
                let again = match &p.scheme {
                    Some(s) => format!("{s}://{wildcard}{}{port}", p.host),
                    None => format!("{wildcard}{}{port}", p.host),
                };
                prop_assert_eq!(HostPattern::parse(&again), Ok(p));
            }
        }

        /// A pattern made from a host (any case, with or without scheme and port) matches URLs
        /// with that host, and not those on another port or scheme it names.
        #[test]
        fn a_pattern_matches_its_own_host(
            host in host(),
            pattern_scheme in proptest::option::of(scheme()),
            url_scheme in scheme(),
            port in proptest::option::of(any::<u16>()),
            upper in any::<bool>(),
        ) {
            let pattern = format!(
                "{}{}{}",
                pattern_scheme.map(|s| format!("{s}://")).unwrap_or_default(),
                if upper { host.to_ascii_uppercase() } else { host.clone() },
                port.map(|p| format!(":{p}")).unwrap_or_default(),
            );
            let p = HostPattern::parse(&pattern).unwrap();
            let url_port = port.unwrap_or(if url_scheme == "https" { 443 } else { 80 });
            let target = url::Url::parse(&format!("{url_scheme}://{host}:{url_port}/path")).unwrap();
            prop_assert_eq!(p.matches(&target), pattern_scheme.is_none_or(|s| s == url_scheme));
            if let Some(port) = port {
                let elsewhere = url::Url::parse(&format!("{url_scheme}://{host}:{}/", port ^ 1)).unwrap();
                prop_assert!(!p.matches(&elsewhere));
            }
        }

        /// `*.name` matches every subdomain of name, never name itself, nor a name that only
        /// ends with the same characters.
        #[test]
        fn wildcards_match_subdomains_only(name in domain(), label in "[a-z0-9]{1,8}") {
            let p = HostPattern::parse(&format!("*.{name}")).unwrap();
            let url = |host: &str| url::Url::parse(&format!("https://{host}/")).unwrap();
            let (subdomain, lookalike) = (url(&format!("{label}.{name}")), url(&format!("{label}{name}")));
            prop_assert!(p.matches(&subdomain));
            prop_assert!(!p.matches(&url(&name)));
            prop_assert!(!p.matches(&lookalike));
        }

        /// No address makes the check panic.
        #[test]
        fn every_address_is_classified(bits in any::<u128>(), v4 in any::<u32>()) {
            is_private(IpAddr::V6(Ipv6Addr::from(bits)));
            is_private(IpAddr::V4(Ipv4Addr::from(v4)));
        }

        /// Every IPv6 form of an IPv4 address is judged as that address; the local-use NAT64
        /// prefix is private whatever it embeds.
        #[test]
        fn embedded_ipv4_classifies_like_ipv4(v4 in any::<Ipv4Addr>(), free in any::<[u16; 5]>()) {
            let expected = is_private(IpAddr::V4(v4));
            for v6 in embeddings(v4, free) {
                prop_assert_eq!(is_private(IpAddr::V6(v6)), expected, "{}", v6);
            }
            let [high, low] = [(u32::from(v4) >> 16) as u16, u32::from(v4) as u16];
            prop_assert!(is_private(IpAddr::V6(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, high, low))));
        }
    }
}
