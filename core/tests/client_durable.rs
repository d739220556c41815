//! Durability and provisioning against the emulator: the on-disk outbox across a simulated
//! crash, corrupt files, cleanup after PUBACK; bootstrap registration (full flow, file reuse,
//! timeout, refused login); connecting through an explicit HTTP CONNECT proxy.

mod client_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use c8y_mqtt::QoS;
use c8y_mqtt::client::persistence::{Store, StoredMessage};
use c8y_mqtt::client::{
    BootstrapConfig, Client, ClientError, ConnackRefusal, DeliveryId, DeliveryOutcome, Event, NextEvent,
    RegistrationError, Secret, TransportKind, TrustRoots, register,
};
use c8y_mqtt::templates::upstream::CustomMeasurement;
use c8y_mqtt_emulator::model::DeviceRequestStatus;
use c8y_mqtt_emulator::{Emulator, EmulatorEvent, EmulatorHandle};
use client_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A fresh, empty directory under the system temp dir for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("c8y-durable-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The message files in a persistence directory, sorted.
fn message_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".msg"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn counter(i: usize) -> CustomMeasurement {
    CustomMeasurement::new("c8y_Counter", "n", i64::try_from(i).unwrap()).unwrap()
}

/// How often each `200,c8y_Counter,n,<i>` row reached the emulator.
fn counter_rows(emulator: &EmulatorHandle) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for (topic, payload) in payloads(emulator) {
        if topic == "s/us" && payload.starts_with("200,c8y_Counter") {
            *seen.entry(payload).or_default() += 1;
        }
    }
    seen
}

/// Collects client events until `done` says so (or fails after the wait limit).
async fn events_until(client: &Client, mut done: impl FnMut(&[Event]) -> bool) -> Vec<Event> {
    let mut events = Vec::new();
    let result = tokio::time::timeout(WAIT, async {
        loop {
            match client.next_event().await {
                NextEvent::Event(event) => {
                    events.push(event);
                    if done(&events) {
                        return;
                    }
                }
                NextEvent::Timeout => {}
                NextEvent::Closed => return,
            }
        }
    })
    .await;
    assert!(result.is_ok(), "events so far: {events:?}");
    events
}

/// Client A accepts N messages while PUBACKs are withheld and then "crashes" (its runtime is
/// torn down: no close, no flush); client B with the same directory sends all of them.
#[test]
fn messages_accepted_before_a_crash_are_sent_after_restart() {
    const N: usize = 25;
    let dir = temp_dir("crash");
    let main = tokio::runtime::Runtime::new().unwrap();
    let emulator = main.block_on(emulator());

    let crashed = tokio::runtime::Runtime::new().unwrap();
    let builder = config(&emulator, TransportKind::Tcp).persistence_dir(&dir);
    let (client_a, ids_a) = crashed.block_on(async {
        let client = connected_client(builder.clone()).await;
        emulator.withhold_pubacks(DEVICE, true);
        let mut ids = Vec::new();
        for i in 0..N {
            let delivery = client.publish(counter(i)).unwrap();
            // Durable before the call returned.
            assert_eq!(message_files(&dir).len(), i + 1, "message {i} on disk at return");
            ids.push(delivery.id());
        }
        // Let them reach the emulator unacknowledged.
        emulator
            .wait_for_publish(
                |p| p.publish.payload == format!("200,c8y_Counter,n,{}", N - 1).as_bytes(),
                WAIT,
            )
            .await
            .expect("sent once");
        (client, ids)
    });
    // The crash: the runtime stops without any close; waiting for its threads to drop the
    // tasks releases the directory's lock as the dead process would.
    crashed.shutdown_timeout(WAIT);
    drop(client_a);
    assert_eq!(message_files(&dir).len(), N, "nothing was removed without PUBACK");

    main.block_on(async {
        emulator.withhold_pubacks(DEVICE, false);
        let client_b = Client::start(builder.build().unwrap()).unwrap();
        let mut acknowledged = Vec::new();
        let events = events_until(&client_b, |events| {
            acknowledged = events
                .iter()
                .filter_map(|e| match e {
                    Event::Delivery {
                        id,
                        outcome: DeliveryOutcome::Acknowledged,
                    } => Some(*id),
                    _ => None,
                })
                .collect();
            acknowledged.len() == N
        })
        .await;
        let recovered = events.iter().find_map(|e| match e {
            Event::Recovered { deliveries } => Some(deliveries.clone()),
            _ => None,
        });
        assert_eq!(recovered, Some(ids_a.clone()), "loaded in order with their ids");
        acknowledged.sort();
        assert_eq!(acknowledged, ids_a);

        let seen = counter_rows(&emulator);
        for i in 0..N {
            assert!(
                seen.contains_key(&format!("200,c8y_Counter,n,{i}")),
                "message {i} lost"
            );
        }
        let duplicates: usize = seen.values().map(|n| n - 1).sum();
        assert_eq!(
            duplicates, N,
            "each message went out once unacknowledged, once after restart"
        );

        // Delivery ids keep increasing across the restart.
        let next = client_b.publish(counter(N)).unwrap();
        assert!(next.id() > *ids_a.last().unwrap(), "{:?}", next.id());
        assert_eq!(next.await, DeliveryOutcome::Acknowledged);
        client_b.flush(WAIT).await.unwrap();
        assert!(message_files(&dir).is_empty(), "{:?}", message_files(&dir));
        client_b.close().await;
        emulator.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_file_is_skipped_and_reported_the_others_are_sent() {
    let dir = temp_dir("corrupt");
    let (mut store, first_id, _) = Store::open(&dir).unwrap();
    let stored = |delivery: u64, payload: &str| StoredMessage {
        delivery,
        part: 0,
        topic: "s/us".to_owned(),
        payload: payload.to_owned(),
        qos: QoS::AtLeastOnce,
        batchable: true,
    };
    store
        .write(&[
            stored(first_id, "200,c8y_Counter,n,1"),
            stored(first_id + 2, "200,c8y_Counter,n,3"),
        ])
        .unwrap();
    drop(store);
    let corrupt = dir.join(format!("{:020}-00000.msg", first_id + 1));
    std::fs::write(&corrupt, b"C8YMSG01 half a record").unwrap();

    let emulator = emulator().await;
    let client = Client::start(
        config(&emulator, TransportKind::Tcp)
            .persistence_dir(&dir)
            .build()
            .unwrap(),
    )
    .unwrap();
    let events = events_until(&client, |events| {
        events
            .iter()
            .filter(|e| matches!(e, Event::Delivery { .. }))
            .count()
            == 2
    })
    .await;
    let skipped: Vec<(PathBuf, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::OutboxFileSkipped { path, reason } => Some((path.clone(), reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped,
        vec![(corrupt.with_extension("corrupt"), "checksum mismatch".to_owned())]
    );
    assert!(corrupt.with_extension("corrupt").exists(), "kept for inspection");
    assert!(events.contains(&Event::Recovered {
        deliveries: vec![DeliveryId(first_id), DeliveryId(first_id + 2)]
    }));
    expect_publish(&emulator, "s/us", "200,c8y_Counter,n,1").await;
    expect_publish(&emulator, "s/us", "200,c8y_Counter,n,3").await;
    client.flush(WAIT).await.unwrap();
    assert!(message_files(&dir).is_empty());
    client.close().await;
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_removed_after_puback_and_qos0_is_never_written() {
    let dir = temp_dir("cleanup");
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp).persistence_dir(&dir)).await;
    emulator.withhold_pubacks(DEVICE, true);
    let mut deliveries = Vec::new();
    for i in 0..5 {
        deliveries.push(client.publish(counter(i)).unwrap());
    }
    let qos0 = client
        .publish_raw("s/us", "200,c8y_Counter,n,99", QoS::AtMostOnce)
        .unwrap();
    assert_eq!(qos0.await, DeliveryOutcome::Sent);
    assert_eq!(message_files(&dir).len(), 5, "only the QoS 1 messages");
    emulator.withhold_pubacks(DEVICE, false);
    // The withheld PUBACKs never come: a reconnect replays the five.
    assert!(emulator.drop_connection(DEVICE));
    for d in deliveries {
        assert_eq!(
            tokio::time::timeout(WAIT, d.outcome()).await.unwrap(),
            DeliveryOutcome::Acknowledged
        );
    }
    client.flush(WAIT).await.unwrap();
    assert!(message_files(&dir).is_empty(), "{:?}", message_files(&dir));
    client.close().await;
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- registration ----

const BOOTSTRAP_PASSWORD: &str = "boot-secret";

async fn bootstrap_emulator() -> EmulatorHandle {
    Emulator::builder()
        .tenant(TENANT)
        .bootstrap_password(BOOTSTRAP_PASSWORD)
        .start()
        .await
        .expect("emulator starts")
}

fn bootstrap_config(emulator: &EmulatorHandle, device: &str, file: &Path) -> BootstrapConfig {
    let mut config = BootstrapConfig::new("localhost", device, BOOTSTRAP_PASSWORD, file);
    config.port = Some(emulator.mqtts_addr().expect("mqtts").port());
    config.transport = TransportKind::Tls;
    config.trust = TrustRoots::CaPem(emulator.ca_pem().expect("CA").to_owned());
    config.poll_interval = Duration::from_millis(100);
    config.timeout = WAIT;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_registers_writes_a_private_file_and_the_credentials_work() {
    let dir = temp_dir("bootstrap");
    let file = dir.join("credentials");
    let emulator = bootstrap_emulator().await;
    emulator.register_device("reg1").expect("cumulocity model");
    let task = tokio::spawn(register(bootstrap_config(&emulator, "reg1", &file)));
    emulator
        .wait_for_device_request("reg1", DeviceRequestStatus::PendingAcceptance, WAIT)
        .await
        .expect("the device polled s/ucr");
    assert!(!file.exists(), "nothing written before acceptance");
    emulator.accept_device_request("reg1").unwrap();
    let credentials = tokio::time::timeout(WAIT, task).await.unwrap().unwrap().unwrap();
    assert_eq!(credentials.tenant, TENANT);
    assert!(!format!("{credentials:?}").contains(credentials.password.expose()));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let line = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        line,
        format!(
            "70,{},{},{}\n",
            credentials.tenant,
            credentials.user,
            credentials.password.expose()
        )
    );

    // The device connects with what it got.
    let client = Client::start(
        c8y_mqtt::client::Config::builder("127.0.0.1", "reg1")
            .port(emulator.mqtt_addr().unwrap().port())
            .transport(TransportKind::Tcp)
            .credentials_from(&credentials)
            .create_device(c8y_mqtt::templates::upstream::DeviceCreation::new())
            .build()
            .unwrap(),
    )
    .unwrap();
    client.wait_connected(WAIT).await.expect("device login works");
    client.close().await;

    // The second start reuses the file without connecting: nothing listens on this port.
    let mut again = bootstrap_config(&emulator, "reg1", &file);
    again.port = Some(free_port());
    again.timeout = Duration::from_secs(1);
    assert_eq!(register(again).await.unwrap(), credentials);
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_times_out_when_never_accepted() {
    let dir = temp_dir("bootstrap-timeout");
    let file = dir.join("credentials");
    let emulator = bootstrap_emulator().await;
    emulator.register_device("reg2").expect("cumulocity model");
    let mut config = bootstrap_config(&emulator, "reg2", &file);
    config.timeout = Duration::from_millis(800);
    let error = register(config).await.unwrap_err();
    assert_eq!(
        error,
        RegistrationError::Timeout {
            timeout: Duration::from_millis(800),
            last_error: None
        }
    );
    let polls = emulator
        .publishes()
        .iter()
        .filter(|p| p.publish.topic == "s/ucr")
        .count();
    assert!(polls >= 3, "polled every 100 ms, got {polls}");
    assert!(!file.exists());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_bootstrap_password_is_a_typed_error() {
    let dir = temp_dir("bootstrap-refused");
    let emulator = bootstrap_emulator().await;
    let mut config = bootstrap_config(&emulator, "reg3", &dir.join("credentials"));
    config.bootstrap_password = Secret::new("wrong");
    let error = register(config).await.unwrap_err();
    assert_eq!(
        error,
        RegistrationError::BootstrapRefused(ConnackRefusal::BadCredentials)
    );
    emulator.shutdown().await;
}

// ---- HTTP CONNECT proxy ----

/// A free loopback port (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP CONNECT proxy on 127.0.0.1: counts tunnels and records each request head.
struct TestProxy {
    port: u16,
    tunnels: Arc<AtomicUsize>,
    heads: Arc<parking_lot::Mutex<Vec<String>>>,
}

async fn start_proxy() -> TestProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let (count, seen) = (Arc::clone(&tunnels), Arc::clone(&heads));
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let (count, seen) = (Arc::clone(&count), Arc::clone(&seen));
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if inbound.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head
                    .strip_prefix("CONNECT ")
                    .and_then(|rest| rest.split(' ').next())
                    .unwrap_or_default()
                    .to_owned();
                seen.lock().push(head);
                let Ok(mut outbound) = TcpStream::connect(&target).await else {
                    let _ = inbound.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let _ = inbound
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    TestProxy { port, tunnels, heads }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_through_an_http_connect_proxy_with_basic_auth() {
    let emulator = emulator().await;
    let proxy = start_proxy().await;
    for transport in [
        TransportKind::Tcp,
        TransportKind::Tls,
        TransportKind::Ws,
        TransportKind::Wss,
    ] {
        let before = proxy.tunnels.load(Ordering::SeqCst);
        let client = connected_client(config(&emulator, transport).http_proxy(
            "127.0.0.1",
            proxy.port,
            Some(("proxy-user".to_owned(), Secret::new("proxy-pw"))),
        ))
        .await;
        let delivery = client.publish(counter(7)).unwrap();
        assert_eq!(delivery.await, DeliveryOutcome::Acknowledged, "{transport:?}");
        assert_eq!(proxy.tunnels.load(Ordering::SeqCst), before + 1, "{transport:?}");
        client.close().await;
    }
    let heads = proxy.heads.lock().clone();
    let mqtt = emulator.mqtt_addr().unwrap().port();
    assert!(
        heads[0].starts_with(&format!("CONNECT 127.0.0.1:{mqtt} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    // base64("proxy-user:proxy-pw")
    assert!(
        heads
            .iter()
            .all(|h| h.contains("Proxy-Authorization: Basic cHJveHktdXNlcjpwcm94eS1wdw==")),
        "{heads:?}"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_proxy_is_reported_and_retried() {
    let emulator = emulator().await;
    let client = Client::start(
        config(&emulator, TransportKind::Tcp)
            .http_proxy("127.0.0.1", free_port(), None)
            .build()
            .unwrap(),
    )
    .unwrap();
    let event = expect_event(&client, |e| {
        matches!(
            e,
            Event::ConnectionState(c8y_mqtt::client::ConnectionState::Disconnected { .. })
        )
    })
    .await;
    let Event::ConnectionState(c8y_mqtt::client::ConnectionState::Disconnected { error, .. }) = event else {
        unreachable!()
    };
    assert!(
        matches!(error, c8y_mqtt::client::ConnectError::Proxy(_)),
        "{error:?}"
    );
    assert!(
        !emulator
            .events()
            .iter()
            .any(|e| matches!(e, EmulatorEvent::Connected(_))),
        "no direct connection bypassing the proxy"
    );
    client.close().await;
    emulator.shutdown().await;
}

/// Two clients sharing a persistence directory would send and delete each other's messages:
/// the second is refused while the first is open, and accepted once it closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persistence_directory_serves_one_client_at_a_time() {
    let dir = temp_dir("lock");
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tcp).persistence_dir(&dir);
    let first = Client::start(builder.clone().build().unwrap()).unwrap();
    match Client::start(builder.clone().build().unwrap()) {
        Err(ClientError::Persistence(error)) => {
            assert_eq!(error.kind, std::io::ErrorKind::WouldBlock, "{error}");
            assert!(error.to_string().contains("in use by another client"), "{error}");
        }
        other => panic!("a second client on the same directory: {other:?}"),
    }
    first.close().await;
    let second = Client::start(builder.build().unwrap()).expect("the directory is free after close");
    second.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
