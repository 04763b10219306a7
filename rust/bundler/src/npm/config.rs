//! Registry configuration the way npm users set it. Precedence, highest first: the caller's
//! explicit registry, `npm_config_*` environment variables, the project's `.npmrc`, then
//! `$HOME/.npmrc`. Keys we do not use are ignored. Auth tokens live only in `Secret`, whose
//! `Debug` is redacted, so no log or error can print one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use super::error::NpmError;

pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// A credential: printed as `<redacted>` whatever formats it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How requests to one registry path authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `//host/path/:_authToken=` → `Authorization: Bearer`.
    Bearer(Secret),
    /// `//host/path/:_auth=` (base64 `user:password`), or `:username=` with `:_password=` (base64
    /// of the password) → `Authorization: Basic`.
    Basic(Secret),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryConfig {
    /// Where unscoped packages (and scopes without their own registry) come from.
    pub registry: Url,
    /// `@scope` → its registry.
    pub scopes: BTreeMap<String, Url>,
    /// npm's "nerf dart" (`//host[:port]/path/`) → credentials for URLs under it.
    auth: BTreeMap<String, Auth>,
    /// Extra PEM roots, trusted alongside the operating system's store.
    pub cafile: Option<PathBuf>,
    /// `ca=` (or `ca[]=` lines): PEM roots written in the config itself, trusted as `cafile`'s.
    pub ca: Option<String>,
    /// `strict-ssl=false` accepts any certificate, as npm does.
    pub strict_ssl: bool,
    /// `proxy=`: for http requests, and https ones when `https-proxy` is unset. When neither is
    /// set, `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the environment apply instead.
    pub proxy: Option<Secret>,
    pub https_proxy: Option<Secret>,
    /// `noproxy=`: hosts (comma-separated, as `NO_PROXY`) reached directly.
    pub noproxy: Option<String>,
}

/// The settings without a scope or registry path in their key that we read.
const PLAIN_SETTINGS: [&str; 7] =
    ["registry", "cafile", "ca", "strict-ssl", "proxy", "https-proxy", "noproxy"];

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            registry: Url::parse(DEFAULT_REGISTRY).expect("the default registry is a URL"),
            scopes: BTreeMap::new(),
            auth: BTreeMap::new(),
            cafile: None,
            ca: None,
            strict_ssl: true,
            proxy: None,
            https_proxy: None,
            noproxy: None,
        }
    }
}

impl RegistryConfig {
    /// The configuration npm would use in `project_dir`, with `registry` (the caller's argument)
    /// overriding every other source.
    pub fn load(project_dir: Option<&Path>, registry: Option<&str>) -> Result<Self, NpmError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let mut texts = Vec::new();
        if let Some(home) = env.get("HOME") {
            texts.push(read_npmrc(&Path::new(home).join(".npmrc"))?);
        }
        if let Some(dir) = project_dir {
            texts.push(read_npmrc(&dir.join(".npmrc"))?);
        }
        Self::from_sources(&texts, &env, registry)
    }

    /// As `load`, from `.npmrc` texts in rising precedence and an environment.
    pub fn from_sources(
        npmrcs: &[String],
        env: &BTreeMap<String, String>,
        registry: Option<&str>,
    ) -> Result<Self, NpmError> {
        let mut settings = BTreeMap::new();
        for text in npmrcs {
            settings.extend(parse_npmrc(text));
        }
        for (key, value) in env {
            if let Some(name) = env_setting(key) {
                settings.insert(name, value.clone());
            }
        }
        if let Some(url) = registry {
            settings.insert("registry".into(), url.to_string());
        }
        let mut config = RegistryConfig::default();
        for (key, raw) in &settings {
            config.apply(key, raw, env)?;
        }
        config.apply_user_passwords(&settings, env)?;
        Ok(config)
    }

    fn apply(&mut self, key: &str, raw: &str, env: &BTreeMap<String, String>) -> Result<(), NpmError> {
        let scoped = key.starts_with('@') && key.ends_with(":registry");
        let auth = key.ends_with(":_authToken") || key.ends_with(":_auth");
        if !(scoped || auth || PLAIN_SETTINGS.contains(&key)) {
            return Ok(());
        }
        let value = expand_env(key, raw, env)?;
        let unset = matches!(value.as_str(), "" | "null" | "false");
        match key {
            "registry" => self.registry = registry_url(&value)?,
            "cafile" => self.cafile = (!unset).then(|| PathBuf::from(value)),
            "ca" => self.ca = (!unset).then(|| value.replace("\\n", "\n")),
            "strict-ssl" => self.strict_ssl = value != "false",
            "proxy" => self.proxy = (!unset).then_some(Secret(value)),
            "https-proxy" => self.https_proxy = (!unset).then_some(Secret(value)),
            "noproxy" => self.noproxy = (!unset).then_some(value),
            _ if scoped => {
                let scope = key.trim_end_matches(":registry").to_string();
                self.scopes.insert(scope, registry_url(&value)?);
            }
            _ => self.apply_auth(key, value),
        }
        Ok(())
    }

    fn apply_auth(&mut self, key: &str, value: String) {
        if let Some(nerf) = key.strip_suffix(":_authToken") {
            self.auth.insert(nerf_dart_key(nerf), Auth::Bearer(Secret(value)));
        } else if let Some(nerf) = key.strip_suffix(":_auth") {
            self.auth.insert(nerf_dart_key(nerf), Auth::Basic(Secret(value)));
        }
    }

    /// `//host/path/:username=` with `:_password=` (base64, as npm writes it), where that path has
    /// no token or `_auth` of its own (npm's order).
    fn apply_user_passwords(
        &mut self,
        settings: &BTreeMap<String, String>,
        env: &BTreeMap<String, String>,
    ) -> Result<(), NpmError> {
        for (key, user) in settings {
            let Some(nerf) = key.strip_suffix(":username") else { continue };
            let password_key = format!("{nerf}:_password");
            let Some(password) = settings.get(&password_key) else { continue };
            let nerf = nerf_dart_key(nerf);
            if self.auth.contains_key(&nerf) {
                continue;
            }
            let user = expand_env(key, user, env)?;
            let password = STANDARD.decode(expand_env(&password_key, password, env)?).map_err(|_| {
                NpmError::Config { detail: format!("{password_key} is not base64, as npm writes it") }
            })?;
            let mut pair = format!("{user}:").into_bytes();
            pair.extend_from_slice(&password);
            self.auth.insert(nerf, Auth::Basic(Secret(STANDARD.encode(pair))));
        }
        Ok(())
    }

    /// The registry a package's metadata comes from (its scope's, else the default).
    pub fn registry_for(&self, package: &str) -> &Url {
        package
            .split_once('/')
            .filter(|(scope, _)| scope.starts_with('@'))
            .and_then(|(scope, _)| self.scopes.get(scope))
            .unwrap_or(&self.registry)
    }

    /// Where `package`'s metadata lives (`@scope/name` keeps its `@` and encodes the `/`).
    pub fn packument_url(&self, package: &str) -> Result<Url, NpmError> {
        let path = package.replace('/', "%2f");
        self.registry_for(package)
            .join(&path)
            .map_err(|e| NpmError::Config { detail: format!("registry URL for {package}: {e}") })
    }

    /// A tarball URL as published, moved to the configured registry when it names the public one
    /// (npm's `replace-registry-host=npmjs`): mirrors often serve the public registry's metadata
    /// unchanged, and behind their firewall the public host is unreachable.
    pub fn tarball_url(&self, package: &str, published: &str) -> String {
        let registry = self.registry_for(package);
        match published.strip_prefix(DEFAULT_REGISTRY) {
            Some(rest) if registry.as_str() != DEFAULT_REGISTRY => format!("{registry}{rest}"),
            _ => published.to_string(),
        }
    }

    /// Credentials for `url`: the longest configured nerf dart that prefixes it, as npm matches.
    pub fn auth_for(&self, url: &Url) -> Option<&Auth> {
        let target = nerf_dart(url);
        self.auth
            .iter()
            .filter(|(nerf, _)| target.starts_with(nerf.as_str()))
            .max_by_key(|(nerf, _)| nerf.len())
            .map(|(_, auth)| auth)
    }
}

/// A URL fit for an error message: no userinfo, no query.
pub fn redacted(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.to_string()
}

fn read_npmrc(path: &Path) -> Result<String, NpmError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(NpmError::Config { detail: format!("cannot read {}: {e}", path.display()) }),
    }
}

/// `key=value` lines of an ini file; `;`/`#` comments and `[section]` headers are skipped, and a
/// double-quoted value is a JSON string, as npm's ini parser reads it; `ca[]=` lines (npm's array
/// form) add up to one `ca` value.
fn parse_npmrc(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut cas = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with([';', '#', '[']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let (key, value) = (key.trim(), unquote(value.trim()));
        if key == "ca[]" {
            cas.push(value);
        } else {
            pairs.push((key.to_string(), value));
        }
    }
    if !cas.is_empty() {
        pairs.push(("ca".into(), cas.join("\n")));
    }
    pairs
}

fn unquote(value: &str) -> String {
    if value.len() >= 2
        && value.starts_with('"')
        && value.ends_with('"')
        && let Ok(s) = serde_json::from_str::<String>(value)
    {
        return s;
    }
    value.to_string()
}

/// `npm_config_https_proxy` (any case, `-` spelled `_`) → `https-proxy`; scoped and auth keys cannot be
/// spelled as environment names, so only plain settings come from there.
fn env_setting(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let setting = lower.strip_prefix("npm_config_")?;
    let setting = setting.replace('_', "-");
    PLAIN_SETTINGS.contains(&setting.as_str()).then_some(setting)
}

/// `${NAME}` → the variable's value; `${NAME?}` → empty when unset. An unset `${NAME}` is an
/// error (as npm), naming the variable and the key, never a value.
fn expand_env(key: &str, raw: &str, env: &BTreeMap<String, String>) -> Result<String, NpmError> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else { break };
        out.push_str(&rest[..start]);
        let name = &rest[start + 2..start + len];
        let (name, optional) = match name.strip_suffix('?') {
            Some(name) => (name, true),
            None => (name, false),
        };
        match env.get(name) {
            Some(value) => out.push_str(value),
            None if optional => {}
            None => {
                return Err(NpmError::Config {
                    detail: format!("{key} refers to ${{{name}}}, which is not set"),
                });
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn registry_url(value: &str) -> Result<Url, NpmError> {
    let mut url = Url::parse(value)
        .map_err(|e| NpmError::Config { detail: format!("registry {value:?} is not a URL: {e}") })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(NpmError::Config { detail: format!("registry {value:?} is not http(s)") });
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// npm's "nerf dart" of a URL: `//host[:port]/path/`, scheme, credentials, query dropped.
fn nerf_dart(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("//{host}{port}{}", url.path())
}

/// A configured key (`//host/path/` or `//host/path`) as a prefix to match against.
fn nerf_dart_key(key: &str) -> String {
    if key.ends_with('/') { key.to_string() } else { format!("{key}/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn precedence_argument_env_project_home() {
        let home = "registry=https://home.example/\n".to_string();
        let project = "registry=https://project.example/npm\n".to_string();
        let texts = [home, project];
        let none = env(&[]);
        let c = RegistryConfig::from_sources(&texts, &none, None).unwrap();
        assert_eq!(c.registry.as_str(), "https://project.example/npm/");
        let e = env(&[("NPM_CONFIG_REGISTRY", "https://env.example/")]);
        let c = RegistryConfig::from_sources(&texts, &e, None).unwrap();
        assert_eq!(c.registry.as_str(), "https://env.example/");
        let c = RegistryConfig::from_sources(&texts, &e, Some("http://arg.example")).unwrap();
        assert_eq!(c.registry.as_str(), "http://arg.example/");
    }

    #[test]
    fn scoped_registry_and_token_with_env_expansion() {
        let text = "; comment\n@corp:registry=https://npm.corp.example/repo/\n\
                    //npm.corp.example/repo/:_authToken=${CORP_TOKEN}\n\
                    strict-ssl=false\ncafile=/etc/corp.pem\nfund=false\n"
            .to_string();
        let e = env(&[("CORP_TOKEN", "s3cret")]);
        let c = RegistryConfig::from_sources(&[text], &e, None).unwrap();
        assert_eq!(c.registry_for("@corp/lib").as_str(), "https://npm.corp.example/repo/");
        assert_eq!(c.registry_for("lib").as_str(), DEFAULT_REGISTRY);
        let tarball = Url::parse("https://npm.corp.example/repo/@corp/lib/-/lib-1.0.0.tgz").unwrap();
        assert_eq!(c.auth_for(&tarball), Some(&Auth::Bearer(Secret("s3cret".into()))));
        let elsewhere = Url::parse("https://registry.npmjs.org/lib").unwrap();
        assert_eq!(c.auth_for(&elsewhere), None);
        assert!(!c.strict_ssl);
        assert_eq!(c.cafile.as_deref(), Some(Path::new("/etc/corp.pem")));
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn username_and_password_become_basic_auth_after_tokens() {
        let text = "//a.example/:username=alice\n//a.example/:_password=${PW}\n\
                    //b.example/r/:username=bob\n//b.example/r/:_password=cHc=\n//b.example/r/:_authToken=t\n"
            .to_string();
        let c = RegistryConfig::from_sources(&[text], &env(&[("PW", "czNjcmV0")]), None).unwrap();
        let a = Url::parse("https://a.example/pkg").unwrap();
        let basic = STANDARD.encode("alice:s3cret");
        assert_eq!(c.auth_for(&a), Some(&Auth::Basic(Secret(basic))));
        let b = Url::parse("https://b.example/r/pkg").unwrap();
        assert_eq!(c.auth_for(&b), Some(&Auth::Bearer(Secret("t".into()))));
        assert!(!format!("{c:?}").contains("alice"));
        let bad = "//a.example/:username=alice\n//a.example/:_password=not base64!\n".to_string();
        let err = RegistryConfig::from_sources(&[bad], &env(&[]), None).unwrap_err();
        assert!(
            err.to_string().contains("//a.example/:_password") && !err.to_string().contains("not base64!")
        );
    }

    #[test]
    fn inline_ca_lines_add_up_with_escaped_newlines() {
        let one = "ca=\"-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----\"\n".to_string();
        let c = RegistryConfig::from_sources(&[one], &env(&[]), None).unwrap();
        assert_eq!(c.ca.as_deref(), Some("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----"));
        let raw = "ca=-----BEGIN CERTIFICATE-----\\nBBB\\n-----END CERTIFICATE-----\n".to_string();
        let c = RegistryConfig::from_sources(&[raw], &env(&[]), None).unwrap();
        assert_eq!(c.ca.as_deref(), Some("-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----"));
        let many = "ca[]=\"A\"\nca[]=\"B\"\n".to_string();
        let c = RegistryConfig::from_sources(&[many], &env(&[]), None).unwrap();
        assert_eq!(c.ca.as_deref(), Some("A\nB"));
    }

    #[test]
    fn unset_variable_is_an_error_naming_it_not_a_value() {
        let text = "//r.example/:_authToken=${MISSING_TOKEN}".to_string();
        let err = RegistryConfig::from_sources(&[text], &env(&[]), None).unwrap_err();
        assert!(err.to_string().contains("MISSING_TOKEN"), "{err}");
        let text = "//r.example/:_authToken=${MISSING_TOKEN?}".to_string();
        assert!(RegistryConfig::from_sources(&[text], &env(&[]), None).is_ok());
    }

    #[test]
    fn load_reads_the_project_npmrc() {
        let dir = std::env::temp_dir().join(format!("wb-npm-npmrc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(".npmrc"), "@p:registry=https://p.example/\n").unwrap();
        let c = RegistryConfig::load(Some(&dir), Some("https://arg.example/")).unwrap();
        assert_eq!(c.registry_for("@p/x").as_str(), "https://p.example/");
        assert_eq!(c.registry.as_str(), "https://arg.example/");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn urls_under_a_registry_with_a_path() {
        let mirror = Some("https://art.example/api/npm/npm-remote");
        let c = RegistryConfig::from_sources(&[], &env(&[]), mirror).unwrap();
        let url = c.packument_url("@scope/pkg").unwrap();
        assert_eq!(url.as_str(), "https://art.example/api/npm/npm-remote/@scope%2fpkg");
        let public = "https://registry.npmjs.org/pkg/-/pkg-1.0.0.tgz";
        assert_eq!(
            c.tarball_url("pkg", public),
            "https://art.example/api/npm/npm-remote/pkg/-/pkg-1.0.0.tgz"
        );
        let other = "https://cdn.example/pkg-1.0.0.tgz";
        assert_eq!(c.tarball_url("pkg", other), other);
        let default = RegistryConfig::default();
        assert_eq!(default.tarball_url("pkg", public), public);
    }

    #[test]
    fn non_http_registry_is_refused() {
        let err = RegistryConfig::from_sources(&[], &env(&[]), Some("file:///etc")).unwrap_err();
        assert!(matches!(err, NpmError::Config { .. }));
    }
}
