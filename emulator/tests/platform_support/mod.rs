//! Helpers for the Cumulocity platform tests: an emulator with one device user, device sessions
//! that publish rows and read what the platform sends back.
#![allow(dead_code)]

use std::time::Duration;

use c8y_mqtt_emulator::{Emulator, EmulatorHandle};
use rumqttc::{MqttOptions, Packet, QoS, SubscribeReasonCode};
use serde_json::Value;

use crate::common::{TestClient, WAIT, spawn_client};

pub const TENANT: &str = "t12345";
pub const BOOTSTRAP_PASSWORD: &str = "boot-pw";
/// The password of every `device_<id>` user the tests create up front.
pub const DEVICE_PASSWORD: &str = "device-pw";

/// An emulator of tenant `t12345` with users `device_<id>` for `devices`.
pub async fn start_with(devices: &[&str]) -> EmulatorHandle {
    let mut builder = Emulator::builder()
        .tenant(TENANT)
        .bootstrap_password(BOOTSTRAP_PASSWORD);
    for device in devices {
        builder = builder.user(format!("device_{device}"), DEVICE_PASSWORD);
    }
    builder.start().await.expect("emulator starts")
}

/// Options for a plain-TCP client.
pub fn tcp_options(
    emulator: &EmulatorHandle,
    client_id: &str,
    username: &str,
    password: &str,
) -> MqttOptions {
    let addr = emulator.mqtt_addr().expect("mqtt listener");
    let mut options = MqttOptions::new(client_id, addr.ip().to_string(), addr.port());
    options.set_credentials(username, password);
    options.set_keep_alive(Duration::from_secs(30));
    options
}

/// A connected session of device `id` (client id `d:<id>`, user `device_<id>`).
pub async fn device(emulator: &EmulatorHandle, id: &str) -> TestClient {
    let options = tcp_options(
        emulator,
        &format!("d:{id}"),
        &format!("{TENANT}/device_{id}"),
        DEVICE_PASSWORD,
    );
    let mut client = spawn_client(options);
    assert_eq!(client.connack_code().await, 0, "device {id} connects");
    client
}

/// A device session that created its device (`100`) and subscribed to `s/ds` and `s/e`.
pub async fn ready_device(emulator: &EmulatorHandle, id: &str) -> TestClient {
    let mut client = device(emulator, id).await;
    publish(&client, "s/us", "100").await;
    emulator
        .wait_for_managed_object(id, |_| true, WAIT)
        .await
        .expect("device created");
    subscribe(&mut client, "s/ds").await;
    subscribe(&mut client, "s/e").await;
    client
}

/// Publishes at QoS 1.
pub async fn publish(client: &TestClient, topic: &str, payload: &str) {
    client
        .client
        .publish(topic, QoS::AtLeastOnce, false, payload.as_bytes().to_vec())
        .await
        .expect("publish queued");
}

/// Subscribes at QoS 1 and returns the SUBACK code.
pub async fn try_subscribe(client: &mut TestClient, topic: &str) -> SubscribeReasonCode {
    client
        .client
        .subscribe(topic, QoS::AtLeastOnce)
        .await
        .expect("subscribe queued");
    let Packet::SubAck(ack) = client.expect_incoming(|p| matches!(p, Packet::SubAck(_))).await else {
        unreachable!()
    };
    ack.return_codes.first().copied().expect("one return code")
}

/// Subscribes at QoS 1 and asserts success.
pub async fn subscribe(client: &mut TestClient, topic: &str) {
    assert_eq!(
        try_subscribe(client, topic).await,
        SubscribeReasonCode::Success(QoS::AtLeastOnce),
        "subscribe {topic}"
    );
}

/// The payload of the next publish on `topic` (other publishes are skipped).
pub async fn next_on(client: &mut TestClient, topic: &str) -> String {
    let Packet::Publish(publish) = client
        .expect_incoming(|p| matches!(p, Packet::Publish(p) if p.topic == topic))
        .await
    else {
        unreachable!()
    };
    String::from_utf8(publish.payload.to_vec()).expect("UTF-8 payload")
}

/// The next `count` payloads on `topic`.
pub async fn next_n_on(client: &mut TestClient, topic: &str, count: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(next_on(client, topic).await);
    }
    out
}

/// A string field of a JSON value by pointer.
pub fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value}"))
}

/// The next `count` publishes on any topic, as (topic, payload), in arrival order.
pub async fn next_publishes(client: &mut TestClient, count: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for _ in 0..count {
        let Packet::Publish(publish) = client.expect_incoming(|p| matches!(p, Packet::Publish(_))).await
        else {
            unreachable!()
        };
        out.push((
            publish.topic.clone(),
            String::from_utf8(publish.payload.to_vec()).expect("UTF-8"),
        ));
    }
    out
}
