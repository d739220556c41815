//! The client's typed errors: configuration problems ([`ConfigError`]), errors returned at a call
//! ([`ClientError`]), why a connection failed or was refused ([`ConnectError`], [`ConnackRefusal`])
//! and a flush that did not finish ([`FlushTimeout`]).

use std::time::Duration;

use crate::templates::TemplateError;
use crate::topic::{ClientIdError, IdError, TopicError};

use super::delivery::DeliveryId;

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A mandatory setting is missing (for example the host or the device id).
    #[error("missing setting: {0}")]
    Missing(&'static str),
    /// The device id is not a valid Cumulocity device identifier.
    #[error("invalid device id: {0}")]
    DeviceId(IdError),
    /// The client id cannot be formed (device id plus default X-ID).
    #[error("invalid client id: {0}")]
    ClientId(ClientIdError),
    /// An X-ID (default or subscribed collection) is invalid.
    #[error("invalid X-ID: {0}")]
    XId(IdError),
    /// A setting has a value that cannot be used.
    #[error("invalid value for {name}: {reason}")]
    Invalid {
        /// The setting (or environment variable) name.
        name: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A PEM input (CA, certificate, key) holds nothing usable.
    #[error("invalid PEM for {what}: {reason}")]
    Pem {
        /// Which input.
        what: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// The system trust store could not be read or is empty.
    #[error("system trust roots unavailable: {0}")]
    SystemRoots(String),
    /// A setting this version accepts in the configuration but does not implement yet.
    #[error("not supported yet: {0}")]
    Unsupported(&'static str),
}

/// Why the platform refused a CONNECT (CONNACK return code, docs/protocol.md §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnackRefusal {
    /// 1: the protocol version is not accepted.
    UnsupportedProtocol,
    /// 2: the client id was rejected.
    ClientIdRejected,
    /// 3: server unavailable (transient; retried).
    ServerUnavailable,
    /// 4: bad user name or password.
    BadCredentials,
    /// 5: not authorized (device-side problem, certificate problem, permissions).
    NotAuthorized,
}

impl ConnackRefusal {
    /// The CONNACK return code.
    pub fn code(self) -> u8 {
        match self {
            Self::UnsupportedProtocol => 1,
            Self::ClientIdRejected => 2,
            Self::ServerUnavailable => 3,
            Self::BadCredentials => 4,
            Self::NotAuthorized => 5,
        }
    }

    /// Whether reconnecting can help. Only "server unavailable" is transient; every other
    /// refusal needs a configuration change, so the client stops instead of retrying.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::ServerUnavailable)
    }
}

/// Why a connection attempt failed or an established connection ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The platform answered CONNACK with a refusal.
    #[error("connection refused by the platform: {refusal:?} (CONNACK {code})", code = refusal.code())]
    Refused {
        /// The refusal.
        refusal: ConnackRefusal,
    },
    /// TLS failed: the server certificate is not trusted, the name does not match, the handshake
    /// failed.
    #[error("TLS: {0}")]
    Tls(String),
    /// The server's certificate failed verification (unknown issuer, expired, wrong name): a
    /// configuration or deployment problem that retrying cannot fix, so the client stops.
    #[error("TLS: the server's certificate is not trusted: {0}")]
    TlsUntrusted(String),
    /// The WebSocket handshake failed.
    #[error("WebSocket: {0}")]
    WebSocket(String),
    /// A network error (connection refused, reset, DNS).
    #[error("network: {0}")]
    Io(String),
    /// No answer in time (connect timeout, keep-alive, flush).
    #[error("timeout: {0}")]
    Timeout(String),
    /// The server broke the MQTT protocol, or the client's MQTT state failed.
    #[error("MQTT protocol: {0}")]
    Protocol(String),
    /// The HTTP CONNECT proxy could not be reached or refused the tunnel.
    #[error("proxy: {0}")]
    Proxy(String),
    /// The platform refused these subscriptions (SUBACK `0x80`); the client retries them.
    #[error("subscriptions refused: {}", topics.join(", "))]
    SubscriptionsRefused {
        /// The refused topic filters.
        topics: Vec<String>,
    },
    /// The client's background task failed (a panic: a bug in the SDK). The client stopped;
    /// the text is the panic message.
    #[error("internal error in the client's background task: {0}")]
    Internal(String),
}

impl ConnectError {
    /// Whether the client stops instead of reconnecting: every CONNACK refusal except
    /// "server unavailable" (CONNACK 5 after a few retries, see
    /// [`ConfigBuilder::not_authorized_retries`](super::ConfigBuilder::not_authorized_retries)),
    /// and an untrusted server certificate. Network errors, timeouts and other TLS failures
    /// (a reset during the handshake) may pass and are retried.
    pub fn is_fatal(&self) -> bool {
        match self {
            Self::Refused { refusal } => !refusal.is_transient(),
            Self::TlsUntrusted(_) => true,
            _ => false,
        }
    }
}

/// An error returned at a call (publish, child handles, close). Nothing was queued when a
/// publish returns one, so the caller decides what to do with the message.
///
/// ```no_run
/// # fn run(client: &c8y_mqtt::client::BlockingClient) {
/// use c8y_mqtt::client::ClientError;
/// use c8y_mqtt::templates::upstream::Temperature;
///
/// match client.publish(Temperature::new(21)) {
///     Ok(delivery) => println!("queued as {:?}", delivery.id()),
///     Err(ClientError::OutboxFull { messages, .. }) => eprintln!("{messages} queued: try later"),
///     Err(ClientError::MessageTooLarge { size, limit }) => eprintln!("{size} > {limit} bytes"),
///     Err(other) => eprintln!("not sent: {other}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The message does not fit one MQTT packet (Cumulocity's 16 184-byte limit). Nothing was
    /// queued.
    #[error("message of {size} bytes exceeds the {limit}-byte MQTT packet limit")]
    MessageTooLarge {
        /// PUBLISH packet size the message would need.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A template value could not be rendered (an invalid value).
    #[error("{0}")]
    Template(TemplateError),
    /// The outbox is full and the overflow policy is
    /// [`OverflowPolicy::Reject`](super::OverflowPolicy::Reject), or the message alone exceeds
    /// the outbox limits (under any policy). Nothing was queued.
    #[error("outbox full ({messages} messages, {bytes} bytes queued)")]
    OutboxFull {
        /// Messages queued.
        messages: usize,
        /// Payload bytes queued.
        bytes: usize,
    },
    /// A topic or external id is invalid.
    #[error("invalid id: {0}")]
    Id(IdError),
    /// A topic is not a Cumulocity upstream topic.
    #[error("invalid topic: {0}")]
    Topic(TopicError),
    /// The client was closed.
    #[error("client closed")]
    Closed,
    /// The client stopped on a fatal connection error (for example bad credentials).
    #[error("client stopped: {0}")]
    Stopped(ConnectError),
    /// No tokio runtime is running on this thread (the async client needs one; use
    /// [`BlockingClient`](super::BlockingClient) otherwise).
    #[error("no tokio runtime on this thread")]
    NoRuntime,
    /// The runtime of the blocking client could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(String),
    /// The configuration cannot be used.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A wait did not finish in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// [`Client::wait_connected`](super::Client::wait_connected) timed out; the last
    /// connection error (refused, unreachable, subscriptions refused) is the source, when there
    /// was one.
    #[error("not connected after {timeout:?}")]
    ConnectTimeout {
        /// How long the call waited.
        timeout: Duration,
        /// Why the last connection attempt failed, if one did.
        #[source]
        last_error: Option<ConnectError>,
    },
    /// The persistence directory could not be read or written; with a publish, nothing was
    /// queued.
    #[error("{0}")]
    Persistence(super::persistence::PersistenceError),
    /// A SmartREST 2.0 use line does not fit its request template.
    #[error("{0}")]
    UseLine(crate::smartrest2::UseError),
    /// No request template with this message id in a collection registered with the client.
    #[error("no request template {msg_id} in collection {xid}")]
    UnknownTemplate {
        /// The collection's X-ID.
        xid: String,
        /// The message id.
        msg_id: String,
    },
    /// A JSON payload could not be serialized.
    #[error("JSON: {0}")]
    Json(String),
}

impl From<TemplateError> for ClientError {
    fn from(error: TemplateError) -> Self {
        match error {
            TemplateError::TooLarge { size, limit, .. } => Self::MessageTooLarge { size, limit },
            other => Self::Template(other),
        }
    }
}

/// [`flush`](super::Client::flush) ended before every message was confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} message(s) not confirmed within {timeout:?}", pending.len())]
pub struct FlushTimeout {
    /// How long the flush waited.
    pub timeout: Duration,
    /// The deliveries still pending, oldest first.
    pub pending: Vec<DeliveryId>,
}
