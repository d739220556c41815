//! REST rights: a device user reaches its own devices (and their children) and their data only;
//! every other object is 403 `security/Forbidden`. Administrators reach the whole tenant, and a
//! login with another tenant's prefix is refused.

mod common;
mod platform_support;

use c8y_mqtt_emulator::Emulator;
use common::WAIT;
use platform_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN: (&str, &str) = ("admin", "admin-pw");

/// An emulator with device users `device_1`, `device_2`, an administrator, and the control API.
async fn start() -> (c8y_mqtt_emulator::EmulatorHandle, String) {
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .bootstrap_password(BOOTSTRAP_PASSWORD)
        .user("device_1", DEVICE_PASSWORD)
        .user("device_2", DEVICE_PASSWORD)
        .user(ADMIN.0, ADMIN.1)
        .http_port(Some(0))
        .start()
        .await
        .expect("emulator starts");
    let base = format!("http://{}", emulator.http_addr().expect("http served"));
    (emulator, base)
}

/// Sends a request as `user` (`<tenant>/<user>`); returns the status and the JSON body.
async fn call(
    base: &str,
    user: (&str, &str),
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .basic_auth(format!("{TENANT}/{}", user.0), Some(user.1))
        .header("Accept", "application/json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn device_user(n: &str) -> (String, &'static str) {
    (format!("device_{n}"), DEVICE_PASSWORD)
}

#[tokio::test]
async fn a_device_user_reaches_only_its_own_devices_over_rest() {
    let (emulator, base) = start().await;
    let one = ready_device(&emulator, "1").await;
    publish(&one, "s/us/child1", "101,child1,Child").await;
    publish(&one, "s/us", "400,c8y_Door,Opened").await;
    let _two = ready_device(&emulator, "2").await;
    let platform = emulator.cumulocity().expect("default platform");
    let event = platform.wait_for_event(|_| true, WAIT).await.expect("event");
    emulator
        .wait_for_managed_object("child1", |_| true, WAIT)
        .await
        .expect("child");
    let id_of = |serial: &str| {
        emulator.managed_object_by_external_id(serial).expect("device")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let (id1, child1, id2) = (id_of("1"), id_of("child1"), id_of("2"));
    let event_id = event["id"].as_str().expect("event id").to_owned();
    let (u1, p1) = device_user("1");
    let me = (u1.as_str(), p1);
    let (u2, p2) = device_user("2");
    let other = (u2.as_str(), p2);

    // Its own device, its child, its data: allowed.
    for path in [
        format!("/inventory/managedObjects/{id1}"),
        format!("/inventory/managedObjects/{child1}"),
        "/identity/externalIds/c8y_Serial/1".to_owned(),
        format!("/event/events?source={id1}"),
        format!("/event/events/{event_id}"),
    ] {
        let (status, _) = call(&base, me, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "device_1 GET {path}");
    }
    let (status, _) = call(
        &base,
        me,
        Method::POST,
        "/measurement/measurements",
        Some(json!({"source": {"id": child1}, "type": "c8y_T", "c8y_T": {"T": {"value": 1}}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // Another user's device, its data, and the tenant-wide resources: 403.
    let forbidden = [
        (Method::GET, format!("/inventory/managedObjects/{id1}"), None),
        (
            Method::PUT,
            format!("/inventory/managedObjects/{id1}"),
            Some(json!({"name": "pwned"})),
        ),
        (
            Method::DELETE,
            format!("/inventory/managedObjects/{child1}"),
            None,
        ),
        (Method::GET, "/identity/externalIds/c8y_Serial/1".to_owned(), None),
        (Method::GET, format!("/event/events?source={id1}"), None),
        (Method::GET, format!("/event/events/{event_id}"), None),
        (Method::DELETE, format!("/event/events/{event_id}"), None),
        (Method::GET, "/event/events".to_owned(), None),
        (Method::GET, "/inventory/managedObjects".to_owned(), None),
        (
            Method::POST,
            "/event/events".to_owned(),
            Some(json!({"source": {"id": id1}, "type": "c8y_Fake", "text": "forged"})),
        ),
        (
            Method::POST,
            "/devicecontrol/operations".to_owned(),
            Some(json!({"deviceId": id1, "c8y_Restart": {}})),
        ),
        (Method::GET, "/devicecontrol/newDeviceRequests".to_owned(), None),
    ];
    for (method, path, body) in forbidden {
        let (status, error) = call(&base, other, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "device_2 {method} {path}");
        assert_eq!(error["error"], "security/Forbidden", "device_2 {method} {path}");
    }
    // Nothing of the above took effect.
    assert_eq!(
        emulator.managed_object_by_external_id("1").expect("device")["name"],
        "MQTT Device 1"
    );
    assert!(emulator.managed_object_by_external_id("child1").is_some());
    assert_eq!(
        emulator
            .platform_events(&c8y_mqtt_emulator::model::RecordFilter::all())
            .len(),
        1
    );
    assert!(
        emulator
            .operations(&c8y_mqtt_emulator::model::RecordFilter::all())
            .is_empty()
    );
    // device_2's own device is fine.
    let (status, _) = call(
        &base,
        other,
        Method::GET,
        &format!("/inventory/managedObjects/{id2}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The administrator reaches everything in the tenant.
    for path in [
        format!("/inventory/managedObjects/{id1}"),
        "/event/events".to_owned(),
        "/inventory/managedObjects".to_owned(),
        "/devicecontrol/newDeviceRequests".to_owned(),
    ] {
        let (status, _) = call(&base, ADMIN, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "admin GET {path}");
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn another_tenants_prefix_is_refused() {
    let (emulator, base) = start().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/inventory/managedObjects"))
        .basic_auth(format!("t999/{}", ADMIN.0), Some(ADMIN.1))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    emulator.shutdown().await;
}
