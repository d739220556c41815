//! Alarms from static templates (reference §5.4): raise with defaults, de-duplication by
//! (source, type) with `count`, 305 severity, 306 clear, 307 fragment removal, and a new alarm
//! after clearing.

mod common;
mod platform_support;

use c8y_mqtt_emulator::model::RecordFilter;
use c8y_mqtt_emulator::platform::request::{ApiExecutor, ApiRequest, ObjectRef, RequestContext, Resource};
use platform_support::*;
use serde_json::json;

#[tokio::test]
async fn alarms_are_deduplicated_updated_and_cleared_by_type() {
    let emulator = start_with(&["al"]).await;
    let mut device = ready_device(&emulator, "al").await;
    for row in [
        "301,c8y_TemperatureAlarm,\"Too hot, really\",2024-03-03T03:03:03.000Z",
        "302,c8y_TemperatureAlarm,Other text",
        "301,c8y_TemperatureAlarm",
        "304,c8y_DoorAlarm",
    ] {
        publish(&device, "s/us", row).await;
    }
    publish(&device, "s/us", "123").await;
    next_on(&mut device, "s/ds").await;
    let alarms = emulator.alarms(&RecordFilter::all().source("al"));
    assert_eq!(alarms.len(), 2, "{alarms:?}");
    let temperature = &alarms[0];
    assert_eq!(temperature["count"], json!(3));
    assert_eq!(temperature["status"], "ACTIVE");
    assert_eq!(
        temperature["severity"], "CRITICAL",
        "a duplicate keeps the first severity"
    );
    assert_eq!(temperature["text"], "Too hot, really");
    assert_eq!(temperature["time"], "2024-03-03T03:03:03.000Z");
    assert_eq!(temperature["firstOccurrenceTime"], "2024-03-03T03:03:03.000Z");
    let door = &alarms[1];
    assert_eq!(
        (
            door["severity"].as_str(),
            door["text"].as_str(),
            door["count"].as_u64()
        ),
        (
            Some("WARNING"),
            Some("Alarm of type c8y_DoorAlarm raised"),
            Some(1)
        )
    );

    // 305, 307 and 306 address the alarm by type
    let cumulocity = emulator.cumulocity().unwrap();
    let temperature_id = temperature["id"].as_str().unwrap().to_owned();
    let context = RequestContext {
        tenant: TENANT.to_owned(),
        device: "al".to_owned(),
        persistent: true,
        scope: None,
    };
    let body = json!({"c8y_Extra": {"a": 1}, "other": 2})
        .as_object()
        .unwrap()
        .clone();
    cumulocity
        .execute(
            &context,
            ApiRequest::Update {
                resource: Resource::Alarm,
                target: ObjectRef::Id(temperature_id),
                body,
            },
        )
        .unwrap();
    for row in [
        "305,c8y_TemperatureAlarm,MINOR",
        "307,c8y_TemperatureAlarm,c8y_Extra",
        "306,c8y_DoorAlarm",
        "306,c8y_NotRaised",
    ] {
        publish(&device, "s/us", row).await;
    }
    publish(&device, "s/us", "123").await;
    next_on(&mut device, "s/ds").await;
    let alarms = emulator.alarms(&RecordFilter::all().source("al"));
    assert_eq!(alarms[0]["severity"], "MINOR");
    assert!(alarms[0].get("c8y_Extra").is_none());
    assert_eq!(alarms[0]["other"], json!(2));
    assert_eq!(alarms[1]["status"], "CLEARED");

    // raising a cleared type again creates a new alarm
    publish(&device, "s/us", "304,c8y_DoorAlarm,Again").await;
    publish(&device, "s/us", "123").await;
    next_on(&mut device, "s/ds").await;
    let doors = emulator.alarms(&RecordFilter::all().source("al").of_type("c8y_DoorAlarm"));
    assert_eq!(doors.len(), 2);
    assert_eq!(
        (doors[1]["status"].as_str(), doors[1]["count"].as_u64()),
        (Some("ACTIVE"), Some(1))
    );
    emulator.shutdown().await;
}
