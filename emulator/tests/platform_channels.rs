//! The SmartREST 2.0, JSON-over-MQTT and SmartREST 1.0 channels end to end over MQTT: the
//! SmartREST 2.0 part of the transcript of docs/protocol.md (§11.11), operations rendered on `s/dd`,
//! `s/dc/<X-ID>` and `devicecontrol/notifications`, and JSON requests with their errors.

mod common;
mod platform_support;

use c8y_mqtt_emulator::model::RecordFilter;
use common::{WAIT, spawn_client};
use platform_support::*;
use serde_json::{Value, json};

/// A session of device 1234 with default X-ID `myCommon_10` that created its device.
async fn transcript_device(emulator: &c8y_mqtt_emulator::EmulatorHandle) -> common::TestClient {
    let options = tcp_options(
        emulator,
        "d:1234:myCommon_10",
        "t12345/device_1234",
        DEVICE_PASSWORD,
    );
    let mut device = spawn_client(options);
    assert_eq!(device.connack_code().await, 0);
    publish(&device, "s/us", "100,My device,c8y_MQTTDevice").await;
    emulator
        .wait_for_managed_object("1234", |_| true, WAIT)
        .await
        .unwrap();
    for topic in [
        "s/ds",
        "s/e",
        "s/dt",
        "s/dd",
        "devicecontrol/notifications",
        "error",
    ] {
        subscribe(&mut device, topic).await;
    }
    device
}

#[tokio::test]
async fn smartrest2_transcript_and_operation_rendering() {
    let emulator = start_with(&["1234"]).await;
    let mut device = transcript_device(&emulator).await;

    // -> s/ut/myCommon_10 (empty)   <- s/dt 41,myCommon_10
    publish(&device, "s/ut/myCommon_10", "").await;
    assert_eq!(next_on(&mut device, "s/dt").await, "41,myCommon_10");

    publish(
        &device,
        "s/ut/myCommon_10",
        "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,\n\
         11,888,,c8y_Command,c8y_Command.text",
    )
    .await;
    // -> s/ut/myCommon_10 (empty)   <- s/dt 20,myCommon_10,<collectionMoId>
    publish(&device, "s/ut/myCommon_10", "").await;
    let status = next_on(&mut device, "s/dt").await;
    let collection_id = status.strip_prefix("20,myCommon_10,").expect("20 line");
    let collection = emulator
        .cumulocity()
        .unwrap()
        .managed_object(collection_id)
        .unwrap();
    assert_eq!(collection["type"], "c8y_SmartRest2Template");

    // -> s/ud 999,,25: a measurement through the default collection, at server time.
    publish(&device, "s/ud", "999,,25").await;
    let measurement = emulator
        .wait_for_measurement(|m| m["type"] == "c8y_MyMeasurement", WAIT)
        .await
        .unwrap();
    assert_eq!(measurement["c8y_MyMeasurement"]["M"]["value"], json!(25));
    assert!(measurement["time"].is_string(), "server time applied");

    // An operation reaches every subscribed channel: static s/ds, SmartREST 2.0 s/dd, JSON.
    let op = emulator
        .create_operation("1234", json!({"c8y_Command": {"text": "echo \"hi\""}}))
        .unwrap();
    let received = next_publishes(&mut device, 3).await;
    let on = |topic: &str| -> &str {
        let found = received.iter().find(|(t, _)| t == topic);
        &found
            .unwrap_or_else(|| panic!("nothing on {topic}: {received:?}"))
            .1
    };
    // Byte for byte as in the transcript of docs/protocol.md: the platform escapes quotes with `\"`.
    assert_eq!(on("s/ds"), r#"511,1234,"echo \"hi\"""#);
    assert_eq!(on("s/dd"), r#"888,1234,"echo \"hi\"""#);
    let notification: Value = serde_json::from_str(on("devicecontrol/notifications")).unwrap();
    assert_eq!(notification["id"], op["id"]);
    assert_eq!(notification["c8y_Command"]["text"], "echo \"hi\"");
    assert_eq!(
        notification["externalSource"],
        json!({"externalId": "1234", "type": "c8y_Serial"})
    );

    // -> s/us 999,I made this up   <- s/e 40,999,No static template for this message id
    publish(&device, "s/us", "999,I made this up").await;
    assert_eq!(
        next_on(&mut device, "s/e").await,
        "40,999,No static template for this message id"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn custom_collection_responses_go_to_its_own_topic() {
    let emulator = start_with(&["1234"]).await;
    let mut device = transcript_device(&emulator).await;
    subscribe(&mut device, "s/dc/ops_1").await;
    publish(&device, "s/ut/ops_1", "11,777,,c8y_Restart,id").await;
    publish(&device, "s/ut/ops_1", "").await;
    assert!(next_on(&mut device, "s/dt").await.starts_with("20,ops_1,"));
    let op = emulator
        .create_operation("1234", json!({"c8y_Restart": {}}))
        .unwrap();
    let line = next_on(&mut device, "s/dc/ops_1").await;
    assert_eq!(line, format!("777,1234,{}", op["id"].as_str().unwrap()));
    emulator.shutdown().await;
}

#[tokio::test]
async fn default_collection_without_default_xid_is_an_error() {
    let emulator = start_with(&["5678"]).await;
    let mut device = ready_device(&emulator, "5678").await;
    publish(&device, "s/ud", "999,,25").await;
    assert_eq!(
        next_on(&mut device, "s/e").await,
        "40,,No default X-ID in the client id (d:<id>:<X-ID>)"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn json_over_mqtt_creates_and_reports_errors() {
    let emulator = start_with(&["1234"]).await;
    let mut device = transcript_device(&emulator).await;
    publish(
        &device,
        "measurement/measurements/create",
        r#"{"type":"c8y_Temperature","c8y_Temperature":{"T":{"value":21.5,"unit":"C"}}}"#,
    )
    .await;
    let m = emulator
        .wait_for_measurement(|m| m["type"] == "c8y_Temperature", WAIT)
        .await
        .unwrap();
    assert_eq!(m["c8y_Temperature"]["T"]["value"], json!(21.5));
    let device_id = emulator.managed_object_by_external_id("1234").unwrap()["id"].clone();
    assert_eq!(m["source"]["id"], device_id, "source is the session's device");

    publish(
        &device,
        "event/events/create",
        r#"{"type":"c8y_Door","text":"opened"}"#,
    )
    .await;
    emulator
        .cumulocity()
        .unwrap()
        .wait_for_event(|e| e["type"] == "c8y_Door", WAIT)
        .await
        .unwrap();
    assert_eq!(
        emulator
            .platform_events(&RecordFilter::all().of_type("c8y_Door"))
            .len(),
        1
    );

    // Not JSON: a validation error on `error`.
    publish(&device, "alarm/alarms/create", "not json").await;
    let error: Value = serde_json::from_str(&next_on(&mut device, "error").await).unwrap();
    assert_eq!(error["error"], "undefined/validationError");
    // An unsupported action on a JSON resource: method not allowed.
    publish(&device, "alarm/alarms/delete/1", "").await;
    let error: Value = serde_json::from_str(&next_on(&mut device, "error").await).unwrap();
    assert_eq!(error["error"], "undefined/methodNotAllowed");
    emulator.shutdown().await;
}
