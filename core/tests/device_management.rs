//! Device management end to end against the in-process emulator (MQTT and REST on ephemeral
//! loopback ports): the certificate device's token from `s/uat`, downloads and uploads of
//! binaries with the emulator's faults (expired token mid-download, a cut connection), and
//! every operation workflow from the platform's operation to its final status.

#![cfg(feature = "http")]

mod client_support;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use c8y_mqtt::client::{
    Client, Config, ConfigBuilder, Credentials, Event, ReceivedOperation, Secret, TransportKind, TrustRoots,
};
use c8y_mqtt::http::{DownloadOptions, HttpClient, HttpError, UploadSource};
use c8y_mqtt::templates::upstream::DeviceCreation;
use c8y_mqtt::workflows::{DeviceManagement, InstalledSoftware, SoftwareChangeAction};
use c8y_mqtt_emulator::platform::binaries::StoredBinary;
use c8y_mqtt_emulator::{Emulator, EmulatorHandle};
use client_support::*;
use parking_lot::Mutex;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::json;
use sha2::{Digest, Sha256};

async fn emulator_with_http(ca: Option<&CertifiedIssuer<'static, KeyPair>>) -> EmulatorHandle {
    let mut builder = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .http_port(Some(0));
    if let Some(ca) = ca {
        builder = builder.trusted_device_ca(ca.pem());
    }
    builder.start().await.expect("emulator starts")
}

fn base_url(emulator: &EmulatorHandle) -> String {
    format!("http://{}", emulator.http_addr().expect("http served"))
}

fn password_config(emulator: &EmulatorHandle) -> ConfigBuilder {
    config(emulator, TransportKind::Tcp).http_base_url(base_url(emulator))
}

fn device_ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, "device CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn certificate_config(emulator: &EmulatorHandle, ca: &CertifiedIssuer<'static, KeyPair>) -> Config {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, DEVICE);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    Config::builder("localhost", DEVICE)
        .port(emulator.mqtts_addr().unwrap().port())
        .transport(TransportKind::Tls)
        .credentials(Credentials::Certificate {
            chain_pem: format!("{}{}", cert.pem(), ca.pem()),
            key_pem: Secret::new(key.serialize_pem()),
        })
        .trust(TrustRoots::CaPem(emulator.ca_pem().unwrap().to_owned()))
        .reconnect(fast_reconnect())
        .create_device(DeviceCreation::new())
        .http_base_url(base_url(emulator))
        .build()
        .unwrap()
}

fn content(len: usize) -> Bytes {
    (0..len).map(|i| (i * 7 % 253) as u8).collect::<Vec<_>>().into()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores `data` as inventory binary `id` and returns its URL.
fn put_binary(emulator: &EmulatorHandle, id: &str, data: Bytes) -> String {
    let platform = emulator.cumulocity().expect("default platform");
    platform.binaries().put_inventory(
        id,
        StoredBinary {
            name: format!("{id}.bin"),
            content_type: "application/octet-stream".to_owned(),
            data,
        },
    );
    format!("{}/inventory/binaries/{id}", base_url(emulator))
}

fn token_requests(emulator: &EmulatorHandle) -> usize {
    emulator
        .publishes()
        .iter()
        .filter(|p| p.publish.topic == "s/uat")
        .count()
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("c8y-dm-{}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_device_gets_one_token_over_mqtt_and_downloads_with_it() {
    let ca = device_ca();
    let emulator = emulator_with_http(Some(&ca)).await;
    let client = Client::start(certificate_config(&emulator, &ca)).unwrap();
    client.wait_connected(WAIT).await.expect("certificate login");
    let http = client.http().unwrap();
    // Eight callers at once: one s/uat request, one token for all.
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let http = http.clone();
            tokio::spawn(async move { http.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(
            caller
                .await
                .unwrap()
                .unwrap()
                .expect("a certificate device has a token"),
        );
    }
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(token_requests(&emulator), 1);
    let platform = emulator.cumulocity().unwrap();
    assert_eq!(
        platform.tokens().verify(TENANT, tokens[0].expose()).as_deref(),
        Some("device_dev1")
    );
    assert!(!format!("{http:?} {:?}", tokens[0]).contains(tokens[0].expose()));

    let data = content(300_000);
    let url = put_binary(&emulator, "41", data.clone());
    let mut out = Vec::new();
    http.download_to_writer(&url, &mut out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(out, data);
    assert_eq!(token_requests(&emulator), 1, "cached");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expiring_mid_download_is_renewed_and_the_download_completes() {
    let ca = device_ca();
    let emulator = emulator_with_http(Some(&ca)).await;
    let client = Client::start(certificate_config(&emulator, &ca)).unwrap();
    client.wait_connected(WAIT).await.unwrap();
    let http = client.http().unwrap();
    let data = content(4 << 20);
    let url = put_binary(&emulator, "42", data.clone());
    emulator.http_faults().cut_next_download(2 << 20);
    // The first bytes arrive: every token issued so far expires (server side).
    let platform = Arc::clone(emulator.cumulocity().unwrap());
    let expired = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&expired);
    let options = DownloadOptions {
        size: Some(data.len() as u64),
        sha256: Some(sha256(&data)),
        progress: Some(Arc::new(move |_, _| {
            if !flag.swap(true, Ordering::SeqCst) {
                platform.tokens().expire_issued();
            }
        })),
    };
    let dir = temp_dir();
    let target = dir.join("image.bin");
    let done = http.download_to_file(&url, &target, &options).await.unwrap();
    assert!(expired.load(Ordering::SeqCst));
    assert_eq!(done.resumes, 1);
    assert_eq!(std::fs::read(&target).unwrap(), data);
    assert_eq!(token_requests(&emulator), 2, "renewed once, for the resume");
    client.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cut_at_half_resumes_and_faults_are_reported() {
    let emulator = emulator_with_http(None).await;
    let client = connected_client(password_config(&emulator)).await;
    let http = client.http().unwrap();
    let data = content(1 << 20);
    let url = put_binary(&emulator, "43", data.clone());
    emulator.http_faults().cut_next_download(512 * 1024);
    let mut out = Vec::new();
    let done = http
        .download_to_writer(&url, &mut out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!((done.resumes, done.sha256.clone()), (1, sha256(&data)));
    assert_eq!(out, data);

    // One 401 with a password: no token to renew, so it fails.
    emulator.http_faults().unauthorized(1);
    let error = http
        .download_to_writer(&url, &mut Vec::new(), &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Unauthorized { .. }), "{error:?}");
    // A missing binary.
    let error = http
        .download_to_writer(
            "/inventory/binaries/999",
            &mut Vec::new(),
            &DownloadOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, HttpError::Status { status: 404, .. }),
        "{error:?}"
    );
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_reach_the_platform_as_event_and_inventory_binaries() {
    let emulator = emulator_with_http(None).await;
    let client = connected_client(password_config(&emulator)).await;
    let http = client.http().unwrap();
    let upload = http
        .upload_as_event(
            DEVICE,
            "c8y_Logfile",
            "syslog",
            &UploadSource::Bytes(Bytes::from_static(b"a\nb\n")),
            "syslog.log",
            "text/plain",
        )
        .await
        .unwrap();
    let platform = emulator.cumulocity().unwrap();
    let stored = platform.binaries().event(&upload.id).expect("attached");
    assert_eq!(stored.data, Bytes::from_static(b"a\nb\n"));
    assert_eq!(
        (stored.name.as_str(), stored.content_type.as_str()),
        ("syslog.log", "text/plain")
    );
    assert_eq!(
        upload.url,
        format!("{}/event/events/{}/binaries", base_url(&emulator), upload.id)
    );

    let binary = http
        .upload_inventory_binary(
            &UploadSource::Bytes(Bytes::from_static(b"k=v\n")),
            "agent.ini",
            "text/plain",
            &serde_json::Map::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        binary.url,
        format!("{}/inventory/binaries/{}", base_url(&emulator), binary.id)
    );
    let mut out = Vec::new();
    http.download_to_writer(&binary.url, &mut out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(out, b"k=v\n");
    client.close().await;
}

// ---- workflows ----

/// What the application's handlers saw.
#[derive(Default)]
struct Seen {
    calls: Vec<String>,
    files: Vec<Vec<u8>>,
}

fn management(client: &Client, seen: &Arc<Mutex<Seen>>, dir: PathBuf) -> DeviceManagement {
    let (s1, s2, s3, s4, s5, s6) = (
        Arc::clone(seen),
        Arc::clone(seen),
        Arc::clone(seen),
        Arc::clone(seen),
        Arc::clone(seen),
        Arc::clone(seen),
    );
    DeviceManagement::builder(client)
        .unwrap()
        .download_dir(dir)
        .logs(["syslog"], move |request| {
            let seen = Arc::clone(&s1);
            async move {
                seen.lock().calls.push(format!(
                    "log {} {:?} {}",
                    request.log_type, request.maximum_lines, request.search_text
                ));
                if request.log_type != "syslog" {
                    return Err(format!("no log of type {}", request.log_type));
                }
                Ok(UploadSource::Bytes(Bytes::from_static(b"boot ok\n")))
            }
        })
        .configurations(
            ["agent.ini"],
            move |request| {
                let seen = Arc::clone(&s2);
                async move {
                    seen.lock()
                        .calls
                        .push(format!("config upload {}", request.config_type));
                    Ok(UploadSource::Bytes(Bytes::from_static(b"interval=5\n")))
                }
            },
            move |apply| {
                let seen = Arc::clone(&s3);
                async move {
                    let bytes = std::fs::read(&apply.path).map_err(|e| e.to_string())?;
                    let mut seen = seen.lock();
                    seen.calls.push(format!("config apply {}", apply.config_type));
                    seen.files.push(bytes);
                    Ok(())
                }
            },
        )
        .firmware(move |install| {
            let seen = Arc::clone(&s4);
            async move {
                let bytes = match &install.path {
                    Some(path) => std::fs::read(path).map_err(|e| e.to_string())?,
                    None => Vec::new(),
                };
                let mut seen = seen.lock();
                seen.calls
                    .push(format!("firmware {} {}", install.name, install.version));
                seen.files.push(bytes);
                Ok(())
            }
        })
        .software(
            move |change| {
                let seen = Arc::clone(&s5);
                async move {
                    let mut seen = seen.lock();
                    match &change.action {
                        SoftwareChangeAction::Install { path } => {
                            let bytes = match path {
                                Some(path) => std::fs::read(path).map_err(|e| e.to_string())?,
                                None => Vec::new(),
                            };
                            seen.calls
                                .push(format!("install {} {}", change.name, change.version));
                            seen.files.push(bytes);
                        }
                        SoftwareChangeAction::Delete => seen.calls.push(format!("remove {}", change.name)),
                        SoftwareChangeAction::Other(word) => return Err(format!("cannot {word}")),
                    }
                    Ok(())
                }
            },
            move |_device| {
                let seen = Arc::clone(&s6);
                async move {
                    seen.lock().calls.push("list".to_owned());
                    Ok(vec![InstalledSoftware::new("nginx", "1.2")])
                }
            },
        )
        .build()
}

async fn next_operation(client: &Client) -> ReceivedOperation {
    match expect_event(client, |e| matches!(e, Event::Operation(_))).await {
        Event::Operation(op) => *op,
        _ => unreachable!(),
    }
}

/// Creates an operation, lets the workflow run it and returns the operation as stored.
async fn run(
    emulator: &EmulatorHandle,
    client: &Client,
    management: &DeviceManagement,
    fragments: serde_json::Value,
) -> (serde_json::Value, Result<(), String>) {
    let created = emulator.create_operation(DEVICE, fragments).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let op = next_operation(client).await;
    assert!(management.supports(&op), "{op:?}");
    let outcome = management.handle(&op).await.expect("handled").map_err(|e| e.0);
    let stored = emulator.operation(&id).unwrap();
    (stored, outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_and_configuration_workflows_upload_and_report_the_urls() {
    let emulator = emulator_with_http(None).await;
    let client = connected_client(password_config(&emulator)).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let dir = temp_dir();
    let management = management(&client, &seen, dir.clone());
    for delivery in management.declare().unwrap() {
        assert!(delivery.await.is_success());
    }
    expect_publish(&emulator, "s/us", "118,syslog").await;
    expect_publish(&emulator, "s/us", "119,agent.ini").await;

    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_LogfileRequest": {"logFile": "syslog", "dateFrom": "2021-09-21T11:40:27+0200",
            "dateTo": "2021-09-22T11:40:27+0200", "searchText": "ok", "maximumLines": 100}}),
    )
    .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    let url = op["c8y_LogfileRequest"]["file"]
        .as_str()
        .expect("file URL stored")
        .to_owned();
    let event_id = url.split('/').nth_back(1).unwrap();
    let platform = emulator.cumulocity().unwrap();
    assert_eq!(
        platform.binaries().event(event_id).unwrap().data,
        Bytes::from_static(b"boot ok\n")
    );
    expect_publish(&emulator, "s/us", &format!("503,c8y_LogfileRequest,{url}")).await;

    // A log type the application refuses: FAILED with its reason.
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_LogfileRequest": {"logFile": "dmesg", "dateFrom": "2021-09-21T11:40:27+0200",
            "dateTo": "2021-09-22T11:40:27+0200", "searchText": "", "maximumLines": 10}}),
    )
    .await;
    let reason = "Reading the log failed: no log of type dmesg";
    assert_eq!(outcome, Err(reason.to_owned()));
    assert_eq!(
        (op["status"].as_str(), op["failureReason"].as_str()),
        (Some("FAILED"), Some(reason))
    );

    // Configuration upload: an event binary of the configuration type.
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_UploadConfigFile": {"type": "agent.ini"}}),
    )
    .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    let upload = emulator
        .publishes()
        .into_iter()
        .map(|p| String::from_utf8_lossy(&p.publish.payload).into_owned())
        .find(|p| p.starts_with("503,c8y_UploadConfigFile,"))
        .expect("503 with the URL");
    let event_id = upload.rsplit('/').nth(1).unwrap().to_owned();
    assert_eq!(
        platform.binaries().event(&event_id).unwrap().data,
        Bytes::from_static(b"interval=5\n")
    );

    // Configuration download: applied, then 120 and 503.
    let url = put_binary(&emulator, "50", Bytes::from_static(b"interval=9\n"));
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_DownloadConfigFile": {"url": url, "type": "agent.ini"}}),
    )
    .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    expect_publish(&emulator, "s/us", &format!("120,agent.ini,{url}")).await;
    assert_eq!(seen.lock().files.last().unwrap(), b"interval=9\n");
    assert_eq!(
        seen.lock().calls,
        [
            "log syslog Some(100) ok",
            "log dmesg Some(10) ",
            "config upload agent.ini",
            "config apply agent.ini"
        ]
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "downloads removed");
    client.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firmware_software_and_profile_workflows_download_install_and_report() {
    let emulator = emulator_with_http(None).await;
    let client = connected_client(password_config(&emulator)).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let dir = temp_dir();
    let management = management(&client, &seen, dir.clone());
    let image = content(700_000);
    let fw_url = put_binary(&emulator, "60", image.clone());
    let pkg_url = put_binary(&emulator, "61", Bytes::from_static(b"package"));
    let cfg_url = put_binary(&emulator, "62", Bytes::from_static(b"cfg"));

    // Firmware, with the connection cut once on the way: resumed, installed, 115 and 503.
    emulator.http_faults().cut_next_download(300_000);
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_Firmware": {"name": "core", "version": "2.0", "url": fw_url}}),
    )
    .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    expect_publish(&emulator, "s/us", &format!("115,core,2.0,{fw_url}")).await;
    assert_eq!(seen.lock().files.last().unwrap(), &image.to_vec());

    // Software (legacy 528): install with a download, remove, then 116 with the list.
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_SoftwareUpdate": [
            {"name": "nginx", "version": "1.2", "url": pkg_url, "action": "install"},
            {"name": "vim", "version": "9", "url": "", "action": "delete"}]}),
    )
    .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    expect_publish(&emulator, "s/us", "116,nginx,1.2").await;

    // Advanced software (529, typed): reported with 140.
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_SoftwareUpdate": [
            {"name": "nginx", "version": "1.2", "softwareType": "apt", "url": pkg_url, "action": "install"}]}),
    )
    .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    expect_publish(&emulator, "s/us", "140,nginx,1.2").await;

    // Device profile: 121 false, firmware, software, configuration, 121 true, 503.
    let before = emulator.publishes().len();
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"profileName": "p1", "profileId": "77", "c8y_DeviceProfile": {
            "firmware": {"name": "core", "version": "3.0", "url": fw_url},
            "software": [{"name": "nginx", "version": "1.3", "url": pkg_url, "action": "install"}],
            "configuration": [{"name": "agent", "type": "agent.ini", "url": cfg_url}]}}),
    )
    .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    let sent: Vec<String> = emulator.publishes()[before..]
        .iter()
        .filter(|p| p.publish.topic == "s/us")
        .map(|p| String::from_utf8_lossy(&p.publish.payload).into_owned())
        .filter(|p| p != "500" && p != "100")
        .collect();
    assert_eq!(
        sent,
        [
            "501,c8y_DeviceProfile".to_owned(),
            "121,false".to_owned(),
            format!("115,core,3.0,{fw_url}"),
            "116,nginx,1.2".to_owned(),
            format!("120,agent.ini,{cfg_url}"),
            "121,true".to_owned(),
            "503,c8y_DeviceProfile".to_owned(),
        ]
    );
    let calls = seen.lock().calls.clone();
    assert_eq!(
        calls,
        [
            "firmware core 2.0",
            "install nginx 1.2",
            "remove vim",
            "list",
            "install nginx 1.2",
            "list",
            "firmware core 3.0",
            "install nginx 1.3",
            "list",
            "config apply agent.ini"
        ]
    );

    // A firmware URL that does not exist: FAILED with the download's reason, nothing installed.
    let missing = format!("{}/inventory/binaries/404", base_url(&emulator));
    let (op, outcome) = run(
        &emulator,
        &client,
        &management,
        json!({"c8y_Firmware": {"name": "core", "version": "4.0", "url": missing}}),
    )
    .await;
    let reason = outcome.unwrap_err();
    assert!(
        reason.starts_with("Download of firmware image failed: ") && reason.contains("404"),
        "{reason}"
    );
    assert_eq!(op["status"], "FAILED");
    assert_eq!(op["failureReason"].as_str(), Some(reason.as_str()));
    assert_eq!(seen.lock().calls.len(), calls.len(), "nothing installed");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "downloads removed");
    client.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_hosts_get_no_device_credentials() {
    // The emulator's REST port is the platform; a second emulator stands for another host.
    let emulator = emulator_with_http(None).await;
    let other = emulator_with_http(None).await;
    let client = connected_client(password_config(&emulator)).await;
    let http: HttpClient = client.http().unwrap();
    let url = put_binary(&other, "70", Bytes::from_static(b"x"));
    // The other host requires credentials and gets none: 401, never the device's password.
    let error = http
        .download_to_writer(&url, &mut Vec::new(), &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, HttpError::Status { status: 401, .. }),
        "{error:?}"
    );
    client.close().await;
}

/// A device profile with typed software comes as `527` and `531` in one message: one
/// operation reaches the workflow, which runs the profile once (docs/protocol.md §5.7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_sent_as_527_and_531_runs_once() {
    let emulator = emulator_with_http(None).await;
    let client = connected_client(password_config(&emulator)).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let dir = temp_dir();
    let management = management(&client, &seen, dir.clone());
    let pkg_url = put_binary(&emulator, "80", Bytes::from_static(b"package"));
    let created = emulator
        .create_operation(
            DEVICE,
            json!({"c8y_DeviceProfile": {"software": [
                {"name": "nginx", "version": "1.4", "softwareType": "apt", "url": pkg_url, "action": "install"}]}}),
        )
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let before = emulator.publishes().len();
    // The platform renders the profile as 527 and, its software being typed, as 531 in the same
    // message: the client hands it over once, as the richer 531.
    let profile = next_operation(&client).await;
    assert!(
        matches!(
            profile.kind(),
            Some(c8y_mqtt::templates::downstream::OperationKind::AdvancedDeviceProfile(_))
        ),
        "{profile:?}"
    );
    assert_eq!(management.handle(&profile).await, Some(Ok(())));
    // Nothing else was handed over for it: the next operation is the next one created.
    emulator
        .create_operation(DEVICE, json!({"c8y_Restart": {}}))
        .unwrap();
    let next = next_operation(&client).await;
    assert_eq!(next.fragment, "c8y_Restart", "{next:?}");
    client.flush(WAIT).await.unwrap();
    let op = emulator.operation(&id).unwrap();
    assert_eq!(op["status"], "SUCCESSFUL", "{op}");
    let sent: Vec<String> = emulator.publishes()[before..]
        .iter()
        .map(|p| String::from_utf8_lossy(&p.publish.payload).into_owned())
        .filter(|p| p != "500" && p != "100") // the client's start-up rows may land here
        .collect();
    assert_eq!(
        sent,
        [
            "501,c8y_DeviceProfile",
            "121,false",
            "140,nginx,1.2",
            "121,true",
            "503,c8y_DeviceProfile"
        ]
    );
    assert_eq!(seen.lock().calls, ["install nginx 1.4", "list"]);
    client.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}
