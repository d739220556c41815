//! Conversions between Python values and the emulator's: JSON documents through Python's
//! `json` module (the platform state is JSON), and durations in seconds.

use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// A duration from seconds; negative, NaN or infinite values are a `ValueError`.
pub(crate) fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err(format!("{name} must be a non-negative number of seconds")))
}

static JSON: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn json_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    JSON.get_or_try_init(py, || Ok::<_, PyErr>(py.import("json")?.unbind()))
        .map(|m| m.bind(py))
}

/// A JSON document from a Python object (through `json.dumps`).
pub(crate) fn to_json(document: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let text: String = json_module(document.py())?
        .call_method1("dumps", (document,))
        .map_err(|e| PyTypeError::new_err(format!("not JSON-serializable: {e}")))?
        .extract()?;
    serde_json::from_str(&text).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A Python object (dict, list, ...) from a JSON document (through `json.loads`).
pub(crate) fn from_json(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    Ok(json_module(py)?
        .call_method1("loads", (value.to_string(),))?
        .unbind())
}
