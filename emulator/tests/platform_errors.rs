//! Every `s/e` error path of static processing (docs/protocol.md §6.1, §6.3): unknown template (40),
//! existing device (41), bad arguments (45: number, date, missing field, leftovers), operation
//! not found (50), undecodable rows (42), and good rows of the same publish still processed.

mod common;
mod platform_support;

use c8y_mqtt_emulator::model::RecordFilter;
use common::WAIT;
use platform_support::*;
use serde_json::json;

#[tokio::test]
async fn bad_rows_report_on_s_e_and_good_rows_of_the_same_publish_are_processed() {
    let emulator = start_with(&["err"]).await;
    let mut device = ready_device(&emulator, "err").await;
    publish(
        &device,
        "s/us",
        "211,abc\n999,I made this up\n212,10\n100\n400,c8y_E,text,notadate\n301\n212,11\n110,a,b,c,d\n211,12",
    )
    .await;
    let lines = next_n_on(&mut device, "s/e", 6).await;
    assert_eq!(
        lines,
        vec![
            "45,211,Value is not a NUMBER: abc (value at field 1)",
            "40,999,No static template for this message id",
            "41,100,Device already existing",
            "45,400,Value is not a DATE: notadate (time at field 3)",
            "45,301,Missing mandatory field alarm type (field 1)",
            "45,110,Wrong number of arguments: 1 unexpected from field 4",
        ]
    );
    let values: Vec<serde_json::Value> = emulator
        .measurements(&RecordFilter::all().source("err"))
        .iter()
        .map(|m| {
            m.get("c8y_Battery")
                .or(m.get("c8y_TemperatureMeasurement"))
                .and_then(|f| f.as_object())
                .and_then(|f| f.values().next())
                .map(|s| s["value"].clone())
                .unwrap()
        })
        .collect();
    assert_eq!(values, vec![json!(10), json!(11), json!(12)]);
    assert!(emulator.alarms(&RecordFilter::all()).is_empty());
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_undecodable_row_is_reported_and_the_other_rows_still_count() {
    let emulator = start_with(&["utf"]).await;
    let mut device = ready_device(&emulator, "utf").await;
    device
        .client
        .publish(
            "s/us",
            rumqttc::QoS::AtLeastOnce,
            false,
            b"212,1\n\xff\xfe\n212,2".to_vec(),
        )
        .await
        .unwrap();
    let line = next_on(&mut device, "s/e").await;
    assert!(line.starts_with("42,,"), "{line}");
    emulator
        .wait_for_measurement(|m| m["c8y_Battery"]["level"]["value"] == json!(2), WAIT)
        .await
        .unwrap();
    assert_eq!(emulator.measurements(&RecordFilter::all().source("utf")).len(), 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn status_updates_for_operations_of_another_device_are_refused() {
    let emulator = start_with(&["own", "foreign"]).await;
    let mut owner = ready_device(&emulator, "own").await;
    let mut other = ready_device(&emulator, "foreign").await;
    let op = emulator
        .create_operation("own", json!({"c8y_Restart": {}}))
        .unwrap();
    let op_id = op["id"].as_str().unwrap().to_owned();
    assert_eq!(next_on(&mut owner, "s/ds").await, "510,own");
    let foreign_mo = emulator.managed_object_by_external_id("foreign").unwrap();
    let foreign_id = foreign_mo["id"].as_str().unwrap();
    for row in [
        format!("504,{op_id}"),
        format!("505,{op_id},nope"),
        format!("506,{op_id}"),
    ] {
        publish(&other, "s/us", &row).await;
        let template = &row[..3];
        assert_eq!(
            next_on(&mut other, "s/e").await,
            format!("50,{template},Operation with id {op_id} for device id {foreign_id} not found")
        );
    }
    publish(&other, "s/us", "504,999999").await;
    assert_eq!(
        next_on(&mut other, "s/e").await,
        format!("50,504,Operation with id 999999 for device id {foreign_id} not found")
    );
    // by fragment, nothing of the other device matches either
    publish(&other, "s/us", "501,c8y_Restart").await;
    assert_eq!(
        next_on(&mut other, "s/e").await,
        format!("50,501,No PENDING operation with fragment c8y_Restart for device id {foreign_id}")
    );
    assert_eq!(emulator.operation(&op_id).unwrap()["status"], "PENDING");
    // the owner may
    publish(&owner, "s/us", &format!("504,{op_id}")).await;
    emulator
        .wait_for_operation_status(&op_id, "EXECUTING", WAIT)
        .await
        .unwrap();
    emulator.shutdown().await;
}
