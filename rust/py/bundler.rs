//! `workerbox.bundler`'s native half: the tenant's files and options converted while attached,
//! the bundle built with the GIL released, its output turned into a `WorkerCode`. The Python
//! module (`python/workerbox/bundler.py`) adds the signatures and the async twins.

use std::collections::BTreeMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString, PyType};

use super::code::PyWorkerCode;
use super::errors::{CODE_ERROR, class, make};
use crate::code::{ModuleSource, Outbound, WorkerCode};
use crate::error::Error;
use crate::limits::Limits;
use crate::value::Value;
use workerbox_bundler::npm::{self, InstallOptions, Installed, Lock, NpmError, RegistryConfig};
use workerbox_bundler::{BundleError, Jsx, Loader, ModuleKind, Options, Output, Project};

static BUILD_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const BUILD_DOC: &str = "The bundler refused the project: a bad option or file path, a package.json or \
    wrangler config that does not parse, no entry point, an import that resolves to nothing, a syntax \
    error. ``kind`` says which; ``file``, ``line``, ``column`` and ``specifier`` are set where known.";

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    make(m, &BUILD_ERROR, "BuildError", vec![class(py, &CODE_ERROR).into_any()], BUILD_DOC)?;
    m.add_function(wrap_pyfunction!(bundler_build, m)?)?;
    m.add_class::<PyBuild>()
}

/// What a build made: the code, the lockfile of its npm packages, the warnings and how long it
/// took.
#[pyclass(name = "Build", module = "workerbox.bundler", frozen)]
pub struct PyBuild {
    code: Py<PyWorkerCode>,
    lock: Option<String>,
    #[pyo3(get)]
    warnings: Vec<String>,
    #[pyo3(get)]
    timings: BTreeMap<String, f64>,
}

#[pymethods]
impl PyBuild {
    #[getter]
    fn code(&self, py: Python<'_>) -> Py<PyWorkerCode> {
        self.code.clone_ref(py)
    }

    /// The lockfile (JSON) of the npm packages the build used; None without dependencies.
    #[getter]
    fn lock(&self) -> Option<&str> {
        self.lock.as_deref()
    }

    fn __repr__(&self) -> String {
        let code = self.code.get();
        format!(
            "Build(main_module={:?}, modules=<{} module(s)>)",
            code.code.main_module,
            code.code.modules.len()
        )
    }
}

#[pyfunction]
#[pyo3(signature = (files, *, entry_point=None, bundle=true, externals=Vec::new(), target="es2022".to_owned(), minify=false, sourcemap=false, jsx="automatic".to_owned(), jsx_import_source=None, define=None, loader=None, conditions=None, virtual_modules=None, registry=None, lock=None, offline=false, cache_dir=None))]
#[allow(clippy::too_many_arguments)]
fn bundler_build(
    py: Python<'_>,
    files: &Bound<'_, PyAny>,
    entry_point: Option<String>,
    bundle: bool,
    externals: Vec<String>,
    target: String,
    minify: bool,
    sourcemap: bool,
    jsx: String,
    jsx_import_source: Option<String>,
    define: Option<BTreeMap<String, String>>,
    loader: Option<BTreeMap<String, String>>,
    conditions: Option<Vec<String>>,
    virtual_modules: Option<BTreeMap<String, String>>,
    registry: Option<String>,
    lock: Option<String>,
    offline: bool,
    cache_dir: Option<std::path::PathBuf>,
) -> PyResult<PyBuild> {
    let lock = lock.map(|text| Lock::from_json(&text)).transpose().map_err(|e| npm_error(py, e))?;
    let npm = Npm { registry, lock, offline, cache_dir };
    let project = Project::new(read_files(files)?).map_err(|e| build_error(py, e))?;
    let jsx = match jsx.as_str() {
        "automatic" => Jsx::Automatic,
        "classic" => Jsx::Classic,
        other => {
            return Err(build_error(
                py,
                BundleError::Options(format!("jsx {other:?} is not \"automatic\" or \"classic\"")),
            ));
        }
    };
    let loader = loader
        .unwrap_or_default()
        .into_iter()
        .map(|(ext, name)| Loader::parse(&name).map(|l| (ext, l)))
        .collect::<Result<_, _>>()
        .map_err(|e| build_error(py, e))?;
    let opts = Options {
        entry_point,
        bundle,
        externals,
        target,
        minify,
        sourcemap,
        jsx,
        jsx_import_source,
        define: define.unwrap_or_default(),
        loader,
        conditions,
        virtual_modules: virtual_modules.unwrap_or_default(),
    };
    let started = std::time::Instant::now();
    let built = py.detach(|| build(&project, &opts, &npm));
    let (output, lock, install_time) = match built {
        Ok(built) => built,
        Err(Failure::Bundle(e)) => return Err(build_error(py, e)),
        Err(Failure::Npm(e)) => return Err(npm_error(py, e)),
    };
    let total = started.elapsed();
    let mut timings = BTreeMap::new();
    timings.insert("install_ms".to_owned(), install_time.as_secs_f64() * 1000.0);
    timings.insert("bundle_ms".to_owned(), output.bundle_time.as_secs_f64() * 1000.0);
    timings.insert("total_ms".to_owned(), total.as_secs_f64() * 1000.0);
    let warnings = output.warnings.clone();
    let code = worker_code(output).map_err(|e| build_error(py, BundleError::Project(e.to_string())))?;
    Ok(PyBuild { code: Py::new(py, code)?, lock: lock.map(|l| l.to_json()), warnings, timings })
}

/// Where the project's npm packages come from. The tenant's own `.npmrc` (if its files have one)
/// is never read: it would choose the host's registry, certificates and tokens.
struct Npm {
    registry: Option<String>,
    lock: Option<Lock>,
    offline: bool,
    cache_dir: Option<std::path::PathBuf>,
}

enum Failure {
    Bundle(BundleError),
    Npm(NpmError),
}

impl From<BundleError> for Failure {
    fn from(e: BundleError) -> Self {
        Failure::Bundle(e)
    }
}

impl From<NpmError> for Failure {
    fn from(e: NpmError) -> Self {
        Failure::Npm(e)
    }
}

/// Installs `package.json`'s dependencies (if any), then bundles; the lock is None without them.
fn build(
    project: &Project,
    opts: &Options,
    npm: &Npm,
) -> Result<(Output, Option<Lock>, std::time::Duration), Failure> {
    let started = std::time::Instant::now();
    let deps = project.manifest()?.map(|m| m.dependencies).unwrap_or_default();
    let (installed, lock) = if deps.is_empty() {
        (Installed::default(), None)
    } else {
        let mut options = InstallOptions::new(RegistryConfig::load(None, npm.registry.as_deref())?);
        if let Some(dir) = &npm.cache_dir {
            options.cache_dir = dir.clone();
        }
        options.offline = npm.offline;
        let (installed, lock) = npm::install(&deps, npm.lock.as_ref(), &options)?;
        (installed, Some(lock))
    };
    let install_time = started.elapsed();
    let mut output = workerbox_bundler::bundle(project, &installed, opts)?;
    output.warnings.extend(installed.warnings);
    Ok((output, lock, install_time))
}

/// `files`: a mapping of path → str or bytes.
fn read_files(files: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Vec<u8>)>> {
    let Ok(dict) = files.cast::<PyDict>() else {
        let items = files
            .call_method0("items")
            .map_err(|_| PyTypeError::new_err("files must be a mapping of paths to str or bytes"))?;
        return items.try_iter()?.map(|item| file_entry(&item?.extract()?)).collect();
    };
    dict.iter().map(|(k, v)| file_entry(&(k, v))).collect()
}

fn file_entry<'py>((path, content): &(Bound<'py, PyAny>, Bound<'py, PyAny>)) -> PyResult<(String, Vec<u8>)> {
    let path = path
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err("files: paths must be str"))?
        .to_cow()?
        .into_owned();
    let bytes = if let Ok(text) = content.cast::<PyString>() {
        text.to_cow()?.into_owned().into_bytes()
    } else if let Ok(bytes) = content.cast::<PyBytes>() {
        bytes.as_bytes().to_vec()
    } else {
        return Err(PyTypeError::new_err(format!("files[{path:?}] must be str or bytes")));
    };
    Ok((path, bytes))
}

fn worker_code(output: Output) -> Result<PyWorkerCode, Error> {
    let modules = output
        .modules
        .into_iter()
        .map(|m| {
            let text = |bytes: Vec<u8>| {
                String::from_utf8(bytes)
                    .map_err(|_| Error::Code(format!("module {:?} is not UTF-8 text", m.name)))
            };
            let source = match m.kind {
                ModuleKind::Esm => ModuleSource::Js(text(m.content)?),
                ModuleKind::Text => ModuleSource::Text(text(m.content)?),
                ModuleKind::Data => ModuleSource::Data(m.content),
                ModuleKind::Wasm => ModuleSource::Wasm(m.content),
            };
            Ok((m.name, source))
        })
        .collect::<Result<_, Error>>()?;
    let code = WorkerCode {
        main_module: output.main_module,
        modules,
        env: Value::Undefined,
        limits: Limits::default(),
        outbound: Outbound::Closed,
        compatibility_flags: output.compatibility_flags,
    };
    PyWorkerCode::built(code, output.compatibility_date)
}

/// An install failure as a `BuildError` of kind "npm"; its message names the package.
fn npm_error(py: Python<'_>, err: NpmError) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let instance = class(py, &BUILD_ERROR).call1((err.to_string(),))?;
        instance.setattr("kind", "npm")?;
        for field in ["file", "line", "column", "specifier"] {
            instance.setattr(field, py.None())?;
        }
        Ok(PyErr::from_value(instance))
    };
    make().unwrap_or_else(|e| e)
}

fn build_error(py: Python<'_>, err: BundleError) -> PyErr {
    let (kind, at, specifier) = match &err {
        BundleError::Options(_) => ("options", None, None),
        BundleError::Project(_) => ("project", None, None),
        BundleError::Unresolved { at, specifier, .. } => ("unresolved", at.clone(), Some(specifier.clone())),
        BundleError::Syntax { at, .. } => ("syntax", at.clone(), None),
        BundleError::Build(_) => ("build", None, None),
    };
    let make = || -> PyResult<PyErr> {
        let instance = class(py, &BUILD_ERROR).call1((err.to_string(),))?;
        instance.setattr("kind", kind)?;
        instance.setattr("file", at.as_ref().map(|a| a.file.clone()))?;
        instance.setattr("line", at.as_ref().map(|a| a.line))?;
        instance.setattr("column", at.as_ref().map(|a| a.column))?;
        instance.setattr("specifier", specifier)?;
        Ok(PyErr::from_value(instance))
    };
    make().unwrap_or_else(|e| e)
}
