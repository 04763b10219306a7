//! Python objects ⇄ engine `Value`s. Runs while attached to the interpreter; the resulting
//! `Value` owns everything, so the engine never sees a Python object.

use num_bigint::BigInt;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use super::errors::conversion;
use crate::value::{MAX_DEPTH, MAX_SAFE_INTEGER, Value};

pub fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let mut path = Vec::new();
    walk(obj, &mut path)
}

fn walk(obj: &Bound<'_, PyAny>, path: &mut Vec<usize>) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i) {
                return Ok(Value::Number(i as f64));
            }
        }
        return Ok(Value::BigInt(obj.extract::<BigInt>()?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Number(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    let is_list = obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>();
    let is_dict = obj.is_instance_of::<PyDict>();
    if !is_list && !is_dict {
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
            entries.push((key.to_cow()?.into_owned(), walk(&v, path)?));
        }
        Value::Object(entries)
    } else {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(walk(&item?, path)?);
        }
        Value::Array(items)
    };
    path.pop();
    Ok(out)
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
    })
}
