//! The platform's side of Cloud Remote Access over the control API: `POST /emulator/remoteaccess`
//! creates the `530` for the device and an operator listener; the device's WebSocket for the key
//! is authenticated and relayed to the operator (docs/protocol.md §13).

mod common;
mod platform_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use c8y_mqtt_emulator::Emulator;
use common::WAIT;
use futures_util::{SinkExt, StreamExt};
use platform_support::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

async fn device_websocket(
    addr: std::net::SocketAddr,
    key: &str,
    login: &str,
    password: &str,
) -> Result<tokio_tungstenite::WebSocketStream<TcpStream>, WsError> {
    let mut request = format!("ws://{addr}/service/remoteaccess/device/{key}")
        .into_client_request()
        .unwrap();
    let basic = format!("Basic {}", STANDARD.encode(format!("{login}:{password}")));
    request
        .headers_mut()
        .insert("Authorization", basic.parse().unwrap());
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "binary".parse().unwrap());
    let stream = TcpStream::connect(addr).await.unwrap();
    tokio_tungstenite::client_async(request, stream)
        .await
        .map(|(ws, response)| {
            assert_eq!(response.headers()["sec-websocket-protocol"], "binary");
            ws
        })
}

fn status_of(result: Result<tokio_tungstenite::WebSocketStream<TcpStream>, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("{other}"),
        Ok(_) => 101,
    }
}

#[tokio::test]
async fn remote_access_control_api_opens_a_tunnel_relayed_to_the_device_websocket() {
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .bootstrap_password(BOOTSTRAP_PASSWORD)
        .user("device_1234", DEVICE_PASSWORD)
        .user("device_5678", DEVICE_PASSWORD)
        .user("admin", "admin-pw")
        .http_port(Some(0))
        .start()
        .await
        .expect("emulator starts");
    let http = emulator.http_addr().unwrap();
    let mut device = ready_device(&emulator, "1234").await;
    let _other = ready_device(&emulator, "5678").await;

    let response = reqwest::Client::new()
        .post(format!("http://{http}/emulator/remoteaccess"))
        .basic_auth(format!("{TENANT}/admin"), Some("admin-pw"))
        .json(&json!({"device": "1234", "host": "10.0.0.67", "port": 22}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let opened: Value = response.json().await.unwrap();
    let key = opened["connectionKey"].as_str().unwrap().to_owned();
    let port = opened["port"].as_u64().unwrap() as u16;
    assert_eq!(
        next_on(&mut device, "s/ds").await,
        format!("530,1234,10.0.0.67,22,{key}")
    );

    // Wrong password, another device's user, an unknown key.
    assert_eq!(
        status_of(device_websocket(http, &key, &format!("{TENANT}/device_1234"), "wrong").await),
        401
    );
    assert_eq!(
        status_of(device_websocket(http, &key, &format!("{TENANT}/device_5678"), DEVICE_PASSWORD).await),
        403
    );
    assert_eq!(
        status_of(
            device_websocket(
                http,
                "no-such-key",
                &format!("{TENANT}/device_1234"),
                DEVICE_PASSWORD
            )
            .await
        ),
        404
    );

    // The device first, then the operator.
    let mut ws = device_websocket(http, &key, &format!("{TENANT}/device_1234"), DEVICE_PASSWORD)
        .await
        .expect("the device's WebSocket");
    let mut operator = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    operator.write_all(b"from the operator").await.unwrap();
    let mut received = Vec::new();
    while received.len() < 17 {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
        {
            Message::Binary(bytes) => received.extend_from_slice(&bytes),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(received, b"from the operator");
    ws.send(Message::Binary("from the device".into())).await.unwrap();
    let mut buffer = [0u8; 15];
    tokio::time::timeout(WAIT, operator.read_exact(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buffer, b"from the device");

    // A used key serves no second WebSocket.
    assert_eq!(
        status_of(device_websocket(http, &key, &format!("{TENANT}/device_1234"), DEVICE_PASSWORD).await),
        404
    );

    // The device closes: the operator sees the end.
    ws.close(None).await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, operator.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(rest.is_empty());
}

#[tokio::test]
async fn remote_access_control_api_refuses_unknown_devices_and_bad_bodies() {
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user("admin", "admin-pw")
        .http_port(Some(0))
        .start()
        .await
        .expect("emulator starts");
    let http = emulator.http_addr().unwrap();
    let post = |body: Value, password: &'static str| {
        reqwest::Client::new()
            .post(format!("http://{http}/emulator/remoteaccess"))
            .basic_auth(format!("{TENANT}/admin"), Some(password))
            .json(&body)
            .send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(
            post(json!({"device": "x", "host": "h", "port": 22}), "wrong")
                .await
                .unwrap()
        ),
        401
    );
    assert_eq!(
        status(
            post(json!({"device": "nope", "host": "h", "port": 22}), "admin-pw")
                .await
                .unwrap()
        ),
        404
    );
    assert_eq!(
        status(
            post(json!({"device": "nope", "host": "h", "port": 70000}), "admin-pw")
                .await
                .unwrap()
        ),
        422
    );
}
