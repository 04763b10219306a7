//! The Python exception classes and the one mapping from engine `Error` to `PyErr`.
//! Classes are made with `type()` at module init so that some can also inherit a builtin
//! (a conversion error is a `TypeError` too), which `create_exception!` cannot express.

use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::Error;

static WORKER_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static JS_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONVERSION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CLOSED_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TERMINATED_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MEMORY_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn make(
    m: &Bound<'_, PyModule>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    bases: Vec<Bound<'_, PyAny>>,
    doc: &str,
) -> PyResult<()> {
    let py = m.py();
    let ns = PyDict::new(py);
    ns.set_item("__doc__", doc)?;
    ns.set_item("__module__", "workerbox")?;
    let ty = py.get_type::<PyType>().call1((name, PyTuple::new(py, bases)?, ns))?.cast_into::<PyType>()?;
    m.add(name, &ty)?;
    let _ = cell.set(py, ty.unbind());
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let exc = py.get_type::<PyException>().into_any();
    make(m, &WORKER_ERROR, "WorkerError", vec![exc], "Base class of every workerbox exception.")?;
    let base = || WORKER_ERROR.get(py).unwrap().bind(py).clone().into_any();
    make(
        m,
        &JS_ERROR,
        "JSError",
        vec![base()],
        "JavaScript threw. ``name``, ``message`` and ``stack`` are the JS error's own fields.",
    )?;
    make(
        m,
        &CODE_ERROR,
        "CodeError",
        vec![base(), py.get_type::<PyValueError>().into_any()],
        "The worker's code is unusable: unknown main module, bad module type, refused import.",
    )?;
    make(
        m,
        &CONVERSION_ERROR,
        "ConversionError",
        vec![base(), py.get_type::<PyTypeError>().into_any()],
        "A value cannot cross between Python and JavaScript (unsupported type, cycle, too deep).",
    )?;
    make(
        m,
        &CLOSED_ERROR,
        "ClosedError",
        vec![base()],
        "The worker or loader is closed, or the worker died earlier and cannot run again.",
    )?;
    make(
        m,
        &TERMINATED_ERROR,
        "TerminatedError",
        vec![base()],
        "Execution was terminated from outside, e.g. by Ctrl-C while waiting for it.",
    )?;
    make(
        m,
        &MEMORY_ERROR,
        "MemoryLimitExceeded",
        vec![base()],
        "The isolate reached its heap limit and was terminated; the process is unaffected.",
    )?;
    Ok(())
}

fn class<'py>(py: Python<'py>, cell: &'static PyOnceLock<Py<PyType>>) -> Bound<'py, PyType> {
    cell.get(py).expect("workerbox exception classes are registered at import").bind(py).clone()
}

pub fn to_pyerr(py: Python<'_>, err: Error) -> PyErr {
    let text = err.to_string();
    let cell = match &err {
        Error::Js(_) => &JS_ERROR,
        Error::Code(_) => &CODE_ERROR,
        Error::Conversion(_) => &CONVERSION_ERROR,
        Error::Closed(_) => &CLOSED_ERROR,
        Error::Terminated(_) => &TERMINATED_ERROR,
        Error::OutOfMemory(_) => &MEMORY_ERROR,
        Error::Worker(_) => &WORKER_ERROR,
    };
    let build = || -> PyResult<PyErr> {
        let instance = class(py, cell).call1((text.clone(),))?;
        if let Error::Js(js) = &err {
            instance.setattr("name", &js.name)?;
            instance.setattr("message", &js.message)?;
            instance.setattr("stack", &js.stack)?;
        }
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// Raises a `ConversionError` from the Python side of a conversion.
pub fn conversion(py: Python<'_>, message: String) -> PyErr {
    to_pyerr(py, Error::Conversion(message))
}

pub trait IntoPyResult<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, e))
    }
}
