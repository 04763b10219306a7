//! `WorkerCode` for Python, and parsing of the `modules` mapping.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use super::convert::{binary_bytes, from_value, to_value};
use super::errors::{IntoPyResult, to_pyerr};
use super::limits::{self, PyLimits};
use super::outbound::PyHttpOutbound;
use crate::code::{ModuleSource, Outbound, WorkerCode};
use crate::error::Error;
use crate::value::Value;

/// The code of a worker: its modules and which one is the entry point.
#[pyclass(name = "WorkerCode", module = "workerbox", frozen)]
pub struct PyWorkerCode {
    pub code: WorkerCode,
    /// Converted when a loader loads the code, since host objects register with that loader.
    pub env: Option<Py<PyAny>>,
    /// Called with a record of every call on workers of this code.
    pub on_trace: Option<Py<PyAny>>,
    /// Recorded as in Workers; no behaviour depends on it yet.
    compatibility_date: Option<String>,
    /// Where the sandbox's `fetch()` goes: None (nowhere) or a callable taking a Request.
    pub outbound: Option<Py<PyAny>>,
}

#[pymethods]
impl PyWorkerCode {
    #[new]
    #[pyo3(signature = (main_module, modules, env=None, global_outbound=None, limits=None, compatibility_date=None, compatibility_flags=Vec::new(), on_trace=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        main_module: String,
        modules: &Bound<'_, PyAny>,
        env: Option<&Bound<'_, PyAny>>,
        global_outbound: Option<&Bound<'_, PyAny>>,
        limits: Option<&Bound<'_, PyLimits>>,
        compatibility_date: Option<String>,
        compatibility_flags: Vec<String>,
        on_trace: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        check_date(compatibility_date.as_deref()).py(modules.py())?;
        let modules_parsed = parse_modules(modules)?;
        let code = WorkerCode {
            main_module,
            modules: modules_parsed,
            env: Value::Undefined,
            limits: limits::of(limits),
            outbound: Outbound::Closed,
            compatibility_flags,
        };
        code.validate().py(modules.py())?;
        Ok(PyWorkerCode {
            code,
            env: check_env(env)?,
            on_trace: check_callable("on_trace", on_trace)?,
            compatibility_date,
            outbound: check_outbound(global_outbound)?,
        })
    }

    #[getter]
    fn compatibility_date(&self) -> Option<&str> {
        self.compatibility_date.as_deref()
    }

    #[getter]
    fn compatibility_flags(&self) -> Vec<String> {
        self.code.compatibility_flags.clone()
    }

    #[getter]
    fn limits(&self) -> PyLimits {
        PyLimits { limits: self.code.limits }
    }

    #[getter]
    fn env(&self, py: Python<'_>) -> Py<PyAny> {
        self.env.as_ref().map_or_else(|| py.None(), |e| e.clone_ref(py))
    }

    #[getter]
    fn main_module(&self) -> &str {
        &self.code.main_module
    }

    #[getter]
    fn modules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, source) in &self.code.modules {
            let (kind, value) = match source {
                ModuleSource::Js(src) => ("js", src.into_pyobject(py)?.into_any().unbind()),
                ModuleSource::Ts(src) => ("ts", src.into_pyobject(py)?.into_any().unbind()),
                ModuleSource::Cjs(src) => ("cjs", src.into_pyobject(py)?.into_any().unbind()),
                ModuleSource::Text(src) => ("text", src.into_pyobject(py)?.into_any().unbind()),
                ModuleSource::Data(b) => ("data", PyBytes::new(py, b).into_any().unbind()),
                ModuleSource::Wasm(b) => ("wasm", PyBytes::new(py, b).into_any().unbind()),
                ModuleSource::Json(v) => ("json", from_value(py, v.clone())?),
                ModuleSource::Python(src) => ("python", src.into_pyobject(py)?.into_any().unbind()),
            };
            let one = PyDict::new(py);
            one.set_item(kind, value)?;
            dict.set_item(name, one)?;
        }
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "WorkerCode(main_module={:?}, modules=<{} module(s)>)",
            self.code.main_module,
            self.code.modules.len()
        )
    }
}

impl PyWorkerCode {
    /// Code made in Rust (the bundler's output), checked as the constructor checks it.
    pub fn built(code: WorkerCode, compatibility_date: Option<String>) -> Result<Self, Error> {
        check_date(compatibility_date.as_deref())?;
        code.validate()?;
        Ok(PyWorkerCode { code, env: None, on_trace: None, compatibility_date, outbound: None })
    }
}

pub fn parse_modules(modules: &Bound<'_, PyAny>) -> PyResult<Vec<(String, ModuleSource)>> {
    let py = modules.py();
    let code_error = |m: String| to_pyerr(py, Error::Code(m));
    let Ok(dict) = modules.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "modules must be a dict mapping module names to sources, not {}",
            modules.get_type().name()?
        )));
    };
    let mut out = Vec::with_capacity(dict.len());
    for (name, source) in dict.iter() {
        let Ok(name) = name.cast::<PyString>() else {
            return Err(code_error(format!(
                "modules: module names must be str, not {}",
                name.get_type().name()?
            )));
        };
        let name = name.to_cow()?.into_owned();
        let parsed = if let Ok(src) = source.cast::<PyString>() {
            let src = src.to_cow()?.into_owned();
            if name.ends_with(".js") || name.ends_with(".mjs") {
                ModuleSource::Js(src)
            } else if name.ends_with(".ts") || name.ends_with(".mts") {
                ModuleSource::Ts(src)
            } else if name.ends_with(".cjs") {
                ModuleSource::Cjs(src)
            } else if name.ends_with(".py") {
                ModuleSource::Python(src)
            } else {
                return Err(code_error(format!(
                    "modules[{name:?}]: a plain string is a module only for names ending in .js, .mjs (ES), \
                     .ts, .mts (TypeScript), .cjs (CommonJS) or .py (Python); use a one-key dict such as {{\"text\": source}} \
                     to give the type"
                )));
            }
        } else if let Ok(d) = source.cast::<PyDict>() {
            let mut items = d.iter();
            let (Some((kind, value)), None) = (items.next(), items.next()) else {
                return Err(code_error(format!(
                    "modules[{name:?}]: a module dict must have exactly one key, the module type"
                )));
            };
            let kind: String = kind.extract()?;
            parse_typed(&name, &kind, &value)?
        } else {
            return Err(code_error(format!(
                "modules[{name:?}]: a module must be str or a one-key dict, not {}",
                source.get_type().name()?
            )));
        };
        out.push((name, parsed));
    }
    if out.iter().any(|(_, s)| matches!(s, ModuleSource::Python(_))) {
        super::python::ensure_runtime(py)?;
    }
    Ok(out)
}

/// One `{kind: value}` module.
fn parse_typed(name: &str, kind: &str, value: &Bound<'_, PyAny>) -> PyResult<ModuleSource> {
    let py = value.py();
    let code_error = |m: String| to_pyerr(py, Error::Code(m));
    let text = || -> PyResult<String> {
        value
            .cast::<PyString>()
            .map_err(|_| code_error(format!("modules[{name:?}][{kind:?}]: the source must be str")))?
            .to_cow()
            .map(|s| s.into_owned())
    };
    let bytes = || -> PyResult<Vec<u8>> {
        if value.is_instance_of::<PyString>() {
            return Err(code_error(format!("modules[{name:?}][{kind:?}]: must be bytes, not str")));
        }
        binary_bytes(value)?.ok_or_else(|| {
            code_error(format!(
                "modules[{name:?}][{kind:?}]: must be bytes, not {}",
                value.get_type().name().map(|n| n.to_string()).unwrap_or_default()
            ))
        })
    };
    Ok(match kind {
        "js" => ModuleSource::Js(text()?),
        "ts" => ModuleSource::Ts(text()?),
        "cjs" => ModuleSource::Cjs(text()?),
        "text" => ModuleSource::Text(text()?),
        "data" => ModuleSource::Data(bytes()?),
        "wasm" => ModuleSource::Wasm(bytes()?),
        "json" => ModuleSource::Json(to_value(value, None)?),
        "python" => ModuleSource::Python(text()?),
        _ => {
            return Err(code_error(format!(
                "modules[{name:?}]: unknown module type {kind:?} (supported: {})",
                ModuleSource::KINDS.join(", ")
            )));
        }
    })
}

/// `env` must be a dict with str keys (or None); its values are converted at load time.
fn check_env(env: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
    let Some(env) = env.filter(|e| !e.is_none()) else { return Ok(None) };
    let Ok(dict) = env.cast::<PyDict>() else {
        return Err(to_pyerr(
            env.py(),
            Error::Code(format!("env: must be a dict, not {}", env.get_type().name()?)),
        ));
    };
    for key in dict.keys() {
        if !key.is_instance_of::<PyString>() {
            return Err(to_pyerr(
                env.py(),
                Error::Code(format!("env: keys must be str, not {}", key.get_type().name()?)),
            ));
        }
    }
    Ok(Some(env.clone().unbind()))
}

/// `compatibility_date` is a calendar date, `YYYY-MM-DD`.
fn check_date(date: Option<&str>) -> Result<(), Error> {
    let Some(date) = date else { return Ok(()) };
    let parts: Vec<&str> = date.split('-').collect();
    let valid = matches!(parts.as_slice(), [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && (1..=12).contains(&m.parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&d.parse::<u8>().unwrap_or(0)));
    if valid {
        Ok(())
    } else {
        Err(Error::Code(format!("compatibility_date: {date:?} is not a date like 2026-11-21")))
    }
}

/// `global_outbound`: None, an HttpOutbound, or a callable hook.
fn check_outbound(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
    match value {
        Some(v) if v.is_instance_of::<PyHttpOutbound>() => Ok(Some(v.clone().unbind())),
        _ => check_callable("global_outbound", value).map_err(|_| {
            PyTypeError::new_err(
                "global_outbound must be None, a workerbox.HttpOutbound or a callable taking a Request",
            )
        }),
    }
}

fn check_callable(what: &str, value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
    match value.filter(|h| !h.is_none()) {
        None => Ok(None),
        Some(h) if h.is_callable() => Ok(Some(h.clone().unbind())),
        Some(h) => Err(PyTypeError::new_err(format!(
            "{what} must be callable or None, not {}",
            h.get_type().name()?
        ))),
    }
}

/// A `WorkerCode` whose Python parts (`env`, `on_trace`) are still Python objects.
pub struct Unconverted {
    pub code: WorkerCode,
    pub env: Option<Py<PyAny>>,
    pub on_trace: Option<Py<PyAny>>,
    pub outbound: Option<Py<PyAny>>,
}

impl Unconverted {
    fn of(code: &PyWorkerCode, py: Python<'_>) -> Self {
        Unconverted {
            code: code.code.clone(),
            env: code.env.as_ref().map(|e| e.clone_ref(py)),
            on_trace: code.on_trace.as_ref().map(|h| h.clone_ref(py)),
            outbound: code.outbound.as_ref().map(|h| h.clone_ref(py)),
        }
    }
}

/// `load()`'s keyword fields, the same as `WorkerCode`'s.
pub struct Fields<'a, 'py> {
    pub main_module: Option<String>,
    pub modules: Option<&'a Bound<'py, PyAny>>,
    pub env: Option<&'a Bound<'py, PyAny>>,
    pub global_outbound: Option<&'a Bound<'py, PyAny>>,
    pub limits: Option<&'a Bound<'py, PyLimits>>,
    pub compatibility_date: Option<String>,
    pub compatibility_flags: Option<Vec<String>>,
    pub on_trace: Option<&'a Bound<'py, PyAny>>,
}

/// The code given to `load()`: a WorkerCode, or its fields as keywords (never both).
pub fn from_args(
    py: Python<'_>,
    code: Option<&Bound<'_, PyWorkerCode>>,
    f: Fields<'_, '_>,
) -> PyResult<Unconverted> {
    let any_field = f.main_module.is_some()
        || f.modules.is_some()
        || f.env.is_some()
        || f.global_outbound.is_some()
        || f.limits.is_some()
        || f.compatibility_date.is_some()
        || f.compatibility_flags.is_some()
        || f.on_trace.is_some();
    match code {
        Some(_) if any_field => {
            Err(PyTypeError::new_err("load() takes either a WorkerCode or its fields as keywords, not both"))
        }
        Some(code) => Ok(Unconverted::of(code.get(), py)),
        None => {
            let main_module = f
                .main_module
                .ok_or_else(|| PyTypeError::new_err("load() missing required field: main_module"))?;
            let modules =
                f.modules.ok_or_else(|| PyTypeError::new_err("load() missing required field: modules"))?;
            let code = PyWorkerCode::new(
                main_module,
                modules,
                f.env,
                f.global_outbound,
                f.limits,
                f.compatibility_date,
                f.compatibility_flags.unwrap_or_default(),
                f.on_trace,
            )?;
            Ok(Unconverted::of(&code, py))
        }
    }
}

/// What a `get()` factory returned, which must be a `WorkerCode`.
pub fn from_factory_result(result: &Bound<'_, PyAny>) -> PyResult<Unconverted> {
    match result.cast::<PyWorkerCode>() {
        Ok(code) => Ok(Unconverted::of(code.get(), result.py())),
        Err(_) => Err(PyTypeError::new_err(format!(
            "the get() factory must return a WorkerCode, not {}",
            result.get_type().name()?
        ))),
    }
}
