//! Listeners: bind a TCP port per transport and hand each accepted connection, after its TLS
//! and/or WebSocket handshake, to a session task.
//!
//! Every accept loop and connection task holds a clone of an `alive` sender, so shutdown can
//! wait until all of them have ended (the receiver sees the channel close).
//!
//! The listen backlog is [`Limits::listen_backlog`](crate::Limits::listen_backlog), so a burst of
//! simultaneous connects is queued by the kernel instead of waiting for a SYN retransmit; a
//! failed accept (e.g. no file descriptor left) backs off from 10 ms to 1 s instead of spinning.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

use crate::handle::ListenerAddrs;
use crate::mqtt::connection;
use crate::mqtt::shared::{Shared, stopped};
use crate::mqtt::transport::tls::{ClientCertificate, TrustVerifiers};
use crate::mqtt::transport::{ByteStream, Connection, tls, ws};
use crate::platform::endpoint::{DisconnectReason, Transport};

/// The first pause after a failed accept; it doubles up to [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// The longest pause after failed accepts.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// How long a TLS or WebSocket handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS acceptors of the secure transports.
#[derive(Clone, Default)]
pub(crate) struct Acceptors {
    /// MQTT over TLS (may request a client certificate).
    pub(crate) mqtts: Option<TlsAcceptor>,
    /// Secure WebSocket (never requests a client certificate).
    pub(crate) wss: Option<TlsAcceptor>,
}

/// A running set of listeners and their connections.
#[derive(Debug)]
pub(crate) struct Listeners {
    stop: watch::Sender<bool>,
    all_ended: mpsc::Receiver<()>,
}

impl std::fmt::Debug for Acceptors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acceptors")
            .field("mqtts", &self.mqtts.is_some())
            .field("wss", &self.wss.is_some())
            .finish()
    }
}

impl Listeners {
    /// Binds every `(transport, addr)` and serves it; returns the bound addresses.
    pub(crate) async fn start(
        shared: &Arc<Shared>,
        plan: &[(Transport, SocketAddr)],
        acceptors: &Acceptors,
    ) -> Result<(ListenerAddrs, Self), (SocketAddr, std::io::Error)> {
        let (stop, stopped_rx) = watch::channel(false);
        let (alive, all_ended) = mpsc::channel(1);
        let mut addrs = ListenerAddrs::default();
        for &(transport, addr) in plan {
            let acceptor = match transport {
                Transport::Mqtts => acceptors.mqtts.clone(),
                Transport::Wss => acceptors.wss.clone(),
                Transport::Mqtt | Transport::Ws => None,
            };
            // On error, dropping `stop` ends the listeners already started.
            let local = spawn(
                addr,
                transport,
                acceptor,
                Arc::clone(shared),
                stopped_rx.clone(),
                alive.clone(),
            )
            .await
            .map_err(|e| (addr, e))?;
            addrs.set(transport, local);
        }
        Ok((addrs, Self { stop, all_ended }))
    }

    /// Closes every session with `reason`, stops the listeners, and waits (at most `grace`) until
    /// every connection task has ended.
    pub(crate) async fn stop(mut self, shared: &Shared, reason: &DisconnectReason, grace: Duration) {
        // Sessions get the reason before the stop flag, so they report it.
        shared.registry.close_all(reason);
        self.stop.send_replace(true);
        let _ = tokio::time::timeout(grace, self.all_ended.recv()).await;
    }
}

/// Binds `addr` and serves `transport` on it until `shutdown` turns true.
async fn spawn(
    addr: SocketAddr,
    transport: Transport,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
) -> std::io::Result<SocketAddr> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does on Unix: a restarted emulator rebinds its ports at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(shared.config.limits.listen_backlog)?;
    let local = listener.local_addr()?;
    tokio::spawn(accept_loop(listener, transport, tls, shared, shutdown, alive));
    Ok(local)
}

async fn accept_loop(
    listener: TcpListener,
    transport: Transport,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
) {
    let mut backoff = Duration::ZERO;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopped(&mut shutdown) => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                backoff = Duration::ZERO;
                accepted
            }
            Err(_) => {
                // Out of file descriptors (or another transient failure): the pending connection
                // stays queued, so retrying at once would spin; back off instead.
                backoff = (backoff * 2).clamp(ACCEPT_BACKOFF_MIN, ACCEPT_BACKOFF_MAX);
                tokio::select! {
                    () = tokio::time::sleep(backoff) => continue,
                    () = stopped(&mut shutdown) => return,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let tls = tls.clone();
        let shared = Arc::clone(&shared);
        let mut shutdown = shutdown.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            let trust = Arc::clone(&shared.trust_verifiers);
            let handshake = tokio::time::timeout(
                HANDSHAKE_TIMEOUT,
                handshake(Box::new(stream), transport, tls, &trust),
            );
            let conn = tokio::select! {
                conn = handshake => conn,
                () = stopped(&mut shutdown) => return,
            };
            if let Ok(Some((conn, certificate))) = conn {
                connection::serve(shared, conn, transport, certificate, peer.ip(), shutdown).await;
            }
            drop(alive);
        });
    }
}

/// TLS and/or WebSocket handshakes for the transport; `None` if one failed. The client
/// certificate is only kept on the MQTT/TLS port (no certificate login over WebSocket).
async fn handshake(
    stream: Box<dyn ByteStream>,
    transport: Transport,
    tls: Option<TlsAcceptor>,
    trust: &TrustVerifiers,
) -> Option<(Connection, Option<ClientCertificate>)> {
    let (stream, certificate) = match (&tls, transport) {
        (Some(acceptor), Transport::Mqtts) => tls::accept(acceptor, Some(trust), stream).await.ok()?,
        (Some(acceptor), Transport::Wss) => tls::accept(acceptor, None, stream).await.ok()?,
        _ => (stream, None),
    };
    match transport {
        Transport::Mqtt | Transport::Mqtts => Some((Connection::Stream(stream), certificate)),
        Transport::Ws | Transport::Wss => Some((ws::accept(stream).await.ok()?, None)),
    }
}
