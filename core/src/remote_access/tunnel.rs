//! One remote-access tunnel: the TCP connection to the target, the WebSocket to the platform's
//! remote-access endpoint for the connection key, and the relay between them
//! (docs/protocol.md §13.2, §13.3).
//!
//! * The WebSocket is `wss://` (TLS on the HTTP client's rustls configuration) or `ws://` as the
//!   REST base URL is `https://` or `http://`, at `/service/remoteaccess/device/<key>`, with
//!   the device's `Authorization` and the subprotocol `binary`. A refused token (401) is renewed
//!   once, as for HTTP requests.
//! * The relay copies each direction in its own loop with one buffer: it reads again only when
//!   the previous bytes were written (back-pressure both ways, bounded memory).
//! * The target closing its side sends a WebSocket close, then the platform's remaining bytes are
//!   still written until it answers the close (at most [`CLOSE_GRACE`]); the platform closing
//!   shuts the target connection down.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::{RemoteAccessError, RemoteAccessOptions, TunnelEnd};
use crate::http::HttpClient;

/// How long the platform may take to answer the close sent when the target closed.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// Bytes read from the target at once (one binary frame at most this large).
const CHUNK: usize = 64 * 1024;

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
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| refused(format!("cannot reach the platform: {e}")))?;
        let _ = tcp.set_nodelay(true);
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
        let config = WebSocketConfig::default();
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

/// Relays until either side ends; counts the bytes each way.
pub(crate) async fn relay(
    connections: Connections,
    to_target: &AtomicU64,
    from_target: &AtomicU64,
) -> TunnelEnd {
    let Connections { target, websocket } = connections;
    let (mut sink, mut stream) = websocket.split();
    let (mut target_read, mut target_write) = target.into_split();

    // Target → platform; on the target's end of stream, a WebSocket close.
    let upstream = async move {
        let mut buffer = vec![0u8; CHUNK];
        loop {
            match target_read.read(&mut buffer).await {
                Ok(0) => {
                    let _ = sink.send(Message::Close(None)).await;
                    return TunnelEnd::TargetClosed;
                }
                Ok(n) => {
                    let frame = Message::Binary(Bytes::copy_from_slice(&buffer[..n]));
                    if let Err(e) = sink.send(frame).await {
                        return ws_end(e);
                    }
                    from_target.fetch_add(n as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    let _ = sink.send(Message::Close(None)).await;
                    return target_end(e);
                }
            }
        }
    };

    // Platform → target, until the WebSocket ends (after a close it returns the end of stream
    // once tungstenite has answered or received the answer).
    let downstream = async move {
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
            if let Err(e) = target_write.write_all(&bytes).await {
                end = target_end(e);
                break;
            }
            to_target.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        let _ = target_write.shutdown().await;
        end
    };

    tokio::pin!(upstream);
    tokio::pin!(downstream);
    tokio::select! {
        end = &mut upstream => {
            // The platform's bytes already under way still reach the target.
            let _ = tokio::time::timeout(CLOSE_GRACE, &mut downstream).await;
            end
        }
        end = &mut downstream => end,
    }
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
