//! Restarting the endpoint keeps the platform: devices, data and pending operations survive,
//! and a reconnecting device gets its pending operation on `500`.

mod common;
mod platform_support;

use std::time::Duration;

use c8y_mqtt_emulator::model::RecordFilter;
use common::WAIT;
use platform_support::*;
use serde_json::json;

#[tokio::test]
async fn restart_keeps_devices_data_and_pending_operations() {
    let emulator = start_with(&["1234"]).await;
    let mut device = ready_device(&emulator, "1234").await;
    publish(&device, "s/us", "211,19.5").await;
    emulator
        .wait_for_measurement(|m| m["type"] == "c8y_TemperatureMeasurement", WAIT)
        .await
        .unwrap();
    emulator.restart(Duration::from_millis(50)).await.unwrap();
    device.expect_disconnected().await;

    // Created while the device is away; delivered on 500 after it comes back.
    emulator
        .create_operation("1234", json!({"c8y_Restart": {}}))
        .unwrap();
    let mut device = ready_device(&emulator, "1234").await;
    publish(&device, "s/us", "500").await;
    assert_eq!(next_on(&mut device, "s/ds").await, "510,1234");
    assert_eq!(
        emulator.measurements(&RecordFilter::all().source("1234")).len(),
        1,
        "data from before the restart is still there"
    );
    assert_eq!(emulator.operations(&RecordFilter::all().source("1234")).len(), 1);
    emulator.shutdown().await;
}
