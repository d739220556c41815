//! The one table of result codes shared by every face of the SDK: the C ABI returns them as
//! `c8y_result` (`C8Y_RESULT_<NAME>`), the Python package names them in
//! `c8y_mqtt.errors.RESULT_CODES` and as the `code` of its exception classes.
//!
//! Codes are grouped by family in hundreds: 1xx arguments, 2xx state, 3xx network, TLS,
//! authentication and files, 4xx Cumulocity protocol, 9xx internal. They are never renumbered
//! nor reused. Which code an error gets is decided here, once, by the `result_code` methods of
//! the core's error types ([`ClientError::result_code`], [`ConnectError::result_code`], ...).

use crate::client::{
    ClientError, ConfigError, ConnackRefusal, ConnectError, DropReason, FlushTimeout, PersistenceError,
    RegistrationError,
};
use std::ffi::CStr;

use crate::templates::TemplateError;

/// Declares [`ResultCode`] and its table from one list of rows.
macro_rules! result_codes {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $number:literal, $c_name:literal, $name:literal, $python:expr, $text:literal;
    )*) => {
        /// A result code (see the module docs). The discriminant is the code's number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #[repr(u32)]
        pub enum ResultCode {
            $( $(#[doc = $doc])* $variant = $number, )*
        }

        impl ResultCode {
            /// Every code, in increasing order.
            pub const ALL: &'static [ResultCode] = &[$(ResultCode::$variant),*];

            /// The code's name in the C header, e.g. `C8Y_RESULT_NETWORK`.
            pub fn c_name(self) -> &'static str {
                match self { $(ResultCode::$variant => $c_name,)* }
            }

            /// The code's name in Python's `c8y_mqtt.errors.RESULT_CODES`, e.g. `NETWORK` (the C
            /// name without its `C8Y_RESULT_` prefix).
            pub fn name(self) -> &'static str {
                match self { $(ResultCode::$variant => $name,)* }
            }

            /// The Python exception class raised for this code: a class of `c8y_mqtt.errors`
            /// whose `code` is this number, `"ValueError"` for argument errors, `None` for
            /// codes only the C ABI returns (and for `OK`).
            pub fn python_exception(self) -> Option<&'static str> {
                match self { $(ResultCode::$variant => $python,)* }
            }

            /// A short English description, e.g. `"network error"` (C's `c8y_result_str`).
            pub fn description(self) -> &'static str {
                match self { $(ResultCode::$variant => $text,)* }
            }

            /// [`description`](Self::description) NUL-terminated, for the C ABI.
            pub fn c_description(self) -> &'static CStr {
                let text: &'static str = match self { $(ResultCode::$variant => concat!($text, "\0"),)* };
                CStr::from_bytes_with_nul(text.as_bytes()).unwrap_or(c"")
            }
        }
    };
}

result_codes! {
    /// Success.
    Ok = 0, "C8Y_RESULT_OK", "OK", None, "OK";
    /// A required pointer argument was NULL.
    NullParameter = 100, "C8Y_RESULT_NULL_PARAMETER", "NULL_PARAMETER", Some("ValueError"), "NULL parameter";
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 101, "C8Y_RESULT_INVALID_UTF8", "INVALID_UTF8", Some("ValueError"), "invalid UTF-8";
    /// An argument has a value that cannot be used (an out-of-range enum value, a bad id, bad
    /// JSON, a number that is not finite, an unparsable date).
    InvalidArgument = 102, "C8Y_RESULT_INVALID_ARGUMENT", "INVALID_ARGUMENT", Some("ValueError"), "invalid argument";
    /// The caller's buffer is too small; the needed size was written to the size output.
    BufferTooSmall = 103, "C8Y_RESULT_BUFFER_TOO_SMALL", "BUFFER_TOO_SMALL", None, "buffer too small";
    /// The options do not form a valid configuration (missing credentials, bad PEM, ...).
    InvalidConfig = 104, "C8Y_RESULT_INVALID_CONFIG", "INVALID_CONFIG", Some("ConfigError"), "invalid configuration";
    /// The client is not connected (yet).
    NotConnected = 200, "C8Y_RESULT_NOT_CONNECTED", "NOT_CONNECTED", Some("NotConnectedError"), "not connected";
    /// The client was closed (or, for `c8y_client_next_event`, closed and every event taken).
    Closed = 201, "C8Y_RESULT_CLOSED", "CLOSED", Some("ClientClosedError"), "client closed";
    /// Nothing happened within the timeout.
    Timeout = 202, "C8Y_RESULT_TIMEOUT", "TIMEOUT", Some("DeadlineExceededError"), "timeout";
    /// The outbox is full and its overflow policy rejects new messages.
    QueueFull = 203, "C8Y_RESULT_QUEUE_FULL", "QUEUE_FULL", Some("QueueFullError"), "outbox full";
    /// A blocking call (next_event, flush, close, free, wait, register) was made from inside
    /// an event callback, on the dispatcher thread.
    InCallback = 204, "C8Y_RESULT_IN_CALLBACK", "IN_CALLBACK", Some("InCallbackError"), "blocking call inside an event callback";
    /// The client was created in another process: this process is a fork child.
    Forked = 205, "C8Y_RESULT_FORKED", "FORKED", Some("ForkedError"), "client used in a forked child process";
    /// The client stopped on a fatal connection error other than a refused login (which is
    /// `Auth`): an untrusted server certificate, a refused client id or protocol version.
    Stopped = 206, "C8Y_RESULT_STOPPED", "STOPPED", Some("StoppedError"), "client stopped on a fatal connection error";
    /// `c8y_client_next_event` was called while an event callback is installed.
    CallbackInstalled = 207, "C8Y_RESULT_CALLBACK_INSTALLED", "CALLBACK_INSTALLED", None, "an event callback is installed";
    /// The event is not of the kind this call needs (e.g. a lifecycle call on a non-operation).
    WrongEventKind = 208, "C8Y_RESULT_WRONG_EVENT_KIND", "WRONG_EVENT_KIND", None, "wrong event kind";
    /// Another logger (a `tracing` subscriber) is already installed in the process: logs go
    /// there and `c8y_set_log_callback` cannot capture them.
    LoggerInstalled = 209, "C8Y_RESULT_LOGGER_INSTALLED", "LOGGER_INSTALLED", None, "another logger is installed";
    /// A network error (connection refused, reset, DNS).
    Network = 300, "C8Y_RESULT_NETWORK", "NETWORK", Some("ConnectError"), "network error";
    /// TLS failed (untrusted certificate, name mismatch, handshake).
    Tls = 301, "C8Y_RESULT_TLS", "TLS", Some("TlsError"), "TLS error";
    /// The platform refused the login (bad credentials, not authorized).
    Auth = 302, "C8Y_RESULT_AUTH", "AUTH", Some("AuthError"), "authentication refused";
    /// The HTTP CONNECT proxy failed.
    Proxy = 303, "C8Y_RESULT_PROXY", "PROXY", Some("ProxyError"), "proxy error";
    /// A file could not be read or written (persistence directory, credentials file).
    Io = 304, "C8Y_RESULT_IO", "IO", Some("FileError"), "file error";
    /// Bootstrap registration failed or timed out.
    Registration = 305, "C8Y_RESULT_REGISTRATION", "REGISTRATION", Some("RegistrationError"), "bootstrap registration failed";
    /// A platform HTTP call or file transfer failed: an error status, an unexpected answer, or
    /// a download that failed its size or checksum check.
    Http = 306, "C8Y_RESULT_HTTP", "HTTP", Some("HttpError"), "HTTP request or file transfer failed";
    /// The message exceeds Cumulocity's 16 184-byte MQTT packet limit; nothing was queued.
    MessageTooLarge = 400, "C8Y_RESULT_MESSAGE_TOO_LARGE", "MESSAGE_TOO_LARGE", Some("MessageTooLargeError"), "message too large";
    /// The platform rejected a SmartREST message.
    SmartrestRejected = 401, "C8Y_RESULT_SMARTREST_REJECTED", "SMARTREST_REJECTED", Some("SmartRestError"), "SmartREST message rejected";
    /// The values do not form a valid template row (missing mandatory field, wrong type, an
    /// unknown static template id, a use line that does not fit its request template).
    InvalidTemplate = 402, "C8Y_RESULT_INVALID_TEMPLATE", "INVALID_TEMPLATE", Some("ValueError"), "invalid template values";
    /// No SmartREST 2.0 collection or request template with this id is registered.
    UnknownTemplate = 403, "C8Y_RESULT_UNKNOWN_TEMPLATE", "UNKNOWN_TEMPLATE", Some("ValueError"), "unknown template";
    /// A panic was caught (a bug in the library), at the C boundary or in the client's
    /// background task.
    Panic = 900, "C8Y_RESULT_PANIC", "PANIC", Some("C8yError"), "panic";
    /// An internal error (the runtime could not start, ...).
    Internal = 901, "C8Y_RESULT_INTERNAL", "INTERNAL", Some("InternalError"), "internal error";
}

impl ResultCode {
    /// The code's number.
    pub fn number(self) -> u32 {
        self as u32
    }

    /// The code with this number, if there is one.
    pub fn from_number(number: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|code| code.number() == number)
    }
}

impl ClientError {
    /// The result code of this error. A client stopped by a refused login is `Auth`, by a panic
    /// in its background task `Panic`, by any other fatal error `Stopped`.
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::MessageTooLarge { .. } => ResultCode::MessageTooLarge,
            Self::Template(error) => error.result_code(),
            Self::UseLine(_) => ResultCode::InvalidTemplate,
            Self::OutboxFull { .. } => ResultCode::QueueFull,
            Self::Id(_) | Self::Topic(_) | Self::Json(_) => ResultCode::InvalidArgument,
            Self::Closed => ResultCode::Closed,
            Self::Stopped(cause) => match cause.result_code() {
                code @ (ResultCode::Auth | ResultCode::Panic) => code,
                _ => ResultCode::Stopped,
            },
            Self::Config(error) => error.result_code(),
            Self::Timeout(_) | Self::ConnectTimeout { .. } => ResultCode::Timeout,
            Self::Persistence(error) => error.result_code(),
            Self::UnknownTemplate { .. } => ResultCode::UnknownTemplate,
            Self::NoRuntime | Self::Runtime(_) => ResultCode::Internal,
        }
    }
}

impl ConnectError {
    /// The result code of this connection error: `Auth` for a refused login, `Tls`, `Proxy`,
    /// `Timeout`, `Panic` for a panic in the background task, `Network` otherwise.
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::Refused {
                refusal: ConnackRefusal::BadCredentials | ConnackRefusal::NotAuthorized,
            } => ResultCode::Auth,
            Self::Tls(_) | Self::TlsUntrusted(_) => ResultCode::Tls,
            Self::Proxy(_) => ResultCode::Proxy,
            Self::Timeout(_) => ResultCode::Timeout,
            Self::Internal(_) => ResultCode::Panic,
            _ => ResultCode::Network,
        }
    }
}

impl ConfigError {
    /// Always `InvalidConfig`.
    pub fn result_code(&self) -> ResultCode {
        ResultCode::InvalidConfig
    }
}

impl TemplateError {
    /// `MessageTooLarge` for a row over the packet limit, `InvalidTemplate` otherwise.
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::TooLarge { .. } => ResultCode::MessageTooLarge,
            _ => ResultCode::InvalidTemplate,
        }
    }
}

impl PersistenceError {
    /// Always `Io`.
    pub fn result_code(&self) -> ResultCode {
        ResultCode::Io
    }
}

impl FlushTimeout {
    /// Always `Timeout`.
    pub fn result_code(&self) -> ResultCode {
        ResultCode::Timeout
    }
}

impl RegistrationError {
    /// `InvalidConfig` for a bootstrap configuration that cannot be used, `Registration` for
    /// every other failure (timeout, refused bootstrap login, unwritable credentials file).
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::Config(_) => ResultCode::InvalidConfig,
            _ => ResultCode::Registration,
        }
    }
}

impl DropReason {
    /// The result code of a delivery given up for this reason: `QueueFull`, `Closed`,
    /// `Stopped`, or `Internal` (a collection that could not be created).
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::Overflow => ResultCode::QueueFull,
            Self::Closed => ResultCode::Closed,
            Self::Stopped => ResultCode::Stopped,
            Self::CollectionFailed => ResultCode::Internal,
        }
    }
}

#[cfg(feature = "http")]
impl crate::http::HttpError {
    /// The result code of a failed HTTP call: the client error's code for a token that could
    /// not be had over MQTT, `Network`, `Auth`, `Timeout`, `Io`, `Closed`, `InvalidConfig`,
    /// `InvalidArgument` for a bad URL, `Http` for everything else.
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::Config(_) => ResultCode::InvalidConfig,
            Self::Url { .. } => ResultCode::InvalidArgument,
            Self::Network { .. } => ResultCode::Network,
            Self::Unauthorized { .. } => ResultCode::Auth,
            Self::TokenTimeout(_) => ResultCode::Timeout,
            Self::Token(client) => client.result_code(),
            Self::Io { .. } => ResultCode::Io,
            Self::Closed => ResultCode::Closed,
            _ => ResultCode::Http,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_unique_and_consistently_named() {
        for pair in ResultCode::ALL.windows(2) {
            assert!(pair[0].number() < pair[1].number(), "{pair:?}");
        }
        for &code in ResultCode::ALL {
            assert_eq!(code.c_name(), format!("C8Y_RESULT_{}", code.name()));
            assert_eq!(ResultCode::from_number(code.number()), Some(code));
            assert_eq!(code.c_description().to_str(), Ok(code.description()));
            let family = code.number() / 100;
            assert!([0, 1, 2, 3, 4, 9].contains(&family), "{code:?}");
        }
        assert_eq!(ResultCode::from_number(999), None);
    }

    #[test]
    fn errors_map_to_their_codes() {
        let refused = |refusal| ConnectError::Refused { refusal };
        assert_eq!(
            ClientError::Stopped(refused(ConnackRefusal::BadCredentials)).result_code(),
            ResultCode::Auth
        );
        assert_eq!(
            ClientError::Stopped(ConnectError::TlsUntrusted("x".into())).result_code(),
            ResultCode::Stopped
        );
        assert_eq!(
            ClientError::Stopped(ConnectError::Internal("x".into())).result_code(),
            ResultCode::Panic
        );
        assert_eq!(ConnectError::Io("x".into()).result_code(), ResultCode::Network);
        assert_eq!(
            ClientError::Config(ConfigError::Missing("host")).result_code(),
            ResultCode::InvalidConfig
        );
        assert_eq!(
            RegistrationError::Config(ConfigError::Missing("host")).result_code(),
            ResultCode::InvalidConfig
        );
        assert_eq!(DropReason::Overflow.result_code(), ResultCode::QueueFull);
    }
}
