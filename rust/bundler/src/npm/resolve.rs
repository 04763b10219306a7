//! Builds the dependency tree from the root `dependencies`, breadth first, into a `Lock`. A
//! dependency reuses a version already in the tree when it satisfies the range (one version per
//! name where ranges allow, as npm dedupes), else adds the highest matching version beside it.
//! Cycles need nothing special: the second visit finds the package already there.
//! An `optionalDependencies` entry that fails anywhere in its subtree is dropped with that subtree
//! and a warning, as npm does (unless a package still needed elsewhere is the one that failed);
//! optional ones restricted by `os`/`cpu` are skipped too (native binaries, useless in a worker). `peerDependencies` are
//! linked after the regular tree is built: to the tenant's own copy when it satisfies them, else
//! to another in the tree, else installed (as npm 7+), unless optional in `peerDependenciesMeta`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use nodejs_semver::Version;

use super::error::NpmError;
use super::integrity::Integrity;
use super::lock::{self, Lock, LockedPackage, LockedRoot};
use super::metadata::Metadata;
use super::packument::Manifest;
use super::semver;
use super::spec::{self, DepSpec};

pub struct Resolved {
    pub lock: Lock,
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Required,
    Optional,
    Peer { optional: bool },
}

struct Edge {
    /// The dependent's lock key; `None` for the tenant's own dependencies.
    from: Option<String>,
    dep: DepSpec,
    kind: Kind,
    /// The optional dependency whose subtree this edge is in, if any.
    hook: Option<Hook>,
}

/// An optional dependency edge: what a failure below it drops.
#[derive(Clone)]
struct Hook {
    from: String,
    alias: String,
}

/// A failure below an optional dependency, settled once the whole tree is known.
struct Failure {
    from: Option<String>,
    alias: String,
    hook: Hook,
    error: NpmError,
}

/// Resolves `deps`; a `previous` lock's versions are kept wherever the specs still accept them,
/// so editing one dependency does not move the others.
pub fn resolve(
    deps: &BTreeMap<String, String>,
    meta: &mut Metadata<'_>,
    previous: Option<&Lock>,
) -> Result<Resolved, NpmError> {
    let mut prefer: HashMap<String, Vec<String>> = HashMap::new();
    for package in previous.iter().flat_map(|lock| lock.packages.values()) {
        prefer.entry(package.name.clone()).or_default().push(package.version.clone());
    }
    let mut resolver = Resolver {
        meta,
        prefer,
        edges: 0,
        lock: Lock::default(),
        versions: HashMap::new(),
        hooks: HashMap::new(),
        failures: Vec::new(),
        optional_edges: HashSet::new(),
        queue: VecDeque::new(),
        peers: VecDeque::new(),
        warnings: Vec::new(),
    };
    for (alias, text) in deps {
        let dep = spec::parse(alias, text)?;
        resolver.queue.push_back(Edge { from: None, dep, kind: Kind::Required, hook: None });
    }
    resolver.run()?;
    resolver.drop_failed_subtrees()?;
    resolver.mark_optional();
    Ok(Resolved { lock: resolver.lock, warnings: resolver.warnings })
}

struct Resolver<'m, 'a> {
    meta: &'m mut Metadata<'a>,
    /// Package name → versions a previous lock chose.
    prefer: HashMap<String, Vec<String>>,
    /// Dependency edges seen so far (a published manifest may list any number).
    edges: u64,
    lock: Lock,
    /// Package name → versions in the tree.
    versions: HashMap<String, Vec<String>>,
    /// Lock key → the optional dependency that brought the package in.
    hooks: HashMap<String, Hook>,
    failures: Vec<Failure>,
    /// (dependent's lock key, dependency name) of every optional edge linked.
    optional_edges: HashSet<(String, String)>,
    queue: VecDeque<Edge>,
    peers: VecDeque<Edge>,
    warnings: Vec<String>,
}

impl Resolver<'_, '_> {
    fn run(&mut self) -> Result<(), NpmError> {
        while let Some(edge) = self.queue.pop_front().or_else(|| self.peers.pop_front()) {
            if self.meta.loaded(&edge.dep.name).is_none() {
                self.prefetch_level(&edge);
            }
            let who = edge.from.as_deref().unwrap_or(&edge.dep.alias).to_string();
            self.meta.deadline.remaining(&who)?;
            if let Err(error) = self.follow(&edge) {
                self.fail(edge.from, edge.dep.alias, edge.hook, error)?;
            }
        }
        Ok(())
    }

    /// Records a failure below an optional dependency; any other is the install's error.
    fn fail(
        &mut self,
        from: Option<String>,
        alias: String,
        hook: Option<Hook>,
        error: NpmError,
    ) -> Result<(), NpmError> {
        let Some(hook) = hook else {
            return Err(error);
        };
        self.failures.push(Failure { from, alias, hook, error });
        Ok(())
    }

    /// Unlinks every optional dependency with a failure below it and drops what only it reached;
    /// a failed package still reachable otherwise fails the install.
    fn drop_failed_subtrees(&mut self) -> Result<(), NpmError> {
        for failure in &self.failures {
            if let Some(package) = self.lock.packages.get_mut(&failure.hook.from) {
                package.dependencies.remove(&failure.hook.alias);
            }
        }
        self.lock = self.lock.reachable();
        for failure in std::mem::take(&mut self.failures) {
            let Failure { from, alias, hook, error } = failure;
            let at_hook = from.as_deref() == Some(hook.from.as_str()) && alias == hook.alias;
            if !at_hook && from.is_some_and(|key| self.lock.packages.contains_key(&key)) {
                return Err(error);
            }
            let Hook { from, alias } = hook;
            self.warnings.push(format!("optional dependency {alias} of {from} skipped: {error}"));
        }
        Ok(())
    }

    /// Flags the packages no chain of required edges reaches from the root.
    fn mark_optional(&mut self) {
        let mut required = HashSet::new();
        let mut todo: Vec<String> = self.lock.root.values().map(|r| r.package.clone()).collect();
        while let Some(key) = todo.pop() {
            let Some(package) = self.lock.packages.get(&key) else { continue };
            let edges = package.dependencies.iter();
            let needed =
                edges.filter(|(alias, _)| !self.optional_edges.contains(&(key.clone(), (*alias).clone())));
            todo.extend(needed.map(|(_, dep)| dep.clone()).filter(|dep| !required.contains(dep)));
            required.insert(key);
        }
        for (key, package) in self.lock.packages.iter_mut() {
            package.optional = !required.contains(key);
        }
    }

    /// Fetches, in parallel, the metadata of every package the queue will ask about next.
    fn prefetch_level(&mut self, edge: &Edge) {
        let names = std::iter::once(&edge.dep)
            .chain(self.queue.iter().map(|e| &e.dep))
            .filter(|dep| self.in_tree(dep).is_none())
            .map(|dep| dep.name.clone())
            .take(self.room())
            .collect::<Vec<_>>();
        self.meta.prefetch(names.iter().map(String::as_str));
    }

    /// Packages the tree may still add.
    fn room(&self) -> usize {
        self.meta.limits.max_packages.saturating_sub(self.lock.packages.len())
    }

    fn follow(&mut self, edge: &Edge) -> Result<(), NpmError> {
        let peer = matches!(edge.kind, Kind::Peer { .. });
        let tenants = peer.then(|| self.tenants(&edge.dep)).flatten();
        if let Some(key) = tenants.or_else(|| self.in_tree(&edge.dep)) {
            self.link(edge, key);
            return Ok(());
        }
        if edge.kind == (Kind::Peer { optional: true }) {
            return Ok(());
        }
        let Some((version, manifest)) = self.choose(edge)? else {
            return Ok(());
        };
        let key = lock::key(&edge.dep.name, &version);
        if !self.lock.packages.contains_key(&key) {
            if let Some(hook) = &edge.hook {
                self.hooks.insert(key.clone(), hook.clone());
            }
            self.add(&edge.dep.name, &version, &manifest)?;
        }
        self.link(edge, key);
        Ok(())
    }

    /// The version a new node for `edge` gets; `None` for an optional native binary, skipped.
    fn choose(&mut self, edge: &Edge) -> Result<Option<(String, Manifest)>, NpmError> {
        let dep = &edge.dep;
        if self.room() == 0 {
            return Err(NpmError::CapExceeded {
                cap: "packages per install",
                limit: self.meta.limits.max_packages as u64,
                package: dep.name.clone(),
            });
        }
        let packument = self.meta.get(&dep.name)?;
        let previous = self.prefer.get(&dep.name).into_iter().flatten().filter(|v| {
            packument.versions.contains_key(*v) && semver::satisfies(Some(&packument), v, &dep.want)
        });
        let version = previous
            .max_by_key(|v| Version::parse(v).ok())
            .map(String::as_str)
            .or_else(|| semver::pick(&packument, &dep.want))
            .ok_or_else(|| NpmError::NoMatchingVersion {
                package: dep.name.clone(),
                spec: dep.text.clone(),
            })?;
        let manifest = packument.versions.get(version).cloned().unwrap_or_default();
        if edge.kind == Kind::Optional && manifest.is_platform_specific() {
            let why = "platform-specific (os/cpu) optional dependency";
            self.warnings.push(format!("{}@{version} skipped: {why}", dep.name));
            return Ok(None);
        }
        Ok(Some((version.to_string(), manifest)))
    }

    /// The version the tenant's own dependencies chose, if `dep` accepts it: a peer dependency
    /// means the copy its dependent's parent sees, which here is the tenant's.
    fn tenants(&self, dep: &DepSpec) -> Option<String> {
        let key = &self.lock.root.get(&dep.alias)?.package;
        let package = self.lock.packages.get(key)?;
        let packument = self.meta.loaded(&dep.name);
        let ok = package.name == dep.name && semver::satisfies(packument, &package.version, &dep.want);
        ok.then(|| key.clone())
    }

    /// The highest version already in the tree that `dep` accepts.
    fn in_tree(&self, dep: &DepSpec) -> Option<String> {
        let packument = self.meta.loaded(&dep.name);
        self.versions
            .get(&dep.name)?
            .iter()
            .filter(|v| semver::satisfies(packument, v, &dep.want))
            .max_by_key(|v| Version::parse(v).ok())
            .map(|v| lock::key(&dep.name, v))
    }

    fn link(&mut self, edge: &Edge, key: String) {
        let alias = edge.dep.alias.clone();
        match &edge.from {
            None => {
                let spec = edge.dep.text.clone();
                self.lock.root.insert(alias, LockedRoot { spec, package: key });
            }
            Some(from) => {
                if matches!(edge.kind, Kind::Optional | Kind::Peer { optional: true }) {
                    self.optional_edges.insert((from.clone(), alias.clone()));
                }
                if let Some(package) = self.lock.packages.get_mut(from) {
                    package.dependencies.insert(alias, key);
                }
            }
        }
    }

    fn add(&mut self, name: &str, version: &str, manifest: &Manifest) -> Result<(), NpmError> {
        let key = lock::key(name, version);
        let (tarball, integrity) = dist(&key, manifest)?;
        let tarball = self.meta.config.tarball_url(name, &tarball);
        self.lock.packages.insert(
            key.clone(),
            LockedPackage {
                name: name.to_string(),
                version: version.to_string(),
                tarball,
                integrity,
                dependencies: BTreeMap::new(),
                optional: false,
            },
        );
        self.versions.entry(name.to_string()).or_default().push(version.to_string());
        self.enqueue(&key, manifest)
    }

    fn enqueue(&mut self, key: &str, manifest: &Manifest) -> Result<(), NpmError> {
        let required = manifest
            .dependencies
            .iter()
            .filter(|(alias, _)| !manifest.optional_dependencies.contains_key(*alias));
        for (alias, text) in required {
            self.push(key, alias, text, Kind::Required)?;
        }
        for (alias, text) in &manifest.optional_dependencies {
            self.push(key, alias, text, Kind::Optional)?;
        }
        for (alias, text) in &manifest.peer_dependencies {
            let optional = manifest.peer_dependencies_meta.get(alias).is_some_and(|m| m.optional);
            self.push(key, alias, text, Kind::Peer { optional })?;
        }
        Ok(())
    }

    fn push(&mut self, from: &str, alias: &str, text: &str, kind: Kind) -> Result<(), NpmError> {
        self.edges += 1;
        if self.edges > self.meta.limits.max_edges {
            return Err(NpmError::CapExceeded {
                cap: "dependency edges per install",
                limit: self.meta.limits.max_edges,
                package: from.to_string(),
            });
        }
        let hook = match kind {
            Kind::Optional => Some(Hook { from: from.to_string(), alias: alias.to_string() }),
            _ => self.hooks.get(from).cloned(),
        };
        let dep = match spec::parse(alias, text) {
            Ok(dep) => dep,
            Err(e) if matches!(kind, Kind::Peer { .. }) => {
                self.warnings.push(format!("{from}: peer {e}; skipped"));
                return Ok(());
            }
            Err(e) => return self.fail(Some(from.to_string()), alias.to_string(), hook, e),
        };
        let edge = Edge { from: Some(from.to_string()), dep, kind, hook };
        match kind {
            Kind::Peer { .. } => self.peers.push_back(edge),
            _ => self.queue.push_back(edge),
        }
        Ok(())
    }
}

/// The tarball URL and the strongest integrity the registry published for a version.
fn dist(key: &str, manifest: &Manifest) -> Result<(String, String), NpmError> {
    let Some(dist) = &manifest.dist else {
        return Err(NpmError::BadMetadata {
            package: key.to_string(),
            detail: "no dist (tarball) in the registry's metadata".into(),
        });
    };
    let integrity =
        dist.integrity.as_deref().and_then(Integrity::parse).ok_or_else(|| NpmError::IntegrityMismatch {
            package: key.to_string(),
            detail: "the registry publishes no sha512 integrity (SHA-1 alone is not trusted)".into(),
        })?;
    let http = url::Url::parse(&dist.tarball).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !http {
        return Err(NpmError::BadMetadata {
            package: key.to_string(),
            detail: "the tarball URL is not http(s)".into(),
        });
    }
    Ok((dist.tarball.clone(), integrity.to_sri()))
}
