//! Delivery guarantees against the emulator: no QoS 1 message lost when the connection drops
//! mid-stream, outbox overflow policies, flush, auto-batching, reconnect after a restart, and
//! the blocking facade used from a plain thread.

mod client_support;

use std::collections::HashMap;
use std::time::Duration;

use c8y_mqtt::QoS;
use c8y_mqtt::client::{
    BlockingClient, ClientError, ConnectionState, DeliveryOutcome, DropReason, Event, NextEvent,
    OutboxLimits, OverflowPolicy, TransportKind,
};
use c8y_mqtt::clock::Clock;
use c8y_mqtt::templates::upstream::{CustomMeasurement, Temperature};
use c8y_mqtt_emulator::{Emulator, EmulatorEvent};
use client_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_mid_stream_loses_no_qos1_message() {
    const N: usize = 300;
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    let mut deliveries = Vec::new();
    for i in 0..N {
        let m = CustomMeasurement::new("c8y_Counter", "n", i64::try_from(i).unwrap()).unwrap();
        deliveries.push(client.publish(m).unwrap());
        if i == N / 3 {
            // Some messages reach the platform but their PUBACKs never come back; then the
            // connection drops with those in flight and the rest queued.
            emulator.withhold_pubacks(DEVICE, true);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if i == N / 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(emulator.drop_connection(DEVICE));
            emulator.withhold_pubacks(DEVICE, false);
        }
    }
    for d in &deliveries {
        let outcome = tokio::time::timeout(WAIT, d.outcome())
            .await
            .expect("delivery completes");
        assert_eq!(outcome, DeliveryOutcome::Acknowledged, "{:?}", d.id());
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (topic, payload) in payloads(&emulator) {
        if topic == "s/us" && payload.starts_with("200,") {
            *seen.entry(payload).or_default() += 1;
        }
    }
    for i in 0..N {
        assert!(
            seen.contains_key(&format!("200,c8y_Counter,n,{i}")),
            "message {i} lost"
        );
    }
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    assert_eq!(seen.len(), N);
    assert!(duplicates >= 1, "unacknowledged messages were sent again");
    assert!(duplicates <= N, "{duplicates} duplicates");
    // Reconnected: 500 sent again after the second subscription.
    let fives = payloads(&emulator).iter().filter(|(_, p)| p == "500").count();
    assert_eq!(fives, 2);
    client.flush(WAIT).await.expect("nothing pending");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_pubacks_fill_the_outbox_and_reject_applies() {
    let emulator = emulator().await;
    let limits = OutboxLimits {
        max_messages: 5,
        max_bytes: 1 << 20,
        overflow: OverflowPolicy::Reject,
    };
    let client = connected_client(config(&emulator, TransportKind::Tcp).outbox(limits)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator.withhold_pubacks(DEVICE, true);
    let kept: Vec<_> = (0..5)
        .map(|i| client.publish(Temperature::new(i)).unwrap())
        .collect();
    let error = client.publish(Temperature::new(99)).unwrap_err();
    assert_eq!(
        error,
        ClientError::OutboxFull {
            messages: 5,
            bytes: 25
        }
    );
    expect_publish(&emulator, "s/us", "211,4").await;

    let flushed = client.flush(Duration::from_millis(300)).await.unwrap_err();
    assert_eq!(flushed.pending, kept.iter().map(|d| d.id()).collect::<Vec<_>>());
    assert!(kept.iter().all(|d| d.try_outcome().is_none()));

    // Acknowledgements resume after a reconnect: the outbox re-sends and everything completes.
    emulator.withhold_pubacks(DEVICE, false);
    emulator.drop_connection(DEVICE);
    client
        .flush(WAIT)
        .await
        .expect("all acknowledged after the reconnect");
    for d in &kept {
        assert_eq!(d.try_outcome(), Some(DeliveryOutcome::Acknowledged));
    }
    assert!(!payloads(&emulator).iter().any(|(_, p)| p == "211,99"));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_pending_wakes_as_deliveries_finish_and_they_are_counted_by_then() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator.withhold_pubacks(DEVICE, true);
    for i in 0..3 {
        client.publish(Temperature::new(i)).unwrap();
    }
    expect_publish(&emulator, "s/us", "211,2").await;
    assert!(!client.wait_pending(0, Duration::from_millis(200)).await);
    // The waiter is registered first (join polls it first), then the acknowledgements come.
    let (emptied, ()) = tokio::join!(client.wait_pending(0, WAIT), async {
        emulator.withhold_pubacks(DEVICE, false);
        assert!(emulator.drop_connection(DEVICE));
    });
    assert!(emptied, "woken when the re-sent rows were acknowledged");
    assert_eq!(client.statistics().acknowledged, 3);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_oldest_policy_reports_dropped_deliveries() {
    let emulator = emulator().await;
    let limits = OutboxLimits {
        max_messages: 3,
        max_bytes: 1 << 20,
        overflow: OverflowPolicy::DropOldest,
    };
    let client = connected_client(config(&emulator, TransportKind::Tcp).outbox(limits)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator.withhold_pubacks(DEVICE, true);
    let first = client.publish(Temperature::new(1)).unwrap();
    client.publish(Temperature::new(2)).unwrap();
    client.publish(Temperature::new(3)).unwrap();
    client.publish(Temperature::new(4)).unwrap();
    assert_eq!(
        first.try_outcome(),
        Some(DeliveryOutcome::Dropped(DropReason::Overflow))
    );
    let event = expect_event(&client, |e| matches!(e, Event::Delivery { .. })).await;
    assert_eq!(
        event,
        Event::Delivery {
            id: first.id(),
            outcome: DeliveryOutcome::Dropped(DropReason::Overflow)
        }
    );
    let queued = client.pending();
    assert_eq!(queued.len(), 3);
    client.close().await;
    assert!(client.pending().is_empty(), "close drops what is queued");
    let mut dropped = Vec::new();
    loop {
        match client.next_event().await {
            NextEvent::Event(Event::Delivery {
                id,
                outcome: DeliveryOutcome::Dropped(DropReason::Closed),
            }) => dropped.push(id),
            NextEvent::Event(_) => {}
            NextEvent::Timeout => unreachable!("next_event waits"),
            NextEvent::Closed => break,
        }
    }
    assert_eq!(dropped, queued);
    assert_eq!(client.state(), ConnectionState::Closed);
    assert_eq!(
        client.publish(Temperature::new(5)).unwrap_err(),
        ClientError::Closed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_while_offline_are_sent_after_connecting() {
    let emulator = emulator().await;
    emulator.refuse_connections(Some(Duration::from_millis(300)));
    let client =
        c8y_mqtt::client::Client::start(config(&emulator, TransportKind::Tcp).build().unwrap()).unwrap();
    let delivery = client.publish(Temperature::new(42)).unwrap();
    assert_eq!(delivery.try_outcome(), None);
    assert_eq!(
        tokio::time::timeout(WAIT, delivery.outcome()).await,
        Ok(DeliveryOutcome::Acknowledged)
    );
    // 500 goes before the replayed outbox.
    let sent = payloads(&emulator);
    let five = sent.iter().position(|(_, p)| p == "500").unwrap();
    let data = sent.iter().position(|(_, p)| p == "211,42").unwrap();
    assert!(five < data, "{sent:?}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batching_sends_rows_for_one_topic_as_one_publish() {
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tcp).batching(Duration::from_millis(100));
    let client = connected_client(builder).await;
    expect_publish(&emulator, "s/us", "500").await;
    wait_nothing_in_flight(&client).await;
    let acknowledged_before = client.statistics().acknowledged;
    let deliveries: Vec<_> = (1..=3)
        .map(|i| client.publish(Temperature::new(i)).unwrap())
        .collect();
    let child = client.child("c1").unwrap();
    let other = child.publish(Temperature::new(9)).unwrap();
    expect_publish(&emulator, "s/us", "211,1\n211,2\n211,3").await;
    expect_publish(&emulator, "s/us/c1", "211,9").await;
    for d in deliveries.iter().chain([&other]) {
        assert_eq!(d.outcome().await, DeliveryOutcome::Acknowledged);
    }
    // The rows share a packet (and an outbox entry) but each keeps its delivery id and event.
    let ids: Vec<u64> = deliveries.iter().map(|d| d.id().0).collect();
    assert_eq!(ids, [ids[0], ids[0] + 1, ids[0] + 2]);
    for d in deliveries.iter().chain([&other]) {
        expect_event(
            &client,
            |e| matches!(e, Event::Delivery { id, outcome: DeliveryOutcome::Acknowledged } if *id == d.id()),
        )
        .await;
    }
    assert!(
        client.statistics().acknowledged >= acknowledged_before + 4,
        "counted per row"
    );
    client.close().await;
}

/// QoS 0 packets occupy rumqttc's request queue until written: a burst far larger than the
/// window must still go out completely (it once stalled with entries marked submitted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qos0_burst_larger_than_the_window_is_sent_completely() {
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tcp)
        .default_qos(QoS::AtMostOnce)
        .max_inflight(10);
    let client = connected_client(builder).await;
    let count = 2000;
    let deliveries: Vec<_> = (0..count)
        .map(|i| client.publish(Temperature::new(i)).unwrap())
        .collect();
    client.flush(WAIT).await.expect("every QoS 0 packet written");
    for d in &deliveries {
        assert_eq!(d.try_outcome(), Some(DeliveryOutcome::Sent));
    }
    let last = format!("211,{}", count - 1);
    expect_publish(&emulator, "s/us", &last).await;
    let rows: Vec<String> = payloads(&emulator)
        .into_iter()
        .filter(|(topic, payload)| topic == "s/us" && payload.starts_with("211,"))
        .map(|(_, payload)| payload)
        .collect();
    let expected: Vec<String> = (0..count).map(|i| format!("211,{i}")).collect();
    assert_eq!(rows, expected, "every row once, in order");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_an_endpoint_restart() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator.restart(Duration::from_millis(300)).await.unwrap();
    let event = expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    assert!(matches!(
        event,
        Event::ConnectionState(ConnectionState::Disconnected { .. })
    ));
    expect_event(&client, is_connected).await;
    let d = client.publish(Temperature::new(77)).unwrap();
    assert_eq!(d.outcome().await, DeliveryOutcome::Acknowledged);
    let connects = emulator
        .events()
        .iter()
        .filter(|e| matches!(e, EmulatorEvent::Connected(_)))
        .count();
    assert_eq!(connects, 2);
    client.close().await;
}

#[test]
fn blocking_client_from_a_plain_thread() {
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let client = BlockingClient::connect(config(handle, TransportKind::Tcp).build().unwrap()).unwrap();
    client.wait_connected(WAIT).expect("connected");
    let delivery = client.publish(Temperature::new(12)).unwrap();
    assert_eq!(delivery.wait(WAIT), Some(DeliveryOutcome::Acknowledged));
    emulator.block_on(expect_publish(handle, "s/us", "211,12"));
    client.flush(WAIT).expect("flushed");

    let mut kinds = Vec::new();
    loop {
        match client.next_event(Duration::from_millis(200)) {
            NextEvent::Event(event) => kinds.push(event),
            NextEvent::Timeout => break,
            NextEvent::Closed => panic!("closed early"),
        }
    }
    assert!(kinds.iter().any(is_connected), "{kinds:?}");
    assert!(kinds.contains(&Event::Delivery {
        id: delivery.id(),
        outcome: DeliveryOutcome::Acknowledged
    }));
    handle
        .publish_to(DEVICE, "s/ds", "510,dev1", QoS::AtLeastOnce)
        .unwrap();
    let op = loop {
        match client.next_event(WAIT) {
            NextEvent::Event(Event::Operation(op)) => break op,
            NextEvent::Event(_) => {}
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(op.device, "dev1");
    client.close();
    emulator.shutdown();
}

/// A row the platform refuses on `s/e` is tied to its publish when its template id names one
/// row: the event carries the delivery id and device, and with a rejection window the delivery
/// ends rejected, while a row nobody refuses ends acknowledged only once its window has passed
/// (docs/protocol.md §6.1). The window runs on a manual clock that the test advances.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_row_names_its_delivery_and_ends_rejected() {
    use c8y_mqtt::templates::upstream::SetSuccessful;
    const WINDOW: Duration = Duration::from_secs(5);

    let emulator = emulator().await;
    let clock = Clock::manual();
    let client = connected_client(
        config(&emulator, TransportKind::Tcp)
            .rejection_window(WINDOW)
            .clock(clock.clone()),
    )
    .await;
    // No c8y_Restart is EXECUTING: the platform refuses the status.
    let refused = client
        .publish(SetSuccessful::new("c8y_Restart").unwrap())
        .unwrap();
    let fine = client.publish(Temperature::new(3)).unwrap();
    let event = expect_event(&client, |e| matches!(e, Event::PublishRejected { .. })).await;
    let Event::PublishRejected { id, device, line } = event else {
        unreachable!()
    };
    assert_eq!((id, device.as_str()), (refused.id(), DEVICE));
    assert_eq!((line.code, line.template.as_str()), (50, "503"), "{line:?}");
    assert_eq!(refused.await, DeliveryOutcome::Rejected { code: 50 });
    // Both rows left the outbox at their PUBACKs; the clock has not moved, so the one nobody
    // refused is still held.
    client.flush(WAIT).await.expect("both rows acknowledged");
    assert_eq!(fine.try_outcome(), None, "held until its window passes");
    clock.advance(WINDOW);
    assert_eq!(fine.await, DeliveryOutcome::Acknowledged);

    // For a child: the device named is the child.
    let (child, created) = client
        .device()
        .create_child("dev1_lamp", "Lamp", "c8y_Lamp")
        .unwrap();
    // The creation row is held like any other.
    client.flush(WAIT).await.expect("the creation acknowledged");
    clock.advance(WINDOW);
    assert_eq!(created.unwrap().await, DeliveryOutcome::Acknowledged);
    let refused = child.publish(SetSuccessful::new("c8y_Restart").unwrap()).unwrap();
    let event = expect_event(&client, |e| matches!(e, Event::PublishRejected { .. })).await;
    let Event::PublishRejected { id, device, .. } = event else {
        unreachable!()
    };
    assert_eq!((id, device.as_str()), (refused.id(), "dev1_lamp"));
    assert_eq!(refused.await, DeliveryOutcome::Rejected { code: 50 });

    // Two rows of one template in the window: which one was refused cannot be told.
    let first = client
        .publish(SetSuccessful::new("c8y_Restart").unwrap())
        .unwrap();
    let second = client
        .publish(SetSuccessful::new("c8y_Restart").unwrap())
        .unwrap();
    for _ in 0..2 {
        let event = expect_event(&client, |e| {
            matches!(e, Event::SmartRestError(_) | Event::PublishRejected { .. })
        })
        .await;
        assert!(matches!(event, Event::SmartRestError(_)), "{event:?}");
    }
    client.flush(WAIT).await.expect("both rows acknowledged");
    assert_eq!((first.try_outcome(), second.try_outcome()), (None, None));
    clock.advance(WINDOW);
    assert_eq!(first.await, DeliveryOutcome::Acknowledged);
    assert_eq!(second.await, DeliveryOutcome::Acknowledged);
    client.close().await;
}

/// Without a rejection window the refusal still names its delivery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_window_a_refusal_still_names_its_delivery() {
    use c8y_mqtt::templates::upstream::SetSuccessful;

    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    let refused = client
        .publish(SetSuccessful::new("c8y_Command").unwrap())
        .unwrap();
    let event = expect_event(&client, |e| matches!(e, Event::PublishRejected { .. })).await;
    let Event::PublishRejected { id, line, .. } = event else {
        unreachable!()
    };
    assert_eq!(id, refused.id());
    assert_eq!(line.code, 50);
    // Acknowledged or rejected, depending on whether the line came before the PUBACK.
    assert!(matches!(
        refused.await,
        DeliveryOutcome::Acknowledged | DeliveryOutcome::Rejected { code: 50 }
    ));
    client.close().await;
}
