//! Result codes (`c8y_result`), the calling thread's last error message
//! (`c8y_last_error_message`) and static code names (`c8y_result_str`).

use std::cell::RefCell;
use std::ffi::c_char;
use std::fmt;

use c8y_mqtt::client::{ClientError, ConfigError, FlushTimeout, RegistrationError};
#[cfg(feature = "http")]
use c8y_mqtt::http::HttpError;
use c8y_mqtt::result_code::ResultCode;
use c8y_mqtt::templates::TemplateError;

/// The result of every fallible function: `C8Y_RESULT_OK` (0) or an error code, grouped by
/// family in hundreds: 1xx arguments, 2xx state, 3xx network, TLS, authentication and files,
/// 4xx Cumulocity protocol, 9xx internal. Codes are never renumbered nor reused, and are the
/// same numbers the Python package reports (`c8y_mqtt.errors.RESULT_CODES`). The detail of
/// the last failure on this thread is read with `c8y_last_error_message`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 100,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 101,
    /// An argument has a value that cannot be used (an out-of-range enum value, a bad id, bad
    /// JSON, a number that is not finite, an unparsable date).
    InvalidArgument = 102,
    /// The caller's buffer is too small; the needed size was written to the size output.
    BufferTooSmall = 103,
    /// The options do not form a valid configuration (missing credentials, bad PEM, ...).
    InvalidConfig = 104,
    /// The client is not connected (yet).
    NotConnected = 200,
    /// The client was closed (or, for `c8y_client_next_event`, closed and every event taken).
    Closed = 201,
    /// Nothing happened within the timeout.
    Timeout = 202,
    /// The outbox is full and its overflow policy rejects new messages.
    QueueFull = 203,
    /// A blocking call (next_event, flush, close, free, wait, register) was made from inside
    /// an event callback, on the dispatcher thread.
    InCallback = 204,
    /// The client was created in another process: this process is a fork child.
    Forked = 205,
    /// The client stopped on a fatal connection error other than a refused login (which is
    /// `C8Y_RESULT_AUTH`): an untrusted server certificate, a refused client id or protocol.
    Stopped = 206,
    /// `c8y_client_next_event` was called while an event callback is installed.
    CallbackInstalled = 207,
    /// The event is not of the kind this call needs (e.g. a lifecycle call on a non-operation).
    WrongEventKind = 208,
    /// Another logger (a `tracing` subscriber) is already installed in the process: logs go
    /// there and `c8y_set_log_callback` cannot capture them.
    LoggerInstalled = 209,
    /// A network error (connection refused, reset, DNS).
    Network = 300,
    /// TLS failed (untrusted certificate, name mismatch, handshake).
    Tls = 301,
    /// The platform refused the login (bad credentials, not authorized).
    Auth = 302,
    /// The HTTP CONNECT proxy failed.
    Proxy = 303,
    /// A file could not be read or written (persistence directory, credentials file).
    Io = 304,
    /// Bootstrap registration failed or timed out.
    Registration = 305,
    /// A platform HTTP call or file transfer failed: an error status, an unexpected answer, or
    /// a download that failed its size or checksum check.
    Http = 306,
    /// The message exceeds Cumulocity's 16 184-byte MQTT packet limit; nothing was queued.
    MessageTooLarge = 400,
    /// The platform rejected a SmartREST message.
    SmartrestRejected = 401,
    /// The values do not form a valid template row (missing mandatory field, wrong type, an
    /// unknown static template id, a use line that does not fit its request template).
    InvalidTemplate = 402,
    /// No SmartREST 2.0 collection or request template with this id is registered.
    UnknownTemplate = 403,
    /// A panic was caught (a bug in the library), at the C boundary or in the client's
    /// background task.
    Panic = 900,
    /// An internal error (the runtime could not start, ...).
    Internal = 901,
}

/// Every code, for the conversion from the core's [`ResultCode`] and the tests.
pub(crate) const RESULTS: &[c8y_result] = &[
    c8y_result::Ok,
    c8y_result::NullParameter,
    c8y_result::InvalidUtf8,
    c8y_result::InvalidArgument,
    c8y_result::BufferTooSmall,
    c8y_result::InvalidConfig,
    c8y_result::NotConnected,
    c8y_result::Closed,
    c8y_result::Timeout,
    c8y_result::QueueFull,
    c8y_result::InCallback,
    c8y_result::Forked,
    c8y_result::Stopped,
    c8y_result::CallbackInstalled,
    c8y_result::WrongEventKind,
    c8y_result::LoggerInstalled,
    c8y_result::Network,
    c8y_result::Tls,
    c8y_result::Auth,
    c8y_result::Proxy,
    c8y_result::Io,
    c8y_result::Registration,
    c8y_result::Http,
    c8y_result::MessageTooLarge,
    c8y_result::SmartrestRejected,
    c8y_result::InvalidTemplate,
    c8y_result::UnknownTemplate,
    c8y_result::Panic,
    c8y_result::Internal,
];

impl From<ResultCode> for c8y_result {
    /// The C value of a core code: the same number (checked for every code by the tests).
    fn from(code: ResultCode) -> Self {
        RESULTS
            .iter()
            .copied()
            .find(|result| *result as u32 == code.number())
            .unwrap_or(c8y_result::Internal)
    }
}

/// An error of one call: its code and the detail message stored as the thread's last error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The code returned to C.
    pub code: c8y_result,
    /// The detail (with its `caused by:` chain).
    pub message: String,
}

impl Error {
    /// An error with this code and message.
    pub fn new(code: c8y_result, message: impl fmt::Display) -> Self {
        Self {
            code,
            message: message.to_string(),
        }
    }

    /// `name` was NULL.
    pub fn null(name: &str) -> Self {
        Self::new(c8y_result::NullParameter, format!("{name} is NULL"))
    }

    /// An invalid argument `name`.
    pub fn invalid(name: &str, why: impl fmt::Display) -> Self {
        Self::new(c8y_result::InvalidArgument, format!("{name}: {why}"))
    }

    /// A Rust error with its source chain.
    pub fn chain(code: c8y_result, error: &dyn std::error::Error) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str("\ncaused by: ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self { code, message }
    }
}

impl From<ClientError> for Error {
    fn from(error: ClientError) -> Self {
        Self::chain(error.result_code().into(), &error)
    }
}

impl From<TemplateError> for Error {
    fn from(error: TemplateError) -> Self {
        ClientError::from(error).into()
    }
}

#[cfg(feature = "http")]
impl From<HttpError> for Error {
    fn from(error: HttpError) -> Self {
        match error {
            HttpError::Token(client) => client.into(),
            error => Self::chain(error.result_code().into(), &error),
        }
    }
}

impl From<RegistrationError> for Error {
    fn from(error: RegistrationError) -> Self {
        Self::chain(error.result_code().into(), &error)
    }
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Self {
        Self::chain(error.result_code().into(), &error)
    }
}

impl From<FlushTimeout> for Error {
    fn from(error: FlushTimeout) -> Self {
        Self::chain(error.result_code().into(), &error)
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Stores `message` as this thread's last error.
pub(crate) fn set_last_error(message: &str) {
    LAST_ERROR.with(|last| {
        let mut last = last.borrow_mut();
        last.clear();
        last.push_str(message);
    });
}

/// This thread's last error message (for tests and the Rust side).
pub fn last_error() -> String {
    LAST_ERROR.with(|last| last.borrow().clone())
}

/// Copies the calling thread's last error message (with its `caused by:` chain, lines separated
/// by `\n`) into `buf` and returns its full length in bytes without the terminating NUL, like
/// `snprintf`: when the result is `>= len` the message was cut (at a UTF-8 character boundary)
/// to fit. `buf` is always NUL-terminated when `len > 0`. Pass `buf` NULL and `len` 0 to learn
/// the length. Every failing function sets the message; success does not clear it (like
/// `errno`). Returns 0 when no error happened on this thread yet.
///
/// Thread: any; each thread has its own message.
///
/// # Safety
/// `buf` must be NULL or point to at least `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_last_error_message(buf: *mut c_char, len: usize) -> usize {
    crate::boundary::guard_or(0, || {
        let message = last_error();
        if !buf.is_null() && len > 0 {
            let mut n = message.len().min(len - 1);
            while !message.is_char_boundary(n) {
                n -= 1;
            }
            // SAFETY: the caller guarantees `len` writable bytes at `buf`; `n < len`.
            unsafe {
                std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        Some(message.len())
    })
}

/// A static, NUL-terminated English name of a result code, e.g. `"timeout"` for
/// `C8Y_RESULT_TIMEOUT`; `"unknown result code"` for a value that is no code. Takes `uint32_t`
/// (not `c8y_result`) so that any integer is safe to pass. Never NULL; never free it.
///
/// Thread: any.
///
/// # Safety
/// None: any value is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_result_str(code: u32) -> *const c_char {
    let unknown = c"unknown result code".as_ptr();
    crate::boundary::guard_or(unknown, || {
        Some(ResultCode::from_number(code).map_or(unknown, |code| code.c_description().as_ptr()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn codes_are_unique_and_grouped() {
        let mut seen = std::collections::HashSet::new();
        for code in RESULTS {
            assert!(seen.insert(*code as u32), "{code:?} twice");
            // SAFETY: any value is accepted.
            let text = unsafe { CStr::from_ptr(c8y_result_str(*code as u32)) };
            assert_ne!(text, c"unknown result code", "{code:?}");
        }
        assert_eq!(c8y_result::Ok as u32, 0);
        assert_eq!(c8y_result::Timeout as u32, 202);
        assert_eq!(c8y_result::Panic as u32, 900);
    }

    /// The C enum is the core's table: the same numbers under the same names (read from the
    /// generated header), and every core code converts to the C value of its number.
    #[test]
    fn the_c_enum_is_the_core_table() {
        let core: Vec<(String, u32)> = ResultCode::ALL
            .iter()
            .map(|code| (code.c_name().to_owned(), code.number()))
            .collect();
        let header = include_str!("../../include/c8y_mqtt.h");
        let enum_body = header
            .split("enum c8y_result\n")
            .nth(1)
            .and_then(|rest| rest.split("};").next())
            .expect("the c8y_result enum in the header");
        let c: Vec<(String, u32)> = enum_body
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("C8Y_RESULT_"))
            .map(|line| {
                let (name, number) = line
                    .trim_end_matches(',')
                    .split_once(" = ")
                    .expect("NAME = number");
                (name.to_owned(), number.parse().expect("a number"))
            })
            .collect();
        assert_eq!(
            c, core,
            "the header's c8y_result and the core's ResultCode differ"
        );
        let numbers: Vec<u32> = RESULTS.iter().map(|result| *result as u32).collect();
        let core_numbers: Vec<u32> = ResultCode::ALL.iter().map(|code| code.number()).collect();
        assert_eq!(numbers, core_numbers);
        for &code in ResultCode::ALL {
            assert_eq!(c8y_result::from(code) as u32, code.number(), "{code:?}");
            // SAFETY: any value is accepted.
            let text = unsafe { CStr::from_ptr(c8y_result_str(code.number())) };
            assert_eq!(text, code.c_description());
        }
    }

    #[test]
    fn out_of_range_codes_have_a_name() {
        for code in [1, 99, 104_000, 999, u32::MAX] {
            // SAFETY: any value is accepted.
            let text = unsafe { CStr::from_ptr(c8y_result_str(code)) };
            assert_eq!(text, c"unknown result code");
        }
    }

    #[test]
    fn last_error_is_copied_like_snprintf() {
        set_last_error("héllo: caused");
        let full = "héllo: caused".len();
        // SAFETY: NULL with len 0 is allowed.
        assert_eq!(unsafe { c8y_last_error_message(std::ptr::null_mut(), 0) }, full);
        let mut buf = [0x55 as c_char; 3];
        // SAFETY: 3 writable bytes.
        let n = unsafe { c8y_last_error_message(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(n, full, "the full length, although cut");
        // "h" then 'é' (2 bytes) does not fit in 2 bytes: cut at the char boundary
        // SAFETY: NUL-terminated by the call.
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }, c"h");
        let mut buf = [0 as c_char; 64];
        // SAFETY: 64 writable bytes.
        unsafe { c8y_last_error_message(buf.as_mut_ptr(), buf.len()) };
        // SAFETY: NUL-terminated by the call.
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
        assert_eq!(text.to_str().unwrap(), "héllo: caused");
    }
}
