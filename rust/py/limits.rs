//! `Limits` for Python: validated plain data that becomes the engine's `Limits`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::limits::Limits;

/// Resource limits for a worker (``WorkerCode(limits=...)``) or one entrypoint
/// (``get_entrypoint(limits=...)``); where both set a field, the lower wins.
#[pyclass(name = "Limits", module = "workerbox", frozen, eq)]
#[derive(PartialEq)]
pub struct PyLimits {
    pub limits: Limits,
}

fn positive(name: &str, value: Option<f64>) -> PyResult<Option<u64>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v >= 1.0 && v <= u64::MAX as f64 => Ok(Some(v as u64)),
        Some(v) => Err(PyValueError::new_err(format!("{name} must be a positive number or None, not {v}"))),
    }
}

#[pymethods]
impl PyLimits {
    #[new]
    #[pyo3(signature = (*, memory_mb=None, cpu_ms=None, wall_ms=None, sub_requests=None, conversion_nodes=None))]
    fn new(
        memory_mb: Option<f64>,
        cpu_ms: Option<f64>,
        wall_ms: Option<f64>,
        sub_requests: Option<f64>,
        conversion_nodes: Option<f64>,
    ) -> PyResult<Self> {
        Ok(PyLimits {
            limits: Limits {
                memory_mb: positive("memory_mb", memory_mb)?,
                cpu_ms: positive("cpu_ms", cpu_ms)?,
                wall_ms: positive("wall_ms", wall_ms)?,
                sub_requests: positive("sub_requests", sub_requests)?,
                conversion_nodes: positive("conversion_nodes", conversion_nodes)?,
            },
        })
    }

    #[getter]
    fn memory_mb(&self) -> Option<u64> {
        self.limits.memory_mb
    }

    #[getter]
    fn cpu_ms(&self) -> Option<u64> {
        self.limits.cpu_ms
    }

    #[getter]
    fn wall_ms(&self) -> Option<u64> {
        self.limits.wall_ms
    }

    #[getter]
    fn sub_requests(&self) -> Option<u64> {
        self.limits.sub_requests
    }

    #[getter]
    fn conversion_nodes(&self) -> Option<u64> {
        self.limits.conversion_nodes
    }

    fn __repr__(&self) -> String {
        let show = |v: Option<u64>| v.map_or("None".to_string(), |v| v.to_string());
        let l = self.limits;
        format!(
            "Limits(memory_mb={}, cpu_ms={}, wall_ms={}, sub_requests={}, conversion_nodes={})",
            show(l.memory_mb),
            show(l.cpu_ms),
            show(l.wall_ms),
            show(l.sub_requests),
            show(l.conversion_nodes)
        )
    }
}

pub fn of(limits: Option<&Bound<'_, PyLimits>>) -> Limits {
    limits.map(|l| l.get().limits).unwrap_or_default()
}
