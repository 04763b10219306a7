//! Python objects ⇄ engine `Value`s. Runs while attached to the interpreter; the resulting
//! `Value` owns everything, so the engine never sees a Python object. Host objects (RpcTarget
//! instances, callables) are registered with the loader's `PyHost` and cross as integer ids.
//!
//! Nothing is silently changed on the way: a `str` with a lone surrogate (JavaScript strings
//! from Python must be valid Unicode here, as Python strings from JavaScript are) and a date
//! outside what the other side can hold raise `ConversionError`. JavaScript has no naive dates:
//! a naive `datetime` is taken as UTC, and every `Date` comes back as an aware UTC `datetime`,
//! to the millisecond.

use num_bigint::BigInt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    IntoPyDict, PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMemoryView, PyString,
    PyTuple, PyType,
};

use super::errors::conversion;
use super::host::{PyHost, PyRpcTarget};
use super::worker::PyEntrypoint;
use crate::value::{MAX_DEPTH, MAX_SAFE_INTEGER, Value};

/// Where host objects found during a conversion are registered. Without one (values that can
/// only hold data), an RpcTarget or callable is a conversion error.
pub struct Registrar<'a> {
    pub host: &'a PyHost,
    /// The worker the objects belong to, once known.
    pub worker: Option<u64>,
    /// Ids registered by this conversion.
    pub ids: Vec<u64>,
}

/// The bytes of a `bytes`, `bytearray` or `memoryview`; `None` for anything else. `bytes(x)`
/// alone would also take an int (`bytes(3)` is three zeros) or any iterable of ints.
pub fn binary_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(b.as_bytes().to_vec()));
    }
    if obj.is_instance_of::<PyByteArray>() || obj.is_instance_of::<PyMemoryView>() {
        let bytes = obj.py().get_type::<PyBytes>().call1((obj,))?;
        return Ok(Some(bytes.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    Ok(None)
}

pub fn to_value(obj: &Bound<'_, PyAny>, registrar: Option<&mut Registrar<'_>>) -> PyResult<Value> {
    let mut path = Vec::new();
    let mut registrar = registrar;
    walk(obj, &mut path, &mut registrar)
}

fn walk(
    obj: &Bound<'_, PyAny>,
    path: &mut Vec<usize>,
    reg: &mut Option<&mut Registrar<'_>>,
) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>()
            && (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i)
        {
            return Ok(Value::Number(i as f64));
        }
        return Ok(Value::BigInt(obj.extract::<BigInt>()?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Number(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return text(s).map(Value::String);
    }
    if let Some(bytes) = binary_bytes(obj)? {
        return Ok(Value::Bytes(bytes));
    }
    if obj.is_instance(datetime_type(py)?)? {
        return date_to_ms(obj).map(Value::Date);
    }
    if obj.is_instance_of::<PyRpcTarget>() {
        let Some(reg) = reg.as_deref_mut() else {
            return Err(conversion(py, "an RpcTarget cannot be passed here".into()));
        };
        let methods = public_methods(&obj.get_type())?;
        let id = reg.host.register(obj, reg.worker);
        reg.ids.push(id);
        return Ok(Value::Target { id, methods });
    }
    if let Ok(entrypoint) = obj.cast::<PyEntrypoint>() {
        return entrypoint.get().service().map(Value::Service).ok_or_else(|| {
            conversion(py, "an entrypoint of a worker that failed to load cannot be a service binding".into())
        });
    }
    let is_list = obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>();
    let is_dict = obj.is_instance_of::<PyDict>();
    if !is_list && !is_dict {
        if obj.is_callable() && !obj.is_instance_of::<PyType>() {
            let Some(reg) = reg.as_deref_mut() else {
                return Err(conversion(py, "a Python callable cannot be passed here".into()));
            };
            let id = reg.host.register(obj, reg.worker);
            reg.ids.push(id);
            return Ok(Value::Function { id });
        }
        let ty = obj.get_type().name()?;
        return Err(conversion(py, format!("a Python {ty} cannot be passed to JavaScript")));
    }
    let id = obj.as_ptr() as usize;
    if path.contains(&id) {
        return Err(conversion(py, "the value contains a cycle and cannot be passed to JavaScript".into()));
    }
    if path.len() >= MAX_DEPTH {
        return Err(conversion(py, format!("the value is nested deeper than {MAX_DEPTH} levels")));
    }
    path.push(id);
    let out = if is_dict {
        let dict = obj.cast::<PyDict>()?;
        let mut entries = Vec::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                let ty = k.get_type().name()?;
                return Err(conversion(
                    py,
                    format!("dict keys must be str to become a JavaScript object, not {ty}"),
                ));
            };
            entries.push((text(key)?, walk(&v, path, reg)?));
        }
        Value::Object(entries)
    } else {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(walk(&item?, path, reg)?);
        }
        Value::Array(items)
    };
    path.pop();
    Ok(out)
}

/// A `str` as UTF-8, which a lone surrogate (e.g. from `surrogateescape`) cannot be.
fn text(s: &Bound<'_, PyString>) -> PyResult<String> {
    s.to_cow().map(|s| s.into_owned()).map_err(|_| {
        conversion(
            s.py(),
            "a str with a lone surrogate (not valid Unicode) cannot be passed to JavaScript".into(),
        )
    })
}

/// Milliseconds since the epoch, exact (integer arithmetic, sub-millisecond truncated); a naive
/// datetime is UTC. Every `datetime` fits a JS Date, which spans ±275,760 years.
fn date_to_ms(obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    let py = obj.py();
    let ms = || -> PyResult<i64> {
        let aware = if obj.call_method0("utcoffset")?.is_none() {
            obj.call_method("replace", (), Some(&[("tzinfo", utc(py)?)].into_py_dict(py)?))?
        } else {
            obj.clone()
        };
        aware.sub(epoch(py)?)?.floor_div(one_ms(py)?)?.extract()
    };
    ms().map(|ms| ms as f64)
        .map_err(|e| conversion(py, format!("this datetime cannot be passed to JavaScript: {e}")))
}

/// `Date` milliseconds that `datetime` can hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
const DATETIME_MS: std::ops::RangeInclusive<f64> = -62_135_596_800_000.0..=253_402_300_799_999.0;

fn date_from_ms(py: Python<'_>, ms: f64) -> PyResult<Py<PyAny>> {
    if ms.is_nan() {
        return Err(conversion(py, "an invalid JavaScript Date cannot be passed to Python".into()));
    }
    if !DATETIME_MS.contains(&ms) {
        let why =
            format!("a JavaScript Date {ms} ms from 1970 is outside the years 1 to 9999 a datetime can hold");
        return Err(conversion(py, why));
    }
    // A JS Date is whole milliseconds, so this is exact where `fromtimestamp` rounds a float.
    Ok(epoch(py)?.add(one_ms(py)?.mul(ms as i64)?)?.unbind())
}

/// The methods an RpcTarget subclass exposes: public callables its own classes define, in
/// definition order; nothing from RpcTarget or object, no attributes, no `_` names.
fn public_methods(ty: &Bound<'_, PyType>) -> PyResult<Vec<String>> {
    let py = ty.py();
    let base = py.get_type::<PyRpcTarget>();
    let mut out: Vec<String> = Vec::new();
    for cls in ty.getattr("__mro__")?.try_iter()? {
        let cls = cls?;
        if cls.is(&base) || cls.is(py.get_type::<pyo3::types::PyAny>()) {
            break;
        }
        let namespace = cls.getattr("__dict__")?;
        for name in namespace.call_method0("keys")?.try_iter()? {
            let name: String = name?.extract()?;
            if name.starts_with('_') || out.contains(&name) {
                continue;
            }
            let attr = namespace.get_item(&name)?;
            let is_method = attr.is_callable() || is_static_or_class_method(&attr)?;
            if is_method && !attr.is_instance_of::<PyType>() {
                out.push(name);
            }
        }
    }
    Ok(out)
}

fn is_static_or_class_method(attr: &Bound<'_, PyAny>) -> PyResult<bool> {
    let builtins = attr.py().import("builtins")?;
    Ok(attr.is_instance(&builtins.getattr("staticmethod")?)?
        || attr.is_instance(&builtins.getattr("classmethod")?)?)
}

/// `datetime.<name>`, imported once.
fn from_datetime<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    make: fn(&Bound<'py, PyModule>) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || Ok::<_, PyErr>(make(&py.import("datetime")?)?.unbind())).map(|t| t.bind(py))
}

fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    from_datetime(py, &CELL, |m| m.getattr("datetime"))
}

fn utc(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    from_datetime(py, &CELL, |m| m.getattr("timezone")?.getattr("utc"))
}

/// 1970-01-01T00:00:00Z.
fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    from_datetime(py, &CELL, |m| m.getattr("datetime")?.call1((1970, 1, 1, 0, 0, 0, 0, utc(m.py())?)))
}

fn one_ms(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    from_datetime(py, &CELL, |m| m.getattr("timedelta")?.call1((0, 0, 0, 1)))
}

pub fn from_value(py: Python<'_>, value: Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Undefined | Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER as f64 && !(n == 0.0 && n.is_sign_negative()) {
                (n as i64).into_pyobject(py)?.into_any().unbind()
            } else {
                PyFloat::new(py, n).into_any().unbind()
            }
        }
        Value::BigInt(b) => b.into_pyobject(py)?.into_any().unbind(),
        Value::String(s) => PyString::new(py, &s).into_any().unbind(),
        Value::Bytes(b) => PyBytes::new(py, &b).into_any().unbind(),
        Value::Date(ms) => date_from_ms(py, ms)?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_value(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(entries) => {
            let dict = PyDict::new(py);
            for (k, v) in entries {
                dict.set_item(k, from_value(py, v)?)?;
            }
            dict.into_any().unbind()
        }
        Value::Target { .. } | Value::Function { .. } | Value::Service(_) => {
            return Err(conversion(py, "a host object stub cannot come back to Python".into()));
        }
    })
}
