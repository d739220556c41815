//! Listeners: bind a TCP port per transport and hand each accepted connection, after its TLS
//! and/or WebSocket handshake, to a session task.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::platform::Transport;
use crate::session;
use crate::shared::Shared;
use crate::transport::{ByteStream, Connection, tls, ws};

/// How long a TLS or WebSocket handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `addr` and serves `transport` on it until `shutdown` turns true.
pub(crate) async fn spawn(
    addr: SocketAddr,
    transport: Transport,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let task = tokio::spawn(accept_loop(listener, transport, tls, shared, shutdown));
    Ok((local, task))
}

async fn accept_loop(
    listener: TcpListener,
    transport: Transport,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = crate::shared::stopped(&mut shutdown) => return,
        };
        let Ok((stream, _peer)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let tls = tls.clone();
        let shared = Arc::clone(&shared);
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let handshake =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(Box::new(stream), transport, tls));
            if let Ok(Some(conn)) = handshake.await {
                session::serve(shared, conn, transport, shutdown).await;
            }
        });
    }
}

/// TLS and/or WebSocket handshakes for the transport; `None` if one failed.
async fn handshake(
    stream: Box<dyn ByteStream>,
    transport: Transport,
    tls: Option<TlsAcceptor>,
) -> Option<Connection> {
    let stream = match (&tls, transport) {
        (Some(acceptor), Transport::Mqtts | Transport::Wss) => tls::accept(acceptor, stream).await.ok()?,
        _ => stream,
    };
    match transport {
        Transport::Mqtt | Transport::Mqtts => Some(Connection::Stream(stream)),
        Transport::Ws | Transport::Wss => ws::accept(stream).await.ok(),
    }
}
