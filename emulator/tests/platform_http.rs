//! The HTTP control API in front of the real platform model: what a device sends over MQTT is
//! visible through Cumulocity's REST shapes, and an operation created over REST reaches the
//! device on `s/ds`; registration through `newDeviceRequests`.

mod common;
mod platform_support;

use c8y_mqtt_emulator::Emulator;
use common::WAIT;
use platform_support::*;
use serde_json::{Value, json};

/// An emulator with the control API on a free port and a user `admin` for REST calls.
async fn start() -> (c8y_mqtt_emulator::EmulatorHandle, String) {
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .bootstrap_password(BOOTSTRAP_PASSWORD)
        .user("device_1234", DEVICE_PASSWORD)
        .user("admin", "admin-pw")
        .http_port(Some(0))
        .start()
        .await
        .expect("emulator starts");
    let base = format!("http://{}", emulator.http_addr().expect("http served"));
    (emulator, base)
}

async fn get(base: &str, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .basic_auth(format!("{TENANT}/admin"), Some("admin-pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn device_data_over_mqtt_is_visible_over_rest_and_operations_flow_back() {
    let (emulator, base) = start().await;
    let mut device = ready_device(&emulator, "1234").await;
    publish(&device, "s/us", "211,21.5,2026-11-29T12:00:00.000Z").await;
    emulator
        .wait_for_measurement(|m| m["type"] == "c8y_TemperatureMeasurement", WAIT)
        .await
        .unwrap();

    let identity = get(&base, "/identity/externalIds/c8y_Serial/1234").await;
    let id = identity["managedObject"]["id"].as_str().unwrap().to_owned();
    let measurements = get(&base, &format!("/measurement/measurements?source={id}")).await;
    let list = measurements["measurements"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["c8y_TemperatureMeasurement"]["T"]["value"], json!(21.5));
    assert_eq!(measurements["statistics"]["pageSize"], json!(5));

    let created = reqwest::Client::new()
        .post(format!("{base}/devicecontrol/operations"))
        .basic_auth("admin", Some("admin-pw"))
        .json(&json!({"deviceId": id, "c8y_Restart": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(next_on(&mut device, "s/ds").await, "510,1234");
    publish(&device, "s/us", "501,c8y_Restart\n503,c8y_Restart").await;
    let op: Value = created.json().await.unwrap();
    emulator
        .wait_for_operation_status(op["id"].as_str().unwrap(), "SUCCESSFUL", WAIT)
        .await
        .unwrap();
    let ops = get(
        &base,
        &format!("/devicecontrol/operations?deviceId={id}&status=SUCCESSFUL"),
    )
    .await;
    assert_eq!(ops["operations"].as_array().unwrap().len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn registration_is_accepted_over_rest_and_logins_are_checked() {
    let (emulator, base) = start().await;
    let client = reqwest::Client::new();
    let registered = client
        .post(format!("{base}/devicecontrol/newDeviceRequests"))
        .basic_auth("admin", Some("admin-pw"))
        .json(&json!({"id": "5555"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let requests = get(&base, "/devicecontrol/newDeviceRequests").await;
    assert_eq!(
        requests["newDeviceRequests"][0]["status"],
        "WAITING_FOR_CONNECTION"
    );

    let refused = client
        .get(format!("{base}/inventory/managedObjects"))
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    emulator.shutdown().await;
}

#[tokio::test]
async fn smartrest1_collections_register_over_http_and_answer_over_mqtt() {
    let (emulator, base) = start().await;
    let client = reqwest::Client::new();
    let post_s = |body: &'static str| {
        client
            .post(format!("{base}/s"))
            .basic_auth("admin", Some("admin-pw"))
            .header("X-Id", "com.acme.gw801-v1")
            .body(body)
            .send()
    };
    assert_eq!(
        post_s("").await.unwrap().text().await.unwrap(),
        "40,No template for this X-ID."
    );
    let templates = "10,300,GET,/inventory/managedObjects/%%,,application/json,%%,UNSIGNED,\n\
                     11,800,,$.c8y_IsDevice,$.id,$.name";
    let registered = post_s(templates).await.unwrap().text().await.unwrap();
    let collection_id = registered.strip_prefix("20,").expect("20 line").to_owned();
    assert_eq!(post_s("").await.unwrap().text().await.unwrap(), registered);
    assert_eq!(
        post_s(templates).await.unwrap().text().await.unwrap(),
        "41,Cannot create templates for already existing template object"
    );
    let collection = emulator
        .cumulocity()
        .unwrap()
        .managed_object(&collection_id)
        .unwrap();
    assert_eq!(collection["type"], "c8y_SmartRestTemplate");

    // A device uses the collection over MQTT: the request row reads its own managed object.
    let mut device = ready_device(&emulator, "1234").await;
    subscribe(&mut device, "s/dl/com.acme.gw801-v1").await;
    let id = emulator.managed_object_by_external_id("1234").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    publish(&device, "s/ul/com.acme.gw801-v1", &format!("300,{id}")).await;
    assert_eq!(
        next_on(&mut device, "s/dl/com.acme.gw801-v1").await,
        format!("800,1,{id},MQTT Device 1234")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn external_ids_are_registered_for_existing_objects() {
    let (emulator, base) = start().await;
    let _device = ready_device(&emulator, "1234").await;
    let id = emulator.managed_object_by_external_id("1234").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = reqwest::Client::new();
    let created = client
        .post(format!("{base}/identity/globalIds/{id}/externalIds"))
        .basic_auth("admin", Some("admin-pw"))
        .json(&json!({"externalId": "354999000000001", "type": "c8y_IMEI"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let identity = get(&base, "/identity/externalIds/c8y_IMEI/354999000000001").await;
    assert_eq!(identity["managedObject"]["id"], json!(id));
    let again = client
        .post(format!("{base}/identity/globalIds/{id}/externalIds"))
        .basic_auth("admin", Some("admin-pw"))
        .json(&json!({"externalId": "354999000000001", "type": "c8y_IMEI"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 422);
    emulator.shutdown().await;
}
