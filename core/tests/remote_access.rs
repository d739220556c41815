//! Cloud Remote Access end to end against the in-process emulator (MQTT, REST and the
//! remote-access WebSocket on ephemeral loopback ports): the emulator plays the operator, the
//! test plays the device's local servers, and bytes go operator → emulator → WebSocket → SDK →
//! target and back (docs/protocol.md §13).

#![cfg(feature = "remote-access")]

mod client_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

use base64::Engine;
use c8y_mqtt::client::{
    Client, Config, ConfigBuilder, Credentials, Event, ReceivedOperation, Secret, TransportKind, TrustRoots,
};
use c8y_mqtt::remote_access::{AllowList, RemoteAccess, RemoteAccessError, TunnelEnd, TunnelEvent};
use c8y_mqtt_emulator::{Emulator, EmulatorHandle};
use client_support::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};

const MIB: usize = 1024 * 1024;

struct Device {
    emulator: EmulatorHandle,
    client: Client,
}

async fn device() -> Device {
    device_configured(|builder| builder).await
}

/// A device on an emulator that serves REST, its client configured further by `configure`.
async fn device_configured(configure: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Device {
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .http_port(Some(0))
        .start()
        .await
        .expect("emulator starts");
    let base = format!("http://{}", emulator.http_addr().expect("http served"));
    let client = connected_client(configure(
        config(&emulator, TransportKind::Tcp).http_base_url(base),
    ))
    .await;
    Device { emulator, client }
}

async fn next_operation(client: &Client) -> ReceivedOperation {
    match expect_event(client, |e| matches!(e, Event::Operation(_))).await {
        Event::Operation(op) => *op,
        _ => unreachable!(),
    }
}

/// A server on the device's side that echoes every connection; counts the connections and
/// reports each one's end.
struct Echo {
    port: u16,
    accepted: Arc<AtomicUsize>,
    ended: mpsc::UnboundedReceiver<u64>,
}

async fn echo_server() -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let (ended_tx, ended) = mpsc::unbounded_channel();
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let ended_tx = ended_tx.clone();
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let copied = tokio::io::copy(&mut read, &mut write).await.unwrap_or(0);
                let _ = write.shutdown().await;
                let _ = ended_tx.send(copied);
            });
        }
    });
    Echo {
        port,
        accepted,
        ended,
    }
}

/// Opens a tunnel from the emulator (the operator) to `port` and lets `remote` handle the `530`;
/// returns the operator's connection and the operation id.
async fn open(device: &Device, remote: &RemoteAccess, port: u16) -> (TcpStream, String) {
    let opened = device
        .emulator
        .open_remote_access(DEVICE, "127.0.0.1", port)
        .await
        .expect("tunnel opened");
    let op = next_operation(&device.client).await;
    assert!(remote.supports(&op));
    remote
        .handle(&op)
        .await
        .expect("a 530")
        .expect("tunnel established");
    device
        .emulator
        .wait_for_operation_status(&opened.operation_id, "SUCCESSFUL", WAIT)
        .await
        .expect("SUCCESSFUL");
    let operator = TcpStream::connect(opened.addr).await.unwrap();
    (operator, opened.operation_id)
}

fn pattern(seed: u8, offset: usize, buffer: &mut [u8]) {
    for (i, b) in buffer.iter_mut().enumerate() {
        let n = offset + i;
        *b = (n as u8).wrapping_mul(31).wrapping_add((n >> 11) as u8) ^ seed;
    }
}

/// Writes `len` bytes of pattern `seed` through `operator` and checks the echo byte for byte.
async fn echo_through(operator: TcpStream, seed: u8, len: usize) {
    let (mut read, mut write) = operator.into_split();
    let writer = tokio::spawn(async move {
        let mut buffer = vec![0u8; 256 * 1024];
        let mut offset = 0;
        while offset < len {
            let n = buffer.len().min(len - offset);
            pattern(seed, offset, &mut buffer[..n]);
            write.write_all(&buffer[..n]).await.unwrap();
            offset += n;
        }
        write
    });
    let mut buffer = vec![0u8; 256 * 1024];
    let mut expected = vec![0u8; 256 * 1024];
    let mut offset = 0;
    while offset < len {
        let n = tokio::time::timeout(WAIT, read.read(&mut buffer))
            .await
            .expect("echo keeps coming")
            .unwrap();
        assert!(n > 0, "the tunnel ended after {offset} of {len} bytes");
        pattern(seed, offset, &mut expected[..n]);
        assert!(buffer[..n] == expected[..n], "bytes differ near offset {offset}");
        offset += n;
    }
    let _write = writer.await.unwrap();
}

async fn closed_event(
    events: &mut broadcast::Receiver<TunnelEvent>,
) -> (c8y_mqtt::remote_access::TunnelInfo, TunnelEnd) {
    loop {
        match tokio::time::timeout(WAIT, events.recv()).await.expect("an event") {
            Ok(TunnelEvent::Closed { tunnel, end }) => return (tunnel, end),
            Ok(_) => continue,
            Err(e) => panic!("events: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_relays_64_mib_both_ways_byte_identical() {
    let device = device().await;
    let echo = echo_server().await;
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", echo.port)).unwrap();
    let mut events = remote.subscribe();
    let (operator, _) = open(&device, &remote, echo.port).await;
    match tokio::time::timeout(WAIT, events.recv()).await.unwrap().unwrap() {
        TunnelEvent::Opened(info) => {
            assert_eq!(
                (info.host.as_str(), info.port, info.device.as_str()),
                ("127.0.0.1", echo.port, DEVICE)
            );
        }
        other => panic!("{other:?}"),
    }
    let len = 64 * MIB;
    tokio::time::timeout(
        std::time::Duration::from_secs(300),
        echo_through(operator, 7, len),
    )
    .await
    .expect("64 MiB echoed in time");
    // The operator's connection is dropped: the tunnel ends from the platform's side.
    let (tunnel, end) = closed_event(&mut events).await;
    assert_eq!(end, TunnelEnd::PlatformClosed);
    assert_eq!(tunnel.bytes_to_target, len as u64);
    assert_eq!(tunnel.bytes_from_target, len as u64);
    assert!(remote.tunnels().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_runs_three_tunnels_at_once() {
    let device = device().await;
    let echo = echo_server().await;
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", echo.port)).unwrap();
    let mut operators = Vec::new();
    for _ in 0..3 {
        operators.push(open(&device, &remote, echo.port).await.0);
    }
    assert_eq!(remote.tunnels().len(), 3);
    let runs: Vec<_> = operators
        .into_iter()
        .enumerate()
        .map(|(i, operator)| tokio::spawn(echo_through(operator, i as u8 + 1, 2 * MIB + i * 4097)))
        .collect();
    for run in runs {
        tokio::time::timeout(std::time::Duration::from_secs(120), run)
            .await
            .expect("in time")
            .unwrap();
    }
    assert_eq!(echo.accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_refuses_a_target_not_allowed_and_never_connects() {
    let device = device().await;
    let echo = echo_server().await;
    // Another port of the same host is allowed, not this one.
    let remote = RemoteAccess::new(
        &device.client,
        AllowList::new().allow("127.0.0.1", echo.port.wrapping_add(1)),
    )
    .unwrap();
    let opened = device
        .emulator
        .open_remote_access(DEVICE, "127.0.0.1", echo.port)
        .await
        .unwrap();
    let op = next_operation(&device.client).await;
    let result = remote.handle(&op).await.expect("a 530");
    assert!(
        matches!(result, Err(RemoteAccessError::NotAllowed { port, .. }) if port == echo.port),
        "{result:?}"
    );
    let failed = device
        .emulator
        .wait_for_operation_status(&opened.operation_id, "FAILED", WAIT)
        .await
        .expect("FAILED");
    let reason = failed["failureReason"].as_str().unwrap_or_default();
    assert!(reason.contains("not allowed"), "{reason}");
    assert_eq!(
        echo.accepted.load(Ordering::SeqCst),
        0,
        "the target was never connected"
    );
    // The operator's connection finds no tunnel behind it.
    let mut operator = TcpStream::connect(opened.addr).await.unwrap();
    let _ = operator.write_all(b"hello").await;
    assert!(remote.tunnels().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_reports_a_refused_target() {
    let device = device().await;
    // A port nobody listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", port)).unwrap();
    let opened = device
        .emulator
        .open_remote_access(DEVICE, "127.0.0.1", port)
        .await
        .unwrap();
    let op = next_operation(&device.client).await;
    let result = remote.handle(&op).await.expect("a 530");
    assert!(
        matches!(result, Err(RemoteAccessError::TargetRefused { .. })),
        "{result:?}"
    );
    let failed = device
        .emulator
        .wait_for_operation_status(&opened.operation_id, "FAILED", WAIT)
        .await
        .expect("FAILED");
    assert!(
        failed["failureReason"]
            .as_str()
            .unwrap_or_default()
            .contains("Connection to target")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_ends_cleanly_when_the_target_closes_mid_stream() {
    let device = device().await;
    // The target answers a greeting, reads a little, then closes.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        stream.write_all(b"greeting from the target").await.unwrap();
        let mut buffer = [0u8; 4];
        stream.read_exact(&mut buffer).await.unwrap();
        drop(stream);
    });
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", port)).unwrap();
    let mut events = remote.subscribe();
    let (mut operator, _) = open(&device, &remote, port).await;
    operator
        .write_all(b"ping and more bytes than the target reads")
        .await
        .unwrap();
    let mut received = Vec::new();
    tokio::time::timeout(WAIT, operator.read_to_end(&mut received))
        .await
        .expect("the operator sees the end")
        .unwrap();
    assert_eq!(received, b"greeting from the target");
    let (tunnel, end) = closed_event(&mut events).await;
    assert_eq!(end, TunnelEnd::TargetClosed);
    assert_eq!(tunnel.bytes_from_target, received.len() as u64);
    assert!(remote.tunnels().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_ends_cleanly_when_the_operator_closes() {
    let device = device().await;
    let mut echo = echo_server().await;
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", echo.port)).unwrap();
    let mut events = remote.subscribe();
    let (mut operator, _) = open(&device, &remote, echo.port).await;
    operator.write_all(b"hello").await.unwrap();
    let mut buffer = [0u8; 5];
    tokio::time::timeout(WAIT, operator.read_exact(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buffer, b"hello");
    drop(operator);
    // The target's connection is shut down: its echo loop sees the end.
    let copied = tokio::time::timeout(WAIT, echo.ended.recv())
        .await
        .expect("target closed")
        .unwrap();
    assert_eq!(copied, 5);
    let (tunnel, end) = closed_event(&mut events).await;
    assert_eq!(end, TunnelEnd::PlatformClosed);
    assert_eq!((tunnel.bytes_to_target, tunnel.bytes_from_target), (5, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_close_all_ends_open_tunnels() {
    let device = device().await;
    let mut echo = echo_server().await;
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", echo.port)).unwrap();
    let mut events = remote.subscribe();
    let (mut operator, _) = open(&device, &remote, echo.port).await;
    remote.close_all();
    let (_, end) = closed_event(&mut events).await;
    assert_eq!(end, TunnelEnd::Closed);
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(WAIT, operator.read_to_end(&mut rest))
        .await
        .expect("operator sees the end");
    tokio::time::timeout(WAIT, echo.ended.recv())
        .await
        .expect("target closed");
}

/// A certificate device: its WebSocket carries the token from `s/uat`, as its REST calls do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_of_a_certificate_device_uses_its_token() {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, "device CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .http_port(Some(0))
        .trusted_device_ca(ca.pem())
        .start()
        .await
        .expect("emulator starts");
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, DEVICE);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    let config = Config::builder("localhost", DEVICE)
        .port(emulator.mqtts_addr().unwrap().port())
        .transport(TransportKind::Tls)
        .credentials(Credentials::Certificate {
            chain_pem: format!("{}{}", cert.pem(), ca.pem()),
            key_pem: Secret::new(key.serialize_pem()),
        })
        .trust(TrustRoots::CaPem(emulator.ca_pem().unwrap().to_owned()))
        .reconnect(fast_reconnect())
        .create_device(c8y_mqtt::templates::upstream::DeviceCreation::new())
        .http_base_url(format!("http://{}", emulator.http_addr().unwrap()))
        .build()
        .unwrap();
    let client = Client::start(config).unwrap();
    client.wait_connected(WAIT).await.expect("certificate login");
    let device = Device { emulator, client };
    let echo = echo_server().await;
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", echo.port)).unwrap();
    let (operator, _) = open(&device, &remote, echo.port).await;
    echo_through(operator, 3, 100_000).await;
    assert!(
        device
            .emulator
            .publishes()
            .iter()
            .any(|p| p.publish.topic == "s/uat"),
        "the token came over MQTT"
    );
}

/// One `CONNECT` a [`Proxy`] received: the target and the `Proxy-Authorization` value.
type Connect = (String, Option<String>);

/// A tiny HTTP `CONNECT` proxy on an ephemeral loopback port: records every `CONNECT`, refuses
/// the targets on port `refused` (when not 0) with 407 and relays the others both ways.
struct Proxy {
    port: u16,
    connects: mpsc::UnboundedReceiver<Connect>,
    refused: Arc<AtomicU16>,
}

async fn connect_proxy() -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (connects_tx, connects) = mpsc::unbounded_channel();
    let refused = Arc::new(AtomicU16::new(0));
    let refused_port = Arc::clone(&refused);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let connects_tx = connects_tx.clone();
            let refused_port = Arc::clone(&refused_port);
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read_u8().await {
                        Ok(byte) => head.push(byte),
                        Err(_) => return,
                    }
                }
                let head = String::from_utf8(head).unwrap();
                let mut lines = head.split("\r\n");
                let target = match lines.next().unwrap().split(' ').collect::<Vec<_>>()[..] {
                    ["CONNECT", target, "HTTP/1.1"] => target.to_owned(),
                    _ => {
                        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n").await;
                        return;
                    }
                };
                let authorization = lines
                    .filter_map(|l| l.split_once(": "))
                    .find(|(name, _)| name.eq_ignore_ascii_case("proxy-authorization"))
                    .map(|(_, value)| value.to_owned());
                let _ = connects_tx.send((target.clone(), authorization));
                let target_port = target.rsplit_once(':').unwrap().1.parse::<u16>().unwrap();
                if target_port == refused_port.load(Ordering::SeqCst) {
                    let _ = client
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut upstream) = TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    Proxy {
        port,
        connects,
        refused,
    }
}

/// A device whose MQTT, REST and remote-access connections all go through `proxy`.
async fn device_behind(proxy: &Proxy) -> Device {
    device_configured(|builder| {
        builder.http_proxy(
            "127.0.0.1",
            proxy.port,
            Some(("operator".to_owned(), Secret::new("proxy-secret"))),
        )
    })
    .await
}

/// The `CONNECT`s the proxy received so far.
fn connects(proxy: &mut Proxy) -> Vec<Connect> {
    let mut seen = Vec::new();
    while let Ok(connect) = proxy.connects.try_recv() {
        seen.push(connect);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_websocket_goes_through_the_http_proxy() {
    let mut proxy = connect_proxy().await;
    let device = device_behind(&proxy).await;
    let http = device.emulator.http_addr().unwrap().to_string();
    let echo = echo_server().await;
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", echo.port)).unwrap();
    let before = connects(&mut proxy);
    assert!(
        before.iter().all(|(target, _)| *target != http),
        "nothing went to the HTTP port yet: {before:?}"
    );
    let (operator, _) = open(&device, &remote, echo.port).await;
    echo_through(operator, 5, 3 * MIB).await;
    let after = connects(&mut proxy);
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("operator:proxy-secret")
    );
    assert_eq!(
        after,
        vec![(http, Some(expected))],
        "one CONNECT to the platform's HTTP port, with the proxy credentials; the target directly"
    );
    assert_eq!(echo.accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_access_reports_a_proxy_refusing_the_websocket() {
    let proxy = connect_proxy().await;
    let device = device_behind(&proxy).await;
    // MQTT went through; the platform's HTTP port is refused from now on.
    let http_port = device.emulator.http_addr().unwrap().port();
    proxy.refused.store(http_port, Ordering::SeqCst);
    let echo = echo_server().await;
    let remote = RemoteAccess::new(&device.client, AllowList::new().allow("127.0.0.1", echo.port)).unwrap();
    let opened = device
        .emulator
        .open_remote_access(DEVICE, "127.0.0.1", echo.port)
        .await
        .unwrap();
    let op = next_operation(&device.client).await;
    let error = remote.handle(&op).await.expect("a 530").unwrap_err();
    assert_eq!(
        error,
        RemoteAccessError::WebSocketRefused("HTTP proxy answered CONNECT with HTTP 407".to_owned())
    );
    let failed = device
        .emulator
        .wait_for_operation_status(&opened.operation_id, "FAILED", WAIT)
        .await
        .expect("FAILED");
    assert_eq!(
        failed["failureReason"],
        "Remote access WebSocket failed: HTTP proxy answered CONNECT with HTTP 407"
    );
}

#[test]
fn remote_access_allow_list_parses_and_matches() {
    let list = AllowList::parse("127.0.0.1:22, Localhost:5900\n[::1]:23").unwrap();
    assert!(list.allows("127.0.0.1", 22));
    assert!(list.allows("localhost", 5900));
    assert!(list.allows("::1", 23));
    assert!(list.allows("[::1]", 23));
    assert!(!list.allows("127.0.0.1", 23));
    assert!(!list.allows("10.0.0.1", 22));
    assert!(!AllowList::new().allows("127.0.0.1", 22));
    for bad in ["host", "host:", "host:70000", ":22", "::1:22"] {
        assert!(AllowList::parse(bad).is_err(), "{bad}");
    }
}
