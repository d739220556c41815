//! The exception classes (defined in `c8y_mqtt/errors.py`, imported here) and the one mapping
//! from the core's errors to them. Bad arguments become `ValueError`; everything else a
//! subclass of `C8yError` whose class attribute `code` is the C result code.

use c8y_mqtt::client::{ClientError, ConnackRefusal, ConnectError, FlushTimeout, RegistrationError};
use pyo3::PyErr;
use pyo3::exceptions::PyValueError;

pyo3::import_exception!(c8y_mqtt.errors, C8yError);
pyo3::import_exception!(c8y_mqtt.errors, ConfigError);
pyo3::import_exception!(c8y_mqtt.errors, TlsError);
pyo3::import_exception!(c8y_mqtt.errors, AuthError);
pyo3::import_exception!(c8y_mqtt.errors, ClientClosedError);
pyo3::import_exception!(c8y_mqtt.errors, DeadlineExceededError);
pyo3::import_exception!(c8y_mqtt.errors, QueueFullError);
pyo3::import_exception!(c8y_mqtt.errors, InCallbackError);
pyo3::import_exception!(c8y_mqtt.errors, ForkedError);
pyo3::import_exception!(c8y_mqtt.errors, MessageTooLargeError);
pyo3::import_exception!(c8y_mqtt.errors, HttpError);

/// `ConnectError` under another name (the core has a type of that name).
mod connect {
    pyo3::import_exception!(c8y_mqtt.errors, ConnectError);
}
pub(crate) use connect::ConnectError as PyConnectError;

/// The Python exception for an error returned at a call.
pub(crate) fn client_error(error: ClientError) -> PyErr {
    let message = error.to_string();
    match error {
        ClientError::MessageTooLarge { .. } => MessageTooLargeError::new_err(message),
        ClientError::Template(_)
        | ClientError::Id(_)
        | ClientError::Topic(_)
        | ClientError::UseLine(_)
        | ClientError::UnknownTemplate { .. }
        | ClientError::Json(_) => PyValueError::new_err(message),
        ClientError::OutboxFull { .. } => QueueFullError::new_err(message),
        ClientError::Closed => ClientClosedError::new_err(message),
        ClientError::Stopped(error) => connect_error(&error),
        ClientError::Timeout(_) => DeadlineExceededError::new_err(message),
        ClientError::ConnectTimeout { last_error, .. } => {
            // The last connection error becomes `__cause__`.
            let error = DeadlineExceededError::new_err(message);
            if let Some(cause) = last_error {
                let cause = PyConnectError::new_err(cause.to_string());
                pyo3::Python::attach(|py| error.set_cause(py, Some(cause)));
            }
            error
        }
        ClientError::Config(_) => ConfigError::new_err(message),
        _ => C8yError::new_err(message),
    }
}

/// The Python exception for a connection failure: `AuthError` for a refused login, `TlsError`
/// for TLS, `ConnectError` otherwise.
pub(crate) fn connect_error(error: &ConnectError) -> PyErr {
    let message = format!("client stopped: {error}");
    match error {
        ConnectError::Refused {
            refusal: ConnackRefusal::BadCredentials | ConnackRefusal::NotAuthorized,
        } => AuthError::new_err(message),
        ConnectError::Tls(_) | ConnectError::TlsUntrusted(_) => TlsError::new_err(message),
        // A panic in the SDK's background task: the base class, whose code is PANIC (900).
        ConnectError::Internal(_) => C8yError::new_err(message),
        _ => PyConnectError::new_err(message),
    }
}

/// A flush that did not finish.
pub(crate) fn flush_timeout(error: FlushTimeout) -> PyErr {
    DeadlineExceededError::new_err(error.to_string())
}

/// A configuration error.
pub(crate) fn config_error(error: impl std::fmt::Display) -> PyErr {
    ConfigError::new_err(error.to_string())
}

/// A failed bootstrap registration.
pub(crate) fn registration_error(error: RegistrationError) -> PyErr {
    let message = error.to_string();
    match error {
        RegistrationError::Timeout { .. } => DeadlineExceededError::new_err(message),
        RegistrationError::BootstrapRefused(_) => AuthError::new_err(message),
        RegistrationError::Config(_) => ConfigError::new_err(message),
        _ => C8yError::new_err(message),
    }
}

/// Raised when a client is used in a process other than the one that created it.
pub(crate) fn forked() -> PyErr {
    ForkedError::new_err(
        "this client was created in another process (before fork()); create a new client in this process",
    )
}

/// Raised by blocking calls made from an event callback.
pub(crate) fn in_callback(what: &str) -> PyErr {
    InCallbackError::new_err(format!(
        "{what} blocks and cannot be called from an event callback (the SDK's dispatcher thread)"
    ))
}

/// The client is closed.
pub(crate) fn closed() -> PyErr {
    ClientClosedError::new_err("client closed")
}

/// The Python exception for a failed HTTP call or file transfer: `HttpError` for error statuses
/// and failed checks, `ConnectError` for the network, `AuthError` for refused credentials.
pub(crate) fn http_error(error: c8y_mqtt::http::HttpError) -> PyErr {
    use c8y_mqtt::http::HttpError as E;
    let message = error.to_string();
    match error {
        E::Config(_) => ConfigError::new_err(message),
        E::Url { .. } => PyValueError::new_err(message),
        E::Network { .. } => PyConnectError::new_err(message),
        E::Unauthorized { .. } => AuthError::new_err(message),
        E::TokenTimeout(_) => DeadlineExceededError::new_err(message),
        E::Token(error) => client_error(error),
        E::Closed => ClientClosedError::new_err(message),
        _ => HttpError::new_err(message),
    }
}
