//! What a `package.json` dependency entry may say. It is tenant input that drives fetches and
//! disk writes on the host, so only registry specs pass: a semver range, a dist-tag, or an
//! `npm:name@range` alias of those. Everything npm would fetch from elsewhere (`file:`, `link:`,
//! git, URLs, GitHub shorthands, `workspace:`) is refused with the package and spec named.

use nodejs_semver::Range;

use super::error::NpmError;

/// A dependency edge as written: `alias` is the name the dependent imports, `name` the package
/// fetched (they differ only for `npm:` aliases).
#[derive(Clone, Debug)]
pub struct DepSpec {
    pub alias: String,
    pub name: String,
    pub want: Want,
    /// The spec text as written, for errors and the lockfile.
    pub text: String,
}

#[derive(Clone, Debug)]
pub enum Want {
    Range(Range),
    Tag(String),
}

/// Longest name the registry accepts.
const MAX_NAME_LEN: usize = 214;

pub fn parse(alias: &str, text: &str) -> Result<DepSpec, NpmError> {
    let refuse = |reason: &str| NpmError::RefusedSpec {
        package: alias.to_string(),
        spec: text.to_string(),
        reason: reason.to_string(),
    };
    check_name(alias).map_err(|reason| refuse(&reason))?;
    let (name, spec) = match text.strip_prefix("npm:") {
        Some(aliased) => split_alias(aliased).ok_or_else(|| refuse("malformed npm: alias"))?,
        None => (alias, text),
    };
    check_name(name).map_err(|reason| refuse(&reason))?;
    if let Some(reason) = foreign_source(spec) {
        return Err(refuse(reason));
    }
    let want = want(spec).ok_or_else(|| refuse("not a semver range or dist-tag"))?;
    Ok(DepSpec { alias: alias.to_string(), name: name.to_string(), want, text: text.to_string() })
}

/// `name@range` or `@scope/name@range` (the range may be absent: any version).
fn split_alias(aliased: &str) -> Option<(&str, &str)> {
    let at = aliased.get(1..)?.find('@').map(|i| i + 1);
    match at {
        Some(i) => Some((&aliased[..i], &aliased[i + 1..])),
        None => Some((aliased, "")),
    }
}

fn want(spec: &str) -> Option<Want> {
    let spec = spec.trim();
    if let Ok(range) = Range::parse(spec) {
        return Some(Want::Range(range));
    }
    let tag_like = spec.starts_with(|c: char| c.is_ascii_alphabetic())
        && spec.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    tag_like.then(|| Want::Tag(spec.to_string()))
}

/// Why a spec names a source other than the registry, if it does.
fn foreign_source(spec: &str) -> Option<&'static str> {
    let spec = spec.trim();
    let lower = spec.to_ascii_lowercase();
    let prefixes: [(&str, &'static str); 12] = [
        ("file:", "local files are not fetched"),
        ("link:", "links are not followed"),
        ("portal:", "links are not followed"),
        ("workspace:", "workspaces are not supported"),
        ("git+", "git dependencies are not fetched"),
        ("git:", "git dependencies are not fetched"),
        ("github:", "git dependencies are not fetched"),
        ("gitlab:", "git dependencies are not fetched"),
        ("bitbucket:", "git dependencies are not fetched"),
        ("gist:", "git dependencies are not fetched"),
        ("http:", "URL dependencies are not fetched"),
        ("https:", "URL dependencies are not fetched"),
    ];
    if let Some((_, reason)) = prefixes.iter().find(|(p, _)| lower.starts_with(p)) {
        return Some(reason);
    }
    if spec.starts_with(['.', '/']) || spec.starts_with("~/") || spec.contains('\\') {
        return Some("local paths are not fetched");
    }
    if spec.contains('/') || spec.contains(':') {
        return Some("only registry specs are allowed");
    }
    None
}

/// npm's package-name rules (legacy capitals allowed): these names become registry URL paths.
pub fn check_name(name: &str) -> Result<(), String> {
    let bare = match name.strip_prefix('@') {
        Some(scoped) => {
            let (scope, bare) = scoped
                .split_once('/')
                .ok_or_else(|| format!("{name:?} is a scope without a package name"))?;
            check_part(name, scope)?;
            bare
        }
        None => name,
    };
    if name.len() > MAX_NAME_LEN {
        return Err(format!("package name longer than {MAX_NAME_LEN}"));
    }
    check_part(name, bare)
}

fn check_part(name: &str, part: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    if part.is_empty() || part.starts_with(['.', '_']) || !part.chars().all(ok_char) {
        return Err(format!("{name:?} is not a valid npm package name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(alias: &str, spec: &str) -> bool {
        matches!(parse(alias, spec), Err(NpmError::RefusedSpec { .. }))
    }

    #[test]
    fn registry_specs_pass() {
        for spec in ["^4.0.0", "~1.2", "1.x", "*", "", ">=1 <3 || 5", "latest", "next", "4.6.3"] {
            assert!(parse("hono", spec).is_ok(), "{spec}");
        }
        assert!(matches!(parse("hono", "latest").unwrap().want, Want::Tag(_)));
    }

    #[test]
    fn foreign_sources_are_refused() {
        for spec in [
            "file:../x",
            "link:../x",
            "workspace:*",
            "git+https://github.com/a/b.git",
            "github:a/b",
            "a/b",
            "https://example.com/x.tgz",
            "../x",
            "/etc/passwd",
            "~/x",
        ] {
            assert!(refused("x", spec), "{spec}");
        }
    }

    #[test]
    fn npm_alias_names_the_real_package() {
        let dep = parse("h", "npm:hono@^4").unwrap();
        assert_eq!((dep.alias.as_str(), dep.name.as_str()), ("h", "hono"));
        let dep = parse("t", "npm:@types/node@20").unwrap();
        assert_eq!(dep.name, "@types/node");
        assert!(refused("x", "npm:file:../y"));
        assert!(refused("x", "npm:../y@1"));
    }

    #[test]
    fn hostile_names_are_refused() {
        for name in ["../x", ".hidden", "_x", "a/b", "@scope", "@s/../x", "a b", "x%2f"] {
            assert!(refused(name, "1"), "{name}");
        }
        assert!(parse("@scope/pkg", "1").is_ok());
    }
}
