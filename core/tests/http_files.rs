//! The platform HTTP client against a small local server (axum on an ephemeral loopback port)
//! that records every request and injects faults: downloads streamed, resumed after a cut,
//! checked; tokens renewed after a 401; credentials only for the platform's host; uploads as
//! event and inventory binaries.

#![cfg(feature = "http")]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use c8y_mqtt::client::{Config, Secret};
use c8y_mqtt::http::{
    DownloadOptions, HttpClient, HttpError, HttpOptions, TokenFuture, TokenSource, UploadSource,
};
use futures_util::StreamExt;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    authorization: Option<String>,
    range: Option<String>,
    status: u16,
    body: Bytes,
}

/// Faults and auth of the test server.
#[derive(Default)]
struct Behaviour {
    /// Accepted `Authorization` values; empty = no check.
    accepted: Vec<String>,
    /// Cut the next full download after this many bytes (once each).
    cuts: VecDeque<usize>,
    /// After a cut, refuse the token used so far (it "expired" mid-download).
    expire_on_cut: bool,
    /// Answer the next requests with these statuses.
    statuses: VecDeque<u16>,
    /// Ignore `Range` (answer 200 with the whole file).
    no_ranges: bool,
}

#[derive(Clone)]
struct Server {
    file: Bytes,
    seen: Arc<Mutex<Vec<Seen>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    redirect_to: Arc<Mutex<Option<String>>>,
}

impl Server {
    async fn start(file: Bytes) -> (Self, String) {
        let server = Self {
            file,
            seen: Arc::default(),
            behaviour: Arc::default(),
            redirect_to: Arc::default(),
        };
        let app = Router::new()
            .route("/files/{name}", get(download))
            .route("/redirect", get(redirect))
            .route("/identity/externalIds/c8y_Serial/{id}", get(identity))
            .route("/event/events", post(create_event))
            .route("/event/events/{id}/binaries", post(store))
            .route("/inventory/binaries", post(store_inventory))
            .fallback(any(|| async { StatusCode::NOT_FOUND }))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (server, base)
    }

    fn record(&self, method: Method, uri: &Uri, headers: &HeaderMap, status: u16, body: Bytes) {
        let get =
            |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        self.seen.lock().push(Seen {
            method,
            path: uri.path().to_owned(),
            authorization: get(header::AUTHORIZATION),
            range: get(header::RANGE),
            status,
            body,
        });
    }

    /// The status to answer before any content: an injected one, or 401 for bad credentials.
    fn gate(&self, headers: &HeaderMap) -> Option<u16> {
        let mut behaviour = self.behaviour.lock();
        if let Some(status) = behaviour.statuses.pop_front() {
            return Some(status);
        }
        let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if !behaviour.accepted.is_empty() && !auth.is_some_and(|a| behaviour.accepted.iter().any(|x| x == a))
        {
            return Some(401);
        }
        None
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().clone()
    }
}

async fn download(State(s): State<Server>, uri: Uri, method: Method, headers: HeaderMap) -> Response {
    if let Some(status) = s.gate(&headers) {
        s.record(method, &uri, &headers, status, Bytes::new());
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    let len = s.file.len();
    let start = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.strip_suffix('-'))
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|_| !s.behaviour.lock().no_ranges);
    let (status, body) = match start {
        Some(start) if start >= len => {
            s.record(method, &uri, &headers, 416, Bytes::new());
            return StatusCode::RANGE_NOT_SATISFIABLE.into_response();
        }
        Some(start) => (StatusCode::PARTIAL_CONTENT, s.file.slice(start..)),
        None => (StatusCode::OK, s.file.clone()),
    };
    s.record(method, &uri, &headers, status.as_u16(), Bytes::new());
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::CONTENT_TYPE, "application/octet-stream");
    if let Some(start) = start {
        response = response.header(header::CONTENT_RANGE, format!("bytes {start}-{}/{len}", len - 1));
    }
    let cut = {
        let mut behaviour = s.behaviour.lock();
        let cut = behaviour.cuts.pop_front();
        if cut.is_some() && behaviour.expire_on_cut {
            behaviour.accepted.retain(|a| {
                Some(a.as_str()) != headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
            });
        }
        cut
    };
    let body = match cut {
        Some(n) if n < body.len() => {
            let first = body.slice(..n);
            // The body ends short of its Content-Length, so the server closes the connection.
            // The stream is pending once after the first part: hyper flushes what it holds
            // then, so the client receives exactly `n` bytes before the close.
            let pause = futures_util::stream::once(tokio::task::yield_now())
                .filter_map(|()| async { None::<Result<Bytes, std::io::Error>> });
            Body::from_stream(futures_util::stream::iter([Ok(first)]).chain(pause))
        }
        _ => Body::from(body),
    };
    response.body(body).unwrap()
}

async fn redirect(State(s): State<Server>, uri: Uri, method: Method, headers: HeaderMap) -> Response {
    s.record(method, &uri, &headers, 302, Bytes::new());
    let to = s.redirect_to.lock().clone().unwrap();
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

async fn identity(
    State(s): State<Server>,
    Path(id): Path<String>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let status = s.gate(&headers).unwrap_or(200);
    s.record(method, &uri, &headers, status, Bytes::new());
    if status != 200 {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    json(serde_json::json!({"externalId": id, "type": "c8y_Serial", "managedObject": {"id": "4711"}}))
        .into_response()
}

async fn create_event(
    State(s): State<Server>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let status = s.gate(&headers).unwrap_or(201);
    s.record(method, &uri, &headers, status, body);
    if status != 201 {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    (StatusCode::CREATED, json(serde_json::json!({"id": "900"}))).into_response()
}

async fn store(
    State(s): State<Server>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let status = s.gate(&headers).unwrap_or(201);
    s.record(method, &uri, &headers, status, body);
    if status != 201 {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    (StatusCode::CREATED, json(serde_json::json!({"id": "1"}))).into_response()
}

async fn store_inventory(
    State(s): State<Server>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let status = s.gate(&headers).unwrap_or(201);
    s.record(method, &uri, &headers, status, body);
    (
        StatusCode::CREATED,
        json(serde_json::json!({"id": "77", "self": "http://platform.example/inventory/binaries/77"})),
    )
        .into_response()
}

fn json(value: serde_json::Value) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], value.to_string())
}

fn content(len: usize) -> Bytes {
    (0..len).map(|i| (i * 31 % 251) as u8).collect::<Vec<_>>().into()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn options() -> HttpOptions {
    HttpOptions {
        attempts: 4,
        retry_delay: std::time::Duration::from_millis(10),
        ..HttpOptions::default()
    }
}

fn config(base: &str) -> Config {
    Config::builder("mqtt.example.invalid", "dev1")
        .password("t1", "device_dev1", "hunter2")
        .http_base_url(base)
        .build()
        .unwrap()
}

const BASIC: &str = "Basic dDEvZGV2aWNlX2RldjE6aHVudGVyMg=="; // t1/device_dev1:hunter2

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("c8y-http-{}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Hands out `tok-1`, `tok-2`, … and counts the requests.
struct Tokens(Arc<AtomicU32>);

impl TokenSource for Tokens {
    fn request(&self) -> TokenFuture<'_> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(Secret::new(format!("tok-{n}"))) })
    }
}

#[tokio::test]
async fn a_download_is_streamed_checked_and_renamed_with_progress() {
    let file = content(300_000);
    let (server, base) = Server::start(file.clone()).await;
    server.behaviour.lock().accepted = vec![BASIC.to_owned()];
    let http = HttpClient::with_options(&config(&base), options()).unwrap();
    let dir = temp_dir();
    let target = dir.join("fw.bin");
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen_progress = Arc::clone(&progress);
    let options = DownloadOptions {
        size: Some(file.len() as u64),
        sha256: Some(sha256(&file).to_uppercase()),
        progress: Some(Arc::new(move |bytes, total| {
            seen_progress.lock().push((bytes, total))
        })),
    };
    let done = http
        .download_to_file(&format!("{base}/files/fw.bin"), &target, &options)
        .await
        .unwrap();
    assert_eq!(done.bytes, file.len() as u64);
    assert_eq!(done.sha256, sha256(&file));
    assert_eq!(done.resumes, 0);
    assert_eq!(std::fs::read(&target).unwrap(), file);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
    let progress = progress.lock().clone();
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0), "monotonic");
    assert_eq!(
        progress.last(),
        Some(&(file.len() as u64, Some(file.len() as u64)))
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(BASIC),
        "platform URL: device credentials"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_cut_at_half_is_resumed_with_range_and_the_file_is_identical() {
    let file = content(1 << 20);
    let (server, base) = Server::start(file.clone()).await;
    server.behaviour.lock().cuts = [file.len() / 2].into();
    let http = HttpClient::with_options(&config(&base), options()).unwrap();
    let dir = temp_dir();
    let target = dir.join("big.bin");
    let done = http
        .download_to_file(
            "/files/big.bin",
            &target,
            &DownloadOptions {
                sha256: Some(sha256(&file)),
                ..DownloadOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(done.resumes, 1);
    assert_eq!(std::fs::read(&target).unwrap(), file);
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].status, seen[0].range.as_deref()), (200, None));
    assert_eq!(seen[1].range, Some(format!("bytes={}-", file.len() / 2)));
    assert_eq!(seen[1].status, 206);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_token_that_expires_mid_download_is_renewed_once_for_the_resume() {
    let file = content(600_000);
    let (server, base) = Server::start(file.clone()).await;
    {
        let mut b = server.behaviour.lock();
        b.accepted = vec!["Bearer tok-1".to_owned(), "Bearer tok-2".to_owned()];
        b.cuts = [file.len() / 2].into();
        b.expire_on_cut = true;
    }
    let calls = Arc::new(AtomicU32::new(0));
    let http = HttpClient::with_token_source(&config(&base), Tokens(Arc::clone(&calls)), options()).unwrap();
    let mut out = Vec::new();
    let done = http
        .download_to_writer("/files/x", &mut out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(out, file);
    assert_eq!(done.resumes, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one renewal");
    let seen: Vec<_> = server
        .seen()
        .into_iter()
        .map(|s| (s.status, s.authorization.unwrap_or_default(), s.range))
        .collect();
    let rest = Some(format!("bytes={}-", file.len() / 2));
    assert_eq!(
        seen,
        [
            (200, "Bearer tok-1".to_owned(), None),
            (401, "Bearer tok-1".to_owned(), rest.clone()),
            (206, "Bearer tok-2".to_owned(), rest)
        ]
    );
}

#[tokio::test]
async fn a_second_401_after_renewal_fails_as_unauthorized() {
    let (server, base) = Server::start(content(10)).await;
    server.behaviour.lock().accepted = vec!["Bearer never".to_owned()];
    let calls = Arc::new(AtomicU32::new(0));
    let http = HttpClient::with_token_source(&config(&base), Tokens(Arc::clone(&calls)), options()).unwrap();
    let error = http
        .download_to_writer("/files/x", &mut Vec::new(), &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Unauthorized { .. }), "{error:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "renewed exactly once");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn foreign_hosts_get_no_credentials_even_through_a_redirect() {
    let file = content(1000);
    let (platform, base) = Server::start(file.clone()).await;
    let (foreign, foreign_base) = Server::start(file.clone()).await;
    *platform.redirect_to.lock() = Some(format!("{foreign_base}/files/from-redirect"));
    let foreign_url = foreign_base.replace("127.0.0.1", "localhost");
    let http = HttpClient::with_options(&config(&base), options()).unwrap();
    let mut out = Vec::new();
    http.download_to_writer(
        &format!("{foreign_url}/files/direct"),
        &mut out,
        &DownloadOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(out, file);
    out.clear();
    http.download_to_writer("/redirect", &mut out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(out, file);
    let platform_seen = platform.seen();
    assert_eq!(platform_seen.len(), 1);
    assert_eq!(platform_seen[0].authorization.as_deref(), Some(BASIC));
    let foreign_seen = foreign.seen();
    assert_eq!(foreign_seen.len(), 2);
    for request in &foreign_seen {
        assert_eq!(request.authorization, None, "{request:?}");
    }
    assert_eq!(foreign_seen[0].path, "/files/direct");
    assert_eq!(foreign_seen[1].path, "/files/from-redirect");
}

#[tokio::test]
async fn checks_fail_and_leave_the_target_untouched() {
    let file = content(5000);
    let (server, base) = Server::start(file.clone()).await;
    let http = HttpClient::with_options(&config(&base), options()).unwrap();
    let dir = temp_dir();
    let target = dir.join("cfg");
    std::fs::write(&target, b"old").unwrap();
    let wrong_sum = DownloadOptions {
        sha256: Some("00".repeat(32)),
        ..DownloadOptions::default()
    };
    let error = http
        .download_to_file("/files/a", &target, &wrong_sum)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        HttpError::Checksum {
            expected: "00".repeat(32),
            actual: sha256(&file)
        }
    );
    let wrong_size = DownloadOptions {
        size: Some(4999),
        ..DownloadOptions::default()
    };
    let error = http
        .download_to_file("/files/a", &target, &wrong_size)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        HttpError::Size {
            expected: 4999,
            actual: 5000
        }
    );
    server.behaviour.lock().statuses = [404].into();
    let error = http
        .download_to_file("/files/a", &target, &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, HttpError::Status { status: 404, .. }),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "temporary files removed"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn server_errors_are_retried_and_range_ignoring_servers_restart() {
    let file = content(200_000);
    let (server, base) = Server::start(file.clone()).await;
    {
        let mut b = server.behaviour.lock();
        b.statuses = [503, 500].into();
        b.cuts = [50_000].into();
        b.no_ranges = true;
    }
    let http = HttpClient::with_options(&config(&base), options()).unwrap();
    let dir = temp_dir();
    let target = dir.join("f");
    let done = http
        .download_to_file("/files/f", &target, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), file);
    assert_eq!(done.resumes, 0, "the server ignored Range: started over");
    let statuses: Vec<u16> = server.seen().iter().map(|s| s.status).collect();
    assert_eq!(statuses, [503, 500, 200, 200]);
    // A stream cannot start over.
    server.behaviour.lock().cuts = [50_000].into();
    let error = http
        .download_to_writer("/files/f", &mut Vec::new(), &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::NoResume { .. }), "{error:?}");
    // Persistent 5xx: gives up after the configured attempts.
    server.behaviour.lock().statuses = [502; 10].into();
    let error = http
        .download_to_writer("/files/f", &mut Vec::new(), &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, HttpError::Status { status: 502, .. }),
        "{error:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn uploads_create_the_event_then_attach_the_file_and_return_the_urls() {
    let (server, base) = Server::start(Bytes::new()).await;
    server.behaviour.lock().accepted = vec![BASIC.to_owned()];
    let http = HttpClient::with_options(&config(&base), options()).unwrap();
    let dir = temp_dir();
    let log = dir.join("syslog.txt");
    std::fs::write(&log, b"line 1\nline 2\n").unwrap();
    let upload = http
        .upload_as_event(
            "dev1",
            "c8y_Logfile",
            "syslog",
            &UploadSource::File(log.clone()),
            "syslog.txt",
            "text/plain",
        )
        .await
        .unwrap();
    assert_eq!(upload.id, "900");
    assert_eq!(upload.url, format!("{base}/event/events/900/binaries"));
    let seen = server.seen();
    let paths: Vec<_> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("GET", "/identity/externalIds/c8y_Serial/dev1"),
            ("POST", "/event/events"),
            ("POST", "/event/events/900/binaries")
        ]
    );
    let event: serde_json::Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(event["source"]["id"], "4711");
    assert_eq!(event["type"], "c8y_Logfile");
    let multipart = String::from_utf8_lossy(&seen[2].body);
    assert!(
        multipart.contains("name=\"file\"; filename=\"syslog.txt\""),
        "{multipart}"
    );
    assert!(multipart.contains("line 1\nline 2\n"));

    let mut extra = serde_json::Map::new();
    extra.insert("c8y_Dump".to_owned(), serde_json::json!({}));
    let binary = http
        .upload_inventory_binary(
            &UploadSource::Bytes(Bytes::from_static(b"k=v")),
            "cfg.ini",
            "text/plain",
            &extra,
        )
        .await
        .unwrap();
    assert_eq!(binary.id, "77");
    assert_eq!(binary.url, "http://platform.example/inventory/binaries/77");
    let body = String::from_utf8_lossy(&server.seen()[3].body).into_owned();
    assert!(body.contains("name=\"object\""), "{body}");
    assert!(
        body.contains(r#""name":"cfg.ini""#) && body.contains(r#""c8y_Dump":{}"#),
        "{body}"
    );
    assert!(body.contains("k=v"));
    // The managed object id was looked up once.
    http.create_event("dev1", "t", "x").await.unwrap();
    assert_eq!(
        server
            .seen()
            .iter()
            .filter(|s| s.path.starts_with("/identity"))
            .count(),
        1
    );
    std::fs::remove_dir_all(dir).unwrap();
}
