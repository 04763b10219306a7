//! Hostile `package.json`s, registries, tarballs and locks: each test is named after the threat.

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{Entry, Registry, TempDir, deps, listing, options, tgz};
use workerbox_bundler::npm::{Lock, NpmError, install};

fn refused_spec(spec: &str) {
    let reg = Registry::start();
    let cache = TempDir::new("spec");
    let err = install(&deps(&[("victim", spec)]), None, &options(&reg, &cache)).unwrap_err();
    assert!(
        matches!(&err, NpmError::RefusedSpec { package, spec: s, .. } if package == "victim" && s == spec),
        "{spec}: {err}"
    );
    assert_eq!(reg.requests(), 0, "{spec} made a request");
}

#[test]
fn file_spec_reading_host_files_is_refused() {
    refused_spec("file:../../etc");
    refused_spec("link:/");
    refused_spec("/etc/passwd");
}

#[test]
fn git_url_and_workspace_specs_are_refused() {
    for spec in
        ["git+ssh://git@github.com/a/b.git", "github:a/b", "a/b", "https://evil.example/x.tgz", "workspace:*"]
    {
        refused_spec(spec);
    }
}

#[test]
fn path_traversal_in_dependency_name_is_refused() {
    let reg = Registry::start();
    let cache = TempDir::new("name");
    for name in ["../../etc", "@x/../../y", ".bin"] {
        let err = install(&deps(&[(name, "1")]), None, &options(&reg, &cache)).unwrap_err();
        assert!(matches!(err, NpmError::RefusedSpec { .. }), "{name}: {err}");
    }
    assert_eq!(reg.requests(), 0);
}

#[test]
fn transitive_file_spec_from_registry_metadata_is_refused() {
    let reg = Registry::start();
    reg.publish("sneaky", "1.0.0", json!({"dependencies": {"local": "file:/etc"}}), &[]);
    let cache = TempDir::new("transitive");
    let err = install(&deps(&[("sneaky", "1")]), None, &options(&reg, &cache)).unwrap_err();
    assert!(matches!(&err, NpmError::RefusedSpec { package, .. } if package == "local"), "{err}");
}

/// Publishes `evil@1.0.0` with `tarball`, installs it, returns the result and the cache dir.
fn install_tarball(
    tag: &str,
    tarball: Vec<u8>,
    tweak: impl FnOnce(&mut workerbox_bundler::npm::InstallOptions),
) -> (Result<workerbox_bundler::npm::Installed, NpmError>, TempDir) {
    let reg = Registry::start();
    reg.publish_tarball("evil", "1.0.0", json!({}), tarball, None);
    let cache = TempDir::new(tag);
    let mut opts = options(&reg, &cache);
    tweak(&mut opts);
    let result = install(&deps(&[("evil", "1")]), None, &opts).map(|(i, _)| i);
    (result, cache)
}

fn assert_nothing_published(cache: &TempDir) {
    let content = cache.0.join("content-v1");
    let files = if content.exists() { listing(&content) } else { vec![] };
    assert!(files.iter().all(|f| f.ends_with('/')), "cache holds {files:?}");
    let tmp = cache.0.join("tmp");
    let leftovers = if tmp.exists() { listing(&tmp) } else { vec![] };
    assert!(leftovers.is_empty(), "half-written files left: {leftovers:?}");
}

#[test]
fn integrity_mismatch_is_refused_before_extraction() {
    let reg = Registry::start();
    reg.publish("swapped", "1.0.0", json!({}), &[("index.js", "good")]);
    let evil = tgz(&[Entry::File("package/index.js", b"evil")]);
    reg.tamper("swapped", "1.0.0", evil);
    let cache = TempDir::new("mismatch");
    let err = install(&deps(&[("swapped", "1")]), None, &options(&reg, &cache)).unwrap_err();
    assert!(
        matches!(&err, NpmError::IntegrityMismatch { package, .. } if package == "swapped@1.0.0"),
        "{err}"
    );
    assert_nothing_published(&cache);
}

#[test]
fn sha1_only_or_missing_integrity_is_refused() {
    let reg = Registry::start();
    let tarball = tgz(&[Entry::File("package/package.json", b"{}")]);
    reg.publish_tarball(
        "old",
        "1.0.0",
        json!({}),
        tarball.clone(),
        Some(Some("sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into())),
    );
    reg.publish_tarball("bare", "1.0.0", json!({}), tarball, Some(None));
    let cache = TempDir::new("sha1");
    for name in ["old", "bare"] {
        let err = install(&deps(&[(name, "1")]), None, &options(&reg, &cache)).unwrap_err();
        assert!(matches!(err, NpmError::IntegrityMismatch { .. }), "{name}: {err}");
    }
}

#[test]
fn tarball_path_traversal_is_refused() {
    let outside = std::env::temp_dir().join(format!("wb-npm-escaped-{}", std::process::id()));
    let name = format!("package/../../../../../../../../..{}", outside.display());
    let tarball = tgz(&[Entry::File("package/package.json", b"{}"), Entry::RawName(&name, b"pwned")]);
    let (result, cache) = install_tarball("traversal", tarball, |_| {});
    let err = result.unwrap_err();
    assert!(matches!(&err, NpmError::BadTarball { package, .. } if package == "evil@1.0.0"), "{err}");
    assert!(!outside.exists());
    assert_nothing_published(&cache);
}

#[test]
fn tarball_absolute_path_is_refused() {
    let tarball = tgz(&[Entry::RawName("/tmp/wb-npm-absolute", b"pwned")]);
    let (result, cache) = install_tarball("absolute", tarball, |_| {});
    assert!(matches!(result, Err(NpmError::BadTarball { .. })));
    assert_nothing_published(&cache);
}

#[test]
fn tarball_symlink_hardlink_and_device_entries_are_not_created() {
    let tarball = tgz(&[
        Entry::File("package/package.json", b"{}"),
        Entry::Symlink("package/passwd", "/etc/passwd"),
        Entry::HardLink("package/shadow", "/etc/shadow"),
        Entry::CharDevice("package/null"),
        Entry::Symlink("package/up", "../.."),
        Entry::File("package/after.js", b"1"),
    ]);
    let (result, _cache) = install_tarball("links", tarball, |_| {});
    let installed = result.unwrap();
    let package = installed.packages.values().next().unwrap();
    assert_eq!(listing(&package.dir), ["after.js", "package.json"]);
    let warnings = installed.warnings.join("\n");
    for skipped in ["passwd", "shadow", "null", "up"] {
        assert!(warnings.contains(skipped), "{warnings}");
    }
}

#[test]
fn tarball_file_through_an_earlier_symlink_cannot_escape() {
    // A link then a file "through" it: the link is never created, so the file lands inside.
    let tarball = tgz(&[Entry::Symlink("package/dir", "/tmp"), Entry::File("package/dir/escaped.txt", b"x")]);
    let (result, _cache) = install_tarball("through-link", tarball, |_| {});
    let installed = result.unwrap();
    let package = installed.packages.values().next().unwrap();
    assert!(package.dir.join("dir/escaped.txt").is_file());
    assert!(!std::fs::symlink_metadata(package.dir.join("dir")).unwrap().file_type().is_symlink());
}

#[test]
fn gzip_bomb_stops_at_the_unpacked_cap() {
    let zeros = vec![0u8; 1024 * 1024];
    let names: Vec<String> = (0..16).map(|i| format!("package/zero{i}")).collect();
    let entries: Vec<Entry> = names.iter().map(|n| Entry::File(n, &zeros)).collect();
    let bomb = tgz(&entries);
    assert!(bomb.len() < 64 * 1024, "the bomb should be small: {}", bomb.len());
    let started = Instant::now();
    let (result, cache) = install_tarball("bomb", bomb, |o| o.limits.max_unpacked_bytes = 4 * 1024 * 1024);
    let err = result.unwrap_err();
    assert!(matches!(&err, NpmError::CapExceeded { cap, .. } if cap.contains("unpacked")), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_nothing_published(&cache);
}

#[test]
fn oversized_file_is_refused_from_its_header() {
    let big = vec![b'a'; 2 * 1024 * 1024];
    let tarball = tgz(&[Entry::File("package/big.js", &big)]);
    let (result, _cache) = install_tarball("bigfile", tarball, |o| o.limits.max_file_bytes = 1024 * 1024);
    assert!(matches!(result, Err(NpmError::CapExceeded { cap, .. }) if cap.contains("per file")));
}

#[test]
fn oversized_tarball_download_is_cut_off() {
    use sha2::Digest;
    let noise: Vec<u8> = (0..4096u32).flat_map(|i| sha2::Sha512::digest(i.to_le_bytes())).collect();
    let tarball = tgz(&[Entry::File("package/noise.bin", &noise)]);
    assert!(tarball.len() > 128 * 1024);
    let (result, _cache) = install_tarball("bigtgz", tarball, |o| o.limits.max_tarball_bytes = 64 * 1024);
    let err = result.unwrap_err();
    assert!(matches!(&err, NpmError::CapExceeded { cap, .. } if cap.contains("response")), "{err}");
}

#[test]
fn too_many_entries_in_one_tarball_is_capped() {
    let names: Vec<String> = (0..50).map(|i| format!("package/f{i}")).collect();
    let entries: Vec<Entry> = names.iter().map(|n| Entry::File(n, b"")).collect();
    let (result, _cache) = install_tarball("entries", tgz(&entries), |o| o.limits.max_entries = 20);
    assert!(matches!(result, Err(NpmError::CapExceeded { cap, .. }) if cap.contains("entries")));
}

#[test]
fn dependency_fan_out_past_the_package_cap_is_refused() {
    let reg = Registry::start();
    let mut fan = serde_json::Map::new();
    for i in 0..30 {
        reg.publish(&format!("leaf{i}"), "1.0.0", json!({}), &[]);
        fan.insert(format!("leaf{i}"), json!("1"));
    }
    reg.publish("fan", "1.0.0", json!({"dependencies": fan}), &[]);
    let cache = TempDir::new("fan");
    let mut opts = options(&reg, &cache);
    opts.limits.max_packages = 10;
    let err = install(&deps(&[("fan", "1")]), None, &opts).unwrap_err();
    assert!(matches!(&err, NpmError::CapExceeded { cap, .. } if cap.contains("packages")), "{err}");
}

#[test]
fn huge_packument_is_cut_off() {
    let reg = Registry::start();
    let versions: serde_json::Map<_, _> = (0..2000)
        .map(|i| {
            (format!("1.0.{i}"), json!({"dist": {"tarball": "http://x/y.tgz", "integrity": "sha512-AA=="}}))
        })
        .collect();
    reg.raw_packument("fat", json!({"dist-tags": {"latest": "1.0.0"}, "versions": versions}));
    let cache = TempDir::new("fat");
    let mut opts = options(&reg, &cache);
    opts.limits.max_packument_bytes = 32 * 1024;
    let err = install(&deps(&[("fat", "1")]), None, &opts).unwrap_err();
    assert!(matches!(err, NpmError::CapExceeded { .. }), "{err}");
}

#[test]
fn malformed_packument_is_bad_metadata() {
    let reg = Registry::start();
    reg.raw_packument("garbled", json!({"versions": ["not", "a", "map"]}));
    let cache = TempDir::new("garbled");
    let err = install(&deps(&[("garbled", "1")]), None, &options(&reg, &cache)).unwrap_err();
    assert!(matches!(&err, NpmError::BadMetadata { package, .. } if package == "garbled"), "{err}");
}

#[test]
fn stalling_registry_hits_the_install_time_cap() {
    let reg = Registry::start();
    reg.publish("slow", "1.0.0", json!({}), &[]);
    reg.stall(Duration::from_secs(5));
    let cache = TempDir::new("slow");
    let mut opts = options(&reg, &cache);
    opts.limits.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let err = install(&deps(&[("slow", "1")]), None, &opts).unwrap_err();
    assert!(matches!(&err, NpmError::CapExceeded { cap, .. } if cap.contains("time")), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn hostile_lock_pointing_outside_http_is_refused() {
    let reg = Registry::start();
    reg.publish("fine", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("badlock");
    let (_, lock) = install(&deps(&[("fine", "1")]), None, &options(&reg, &cache)).unwrap();
    let text = lock.to_json().replace(&reg.url, "file:///etc/");
    assert!(matches!(Lock::from_json(&text), Err(NpmError::BadLock { .. })));
    let mut dangling = lock.clone();
    dangling
        .packages
        .get_mut("fine@1.0.0")
        .unwrap()
        .dependencies
        .insert("ghost".into(), "ghost@1.0.0".into());
    let err = install(&deps(&[("fine", "1")]), Some(&dangling), &options(&reg, &cache)).unwrap_err();
    assert!(matches!(err, NpmError::BadLock { .. }), "{err}");
}

#[test]
fn lock_with_forged_integrity_is_refused_on_fetch() {
    let reg = Registry::start();
    reg.publish("real", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("forged");
    let (_, mut lock) = install(&deps(&[("real", "1")]), None, &options(&reg, &cache)).unwrap();
    let other = support::sri(b"something else");
    lock.packages.get_mut("real@1.0.0").unwrap().integrity = other;
    let fresh = TempDir::new("forged2");
    let err = install(&deps(&[("real", "1")]), Some(&lock), &options(&reg, &fresh)).unwrap_err();
    assert!(matches!(err, NpmError::IntegrityMismatch { .. }), "{err}");
    assert_nothing_published(&fresh);
}

#[test]
fn file_spec_is_refused_even_when_a_lock_claims_it() {
    let reg = Registry::start();
    reg.publish("fine", "1.0.0", json!({}), &[]);
    let cache = TempDir::new("lockspec");
    let (_, mut lock) = install(&deps(&[("fine", "1")]), None, &options(&reg, &cache)).unwrap();
    lock.root.get_mut("fine").unwrap().spec = "file:../../etc".into();
    let err = install(&deps(&[("fine", "file:../../etc")]), Some(&lock), &options(&reg, &cache)).unwrap_err();
    assert!(matches!(err, NpmError::RefusedSpec { .. }), "{err}");
}

#[test]
fn published_manifest_with_a_flood_of_dependencies_is_capped() {
    let reg = Registry::start();
    let flood: serde_json::Map<_, _> = (0..500).map(|i| (format!("dep{i}"), json!("1"))).collect();
    reg.publish("flood", "1.0.0", json!({"dependencies": flood}), &[]);
    let cache = TempDir::new("flood");
    let mut opts = options(&reg, &cache);
    opts.limits.max_edges = 100;
    let err = install(&deps(&[("flood", "1")]), None, &opts).unwrap_err();
    assert!(matches!(&err, NpmError::CapExceeded { cap, .. } if cap.contains("edges")), "{err}");
    assert!(reg.requests() <= 2, "{} requests", reg.requests());
}

#[test]
fn package_json_with_more_dependencies_than_the_cap_fetches_no_more_than_the_cap() {
    let reg = Registry::start();
    let many: Vec<(String, String)> = (0..40).map(|i| (format!("p{i}"), "1".to_string())).collect();
    for (name, _) in &many {
        reg.publish(name, "1.0.0", json!({}), &[]);
    }
    let cache = TempDir::new("many");
    let mut opts = options(&reg, &cache);
    opts.limits.max_packages = 5;
    let want = many.into_iter().collect();
    let err = install(&want, None, &opts).unwrap_err();
    assert!(matches!(&err, NpmError::CapExceeded { cap, .. } if cap.contains("packages")), "{err}");
    assert!(reg.requests() <= 5, "{} requests", reg.requests());
}

#[test]
fn cache_dir_planted_by_another_user_is_refused() {
    let reg = Registry::start();
    let cache = TempDir::new("planted");
    // Only root can hand a directory to another user; elsewhere there is nothing to plant.
    if std::os::unix::fs::chown(&cache.0, Some(65534), None).is_err() {
        eprintln!("skipped: cannot chown (not root)");
        return;
    }
    let err = install(&deps(&[("x", "1")]), None, &options(&reg, &cache)).unwrap_err();
    assert!(matches!(&err, NpmError::Cache { detail, .. } if detail.contains("another user")), "{err}");
    assert_eq!(reg.requests(), 0);
}

#[test]
fn registry_token_is_not_sent_to_a_tarball_host_elsewhere() {
    let private = Registry::start();
    let elsewhere = Registry::start();
    private.require_token("registry-secret");
    for reg in [&private, &elsewhere] {
        reg.publish("leaky", "1.0.0", json!({}), &[("index.js", "1")]);
    }
    private.point_tarballs("leaky", &elsewhere.url);
    let host = private.url.trim_start_matches("http:");
    let npmrc = format!("{host}:_authToken=registry-secret\n");
    let config = workerbox_bundler::npm::RegistryConfig::from_sources(
        &[npmrc],
        &Default::default(),
        Some(&private.url),
    )
    .unwrap();
    let cache = TempDir::new("leak");
    let mut opts = options(&private, &cache);
    opts.config = config;
    install(&deps(&[("leaky", "1")]), None, &opts).unwrap();
    assert_eq!(elsewhere.auth_seen(), [None], "the token reached another host");
    assert_eq!(private.auth_seen(), [Some("Bearer registry-secret".to_string())]);
}

#[test]
fn registry_naming_a_local_file_as_tarball_is_refused() {
    let reg = Registry::start();
    reg.publish("local-tarball", "1.0.0", json!({}), &[]);
    reg.point_tarballs("local-tarball", "file:///etc/");
    let cache = TempDir::new("file-tarball");
    let err = install(&deps(&[("local-tarball", "1")]), None, &options(&reg, &cache)).unwrap_err();
    assert!(
        matches!(&err, NpmError::BadMetadata { package, .. } if package == "local-tarball@1.0.0"),
        "{err}"
    );
}
