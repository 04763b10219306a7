//! `WorkerCode`: the modules a worker is made of, validated before anything is compiled.
//! Plain data; no V8 here.

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::value::Value;

/// Size of a worker's `env`, checked before anything is created.
pub const MAX_ENV_BYTES: usize = 1 << 20;

/// Total source size of one worker's modules. Checked before compiling, so a caller cannot make
/// the engine parse an arbitrarily large bundle.
pub const MAX_TOTAL_MODULE_BYTES: usize = 64 << 20;

/// Size of one TypeScript module. The type stripper recurses once per nesting level with no
/// depth guard, so a large module is stripped on a thread whose stack covers its worst case
/// (see `typescript`); this bounds that stack. Bundles are JavaScript.
pub const MAX_TS_MODULE_BYTES: usize = 1 << 20;

/// One module of a worker, by type (Cloudflare's WorkerLoaderModule types).
#[derive(Debug, Clone, PartialEq)]
pub enum ModuleSource {
    /// An ES module.
    Js(String),
    /// A TypeScript ES module: types are stripped before V8 sees it.
    Ts(String),
    /// A CommonJS module: `require`, `module.exports`, `exports`.
    Cjs(String),
    /// Imports as its text (the default export is a string).
    Text(String),
    /// Imports as an ArrayBuffer of these bytes.
    Data(Vec<u8>),
    /// Imports as this value.
    Json(Value),
    /// Imports as a `WebAssembly.Module` compiled from these bytes.
    Wasm(Vec<u8>),
    /// Python source, run by the runtime's Pyodide (`python/`); a worker whose main module is
    /// Python is a Python worker.
    Python(String),
}

impl ModuleSource {
    /// The keys accepted in a one-key module dict.
    pub const KINDS: &'static [&'static str] = &["js", "ts", "cjs", "text", "data", "json", "wasm", "python"];

    pub fn len(&self) -> usize {
        match self {
            ModuleSource::Js(s)
            | ModuleSource::Ts(s)
            | ModuleSource::Cjs(s)
            | ModuleSource::Text(s)
            | ModuleSource::Python(s) => s.len(),
            ModuleSource::Data(b) | ModuleSource::Wasm(b) => b.len(),
            ModuleSource::Json(v) => v.approximate_size(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A Python worker's memory limit where its code sets none: Pyodide's memory, the baseline it
/// restores and its files do not fit the JavaScript default.
pub const PYTHON_MEMORY_MB: u64 = 256;

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerCode {
    pub main_module: String,
    /// In the caller's order; names are unique.
    pub modules: Vec<(String, ModuleSource)>,
    /// Bindings the worker sees as `env`: data, and stubs for host objects.
    pub env: Value,
    /// Limits for the worker (memory) and each of its calls; per-call limits can only tighten.
    pub limits: Limits,
    /// Where the sandbox's `fetch()` goes.
    pub outbound: Outbound,
    /// Workers' compatibility flags; `nodejs_compat` makes the `node:*` modules importable.
    pub compatibility_flags: Vec<String>,
}

/// Where a worker's `fetch()` goes.
#[derive(Debug, Clone, Default)]
pub enum Outbound {
    /// Nowhere: every fetch rejects and nothing leaves the process.
    #[default]
    Closed,
    /// To a host function (a Python hook) with this id.
    Hook(u64),
    /// Out through the native client, within its policy.
    Http(std::sync::Arc<crate::outbound::HttpOutbound>),
}

impl PartialEq for Outbound {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Outbound::Closed, Outbound::Closed) => true,
            (Outbound::Hook(a), Outbound::Hook(b)) => a == b,
            (Outbound::Http(a), Outbound::Http(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl WorkerCode {
    /// Whether the `node:*` modules are importable, as `nodejs_compat` (or its `_v2`) makes them
    /// in Workers.
    pub fn node_compat(&self) -> bool {
        self.compatibility_flags.iter().any(|f| f == "nodejs_compat" || f == "nodejs_compat_v2")
    }

    /// Whether this is a Python worker: its main module is Python, run by the runtime's Pyodide.
    pub fn is_python(&self) -> bool {
        matches!(self.get(&self.main_module), Some(ModuleSource::Python(_)))
    }

    /// The limits its workers run under before the defaults fill the rest: a Python worker's
    /// memory limit, where the code sets none, is [`PYTHON_MEMORY_MB`].
    pub fn worker_limits(&self) -> Limits {
        let mut limits = self.limits;
        if self.is_python() && limits.memory_mb.is_none() {
            limits.memory_mb = Some(PYTHON_MEMORY_MB);
        }
        limits
    }

    /// Checks everything that can be checked without V8, naming the bad field in the message.
    pub fn validate(&self) -> Result<()> {
        if self.modules.is_empty() {
            return Err(Error::Code("modules: at least one module is required".into()));
        }
        // Names count too: each becomes a V8 string, so the cap keeps them within V8's limits.
        let mut total = 0usize;
        let mut names = std::collections::HashSet::with_capacity(self.modules.len());
        for (name, source) in &self.modules {
            if name.is_empty() {
                return Err(Error::Code("modules: a module name must not be empty".into()));
            }
            if !names.insert(name.as_str()) {
                let shown = crate::value::truncated(name, 256);
                return Err(Error::Code(format!("modules: duplicate module name {shown:?}")));
            }
            if let ModuleSource::Ts(ts) = source
                && ts.len() > MAX_TS_MODULE_BYTES
            {
                let shown = crate::value::truncated(name, 256);
                return Err(Error::Code(format!(
                    "modules: TypeScript module {shown:?} has {} bytes, more than the limit of {MAX_TS_MODULE_BYTES}; \
                     bundle it to JavaScript",
                    ts.len()
                )));
            }
            total = total.saturating_add(source.len()).saturating_add(name.len());
        }
        if total > MAX_TOTAL_MODULE_BYTES {
            return Err(Error::Code(format!(
                "modules: total size {total} bytes (sources and names) exceeds the limit of {MAX_TOTAL_MODULE_BYTES} bytes"
            )));
        }
        let env_size = self.env.approximate_size();
        if env_size > MAX_ENV_BYTES {
            return Err(Error::Code(format!(
                "env: its size (about {env_size} bytes) exceeds the limit of {MAX_ENV_BYTES} bytes"
            )));
        }
        if self.get(&self.main_module).is_none() {
            let names: Vec<&str> = self.modules.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::Code(format!(
                "main_module: {:?} is not one of the modules ({})",
                self.main_module,
                names.join(", ")
            )));
        }
        self.validate_language()
    }

    /// Python modules run only in a Python worker, and a Python worker runs no JavaScript of
    /// the tenant's: its module map is the runtime's Pyodide plus the tenant's files.
    fn validate_language(&self) -> Result<()> {
        let is_code = |s: &ModuleSource| {
            matches!(
                s,
                ModuleSource::Js(_) | ModuleSource::Ts(_) | ModuleSource::Cjs(_) | ModuleSource::Wasm(_)
            )
        };
        let python = self.is_python();
        if python && !is_python_module_path(&self.main_module) {
            return Err(Error::Code(format!(
                "main_module: {:?}: a Python worker's main module must be named as a Python module \
                 (main.py, app/worker.py or main)",
                crate::value::truncated(&self.main_module, 256)
            )));
        }
        for (name, source) in &self.modules {
            let shown = crate::value::truncated(name, 256);
            if python && is_code(source) {
                return Err(Error::Code(format!(
                    "modules: {shown:?} is JavaScript or WebAssembly, but the main module is Python; \
                     a Python worker's modules are Python, text, data and json"
                )));
            }
            if !python && matches!(source, ModuleSource::Python(_)) {
                return Err(Error::Code(format!(
                    "modules: {shown:?} is Python, but the main module {:?} is not; make a Python module the main one",
                    crate::value::truncated(&self.main_module, 256)
                )));
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&ModuleSource> {
        self.modules.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }
}

/// `main.py`, `app/worker.py`, `main`: slash-separated identifiers, with or without `.py`, so
/// the guest can import it by the dotted name.
fn is_python_module_path(name: &str) -> bool {
    let path = name.strip_suffix(".py").unwrap_or(name);
    path.split('/').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(main: &str, names: &[&str]) -> WorkerCode {
        WorkerCode {
            main_module: main.into(),
            modules: names.iter().map(|n| (n.to_string(), ModuleSource::Js(String::new()))).collect(),
            env: Value::Undefined,
            limits: Limits::default(),
            outbound: Outbound::Closed,
            compatibility_flags: Vec::new(),
        }
    }

    #[test]
    fn oversized_env_is_refused() {
        let mut c = code("a.js", &["a.js"]);
        c.env = Value::Object(vec![("big".into(), Value::String("x".repeat(MAX_ENV_BYTES)))]);
        assert!(c.validate().unwrap_err().to_string().starts_with("env:"));
    }

    #[test]
    fn unknown_main_module_is_named() {
        let err = code("missing.js", &["a.js"]).validate().unwrap_err();
        assert!(err.to_string().contains("\"missing.js\""), "{err}");
    }

    #[test]
    fn duplicate_names_are_refused() {
        assert!(code("a.js", &["a.js", "a.js"]).validate().is_err());
    }

    #[test]
    fn python_and_javascript_do_not_mix() {
        let mut c = code("main.py", &["main.py", "lib.js"]);
        c.modules[0].1 = ModuleSource::Python(String::new());
        assert!(c.is_python());
        assert!(c.validate().unwrap_err().to_string().contains("\"lib.js\" is JavaScript"));
        let mut c = code("main.js", &["main.js", "lib.py"]);
        c.modules[1].1 = ModuleSource::Python(String::new());
        assert!(!c.is_python());
        assert!(c.validate().unwrap_err().to_string().contains("\"lib.py\" is Python"));
    }

    #[test]
    fn a_python_main_module_is_named_as_a_python_module() {
        for (name, ok) in [
            ("main.py", true),
            ("app/worker.py", true),
            ("main", true),
            ("m.js", false),
            ("../x.py", false),
            ("a b.py", false),
            ("", false),
            ("1x.py", false),
        ] {
            assert_eq!(is_python_module_path(name), ok, "{name}");
        }
    }

    #[test]
    fn oversized_bundle_is_refused_before_compiling() {
        let mut c = code("a.js", &["a.js"]);
        c.modules[0].1 = ModuleSource::Js("x".repeat(MAX_TOTAL_MODULE_BYTES + 1));
        assert!(c.validate().unwrap_err().to_string().contains("exceeds"));
    }
}
