//! Conversions between Python values and the core's value types: numbers (int, float, decimal
//! text), timestamps (timezone-aware `datetime` or ISO-8601 text), QoS, JSON documents, and
//! durations in seconds.

use std::time::Duration;

use c8y_mqtt::QoS;
use c8y_mqtt::value::{Number, Timestamp};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString};

/// A measurement value: `int`, `float` (finite) or decimal text; `bool` is refused.
pub(crate) fn number(value: &Bound<'_, PyAny>) -> PyResult<Number> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "expected a number (int, float or str), got bool",
        ));
    }
    if value.is_instance_of::<PyInt>() {
        let n: i64 = value
            .extract()
            .map_err(|_| PyValueError::new_err("integer out of the 64-bit range"))?;
        return Ok(Number::from(n));
    }
    if value.is_instance_of::<PyFloat>() {
        let f: f64 = value.extract()?;
        return Number::try_from(f).map_err(|e| PyValueError::new_err(e.to_string()));
    }
    if let Ok(text) = value.cast::<PyString>() {
        let text: String = text.extract()?;
        return text
            .parse::<Number>()
            .map_err(|e| PyValueError::new_err(e.to_string()));
    }
    Err(PyTypeError::new_err(format!(
        "expected a number (int, float or str), got {}",
        value.get_type().name()?
    )))
}

/// An optional number (`None` for absent).
pub(crate) fn optional_number(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Number>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => number(v).map(Some),
    }
}

/// A time: a timezone-aware `datetime` or ISO-8601 text; `None` for "now, by the platform".
pub(crate) fn timestamp(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Timestamp>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if let Ok(text) = value.cast::<PyString>() {
        // Text is kept byte for byte.
        let text: String = text.extract()?;
        return text
            .parse::<Timestamp>()
            .map(Some)
            .map_err(|e| PyValueError::new_err(e.to_string()));
    }
    if value.hasattr("tzinfo")? && value.hasattr("isoformat")? {
        if value.getattr("tzinfo")?.is_none() || value.call_method0("utcoffset")?.is_none() {
            return Err(PyValueError::new_err(
                "a timezone-aware datetime is needed (e.g. datetime.now(timezone.utc))",
            ));
        }
        // A datetime is rendered the SDK's way (milliseconds), not as isoformat() spells it.
        let text: String = value.call_method0("isoformat")?.extract()?;
        let time =
            chrono::DateTime::parse_from_rfc3339(&text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        return Ok(Some(Timestamp::from(time)));
    }
    Err(PyTypeError::new_err(format!(
        "expected a datetime or ISO-8601 str, got {}",
        value.get_type().name()?
    )))
}

/// A QoS from 0, 1 or 2.
pub(crate) fn qos(value: u8) -> PyResult<QoS> {
    QoS::try_from(u32::from(value)).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A raw payload: `str`, or `bytes` of UTF-8 text (the core publishes text).
pub(crate) fn text_payload(payload: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = payload.cast::<PyString>() {
        return text.extract();
    }
    if let Ok(bytes) = payload.cast::<PyBytes>() {
        return String::from_utf8(bytes.as_bytes().to_vec())
            .map_err(|e| PyValueError::new_err(format!("payload: not UTF-8 text ({e})")));
    }
    Err(PyTypeError::new_err(format!(
        "payload: expected str or bytes, got {}",
        payload.get_type().name()?
    )))
}

/// A transport name (the core's names: `tcp`/`mqtt`, `tls`/`mqtts`, `ws`, `wss`, any case).
pub(crate) fn transport(name: &str) -> PyResult<c8y_mqtt::client::TransportKind> {
    name.parse()
        .map_err(|e: c8y_mqtt::client::ParseTransportError| PyValueError::new_err(format!("transport: {e}")))
}

/// A non-negative, finite duration in seconds.
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
    let py = document.py();
    let text: String = json_module(py)?
        .call_method1("dumps", (document,))
        .map_err(|e| PyTypeError::new_err(format!("not JSON-serializable: {e}")))?
        .extract()?;
    serde_json::from_str(&text).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A Python object (dict, list, ...) from a JSON document (through `json.loads`).
pub(crate) fn from_json(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    from_json_text(py, &value.to_string())
}

/// A Python object from JSON text.
pub(crate) fn from_json_text(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(json_module(py)?.call_method1("loads", (text,))?.unbind())
}
