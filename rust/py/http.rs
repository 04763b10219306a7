//! `Request` and `Response` for Python: what `ep.fetch()` sends to a worker's fetch handler and
//! gets back, and (later) what a `global_outbound` hook sees. They cross to the engine in a
//! plain wire form (an object of strings, header pairs and bytes).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use std::sync::{Arc, Mutex};

use super::body::{PyBodyIter, RequestChunks, StreamedBody};
use super::convert::{Registrar, binary_bytes, to_value};
use crate::value::Value;

/// Header pairs from a dict, or an iterable of (name, value) pairs.
fn headers_arg(headers: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(headers) = headers.filter(|h| !h.is_none()) else { return Ok(Vec::new()) };
    let pairs = match headers.cast::<PyDict>() {
        Ok(d) => d.call_method0("items")?,
        Err(_) => headers.clone(),
    };
    let mut out = Vec::new();
    for pair in pairs.try_iter()? {
        let (name, value): (String, String) = pair?
            .extract()
            .map_err(|_| PyTypeError::new_err("headers must be a dict or (name, value) pairs of str"))?;
        out.push((name, value));
    }
    Ok(out)
}

/// A body given whole: str or bytes-like (both iterable, but not chunk sources).
fn is_whole_body(body: &Bound<'_, PyAny>) -> bool {
    body.is_none() || body.cast::<PyString>().is_ok() || binary_bytes(body).is_ok_and(|b| b.is_some())
}

fn body_arg(body: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    let Some(body) = body.filter(|b| !b.is_none()) else { return Ok(None) };
    if let Ok(s) = body.cast::<PyString>() {
        return Ok(Some(s.to_cow()?.as_bytes().to_vec()));
    }
    binary_bytes(body)?.map(Some).ok_or_else(|| PyTypeError::new_err("body must be str, bytes or None"))
}

fn headers_value(headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(k, v)| Value::Array(vec![Value::String(k.clone()), Value::String(v.clone())]))
            .collect(),
    )
}

/// An HTTP request for a worker's fetch handler.
#[pyclass(name = "Request", module = "workerbox", frozen)]
pub struct PyRequest {
    #[pyo3(get)]
    url: String,
    #[pyo3(get)]
    method: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// A body given as an iterator, handed to the worker as a stream once (then None).
    chunks: Mutex<Option<Py<RequestChunks>>>,
    chunked: bool,
}

impl PyRequest {
    /// Refuses a blocking call that could never read this request's body (see
    /// `RequestChunks::check_waiter`).
    pub fn check_waiter(&self, py: Python<'_>) -> PyResult<()> {
        match &*self.chunks.lock().unwrap() {
            Some(chunks) => chunks.get().check_waiter(py),
            None => Ok(()),
        }
    }
}

#[pymethods]
impl PyRequest {
    #[new]
    #[pyo3(signature = (url, *, method="GET", headers=None, body=None))]
    fn new(
        py: Python<'_>,
        url: String,
        method: &str,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        if url::Url::parse(&url).is_err() {
            return Err(PyValueError::new_err(format!("Request url must be an absolute URL, not {url:?}")));
        }
        let chunks = match body.filter(|b| !is_whole_body(b)) {
            Some(b) => Some(RequestChunks::from_body(b)?.ok_or_else(|| {
                PyTypeError::new_err(
                    "body must be str, bytes, an iterator of them, an async iterator, or None",
                )
            })?),
            None => None,
        };
        let body = if chunks.is_some() { None } else { body_arg(body)? };
        let chunks = chunks.map(|c| Py::new(py, c)).transpose()?;
        Ok(PyRequest {
            url,
            method: method.to_ascii_uppercase(),
            headers: headers_arg(headers)?,
            body,
            chunked: chunks.is_some(),
            chunks: Mutex::new(chunks),
        })
    }

    /// Header (name, value) pairs in the order given.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// The body's bytes; None without a body, or for one given as an iterator.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.body.as_deref().map(|b| PyBytes::new(py, b))
    }

    fn __repr__(&self) -> String {
        format!("<Request {} {}>", self.method, self.url)
    }
}

/// `(name, value)` pairs from a wire `headers` array.
fn headers_from_wire(value: Value) -> Vec<(String, String)> {
    let Value::Array(pairs) = value else { return Vec::new() };
    pairs
        .into_iter()
        .filter_map(|pair| match pair {
            Value::Array(kv) => match <[Value; 2]>::try_from(kv) {
                Ok([Value::String(k), Value::String(v)]) => Some((k, v)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

impl PyRequest {
    /// A request from the sandbox's `fetch()`, in wire form.
    pub fn from_wire(wire: Value) -> PyResult<Self> {
        let Value::Object(fields) = wire else {
            return Err(PyTypeError::new_err("fetch() sent a malformed request"));
        };
        let mut request = PyRequest {
            url: String::new(),
            method: "GET".into(),
            headers: Vec::new(),
            body: None,
            chunks: Mutex::new(None),
            chunked: false,
        };
        for (k, v) in fields {
            match (k.as_str(), v) {
                ("url", Value::String(s)) => request.url = s,
                ("method", Value::String(s)) => request.method = s,
                ("headers", v) => request.headers = headers_from_wire(v),
                ("body", Value::Bytes(b)) => request.body = Some(b),
                _ => {}
            }
        }
        Ok(request)
    }

    /// The wire form a fetch handler is called with; a body given as an iterator becomes a host
    /// function registered through `registrar` (usable once: the iterator is consumed).
    pub fn to_wire(&self, py: Python<'_>, registrar: &mut Registrar<'_>) -> PyResult<Value> {
        let body = match self.chunks.lock().unwrap().take() {
            Some(chunks) => to_value(chunks.bind(py).as_any(), Some(registrar))?,
            None if self.chunked => {
                return Err(PyValueError::new_err(
                    "this Request's body iterator was already sent; make a new Request",
                ));
            }
            None => self.body.clone().map_or(Value::Null, Value::Bytes),
        };
        Ok(Value::Object(vec![
            ("url".into(), Value::String(self.url.clone())),
            ("method".into(), Value::String(self.method.clone())),
            ("headers".into(), headers_value(&self.headers)),
            ("body".into(), body),
        ]))
    }
}

/// An HTTP response from a worker's fetch handler.
#[pyclass(name = "Response", module = "workerbox", frozen)]
pub struct PyResponse {
    #[pyo3(get)]
    status: u16,
    #[pyo3(get)]
    status_text: String,
    headers: Vec<(String, String)>,
    /// The whole body; for a streamed one, what `body` read once it was asked for.
    body: Mutex<Option<Arc<Vec<u8>>>>,
    /// A body still in the worker (`ep.fetch(..., stream=True)`).
    stream: Option<Arc<StreamedBody>>,
}

#[pymethods]
impl PyResponse {
    #[new]
    #[pyo3(signature = (body=None, *, status=200, headers=None, status_text=""))]
    fn new(
        body: Option<&Bound<'_, PyAny>>,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
        status_text: &str,
    ) -> PyResult<Self> {
        if !(200..=599).contains(&status) {
            return Err(PyValueError::new_err(format!("Response status must be in 200..=599, not {status}")));
        }
        Ok(PyResponse {
            status,
            status_text: status_text.to_string(),
            headers: headers_arg(headers)?,
            body: Mutex::new(Some(Arc::new(body_arg(body)?.unwrap_or_default()))),
            stream: None,
        })
    }

    /// Headers as a dict with lower-cased names; repeated headers are joined with ", ".
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in &self.headers {
            let k = k.to_ascii_lowercase();
            let joined = match dict.get_item(&k)? {
                Some(prev) => format!("{}, {v}", prev.extract::<String>()?),
                None => v.clone(),
            };
            dict.set_item(k, joined)?;
        }
        Ok(dict)
    }

    /// The headers as the worker set them, in order, with each `Set-Cookie` on its own (which
    /// the `headers` dict cannot keep apart).
    #[getter]
    fn header_list(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    #[getter]
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The whole body. A streamed body is read to its end first (or what is left of it, if
    /// iteration began).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.bytes(py)?))
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    fn text(&self, py: Python<'_>) -> PyResult<String> {
        Ok(String::from_utf8_lossy(&self.bytes(py)?).into_owned())
    }

    /// The body parsed as JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let bytes = self.bytes(py)?;
        py.import("json")?.call_method1("loads", (PyBytes::new(py, &bytes),))
    }

    /// True for `ep.fetch(..., stream=True)`'s response whose body is still in the worker.
    #[getter]
    fn streamed(&self) -> bool {
        self.stream.is_some()
    }

    /// The body's chunks as bytes, as the worker produced them (`async for` too, for a response
    /// from an AsyncLoader's worker). A body that came whole is one chunk.
    fn __iter__(&self) -> PyBodyIter {
        let whole = self.body.lock().unwrap().clone();
        match (&self.stream, whole) {
            (_, Some(body)) => PyBodyIter::whole(body),
            (Some(stream), None) => PyBodyIter::streamed(stream.clone()),
            (None, None) => unreachable!("a response without a body is streamed"),
        }
    }

    fn __aiter__(&self) -> PyBodyIter {
        self.__iter__()
    }

    /// Stops reading a streamed body: the worker's stream is cancelled and its call ends.
    fn close(&self) {
        if let Some(stream) = &self.stream {
            stream.cancel();
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, _t: Py<PyAny>, _v: Py<PyAny>, _tb: Py<PyAny>) {
        self.close();
    }

    fn __repr__(&self) -> String {
        match &*self.body.lock().unwrap() {
            Some(body) => format!("<Response {} ({} bytes)>", self.status, body.len()),
            None => format!("<Response {} (streamed)>", self.status),
        }
    }
}

impl PyResponse {
    /// The wire form `fetch()` resolves from.
    /// The wire form `fetch()` resolves from. A hook's response is whole; with the GIL held, a
    /// streamed one would be read here, so it is refused instead.
    pub fn to_wire(&self) -> PyResult<Value> {
        let body = self.body.lock().unwrap().clone().ok_or_else(|| {
            PyTypeError::new_err("a streamed response cannot be passed on; read its body first")
        })?;
        Ok(Value::Object(vec![
            ("status".into(), Value::Number(self.status as f64)),
            ("statusText".into(), Value::String(self.status_text.clone())),
            ("headers".into(), headers_value(&self.headers)),
            ("body".into(), Value::Bytes(body.to_vec())),
        ]))
    }

    /// The wire form the engine returns from a fetch handler. A `stream` id names a body left in
    /// the worker, which `open` turns into the reader.
    pub fn from_wire(wire: Value, open: impl FnOnce(u64) -> Arc<StreamedBody>) -> PyResult<Self> {
        let bad = || PyTypeError::new_err("the fetch handler's response could not be read");
        let Value::Object(fields) = wire else { return Err(bad()) };
        let (mut status, mut status_text, mut headers, mut body, mut stream) =
            (200, String::new(), Vec::new(), Vec::new(), None);
        for (k, v) in fields {
            match (k.as_str(), v) {
                ("status", Value::Number(n)) => status = n as u16,
                ("statusText", Value::String(s)) => status_text = s,
                ("body", Value::Bytes(b)) => body = b,
                ("headers", v) => headers = headers_from_wire(v),
                ("stream", Value::Number(id)) if id >= 1.0 && id.fract() == 0.0 => stream = Some(id as u64),
                _ => {}
            }
        }
        let stream = stream.map(open);
        let body = Mutex::new(stream.is_none().then(|| Arc::new(body)));
        Ok(PyResponse { status, status_text, headers, body, stream })
    }

    /// The whole body, reading a streamed one to its end (once).
    fn bytes(&self, py: Python<'_>) -> PyResult<Arc<Vec<u8>>> {
        if let Some(body) = &*self.body.lock().unwrap() {
            return Ok(body.clone());
        }
        let stream = self.stream.as_ref().expect("a response without a body is streamed");
        let read = Arc::new(stream.read_all(py)?);
        *self.body.lock().unwrap() = Some(read.clone());
        Ok(read)
    }
}
