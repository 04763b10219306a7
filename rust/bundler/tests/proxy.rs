//! `HTTP_PROXY` is honoured: the registry's host does not resolve, so the install succeeds only
//! through the proxy. Its own test binary, since it sets process-wide environment variables.

mod support;

use serde_json::json;
use support::{Registry, TempDir, deps};
use workerbox_bundler::npm::{InstallOptions, RegistryConfig, install};

#[test]
fn http_proxy_from_the_environment_carries_registry_requests() {
    let proxy = Registry::start();
    proxy.publish("via-proxy", "1.0.0", json!({}), &[("index.js", "1")]);
    // The proxy (our registry, answering absolute-form requests) names tarballs by its own
    // address, which the proxy also carries.
    // SAFETY: this binary runs this one test; nothing else reads the environment concurrently.
    unsafe {
        std::env::set_var("HTTP_PROXY", proxy.url.trim_end_matches('/'));
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let config =
        RegistryConfig::from_sources(&[], &Default::default(), Some("http://registry.invalid/")).unwrap();
    let cache = TempDir::new("proxy");
    let mut opts = InstallOptions::new(config);
    opts.cache_dir = cache.0.clone();
    let (installed, _) = install(&deps(&[("via-proxy", "1")]), None, &opts).unwrap();
    assert_eq!(installed.root["via-proxy"].version, "1.0.0");
    assert!(proxy.requests() >= 2);
}
