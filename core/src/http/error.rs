//! [`HttpError`]: every way a platform HTTP call, a download or an upload can fail. Messages
//! name the URL without its query (a query may carry a signature) and never a credential.

use std::time::Duration;

use crate::client::{ClientError, ConfigError};

/// Why an HTTP call, download or upload failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The HTTP client cannot be built (base URL, TLS roots).
    #[error("HTTP configuration: {0}")]
    Config(#[from] ConfigError),
    /// The URL cannot be used.
    #[error("invalid URL {url:?}: {reason}")]
    Url {
        /// The URL as given (without its query).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The request could not be sent or its answer not read (connection, TLS, timeout), after
    /// every attempt.
    #[error("request to {url} failed after {attempts} attempt(s): {reason}")]
    Network {
        /// The URL (without its query).
        url: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last error.
        reason: String,
    },
    /// The server answered with an error status (after the retries a 5xx gets).
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL (without its query).
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The platform refused the device's credentials (401, also after one token refresh).
    #[error("{url}: the platform refused the device's credentials (HTTP 401)")]
    Unauthorized {
        /// The URL (without its query).
        url: String,
    },
    /// No access token could be had over MQTT (`s/uat`).
    #[error("no access token: {0}")]
    Token(ClientError),
    /// No access token arrived in time.
    #[error("no access token within {0:?}")]
    TokenTimeout(Duration),
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        reason: String,
    },
    /// The downloaded size differs from the expected or announced one.
    #[error("size mismatch: expected {expected} bytes, got {actual}")]
    Size {
        /// Expected bytes.
        expected: u64,
        /// Bytes received.
        actual: u64,
    },
    /// The SHA-256 of the download differs from the expected one.
    #[error("checksum mismatch: expected sha256 {expected}, got {actual}")]
    Checksum {
        /// Expected hex digest.
        expected: String,
        /// Digest of what arrived.
        actual: String,
    },
    /// The server ignored a resume (`Range`) while writing to a stream that cannot be rewound.
    #[error("{url} cannot resume (no Range support) and the stream cannot be rewound")]
    NoResume {
        /// The URL (without its query).
        url: String,
    },
    /// An answer of the platform could not be read.
    #[error("unexpected answer from {url}: {reason}")]
    Answer {
        /// The URL (without its query).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The device client was closed.
    #[error("client closed")]
    Closed,
}

impl HttpError {
    pub(crate) fn io(path: &std::path::Path, error: impl std::fmt::Display) -> Self {
        Self::Io {
            path: path.display().to_string(),
            reason: error.to_string(),
        }
    }
}

/// The URL as it may be shown: without query and fragment, which can hold signatures.
pub(crate) fn shown(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_password(None);
    let _ = url.set_username("");
    url.to_string()
}
