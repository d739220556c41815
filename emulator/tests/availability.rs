//! Availability and the last will, on a clock the test advances (docs/protocol.md §11.3, §1.6):
//! `117` makes a silent device UNAVAILABLE with a `c8y_UnavailabilityAlarm`, its next message
//! makes it AVAILABLE and clears the alarm; a last will (SmartREST or JSON) is processed as the
//! device's publish on an unclean disconnect, counts as a message and leaves the connection
//! DISCONNECTED.

mod common;
mod platform_support;

use std::time::Duration;

use c8y_mqtt_emulator::model::RecordFilter;
use c8y_mqtt_emulator::{Clock, Emulator, EmulatorHandle};
use common::{WAIT, spawn_client};
use platform_support::{BOOTSTRAP_PASSWORD, DEVICE_PASSWORD, TENANT, publish, ready_device, tcp_options};
use rumqttc::{LastWill, QoS};
use serde_json::Value;

async fn start(clock: &Clock) -> EmulatorHandle {
    Emulator::builder()
        .tenant(TENANT)
        .bootstrap_password(BOOTSTRAP_PASSWORD)
        .user("device_1", DEVICE_PASSWORD)
        .clock(clock.clone())
        .start()
        .await
        .expect("emulator starts")
}

fn availability(mo: &Value) -> &str {
    mo["c8y_Availability"]["status"].as_str().unwrap_or_default()
}

async fn wait_for_availability(emulator: &EmulatorHandle, status: &str) -> Value {
    emulator
        .wait_for_managed_object("1", |mo| availability(mo) == status, WAIT)
        .await
        .unwrap_or_else(|_| panic!("device becomes {status}"))
}

fn unavailability_alarms(emulator: &EmulatorHandle) -> Vec<Value> {
    emulator.alarms(&RecordFilter::all().source("1").of_type("c8y_UnavailabilityAlarm"))
}

#[tokio::test]
async fn a_silent_device_becomes_unavailable_and_recovers_on_its_next_message() {
    let clock = Clock::manual();
    let emulator = start(&clock).await;
    let platform = emulator.cumulocity().expect("default platform").clone();
    let device = ready_device(&emulator, "1").await;
    publish(&device, "s/us", "117,5").await;
    emulator
        .wait_for_managed_object(
            "1",
            |mo| mo["c8y_RequiredAvailability"]["responseInterval"] == 5,
            WAIT,
        )
        .await
        .expect("required interval stored");
    assert_eq!(platform.check_availability(), 0);

    clock.advance(Duration::from_secs(4 * 60 + 59));
    assert_eq!(platform.check_availability(), 0, "still within 5 minutes");
    assert!(unavailability_alarms(&emulator).is_empty());

    // The advance wakes the emulator's monitor: no explicit check needed.
    clock.advance(Duration::from_secs(1));
    let mo = wait_for_availability(&emulator, "UNAVAILABLE").await;
    assert!(mo["c8y_Availability"]["lastMessage"].is_string());
    let alarms = unavailability_alarms(&emulator);
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0]["status"], "ACTIVE");
    assert_eq!(alarms[0]["severity"], "MAJOR");
    assert!(
        alarms[0]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("No communication with device since ")
    );

    // Any message: the device is back and the alarm cleared.
    publish(&device, "s/us", "211,20").await;
    wait_for_availability(&emulator, "AVAILABLE").await;
    let alarms = unavailability_alarms(&emulator);
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0]["status"], "CLEARED");
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_interval_of_zero_is_maintenance_without_alarm() {
    let clock = Clock::manual();
    let emulator = start(&clock).await;
    let platform = emulator.cumulocity().expect("default platform").clone();
    let device = ready_device(&emulator, "1").await;
    publish(&device, "s/us", "117,0").await;
    wait_for_availability(&emulator, "MAINTENANCE").await;
    clock.advance(Duration::from_secs(24 * 3600));
    platform.check_availability();
    assert_eq!(
        availability(&emulator.managed_object_by_external_id("1").expect("device")),
        "MAINTENANCE"
    );
    assert!(unavailability_alarms(&emulator).is_empty());
    emulator.shutdown().await;
}

/// A session of device `1` with a last will on `topic`.
async fn with_will(emulator: &EmulatorHandle, topic: &str, payload: &str) -> common::TestClient {
    let mut options = tcp_options(emulator, "d:1", &format!("{TENANT}/device_1"), DEVICE_PASSWORD);
    options.set_last_will(LastWill::new(
        topic,
        payload.as_bytes().to_vec(),
        QoS::AtLeastOnce,
        false,
    ));
    let mut client = spawn_client(options);
    assert_eq!(client.connack_code().await, 0);
    client
}

#[tokio::test]
async fn a_smartrest_will_is_processed_as_the_devices_message_and_counts_for_availability() {
    let clock = Clock::manual();
    let emulator = start(&clock).await;
    let device = with_will(
        &emulator,
        "s/us",
        "400,c8y_ConnectionEvent,\"Device connection was lost.\"",
    )
    .await;
    publish(&device, "s/us", "100\n117,1").await;
    wait_for_availability(&emulator, "AVAILABLE").await;
    clock.advance(Duration::from_secs(120));
    wait_for_availability(&emulator, "UNAVAILABLE").await;

    assert!(emulator.drop_connection("1"));
    let platform = emulator.cumulocity().expect("default platform");
    let event = platform
        .wait_for_event(|e| e["type"] == "c8y_ConnectionEvent", WAIT)
        .await
        .expect("the will's event");
    assert_eq!(event["text"], "Device connection was lost.");
    let mo = emulator
        .wait_for_managed_object(
            "1",
            |mo| mo["c8y_Connection"]["status"] == "DISCONNECTED" && availability(mo) == "AVAILABLE",
            WAIT,
        )
        .await
        .expect("disconnected, and available again through the will");
    assert_eq!(mo["c8y_Connection"]["status"], "DISCONNECTED");
    assert_eq!(unavailability_alarms(&emulator)[0]["status"], "CLEARED");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_json_will_is_processed_and_a_clean_disconnect_publishes_none() {
    let clock = Clock::manual();
    let emulator = start(&clock).await;
    let device = with_will(
        &emulator,
        "event/events/create",
        r#"{"type":"c8y_Gone","text":"connection lost"}"#,
    )
    .await;
    publish(&device, "s/us", "100").await;
    emulator
        .wait_for_managed_object("1", |_| true, WAIT)
        .await
        .expect("device");
    assert!(emulator.drop_connection("1"));
    let platform = emulator.cumulocity().expect("default platform");
    platform
        .wait_for_event(|e| e["type"] == "c8y_Gone", WAIT)
        .await
        .expect("the JSON will's event");

    // A clean DISCONNECT: no will (the event count stays at one once the session ended).
    let device = with_will(
        &emulator,
        "event/events/create",
        r#"{"type":"c8y_Gone","text":"connection lost"}"#,
    )
    .await;
    device.client.disconnect().await.expect("disconnect queued");
    emulator
        .wait_for_disconnect("1", WAIT)
        .await
        .expect("disconnected");
    emulator
        .wait_for_managed_object("1", |mo| mo["c8y_Connection"]["status"] == "DISCONNECTED", WAIT)
        .await
        .expect("disconnected status");
    assert_eq!(
        emulator
            .platform_events(&RecordFilter::all().of_type("c8y_Gone"))
            .len(),
        1
    );
    emulator.shutdown().await;
}
