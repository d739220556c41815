//! Session lifecycle: takeover by device id, keep-alive expiry, the size limit, last will, and
//! QoS 2 processing on PUBREL.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use c8y_mqtt::smartrest::MAX_PACKET_SIZE;
use c8y_mqtt_emulator::{DisconnectReason, EmulatorEvent, PublishOrigin};
use common::*;
use rumqttc::mqttbytes::v4::{LastWill, PubRel, Publish};
use rumqttc::{Packet, QoS as ClientQoS};

#[tokio::test]
async fn a_newer_session_with_the_same_device_id_takes_over() {
    let emulator = start().await;
    let mut first = connected(&emulator, "d:dev7", Via::Tcp).await;
    let first_id = emulator.sessions()[0].connection_id;
    let _second = connected(&emulator, "dev7", Via::Wss).await;
    first.expect_disconnected().await;
    assert_eq!(
        emulator.wait_for_disconnect("dev7", WAIT).await,
        Ok(DisconnectReason::TakenOver)
    );
    let sessions = emulator.sessions();
    assert_eq!(sessions.len(), 1);
    assert_ne!(sessions[0].connection_id, first_id);
    assert_eq!(sessions[0].client_id, "dev7");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_one_and_a_half_keep_alives() {
    let emulator = start().await;
    let mut raw = RawClient::connect(&emulator).await;
    let started = Instant::now();
    raw.send(&packet_bytes(&Packet::Connect(connect_packet("d:quiet1", 1))))
        .await;
    assert_eq!(raw.connack_code().await, 0);
    raw.expect_closed().await;
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(1400), "closed after {elapsed:?}");
    assert_eq!(
        emulator.wait_for_disconnect("quiet1", WAIT).await,
        Ok(DisconnectReason::KeepAliveExpired)
    );
}

#[tokio::test]
async fn pings_keep_a_connection_alive() {
    let emulator = start().await;
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&packet_bytes(&Packet::Connect(connect_packet("d:pinger", 1))))
        .await;
    assert_eq!(raw.connack_code().await, 0);
    let started = Instant::now();
    // Ping every PINGRESP: the server answers each, and the session outlives 1.5 s.
    while started.elapsed() < Duration::from_millis(2500) {
        raw.send(&packet_bytes(&Packet::PingReq)).await;
        assert_eq!(raw.next_packet().await, Some(Packet::PingResp));
        tokio::time::sleep(Duration::from_millis(300)).await; // pacing the client, not synchronization
    }
    assert_eq!(emulator.sessions().len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_packet_over_16184_bytes_closes_the_connection() {
    let emulator = start().await;
    let mut options = options(&emulator, "d:big1", Via::Tcp);
    options.set_max_packet_size(100_000, 100_000);
    let mut device = spawn_client(options);
    assert_eq!(device.connack_code().await, 0);
    // "s/us" publish, QoS 0: 3 + 2 + 4 + payload bytes
    let at_limit = vec![b'a'; MAX_PACKET_SIZE - 9];
    device
        .client
        .publish("s/us", ClientQoS::AtMostOnce, false, at_limit.clone())
        .await
        .unwrap();
    emulator
        .wait_for_publish(|p| p.publish.payload.len() == at_limit.len(), WAIT)
        .await
        .unwrap();

    let over = vec![b'b'; MAX_PACKET_SIZE - 8];
    device
        .client
        .publish("s/us", ClientQoS::AtMostOnce, false, over)
        .await
        .unwrap();
    device.expect_disconnected().await;
    assert_eq!(
        emulator.wait_for_disconnect("big1", WAIT).await,
        Ok(DisconnectReason::PacketTooLarge {
            size: MAX_PACKET_SIZE + 1
        })
    );
    assert_eq!(emulator.publishes().len(), 1);
    emulator.shutdown().await;
}

fn will_options(emulator: &c8y_mqtt_emulator::EmulatorHandle, id: &str) -> rumqttc::MqttOptions {
    let mut options = options(emulator, id, Via::Tcp);
    options.set_last_will(LastWill::new(
        "s/us",
        "400,c8y_ConnectionEvent,\"Device connection was lost.\"",
        ClientQoS::AtLeastOnce,
        true,
    ));
    options
}

#[tokio::test]
async fn the_last_will_is_published_on_an_abnormal_disconnect_only() {
    let emulator = start().await;

    // clean DISCONNECT: no will
    let mut polite = spawn_client(will_options(&emulator, "d:polite"));
    assert_eq!(polite.connack_code().await, 0);
    polite.client.disconnect().await.unwrap();
    assert_eq!(
        emulator.wait_for_disconnect("polite", WAIT).await,
        Ok(DisconnectReason::ClientDisconnect)
    );

    // connection lost without DISCONNECT: the will
    let mut connect = connect_packet("d:rude", 30);
    connect.last_will = Some(LastWill::new(
        "s/us",
        "400,c8y_ConnectionEvent,lost",
        ClientQoS::AtLeastOnce,
        true,
    ));
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&packet_bytes(&Packet::Connect(connect))).await;
    assert_eq!(raw.connack_code().await, 0);
    drop(raw);
    let will = emulator
        .wait_for_publish(|p| p.publish.origin == PublishOrigin::LastWill, WAIT)
        .await
        .unwrap();
    assert_eq!(will.session.device_id, "rude");
    assert_eq!(will.publish.topic, "s/us");
    assert_eq!(
        will.publish.payload,
        Bytes::from_static(b"400,c8y_ConnectionEvent,lost")
    );
    assert!(matches!(
        emulator.wait_for_disconnect("rude", WAIT).await,
        Ok(DisconnectReason::ConnectionLost(_))
    ));

    let wills: Vec<_> = emulator
        .publishes()
        .into_iter()
        .filter(|p| p.publish.origin == PublishOrigin::LastWill)
        .collect();
    assert_eq!(
        wills.len(),
        1,
        "only the abnormal disconnect published its will: {wills:?}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn qos2_publishes_are_processed_once_on_pubrel() {
    let emulator = start().await;
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&packet_bytes(&Packet::Connect(connect_packet("d:exact", 30))))
        .await;
    assert_eq!(raw.connack_code().await, 0);

    let mut publish = Publish::new("s/us", ClientQoS::ExactlyOnce, "200,c8y_T,T,9");
    publish.pkid = 7;
    raw.send(&packet_bytes(&Packet::Publish(publish.clone()))).await;
    assert!(matches!(raw.next_packet().await, Some(Packet::PubRec(r)) if r.pkid == 7));
    assert!(emulator.publishes().is_empty(), "held until PUBREL");
    publish.dup = true;
    raw.send(&packet_bytes(&Packet::Publish(publish))).await;
    assert!(matches!(raw.next_packet().await, Some(Packet::PubRec(r)) if r.pkid == 7));

    raw.send(&packet_bytes(&Packet::PubRel(PubRel::new(7)))).await;
    assert!(matches!(raw.next_packet().await, Some(Packet::PubComp(c)) if c.pkid == 7));
    let published: Vec<_> = emulator
        .events()
        .into_iter()
        .filter(|e| matches!(e, EmulatorEvent::Published { .. }))
        .collect();
    assert_eq!(published.len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_sessions_without_wills_and_frees_the_ports() {
    let emulator = start().await;
    let mut device = spawn_client(will_options(&emulator, "d:bye1"));
    assert_eq!(device.connack_code().await, 0);
    let addr = emulator.mqtt_addr().unwrap();
    emulator.shutdown().await;
    device.expect_disconnected().await;
    assert_eq!(
        emulator.wait_for_disconnect("bye1", WAIT).await,
        Ok(DisconnectReason::Shutdown)
    );
    assert!(emulator.sessions().is_empty());
    assert!(emulator.publishes().is_empty(), "no will on shutdown");
    assert!(tokio::net::TcpListener::bind(addr).await.is_ok(), "port released");
}
