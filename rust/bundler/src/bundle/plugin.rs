//! The bundler's one plugin: what is never bundled (`cloudflare:*`, `node:*` and Node's builtin
//! names, the caller's externals), the caller's virtual modules, and files whose loader makes them
//! modules of their own (text, data, wasm), which stay outside the JavaScript and are imported by
//! their module name. CommonJS code that `require`s an external gets it through a `require` the
//! chunk's banner defines from static imports: an ES module has no `require` of its own.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use arcstr::ArcStr;
use oxc_resolver::FileSystem as _;
use rolldown_common::{ImportKind, ModuleType, ResolvedExternal};
use rolldown_plugin::{
    HookAddonArgs, HookInjectionOutputReturn, HookLoadArgs, HookLoadOutput, HookLoadReturn,
    HookResolveIdArgs, HookResolveIdOutput, HookResolveIdReturn, HookTransformArgs, HookTransformOutput,
    HookTransformReturn, HookUsage, Plugin, PluginContext, SharedLoadPluginContext,
    SharedTransformPluginContext,
};
use rolldown_resolver::Resolver;

use super::glob::Budget;
use super::vfs::Vfs;
use super::{Loader, ModuleKind};
use super::{depth, dynamic_import};

const VIRTUAL: &str = "\0virtual:";

/// Node's builtin modules, as packages name them without the `node:` prefix.
const NODE_BUILTINS: [&str; 30] = [
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "console",
    "constants",
    "crypto",
    "diagnostics_channel",
    "dns",
    "events",
    "fs",
    "http",
    "https",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "tty",
    "url",
    "util",
    "zlib",
];

/// Files that became modules of their own: module name → type and bytes.
pub type Assets = Arc<Mutex<BTreeMap<String, (ModuleKind, Vec<u8>)>>>;

#[derive(Debug)]
pub struct WorkerPlugin {
    pub vfs: Vfs,
    pub resolver: Arc<Resolver<Vfs>>,
    pub externals: Vec<String>,
    pub virtual_modules: BTreeMap<String, String>,
    pub loaders: BTreeMap<String, Loader>,
    pub assets: Assets,
    /// Externals some CommonJS code `require`s.
    pub required: Arc<Mutex<BTreeSet<String>>>,
    /// What the plugin has to say about the build (computed imports left as written).
    pub warnings: Arc<Mutex<Vec<String>>>,
    /// What the build's computed imports may still cost.
    pub globs: Budget,
}

impl WorkerPlugin {
    /// The name an import of `specifier` keeps in the output when it is not bundled.
    fn external_name(&self, specifier: &str, importer: Option<&str>) -> Option<String> {
        if specifier.starts_with("cloudflare:") || specifier.starts_with("node:") {
            return Some(specifier.to_owned());
        }
        let listed = |e: &String| {
            specifier == e || specifier.strip_prefix(e.as_str()).is_some_and(|r| r.starts_with('/'))
        };
        if self.externals.iter().any(listed) {
            return Some(specifier.to_owned());
        }
        let first = specifier.split('/').next().unwrap_or(specifier);
        let builtin = NODE_BUILTINS.contains(&first) && !self.installed_for(first, importer);
        builtin.then(|| format!("node:{specifier}"))
    }

    /// Whether a package of that name is visible from the importer (a package may shadow a
    /// builtin name, as npm's `buffer` does).
    fn installed_for(&self, name: &str, importer: Option<&str>) -> bool {
        let Some(importer) = importer else { return false };
        Path::new(importer)
            .ancestors()
            .skip(1)
            .any(|dir| self.vfs.metadata(&dir.join("node_modules").join(name)).is_ok_and(|m| m.is_dir()))
    }

    fn asset_kind(&self, path: &str) -> Option<ModuleKind> {
        let ext = Path::new(path).extension()?.to_str()?;
        match self.loaders.get(ext)? {
            Loader::Text => Some(ModuleKind::Text),
            Loader::Data => Some(ModuleKind::Data),
            Loader::Wasm => Some(ModuleKind::Wasm),
            Loader::Js | Loader::Jsx | Loader::Ts | Loader::Tsx | Loader::Json => None,
        }
    }

    /// Resolves with the bundle's own resolver: `PluginContext::resolve` would go through the
    /// one rolldown builds for the host's file system.
    fn resolve_asset(&self, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        let importer = args.importer.map(Path::new);
        let Ok(resolved) = self.resolver.resolve(importer, args.specifier, args.kind, false) else {
            return Ok(None);
        };
        let path = resolved.path.as_str();
        let Some(kind) = self.asset_kind(path) else { return Ok(None) };
        let bytes = self.vfs.read(Path::new(path))?;
        let name = Vfs::display(path);
        self.assets.lock().unwrap_or_else(PoisonError::into_inner).insert(name.clone(), (kind, bytes));
        Ok(Some(external(name)))
    }
}

fn external(id: String) -> HookResolveIdOutput {
    HookResolveIdOutput {
        id: ArcStr::from(id),
        external: Some(ResolvedExternal::Bool(true)),
        normalize_external_id: Some(false),
        ..Default::default()
    }
}

impl Plugin for WorkerPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("workerbox:worker")
    }

    async fn resolve_id(&self, _ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        if self.virtual_modules.contains_key(args.specifier) {
            return Ok(Some(HookResolveIdOutput::from_id(format!("{VIRTUAL}{}", args.specifier))));
        }
        if let Some(name) = self.external_name(args.specifier, args.importer) {
            if args.kind == ImportKind::Require {
                self.required.lock().unwrap_or_else(PoisonError::into_inner).insert(name.clone());
            }
            return Ok(Some(external(name)));
        }
        let ext = Path::new(args.specifier.split('?').next().unwrap_or_default()).extension();
        if ext.and_then(|e| e.to_str()).is_some_and(|e| self.asset_kind(&format!("x.{e}")).is_some()) {
            return self.resolve_asset(args);
        }
        Ok(None)
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let Some(name) = args.id.strip_prefix(VIRTUAL) else { return Ok(None) };
        let Some(code) = self.virtual_modules.get(name) else { return Ok(None) };
        Ok(Some(HookLoadOutput {
            code: ArcStr::from(code.as_str()),
            module_type: Some(ModuleType::Js),
            ..Default::default()
        }))
    }

    async fn transform(
        &self,
        _ctx: SharedTransformPluginContext,
        args: &HookTransformArgs<'_>,
    ) -> HookTransformReturn {
        if let Some(offset) = depth::too_deep(args.code, args.module_type) {
            let line = args.code.get(..offset).map_or(1, |before| before.matches('\n').count() + 1);
            return Err(anyhow::anyhow!(
                "{}:{line}: nested deeper than {} levels",
                Vfs::display(args.id),
                depth::MAX_DEPTH
            ));
        }
        let Some(rewritten) =
            dynamic_import::rewrite(&self.vfs, &self.globs, args.id, args.code, args.module_type)?
        else {
            return Ok(None);
        };
        self.warnings.lock().unwrap_or_else(PoisonError::into_inner).extend(rewritten.warnings);
        Ok(Some(HookTransformOutput { code: Some(rewritten.code), map: rewritten.map, ..Default::default() }))
    }

    async fn banner(&self, _ctx: &PluginContext, _args: &HookAddonArgs) -> HookInjectionOutputReturn {
        let required = self.required.lock().unwrap_or_else(PoisonError::into_inner);
        Ok((!required.is_empty()).then(|| require_shim(&required)))
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId | HookUsage::Load | HookUsage::Transform | HookUsage::Banner
    }
}

/// A module-scope `require` for the externals CommonJS code asks for, each imported statically
/// (so it is ready before any code runs) and answered as Node answers it: a module's default
/// export (the `node:*` modules' exports object), else its namespace. rolldown's `__require`
/// helper uses a `require` in scope when there is one.
fn require_shim(required: &BTreeSet<String>) -> String {
    let mut imports = String::new();
    let mut table = String::new();
    for (i, specifier) in required.iter().enumerate() {
        let quoted = serde_json::to_string(specifier).unwrap_or_default();
        imports.push_str(&format!("import * as __workerbox_required_{i} from {quoted};\n"));
        table.push_str(&format!(" {quoted}: __workerbox_required_{i},"));
    }
    format!(
        "{imports}var require = ((modules) => (id) => {{ const m = modules[id]; if (m === undefined) throw new Error(`Cannot find module '${{id}}'`); return \"default\" in m ? m.default : m; }})({{ __proto__: null,{table} }});"
    )
}
