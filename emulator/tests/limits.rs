//! Bounded resources under hostile or heavy load: the journal stays bounded under a flood of
//! 16 kB publishes, a QoS 2 publisher that never releases is cut off, keep-alive counts only
//! complete packets (a byte trickle does not keep a session alive), a half-sent packet times out
//! even with keep-alive 0, wrong passwords are rate-limited per address, and 1 000 simultaneous
//! connects are queued by the kernel instead of waiting for a SYN retransmit.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use c8y_mqtt_emulator::{
    DisconnectReason, Emulator, EmulatorEvent, EmulatorHandle, Limits, LoginFailureLimit,
};
use common::{PASSWORD, RawClient, TENANT, USER, WAIT, connect_packet, packet_bytes};
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::{Packet, Publish};

async fn start(limits: Limits) -> EmulatorHandle {
    Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .limits(limits)
        .start()
        .await
        .expect("emulator starts")
}

/// A raw session logged in as the test user with `keep_alive`.
async fn raw_session(emulator: &EmulatorHandle, client_id: &str, keep_alive: u16) -> RawClient {
    let mut raw = RawClient::connect(emulator).await;
    raw.send(&packet_bytes(&Packet::Connect(connect_packet(
        client_id, keep_alive,
    ))))
    .await;
    assert_eq!(raw.connack_code().await, 0);
    raw
}

/// The resident set size of this process in bytes.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_16_kb_publishes_keeps_the_journal_bounded() {
    const COUNT: usize = 20_000;
    let emulator = start(Limits::default()).await;
    let mut raw = raw_session(&emulator, "flood", 60).await;
    let payload = Bytes::from(vec![b'x'; 16_000]);
    let one = packet_bytes(&Packet::Publish(Publish::from_bytes(
        "x/flood",
        QoS::AtMostOnce,
        payload,
    )));
    let rss_before = rss_bytes();
    // 200 publishes per write: 3.2 MB at a time.
    let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * 200).collect();
    for _ in 0..COUNT / 200 {
        raw.send(&batch).await;
    }
    // The emulator processes a connection's packets in order: the PINGRESP comes after all.
    raw.send(&packet_bytes(&Packet::PingReq)).await;
    let deadline = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            match raw.next_packet().await {
                Some(Packet::PingResp) => return,
                Some(_) => {}
                None => panic!("connection closed during the flood"),
            }
        }
    });
    deadline.await.expect("flood processed within two minutes");

    let stats = emulator.journal_stats();
    let limits = Limits::default();
    assert!(stats.events <= limits.journal_events, "{stats:?}");
    assert!(stats.payload_bytes <= limits.journal_bytes, "{stats:?}");
    assert!(
        stats.dropped >= (COUNT - limits.journal_bytes / 16_000) as u64,
        "{stats:?}"
    );
    let published = emulator
        .events()
        .iter()
        .filter(|e| matches!(e, EmulatorEvent::Published { .. }))
        .count();
    assert!(
        published < COUNT / 5,
        "only the newest publishes are kept: {published}"
    );
    // 320 MB went through; what stays is the bounded journal (32 MiB) and buffers.
    let growth = rss_bytes().saturating_sub(rss_before);
    assert!(
        growth < 150 * 1024 * 1024,
        "resident memory grew by {growth} bytes"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_qos2_publisher_that_never_releases_is_disconnected() {
    let limits = Limits {
        max_pending_qos2: 10,
        ..Limits::default()
    };
    let emulator = start(limits).await;
    let mut raw = raw_session(&emulator, "hoarder", 60).await;
    for pkid in 1..=10u16 {
        let mut publish = Publish::new("x/held", QoS::ExactlyOnce, vec![b'x'; 1000]);
        publish.pkid = pkid;
        raw.send(&packet_bytes(&Packet::Publish(publish))).await;
        assert!(matches!(raw.next_packet().await, Some(Packet::PubRec(_))));
    }
    // A re-sent held packet id is no new hold.
    let mut again = Publish::new("x/held", QoS::ExactlyOnce, vec![b'x'; 1000]);
    again.pkid = 10;
    raw.send(&packet_bytes(&Packet::Publish(again))).await;
    assert!(matches!(raw.next_packet().await, Some(Packet::PubRec(_))));
    let mut eleventh = Publish::new("x/held", QoS::ExactlyOnce, vec![b'x'; 1000]);
    eleventh.pkid = 11;
    raw.send(&packet_bytes(&Packet::Publish(eleventh))).await;
    raw.expect_closed().await;
    let reason = emulator
        .wait_for_disconnect("hoarder", WAIT)
        .await
        .expect("disconnect journaled");
    assert!(
        matches!(&reason, DisconnectReason::ProtocolError(text) if text.contains("QoS 2")),
        "{reason:?}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_byte_trickle_does_not_keep_a_session_alive() {
    let emulator = start(Limits::default()).await;
    let raw = raw_session(&emulator, "trickle", 1).await;
    let started = Instant::now();
    // A PUBLISH whose bytes arrive one every 200 ms never completes: the session must end
    // 1.5 s after the CONNECT (its last complete packet), not when the trickle stops.
    let publish = packet_bytes(&Packet::Publish(Publish::new(
        "x/slow",
        QoS::AtMostOnce,
        vec![b'x'; 100],
    )));
    let trickle = async {
        for byte in publish.iter() {
            if raw.stream.try_write(&[*byte]).is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let disconnect = emulator.wait_for_disconnect("trickle", WAIT);
    let reason = tokio::select! {
        reason = disconnect => reason.expect("disconnected within the wait"),
        () = trickle => panic!("the whole trickle (20 s) was accepted"),
    };
    assert_eq!(reason, DisconnectReason::KeepAliveExpired);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "closed after {elapsed:?}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_half_sent_packet_times_out_even_with_keep_alive_0() {
    let limits = Limits {
        packet_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let emulator = start(limits).await;
    let mut raw = raw_session(&emulator, "half", 0).await;
    let publish = packet_bytes(&Packet::Publish(Publish::new(
        "x/half",
        QoS::AtMostOnce,
        vec![b'x'; 100],
    )));
    raw.send(&publish[..publish.len() / 2]).await;
    raw.expect_closed().await;
    let reason = emulator
        .wait_for_disconnect("half", WAIT)
        .await
        .expect("disconnect journaled");
    assert!(
        matches!(&reason, DisconnectReason::ProtocolError(text) if text.contains("incomplete")),
        "{reason:?}"
    );
    // Complete packets with keep-alive 0 are never timed out: an idle session stays.
    let mut idle = raw_session(&emulator, "idle", 0).await;
    let ping = packet_bytes(&Packet::PingReq);
    idle.send(&ping).await;
    assert!(matches!(idle.next_packet().await, Some(Packet::PingResp)));
    emulator.shutdown().await;
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited_per_address() {
    let limits = Limits {
        login_failures: Some(LoginFailureLimit {
            max_failures: 3,
            window: Duration::from_secs(600),
        }),
        ..Limits::default()
    };
    let emulator = start(limits).await;
    let attempt = |password: &'static str| {
        let emulator = &emulator;
        async move {
            let mut raw = RawClient::connect(emulator).await;
            let mut connect = connect_packet("d:guess", 60);
            connect.set_login(format!("{TENANT}/{USER}"), password);
            raw.send(&packet_bytes(&Packet::Connect(connect))).await;
            raw.connack_code().await
        }
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong").await, 4);
    }
    assert_eq!(
        attempt(PASSWORD).await,
        5,
        "blocked, even with the right password"
    );

    // The off switch for load tests.
    let unlimited = Limits {
        login_failures: None,
        ..Limits::default()
    };
    let emulator = start(unlimited).await;
    for _ in 0..30 {
        let mut raw = RawClient::connect(&emulator).await;
        let mut connect = connect_packet("d:guess", 60);
        connect.set_login(format!("{TENANT}/{USER}"), "wrong");
        raw.send(&packet_bytes(&Packet::Connect(connect))).await;
        assert_eq!(raw.connack_code().await, 4);
    }
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&packet_bytes(&Packet::Connect(connect_packet("d:guess", 60))))
        .await;
    assert_eq!(raw.connack_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_simultaneous_connects_wait_for_no_syn_retransmit() {
    let emulator = start(Limits::default()).await;
    let addr = emulator.mqtt_addr().expect("mqtt");
    // Every TCP handshake completes in the kernel's accept queue; with the default backlog (128)
    // most of 1 000 would wait for a SYN retransmit (1 s).
    let connects: Vec<_> = (0..1000)
        .map(|_| {
            tokio::spawn(async move {
                let started = Instant::now();
                let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
                (started.elapsed(), stream)
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    let mut streams = Vec::new();
    for connect in connects {
        let (took, stream) = connect.await.expect("task");
        slowest = slowest.max(took);
        streams.push(stream);
    }
    assert!(
        slowest < Duration::from_millis(900),
        "slowest connect took {slowest:?}"
    );
    drop(streams);
    emulator.shutdown().await;
}
