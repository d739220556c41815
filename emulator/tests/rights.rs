//! Rights as the platform enforces them, probed as an attacker would: a device user cannot
//! connect as another user's device (no session takeover), the bootstrap user neither takes over
//! a device's session nor receives its messages, and JSON over MQTT reaches only the publishing
//! device's hierarchy, with every refusal reported on the `error` topic.

mod common;
mod platform_support;

use c8y_mqtt_emulator::EmulatorEvent;
use c8y_mqtt_emulator::model::RecordFilter;
use platform_support::{
    BOOTSTRAP_PASSWORD, DEVICE_PASSWORD, TENANT, next_on, publish, ready_device, start_with, str_at,
    subscribe, tcp_options, try_subscribe,
};
use rumqttc::SubscribeReasonCode;
use serde_json::{Value, json};

use crate::common::{TestClient, WAIT, spawn_client};

/// Connects user `device_<user>` with client id `d:<device>`; returns the client and its CONNACK.
async fn connect_as(
    emulator: &c8y_mqtt_emulator::EmulatorHandle,
    user: &str,
    device: &str,
) -> (TestClient, u8) {
    let options = tcp_options(
        emulator,
        &format!("d:{device}"),
        &format!("{TENANT}/device_{user}"),
        DEVICE_PASSWORD,
    );
    let mut client = spawn_client(options);
    let code = client.connack_code().await;
    (client, code)
}

/// The device's session is still the one of `user`, and it still answers: an unknown template
/// is answered with `40` on `s/e`.
async fn assert_still_served(
    emulator: &c8y_mqtt_emulator::EmulatorHandle,
    client: &mut TestClient,
    device: &str,
    user: &str,
) {
    let session = emulator
        .sessions()
        .into_iter()
        .find(|s| s.device_id == device)
        .expect("the device's session is connected");
    assert_eq!(session.user(), user);
    publish(client, "s/us", "999").await;
    assert_eq!(
        next_on(client, "s/e").await,
        "40,999,No static template for this message id"
    );
}

#[tokio::test]
async fn a_device_user_cannot_connect_as_another_users_device() {
    let emulator = start_with(&["1", "2"]).await;
    let mut owner = ready_device(&emulator, "1").await;

    let (_attacker, code) = connect_as(&emulator, "2", "1").await;
    assert_eq!(code, 5, "not authorized");
    emulator
        .wait_for_event(
            |e| matches!(e, EmulatorEvent::Refused { client_id, code: 5, .. } if client_id == "d:1"),
            WAIT,
        )
        .await
        .expect("refusal journaled");
    assert_still_served(&emulator, &mut owner, "1", "device_1").await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_new_device_id_belongs_to_the_user_that_connected_first() {
    let emulator = start_with(&["1", "2"]).await;
    // device_1 claims "gateway" by connecting with it; nothing is published yet.
    let (first, code) = connect_as(&emulator, "1", "gateway").await;
    assert_eq!(code, 0);
    let (_attacker, code) = connect_as(&emulator, "2", "gateway").await;
    assert_eq!(code, 5, "device_2 cannot take the session over");

    // The owner reconnects (and takes over its own session) as often as it likes.
    drop(first);
    let (mut again, code) = connect_as(&emulator, "1", "gateway").await;
    assert_eq!(code, 0);
    publish(&again, "s/us", "100").await;
    emulator
        .wait_for_managed_object("gateway", |_| true, WAIT)
        .await
        .expect("device created");
    subscribe(&mut again, "s/e").await;
    let (_attacker, code) = connect_as(&emulator, "2", "gateway").await;
    assert_eq!(code, 5, "still refused once the device exists");
    assert_still_served(&emulator, &mut again, "gateway", "device_1").await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_device_user_cannot_connect_as_a_child_of_another_device() {
    let emulator = start_with(&["1", "2"]).await;
    let owner = ready_device(&emulator, "1").await;
    publish(&owner, "s/us/child1", "101,child1,Child").await;
    emulator
        .wait_for_managed_object("child1", |_| true, WAIT)
        .await
        .expect("child created");
    let (_attacker, code) = connect_as(&emulator, "2", "child1").await;
    assert_eq!(code, 5);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_bootstrap_user_neither_takes_over_nor_receives_a_devices_messages() {
    let emulator = start_with(&["1"]).await;
    let mut owner = ready_device(&emulator, "1").await;

    let options = tcp_options(&emulator, "1", "management/devicebootstrap", BOOTSTRAP_PASSWORD);
    let mut bootstrap = spawn_client(options);
    assert_eq!(
        bootstrap.connack_code().await,
        0,
        "bootstrap may poll for credentials"
    );
    for topic in ["s/ds", "s/e", "devicecontrol/notifications", "error"] {
        assert_eq!(
            try_subscribe(&mut bootstrap, topic).await,
            SubscribeReasonCode::Failure,
            "bootstrap subscribes {topic}"
        );
    }
    subscribe(&mut bootstrap, "s/dcr").await;

    // The device's session survived and gets its operation; the bootstrap session gets nothing.
    emulator
        .create_operation("1", json!({"c8y_Restart": {}}))
        .expect("operation created");
    assert_eq!(next_on(&mut owner, "s/ds").await, "510,1");
    assert_still_served(&emulator, &mut owner, "1", "device_1").await;
    // Its publishes on device topics are ignored: no device, no data.
    publish(&bootstrap, "s/us", "211,99").await;
    publish(&bootstrap, "s/ucr", "").await;
    emulator
        .wait_for_device_request(
            "1",
            c8y_mqtt_emulator::model::DeviceRequestStatus::PendingAcceptance,
            WAIT,
        )
        .await
        .expect("the poll after the data publish was processed");
    assert!(emulator.measurements(&RecordFilter::all()).is_empty());
    emulator.shutdown().await;
}

/// The `error` topic's next message as JSON.
async fn next_error(client: &mut TestClient) -> Value {
    serde_json::from_str(&next_on(client, "error").await).expect("error is JSON")
}

#[tokio::test]
async fn json_over_mqtt_reaches_only_the_devices_own_hierarchy() {
    let emulator = start_with(&["1", "2"]).await;
    let victim = ready_device(&emulator, "1").await;
    publish(&victim, "s/us", "400,c8y_Door,Opened").await;
    publish(&victim, "s/us", "301,c8y_Fire,Burning").await;
    let platform = emulator.cumulocity().expect("default platform");
    let event = platform
        .wait_for_event(|_| true, WAIT)
        .await
        .expect("victim's event");
    let alarm = platform
        .wait_for_alarm(|_| true, WAIT)
        .await
        .expect("victim's alarm");
    let event_id = str_at(&event, "/id").to_owned();
    let alarm_id = str_at(&alarm, "/id").to_owned();

    let mut attacker = ready_device(&emulator, "2").await;
    subscribe(&mut attacker, "error").await;
    let attacks = [
        (
            "event/events/create".to_owned(),
            r#"{"type":"c8y_Fake","text":"forged","externalSource":{"externalId":"1","type":"c8y_Serial"}}"#,
        ),
        (
            "inventory/managedObjects/update/1".to_owned(),
            r#"{"name":"pwned"}"#,
        ),
        (
            format!("alarm/alarms/update/{alarm_id}"),
            r#"{"status":"CLEARED"}"#,
        ),
        (format!("event/events/delete/{event_id}"), ""),
    ];
    for (topic, payload) in &attacks {
        publish(&attacker, topic, payload).await;
        let error = next_error(&mut attacker).await;
        assert_eq!(error["error"], "security/Forbidden", "{topic}: {error}");
    }

    let victim_mo = emulator.managed_object_by_external_id("1").expect("victim");
    assert_eq!(victim_mo["name"], "MQTT Device 1", "not renamed");
    let events = emulator.platform_events(&RecordFilter::all().source("1"));
    assert_eq!(
        events.len(),
        1,
        "no forged event, the real one not deleted: {events:?}"
    );
    assert_eq!(events[0]["type"], "c8y_Door");
    let alarm = emulator
        .alarms(&RecordFilter::all().source("1"))
        .pop()
        .expect("victim's alarm");
    assert_eq!(alarm["status"], "ACTIVE", "not cleared");
    drop(victim);
    emulator.shutdown().await;
}

#[tokio::test]
async fn json_over_mqtt_creates_devices_only_below_the_publishing_device() {
    let emulator = start_with(&["2"]).await;
    let mut device2 = ready_device(&emulator, "2").await;
    subscribe(&mut device2, "error").await;
    publish(
        &device2,
        "inventory/managedObjects/create",
        r#"{"name":"Rogue root","c8y_IsDevice":{}}"#,
    )
    .await;
    // An unknown external source becomes a first-level child, as `s/us/<child>` would.
    publish(
        &device2,
        "measurement/measurements/create",
        r#"{"type":"c8y_T","c8y_T":{"T":{"value":1}},"externalSource":{"externalId":"sensor","type":"c8y_Serial"}}"#,
    )
    .await;
    emulator
        .wait_for_measurement(|_| true, WAIT)
        .await
        .expect("measurement stored");
    let children: Vec<String> = emulator
        .child_devices("2")
        .iter()
        .map(|c| str_at(c, "/name").to_owned())
        .collect();
    assert_eq!(children, ["Rogue root", "MQTT Device sensor"]);
    let roots = emulator
        .cumulocity()
        .expect("default platform")
        .managed_objects()
        .into_iter()
        .filter(|mo| mo.get("c8y_IsDevice").is_some())
        .count();
    assert_eq!(roots, 3, "device 2 and its two children, no other device");
    emulator.shutdown().await;
}

#[tokio::test]
async fn static_child_topics_stay_in_the_publishing_devices_hierarchy() {
    // The regression guard for SmartREST: naming another root as a child level is refused, and
    // the victim's operations still go to the victim only.
    let emulator = start_with(&["1", "2"]).await;
    let mut victim = ready_device(&emulator, "1").await;
    let mut attacker = ready_device(&emulator, "2").await;
    publish(&attacker, "s/us/1", "211,66").await;
    let error = next_on(&mut attacker, "s/e").await;
    assert!(error.starts_with("50,211,"), "{error}");
    emulator
        .create_operation("1", json!({"c8y_Restart": {}}))
        .expect("operation");
    assert_eq!(next_on(&mut victim, "s/ds").await, "510,1");
    assert!(emulator.measurements(&RecordFilter::all()).is_empty());
    emulator.shutdown().await;
}
