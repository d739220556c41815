//! One remote-access tunnel: the TCP connection to the target, the WebSocket to the platform's
//! remote-access endpoint for the connection key, and the relay between them
//! (docs/protocol.md §13.2, §13.3).
//!
//! * The WebSocket is `wss://` (TLS on the HTTP client's rustls configuration) or `ws://` as the
//!   REST base URL is `https://` or `http://`, at `/service/remoteaccess/device/<key>`, with
//!   the device's `Authorization` and the subprotocol `binary`. A refused token (401) is renewed
//!   once, as for HTTP requests.
//! * With an HTTP proxy configured, the WebSocket's TCP connection is a `CONNECT` tunnel through
//!   it (with `Proxy-Authorization: Basic` when the proxy has credentials); TLS and the
//!   WebSocket run end to end inside it. A proxy refusing the `CONNECT` fails the operation with
//!   its HTTP status. The target is always connected directly.
//! * The relay copies each direction in a task of its own: it reads again only when the previous
//!   bytes were written (back-pressure both ways, bounded memory). The target's bytes that are
//!   already waiting go to the platform in one write (several frames), and nothing waits for
//!   more bytes to arrive (docs/protocol.md §13.6). Where the time goes: BENCHMARKS.md.
//! * The target closing its side sends a WebSocket close, then the platform's remaining bytes are
//!   still written until it answers the close (at most [`CLOSE_GRACE`]); the platform closing
//!   shuts the target connection down.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use bytes::{Bytes, BytesMut};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::{RemoteAccessError, RemoteAccessOptions, TunnelEnd, TunnelState};
use crate::http::HttpClient;

/// How long the platform may take to answer the close sent when the target closed.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// Bytes read from the target at once (one binary frame at most this large), and tungstenite's
/// write buffer.
const CHUNK: usize = 256 * 1024;

/// Bytes tungstenite reads from the platform at once. Not larger: it zero-fills this much of its
/// buffer before every read attempt.
const WS_READ: usize = 64 * 1024;

/// Most bytes of frames queued before they are flushed to the platform.
const MAX_QUEUED: usize = 1024 * 1024;

/// Longest answer head accepted from an HTTP proxy.
const MAX_PROXY_HEAD: usize = 8 * 1024;

/// The subprotocol of the remote-access WebSocket.
const SUBPROTOCOL: &str = "binary";

/// A byte stream: plain TCP or TLS over it.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The two open connections of a tunnel.
pub(crate) struct Connections {
    target: TcpStream,
    websocket: WebSocketStream<Box<dyn Io>>,
}

/// Connects to the target, then opens the WebSocket for `key`.
pub(crate) async fn connect(
    http: &HttpClient,
    host: &str,
    port: u16,
    key: &str,
    options: RemoteAccessOptions,
) -> Result<Connections, RemoteAccessError> {
    let timeout = options.connect_timeout;
    let target = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
        .await
        .map_err(|_| RemoteAccessError::Timeout {
            step: format!("connection to target {host}:{port}"),
            after: timeout,
        })?
        .map_err(|e| RemoteAccessError::TargetRefused {
            host: host.to_owned(),
            port,
            reason: e.to_string(),
        })?;
    let _ = target.set_nodelay(true);
    let websocket = tokio::time::timeout(timeout, open_websocket(http, key))
        .await
        .map_err(|_| RemoteAccessError::Timeout {
            step: "remote access WebSocket".to_owned(),
            after: timeout,
        })??;
    Ok(Connections { target, websocket })
}

fn refused(reason: impl std::fmt::Display) -> RemoteAccessError {
    RemoteAccessError::WebSocketRefused(reason.to_string())
}

/// The WebSocket to the platform's endpoint for `key`, authenticated as the device.
async fn open_websocket(
    http: &HttpClient,
    key: &str,
) -> Result<WebSocketStream<Box<dyn Io>>, RemoteAccessError> {
    let mut url = http
        .path_url(&["service", "remoteaccess", "device", key])
        .map_err(refused)?;
    let tls = url.scheme() == "https";
    url.set_scheme(if tls { "wss" } else { "ws" })
        .map_err(|()| refused("the REST base URL is neither http nor https"))?;
    let host = url
        .host_str()
        .ok_or_else(|| refused("the REST base URL has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| refused("the REST base URL has no port"))?;
    let mut renewed = false;
    loop {
        let (authorization, token) = http.authorization().await.map_err(refused)?;
        let mut request = url.as_str().into_client_request().map_err(refused)?;
        let mut value = HeaderValue::from_str(authorization.expose())
            .map_err(|_| refused("the credentials are not a valid header"))?;
        value.set_sensitive(true);
        let headers = request.headers_mut();
        headers.insert("Authorization", value);
        headers.insert("Sec-WebSocket-Protocol", HeaderValue::from_static(SUBPROTOCOL));
        let tcp = platform_connection(http, &host, port).await?;
        let stream: Box<dyn Io> = if tls {
            let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| refused(format!("invalid server name: {e}")))?;
            let connector = tokio_rustls::TlsConnector::from(http.tls_config());
            Box::new(
                connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| refused(format!("TLS: {e}")))?,
            )
        } else {
            Box::new(tcp)
        };
        let config = WebSocketConfig::default()
            .read_buffer_size(WS_READ)
            .write_buffer_size(CHUNK);
        match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
            Ok((websocket, _response)) => return Ok(websocket),
            Err(WsError::Http(response)) if response.status().as_u16() == 401 => match token {
                Some(token) if !renewed => {
                    tracing::info!("remote access WebSocket: 401, renewing the access token");
                    http.token_refused(&token).await;
                    renewed = true;
                }
                _ => return Err(refused("HTTP 401 (credentials refused)")),
            },
            Err(WsError::Http(response)) => {
                return Err(refused(format!("HTTP {}", response.status().as_u16())));
            }
            Err(e) => return Err(refused(e)),
        }
    }
}

/// A TCP connection to the platform's `host`:`port`: direct, or through the configured HTTP
/// proxy with `CONNECT` (its answer read up to the end of its head, nothing after).
async fn platform_connection(
    http: &HttpClient,
    host: &str,
    port: u16,
) -> Result<TcpStream, RemoteAccessError> {
    let Some(proxy) = http.proxy() else {
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| refused(format!("cannot reach the platform: {e}")))?;
        let _ = tcp.set_nodelay(true);
        return Ok(tcp);
    };
    let mut tcp = TcpStream::connect((
        proxy.host.trim_start_matches('[').trim_end_matches(']'),
        proxy.port,
    ))
    .await
    .map_err(|e| {
        refused(format!(
            "cannot reach the HTTP proxy {}:{}: {e}",
            proxy.host, proxy.port
        ))
    })?;
    let _ = tcp.set_nodelay(true);
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some((user, password)) = &proxy.basic_auth {
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()));
        request.push_str(&format!("Proxy-Authorization: Basic {credentials}\r\n"));
    }
    request.push_str("\r\n");
    let proxy_error = |e: std::io::Error| refused(format!("HTTP proxy: {e}"));
    tcp.write_all(request.as_bytes()).await.map_err(proxy_error)?;
    // The head of the answer, byte by byte: what follows it belongs to the platform.
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_PROXY_HEAD {
            return Err(refused("HTTP proxy: answer head too long"));
        }
        let byte = tcp.read_u8().await.map_err(proxy_error)?;
        head.push(byte);
    }
    let status_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let status = std::str::from_utf8(status_line)
        .ok()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(200..=299) => Ok(tcp),
        Some(code) => Err(refused(format!("HTTP proxy answered CONNECT with HTTP {code}"))),
        None => Err(refused("HTTP proxy: not an HTTP answer")),
    }
}

/// Relays until either side ends; counts the bytes each way in `state`. Each direction runs
/// in a task of its own (both cores can copy at once); dropping the returned future ends both.
///
/// The end reported is the first cause: each direction records its end before it acts on it
/// (the target's side before the device closes the WebSocket, the platform's before the device
/// shuts the target's side down), so the consequence at the other side never wins over it.
pub(crate) async fn relay(connections: Connections, state: Arc<TunnelState>) -> TunnelEnd {
    let Connections { target, websocket } = connections;
    let (sink, stream) = websocket.split();
    let (target_read, target_write) = target.into_split();
    let first_end = Arc::new(OnceLock::new());
    let mut upstream = Task(tokio::spawn(upstream(
        target_read,
        sink,
        Arc::clone(&state),
        Arc::clone(&first_end),
    )));
    let mut downstream = Task(tokio::spawn(downstream(
        stream,
        target_write,
        state,
        Arc::clone(&first_end),
    )));
    let joined = |end: Result<TunnelEnd, tokio::task::JoinError>| {
        end.unwrap_or_else(|e| TunnelEnd::Error(format!("relay task: {e}")))
    };
    let end = tokio::select! {
        end = &mut upstream.0 => {
            // The platform's bytes already under way still reach the target.
            let _ = tokio::time::timeout(CLOSE_GRACE, &mut downstream.0).await;
            joined(end)
        }
        end = &mut downstream.0 => joined(end),
    };
    first_end.get().cloned().unwrap_or(end)
}

/// A relay task, aborted when dropped (the tunnel was closed from outside).
struct Task(tokio::task::JoinHandle<TunnelEnd>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Sink = SplitSink<WebSocketStream<Box<dyn Io>>, Message>;
type Stream = SplitStream<WebSocketStream<Box<dyn Io>>>;

/// Target → platform: one binary frame per read of the target. The frames of the bytes that are
/// already waiting are queued first and written out together (one flush, few system calls);
/// a lone read is flushed at once, so interactive traffic is never held back. On the target's
/// end of stream, a WebSocket close.
async fn upstream(
    mut target: OwnedReadHalf,
    mut sink: Sink,
    state: Arc<TunnelState>,
    first_end: Arc<OnceLock<TunnelEnd>>,
) -> TunnelEnd {
    let mut buffer = BytesMut::with_capacity(CHUNK);
    let close = |end: TunnelEnd| {
        let _ = first_end.set(end.clone());
        end
    };
    loop {
        buffer.reserve(CHUNK);
        match target.read_buf(&mut buffer).await {
            Ok(0) => {
                let end = close(TunnelEnd::TargetClosed);
                let _ = sink.send(Message::Close(None)).await;
                return end;
            }
            Ok(_) => {}
            Err(e) => {
                let end = close(target_end(e));
                let _ = sink.send(Message::Close(None)).await;
                return end;
            }
        }
        let mut queued = 0;
        let mut ended = None;
        loop {
            let frame = buffer.split().freeze();
            let len = frame.len();
            if let Err(e) = sink.feed(Message::Binary(frame)).await {
                return ws_end(e);
            }
            queued += len;
            state.from_target.fetch_add(len as u64, Ordering::Relaxed);
            if queued >= MAX_QUEUED {
                break;
            }
            buffer.reserve(CHUNK);
            match target.try_read_buf(&mut buffer) {
                Ok(0) => {
                    ended = Some(TunnelEnd::TargetClosed);
                    break;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    ended = Some(target_end(e));
                    break;
                }
            }
        }
        if let Err(e) = sink.flush().await {
            return ws_end(e);
        }
        if let Some(end) = ended {
            let end = close(end);
            let _ = sink.send(Message::Close(None)).await;
            return end;
        }
    }
}

/// Platform → target, until the WebSocket ends (after a close it returns the end of stream once
/// tungstenite has answered or received the answer). Each message is written as it arrives: they
/// are large when the traffic is, and polling for the next one before writing would cost a read
/// attempt (and tungstenite's clearing of its read buffer) each time.
async fn downstream(
    mut stream: Stream,
    mut target: OwnedWriteHalf,
    state: Arc<TunnelState>,
    first_end: Arc<OnceLock<TunnelEnd>>,
) -> TunnelEnd {
    let mut end = TunnelEnd::PlatformClosed;
    while let Some(message) = stream.next().await {
        let bytes = match message {
            Ok(Message::Binary(bytes)) => bytes,
            Ok(Message::Text(text)) => Bytes::from(text),
            Ok(_) => continue,
            Err(e) => {
                end = ws_end(e);
                break;
            }
        };
        if let Err(e) = target.write_all(&bytes).await {
            end = target_end(e);
            break;
        }
        state.to_target.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }
    // Recorded before the target hears of it: its reaction must not count as the cause.
    let _ = first_end.set(end.clone());
    let _ = target.shutdown().await;
    end
}

/// What an error of the target's connection means for the tunnel: a reset or a broken pipe is
/// the target closing (with bytes it did not read), anything else an error.
fn target_end(error: std::io::Error) -> TunnelEnd {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted => {
            TunnelEnd::TargetClosed
        }
        _ => TunnelEnd::Error(format!("target: {error}")),
    }
}

/// What a WebSocket error means for the tunnel.
fn ws_end(error: WsError) -> TunnelEnd {
    match error {
        WsError::ConnectionClosed | WsError::AlreadyClosed => TunnelEnd::PlatformClosed,
        other => TunnelEnd::Error(format!("WebSocket: {other}")),
    }
}
