//! The exception classes (defined in `c8y_mqtt/errors.py`) and the conversion from the core's
//! errors to them. The core decides each error's result code
//! ([`c8y_mqtt::result_code::ResultCode`]) and names the Python class of each code; this module
//! only looks that class up and raises it. Bad arguments become `ValueError`; everything else a
//! subclass of `C8yError` whose class attribute `code` is the result code.

use c8y_mqtt::client::{ClientError, ConnectError, DropReason, FlushTimeout, RegistrationError};
use c8y_mqtt::result_code::ResultCode;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// The Python class the core names for `code`: a class of `c8y_mqtt.errors`, `ValueError`, or
/// `C8yError` (the base class) for codes only the C ABI returns.
fn exception_class(py: Python<'_>, code: ResultCode) -> PyResult<Bound<'_, PyAny>> {
    let errors = py.import("c8y_mqtt.errors")?;
    match code.python_exception() {
        Some("ValueError") => Ok(py.get_type::<PyValueError>().into_any()),
        Some(name) => errors.getattr(name),
        None => errors.getattr("C8yError"),
    }
}

/// The exception for `code` with this message (and `cause` as its `__cause__`).
fn exception(code: ResultCode, message: String, cause: Option<PyErr>) -> PyErr {
    Python::attach(|py| {
        let error = match exception_class(py, code).and_then(|class| class.call1((message.clone(),))) {
            Ok(value) => PyErr::from_value(value),
            Err(error) => PyRuntimeError::new_err(format!("{message} (no exception class: {error})")),
        };
        if cause.is_some() {
            error.set_cause(py, cause);
        }
        error
    })
}

/// The Python exception for an error returned at a call. A stopped client's connection error
/// and a connect timeout's last error become `__cause__`.
pub(crate) fn client_error(error: ClientError) -> PyErr {
    let cause = match &error {
        ClientError::Stopped(cause)
        | ClientError::ConnectTimeout {
            last_error: Some(cause),
            ..
        } => Some(connect_error(cause)),
        _ => None,
    };
    exception(error.result_code(), error.to_string(), cause)
}

/// The Python exception for a connection error: `AuthError` for a refused login, `TlsError`,
/// `ProxyError`, `ConnectError` otherwise (the core's codes).
pub(crate) fn connect_error(error: &ConnectError) -> PyErr {
    exception(error.result_code(), error.to_string(), None)
}

/// A flush that did not finish.
pub(crate) fn flush_timeout(error: FlushTimeout) -> PyErr {
    exception(error.result_code(), error.to_string(), None)
}

/// A configuration error (the core's [`ConfigError`](c8y_mqtt::client::ConfigError), or an
/// option of the Python face that cannot be converted to a setting).
pub(crate) fn config_error(error: impl std::fmt::Display) -> PyErr {
    exception(ResultCode::InvalidConfig, error.to_string(), None)
}

/// A failed bootstrap registration.
pub(crate) fn registration_error(error: RegistrationError) -> PyErr {
    exception(error.result_code(), error.to_string(), None)
}

/// A delivery given up for this reason.
pub(crate) fn dropped(reason: DropReason) -> PyErr {
    let message = match reason {
        DropReason::Closed => "dropped: the client was closed".to_owned(),
        DropReason::Overflow => "dropped to make room in the full outbox".to_owned(),
        DropReason::Stopped => "dropped: the client stopped on a fatal error".to_owned(),
        other => format!("dropped: {other:?}"),
    };
    exception(reason.result_code(), message, None)
}

/// Raised when a client is used in a process other than the one that created it.
pub(crate) fn forked() -> PyErr {
    exception(
        ResultCode::Forked,
        "this client was created in another process (before fork()); create a new client in this process"
            .to_owned(),
        None,
    )
}

/// Raised by blocking calls made from an event callback.
pub(crate) fn in_callback(what: &str) -> PyErr {
    exception(
        ResultCode::InCallback,
        format!("{what} blocks and cannot be called from an event callback (the SDK's dispatcher thread)"),
        None,
    )
}

/// The client is closed.
pub(crate) fn closed() -> PyErr {
    exception(ResultCode::Closed, "client closed".to_owned(), None)
}

/// An internal failure (a thread that cannot start).
pub(crate) fn internal(message: String) -> PyErr {
    exception(ResultCode::Internal, message, None)
}

/// The Python exception for a failed HTTP call or file transfer (the core's codes; a token that
/// could not be had over MQTT raises as the client error it is).
pub(crate) fn http_error(error: c8y_mqtt::http::HttpError) -> PyErr {
    match error {
        c8y_mqtt::http::HttpError::Token(error) => client_error(error),
        error => exception(error.result_code(), error.to_string(), None),
    }
}

/// The core's result codes as `(number, name, exception class name or None)` rows, increasing
/// (`c8y_mqtt.errors.RESULT_CODES` is built from it).
pub(crate) fn result_code_table(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let rows = ResultCode::ALL
        .iter()
        .map(|code| {
            PyTuple::new(
                py,
                [
                    code.number().into_pyobject(py)?.into_any(),
                    code.name().into_pyobject(py)?.into_any(),
                    code.python_exception().into_pyobject(py)?,
                ],
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, rows)
}

/// The exception class raised for the result code `code` (for the tests of the table).
#[pyfunction]
pub(crate) fn _exception_class(py: Python<'_>, code: u32) -> PyResult<Bound<'_, PyAny>> {
    let code = ResultCode::from_number(code)
        .ok_or_else(|| PyValueError::new_err(format!("no result code {code}")))?;
    exception_class(py, code)
}
