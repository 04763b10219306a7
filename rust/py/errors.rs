//! The Python exception classes and the one mapping from engine `Error` to `PyErr`.
//! Classes are made with `type()` at module init so that some can also inherit a builtin
//! (a conversion error is a `TypeError` too), which `create_exception!` cannot express.

use pyo3::exceptions::{PyException, PyTimeoutError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::Error;
use crate::limits::LimitKind;

static WORKER_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static JS_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
pub static CODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONVERSION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CLOSED_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TERMINATED_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static LIMIT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MEMORY_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CPU_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static WALL_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SUBREQUEST_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PYTHON_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PYTHON_FATAL_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn make(
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

/// An exception class to create: where to keep it, its name, bases and docstring.
type ClassSpec<'py> = (&'static PyOnceLock<Py<PyType>>, &'static str, Vec<Bound<'py, PyAny>>, &'static str);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let cls = |cell: &'static PyOnceLock<Py<PyType>>| cell.get(py).unwrap().bind(py).clone().into_any();
    make(m, &WORKER_ERROR, "WorkerError", vec![py.get_type::<PyException>().into_any()], WORKER_DOC)?;
    // Each entry derives from WorkerError or a builtin; PythonError, from JSError, comes after.
    let table: [ClassSpec<'_>; 11] = [
        (&JS_ERROR, "JSError", vec![cls(&WORKER_ERROR)], JS_DOC),
        (&PYTHON_FATAL_ERROR, "PythonFatalError", vec![cls(&WORKER_ERROR)], PYTHON_FATAL_DOC),
        (
            &CODE_ERROR,
            "CodeError",
            vec![cls(&WORKER_ERROR), py.get_type::<PyValueError>().into_any()],
            CODE_DOC,
        ),
        (
            &CONVERSION_ERROR,
            "ConversionError",
            vec![cls(&WORKER_ERROR), py.get_type::<PyTypeError>().into_any()],
            CONVERSION_DOC,
        ),
        (&CLOSED_ERROR, "ClosedError", vec![cls(&WORKER_ERROR)], CLOSED_DOC),
        (&TERMINATED_ERROR, "TerminatedError", vec![cls(&WORKER_ERROR)], TERMINATED_DOC),
        (&LIMIT_ERROR, "LimitExceeded", vec![cls(&WORKER_ERROR)], LIMIT_DOC),
        (&MEMORY_ERROR, "MemoryLimitExceeded", vec![], MEMORY_DOC),
        (&CPU_ERROR, "CpuLimitExceeded", vec![py.get_type::<PyTimeoutError>().into_any()], CPU_DOC),
        (&WALL_ERROR, "WallTimeExceeded", vec![py.get_type::<PyTimeoutError>().into_any()], WALL_DOC),
        (&SUBREQUEST_ERROR, "SubrequestLimitExceeded", vec![], SUBREQUEST_DOC),
    ];
    for (cell, name, mut bases, doc) in table {
        if name.ends_with("Exceeded") && name != "LimitExceeded" {
            bases.insert(0, cls(&LIMIT_ERROR));
        }
        make(m, cell, name, bases, doc)?;
    }
    make(m, &PYTHON_ERROR, "PythonError", vec![cls(&JS_ERROR)], PYTHON_DOC)
}

const WORKER_DOC: &str = "Base class of every workerbox exception.";
const JS_DOC: &str = "JavaScript threw. ``name``, ``message`` and ``stack`` are the JS error's own fields.";
const PYTHON_DOC: &str = "A Python worker's code raised. ``type`` is the exception's class name, ``message`` \
    reads ``type: text``, and ``traceback`` holds the guest's own frames only.";
const PYTHON_FATAL_DOC: &str = "A Python worker's interpreter failed past recovery (a fatal Pyodide error, \
    ``os._exit``, ``os.abort``); the worker was closed, and ``Loader.get`` loads a fresh one.";
const CODE_DOC: &str = "The worker's code is unusable: unknown main module, bad module type, refused import.";
const CONVERSION_DOC: &str = "A value cannot cross between Python and JavaScript (unsupported type, cycle, too \
    deep, past Limits.conversion_nodes or memory_mb, larger than V8 allows, a lone surrogate, a Date outside \
    years 1-9999).";
const CLOSED_DOC: &str = "The worker or loader is closed (a call in flight ends with it at once), or the \
    worker died earlier and cannot run again.";
const TERMINATED_DOC: &str = "Execution was terminated from outside: the loader was closed, or the worker \
    was ended by Ctrl-C or a cancelled task while this call was in flight on it.";
const LIMIT_DOC: &str = "A resource limit was exceeded and the worker was terminated. ``kind``, ``limit`` and \
    ``used`` (None where unknown) say which and by how much.";
const MEMORY_DOC: &str = "The isolate reached its heap limit and was terminated; the process is unaffected.";
const CPU_DOC: &str = "The call used more CPU time than its limit; the worker was terminated.";
const WALL_DOC: &str = "The call took longer (wall clock) than its limit; the worker was terminated.";
const SUBREQUEST_DOC: &str = "The call made more outbound requests than its limit allows.";

pub fn class<'py>(py: Python<'py>, cell: &'static PyOnceLock<Py<PyType>>) -> Bound<'py, PyType> {
    cell.get(py).expect("workerbox exception classes are registered at import").bind(py).clone()
}

pub fn to_pyerr(py: Python<'_>, err: Error) -> PyErr {
    let text = err.to_string();
    let cell = match &err {
        Error::Python(_) => &PYTHON_ERROR,
        Error::Js(_) => &JS_ERROR,
        Error::PythonFatal(_) => &PYTHON_FATAL_ERROR,
        Error::Code(_) => &CODE_ERROR,
        Error::Conversion(_) => &CONVERSION_ERROR,
        Error::Closed(_) => &CLOSED_ERROR,
        Error::Terminated(_) => &TERMINATED_ERROR,
        Error::Limit { kind: LimitKind::Memory, .. } => &MEMORY_ERROR,
        Error::Limit { kind: LimitKind::Cpu, .. } => &CPU_ERROR,
        Error::Limit { kind: LimitKind::Wall, .. } => &WALL_ERROR,
        Error::Limit { kind: LimitKind::Subrequests, .. } => &SUBREQUEST_ERROR,
        Error::Worker(_) => &WORKER_ERROR,
    };
    let build = || -> PyResult<PyErr> {
        let instance = class(py, cell).call1((text.clone(),))?;
        if let Error::Js(js) | Error::Python(js) = &err {
            instance.setattr("name", &js.name)?;
            instance.setattr("message", &js.message)?;
            instance.setattr("stack", &js.stack)?;
            if matches!(err, Error::Python(_)) {
                let (kind, _) = js.message.split_once(':').unwrap_or((&js.message, ""));
                let traceback = js.stack.as_deref().and_then(|s| s.split_once('\n')).map_or("", |(_, t)| t);
                instance.setattr("type", kind)?;
                instance.setattr("traceback", traceback)?;
            }
        }
        if let Error::Limit { kind, limit, used } = &err {
            instance.setattr("kind", format!("{kind:?}").to_lowercase())?;
            instance.setattr("limit", limit)?;
            instance.setattr("used", used)?;
        }
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// The fork guard's error: objects made before a fork are unusable in the child.
pub fn not_forked(py: Python<'_>) -> PyResult<()> {
    crate::platform::not_forked().py(py)
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
