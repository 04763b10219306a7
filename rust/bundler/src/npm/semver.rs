//! Which published version a spec selects, as npm-pick-manifest decides: a dist-tag names its
//! version; for a range, the `latest` tag wins when it satisfies, else the highest satisfying
//! version, non-deprecated ones first. Prereleases match only ranges that name a prerelease of
//! the same `major.minor.patch` (node-semver's rule, implemented by `nodejs-semver`).

use nodejs_semver::{Range, Version};

use super::packument::Packument;
use super::spec::Want;

pub fn pick<'p>(packument: &'p Packument, want: &Want) -> Option<&'p str> {
    match want {
        Want::Tag(tag) => {
            let version = packument.dist_tags.get(tag)?;
            packument.versions.get_key_value(version).map(|(v, _)| v.as_str())
        }
        Want::Range(range) => pick_in_range(packument, range),
    }
}

fn pick_in_range<'p>(packument: &'p Packument, range: &Range) -> Option<&'p str> {
    let latest = packument.dist_tags.get("latest");
    if let Some((key, _)) = latest.and_then(|v| packument.versions.get_key_value(v))
        && Version::parse(key).is_ok_and(|v| range.satisfies(&v))
    {
        return Some(key);
    }
    packument
        .versions
        .iter()
        .filter_map(|(key, manifest)| Some((Version::parse(key).ok()?, key, manifest)))
        .filter(|(version, _, _)| range.satisfies(version))
        .max_by(|a, b| {
            let fresh = (!a.2.is_deprecated()).cmp(&!b.2.is_deprecated());
            fresh.then_with(|| a.0.cmp(&b.0))
        })
        .map(|(_, key, _)| key.as_str())
}

/// Whether `version` satisfies `want` (a tag is satisfied only by the version it names).
pub fn satisfies(packument: Option<&Packument>, version: &str, want: &Want) -> bool {
    match want {
        Want::Range(range) => Version::parse(version).is_ok_and(|v| range.satisfies(&v)),
        Want::Tag(tag) => packument.and_then(|p| p.dist_tags.get(tag)).is_some_and(|v| v == version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npm::spec;

    fn packument(versions: &[&str], latest: &str) -> Packument {
        let versions: serde_json::Map<_, _> =
            versions.iter().map(|v| (v.to_string(), serde_json::json!({}))).collect();
        serde_json::from_value(serde_json::json!({
            "dist-tags": {"latest": latest, "next": "3.0.0-beta.2"},
            "versions": versions,
        }))
        .unwrap()
    }

    fn pick_for(p: &Packument, text: &str) -> Option<String> {
        pick(p, &spec::parse("x", text).unwrap().want).map(str::to_string)
    }

    #[test]
    fn highest_matching_latest_preferred_prereleases_excluded() {
        let p = packument(&["1.0.0", "1.2.0", "1.10.1", "2.0.0", "2.1.0", "3.0.0-beta.2"], "2.0.0");
        assert_eq!(pick_for(&p, "^1.0.0").as_deref(), Some("1.10.1"));
        // `latest` satisfies ^2, so it wins over the higher 2.1.0, as npm picks.
        assert_eq!(pick_for(&p, "^2").as_deref(), Some("2.0.0"));
        assert_eq!(pick_for(&p, ">=2.0.1").as_deref(), Some("2.1.0"));
        assert_eq!(pick_for(&p, "*").as_deref(), Some("2.0.0"));
        assert_eq!(pick_for(&p, "^3.0.0-beta.1").as_deref(), Some("3.0.0-beta.2"));
        assert_eq!(pick_for(&p, ">=2.1.1").as_deref(), None);
        assert_eq!(pick_for(&p, "next").as_deref(), Some("3.0.0-beta.2"));
        assert_eq!(pick_for(&p, "nope").as_deref(), None);
    }
}
