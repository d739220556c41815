//! Cloud Remote Access: the `530` `c8y_RemoteAccessConnect` operation, driven from EXECUTING to
//! SUCCESSFUL or FAILED, and the tunnels it opens between the platform's remote-access
//! WebSocket and TCP targets on the device's side (docs/protocol.md §13, §11.2).
//!
//! This module owns the rules: which targets may be reached ([`AllowList`]), the order of the
//! steps and the statuses, the reasons of a failure, the events of a tunnel. The WebSocket and
//! the relay live in `tunnel`.
//!
//! Choices (docs/protocol.md §13.4):
//! * **Allow-list**: a target is reached only when its host and port are in the
//!   [`AllowList`] (the host compared as written in the operation, ASCII case ignored, never
//!   resolved). The empty list, the default, refuses everything.
//! * **Statuses**: EXECUTING, then the TCP connection to the target, then the WebSocket, then
//!   SUCCESSFUL as soon as both are open (as thin-edge.io does); the tunnel then runs on in a
//!   task of its own and [`RemoteAccess::handle`] returns. A failure before that is FAILED with
//!   the reason ([`RemoteAccessError`]).
//! * **Tunnels** are independent: several may be open at once (up to
//!   [`RemoteAccessOptions::max_tunnels`]); each ends when either side closes, or when
//!   [`RemoteAccess::close_all`] is called or the last clone of the [`RemoteAccess`] is dropped.
//! * **Events**: [`TunnelEvent::Opened`] and [`TunnelEvent::Closed`] (bytes each way, duration,
//!   why it ended) to every [`RemoteAccess::subscribe`]r.
//! * **Credentials, TLS and proxy** are the device's HTTP ones ([`HttpClient`]): Basic or the
//!   token of a certificate device, the same trust roots, and the configured HTTP proxy
//!   ([`ConfigBuilder::http_proxy`](crate::client::ConfigBuilder::http_proxy)), which the
//!   WebSocket goes through with `CONNECT` (TLS end to end inside it). The target is always
//!   connected directly: it is on the device's side.
//! * The connection key is a secret: it is never logged or shown in an error.

mod tunnel;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};

use crate::client::{Client, ReceivedOperation};
use crate::http::{HttpClient, HttpError};
use crate::templates::downstream::OperationKind;
use crate::workflows::acknowledged;

/// The operation fragment of remote access.
pub const FRAGMENT: &str = "c8y_RemoteAccessConnect";

/// The targets the device may connect to for the platform (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    targets: Vec<(String, u16)>,
}

/// A text that is not an allow-list entry (`host:port`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a remote-access target (host:port): {0:?}")]
pub struct AllowListError(pub String);

impl AllowList {
    /// The empty list: every target is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also allows `host` (as the operation names it: a name or an address) on `port`.
    pub fn allow(mut self, host: impl Into<String>, port: u16) -> Self {
        let host = host.into();
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        if !self.allows(&host, port) {
            self.targets.push((host, port));
        }
        self
    }

    /// Reads `host:port` entries separated by commas, spaces or new lines (`[::1]:22` for an
    /// IPv6 address).
    pub fn parse(text: &str) -> Result<Self, AllowListError> {
        let mut list = Self::new();
        for entry in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            let (host, port) = entry
                .rsplit_once(':')
                .ok_or_else(|| AllowListError(entry.to_owned()))?;
            let port = port.parse().map_err(|_| AllowListError(entry.to_owned()))?;
            if host.is_empty() || (host.contains(':') && !host.starts_with('[')) {
                return Err(AllowListError(entry.to_owned()));
            }
            list = list.allow(host, port);
        }
        Ok(list)
    }

    /// Whether the device may connect to `host` on `port`.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.targets
            .iter()
            .any(|(h, p)| *p == port && h.eq_ignore_ascii_case(host))
    }

    /// The allowed targets, in the order they were added.
    pub fn targets(&self) -> &[(String, u16)] {
        &self.targets
    }
}

/// Limits and timeouts of remote access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAccessOptions {
    /// Most time for the TCP connection to the target, and for the WebSocket handshake (each).
    /// Default 30 s.
    pub connect_timeout: Duration,
    /// Most tunnels open at once; another `530` fails. Default 16.
    pub max_tunnels: usize,
}

impl Default for RemoteAccessOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(30),
            max_tunnels: 16,
        }
    }
}

/// Why a `530` failed; its text is the failure reason sent to the platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteAccessError {
    /// The target is not in the allow-list; nothing was connected.
    #[error("Target {host}:{port} is not allowed on this device")]
    NotAllowed {
        /// The operation's host.
        host: String,
        /// The operation's port.
        port: u16,
    },
    /// As many tunnels as allowed are open.
    #[error("Too many remote access tunnels open ({0})")]
    TooManyTunnels(usize),
    /// The target refused the connection or could not be reached.
    #[error("Connection to target {host}:{port} failed: {reason}")]
    TargetRefused {
        /// The operation's host.
        host: String,
        /// The operation's port.
        port: u16,
        /// The system's error.
        reason: String,
    },
    /// The platform refused the WebSocket, or it could not be opened.
    #[error("Remote access WebSocket failed: {0}")]
    WebSocketRefused(String),
    /// A step took longer than [`RemoteAccessOptions::connect_timeout`].
    #[error("Timed out after {after:?}: {step}")]
    Timeout {
        /// What did not finish.
        step: String,
        /// The timeout.
        after: Duration,
    },
    /// A status update was not acknowledged (the tunnel may still be open).
    #[error("{0}")]
    Status(String),
}

/// A tunnel's identity and counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelInfo {
    /// Unique among the tunnels of one [`RemoteAccess`], from 1.
    pub id: u64,
    /// The external id of the device the operation was for.
    pub device: String,
    /// The platform's operation id, when the rendering carried it.
    pub operation_id: Option<String>,
    /// The target host.
    pub host: String,
    /// The target port.
    pub port: u16,
    /// Bytes relayed from the platform to the target.
    pub bytes_to_target: u64,
    /// Bytes relayed from the target to the platform.
    pub bytes_from_target: u64,
    /// How long the tunnel has been (or was) open.
    pub duration: Duration,
}

/// Why a tunnel ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelEnd {
    /// The target closed its connection.
    TargetClosed,
    /// The platform closed the WebSocket (the operator left).
    PlatformClosed,
    /// [`RemoteAccess::close_all`], or the [`RemoteAccess`] was dropped.
    Closed,
    /// A connection failed.
    Error(String),
}

/// What happened to a tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelEvent {
    /// Both connections are open; the relay runs.
    Opened(TunnelInfo),
    /// The tunnel ended; the counters are final.
    Closed {
        /// The tunnel.
        tunnel: TunnelInfo,
        /// Why.
        end: TunnelEnd,
    },
}

/// The live state of one open tunnel.
#[derive(Debug)]
struct TunnelState {
    id: u64,
    device: String,
    operation_id: Option<String>,
    host: String,
    port: u16,
    opened: Instant,
    to_target: AtomicU64,
    from_target: AtomicU64,
}

impl TunnelState {
    fn info(&self) -> TunnelInfo {
        TunnelInfo {
            id: self.id,
            device: self.device.clone(),
            operation_id: self.operation_id.clone(),
            host: self.host.clone(),
            port: self.port,
            bytes_to_target: self.to_target.load(Ordering::Relaxed),
            bytes_from_target: self.from_target.load(Ordering::Relaxed),
            duration: self.opened.elapsed(),
        }
    }
}

/// What the tunnel tasks share with their [`RemoteAccess`].
#[derive(Debug)]
struct Registry {
    open: parking_lot::Mutex<HashMap<u64, Arc<TunnelState>>>,
    events: broadcast::Sender<TunnelEvent>,
}

impl Registry {
    fn emit(&self, event: TunnelEvent) {
        // No subscriber is not an error.
        let _ = self.events.send(event);
    }
}

struct Inner {
    http: HttpClient,
    allow: AllowList,
    options: RemoteAccessOptions,
    next_id: AtomicU64,
    registry: Arc<Registry>,
    /// Ends every tunnel when it changes or is dropped.
    stop: watch::Sender<bool>,
}

/// Remote access of one device client (see the module documentation).
///
/// ```no_run
/// # async fn run(client: c8y_mqtt::client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use c8y_mqtt::client::{Event, NextEvent};
/// use c8y_mqtt::remote_access::{AllowList, RemoteAccess};
///
/// // Only the device's own SSH server may be reached.
/// let remote = RemoteAccess::new(&client, AllowList::new().allow("127.0.0.1", 22))?;
/// while let NextEvent::Event(event) = client.next_event().await {
///     if let Event::Operation(op) = event {
///         if remote.supports(&op) {
///             let _ = remote.handle(&op).await; // 501, then 503 with the tunnel running, or 502
///         }
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RemoteAccess {
    inner: Arc<Inner>,
}

impl fmt::Debug for RemoteAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteAccess")
            .field("allow", &self.inner.allow)
            .field("options", &self.inner.options)
            .field("open", &self.inner.registry.open.lock().len())
            .finish_non_exhaustive()
    }
}

impl RemoteAccess {
    /// Remote access on the client's HTTP client ([`Client::http`]) with default options.
    pub fn new(client: &Client, allow: AllowList) -> Result<Self, HttpError> {
        Ok(Self::with_http(
            client.http()?,
            allow,
            RemoteAccessOptions::default(),
        ))
    }

    /// Remote access on this HTTP client, with these options.
    pub fn with_http(http: HttpClient, allow: AllowList, options: RemoteAccessOptions) -> Self {
        let (events, _) = broadcast::channel(256);
        Self {
            inner: Arc::new(Inner {
                http,
                allow,
                options,
                next_id: AtomicU64::new(1),
                registry: Arc::new(Registry {
                    open: parking_lot::Mutex::new(HashMap::new()),
                    events,
                }),
                stop: watch::Sender::new(false),
            }),
        }
    }

    /// The allow-list.
    pub fn allow_list(&self) -> &AllowList {
        &self.inner.allow
    }

    /// The options.
    pub fn options(&self) -> RemoteAccessOptions {
        self.inner.options
    }

    /// Whether `op` is a `530` this handles.
    pub fn supports(&self, op: &ReceivedOperation) -> bool {
        matches!(op.kind(), Some(OperationKind::RemoteAccessConnect { .. }))
    }

    /// The tunnel events from now on (256 are kept for a slow reader; older ones are then
    /// skipped, see [`broadcast::Receiver`]).
    pub fn subscribe(&self) -> broadcast::Receiver<TunnelEvent> {
        self.inner.registry.events.subscribe()
    }

    /// The open tunnels, with their counters so far.
    pub fn tunnels(&self) -> Vec<TunnelInfo> {
        let mut open: Vec<_> = self
            .inner
            .registry
            .open
            .lock()
            .values()
            .map(|t| t.info())
            .collect();
        open.sort_by_key(|t| t.id);
        open
    }

    /// Ends every open tunnel (each reports [`TunnelEnd::Closed`]). Tunnels opened afterwards
    /// run as usual.
    pub fn close_all(&self) {
        self.inner
            .stop
            .send_modify(|generation| *generation = !*generation);
    }

    /// Runs a `530`: EXECUTING, the connections, then SUCCESSFUL with the tunnel running in the
    /// background, or FAILED with the reason. Returns `None` for another operation (nothing is
    /// sent), else the tunnel or the error (also reported, if the platform could be reached).
    pub async fn handle(&self, op: &ReceivedOperation) -> Option<Result<TunnelInfo, RemoteAccessError>> {
        let Some(OperationKind::RemoteAccessConnect {
            hostname,
            port,
            connection_key,
        }) = op.kind()
        else {
            return None;
        };
        Some(self.run(op, hostname, *port, connection_key).await)
    }

    async fn run(
        &self,
        op: &ReceivedOperation,
        host: &str,
        port: u16,
        key: &str,
    ) -> Result<TunnelInfo, RemoteAccessError> {
        acknowledged(op.executing())
            .await
            .map_err(|e| RemoteAccessError::Status(format!("EXECUTING failed: {e}")))?;
        match self.open(op, host, port, key).await {
            Ok((state, connections)) => {
                if let Err(e) = acknowledged(op.succeed(Vec::<String>::new())).await {
                    tracing::warn!(error = %e, "the SUCCESSFUL of a remote access tunnel was not acknowledged");
                }
                let info = state.info();
                self.spawn(state, connections);
                Ok(info)
            }
            Err(error) => {
                tracing::info!(%error, "remote access refused");
                if let Err(e) = acknowledged(op.fail(&error.to_string())).await {
                    tracing::warn!(error = %e, "the FAILED of a remote access operation was not acknowledged");
                }
                Err(error)
            }
        }
    }

    /// Checks the rules and opens both connections.
    async fn open(
        &self,
        op: &ReceivedOperation,
        host: &str,
        port: u16,
        key: &str,
    ) -> Result<(Arc<TunnelState>, tunnel::Connections), RemoteAccessError> {
        if !self.inner.allow.allows(host, port) {
            return Err(RemoteAccessError::NotAllowed {
                host: host.to_owned(),
                port,
            });
        }
        let max = self.inner.options.max_tunnels;
        if self.inner.registry.open.lock().len() >= max {
            return Err(RemoteAccessError::TooManyTunnels(max));
        }
        let connections = tunnel::connect(&self.inner.http, host, port, key, self.inner.options).await?;
        let state = Arc::new(TunnelState {
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            device: op.device.clone(),
            operation_id: op.id.clone(),
            host: host.to_owned(),
            port,
            opened: Instant::now(),
            to_target: AtomicU64::new(0),
            from_target: AtomicU64::new(0),
        });
        Ok((state, connections))
    }

    /// Registers the tunnel and relays in a task of its own until it ends.
    fn spawn(&self, state: Arc<TunnelState>, connections: tunnel::Connections) {
        let registry = Arc::clone(&self.inner.registry);
        registry.open.lock().insert(state.id, Arc::clone(&state));
        registry.emit(TunnelEvent::Opened(state.info()));
        let mut stop = self.inner.stop.subscribe();
        stop.mark_unchanged();
        tokio::spawn(async move {
            let end = tokio::select! {
                end = tunnel::relay(connections, Arc::clone(&state)) => end,
                _ = stop.changed() => TunnelEnd::Closed,
            };
            registry.open.lock().remove(&state.id);
            let tunnel = state.info();
            tracing::info!(
                id = tunnel.id,
                to_target = tunnel.bytes_to_target,
                from_target = tunnel.bytes_from_target,
                ?end,
                "remote access tunnel closed"
            );
            registry.emit(TunnelEvent::Closed { tunnel, end });
        });
    }
}
