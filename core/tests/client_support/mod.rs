//! Shared helpers for the client's integration tests: an emulator with one device user, client
//! configurations for each transport, and waits on client events.
#![allow(dead_code)]

use std::time::Duration;

use c8y_mqtt::client::{
    Client, Config, ConfigBuilder, ConnectionState, Event, NextEvent, ReconnectPolicy, TransportKind,
    TrustRoots,
};
use c8y_mqtt_emulator::{Emulator, EmulatorEvent, EmulatorHandle, ReceivedPublish};

/// How long any wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

pub const TENANT: &str = "t100";
pub const USER: &str = "device_dev1";
pub const PASSWORD: &str = "secret-1";
pub const DEVICE: &str = "dev1";

/// An emulator with tenant `t100` and user `device_dev1` / `secret-1`.
pub async fn emulator() -> EmulatorHandle {
    Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .start()
        .await
        .expect("emulator starts")
}

/// A fast reconnect policy for tests.
pub fn fast_reconnect() -> ReconnectPolicy {
    ReconnectPolicy {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
        multiplier: 2.0,
        jitter: 0.5,
        stable_after: Duration::from_secs(5),
    }
}

/// A configuration for `emulator` over `transport`, logged in as the test user.
pub fn config(emulator: &EmulatorHandle, transport: TransportKind) -> ConfigBuilder {
    let (host, port) = match transport {
        TransportKind::Tcp => ("127.0.0.1".to_owned(), emulator.mqtt_addr().expect("mqtt").port()),
        TransportKind::Tls => (
            "localhost".to_owned(),
            emulator.mqtts_addr().expect("mqtts").port(),
        ),
        TransportKind::Ws => ("127.0.0.1".to_owned(), emulator.addrs().ws.expect("ws").port()),
        TransportKind::Wss => ("127.0.0.1".to_owned(), emulator.addrs().wss.expect("wss").port()),
    };
    let ca = emulator.ca_pem().expect("generated CA").to_owned();
    Config::builder(host, DEVICE)
        .port(port)
        .transport(transport)
        .password(TENANT, USER, PASSWORD)
        .trust(TrustRoots::CaPem(ca))
        .reconnect(fast_reconnect())
        // The platform refuses subscriptions before the device exists (docs/protocol.md §1.6).
        .create_device(c8y_mqtt::templates::upstream::DeviceCreation::new())
}

/// Starts a client on plain TCP and waits until it is connected.
pub async fn connected_client(builder: ConfigBuilder) -> Client {
    let client = Client::start(builder.build().expect("valid config")).expect("client starts");
    client.wait_connected(WAIT).await.expect("connected");
    client
}

/// Waits for the first client event `pred` accepts; panics on close or timeout.
pub async fn expect_event(client: &Client, mut pred: impl FnMut(&Event) -> bool) -> Event {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            match client.next_event().await {
                NextEvent::Event(event) if pred(&event) => return event,
                NextEvent::Event(_) | NextEvent::Timeout => {}
                NextEvent::Closed => panic!("event stream closed"),
            }
        }
    })
    .await;
    found.expect("expected event within the timeout")
}

/// Waits until the client has no packet in flight, for example until the start-up `500` is
/// acknowledged: an acknowledgement hands over what is queued at once, so a test that checks
/// how queued rows are grouped starts queueing after it.
pub async fn wait_nothing_in_flight(client: &Client) {
    tokio::time::timeout(WAIT, async {
        while client.statistics().in_flight_now > 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("nothing in flight within the timeout");
}

/// Waits for a device publish on `topic` whose payload is `payload`.
pub async fn expect_publish(emulator: &EmulatorHandle, topic: &str, payload: &str) -> ReceivedPublish {
    emulator
        .wait_for_publish(
            |p| p.publish.topic == topic && p.publish.payload == payload.as_bytes(),
            WAIT,
        )
        .await
        .unwrap_or_else(|_| panic!("expected {topic} {payload:?}; got {:?}", payloads(emulator)))
}

/// Every device publish so far as (topic, payload text).
pub fn payloads(emulator: &EmulatorHandle) -> Vec<(String, String)> {
    emulator
        .publishes()
        .into_iter()
        .map(|p| {
            (
                p.publish.topic,
                String::from_utf8_lossy(&p.publish.payload).into_owned(),
            )
        })
        .collect()
}

/// How many CONNECTs the emulator saw for the device (accepted or refused).
pub fn connect_attempts(emulator: &EmulatorHandle) -> usize {
    emulator
        .events()
        .iter()
        .filter(|e| match e {
            EmulatorEvent::Connected(s) => s.device_id == DEVICE,
            EmulatorEvent::Refused { client_id, .. } => client_id.ends_with(DEVICE),
            _ => false,
        })
        .count()
}

/// Whether `state` is a connected state event.
pub fn is_connected(event: &Event) -> bool {
    matches!(event, Event::ConnectionState(ConnectionState::Connected))
}

/// A child process that is killed (SIGKILL) and reaped when dropped, also when the test fails.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
