//! Operations through the client against the emulator: static and JSON renderings, the
//! lifecycle by fragment (501–503) and by id (504–506), de-duplication of re-deliveries,
//! automatic failing of unsupported operations, `507` at start-up and failure-reason truncation.

mod client_support;

use c8y_mqtt::client::{Client, Event, ReceivedOperation, Subscriptions, TransportKind};
use c8y_mqtt::templates::downstream::OperationKind;
use c8y_mqtt::templates::upstream::Temperature;
use c8y_mqtt_emulator::{EmulatorEvent, EmulatorHandle};
use client_support::*;
use serde_json::{Value, json};

/// Waits for the next operation event.
async fn next_operation(client: &Client) -> ReceivedOperation {
    match expect_event(client, |e| matches!(e, Event::Operation(_))).await {
        Event::Operation(op) => *op,
        _ => unreachable!(),
    }
}

fn json_subscriptions() -> Subscriptions {
    Subscriptions {
        json_operations: true,
        ..Subscriptions::default()
    }
}

fn op_id(op: &Value) -> String {
    op["id"].as_str().expect("operation id").to_owned()
}

async fn wait_status(emulator: &EmulatorHandle, id: &str, status: &str) -> Value {
    emulator
        .wait_for_operation_status(id, status, WAIT)
        .await
        .unwrap_or_else(|_| panic!("operation {id} never {status}: {:?}", emulator.operation(id)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_restart_runs_by_fragment() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    let created = emulator
        .create_operation(DEVICE, json!({"c8y_Restart": {}}))
        .unwrap();
    let id = op_id(&created);
    let op = next_operation(&client).await;
    assert_eq!(op.id, None);
    assert_eq!(op.device, DEVICE);
    assert_eq!(op.fragment, "c8y_Restart");
    assert_eq!(op.kind(), Some(&OperationKind::Restart));

    op.executing().unwrap();
    expect_publish(&emulator, "s/us", "501,c8y_Restart").await;
    wait_status(&emulator, &id, "EXECUTING").await;
    op.succeed(Vec::<String>::new()).unwrap();
    expect_publish(&emulator, "s/us", "503,c8y_Restart").await;
    wait_status(&emulator, &id, "SUCCESSFUL").await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_operation_runs_by_id_with_parameters() {
    let emulator = emulator().await;
    let client =
        connected_client(config(&emulator, TransportKind::Tcp).subscriptions(json_subscriptions())).await;
    let created = emulator
        .create_operation(DEVICE, json!({"c8y_Command": {"text": "uptime"}}))
        .unwrap();
    let id = op_id(&created);
    let op = next_operation(&client).await;
    assert_eq!(op.id.as_deref(), Some(id.as_str()));
    assert_eq!(op.device, DEVICE);
    assert_eq!(op.fragment, "c8y_Command");
    assert_eq!(op.json().unwrap()["c8y_Command"]["text"], "uptime");

    op.executing().unwrap();
    expect_publish(&emulator, "s/us", &format!("504,{id}")).await;
    wait_status(&emulator, &id, "EXECUTING").await;
    op.succeed(["up 3 days"]).unwrap();
    expect_publish(&emulator, "s/us", &format!("506,{id},up 3 days")).await;
    let done = wait_status(&emulator, &id, "SUCCESSFUL").await;
    assert_eq!(done["c8y_Command"]["result"], "up 3 days", "{done}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_delivered_twice_is_yielded_once() {
    let emulator = emulator().await;
    let client =
        connected_client(config(&emulator, TransportKind::Tcp).subscriptions(json_subscriptions())).await;
    emulator.deliver_operation_twice(true);
    let first = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    let mut deliveries = 0;
    emulator
        .wait_for_event(
            |e| {
                if matches!(e, EmulatorEvent::Delivered { topic, payload, .. }
                    if topic == "devicecontrol/notifications"
                        && String::from_utf8_lossy(payload).contains(&format!("\"{first}\"")))
                {
                    deliveries += 1;
                }
                deliveries == 2
            },
            WAIT,
        )
        .await
        .expect("delivered twice");
    emulator.deliver_operation_twice(false);
    let second = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    // Events keep arrival order: a duplicate of the first would come before the second.
    assert_eq!(next_operation(&client).await.id, Some(first));
    assert_eq!(next_operation(&client).await.id, Some(second));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivery_after_reconnect_is_not_duplicated() {
    let emulator = emulator().await;
    let client =
        connected_client(config(&emulator, TransportKind::Tcp).subscriptions(json_subscriptions())).await;
    let first = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    assert_eq!(next_operation(&client).await.id.as_deref(), Some(first.as_str()));
    // Still PENDING: the 500 after the reconnect re-sends it.
    assert!(emulator.drop_connection(DEVICE));
    let mut deliveries = 0;
    emulator
        .wait_for_event(
            |e| {
                if matches!(e, EmulatorEvent::Delivered { topic, payload, .. }
                    if topic == "devicecontrol/notifications"
                        && String::from_utf8_lossy(payload).contains(&format!("\"{first}\"")))
                {
                    deliveries += 1;
                }
                deliveries == 2
            },
            WAIT,
        )
        .await
        .expect("re-delivered after 500");
    let second = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    assert_eq!(next_operation(&client).await.id, Some(second));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_static_operation_is_failed_by_fragment() {
    let emulator = emulator().await;
    let client =
        connected_client(config(&emulator, TransportKind::Tcp).fail_unsupported(["c8y_Restart"])).await;
    let command = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Command": {"text": "rm -rf /"}}))
            .unwrap(),
    );
    expect_publish(&emulator, "s/us", "501,c8y_Command").await;
    expect_publish(&emulator, "s/us", "502,c8y_Command,Unsupported operation").await;
    let failed = wait_status(&emulator, &command, "FAILED").await;
    assert_eq!(failed["failureReason"], "Unsupported operation");
    // A supported one is delivered (and is the first operation event).
    emulator
        .create_operation(DEVICE, json!({"c8y_Restart": {}}))
        .unwrap();
    assert_eq!(next_operation(&client).await.fragment, "c8y_Restart");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_json_operation_is_failed_by_id() {
    let emulator = emulator().await;
    let client = connected_client(
        config(&emulator, TransportKind::Tcp)
            .subscriptions(json_subscriptions())
            .fail_unsupported(["c8y_Restart"]),
    )
    .await;
    let command = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Command": {"text": "x"}}))
            .unwrap(),
    );
    expect_publish(&emulator, "s/us", &format!("504,{command}")).await;
    expect_publish(&emulator, "s/us", &format!("505,{command},Unsupported operation")).await;
    wait_status(&emulator, &command, "FAILED").await;
    client.close().await;
}

/// Without a persistence directory, after a restart the client fails each supported fragment
/// that cannot finish across a reboot with a fragment-scoped `507`, for the device after the
/// first connect and for a child when it is first created; `c8y_Restart` stays EXECUTING for
/// the application to finish by fragment (docs/protocol.md §11.1, §11.2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_persistence_a_restart_fails_supported_fragments_except_resumable_ones() {
    let emulator = emulator().await;
    let setup = connected_client(config(&emulator, TransportKind::Tcp)).await;
    setup
        .device()
        .create_child("dev1_child", "Child", "c8y_Sensor")
        .unwrap()
        .1
        .unwrap()
        .await;
    let mut started = Vec::new();
    for device in [DEVICE, "dev1_child"] {
        for fragment in [json!({"c8y_Restart": {}}), json!({"c8y_Command": {"text": "x"}})] {
            let id = op_id(&emulator.create_operation(device, fragment).unwrap());
            next_operation(&setup).await.executing().unwrap();
            wait_status(&emulator, &id, "EXECUTING").await;
            started.push(id);
        }
    }
    setup.close().await; // the "reboot"
    let [restart, command, child_restart, child_command] = started.try_into().unwrap();

    let supported = ["c8y_Restart", "c8y_Command"];
    let client = connected_client(config(&emulator, TransportKind::Tcp).fail_unsupported(supported)).await;
    let reason = "Operation interrupted by a device restart";
    expect_publish(&emulator, "s/us", &format!("507,c8y_Command,{reason}")).await;
    let failed = wait_status(&emulator, &command, "FAILED").await;
    assert_eq!(failed["failureReason"], reason);
    client
        .device()
        .publish(c8y_mqtt::templates::upstream::SetSuccessful::new("c8y_Restart").unwrap())
        .unwrap();
    wait_status(&emulator, &restart, "SUCCESSFUL").await;

    let (child, _) = client
        .device()
        .create_child("dev1_child", "Child", "c8y_Sensor")
        .unwrap();
    expect_publish(&emulator, "s/us/dev1_child", &format!("507,c8y_Command,{reason}")).await;
    wait_status(&emulator, &child_command, "FAILED").await;
    child
        .publish(c8y_mqtt::templates::upstream::SetSuccessful::new("c8y_Restart").unwrap())
        .unwrap();
    wait_status(&emulator, &child_restart, "SUCCESSFUL").await;
    let sent = payloads(&emulator);
    assert!(
        !sent
            .iter()
            .any(|(_, p)| p.starts_with("507,c8y_Restart") || p.starts_with("507,,")),
        "{sent:?}"
    );
    client.close().await;
}

/// An operation created right as the client connects arrives live and again through the
/// start-up `500`; the application sees it once. Repeated 50 times to meet the race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_operation_created_at_connect_is_handed_over_once() {
    let mut raced = 0;
    for round in 0..50 {
        let emulator = emulator().await;
        let client = Client::start(config(&emulator, TransportKind::Tcp).build().unwrap()).unwrap();
        // As soon as s/ds is subscribed, before the client's 500 is processed (most rounds).
        emulator
            .wait_for_event(
                |e| matches!(e, EmulatorEvent::Subscribed { topic, granted: Some(_), .. } if topic == "s/ds"),
                WAIT,
            )
            .await
            .unwrap();
        let id = op_id(
            &emulator
                .create_operation(DEVICE, json!({"c8y_Restart": {}}))
                .unwrap(),
        );
        client.wait_connected(WAIT).await.unwrap();
        // Once the 500 was processed, the PUBACK of a later publish follows every delivery.
        expect_publish(&emulator, "s/us", "500").await;
        client.publish(Temperature::new(1)).unwrap().await;
        let deliveries = emulator
            .events()
            .iter()
            .filter(|e| matches!(e, EmulatorEvent::Delivered { topic, .. } if topic == "s/ds"))
            .count();
        if deliveries == 2 {
            raced += 1;
        }
        let operations = std::iter::from_fn(|| match client.try_next_event() {
            c8y_mqtt::client::NextEvent::Event(event) => Some(event),
            _ => None,
        })
        .filter(|e| matches!(e, Event::Operation(_)))
        .count();
        assert_eq!(operations, 1, "round {round}: {deliveries} deliveries of {id}");
        client.close().await;
    }
    eprintln!("{raced} of 50 rounds delivered the operation twice");
}

/// The platform sends a device profile as `527` and, with typed software, also as `531`: one
/// operation, the richer `531` when both come in one message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_profile_sent_as_527_and_531_is_one_operation() {
    use c8y_mqtt::QoS;
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    let plain = "527,dev1,$FW,fw,1.0,url1,false,,$SW,app,2.0,url2,install,$CONF,url3,cfg";
    let typed = "531,dev1,$FW,fw,1.0,url1,false,,$SW,app,2.0,apt,url2,install,$CONF,url3,cfg";
    emulator
        .publish_to(DEVICE, "s/ds", format!("{plain}\n{typed}"), QoS::AtLeastOnce)
        .unwrap();
    let op = next_operation(&client).await;
    assert_eq!(op.fragment, "c8y_DeviceProfile");
    assert!(
        matches!(op.kind(), Some(OperationKind::AdvancedDeviceProfile(_))),
        "{op:?}"
    );
    // Apart, within the window: the first is the operation, the second its other rendering.
    let other = plain.replace("fw,1.0", "fw,1.1");
    let other_typed = typed.replace("fw,1.0", "fw,1.1");
    emulator
        .publish_to(DEVICE, "s/ds", other, QoS::AtLeastOnce)
        .unwrap();
    emulator
        .publish_to(DEVICE, "s/ds", other_typed, QoS::AtLeastOnce)
        .unwrap();
    emulator
        .publish_to(DEVICE, "s/ds", "510,dev1", QoS::AtLeastOnce)
        .unwrap();
    let op = next_operation(&client).await;
    assert!(
        matches!(op.kind(), Some(OperationKind::DeviceProfile(_))),
        "{op:?}"
    );
    let op = next_operation(&client).await;
    assert_eq!(
        op.kind(),
        Some(&OperationKind::Restart),
        "the 531 was not handed over"
    );
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_failure_reason_is_truncated_and_closes_its_quote() {
    let emulator = emulator().await;
    let client =
        connected_client(config(&emulator, TransportKind::Tcp).subscriptions(json_subscriptions())).await;
    let id = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    let op = next_operation(&client).await;
    op.executing().unwrap();
    let reason = "disk \"full\", cannot write, ".repeat(100);
    op.fail(&reason).unwrap();
    let failed = wait_status(&emulator, &id, "FAILED").await;
    let stored = failed["failureReason"].as_str().unwrap();
    assert!(stored.ends_with("..."), "{stored}");
    assert!(reason.starts_with(stored.trim_end_matches("...")));
    let prefix = format!("505,{id},");
    let row = payloads(&emulator)
        .into_iter()
        .map(|(_, payload)| payload)
        .find(|p| p.starts_with(&prefix))
        .expect("505 sent");
    assert!(row.ends_with('"'), "{row}");
    assert!(row.len() - prefix.len() <= c8y_mqtt::client::operations::MAX_REASON_BYTES);
    client.close().await;
}
