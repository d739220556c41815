//! Device tokens and binaries: `s/uat` answered `71,<jwt>` on `s/dat`, the token accepted as
//! `Bearer` on REST until it expires, is revoked or is forged; inventory and event binaries
//! uploaded (multipart or raw) and downloaded whole or by `Range`; the REST faults.

mod common;
mod platform_support;

use c8y_mqtt_emulator::Emulator;
use c8y_mqtt_emulator::platform::tokens::TokenIssuer;
use platform_support::*;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

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

fn admin(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.basic_auth(format!("{TENANT}/admin"), Some("admin-pw"))
}

#[tokio::test]
async fn s_uat_answers_a_token_that_rest_accepts_until_it_expires() {
    let (emulator, base) = start().await;
    let mut device = ready_device(&emulator, "1234").await;
    subscribe(&mut device, "s/dat").await;
    publish(&device, "s/uat", "").await;
    let row = next_on(&mut device, "s/dat").await;
    let token = row.strip_prefix("71,").expect("71 row").to_owned();
    let platform = emulator.cumulocity().unwrap();
    assert_eq!(
        platform.tokens().verify(TENANT, &token).as_deref(),
        Some("device_1234")
    );

    let http = reqwest::Client::new();
    let get = |auth: String| {
        http.get(format!("{base}/identity/externalIds/c8y_Serial/1234"))
            .header("Authorization", auth)
            .send()
    };
    assert_eq!(
        get(format!("Bearer {token}")).await.unwrap().status(),
        StatusCode::OK
    );
    let forger = TokenIssuer::new();
    forger.set_secret(TENANT, b"not the tenant's".to_vec());
    let forged = forger.issue(TENANT, "device_1234");
    assert_eq!(
        get(format!("Bearer {forged}")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("Bearer garbage".to_owned()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    platform.tokens().expire_issued();
    assert_eq!(
        get(format!("Bearer {token}")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // A new request gets a new, valid token.
    publish(&device, "s/uat", "").await;
    let fresh = next_on(&mut device, "s/dat").await["71,".len()..].to_owned();
    assert_ne!(fresh, token);
    assert_eq!(
        get(format!("Bearer {fresh}")).await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn binaries_are_stored_and_served_with_ranges_and_faults() {
    let (emulator, base) = start().await;
    let http = reqwest::Client::new();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let form = Form::new()
        .part(
            "object",
            Part::text(r#"{"name":"fw.bin","type":"application/octet-stream","c8y_Firmware":{}}"#),
        )
        .part("file", Part::bytes(data.clone()).file_name("fw.bin"));
    let response = admin(http.post(format!("{base}/inventory/binaries")))
        .header("Accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let url = format!("{base}/inventory/binaries/{id}");
    assert_eq!(created["self"], url.as_str());
    assert_eq!(created["length"], 200_000);
    assert_eq!(created["name"], "fw.bin");
    assert!(created.get("c8y_Firmware").is_some());

    let whole = admin(http.get(&url)).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.bytes().await.unwrap(), data);
    let part = admin(http.get(&url))
        .header("Range", "bytes=150000-")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()["content-range"], "bytes 150000-199999/200000");
    assert_eq!(part.bytes().await.unwrap(), data[150_000..]);
    let past = admin(http.get(&url))
        .header("Range", "bytes=200000-")
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    // A cut download: the body ends after 100 000 bytes of the announced 200 000.
    emulator.http_faults().cut_next_download(100_000);
    let cut = admin(http.get(&url)).send().await.unwrap();
    assert_eq!(cut.content_length(), Some(200_000));
    assert!(
        cut.bytes().await.is_err(),
        "the connection breaks short of the length"
    );
    // Injected statuses, then normal again.
    emulator.http_faults().statuses([503]);
    emulator.http_faults().unauthorized(1);
    assert_eq!(
        admin(http.get(&url)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        admin(http.get(&url)).send().await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        admin(http.get(&url)).send().await.unwrap().status(),
        StatusCode::OK
    );
    // Faults armed over HTTP.
    let armed = admin(http.post(format!("{base}/emulator/faults")))
        .header("Content-Type", "application/json")
        .body(r#"{"statuses":[502]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        admin(http.get(&url)).send().await.unwrap().status(),
        StatusCode::BAD_GATEWAY
    );

    // Replace, then delete.
    let put = admin(http.put(&url))
        .header("Content-Type", "text/plain")
        .body("new")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(
        admin(http.get(&url)).send().await.unwrap().text().await.unwrap(),
        "new"
    );
    let deleted = admin(http.delete(&url)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        admin(http.get(&url)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Without credentials: 401.
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn event_binaries_take_multipart_or_raw_bodies_once() {
    let (emulator, base) = start().await;
    let _device = ready_device(&emulator, "1234").await;
    let http = reqwest::Client::new();
    let source: Value = admin(http.get(format!("{base}/identity/externalIds/c8y_Serial/1234")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let source = source["managedObject"]["id"].as_str().unwrap().to_owned();
    let mut events = Vec::new();
    for _ in 0..2 {
        let event: Value = admin(http.post(format!("{base}/event/events")))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(format!(
                r#"{{"source":{{"id":"{source}"}},"type":"c8y_Logfile","text":"log","time":"2026-12-05T10:00:00.000Z"}}"#
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        events.push(event["id"].as_str().unwrap().to_owned());
    }
    let url = format!("{base}/event/events/{}/binaries", events[0]);
    let form = Form::new().part(
        "file",
        Part::bytes(b"line\n".to_vec())
            .file_name("syslog.log")
            .mime_str("text/plain")
            .unwrap(),
    );
    let attached = admin(http.post(&url)).multipart(form).send().await.unwrap();
    assert_eq!(attached.status(), StatusCode::CREATED);
    let again = admin(http.post(&url)).body("x").send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let got = admin(http.get(&url)).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "text/plain");
    assert_eq!(got.text().await.unwrap(), "line\n");

    let raw_url = format!("{base}/event/events/{}/binaries", events[1]);
    let raw = admin(http.post(&raw_url))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::CREATED);
    let stored = emulator
        .cumulocity()
        .unwrap()
        .binaries()
        .event(&events[1])
        .unwrap();
    assert_eq!(
        (stored.content_type.as_str(), &stored.data[..]),
        ("application/json", &b"{}"[..])
    );

    let missing = admin(http.post(format!("{base}/event/events/999999/binaries")))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        admin(http.delete(&url)).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin(http.get(&url)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
