//! Fault tests of the client: the server restarted during a QoS 1 stream (the
//! emulator, and a real mosquitto stopped and started again on the same port), the client
//! process killed with SIGKILL mid-stream with persistence on, PUBACKs withheld against the byte
//! bound of the outbox, and 10 000 random and malformed downstream payloads.
//!
//! Every wait is bounded ([`WAIT`]) and waits for an event (a publish seen by the emulator, a
//! sequence number seen by a subscriber, a line written by the child), never for a fixed time.
//! Duplicates are counted and printed (`cargo test -- --nocapture` shows them).

mod client_support;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream as StdTcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use c8y_mqtt::QoS;
use c8y_mqtt::client::{
    Client, ClientError, Config, ConnectionState, DeliveryOutcome, DropReason, Event, NextEvent,
    OutboxLimits, OverflowPolicy, Subscriptions, TransportKind,
};
use c8y_mqtt::smartrest2::{ResponseTemplate, TemplateCollection};
use c8y_mqtt::templates::UpstreamTemplate;
use c8y_mqtt::templates::upstream::{CustomMeasurement, DeviceCreation, Temperature};
use c8y_mqtt_emulator::EmulatorHandle;
use client_support::*;
use tokio::sync::mpsc;

fn counter(i: usize) -> CustomMeasurement {
    CustomMeasurement::new("c8y_Counter", "n", i64::try_from(i).unwrap()).unwrap()
}

/// The sequence number of a `200,c8y_Counter,n,<i>` line.
fn sequence(payload: &str) -> Option<usize> {
    payload.strip_prefix("200,c8y_Counter,n,")?.parse().ok()
}

/// How often each sequence number reached the emulator.
fn received(emulator: &EmulatorHandle) -> HashMap<usize, usize> {
    let mut seen = HashMap::new();
    for (topic, payload) in payloads(emulator) {
        if topic == "s/us"
            && let Some(i) = sequence(&payload)
        {
            *seen.entry(i).or_default() += 1;
        }
    }
    seen
}

/// Asserts that every number in `expected` arrived; returns the number of duplicates.
fn assert_all_arrived(seen: &HashMap<usize, usize>, expected: impl IntoIterator<Item = usize>) -> usize {
    let missing: Vec<usize> = expected.into_iter().filter(|i| !seen.contains_key(i)).collect();
    assert!(
        missing.is_empty(),
        "{} messages lost, first {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    seen.values().map(|n| n - 1).sum()
}

async fn wait_for_sequence(emulator: &EmulatorHandle, i: usize) {
    let line = format!("200,c8y_Counter,n,{i}");
    emulator
        .wait_for_publish(|p| p.publish.payload == line.as_bytes(), WAIT)
        .await
        .unwrap_or_else(|_| panic!("message {i} never reached the emulator"));
}

// ---- (a) the emulator restarted mid-stream ----

/// Messages are sent, some reach the emulator without their PUBACK coming back, the endpoint
/// restarts (connections closed, port closed for a while) while more are published: every
/// message arrives and the unacknowledged ones are sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_restart_mid_qos1_stream_loses_nothing() {
    const N: usize = 3000;
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    let mut deliveries = Vec::with_capacity(N);
    for i in 0..N / 3 {
        deliveries.push(client.publish(counter(i)).unwrap());
    }
    wait_for_sequence(&emulator, N / 3 - 1).await;
    emulator.withhold_pubacks(DEVICE, true);
    for i in N / 3..N / 2 {
        deliveries.push(client.publish(counter(i)).unwrap());
    }
    // Sent, not acknowledged: in flight when the endpoint goes down.
    wait_for_sequence(&emulator, N / 3 + 50).await;
    let unacknowledged = client.pending().len();
    assert!(unacknowledged > 0, "messages in flight at the restart");
    emulator.withhold_pubacks(DEVICE, false);
    // The rest is published while the endpoint goes down and stays down.
    let (restarted, ()) = tokio::join!(emulator.restart(Duration::from_millis(300)), async {
        for i in N / 2..N {
            deliveries.push(client.publish(counter(i)).unwrap());
        }
    });
    restarted.expect("same ports again");
    client.flush(WAIT).await.expect("every message acknowledged");
    for d in &deliveries {
        assert_eq!(
            d.try_outcome(),
            Some(DeliveryOutcome::Acknowledged),
            "{:?}",
            d.id()
        );
    }
    let seen = received(&emulator);
    let duplicates = assert_all_arrived(&seen, 0..N);
    assert_eq!(seen.len(), N);
    println!(
        "emulator restart: {N} messages, {unacknowledged} pending at the restart, {duplicates} duplicates"
    );
    assert!(duplicates >= 1, "the unacknowledged messages were sent again");
    client.close().await;
}

// ---- (b) mosquitto stopped and restarted on the same port mid-stream ----

/// mosquitto with persistence in a directory of its own, on a fixed loopback port.
struct Mosquitto {
    child: Child,
}

impl Mosquitto {
    fn start(dir: &Path, port: u16) -> Self {
        let binary = [
            "/usr/sbin/mosquitto",
            "/usr/local/sbin/mosquitto",
            "/usr/bin/mosquitto",
        ]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("mosquitto"));
        std::fs::create_dir_all(dir).unwrap();
        // Unlimited queues: the subscriber may be away while the client re-sends everything.
        let conf = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n\
             persistence_location {}/\nmax_queued_messages 0\nmax_inflight_messages 0\n",
            dir.display()
        );
        std::fs::write(dir.join("mosquitto.conf"), conf).unwrap();
        // Running as root, mosquitto drops to its own user: let it write its database.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777));
        }
        let child = Command::new(&binary)
            .arg("-c")
            .arg(dir.join("mosquitto.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}): this test needs mosquitto; run `make deps`",
                    binary.display()
                )
            });
        let mut broker = Self { child };
        let deadline = Instant::now() + WAIT;
        while StdTcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = broker.child.try_wait() {
                panic!("mosquitto exited with {status}");
            }
            assert!(Instant::now() < deadline, "mosquitto does not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        broker
    }

    /// SIGTERM, then reaps it: mosquitto closes every connection and writes its database.
    fn stop(&mut self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
        self.child.wait().unwrap();
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A persistent-session rumqttc subscriber on `s/us` (QoS 1) that reconnects after errors;
/// forwards the sequence numbers it receives. Returns once the first SUBACK arrived.
async fn persistent_subscriber(port: u16) -> mpsc::UnboundedReceiver<usize> {
    use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet};
    let mut options = MqttOptions::new("faults-subscriber", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_clean_session(false);
    let (client, mut eventloop) = AsyncClient::new(options, 10);
    client.subscribe("s/us", rumqttc::QoS::AtLeastOnce).await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _client = client;
        let mut subscribed = Some(subscribed_tx);
        loop {
            match eventloop.poll().await {
                Ok(MqttEvent::Incoming(Packet::SubAck(_))) => {
                    if let Some(s) = subscribed.take() {
                        let _ = s.send(());
                    }
                }
                Ok(MqttEvent::Incoming(Packet::Publish(p))) => {
                    for row in String::from_utf8_lossy(&p.payload).lines() {
                        if let Some(i) = sequence(row)
                            && tx.send(i).is_err()
                        {
                            return;
                        }
                    }
                }
                Ok(_) => {}
                // The broker is down: retry (a back-off between attempts, not a synchronisation).
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    tokio::time::timeout(WAIT, subscribed_rx)
        .await
        .expect("SUBACK in time")
        .unwrap();
    rx
}

/// mosquitto is stopped while a QoS 1 stream is in flight and started again on the same port:
/// the client reconnects and re-sends; a persistent subscriber receives every message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_restart_mid_qos1_stream_loses_nothing() {
    const N: usize = 10_000;
    let dir = std::env::temp_dir().join(format!("c8y-faults-mosquitto-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut broker = Mosquitto::start(&dir, port);
    let mut sequences = persistent_subscriber(port).await;
    let builder = Config::builder("127.0.0.1", DEVICE)
        .port(port)
        .transport(TransportKind::Tcp)
        .password(TENANT, USER, PASSWORD)
        .reconnect(fast_reconnect())
        .outbox(OutboxLimits {
            max_messages: 2 * N,
            ..OutboxLimits::default()
        })
        .delivery_events(false);
    let client = connected_client(builder).await;
    let deliveries: Vec<_> = (0..N).map(|i| client.publish(counter(i)).unwrap()).collect();

    let mut seen: HashMap<usize, usize> = HashMap::new();
    while seen.len() < N / 5 {
        let i = tokio::time::timeout(WAIT, sequences.recv())
            .await
            .expect("the stream flows")
            .unwrap();
        *seen.entry(i).or_default() += 1;
    }
    let pending_at_stop = client.pending().len();
    assert!(pending_at_stop > 0, "stopped mid-stream");
    broker.stop();
    expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    let broker = Mosquitto::start(&dir, port);
    while seen.len() < N {
        let i = tokio::time::timeout(WAIT, sequences.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} of {N} arrived", seen.len()))
            .unwrap();
        *seen.entry(i).or_default() += 1;
    }
    client.flush(WAIT).await.expect("every message acknowledged");
    for d in &deliveries {
        assert_eq!(d.try_outcome(), Some(DeliveryOutcome::Acknowledged));
    }
    let duplicates = assert_all_arrived(&seen, 0..N);
    println!(
        "mosquitto restart: {N} messages, {pending_at_stop} pending at the stop, {duplicates} duplicates"
    );
    client.close().await;
    drop(broker);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- (c) the client process killed with SIGKILL mid-stream, persistence on ----

const CHILD_ENV: &str = "C8Y_FAULTS_CRASH_CHILD";

/// Not a test of its own: the publishing process of
/// [`sigkilled_client_sends_every_accepted_message_after_restart`], which runs this test binary
/// again with `--ignored --exact` and `C8Y_FAULTS_CRASH_CHILD=<port>,<dir>`. It publishes
/// counters forever and prints `accepted <i>` after each publish call returned `Ok`.
#[test]
#[ignore = "child process of sigkilled_client_sends_every_accepted_message_after_restart"]
fn crash_child() {
    let spec = std::env::var(CHILD_ENV).expect("run by the crash test");
    let (port, dir) = spec.split_once(',').expect("<port>,<dir>");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = Config::builder("127.0.0.1", DEVICE)
            .port(port.parse().unwrap())
            .transport(TransportKind::Tcp)
            .password(TENANT, USER, PASSWORD)
            .reconnect(fast_reconnect())
            .create_device(DeviceCreation::new())
            .persistence_dir(dir)
            .delivery_events(false)
            .build()
            .unwrap();
        let client = Client::start(config).unwrap();
        client.wait_connected(WAIT).await.unwrap();
        let mut out = std::io::stdout().lock();
        for i in 0.. {
            match client.publish(counter(i)) {
                Ok(_) => {
                    writeln!(out, "accepted {i}").unwrap();
                    out.flush().unwrap();
                }
                Err(ClientError::OutboxFull { .. }) => tokio::task::yield_now().await,
                Err(e) => panic!("publish {i}: {e}"),
            }
        }
    });
}

/// Reads accepted sequence numbers from the child until `count` were seen.
async fn take_until(
    lines: &mut mpsc::UnboundedReceiver<usize>,
    count: usize,
    accepted: &mut BTreeSet<usize>,
) {
    while accepted.len() < count {
        let i = tokio::time::timeout(WAIT, lines.recv())
            .await
            .expect("the child publishes")
            .expect("the child is running");
        accepted.insert(i);
    }
}

/// The child publishes with persistence on; after 200 accepted messages PUBACKs are withheld,
/// after 600 it is killed with SIGKILL. A new client on the same directory then sends every
/// message whose publish call had returned `Ok`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_client_sends_every_accepted_message_after_restart() {
    let dir = std::env::temp_dir().join(format!("c8y-faults-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let emulator = emulator().await;
    let port = emulator.mqtt_addr().unwrap().port();
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{port},{}", dir.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let (lines_tx, mut lines) = mpsc::unbounded_channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Some(i) = line
                .strip_prefix("accepted ")
                .and_then(|i| i.parse::<usize>().ok())
                && lines_tx.send(i).is_err()
            {
                return;
            }
        }
    });
    let mut accepted = BTreeSet::new();
    take_until(&mut lines, 200, &mut accepted).await;
    emulator.withhold_pubacks(DEVICE, true);
    take_until(&mut lines, 600, &mut accepted).await;
    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    // Lines written before the kill are still in the pipe.
    while let Ok(Some(i)) = tokio::time::timeout(WAIT, lines.recv()).await {
        accepted.insert(i);
    }
    emulator.withhold_pubacks(DEVICE, false);

    let builder = config(&emulator, TransportKind::Tcp).persistence_dir(&dir);
    let client = Client::start(builder.build().unwrap()).unwrap();
    let recovered = match expect_event(&client, |e| matches!(e, Event::Recovered { .. })).await {
        Event::Recovered { deliveries } => deliveries.len(),
        _ => unreachable!(),
    };
    client.wait_connected(WAIT).await.unwrap();
    client.flush(WAIT).await.expect("recovered messages acknowledged");
    let seen = received(&emulator);
    let duplicates = assert_all_arrived(&seen, accepted.iter().copied());
    println!(
        "SIGKILL: {} accepted, {recovered} recovered from disk, {duplicates} duplicates",
        accepted.len()
    );
    assert!(recovered > 0, "messages were pending at the kill");
    client.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- (d) PUBACKs withheld: the byte bound and the overflow policies over a long stream ----

/// With PUBACKs withheld, a stream of publishes fills the outbox up to its byte bound; `Reject`
/// refuses from then on with `OutboxFull` (counts within the bounds), nothing is lost, and
/// everything queued is acknowledged once PUBACKs resume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_pubacks_reject_at_the_byte_bound() {
    const MAX_BYTES: usize = 1000;
    let emulator = emulator().await;
    let limits = OutboxLimits {
        max_messages: 10_000,
        max_bytes: MAX_BYTES,
        overflow: OverflowPolicy::Reject,
    };
    let client = connected_client(config(&emulator, TransportKind::Tcp).outbox(limits)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator.withhold_pubacks(DEVICE, true);
    let mut kept = Vec::new();
    let mut refused = 0;
    for i in 0..1000 {
        match client.publish(counter(i)) {
            Ok(d) => kept.push(d),
            Err(ClientError::OutboxFull { messages, bytes }) => {
                refused += 1;
                assert_eq!(messages, kept.len());
                assert!(bytes <= MAX_BYTES && bytes + counter(i).to_row().len() > MAX_BYTES);
            }
            Err(e) => panic!("{e}"),
        }
    }
    let queued_bytes: usize = (0..kept.len()).map(|i| counter(i).to_row().len()).sum();
    assert!(queued_bytes <= MAX_BYTES);
    assert_eq!(refused, 1000 - kept.len());
    assert_eq!(client.pending().len(), kept.len());
    println!(
        "reject: {} kept ({queued_bytes} bytes), {refused} refused",
        kept.len()
    );

    emulator.withhold_pubacks(DEVICE, false);
    emulator.drop_connection(DEVICE);
    client
        .flush(WAIT)
        .await
        .expect("all acknowledged after the reconnect");
    assert!(
        kept.iter()
            .all(|d| d.try_outcome() == Some(DeliveryOutcome::Acknowledged))
    );
    assert_all_arrived(&received(&emulator), 0..kept.len());
    client.close().await;
}

/// `DropOldest` over a long stream with PUBACKs withheld: every publish succeeds, the outbox
/// never holds more than its bounds, each dropped message is reported as a `Delivery` event with
/// `Dropped(Overflow)`, and the newest ones are delivered once PUBACKs resume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_pubacks_drop_oldest_reports_every_drop() {
    const N: usize = 2000;
    const MAX_MESSAGES: usize = 50;
    const MAX_BYTES: usize = 800;
    let emulator = emulator().await;
    let limits = OutboxLimits {
        max_messages: MAX_MESSAGES,
        max_bytes: MAX_BYTES,
        overflow: OverflowPolicy::DropOldest,
    };
    let client = connected_client(config(&emulator, TransportKind::Tcp).outbox(limits)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator.withhold_pubacks(DEVICE, true);
    let mut deliveries = Vec::with_capacity(N);
    for i in 0..N {
        deliveries.push(client.publish(counter(i)).unwrap());
        let pending = client.pending();
        assert!(pending.len() <= MAX_MESSAGES);
        let bytes: usize = deliveries
            .iter()
            .enumerate()
            .filter(|(_, d)| pending.contains(&d.id()))
            .map(|(j, _)| counter(j).to_row().len())
            .sum();
        assert!(bytes <= MAX_BYTES, "{bytes} bytes queued");
    }
    let dropped: Vec<_> = deliveries
        .iter()
        .filter(|d| d.try_outcome() == Some(DeliveryOutcome::Dropped(DropReason::Overflow)))
        .map(|d| d.id())
        .collect();
    let kept = client.pending();
    assert_eq!(dropped.len() + kept.len(), N);
    // The newest ones are kept.
    assert_eq!(
        kept,
        deliveries[N - kept.len()..]
            .iter()
            .map(|d| d.id())
            .collect::<Vec<_>>()
    );
    // Every drop is reported, in order.
    let mut reported = Vec::new();
    while reported.len() < dropped.len() {
        if let Event::Delivery {
            id,
            outcome: DeliveryOutcome::Dropped(DropReason::Overflow),
        } = expect_event(&client, |e| matches!(e, Event::Delivery { .. })).await
        {
            reported.push(id);
        }
    }
    assert_eq!(reported, dropped);
    println!(
        "drop-oldest: {} dropped and reported, {} kept",
        dropped.len(),
        kept.len()
    );

    emulator.withhold_pubacks(DEVICE, false);
    emulator.drop_connection(DEVICE);
    client.flush(WAIT).await.expect("the kept ones are acknowledged");
    assert_all_arrived(&received(&emulator), N - kept.len()..N);
    client.close().await;
}

// ---- (e) 10 000 random and malformed downstream payloads ----

const XID: &str = "faults_1";

/// Valid examples per downstream topic; the generator mutates them.
fn samples(topic: &str) -> &'static [&'static str] {
    match topic {
        "s/ds" => &[
            "510,dev1",
            "511,dev1,\"echo \"\"hi\"\"\"",
            "513,dev1,\"a=1\nb=2\"",
            "515,dev1,fw,1.0,http://x/fw.bin",
            "106,c1,c2",
            "522,dev1,logfile,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,,100",
        ],
        "s/e" => &["41,100,Device already existing", "40,,No template for this X-ID."],
        "s/dt" => &["20,faults_1,1234", "41,faults_1"],
        "devicecontrol/notifications" => &[
            r#"{"id":"9","status":"PENDING","c8y_Restart":{},"externalSource":{"externalId":"dev1","type":"c8y_Serial"}}"#,
            r#"{"id":"10","c8y_Command":{"text":"ls"},"externalSource":{"externalId":"dev1"}}"#,
        ],
        _ => &["777,dev1,55", "777,,", "778,dev1"],
    }
}

/// One random payload for `topic`: random bytes, a mutated valid example, or a structural
/// extreme (unterminated quote, long field, many rows, deep JSON).
fn random_payload(rng: &mut fastrand::Rng, topic: &str) -> Vec<u8> {
    let alphabet = b",\"\n\r\\{}[]:0123456789abc-. \t\x00\xff";
    match rng.u8(0..6) {
        0 => (0..rng.usize(0..200)).map(|_| rng.u8(..)).collect(),
        1 => (0..rng.usize(0..200))
            .map(|_| alphabet[rng.usize(..alphabet.len())])
            .collect(),
        2 | 3 => {
            let mut bytes = samples(topic)[rng.usize(..samples(topic).len())]
                .as_bytes()
                .to_vec();
            for _ in 0..rng.usize(1..5) {
                let at = rng.usize(..=bytes.len());
                match rng.u8(0..3) {
                    0 => bytes.insert(at, alphabet[rng.usize(..alphabet.len())]),
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
            }
            bytes
        }
        4 => {
            let sample = samples(topic)[rng.usize(..samples(topic).len())];
            let mut text = String::new();
            for _ in 0..rng.usize(2..50) {
                text.push_str(sample);
                text.push('\n');
            }
            text.into_bytes()
        }
        _ => match rng.u8(0..4) {
            0 => b"510,\"unterminated".to_vec(),
            1 => format!("511,dev1,{}", "x".repeat(rng.usize(1000..8000))).into_bytes(),
            2 => format!("{}1{}", "[".repeat(500), "]".repeat(500)).into_bytes(),
            _ => b"\xef\xbb\xbf510,dev1\r\n\r\n,,,\n\"\"".to_vec(),
        },
    }
}

/// What the event drain counted.
#[derive(Debug, Default)]
struct Counts {
    malformed: usize,
    malformed_messages: HashMap<String, usize>,
    operations: usize,
    other: usize,
    lost: u64,
    disconnects: usize,
}

/// 10 000 random and malformed payloads on `s/ds`, `s/e`, `s/dt`, `s/dc/<X-ID>` and
/// `devicecontrol/notifications` (seeded, so a failure replays): the client neither crashes
/// nor disconnects, malformed input is reported as events, and afterwards a publish is
/// acknowledged and a known malformed row and a valid operation are reported as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_and_malformed_downstream_payloads_are_reported() {
    const N: usize = 10_000;
    let emulator = emulator().await;
    let collection = TemplateCollection::new(XID)
        .unwrap()
        .with_response(ResponseTemplate::new("777", None, Some("c8y_Restart"), ["id"]).unwrap())
        .unwrap();
    let builder = config(&emulator, TransportKind::Tcp)
        .subscriptions(Subscriptions {
            template_status: true,
            json_operations: true,
            ..Subscriptions::default()
        })
        .collection(collection)
        .operation_response(XID, "777")
        .event_capacity(1_000_000);
    let client = connected_client(builder).await;
    let collection_topic = format!("s/dc/{XID}");
    let topics = [
        "s/ds",
        "s/e",
        "s/dt",
        collection_topic.as_str(),
        "devicecontrol/notifications",
    ];
    // Wait until every topic is subscribed (the collection's topic comes with it).
    for topic in topics {
        let deadline = Instant::now() + WAIT;
        while emulator.publish_to(DEVICE, topic, "", QoS::AtMostOnce).is_err() {
            assert!(Instant::now() < deadline, "{topic} never subscribed");
            tokio::task::yield_now().await;
        }
    }

    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..N {
        let topic = topics[rng.usize(..topics.len())];
        let payload = random_payload(&mut rng, topic);
        let qos = if rng.bool() {
            QoS::AtMostOnce
        } else {
            QoS::AtLeastOnce
        };
        emulator
            .publish_to(DEVICE, topic, payload, qos)
            .expect("connected and subscribed");
    }
    // Markers, in order after everything random: a known malformed row, then a unique line.
    emulator
        .publish_to(DEVICE, "s/ds", "510,\"unterminated", QoS::AtLeastOnce)
        .unwrap();
    emulator
        .publish_to(
            DEVICE,
            "devicecontrol/notifications",
            "{not json",
            QoS::AtLeastOnce,
        )
        .unwrap();
    emulator
        .publish_to(DEVICE, "s/ds", "987654,end-of-fuzz", QoS::AtLeastOnce)
        .unwrap();

    let mut counts = Counts::default();
    let mut last_malformed = None;
    let mut last_malformed_message = None;
    let drained = tokio::time::timeout(WAIT * 2, async {
        loop {
            let event = match client.next_event().await {
                NextEvent::Event(event) => event,
                NextEvent::Timeout => continue,
                NextEvent::Closed => panic!("the client stopped: {counts:?}"),
            };
            match &event {
                Event::Malformed(error) => {
                    counts.malformed += 1;
                    last_malformed = Some(format!("{error:?}"));
                }
                Event::MalformedMessage { topic, payload, .. } => {
                    *counts.malformed_messages.entry(topic.clone()).or_default() += 1;
                    last_malformed_message = Some((topic.clone(), payload.clone()));
                }
                Event::Operation(_) => counts.operations += 1,
                Event::EventsLost { count } => counts.lost += count,
                Event::ConnectionState(
                    ConnectionState::Disconnected { .. } | ConnectionState::Stopped { .. },
                ) => {
                    counts.disconnects += 1;
                }
                Event::Downstream(line) if format!("{line:?}").contains("end-of-fuzz") => return,
                _ => counts.other += 1,
            }
        }
    })
    .await;
    assert!(drained.is_ok(), "the end marker never arrived: {counts:?}");
    println!("{N} random downstream payloads: {counts:?}");
    assert_eq!(counts.disconnects, 0, "{counts:?}");
    assert_eq!(client.state(), ConnectionState::Connected);
    assert!(counts.malformed > 0 && counts.operations > 0, "{counts:?}");
    assert!(
        counts
            .malformed_messages
            .get("devicecontrol/notifications")
            .copied()
            .unwrap_or(0)
            > 0,
        "{counts:?}"
    );
    // The markers sent last were reported as malformed, with what was received.
    let last_malformed = last_malformed.unwrap();
    assert!(last_malformed.contains("UnterminatedQuote"), "{last_malformed}");
    assert_eq!(
        last_malformed_message,
        Some(("devicecontrol/notifications".to_owned(), "{not json".into()))
    );

    // Still working: a publish is acknowledged.
    let delivery = client.publish(Temperature::new(21)).unwrap();
    assert_eq!(
        tokio::time::timeout(WAIT, delivery.outcome()).await,
        Ok(DeliveryOutcome::Acknowledged)
    );
    client.close().await;
}

// ---- a long QoS 0 stream (found by `make bench`) ----

/// A QoS 0 stream of 5000 messages, more than rumqttc's request channel holds, through one
/// connection: every message is sent and `flush` returns. (It used to stall after 1 600–2 200
/// messages: packets refused by the full channel were marked submitted and never handed over.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos0_stream_is_sent_completely() {
    const N: usize = 5000;
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tcp)
        .default_qos(QoS::AtMostOnce)
        .max_inflight(1000)
        .delivery_events(false);
    let client = connected_client(builder).await;
    for i in 0..N {
        client.publish(counter(i)).unwrap();
    }
    let flushed = client.flush(WAIT).await;
    assert!(
        flushed.is_ok(),
        "{} of {N} arrived, state {:?}",
        received(&emulator).len(),
        client.state()
    );
    // "Sent" is not "received": one connection keeps the order, so wait for the last one.
    wait_for_sequence(&emulator, N - 1).await;
    let seen = received(&emulator);
    assert_all_arrived(&seen, 0..N);
    client.close().await;
}
