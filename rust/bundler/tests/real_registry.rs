//! Against https://registry.npmjs.org: skipped (with a note on stderr) when the registry is
//! unreachable, unless `WORKERBOX_NPM_LIVE=1` demands it (CI sets it where the network is there).

use std::collections::BTreeMap;
use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use workerbox_bundler::npm::{InstallOptions, RegistryConfig, install};

fn reachable() -> bool {
    let addrs = ("registry.npmjs.org", 443).to_socket_addrs();
    let reached = addrs
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|addr| std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_ok());
    if !reached && std::env::var("WORKERBOX_NPM_LIVE").as_deref() == Ok("1") {
        panic!("WORKERBOX_NPM_LIVE=1 but registry.npmjs.org is unreachable");
    }
    if !reached {
        eprintln!("skipped: registry.npmjs.org is unreachable");
    }
    reached
}

#[test]
fn hono_and_zod_from_the_real_registry_cold_then_locked() {
    if !reachable() {
        return;
    }
    let cache = std::env::temp_dir().join(format!("wb-npm-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let config = RegistryConfig::from_sources(&[], &BTreeMap::new(), None).unwrap();
    let mut opts = InstallOptions::new(config);
    opts.cache_dir = cache.clone();
    let deps: BTreeMap<String, String> = [("hono", "^4.0.0"), ("zod", "^3")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let started = Instant::now();
    let (installed, lock) = install(&deps, None, &opts).unwrap();
    let cold = started.elapsed();
    let hono = &installed.packages[&installed.root["hono"]];
    assert!(installed.root["hono"].version.starts_with("4."));
    assert!(hono.dir.join("package.json").is_file());
    assert!(hono.dir.join("dist/index.js").is_file());
    let started = Instant::now();
    opts.offline = true;
    let (again, _) = install(&deps, Some(&lock), &opts).unwrap();
    let warm = started.elapsed();
    assert_eq!(again.root, installed.root);
    eprintln!("hono+zod: cold {cold:?}, warm (locked, offline) {warm:?}");
    let _ = std::fs::remove_dir_all(&cache);
}
