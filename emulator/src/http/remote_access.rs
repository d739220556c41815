//! The platform's side of Cloud Remote Access (docs/protocol.md §13): the operator's end of a
//! tunnel, the `530` operation with a fresh connection key, and the device endpoint
//! `/service/remoteaccess/device/<key>` served on the HTTP port.
//!
//! On Cumulocity an operator opens a connection in the Device Management application (or with a
//! local proxy); here the handle's
//! [`EmulatorHandle::open_remote_access`](crate::EmulatorHandle::open_remote_access) (or
//! `POST /emulator/remoteaccess`) plays that part:
//! 1. it creates the `c8y_RemoteAccessConnect` operation (rendered as `530` on `s/ds`) with a new
//!    connection key for the device and the target host and port;
//! 2. it listens on 127.0.0.1 (an ephemeral port, returned) for one operator connection;
//! 3. the device opens the WebSocket for the key, authenticated like its REST calls (Basic or its
//!    token; a device user only for its own device), with the subprotocol `binary`;
//! 4. bytes are relayed between the operator's connection and the WebSocket (binary frames) until
//!    either side closes; either order of the two connections works.
//!
//! A key serves one WebSocket; a second one for the same key, or one for an unknown key, is
//! answered 404. A tunnel nobody completes within five minutes is dropped.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequest;
use axum::extract::Request;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::http::control::Dispatch;
use crate::http::rest::is_device_user;
use crate::platform::cumulocity::CumulocityPlatform;
use crate::platform::request::ApiError;
use crate::platform::users::Principal;

/// The path prefix of the device endpoint.
pub(crate) const DEVICE_PATH: &str = "/service/remoteaccess/device/";

/// The control route that opens a tunnel.
pub(crate) const CONTROL_PATH: &str = "/emulator/remoteaccess";

/// Bytes read from the operator at once (one frame at most this large), and the WebSocket's
/// write buffer.
const CHUNK: usize = 256 * 1024;

/// Bytes read from the device's WebSocket at once (tungstenite zero-fills this much of its
/// buffer before every read attempt).
const WS_READ: usize = 64 * 1024;

/// Most bytes of frames queued before they are flushed to the device.
const MAX_QUEUED: usize = 1024 * 1024;

/// What [`EmulatorHandle::open_remote_access`](crate::EmulatorHandle::open_remote_access) set
/// up for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorTunnel {
    /// The id of the `c8y_RemoteAccessConnect` operation.
    pub operation_id: String,
    /// The connection key the device must present.
    pub connection_key: String,
    /// Where the operator connects (127.0.0.1, ephemeral port).
    pub addr: SocketAddr,
}

/// A tunnel waiting for the device's WebSocket.
struct Pending {
    tenant: String,
    device: String,
    socket: oneshot::Sender<WebSocket>,
}

/// The open tunnels by connection key.
#[derive(Default)]
pub(crate) struct RemoteAccessTunnels {
    pending: parking_lot::Mutex<HashMap<String, Pending>>,
}

impl std::fmt::Debug for RemoteAccessTunnels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteAccessTunnels")
            .field("pending", &self.pending.lock().len())
            .finish()
    }
}

/// A connection key shaped like the platform's (a UUID).
fn new_key() -> String {
    let hex: String = (0..32).map(|_| format!("{:x}", fastrand::u8(..16))).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

impl RemoteAccessTunnels {
    /// How long a tunnel waits for its operator and its device.
    pub(crate) const WAIT: Duration = Duration::from_secs(300);

    /// Creates the `530` operation for `device` (a `c8y_Serial` of `tenant`) and the operator's
    /// listener (see the module documentation).
    pub(crate) async fn open(
        self: &Arc<Self>,
        platform: &CumulocityPlatform,
        tenant: &str,
        device: &str,
        host: &str,
        port: u16,
    ) -> Result<OperatorTunnel, ApiError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| ApiError::Invalid(format!("cannot listen for the operator: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| ApiError::Invalid(e.to_string()))?;
        let key = new_key();
        let (socket, device_socket) = oneshot::channel();
        self.pending.lock().insert(
            key.clone(),
            Pending {
                tenant: tenant.to_owned(),
                device: device.to_owned(),
                socket,
            },
        );
        let operation = platform.create_operation_in(
            tenant,
            device,
            json!({
                "description": format!("Remote access to {host}:{port}"),
                "c8y_RemoteAccessConnect": {"hostname": host, "port": port, "connectionKey": key},
            }),
        );
        let operation = match operation {
            Ok(operation) => operation,
            Err(error) => {
                self.pending.lock().remove(&key);
                return Err(error);
            }
        };
        let tunnels = Arc::clone(self);
        let task_key = key.clone();
        tokio::spawn(async move {
            let paired = tokio::time::timeout(Self::WAIT, async {
                let (operator, _) = listener.accept().await.ok()?;
                drop(listener);
                let websocket = device_socket.await.ok()?;
                Some((operator, websocket))
            })
            .await;
            tunnels.pending.lock().remove(&task_key);
            if let Ok(Some((operator, websocket))) = paired {
                relay(operator, websocket).await;
            }
        });
        Ok(OperatorTunnel {
            operation_id: operation["id"].as_str().unwrap_or_default().to_owned(),
            connection_key: key,
            addr,
        })
    }
}

/// Relays between the operator and the device until either closes. Each direction runs in a
/// task of its own; the operator's bytes already waiting go to the device in one write (several
/// frames), without waiting for more.
async fn relay(operator: TcpStream, websocket: WebSocket) {
    let _ = operator.set_nodelay(true);
    let (operator_read, operator_write) = operator.into_split();
    let (sink, stream) = websocket.split();
    let mut upstream = Task(tokio::spawn(upstream(operator_read, sink)));
    let mut downstream = Task(tokio::spawn(downstream(stream, operator_write)));
    tokio::select! {
        _ = &mut upstream.0 => {
            let _ = tokio::time::timeout(Duration::from_secs(10), &mut downstream.0).await;
        }
        _ = &mut downstream.0 => {}
    }
}

/// A relay task, aborted when dropped.
struct Task(tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Operator → device: one binary frame per read; the frames of bytes already waiting are
/// flushed together. The operator's end of stream closes the WebSocket.
async fn upstream(mut operator: OwnedReadHalf, mut sink: SplitSink<WebSocket, Message>) {
    let mut buffer = BytesMut::with_capacity(CHUNK);
    loop {
        buffer.reserve(CHUNK);
        if !matches!(operator.read_buf(&mut buffer).await, Ok(n) if n > 0) {
            let _ = sink.send(Message::Close(None)).await;
            return;
        }
        let mut queued = 0;
        let mut ended = false;
        loop {
            let frame = buffer.split().freeze();
            queued += frame.len();
            if sink.feed(Message::Binary(frame)).await.is_err() {
                return;
            }
            if queued >= MAX_QUEUED {
                break;
            }
            buffer.reserve(CHUNK);
            match operator.try_read_buf(&mut buffer) {
                Ok(n) if n > 0 => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                _ => {
                    ended = true;
                    break;
                }
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
        if ended {
            let _ = sink.send(Message::Close(None)).await;
            return;
        }
    }
}

/// Device → operator until the WebSocket ends, each message written as it arrives.
async fn downstream(mut stream: SplitStream<WebSocket>, mut operator: OwnedWriteHalf) {
    while let Some(Ok(message)) = stream.next().await {
        let bytes = match message {
            Message::Binary(bytes) => bytes,
            Message::Text(text) => Bytes::from(text),
            _ => continue,
        };
        if operator.write_all(&bytes).await.is_err() {
            break;
        }
    }
    let _ = operator.shutdown().await;
}

fn status(code: StatusCode, message: &str) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"error": "remoteaccess", "message": message}).to_string(),
    )
        .into_response()
}

/// The login of a request: Basic `<tenant>/<user>` with its password, or a device token.
fn principal(dispatch: &Dispatch, request: &Request) -> Option<(String, String)> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(STANDARD.decode(credentials.trim()).ok()?).ok()?;
        let (login, password) = decoded.split_once(':')?;
        match crate::lock(&dispatch.credentials).authenticate(Some(login), password) {
            Ok(Principal::User { tenant, user }) => Some((tenant, user)),
            _ => None,
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        let tokens = dispatch.platform.tokens();
        let tenant = tokens.tenant_of(credentials.trim())?;
        let user = tokens.verify(&tenant, credentials.trim())?;
        Some((tenant, user))
    } else {
        None
    }
}

/// `GET /service/remoteaccess/device/<key>` (WebSocket upgrade): the device's end of a tunnel.
pub(crate) async fn device_endpoint(dispatch: &Dispatch, request: Request) -> Response {
    let key = request
        .uri()
        .path()
        .strip_prefix(DEVICE_PATH)
        .unwrap_or_default()
        .to_owned();
    let Some((tenant, user)) = principal(dispatch, &request) else {
        return status(StatusCode::UNAUTHORIZED, "Invalid credentials");
    };
    let pending = {
        let mut tunnels = dispatch.remote_access.pending.lock();
        let Some(pending) = tunnels.get(&key) else {
            return status(StatusCode::NOT_FOUND, "Unknown connection key");
        };
        let allowed = pending.tenant == tenant
            && (!is_device_user(&user)
                || dispatch
                    .platform
                    .read_tenant(&tenant, |m| {
                        m.find_serial(&pending.device).is_some_and(|id| m.owns(&user, id))
                    })
                    .unwrap_or(false));
        if !allowed {
            return status(StatusCode::FORBIDDEN, "No access to this device");
        }
        match tunnels.remove(&key) {
            Some(pending) => pending,
            None => return status(StatusCode::NOT_FOUND, "Unknown connection key"),
        }
    };
    let upgrade = match WebSocketUpgrade::from_request(request, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade
        .protocols(["binary"])
        .read_buffer_size(WS_READ)
        .write_buffer_size(CHUNK)
        .on_upgrade(move |socket| async move {
            let _ = pending.socket.send(socket);
        })
}

/// `POST /emulator/remoteaccess` with `{"device": "<c8y_Serial>", "host": "...", "port": 22}`:
/// opens a tunnel as a user of the login's tenant; answers 201 with `operationId`,
/// `connectionKey` and `port` (and `address`) of the operator's listener.
pub(crate) async fn control(dispatch: &Dispatch, request: Request) -> Response {
    if request.method() != axum::http::Method::POST {
        return status(StatusCode::METHOD_NOT_ALLOWED, "POST only");
    }
    let Some((tenant, _user)) = principal(dispatch, &request) else {
        return status(StatusCode::UNAUTHORIZED, "Invalid credentials");
    };
    let body = match axum::body::to_bytes(request.into_body(), 64 * 1024).await {
        Ok(body) => body,
        Err(e) => return status(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => return status(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let device = body["device"].as_str().unwrap_or_default();
    let host = body["host"].as_str().unwrap_or_default();
    let port = body["port"].as_u64().and_then(|p| u16::try_from(p).ok());
    let (false, false, Some(port)) = (device.is_empty(), host.is_empty(), port) else {
        return status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "device, host and port (1-65535) are required",
        );
    };
    match dispatch
        .remote_access
        .open(&dispatch.platform, &tenant, device, host, port)
        .await
    {
        Ok(opened) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            json!({
                "operationId": opened.operation_id,
                "connectionKey": opened.connection_key,
                "address": opened.addr.ip().to_string(),
                "port": opened.addr.port(),
            })
            .to_string(),
        )
            .into_response(),
        Err(ApiError::NotFound(message)) => status(StatusCode::NOT_FOUND, &message),
        Err(other) => status(StatusCode::UNPROCESSABLE_ENTITY, &other.to_string()),
    }
}
