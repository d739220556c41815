//! Basic auth, error documents for unknown paths, methods and bad bodies, and shutdown.

use c8y_mqtt_emulator::platform::request::Resource;
use serde_json::{Value, json};

use crate::fake::*;

#[tokio::test]
async fn basic_auth_with_and_without_tenant() {
    let server = start().await;
    server.model.seed(Resource::ManagedObject, json!({"id": "1"}));
    let url = server.url("/inventory/managedObjects/1");
    for (user, password, status) in [
        ("t100/admin", "secret", 200),
        ("admin", "secret", 200),
        ("t200/admin", "secret", 401),
        ("admin", "wrong", 401),
        ("other", "secret", 401),
    ] {
        let answer = server
            .send(server.client.get(&url).basic_auth(user, Some(password)))
            .await;
        assert_eq!(answer.status, status, "{user}:{password}");
        if status == 401 {
            assert_eq!(answer.content_type, media("error"));
            assert_eq!(
                answer.body,
                error_doc("security/Unauthorized", "Invalid credentials! : Bad credentials")
            );
            assert_eq!(answer.headers["www-authenticate"], "Basic realm=\"Cumulocity\"");
        }
    }
    let anonymous = server.send(server.client.get(&url)).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.headers["www-authenticate"],
        "Basic realm=\"Cumulocity\""
    );
    assert_eq!(
        anonymous.body,
        error_doc(
            "security/Unauthorized",
            "Full authentication is required to access this resource"
        )
    );
    let garbage = server
        .send(server.client.get(&url).header("Authorization", "Basic %%%"))
        .await;
    assert_eq!(garbage.status, 401);
    // Auth comes first, even for paths that do not exist.
    assert_eq!(
        server
            .send(server.client.get(server.url("/nowhere")))
            .await
            .status,
        401
    );
    assert!(
        server
            .model
            .requests()
            .iter()
            .all(|r| matches!(r, c8y_mqtt_emulator::platform::request::ApiRequest::Get { .. }))
    );
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let server = start().await;
    let unknown = server.get("/tenant/currentTenant").await;
    assert_eq!(
        (unknown.status, unknown.content_type.as_str()),
        (404, media("error").as_str())
    );
    assert_eq!(
        unknown.body,
        error_doc("general/Not Found", "No resource at /tenant/currentTenant")
    );

    let patch = server
        .send(
            server
                .client
                .patch(server.url("/event/events"))
                .basic_auth("admin", Some("secret")),
        )
        .await;
    assert_eq!(
        (patch.status, patch.content_type.as_str()),
        (405, media("error").as_str())
    );
    assert_eq!(
        patch.body,
        error_doc(
            "general/Method Not Allowed",
            "Method PATCH is not supported on /event/events"
        )
    );
    assert_eq!(server.delete("/devicecontrol/operations/1").await.status, 405);
    let undecodable = server.get("/event/events/%FF").await;
    assert_eq!(
        (undecodable.status, undecodable.content_type.as_str()),
        (400, media("error").as_str())
    );
    assert_eq!(undecodable.body["error"], json!("general/Bad Request"));
    let huge = server
        .get(&format!("/event/events?currentPage={}", usize::MAX))
        .await;
    assert_eq!((huge.status, huge.body["events"].clone()), (200, json!([])));
    assert_eq!(
        server.put("/inventory/managedObjects", json!({})).await.status,
        405
    );
    assert!(server.model.requests().is_empty());
}

#[tokio::test]
async fn bad_bodies_are_400_and_plain_json_is_accepted() {
    let server = start().await;
    let post = |body: &'static str, content_type: &'static str| {
        server.send(
            server
                .client
                .post(server.url("/event/events"))
                .basic_auth("admin", Some("secret"))
                .header("Content-Type", content_type)
                .header("Accept", "application/json")
                .body(body),
        )
    };
    let broken = post("{\"source\":", "application/json").await;
    assert_eq!(
        (broken.status, broken.content_type.as_str()),
        (400, media("error").as_str())
    );
    assert_eq!(broken.body["error"], json!("general/Bad Request"));
    assert!(
        broken.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Could not read document: ")
    );
    let array = post("[1]", "application/json").await;
    assert_eq!(
        array.body,
        error_doc("general/Bad Request", "Expected a JSON object")
    );
    let empty = post("", "application/json").await;
    assert_eq!(
        empty.body,
        error_doc(
            "general/Bad Request",
            "Request body is empty; expected a JSON object"
        )
    );
    assert!(server.model.requests().is_empty());

    let plain = post(
        r#"{"source":{"id":"1"},"type":"t","text":"x"}"#,
        "application/json",
    )
    .await;
    assert_eq!(
        (plain.status, plain.content_type.as_str()),
        (201, media("event").as_str())
    );
    let vendor = post(
        r#"{"source":{"id":"1"},"type":"t","text":"x"}"#,
        "application/vnd.com.nsn.cumulocity.event+json",
    )
    .await;
    assert_eq!(vendor.status, 201);
}

/// Sends a raw HTTP/1.1 request (reqwest always adds `Accept: */*`) and returns the response head
/// and body.
async fn raw(server: &Server, method: &str, path: &str, body: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned())
}

#[tokio::test]
async fn writes_without_accept_header_answer_without_body() {
    let server = start().await;
    let b = &server.base;
    let (head, body) = raw(
        &server,
        "POST",
        "/event/events",
        r#"{"source":{"id":"1"},"type":"t","text":"x"}"#,
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 201 Created\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\nlocation: {b}/event/events/101")),
        "{head}"
    );
    assert!(!head.contains("content-type"), "{head}");
    assert_eq!(body, "");
    let (head, body) = raw(&server, "PUT", "/event/events/101", r#"{"text":"y"}"#).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "");
    assert_eq!(server.get("/event/events/101").await.body["text"], json!("y"));
    // Errors keep their document; GET always has its body.
    let (head, body) = raw(&server, "PUT", "/event/events/9", "{}").await;
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).ok(),
        Some(error_doc("event/Not Found", "No Event for id '9'!"))
    );
    let (_, body) = raw(&server, "GET", "/event/events/101", "").await;
    assert_eq!(
        serde_json::from_str::<Value>(&body)
            .ok()
            .map(|e| e["text"].clone()),
        Some(json!("y"))
    );
}

#[tokio::test]
async fn self_links_follow_the_host_header() {
    let server = start().await;
    server.model.seed(
        Resource::Event,
        json!({"id": "1", "self": "https://model.invalid/event/events/1"}),
    );
    let answer = server
        .send(
            server
                .client
                .get(server.url("/event/events/1"))
                .basic_auth("admin", Some("secret"))
                .header("Host", "t100.example.com:8111"),
        )
        .await;
    assert_eq!(
        answer.body,
        json!({"id": "1", "self": "http://t100.example.com:8111/event/events/1"})
    );
}

#[tokio::test]
async fn serve_returns_after_shutdown() {
    let server = start().await;
    assert_eq!(server.get("/alarm/alarms").await.status, 200);
    let base = server.base.clone();
    assert!(server.shutdown().await.is_ok());
    assert!(
        reqwest::Client::new()
            .get(format!("{base}/alarm/alarms"))
            .send()
            .await
            .is_err()
    );
}
