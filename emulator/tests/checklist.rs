//! The rest of the emulator checklist (docs/protocol.md §11.8): `532` rendered on `s/ds`, and
//! operations rendered for SmartREST 1.0 on `s/ol/<X-ID>`.

mod common;
mod platform_support;

use platform_support::{TENANT, next_on, ready_device, start_with, subscribe};
use serde_json::json;

#[tokio::test]
async fn a_parameter_update_is_rendered_as_532() {
    let emulator = start_with(&["1"]).await;
    let mut device = ready_device(&emulator, "1").await;
    emulator
        .create_operation(
            "1",
            json!({
                "c8y_ParameterUpdate": {},
                "c8y_ParameterUpdate_AutoUpdater": {},
                "AutoUpdater": {"enabled": true, "interval": "hourly", "retries": 3},
                "Unmarked": {"ignored": 1}
            }),
        )
        .expect("operation created");
    assert_eq!(
        next_on(&mut device, "s/ds").await,
        "532,1,AutoUpdater.enabled,b,true,AutoUpdater.interval,s,hourly,AutoUpdater.retries,n,3"
    );
    // An update naming no parameter is not rendered; the next operation is the next row.
    emulator
        .create_operation("1", json!({"c8y_ParameterUpdate": {}}))
        .expect("operation created");
    emulator
        .create_operation("1", json!({"c8y_Restart": {}}))
        .expect("operation created");
    assert_eq!(next_on(&mut device, "s/ds").await, "510,1");
    emulator.shutdown().await;
}

#[tokio::test]
async fn operations_are_rendered_for_smartrest_1_on_s_ol() {
    let emulator = start_with(&["1"]).await;
    let platform = emulator.cumulocity().expect("default platform");
    platform
        .engines()
        .sr1
        .register(
            TENANT,
            "legacy-v1",
            b"11,800,,$.c8y_Command,$.deviceId,$.id,$.c8y_Command.text\n11,801,,$.c8y_Restart,$.deviceId,$.id",
        )
        .expect("collection registered");
    let mut device = ready_device(&emulator, "1").await;
    subscribe(&mut device, "s/ol/legacy-v1").await;
    let device_id = emulator.managed_object_by_external_id("1").expect("device")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let op = emulator
        .create_operation("1", json!({"c8y_Command": {"text": "uptime"}}))
        .expect("operation created");
    let op_id = op["id"].as_str().expect("id");
    assert_eq!(
        next_on(&mut device, "s/ol/legacy-v1").await,
        format!("800,1,{device_id},{op_id},uptime")
    );
    // Each operation is rendered by the templates whose condition it meets.
    let restart = emulator
        .create_operation("1", json!({"c8y_Restart": {}}))
        .expect("operation created");
    assert_eq!(
        next_on(&mut device, "s/ol/legacy-v1").await,
        format!("801,1,{device_id},{}", restart["id"].as_str().expect("id"))
    );
    emulator.shutdown().await;
}
