//! The only file system the bundler sees. The tenant's files live in memory under [`PROJECT`];
//! each installed package is its cache directory mounted read-only under [`STORE`] in pnpm's
//! layout (`/store/<id>/node_modules/<name>`, its dependencies as links beside it), and the
//! project's own dependencies are links in `/project/node_modules`. Node resolution walking up
//! from a file therefore finds exactly the packages the install graph gave its owner, and nothing
//! else: no path, however many `..` it climbs, leaves this tree, and a read inside a mount is
//! refused if the real file is a link or lies outside the package's directory.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use oxc_resolver::{FileMetadata, ResolveError};

use crate::error::{BundleError, Result};
use crate::npm::{Installed, PkgId};
use crate::project::Project;

pub const PROJECT: &str = "/project";
pub const STORE: &str = "/store";

/// The largest source file (JavaScript, TypeScript, JSON) a build reads. oxc recurses once per
/// nesting level with no depth guard, so the build's stack is sized from the largest source it
/// may parse (`bundle::stack`), and this bounds that stack.
pub const MAX_SOURCE_BYTES: usize = 4 << 20;

const SOURCE_EXTENSIONS: [&str; 9] = ["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "json"];

#[derive(Clone, Debug, Default)]
pub struct Vfs(Arc<Tree>);

#[derive(Debug, Default)]
struct Tree {
    files: BTreeMap<PathBuf, Vec<u8>>,
    dirs: BTreeSet<PathBuf>,
    /// Link → its target, itself free of links.
    links: BTreeMap<PathBuf, PathBuf>,
    /// Virtual directory → the package's real, canonical directory.
    mounts: BTreeMap<PathBuf, PathBuf>,
    /// Bytes of the largest source within [`MAX_SOURCE_BYTES`] anywhere in the tree.
    largest_source: usize,
}

enum Node {
    File(Vec<u8>),
    Dir,
    Link(PathBuf),
    Real(PathBuf),
}

impl Vfs {
    pub fn new(project: &Project, installed: &Installed) -> Result<Self> {
        let mut tree = Tree::default();
        tree.add_dir(Path::new(PROJECT));
        for (name, bytes) in project.files() {
            let path = Path::new(PROJECT).join(name);
            if let Some(parent) = path.parent() {
                tree.add_dir(parent);
            }
            if is_source(&path) {
                tree.note_source(bytes.len());
            }
            tree.files.insert(path, bytes.clone());
        }
        let project_modules = Path::new(PROJECT).join("node_modules");
        for (dep, id) in &installed.root {
            tree.link(&project_modules, dep, id)?;
        }
        for (id, package) in &installed.packages {
            let home = package_home(id)?;
            let real = package
                .dir
                .canonicalize()
                .map_err(|e| BundleError::Project(format!("package {}@{}: {e}", id.name, id.version)))?;
            if let Some(parent) = home.parent() {
                tree.add_dir(parent);
            }
            tree.note_sources_in(&real);
            tree.mounts.insert(home.clone(), real);
            let modules = home.parent().map(Path::to_path_buf).unwrap_or_default();
            for (dep, target) in &package.deps {
                tree.link(&modules, dep, target)?;
            }
        }
        Ok(Self(Arc::new(tree)))
    }

    pub fn largest_source(&self) -> usize {
        self.0.largest_source
    }

    /// The tenant's files at or below `dir`, in path order.
    pub fn project_files_under<'a>(&'a self, dir: &'a Path) -> impl Iterator<Item = &'a Path> + 'a {
        self.0
            .files
            .range(dir.to_path_buf()..)
            .map(|(path, _)| path.as_path())
            .take_while(move |p| p.starts_with(dir))
    }

    /// The project-relative name of a virtual path, or a store path's `name@version/…` form.
    pub fn display(path: &str) -> String {
        if let Some(rest) = path.strip_prefix(PROJECT).and_then(|r| r.strip_prefix('/')) {
            return rest.to_owned();
        }
        path.strip_prefix(STORE)
            .and_then(|r| r.split_once("/node_modules/"))
            .map_or_else(|| path.to_owned(), |(_, inner)| format!("node_modules/{inner}"))
    }

    fn node(&self, path: &Path, follow_last: bool) -> Option<Node> {
        let path = self.0.unlink(&lexical(path)?, follow_last);
        let tree = &self.0;
        if let Some(target) = tree.links.get(&path) {
            return Some(Node::Link(target.clone()));
        }
        if let Some(bytes) = tree.files.get(&path) {
            return Some(Node::File(bytes.clone()));
        }
        if tree.dirs.contains(&path) {
            return Some(Node::Dir);
        }
        tree.real(&path).map(Node::Real)
    }

    fn metadata_of(&self, path: &Path, follow_last: bool) -> io::Result<FileMetadata> {
        match self.node(path, follow_last).ok_or_else(not_found)? {
            Node::File(_) => Ok(FileMetadata::new(true, false, false)),
            Node::Dir => Ok(FileMetadata::new(false, true, false)),
            Node::Link(_) => Ok(FileMetadata::new(false, false, true)),
            Node::Real(real) => {
                let meta = std::fs::metadata(real)?;
                Ok(FileMetadata::new(meta.is_file(), meta.is_dir(), false))
            }
        }
    }
}

impl Tree {
    fn note_source(&mut self, len: usize) {
        if len <= MAX_SOURCE_BYTES {
            self.largest_source = self.largest_source.max(len);
        }
    }

    /// Walks a package's real directory (links not followed) for its largest source.
    fn note_sources_in(&mut self, dir: &Path) {
        let mut pending = vec![dir.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let Ok(kind) = entry.file_type() else { continue };
                let path = entry.path();
                if kind.is_dir() {
                    pending.push(path);
                } else if kind.is_file() && is_source(&path) {
                    let len = entry.metadata().map_or(0, |m| m.len());
                    self.note_source(usize::try_from(len).unwrap_or(usize::MAX));
                }
            }
        }
    }

    fn add_dir(&mut self, dir: &Path) {
        for ancestor in dir.ancestors() {
            if !self.dirs.insert(ancestor.to_path_buf()) {
                break;
            }
        }
    }

    fn link(&mut self, modules: &Path, dep: &str, target: &PkgId) -> Result<()> {
        let at = modules.join(checked_name(dep)?);
        if let Some(parent) = at.parent() {
            self.add_dir(parent);
        }
        self.links.insert(at, package_home(target)?);
        Ok(())
    }

    /// The path with every link among its components replaced by its target (the last one
    /// only when `follow_last`). Targets hold no links, so one pass settles it.
    fn unlink(&self, path: &Path, follow_last: bool) -> PathBuf {
        let mut out = PathBuf::from("/");
        let mut components = path.components().skip(1).peekable();
        while let Some(component) = components.next() {
            out.push(component);
            if (components.peek().is_some() || follow_last)
                && let Some(target) = self.links.get(&out)
            {
                out.clone_from(target);
            }
        }
        out
    }

    /// The real file behind a path inside a mount, if it is a plain file or directory that
    /// really lies inside the package's directory.
    fn real(&self, path: &Path) -> Option<PathBuf> {
        let (mount, root) = path.ancestors().find_map(|a| self.mounts.get_key_value(a))?;
        let real = root.join(path.strip_prefix(mount).ok()?);
        let meta = std::fs::symlink_metadata(&real).ok()?;
        if meta.file_type().is_symlink() || !(meta.is_file() || meta.is_dir()) {
            return None;
        }
        real.canonicalize().ok().filter(|c| c.starts_with(root))
    }
}

/// Where a package's files appear: `/store/<name>@<version>/node_modules/<name>`.
fn package_home(id: &PkgId) -> Result<PathBuf> {
    let name = checked_name(&id.name)?;
    let version = &id.version;
    if version.is_empty() || version.contains(['/', '\\', '\0']) || version.starts_with('.') {
        return Err(BundleError::Project(format!("package {name} has a bad version {version:?}")));
    }
    let flat = name.replace('/', "+");
    Ok(Path::new(STORE).join(format!("{flat}@{version}")).join("node_modules").join(name))
}

/// A package name as a path: `name` or `@scope/name`, no empty, `.`, `..` or NUL segments.
fn checked_name(name: &str) -> Result<&str> {
    let segments: Vec<&str> = name.split('/').collect();
    let shaped = match segments.as_slice() {
        [one] => !one.starts_with('@'),
        [scope, _] => scope.starts_with('@') && scope.len() > 1,
        _ => false,
    };
    let clean =
        segments.iter().all(|s| !s.is_empty() && *s != "." && *s != ".." && !s.contains(['\\', '\0']));
    if shaped && clean { Ok(name) } else { Err(BundleError::Project(format!("bad package name {name:?}"))) }
}

/// The absolute path with `.` and `..` folded away (`..` at the root stays at the root, as in
/// POSIX); `None` for a relative path.
pub(super) fn lexical(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            Component::Prefix(_) => return None,
        }
    }
    path.has_root().then_some(out)
}

fn is_source(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| SOURCE_EXTENSIONS.contains(&e))
}

/// A source past [`MAX_SOURCE_BYTES`] is refused before anything parses it.
fn check_size(path: &Path, bytes: Vec<u8>) -> io::Result<Vec<u8>> {
    if bytes.len() > MAX_SOURCE_BYTES && is_source(path) {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("{} bytes, past the {MAX_SOURCE_BYTES} a source file may have", bytes.len()),
        ));
    }
    Ok(bytes)
}

fn not_found() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "not in the project")
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "the bundler's file system is read-only")
}

impl oxc_resolver::FileSystem for Vfs {
    fn new(_yarn_pnp: bool) -> Self {
        Self::default()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.node(path, true).ok_or_else(not_found)? {
            Node::File(bytes) => check_size(path, bytes),
            Node::Real(real) => check_size(path, std::fs::read(real)?),
            Node::Dir | Node::Link(_) => Err(io::Error::new(io::ErrorKind::IsADirectory, "a directory")),
        }
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        self.metadata_of(path, true)
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        self.metadata_of(path, false)
    }

    fn read_link(&self, path: &Path) -> std::result::Result<PathBuf, ResolveError> {
        match self.node(path, false) {
            Some(Node::Link(target)) => Ok(target),
            _ => Err(ResolveError::from(io::Error::new(io::ErrorKind::InvalidInput, "not a link"))),
        }
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let path = lexical(path).ok_or_else(not_found)?;
        let resolved = self.0.unlink(&path, true);
        self.node(&resolved, true).map(|_| resolved).ok_or_else(not_found)
    }
}

impl rolldown_fs::FileSystem for Vfs {
    fn remove_dir_all(&self, _path: &Path) -> io::Result<()> {
        Err(read_only())
    }

    fn create_dir_all(&self, _path: &Path) -> io::Result<()> {
        Err(read_only())
    }

    fn write(&self, _path: &Path, _content: &[u8]) -> io::Result<()> {
        Err(read_only())
    }

    fn exists(&self, path: &Path) -> bool {
        self.node(path, true).is_some()
    }

    fn read_dir(&self, _path: &Path) -> io::Result<Vec<PathBuf>> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "the bundler does not list directories"))
    }

    fn remove_file(&self, _path: &Path) -> io::Result<()> {
        Err(read_only())
    }
}
