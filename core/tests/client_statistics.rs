//! Client statistics against the emulator: counters after acknowledged publishes, a dropped
//! connection, an overflowing outbox and a refused row, and the optional statistics
//! measurement.

mod client_support;

use std::time::Duration;

use c8y_mqtt::QoS;
use c8y_mqtt::client::{
    ConnectionState, DeliveryOutcome, Event, OutboxLimits, OverflowPolicy, TransportKind,
};
use c8y_mqtt::clock::Clock;
use c8y_mqtt::templates::upstream::{SetSuccessful, Temperature};
use c8y_mqtt_emulator::model::RecordFilter;
use client_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_match_acknowledged_publishes() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    expect_publish(&emulator, "s/us", "500").await;
    for value in 0..5 {
        let outcome = client.publish(Temperature::new(value)).unwrap().await;
        assert_eq!(outcome, DeliveryOutcome::Acknowledged);
    }
    emulator
        .publish_to(DEVICE, "s/e", "40,999,Unknown template", QoS::AtLeastOnce)
        .unwrap();
    expect_event(&client, |e| matches!(e, Event::SmartRestError(_))).await;

    let stats = client.statistics();
    assert_eq!(stats.deliveries_queued, 5, "{stats:?}");
    assert_eq!(stats.acknowledged, 5, "{stats:?}");
    assert_eq!(stats.queued_now, 0, "{stats:?}");
    assert_eq!(stats.in_flight_now, 0, "{stats:?}");
    assert_eq!(stats.dropped.total(), 0, "{stats:?}");
    assert_eq!((stats.sent, stats.rejected), (0, 0), "{stats:?}");
    assert_eq!(
        (stats.connection_attempts, stats.connections, stats.reconnects),
        (1, 1, 0)
    );
    assert_eq!(stats.last_connection_error, None);
    assert_eq!(stats.messages_received, 1, "{stats:?}");
    // Every payload the emulator received (100, 500, the five rows) was counted once.
    let received: usize = payloads(&emulator).iter().map(|(_, p)| p.len()).sum();
    assert_eq!(stats.bytes_sent, received as u64, "{:?}", payloads(&emulator));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_counts_a_reconnect() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    assert!(emulator.drop_connection(DEVICE));
    expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    expect_event(&client, is_connected).await;
    let stats = client.statistics();
    assert_eq!(
        (stats.connection_attempts, stats.connections, stats.reconnects),
        (2, 2, 1),
        "{stats:?}"
    );
    let error = stats.last_connection_error.expect("the lost connection's error");
    assert!(!error.contains(PASSWORD), "{error}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overflowing_outbox_counts_drops_by_reason() {
    let emulator = emulator().await;
    let limits = OutboxLimits {
        max_messages: 3,
        max_bytes: 1 << 20,
        overflow: OverflowPolicy::DropOldest,
    };
    let client = connected_client(config(&emulator, TransportKind::Tcp).outbox(limits)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator.withhold_pubacks(DEVICE, true);
    for value in 0..5 {
        client.publish(Temperature::new(value)).unwrap();
    }
    let stats = client.statistics();
    assert_eq!(stats.deliveries_queued, 5, "{stats:?}");
    assert_eq!(stats.dropped.overflow, 2, "{stats:?}");
    assert_eq!(stats.queued_now, 3, "{stats:?}");
    client.close().await;
    let stats = client.statistics();
    assert_eq!(
        (stats.dropped.overflow, stats.dropped.closed),
        (2, 3),
        "{stats:?}"
    );
    assert_eq!(
        (stats.acknowledged, stats.queued_now, stats.in_flight_now),
        (0, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_row_counts_as_rejected() {
    let emulator = emulator().await;
    // A window that never passes: the manual clock is not advanced.
    let client = connected_client(
        config(&emulator, TransportKind::Tcp)
            .rejection_window(Duration::from_secs(5))
            .clock(Clock::manual()),
    )
    .await;
    // No c8y_Restart is EXECUTING: the platform refuses the status.
    let refused = client
        .publish(SetSuccessful::new("c8y_Restart").unwrap())
        .unwrap();
    assert_eq!(refused.await, DeliveryOutcome::Rejected { code: 50 });
    let stats = client.statistics();
    assert_eq!((stats.rejected, stats.acknowledged), (1, 0), "{stats:?}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_measurement_arrives_when_configured() {
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tcp).statistics_measurement(Duration::from_millis(200));
    let client = connected_client(builder).await;
    let publish = emulator
        .wait_for_publish(
            |p| p.publish.topic == "s/us" && p.publish.payload.starts_with(b"201,c8y_ClientStatistics,"),
            WAIT,
        )
        .await
        .expect("a statistics measurement");
    let row = String::from_utf8_lossy(&publish.publish.payload).into_owned();
    assert!(row.contains(",c8y_ClientStatistics,queued,"), "{row}");
    assert!(row.contains(",c8y_ClientStatistics,bytesSent,"), "{row}");
    assert!(client.flush(WAIT).await.is_ok());
    let filter = RecordFilter {
        record_type: Some("c8y_ClientStatistics".to_owned()),
        ..RecordFilter::default()
    };
    let stored = emulator.measurements(&filter);
    let first = stored.first().expect("stored by the platform");
    assert!(
        first["c8y_ClientStatistics"]["acknowledged"]["value"].is_number(),
        "{first}"
    );
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_statistics_measurement_by_default() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    assert_eq!(client.config().statistics_interval(), None);
    client.publish(Temperature::new(1)).unwrap().await;
    client.close().await;
    assert!(
        !payloads(&emulator)
            .iter()
            .any(|(_, p)| p.starts_with("201,c8y_ClientStatistics"))
    );
}
