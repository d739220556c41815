//! One endpoint for many tenants: two tenants with the same user and device names stay isolated
//! end to end (sessions, data, operations, REST results), and the control API creates and lists
//! tenants and users in Cumulocity's `/tenant/tenants` and `/user/{tenant}/users` shapes.

use std::time::Duration;

use c8y_mqtt::client::{Client, Config, Event, NextEvent, Subscriptions, TransportKind};
use c8y_mqtt::templates::upstream::{DeviceCreation, Temperature};
use c8y_mqtt_emulator::model::RecordFilter;
use c8y_mqtt_emulator::{Emulator, EmulatorHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);
const DEVICE: &str = "dev";
const USER: &str = "device_dev";
const PASSWORD: &str = "device-pw";
const ADMIN_PASSWORD: &str = "admin-pw";

/// Tenants `t1` (default) and `t2`, each with `device_dev` and `admin`, and the control API.
async fn start() -> (EmulatorHandle, String) {
    let emulator = Emulator::builder()
        .tenant("t1")
        .add_tenant("t2")
        .user(USER, PASSWORD)
        .user("admin", ADMIN_PASSWORD)
        .tenant_user("t2", USER, PASSWORD)
        .tenant_user("t2", "admin", ADMIN_PASSWORD)
        .http_port(Some(0))
        .start()
        .await
        .expect("emulator starts");
    let base = format!("http://{}", emulator.http_addr().expect("http served"));
    (emulator, base)
}

/// An SDK client of device `dev` in `tenant`, connected.
async fn client(emulator: &EmulatorHandle, tenant: &str) -> Client {
    let port = emulator.mqtt_addr().expect("mqtt").port();
    let config = Config::builder("127.0.0.1", DEVICE)
        .port(port)
        .transport(TransportKind::Tcp)
        .password(tenant, USER, PASSWORD)
        .subscriptions(Subscriptions {
            json_operations: true,
            ..Subscriptions::default()
        })
        .create_device(DeviceCreation::new())
        .build()
        .expect("valid config");
    let client = Client::start(config).expect("client starts");
    client.wait_connected(WAIT).await.expect("connected");
    client
}

/// The id of the next operation the client receives with an id (JSON operations carry it).
async fn next_operation_id(client: &Client) -> String {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            match client.next_event().await {
                NextEvent::Event(Event::Operation(op)) if op.id.is_some() => {
                    return op.id.clone().expect("operation id");
                }
                NextEvent::Event(_) | NextEvent::Timeout => {}
                NextEvent::Closed => panic!("event stream closed"),
            }
        }
    })
    .await;
    found.expect("an operation within the timeout")
}

async fn request(
    base: &str,
    login: &str,
    password: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .basic_auth(login, Some(password))
        .header("Accept", "application/json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|item| item[field].as_str().expect("string field").to_owned())
        .collect()
}

#[tokio::test]
async fn two_tenants_with_the_same_names_stay_isolated_end_to_end() {
    let (emulator, base) = start().await;
    let platform = emulator.cumulocity().expect("default platform").clone();
    let one = client(&emulator, "t1").await;
    let two = client(&emulator, "t2").await;
    // Same device id, same user name: two sessions, neither takes the other over.
    let sessions: Vec<(String, String)> = emulator
        .sessions()
        .iter()
        .map(|s| (s.tenant().to_owned(), s.device_id.clone()))
        .collect();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert!(sessions.contains(&("t1".to_owned(), DEVICE.to_owned())));
    assert!(sessions.contains(&("t2".to_owned(), DEVICE.to_owned())));

    one.device().publish(Temperature::new(21)).expect("queued");
    two.device().publish(Temperature::new(22)).expect("queued");
    platform
        .wait_for(
            |p| (p.measurements_in("t2", &RecordFilter::all()).len() == 1).then_some(()),
            WAIT,
        )
        .await
        .expect("t2's measurement");
    emulator
        .wait_for_measurement(|_| true, WAIT)
        .await
        .expect("t1's measurement");
    let values = |tenant: &str| -> Vec<Value> {
        platform
            .measurements_in(tenant, &RecordFilter::all())
            .iter()
            .map(|m| m["c8y_TemperatureMeasurement"]["T"]["value"].clone())
            .collect()
    };
    assert_eq!(values("t1"), [json!(21)]);
    assert_eq!(values("t2"), [json!(22)]);
    let t1_device = platform.managed_object_in("t1", DEVICE).expect("t1 device");
    let t2_device = platform.managed_object_in("t2", DEVICE).expect("t2 device");
    assert_ne!(t1_device["self"], t2_device["self"]);

    // An operation of t1 reaches t1's session only: t2's first operation is its own.
    let (status, op1) = request(
        &base,
        "t1/admin",
        ADMIN_PASSWORD,
        reqwest::Method::POST,
        "/devicecontrol/operations",
        Some(json!({"deviceId": t1_device["id"], "c8y_Restart": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{op1}");
    assert_eq!(next_operation_id(&one).await, op1["id"].as_str().expect("id"));
    let (status, op2) = request(
        &base,
        "t2/admin",
        ADMIN_PASSWORD,
        reqwest::Method::POST,
        "/devicecontrol/operations",
        Some(json!({"deviceId": t2_device["id"], "c8y_Restart": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{op2}");
    assert_eq!(next_operation_id(&two).await, op2["id"].as_str().expect("id"));

    // REST results are the login's tenant's only; a t1 id is unknown in t2.
    for (tenant, device) in [("t1", &t1_device), ("t2", &t2_device)] {
        let (status, list) = request(
            &base,
            &format!("{tenant}/admin"),
            ADMIN_PASSWORD,
            reqwest::Method::GET,
            "/measurement/measurements",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let sources: Vec<&Value> = list["measurements"]
            .as_array()
            .expect("measurements")
            .iter()
            .map(|m| &m["source"]["id"])
            .collect();
        assert_eq!(sources, [&device["id"]], "{tenant}");
    }
    let (status, _) = request(
        &base,
        "t2/admin",
        ADMIN_PASSWORD,
        reqwest::Method::GET,
        &format!(
            "/inventory/managedObjects/{}",
            t1_device["id"].as_str().expect("id")
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "t1's object is not visible in t2");
    one.close().await;
    two.close().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_control_api_creates_and_lists_tenants_and_users() {
    let (emulator, base) = start().await;
    let (status, created) = request(
        &base,
        "t1/admin",
        ADMIN_PASSWORD,
        reqwest::Method::POST,
        "/tenant/tenants",
        Some(json!({"id": "t3"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["id"], "t3");
    let (status, list) = request(
        &base,
        "t1/admin",
        ADMIN_PASSWORD,
        reqwest::Method::GET,
        "/tenant/tenants",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&list, "tenants", "id"), ["t1", "t2", "t3"]);

    // Only the default (management) tenant's administrators manage tenants.
    for (login, password) in [("t2/admin", ADMIN_PASSWORD), ("t1/device_dev", PASSWORD)] {
        let (status, _) = request(
            &base,
            login,
            password,
            reqwest::Method::GET,
            "/tenant/tenants",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
    }
    let (status, _) = request(
        &base,
        "t2/admin",
        ADMIN_PASSWORD,
        reqwest::Method::POST,
        "/tenant/tenants",
        Some(json!({"id": "t4"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(emulator.tenants(), ["t1", "t2", "t3"]);

    // Users: created by the management administrator, listed without passwords; a tenant's
    // administrator manages its own tenant only.
    let (status, user) = request(
        &base,
        "t1/admin",
        ADMIN_PASSWORD,
        reqwest::Method::POST,
        "/user/t3/users",
        Some(json!({"userName": "device_new", "password": "new-pw"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["userName"], "device_new");
    assert!(user.get("password").is_none());
    let (status, users) = request(
        &base,
        "t2/admin",
        ADMIN_PASSWORD,
        reqwest::Method::GET,
        "/user/t2/users",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&users, "users", "userName"), ["admin", "device_dev"]);
    let (status, _) = request(
        &base,
        "t2/admin",
        ADMIN_PASSWORD,
        reqwest::Method::GET,
        "/user/t3/users",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The new tenant's device user logs in over MQTT; a wrong tenant prefix does not.
    let port = emulator.mqtt_addr().expect("mqtt").port();
    let config = Config::builder("127.0.0.1", "new")
        .port(port)
        .transport(TransportKind::Tcp)
        .password("t3", "device_new", "new-pw")
        .create_device(DeviceCreation::new())
        .build()
        .expect("valid config");
    let client = Client::start(config).expect("client starts");
    client.wait_connected(WAIT).await.expect("t3 user connects");
    client.close().await;
    let session_tenants: Vec<String> = emulator
        .events()
        .into_iter()
        .filter_map(|e| match e {
            c8y_mqtt_emulator::EmulatorEvent::Connected(s) => Some(s.tenant().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(session_tenants, ["t3"]);
    emulator.shutdown().await;
}
