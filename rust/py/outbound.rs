//! `HttpOutbound` for Python: the policy for the native client, validated up front.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::outbound::request::check_injected_header;
use crate::outbound::{HostPattern, HttpConfig, HttpOutbound};

/// Lets the sandbox's `fetch()` reach the hosts in `allow`, sent by a native HTTP/1.1 + HTTP/2
/// client (TLS included) without entering Python.
#[pyclass(name = "HttpOutbound", module = "workerbox", frozen)]
pub struct PyHttpOutbound {
    pub client: Arc<HttpOutbound>,
    repr: String,
}

#[pymethods]
impl PyHttpOutbound {
    #[new]
    #[pyo3(signature = (allow, *, inject_headers=None, timeout_s=30.0, max_response_bytes=10 << 20, allow_private_networks=false, resolve=None))]
    fn new(
        allow: Vec<String>,
        inject_headers: Option<&Bound<'_, PyDict>>,
        timeout_s: f64,
        max_response_bytes: usize,
        allow_private_networks: bool,
        resolve: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let pattern = |p: &str| HostPattern::parse(p).map_err(PyValueError::new_err);
        let allow_patterns = allow.iter().map(|p| pattern(p)).collect::<PyResult<Vec<_>>>()?;
        let mut inject = Vec::new();
        if let Some(inject_headers) = inject_headers {
            for (host, headers) in inject_headers.iter() {
                let host: String =
                    host.extract().map_err(|_| PyTypeError::new_err("inject_headers keys must be str"))?;
                let headers: Vec<(String, String)> = headers
                    .cast::<PyDict>()
                    .map_err(|_| PyTypeError::new_err("inject_headers values must be dicts of str"))?
                    .iter()
                    .map(|(k, v)| Ok((k.extract()?, v.extract()?)))
                    .collect::<PyResult<_>>()?;
                for (name, value) in &headers {
                    check_injected_header(name, value)
                        .map_err(|why| PyValueError::new_err(format!("inject_headers[{host:?}]: {why}")))?;
                }
                inject.push((pattern(&host)?, headers));
            }
        }
        if !(timeout_s.is_finite() && timeout_s > 0.0) {
            return Err(PyValueError::new_err(format!(
                "timeout_s must be a positive number, not {timeout_s}"
            )));
        }
        let mut fixed = Vec::new();
        if let Some(resolve) = resolve {
            for (name, ip) in resolve.iter() {
                let name: String = name.extract()?;
                let ip: String = ip.extract()?;
                let ip: IpAddr = ip.parse().map_err(|_| {
                    PyValueError::new_err(format!("resolve[{name:?}]: {ip:?} is not an IP address"))
                })?;
                fixed.push((name.to_ascii_lowercase(), ip));
            }
        }
        let repr = format!(
            "HttpOutbound(allow={allow:?}, allow_private_networks={})",
            if allow_private_networks { "True" } else { "False" }
        );
        let config = HttpConfig {
            allow: allow_patterns,
            inject,
            timeout: Duration::from_secs_f64(timeout_s),
            max_response_bytes,
            allow_private_networks,
            resolve: fixed,
        };
        let client = HttpOutbound::new(config).map_err(pyo3::exceptions::PyRuntimeError::new_err)?;
        Ok(PyHttpOutbound { client: Arc::new(client), repr })
    }

    fn __repr__(&self) -> &str {
        &self.repr
    }
}
