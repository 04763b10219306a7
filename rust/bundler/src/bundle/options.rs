//! The caller's options, in `@cloudflare/worker-bundler`'s `createWorker` vocabulary, checked and
//! turned into rolldown's.

use std::collections::BTreeMap;

use rolldown::{BundlerOptions, InputItem, OutputFormat, Platform, RawMinifyOptions, SourceMapType};
use rolldown_common::{
    BundlerTransformOptions, CodeSplittingMode, Either, JsxOptions, ModuleType, ResolveOptions, TsConfig,
};

use super::vfs::PROJECT;
use crate::error::{BundleError, Result};

/// What JSX compiles to: `automatic` (`react/jsx-runtime`-style imports from
/// `jsx_import_source`) or `classic` (`React.createElement`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Jsx {
    #[default]
    Automatic,
    Classic,
}

/// How a file is loaded: as source (`js`…`json`, bundled) or as a module of its own (`text`:
/// a string, `data`: an ArrayBuffer, `wasm`: a `WebAssembly.Module`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loader {
    Js,
    Jsx,
    Ts,
    Tsx,
    Json,
    Text,
    Data,
    Wasm,
}

impl Loader {
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "js" => Self::Js,
            "jsx" => Self::Jsx,
            "ts" => Self::Ts,
            "tsx" => Self::Tsx,
            "json" => Self::Json,
            "text" => Self::Text,
            "data" => Self::Data,
            "wasm" => Self::Wasm,
            other => {
                return Err(BundleError::Options(format!(
                    "unknown loader {other:?} (js, jsx, ts, tsx, json, text, data, wasm)"
                )));
            }
        })
    }
}

/// wrangler's default module rules: these extensions are modules of their own.
const DEFAULT_LOADERS: [(&str, Loader); 5] = [
    ("txt", Loader::Text),
    ("html", Loader::Text),
    ("sql", Loader::Text),
    ("bin", Loader::Data),
    ("wasm", Loader::Wasm),
];

#[derive(Clone, Debug)]
pub struct Options {
    pub entry_point: Option<String>,
    /// One module (plus text, data and wasm modules), or the module graph kept as is.
    pub bundle: bool,
    /// Specifiers (and their subpaths) left as imports.
    pub externals: Vec<String>,
    pub target: String,
    pub minify: bool,
    /// Source maps inline in each module.
    pub sourcemap: bool,
    pub jsx: Jsx,
    pub jsx_import_source: Option<String>,
    /// Expression replacements: `process.env.NODE_ENV` → `"production"`.
    pub define: BTreeMap<String, String>,
    /// Extension (with or without its dot) → loader, over the defaults.
    pub loader: BTreeMap<String, Loader>,
    /// Export conditions, in place of `workerd`, `worker`, `browser`.
    pub conditions: Option<Vec<String>>,
    /// Specifier → source of a module that exists only in the build.
    pub virtual_modules: BTreeMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            entry_point: None,
            bundle: true,
            externals: Vec::new(),
            target: "es2022".into(),
            minify: false,
            sourcemap: false,
            jsx: Jsx::Automatic,
            jsx_import_source: None,
            define: BTreeMap::new(),
            loader: BTreeMap::new(),
            conditions: None,
            virtual_modules: BTreeMap::new(),
        }
    }
}

impl Options {
    /// Extension (no dot) → loader: the defaults, then the caller's.
    pub(super) fn loaders(&self) -> Result<BTreeMap<String, Loader>> {
        let mut out: BTreeMap<String, Loader> =
            DEFAULT_LOADERS.iter().map(|(e, l)| ((*e).to_owned(), *l)).collect();
        for (ext, loader) in &self.loader {
            let ext = ext.strip_prefix('.').unwrap_or(ext);
            if ext.is_empty() || ext.contains(['/', '.', '\0']) {
                return Err(BundleError::Options(format!("loader extension {ext:?} is not an extension")));
            }
            out.insert(ext.to_owned(), *loader);
        }
        Ok(out)
    }

    pub(super) fn rolldown(&self, entry: &str) -> Result<BundlerOptions> {
        self.check()?;
        let module_types =
            self.loaders()?.into_iter().filter_map(|(ext, l)| Some((ext, source_type(l)?))).collect();
        let conditions = self.conditions.clone().unwrap_or_else(|| vec!["workerd".into(), "worker".into()]);
        Ok(BundlerOptions {
            input: Some(vec![InputItem { name: None, import: format!("{PROJECT}/{entry}") }]),
            cwd: Some(PROJECT.into()),
            platform: Some(Platform::Browser),
            format: Some(OutputFormat::Esm),
            // Anything else makes rolldown read tsconfig files from the host's file system.
            tsconfig: Some(TsConfig::Auto(false)),
            minify: Some(RawMinifyOptions::Bool(self.minify)),
            sourcemap: self.sourcemap.then_some(SourceMapType::Inline),
            define: Some(self.define.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            module_types: Some(module_types),
            resolve: Some(ResolveOptions { condition_names: Some(conditions), ..Default::default() }),
            transform: Some(self.transform()),
            code_splitting: self.bundle.then_some(CodeSplittingMode::Bool(false)),
            preserve_modules: Some(!self.bundle),
            preserve_modules_root: (!self.bundle).then(|| PROJECT.to_owned()),
            ..Default::default()
        })
    }

    fn transform(&self) -> BundlerTransformOptions {
        let runtime = match self.jsx {
            Jsx::Automatic => "automatic",
            Jsx::Classic => "classic",
        };
        BundlerTransformOptions {
            jsx: Some(Either::Right(JsxOptions {
                runtime: Some(runtime.into()),
                import_source: self.jsx_import_source.clone(),
                ..Default::default()
            })),
            target: Some(Either::Left(self.target.clone())),
            ..Default::default()
        }
    }

    fn check(&self) -> Result<()> {
        let target = self.target.to_ascii_lowercase();
        let known = target == "esnext"
            || target
                .strip_prefix("es")
                .and_then(|y| y.parse::<u32>().ok())
                .is_some_and(|y| (2015..=2030).contains(&y));
        if !known {
            return Err(BundleError::Options(format!(
                "target {:?} is not esYYYY (2015 or later) or esnext",
                self.target
            )));
        }
        if self.externals.iter().any(String::is_empty) {
            return Err(BundleError::Options("an external is empty".into()));
        }
        if let Some(key) = self.define.keys().find(|k| !is_dotted_name(k)) {
            return Err(BundleError::Options(format!("define key {key:?} is not a name or a dotted path")));
        }
        Ok(())
    }
}

fn source_type(loader: Loader) -> Option<ModuleType> {
    match loader {
        Loader::Js => Some(ModuleType::Js),
        Loader::Jsx => Some(ModuleType::Jsx),
        Loader::Ts => Some(ModuleType::Ts),
        Loader::Tsx => Some(ModuleType::Tsx),
        Loader::Json => Some(ModuleType::Json),
        Loader::Text | Loader::Data | Loader::Wasm => None,
    }
}

fn is_dotted_name(key: &str) -> bool {
    key.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
            && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    })
}
