//! Byte transport of one connection: a TCP or TLS stream, or a WebSocket carrying MQTT in binary
//! frames. The session reads bytes into a buffer and writes whole packets; framing is the codec's.

pub(crate) mod tls;
pub(crate) mod ws;

use std::io;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long closing a connection may take.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// A bidirectional byte stream (TCP or TLS).
pub(crate) trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> ByteStream for T {}

/// An accepted connection, ready for MQTT.
pub(crate) enum Connection {
    /// TCP or TLS.
    Stream(Box<dyn ByteStream>),
    /// WebSocket (plain or over TLS).
    WebSocket(Box<WebSocketStream<Box<dyn ByteStream>>>),
}

impl Connection {
    /// Reads more bytes into `buf`; `Ok(0)` means the peer closed. Cancel-safe.
    pub(crate) async fn read_into(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        match self {
            Connection::Stream(stream) => stream.read_buf(buf).await,
            Connection::WebSocket(ws) => loop {
                match ws.next().await {
                    None | Some(Ok(Message::Close(_))) => return Ok(0),
                    // An MQTT packet may span frames and a frame may hold several packets: the
                    // codec frames the bytes, so frames are simply appended.
                    Some(Ok(Message::Binary(data))) if !data.is_empty() => {
                        buf.extend_from_slice(&data);
                        return Ok(data.len());
                    }
                    Some(Ok(Message::Text(_))) => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "text frame on MQTT WebSocket",
                        ));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(io::Error::other(e)),
                }
            },
        }
    }

    /// Writes the bytes of one or more whole packets.
    pub(crate) async fn send(&mut self, bytes: BytesMut) -> io::Result<()> {
        match self {
            Connection::Stream(stream) => {
                stream.write_all(&bytes).await?;
                stream.flush().await
            }
            Connection::WebSocket(ws) => ws
                .send(Message::Binary(bytes.freeze()))
                .await
                .map_err(io::Error::other),
        }
    }

    /// Closes the connection (best effort, at most [`CLOSE_TIMEOUT`]: a peer that stopped reading
    /// must not keep the session alive).
    pub(crate) async fn close(&mut self) {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.close_now()).await;
    }

    async fn close_now(&mut self) {
        match self {
            Connection::Stream(stream) => {
                let _ = stream.shutdown().await;
            }
            Connection::WebSocket(ws) => {
                let _ = ws.close().await;
            }
        }
    }
}
