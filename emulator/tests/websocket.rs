//! MQTT over WebSocket at the frame level: packets split across frames, several packets in one
//! frame, the `mqtt` subprotocol requirement.

mod common;

use bytes::{Bytes, BytesMut};
use common::*;
use futures_util::{SinkExt, StreamExt};
use rumqttc::Packet;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

async fn ws_client(
    emulator: &c8y_mqtt_emulator::EmulatorHandle,
    subprotocol: Option<&'static str>,
) -> Result<tokio_tungstenite::WebSocketStream<TcpStream>, tokio_tungstenite::tungstenite::Error> {
    let mut request = emulator.ws_url().unwrap().into_client_request().unwrap();
    if let Some(protocol) = subprotocol {
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(protocol));
    }
    let tcp = TcpStream::connect(emulator.addrs().ws.unwrap()).await.unwrap();
    let (ws, response) = tokio_tungstenite::client_async(request, tcp).await?;
    assert_eq!(response.headers().get("Sec-WebSocket-Protocol").unwrap(), "mqtt");
    Ok(ws)
}

/// Reads binary frames until `count` packets have arrived.
async fn read_packets(ws: &mut tokio_tungstenite::WebSocketStream<TcpStream>, count: usize) -> Vec<Packet> {
    let mut buf = BytesMut::new();
    let mut packets = Vec::new();
    tokio::time::timeout(WAIT, async {
        while packets.len() < count {
            match Packet::read(&mut buf, usize::MAX) {
                Ok(packet) => packets.push(packet),
                Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => match ws.next().await {
                    Some(Ok(Message::Binary(data))) => buf.extend_from_slice(&data),
                    other => panic!("unexpected frame {other:?}"),
                },
                Err(e) => panic!("bad packet {e}"),
            }
        }
    })
    .await
    .expect("packets within the timeout");
    packets
}

#[tokio::test]
async fn packets_may_span_frames_and_frames_may_hold_several_packets() {
    let emulator = start().await;
    let mut ws = ws_client(&emulator, Some("mqtt")).await.unwrap();
    let connect = packet_bytes(&Packet::Connect(connect_packet("d:frames1", 30)));
    let (head, tail) = connect.split_at(5);
    ws.send(Message::Binary(Bytes::copy_from_slice(head)))
        .await
        .unwrap();
    ws.send(Message::Binary(Bytes::copy_from_slice(tail)))
        .await
        .unwrap();
    assert!(matches!(read_packets(&mut ws, 1).await[..], [Packet::ConnAck(ref a)] if a.code as u8 == 0));

    let mut two_pings = packet_bytes(&Packet::PingReq);
    two_pings.extend_from_slice(&packet_bytes(&Packet::PingReq));
    ws.send(Message::Binary(two_pings.freeze())).await.unwrap();
    assert_eq!(
        read_packets(&mut ws, 2).await,
        vec![Packet::PingResp, Packet::PingResp]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_mqtt_subprotocol_is_required() {
    let emulator = start().await;
    let Err(error) = ws_client(&emulator, None).await else {
        panic!("handshake accepted");
    };
    assert!(error.to_string().contains("400"), "{error}");
    let Err(error) = ws_client(&emulator, Some("chat")).await else {
        panic!("handshake accepted");
    };
    assert!(error.to_string().contains("400"), "{error}");
    emulator.shutdown().await;
}
