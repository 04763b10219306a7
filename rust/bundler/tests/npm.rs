//! npm installs against a registry served by the test on 127.0.0.1.

mod support;

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::json;
use support::{Registry, TempDir, deps, options, read};
use workerbox_bundler::npm::{Installed, Lock, NpmError, PkgId, install};

fn id(name: &str, version: &str) -> PkgId {
    PkgId { name: name.into(), version: version.into() }
}

fn dep_of(installed: &Installed, pkg: &PkgId, dep: &str) -> Option<PkgId> {
    installed.packages.get(pkg)?.deps.get(dep).cloned()
}

#[test]
fn esm_cjs_and_exports_map_packages_install_with_their_files() {
    let reg = Registry::start();
    reg.publish(
        "esm-pkg",
        "1.0.0",
        json!({"type": "module", "module": "index.js"}),
        &[("index.js", "export const x = 1;")],
    );
    reg.publish(
        "cjs-pkg",
        "2.0.0",
        json!({"main": "lib/main.js"}),
        &[("lib/main.js", "module.exports = 2;")],
    );
    reg.publish(
        "cond-pkg",
        "3.0.0",
        json!({"exports": {".": {"workerd": "./worker.js", "import": "./esm.mjs", "default": "./cjs.cjs"}}}),
        &[
            ("worker.js", "export default 'w'"),
            ("esm.mjs", "export default 'e'"),
            ("cjs.cjs", "module.exports='c'"),
        ],
    );
    let cache = TempDir::new("kinds");
    let want = deps(&[("esm-pkg", "^1.0.0"), ("cjs-pkg", "2"), ("cond-pkg", "latest")]);
    let (installed, lock) = install(&want, None, &options(&reg, &cache)).unwrap();
    assert_eq!(installed.root["esm-pkg"], id("esm-pkg", "1.0.0"));
    assert_eq!(installed.root["cond-pkg"], id("cond-pkg", "3.0.0"));
    let esm = &installed.packages[&id("esm-pkg", "1.0.0")];
    assert_eq!(read(esm.dir.join("index.js")), "export const x = 1;");
    let cjs = &installed.packages[&id("cjs-pkg", "2.0.0")];
    assert_eq!(read(cjs.dir.join("lib/main.js")), "module.exports = 2;");
    let cond = &installed.packages[&id("cond-pkg", "3.0.0")];
    assert!(read(cond.dir.join("package.json")).contains("\"workerd\""));
    assert!(cond.dir.starts_with(&cache.0));
    assert_eq!(lock.packages.len(), 3);
    assert_eq!(lock.root["cond-pkg"].spec, "latest");
}

#[test]
fn transitive_dependency_gets_the_highest_matching_version() {
    let reg = Registry::start();
    for v in ["1.0.0", "1.2.0", "1.10.0", "2.0.0", "1.11.0-beta.1"] {
        reg.publish("b", v, json!({}), &[("v.txt", v)]);
    }
    reg.publish("a", "1.0.0", json!({"dependencies": {"b": "^1.0.0"}}), &[]);
    let cache = TempDir::new("highest");
    let (installed, _) = install(&deps(&[("a", "1")]), None, &options(&reg, &cache)).unwrap();
    let b = dep_of(&installed, &id("a", "1.0.0"), "b").unwrap();
    assert_eq!(b, id("b", "1.10.0"));
    assert_eq!(read(installed.packages[&b].dir.join("v.txt")), "1.10.0");
    assert!(!installed.root.contains_key("b"));
}

#[test]
fn one_version_per_name_where_ranges_allow_else_several() {
    let reg = Registry::start();
    for v in ["1.0.0", "1.5.0", "2.0.0"] {
        reg.publish("c", v, json!({}), &[]);
    }
    reg.publish("wants-c1", "1.0.0", json!({"dependencies": {"c": "^1.0.0"}}), &[]);
    reg.publish("wants-c2", "1.0.0", json!({"dependencies": {"c": "^2.0.0"}}), &[]);
    let cache = TempDir::new("dedupe");
    let want = deps(&[("c", "~1.5.0"), ("wants-c1", "*"), ("wants-c2", "*")]);
    let (installed, _) = install(&want, None, &options(&reg, &cache)).unwrap();
    assert_eq!(installed.root["c"], id("c", "1.5.0"));
    assert_eq!(dep_of(&installed, &id("wants-c1", "1.0.0"), "c"), Some(id("c", "1.5.0")));
    assert_eq!(dep_of(&installed, &id("wants-c2", "1.0.0"), "c"), Some(id("c", "2.0.0")));
    let versions: Vec<_> = installed.packages.keys().filter(|p| p.name == "c").collect();
    assert_eq!(versions.len(), 2);
}

#[test]
fn dependency_cycle_installs() {
    let reg = Registry::start();
    reg.publish("cyc-a", "1.0.0", json!({"dependencies": {"cyc-b": "^1"}}), &[]);
    reg.publish("cyc-b", "1.0.0", json!({"dependencies": {"cyc-a": "^1"}}), &[]);
    let cache = TempDir::new("cycle");
    let (installed, _) = install(&deps(&[("cyc-a", "^1")]), None, &options(&reg, &cache)).unwrap();
    let (a, b) = (id("cyc-a", "1.0.0"), id("cyc-b", "1.0.0"));
    assert_eq!(dep_of(&installed, &a, "cyc-b"), Some(b.clone()));
    assert_eq!(dep_of(&installed, &b, "cyc-a"), Some(a));
}

#[test]
fn optional_dependencies_that_fail_or_are_native_are_skipped_with_a_warning() {
    let reg = Registry::start();
    reg.publish("native-bin", "1.0.0", json!({"os": ["darwin"], "cpu": ["arm64"]}), &[]);
    reg.publish("host", "1.0.0", json!({"optionalDependencies": {"gone": "^1", "native-bin": "^1"}}), &[]);
    let cache = TempDir::new("optional");
    let (installed, _) = install(&deps(&[("host", "1")]), None, &options(&reg, &cache)).unwrap();
    assert!(installed.packages[&id("host", "1.0.0")].deps.is_empty());
    assert_eq!(installed.packages.len(), 1);
    let warnings = installed.warnings.join("\n");
    assert!(warnings.contains("gone") && warnings.contains("native-bin"), "{warnings}");
}

#[test]
fn peer_dependencies_link_to_the_tree_or_are_installed() {
    let reg = Registry::start();
    for v in ["17.0.0", "18.2.0", "18.3.1"] {
        reg.publish("react", v, json!({}), &[]);
    }
    reg.publish("ui", "1.0.0", json!({"peerDependencies": {"react": ">=17"}}), &[]);
    reg.publish(
        "hooks",
        "1.0.0",
        json!({
        "peerDependencies": {"react": "^18", "maybe": "^1"},
        "peerDependenciesMeta": {"maybe": {"optional": true}}}),
        &[],
    );
    let cache = TempDir::new("peers");
    let want = deps(&[("react", "17"), ("ui", "1"), ("hooks", "1")]);
    let (installed, _) = install(&want, None, &options(&reg, &cache)).unwrap();
    // `ui` accepts the tenant's react 17; `hooks` needs 18, so it gets its own.
    assert_eq!(dep_of(&installed, &id("ui", "1.0.0"), "react"), Some(id("react", "17.0.0")));
    assert_eq!(dep_of(&installed, &id("hooks", "1.0.0"), "react"), Some(id("react", "18.3.1")));
    assert_eq!(dep_of(&installed, &id("hooks", "1.0.0"), "maybe"), None);
}

#[test]
fn npm_alias_installs_the_real_package_under_the_alias() {
    let reg = Registry::start();
    reg.publish("real-name", "4.1.0", json!({}), &[("index.js", "export default 4")]);
    let cache = TempDir::new("alias");
    let want = deps(&[("nick", "npm:real-name@^4")]);
    let (installed, _) = install(&want, None, &options(&reg, &cache)).unwrap();
    assert_eq!(installed.root["nick"], id("real-name", "4.1.0"));
}

#[test]
fn unknown_package_and_unmatched_range_are_typed_errors_naming_the_package() {
    let reg = Registry::start();
    reg.publish("exists", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("errors");
    let opts = options(&reg, &cache);
    let err = install(&deps(&[("nope-not-here", "1")]), None, &opts).unwrap_err();
    assert!(matches!(&err, NpmError::NotFound { package, .. } if package == "nope-not-here"), "{err}");
    let err = install(&deps(&[("exists", "^2")]), None, &opts).unwrap_err();
    assert!(
        matches!(&err, NpmError::NoMatchingVersion { package, spec } if package == "exists" && spec == "^2"),
        "{err}"
    );
}

#[test]
fn lock_round_trip_second_install_makes_no_requests() {
    let reg = Registry::start();
    reg.publish("leaf", "1.0.0", json!({}), &[]);
    reg.publish("top", "1.0.0", json!({"dependencies": {"leaf": "^1"}}), &[("a.js", "1")]);
    let cache = TempDir::new("lock");
    let want = deps(&[("top", "^1")]);
    let (first, lock) = install(&want, None, &options(&reg, &cache)).unwrap();
    let text = lock.to_json();
    let lock = Lock::from_json(&text).unwrap();
    // A newer leaf must not leak into a locked rebuild.
    reg.publish("leaf", "1.1.0", json!({}), &[]);
    let before = reg.requests();
    let (second, again) = install(&want, Some(&lock), &options(&reg, &cache)).unwrap();
    assert_eq!(reg.requests(), before, "a locked, cached install made HTTP requests");
    assert_eq!(again, lock);
    assert_eq!(first.root, second.root);
    let dirs = |i: &Installed| {
        i.packages.iter().map(|(k, p)| (k.clone(), p.dir.clone())).collect::<BTreeMap<_, _>>()
    };
    assert_eq!(dirs(&first), dirs(&second));
}

#[test]
fn lock_with_an_empty_cache_fetches_only_tarballs_by_locked_url() {
    let reg = Registry::start();
    reg.publish("solo", "1.0.0", json!({}), &[]);
    let (cache1, cache2) = (TempDir::new("lock-a"), TempDir::new("lock-b"));
    let want = deps(&[("solo", "1")]);
    let (_, lock) = install(&want, None, &options(&reg, &cache1)).unwrap();
    let before = reg.requests();
    install(&want, Some(&lock), &options(&reg, &cache2)).unwrap();
    assert_eq!(reg.requests() - before, 1, "expected the tarball alone");
}

#[test]
fn lock_that_no_longer_satisfies_package_json_is_re_resolved() {
    let reg = Registry::start();
    reg.publish("moving", "1.0.0", json!({}), &[]);
    reg.publish("moving", "2.0.0", json!({}), &[]);
    let cache = TempDir::new("relock");
    let (_, lock) = install(&deps(&[("moving", "^1")]), None, &options(&reg, &cache)).unwrap();
    let (installed, lock2) =
        install(&deps(&[("moving", "^2")]), Some(&lock), &options(&reg, &cache)).unwrap();
    assert_eq!(installed.root["moving"], id("moving", "2.0.0"));
    assert_eq!(lock2.root["moving"].spec, "^2");
}

#[test]
fn offline_uses_the_cache_and_names_what_is_missing() {
    let reg = Registry::start();
    reg.publish("cached", "1.0.0", json!({}), &[]);
    reg.publish("never-fetched", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("offline");
    let (_, lock) = install(&deps(&[("cached", "1")]), None, &options(&reg, &cache)).unwrap();
    let mut offline = options(&reg, &cache);
    offline.offline = true;
    let before = reg.requests();
    let (hit, _) = install(&deps(&[("cached", "1")]), Some(&lock), &offline).unwrap();
    assert_eq!(hit.root["cached"], id("cached", "1.0.0"));
    // Without a lock, offline resolution reads the packuments the cache kept.
    let (hit, _) = install(&deps(&[("cached", "^1")]), None, &offline).unwrap();
    assert_eq!(hit.root["cached"], id("cached", "1.0.0"));
    let err = install(&deps(&[("never-fetched", "1")]), None, &offline).unwrap_err();
    assert_eq!(err, NpmError::OfflineMiss { package: "never-fetched".into() });
    assert!(err.to_string().contains("never-fetched"));
    assert_eq!(reg.requests(), before);
}

#[test]
fn offline_with_a_lock_whose_tarball_is_not_cached_names_package_and_version() {
    let reg = Registry::start();
    reg.publish("elsewhere", "3.1.4", json!({}), &[]);
    let (cache1, cache2) = (TempDir::new("off-a"), TempDir::new("off-b"));
    let want = deps(&[("elsewhere", "3")]);
    let (_, lock) = install(&want, None, &options(&reg, &cache1)).unwrap();
    let mut offline = options(&reg, &cache2);
    offline.offline = true;
    let err = install(&want, Some(&lock), &offline).unwrap_err();
    assert_eq!(err, NpmError::OfflineMiss { package: "elsewhere@3.1.4".into() });
}

#[test]
fn two_threads_installing_into_an_empty_cache_share_one_copy() {
    let reg = Registry::start();
    let big = "x".repeat(16 * 1024);
    let files: Vec<(String, String)> = (0..40).map(|i| (format!("f{i}.js"), big.clone())).collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    reg.publish("racy", "1.0.0", json!({}), &files);
    let cache = TempDir::new("race");
    let opts = options(&reg, &cache);
    let want = deps(&[("racy", "1")]);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2).map(|_| s.spawn(|| install(&want, None, &opts))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let dirs: Vec<_> =
        results.into_iter().map(|r| r.unwrap().0.packages[&id("racy", "1.0.0")].dir.clone()).collect();
    assert_eq!(dirs[0], dirs[1]);
    assert_eq!(support::listing(&dirs[0]).len(), 41);
    assert_eq!(read(dirs[0].join("f39.js")).len(), big.len());
    let leftovers = std::fs::read_dir(cache.0.join("tmp")).unwrap().count();
    assert_eq!(leftovers, 0, "the race left a private directory behind");
}

#[test]
fn scoped_registry_with_token_from_npmrc() {
    let public = Registry::start();
    let private = Registry::start();
    private.require_token("tok-123");
    private.publish("@corp/lib", "1.0.0", json!({}), &[("i.js", "1")]);
    public.publish("open", "1.0.0", json!({"dependencies": {"@corp/lib": "^1"}}), &[]);
    let project = TempDir::new("npmrc");
    let host = private.url.trim_start_matches("http:");
    let npmrc = format!("@corp:registry={}\n{host}:_authToken=${{CORP_TOKEN_FOR_TEST}}\n", private.url);
    std::fs::write(project.0.join(".npmrc"), npmrc).unwrap();
    let env = deps(&[("CORP_TOKEN_FOR_TEST", "tok-123")]);
    let text = std::fs::read_to_string(project.0.join(".npmrc")).unwrap();
    let config =
        workerbox_bundler::npm::RegistryConfig::from_sources(&[text], &env, Some(&public.url)).unwrap();
    let cache = TempDir::new("scoped");
    let mut opts = options(&public, &cache);
    opts.config = config;
    let (installed, lock) = install(&deps(&[("open", "1")]), None, &opts).unwrap();
    assert_eq!(dep_of(&installed, &id("open", "1.0.0"), "@corp/lib"), Some(id("@corp/lib", "1.0.0")));
    assert!(lock.packages["@corp/lib@1.0.0"].tarball.starts_with(&private.url));
    assert!(!lock.to_json().contains("tok-123"));
}

#[test]
fn registry_refusing_credentials_is_a_network_error_without_the_token() {
    let reg = Registry::start();
    reg.require_token("right");
    reg.publish("guarded", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("badtoken");
    let host = reg.url.trim_start_matches("http:");
    let npmrc = format!("{host}:_authToken=wrong-secret\n");
    let config =
        workerbox_bundler::npm::RegistryConfig::from_sources(&[npmrc], &BTreeMap::new(), Some(&reg.url))
            .unwrap();
    let mut opts = options(&reg, &cache);
    opts.config = config;
    let err = install(&deps(&[("guarded", "1")]), None, &opts).unwrap_err();
    assert!(matches!(err, NpmError::Network { .. }), "{err}");
    assert!(err.to_string().contains("401") && !err.to_string().contains("wrong-secret"), "{err}");
}

#[test]
fn username_and_password_from_npmrc_authenticate_with_basic_auth() {
    let reg = Registry::start();
    reg.require_basic("alice", "pa:ss");
    reg.publish("guarded", "1.0.0", json!({}), &[("i.js", "1")]);
    let host = reg.url.trim_start_matches("http:");
    let npmrc = format!("{host}:username=alice\n{host}:_password=cGE6c3M=\n");
    let config =
        workerbox_bundler::npm::RegistryConfig::from_sources(&[npmrc], &BTreeMap::new(), Some(&reg.url))
            .unwrap();
    let cache = TempDir::new("basic");
    let mut opts = options(&reg, &cache);
    opts.config = config;
    let (installed, _) = install(&deps(&[("guarded", "1")]), None, &opts).unwrap();
    assert_eq!(installed.root["guarded"], id("guarded", "1.0.0"));
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("alice:pa:ss"));
    assert!(reg.auth_seen().iter().all(|a| a.as_deref() == Some(basic.as_str())), "{:?}", reg.auth_seen());
}

#[test]
fn https_registry_is_trusted_through_an_inline_ca() {
    let reg = Registry::start_tls();
    reg.publish("secure", "1.0.0", json!({}), &[("index.js", "1")]);
    let pem = std::fs::read_to_string(support::TEST_CA).unwrap();
    let npmrc = format!("ca={}\n", serde_json::to_string(&pem).unwrap());
    let config =
        workerbox_bundler::npm::RegistryConfig::from_sources(&[npmrc], &BTreeMap::new(), Some(&reg.url))
            .unwrap();
    let cache = TempDir::new("tls-ca");
    let mut opts = options(&reg, &cache);
    opts.config = config;
    let (installed, _) = install(&deps(&[("secure", "1")]), None, &opts).unwrap();
    assert_eq!(installed.root["secure"], id("secure", "1.0.0"));
    opts.config.ca = Some("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n".into());
    assert!(matches!(install(&deps(&[("secure", "1")]), None, &opts), Err(NpmError::Config { .. })));
}

#[test]
fn a_level_of_packuments_and_the_tarballs_are_fetched_in_parallel() {
    let reg = Registry::start();
    let names: Vec<String> = (0..8).map(|i| format!("slow{i}")).collect();
    for name in &names {
        reg.publish(name, "1.0.0", json!({}), &[]);
    }
    reg.stall(std::time::Duration::from_millis(400));
    let cache = TempDir::new("parallel");
    let want: BTreeMap<String, String> = names.iter().map(|n| (n.clone(), "1".into())).collect();
    let started = std::time::Instant::now();
    let (installed, _) = install(&want, None, &options(&reg, &cache)).unwrap();
    let took = started.elapsed();
    assert_eq!(installed.packages.len(), 8);
    // One after another would take 16 × 400 ms.
    assert!(took < std::time::Duration::from_millis(3000), "{took:?}");
}

#[test]
fn unreadable_cafile_is_a_config_error_naming_it() {
    let reg = Registry::start();
    let cache = TempDir::new("cafile");
    let npmrc = "cafile=/nonexistent/corp-root.pem\n".to_string();
    let config =
        workerbox_bundler::npm::RegistryConfig::from_sources(&[npmrc], &BTreeMap::new(), Some(&reg.url))
            .unwrap();
    let mut opts = options(&reg, &cache);
    opts.config = config;
    let err = install(&deps(&[("x", "1")]), None, &opts).unwrap_err();
    assert!(matches!(&err, NpmError::Config { detail } if detail.contains("corp-root.pem")), "{err}");
    let pem = cache.0.join("not-a-cert.pem");
    std::fs::write(&pem, "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n").unwrap();
    opts.config.cafile = Some(pem);
    assert!(matches!(install(&deps(&[("x", "1")]), None, &opts), Err(NpmError::Config { .. })));
}

#[test]
fn https_registry_is_trusted_through_cafile_and_not_without_it() {
    let reg = Registry::start_tls();
    reg.publish("secure", "1.0.0", json!({}), &[("index.js", "1")]);
    let want = deps(&[("secure", "1")]);
    let config = |npmrc: &str| {
        workerbox_bundler::npm::RegistryConfig::from_sources(
            &[npmrc.to_string()],
            &BTreeMap::new(),
            Some(&reg.url),
        )
        .unwrap()
    };
    let cache = TempDir::new("tls");
    let mut opts = options(&reg, &cache);
    opts.config = config("");
    let err = install(&want, None, &opts).unwrap_err();
    assert!(matches!(err, NpmError::Network { .. }), "{err}");
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
    opts.config = config(&format!("cafile={}\n", support::TEST_CA));
    let (installed, _) = install(&want, None, &opts).unwrap();
    assert_eq!(installed.root["secure"], id("secure", "1.0.0"));
    let insecure = TempDir::new("tls-insecure");
    let mut opts = options(&reg, &insecure);
    opts.config = config("strict-ssl=false\n");
    install(&want, None, &opts).unwrap();
}

#[test]
fn npmrc_proxy_carries_requests_and_noproxy_bypasses_it() {
    let proxy = Registry::start();
    proxy.publish("proxied", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("npmrc-proxy");
    let npmrc = format!("registry=http://registry.invalid/\nproxy={}\n", proxy.url);
    let config = workerbox_bundler::npm::RegistryConfig::from_sources(
        std::slice::from_ref(&npmrc),
        &BTreeMap::new(),
        None,
    )
    .unwrap();
    assert!(!format!("{config:?}").contains(&proxy.url));
    let mut opts = options(&proxy, &cache);
    opts.config = config;
    let (installed, _) = install(&deps(&[("proxied", "1")]), None, &opts).unwrap();
    assert_eq!(installed.root["proxied"], id("proxied", "1.0.0"));
    let direct = TempDir::new("npmrc-noproxy");
    let npmrc = format!("{npmrc}noproxy=registry.invalid\n");
    opts.config =
        workerbox_bundler::npm::RegistryConfig::from_sources(&[npmrc], &BTreeMap::new(), None).unwrap();
    opts.cache_dir = direct.0.clone();
    let err = install(&deps(&[("proxied", "1")]), None, &opts).unwrap_err();
    assert!(matches!(err, NpmError::Network { .. }), "{err}");
}

#[test]
fn mirror_serving_public_tarball_urls_is_fetched_from_the_mirror() {
    let mirror = Registry::start();
    mirror.publish("mirrored", "1.0.0", json!({}), &[]);
    mirror.point_tarballs("mirrored", "https://registry.npmjs.org/");
    let cache = TempDir::new("mirror");
    let (_, lock) = install(&deps(&[("mirrored", "1")]), None, &options(&mirror, &cache)).unwrap();
    assert!(lock.packages["mirrored@1.0.0"].tarball.starts_with(&mirror.url));
    assert_eq!(mirror.requests(), 2);
}

#[test]
fn transient_registry_failures_are_retried_and_persistent_ones_reported() {
    let reg = Registry::start();
    reg.publish("flaky", "1.0.0", json!({}), &[]);
    reg.fail_next(2);
    let cache = TempDir::new("flaky");
    let (installed, _) = install(&deps(&[("flaky", "1")]), None, &options(&reg, &cache)).unwrap();
    assert_eq!(installed.root["flaky"], id("flaky", "1.0.0"));
    assert_eq!(reg.requests(), 4);
    reg.fail_next(10);
    let cache = TempDir::new("down");
    let err = install(&deps(&[("flaky", "1")]), None, &options(&reg, &cache)).unwrap_err();
    assert!(matches!(&err, NpmError::Network { detail, .. } if detail.contains("503")), "{err}");
}

#[test]
fn optional_dependency_failing_deep_in_its_subtree_is_dropped_whole() {
    let reg = Registry::start();
    reg.publish(
        "broken-leaf-parent",
        "1.0.0",
        json!({"dependencies": {"shared": "1", "not-published": "1"}}),
        &[],
    );
    reg.publish("opt", "1.0.0", json!({"dependencies": {"broken-leaf-parent": "1"}}), &[]);
    reg.publish("shared", "1.0.0", json!({}), &[]);
    reg.publish(
        "host",
        "1.0.0",
        json!({"optionalDependencies": {"opt": "1"}, "dependencies": {"shared": "1"}}),
        &[],
    );
    let cache = TempDir::new("optional-deep");
    let (installed, lock) = install(&deps(&[("host", "1")]), None, &options(&reg, &cache)).unwrap();
    let names: Vec<&str> = installed.packages.keys().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["host", "shared"]);
    assert!(!lock.packages.contains_key("opt@1.0.0"));
    assert_eq!(dep_of(&installed, &id("host", "1.0.0"), "opt"), None);
    assert!(installed.warnings.join("\n").contains("not-published"), "{:?}", installed.warnings);
    // The same failure under a package the tenant needs outright is the install's error.
    let err = install(&deps(&[("host", "1"), ("opt", "1")]), None, &options(&reg, &cache)).unwrap_err();
    assert!(matches!(&err, NpmError::NotFound { package, .. } if package == "not-published"), "{err}");
}

#[test]
fn limits_at_their_largest_do_not_overflow() {
    let reg = Registry::start();
    reg.publish("unbounded", "1.0.0", json!({}), &[("a.js", "1")]);
    let cache = TempDir::new("unbounded");
    let mut opts = options(&reg, &cache);
    opts.limits = workerbox_bundler::npm::NpmLimits {
        max_packages: usize::MAX,
        max_edges: u64::MAX,
        max_total_bytes: u64::MAX,
        max_packument_bytes: u64::MAX,
        max_tarball_bytes: u64::MAX,
        max_unpacked_bytes: u64::MAX,
        max_file_bytes: u64::MAX,
        max_entries: u64::MAX,
        timeout: std::time::Duration::MAX,
        request_timeout: std::time::Duration::MAX,
        connect_timeout: std::time::Duration::MAX,
    };
    let (installed, _) = install(&deps(&[("unbounded", "1")]), None, &opts).unwrap();
    assert_eq!(installed.root["unbounded"], id("unbounded", "1.0.0"));
}

#[test]
fn adding_a_dependency_keeps_the_locked_versions_of_the_others() {
    let reg = Registry::start();
    reg.publish("steady", "1.0.0", json!({}), &[]);
    reg.publish("uses-steady", "1.0.0", json!({"dependencies": {"steady": "^1"}}), &[]);
    reg.publish("newcomer", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("keep");
    let (_, lock) = install(&deps(&[("uses-steady", "1")]), None, &options(&reg, &cache)).unwrap();
    reg.publish("steady", "1.9.0", json!({}), &[]);
    let want = deps(&[("uses-steady", "1"), ("newcomer", "1")]);
    let (installed, lock2) = install(&want, Some(&lock), &options(&reg, &cache)).unwrap();
    assert_eq!(dep_of(&installed, &id("uses-steady", "1.0.0"), "steady"), Some(id("steady", "1.0.0")));
    assert!(lock2.packages.contains_key("newcomer@1.0.0"));
    // Without the old lock, the newer version is picked.
    let (fresh, _) = install(&want, None, &options(&reg, &cache)).unwrap();
    assert_eq!(dep_of(&fresh, &id("uses-steady", "1.0.0"), "steady"), Some(id("steady", "1.9.0")));
}

#[test]
fn optional_package_whose_tarball_fails_is_left_out_with_what_only_it_needed() {
    let reg = Registry::start();
    reg.publish("shared-dep", "1.0.0", json!({}), &[]);
    reg.publish("opt-child", "1.0.0", json!({}), &[]);
    reg.publish("opt-pkg", "1.0.0", json!({"dependencies": {"opt-child": "1", "shared-dep": "1"}}), &[]);
    let manifest = json!({"dependencies": {"shared-dep": "1"}, "optionalDependencies": {"opt-pkg": "1"}});
    reg.publish("main-pkg", "1.0.0", manifest, &[]);
    reg.tamper("opt-pkg", "1.0.0", support::tgz(&[support::Entry::File("package/x", b"swapped")]));
    let cache = TempDir::new("optional-fetch");
    let (installed, lock) = install(&deps(&[("main-pkg", "1")]), None, &options(&reg, &cache)).unwrap();
    let names: Vec<&str> = installed.packages.keys().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["main-pkg", "shared-dep"]);
    assert_eq!(dep_of(&installed, &id("main-pkg", "1.0.0"), "opt-pkg"), None);
    assert!(installed.warnings.join("\n").contains("opt-pkg@1.0.0"), "{:?}", installed.warnings);
    // The lock keeps the whole resolution: a later build may fetch it after all.
    assert!(lock.packages["opt-pkg@1.0.0"].optional && lock.packages["opt-child@1.0.0"].optional);
    assert!(!lock.packages["shared-dep@1.0.0"].optional);
    assert!(lock.to_json().contains("\"optional\": true"));
}
