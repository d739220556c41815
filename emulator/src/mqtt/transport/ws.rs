//! The WebSocket handshake for MQTT: path `/mqtt`, subprotocol `mqtt` (MQTT 3.1.1 §6).

use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

use super::{ByteStream, Connection};

/// The path Cumulocity serves MQTT over WebSocket on.
pub const WS_PATH: &str = "/mqtt";

/// Performs the server side of the WebSocket handshake on `stream`.
///
/// Refuses (HTTP 404) any path other than `/mqtt` and (HTTP 400) a client that does not offer
/// the `mqtt` subprotocol; answers with `Sec-WebSocket-Protocol: mqtt`.
pub(crate) async fn accept(
    stream: Box<dyn ByteStream>,
) -> Result<Connection, tokio_tungstenite::tungstenite::Error> {
    let ws = tokio_tungstenite::accept_hdr_async(stream, check_request).await?;
    Ok(Connection::WebSocket(Box::new(ws)))
}

#[allow(clippy::result_large_err)] // the signature is tungstenite's `Callback`
fn check_request(request: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    if request.uri().path() != WS_PATH {
        return Err(refusal(StatusCode::NOT_FOUND, "MQTT is served at /mqtt"));
    }
    let offers_mqtt = request
        .headers()
        .get_all("Sec-WebSocket-Protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == "mqtt");
    if !offers_mqtt {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "the mqtt subprotocol is required",
        ));
    }
    response
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
    Ok(response)
}

fn refusal(status: StatusCode, text: &str) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(text.to_owned()));
    *response.status_mut() = status;
    response
}
