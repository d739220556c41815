//! The static parts of the end-to-end transcript of docs/protocol.md (§11.11), replayed against the
//! Cumulocity platform: bootstrap, reconnect with the delivered credentials, inventory rows,
//! operation delivery on `500`, status updates, an unknown template and child auto-creation.

mod common;
mod platform_support;

use c8y_mqtt_emulator::model::{DeviceRequestStatus, RecordFilter};
use common::{WAIT, spawn_client};
use platform_support::*;
use rumqttc::Packet;
use serde_json::json;

#[tokio::test]
async fn transcript_bootstrap_to_child_measurement() {
    let emulator = start_with(&[]).await;
    emulator.register_device("1234").expect("default platform");

    // bootstrap (ClientId "1234", user management/devicebootstrap)
    let options = tcp_options(
        &emulator,
        "1234",
        "management/devicebootstrap",
        BOOTSTRAP_PASSWORD,
    );
    let mut boot = spawn_client(options);
    assert_eq!(boot.connack_code().await, 0);
    subscribe(&mut boot, "s/dcr").await;
    publish(&boot, "s/ucr", "").await;
    emulator
        .wait_for_device_request("1234", DeviceRequestStatus::PendingAcceptance, WAIT)
        .await
        .unwrap();
    publish(&boot, "s/ucr", "").await;
    boot.expect_no_incoming(|p| matches!(p, Packet::Publish(_))).await;
    emulator.accept_device_request("1234").unwrap();
    publish(&boot, "s/ucr", "").await;
    let credentials = next_on(&mut boot, "s/dcr").await;
    let users = emulator.cumulocity().unwrap().device_users();
    let (user, password) = users.first().cloned().expect("device user created");
    assert_eq!(user, "device_1234");
    assert_eq!(credentials, format!("70,t12345,device_1234,{password}"));
    boot.client.disconnect().await.unwrap();

    // normal session (ClientId "d:1234:myCommon_10", user t12345/device_1234)
    let options = tcp_options(&emulator, "d:1234:myCommon_10", "t12345/device_1234", &password);
    let mut device = spawn_client(options);
    assert_eq!(device.connack_code().await, 0, "the delivered credentials log in");
    publish(&device, "s/us", "100,My device,c8y_MQTTDevice").await;
    publish(
        &device,
        "s/us",
        "110,1234,Model X,1.0\n117,60\n114,c8y_Restart,c8y_Command",
    )
    .await;
    let mo = emulator
        .wait_for_managed_object("1234", |mo| mo.get("c8y_SupportedOperations").is_some(), WAIT)
        .await
        .unwrap();
    assert_eq!(mo["name"], "My device");
    assert_eq!(mo["type"], "c8y_MQTTDevice");
    assert_eq!(mo["c8y_IsDevice"], json!({}));
    assert_eq!(mo["com_cumulocity_model_Agent"], json!({}));
    assert_eq!(
        mo["c8y_Hardware"],
        json!({"serialNumber": "1234", "model": "Model X", "revision": "1.0"})
    );
    assert_eq!(mo["c8y_RequiredAvailability"], json!({"responseInterval": 60}));
    assert_eq!(
        mo["c8y_SupportedOperations"],
        json!(["c8y_Restart", "c8y_Command"])
    );

    // an operation created before the device subscribed is delivered by 500
    let op = emulator
        .create_operation("1234", json!({"c8y_Command": {"text": "echo \"hi\""}}))
        .unwrap();
    let op_id = op["id"].as_str().unwrap().to_owned();
    subscribe(&mut device, "s/ds").await;
    subscribe(&mut device, "s/e").await;
    publish(&device, "s/us", "500").await;
    // byte for byte as docs/protocol.md writes it: the platform escapes quotes with `\"`
    assert_eq!(next_on(&mut device, "s/ds").await, r#"511,1234,"echo \"hi\"""#);

    publish(&device, "s/us", "501,c8y_Command").await;
    emulator
        .wait_for_operation_status(&op_id, "EXECUTING", WAIT)
        .await
        .unwrap();
    publish(&device, "s/us", "503,c8y_Command,\"hi\"").await;
    let done = emulator
        .wait_for_operation_status(&op_id, "SUCCESSFUL", WAIT)
        .await
        .unwrap();
    assert_eq!(
        done["c8y_Command"],
        json!({"text": "echo \"hi\"", "result": "hi"})
    );

    publish(&device, "s/us", "999,I made this up").await;
    assert_eq!(
        next_on(&mut device, "s/e").await,
        "40,999,No static template for this message id"
    );

    publish(&device, "s/us/child1", "211,21.5").await;
    let measurement = emulator
        .wait_for_measurement(|m| m["type"] == "c8y_TemperatureMeasurement", WAIT)
        .await
        .unwrap();
    let child = emulator
        .managed_object_by_external_id("child1")
        .expect("child1 auto-created");
    assert_eq!(measurement["source"]["id"], child["id"]);
    assert_eq!(
        measurement["c8y_TemperatureMeasurement"],
        json!({"T": {"value": 21.5, "unit": "C"}})
    );
    assert_eq!(child["name"], "MQTT Device child1");
    assert_eq!(child["type"], "c8y_MQTTChildDevice");
    let children = emulator.child_devices("1234");
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["id"], child["id"]);
    assert_eq!(
        emulator.measurements(&RecordFilter::all().source("child1")).len(),
        1
    );
    assert!(
        emulator
            .measurements(&RecordFilter::all().source("1234"))
            .is_empty()
    );
    device
        .expect_no_incoming(|p| matches!(p, Packet::Publish(p) if p.topic == "s/e"))
        .await;
    emulator.shutdown().await;
}
