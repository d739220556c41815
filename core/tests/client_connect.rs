//! The client against the emulator: start-up order (SUBSCRIBE, SUBACK, then `500`), typed
//! publishes byte for byte, downstream events, CONNACK refusals, TLS trust, WebSocket, size limit.

mod client_support;

use std::time::Duration;

use c8y_mqtt::QoS;
use c8y_mqtt::client::{
    ClientError, ConfigError, ConnackRefusal, ConnectError, ConnectionState, Event, Subscriptions,
    TransportKind, TrustRoots,
};
use c8y_mqtt::smartrest::MAX_PACKET_SIZE;
use c8y_mqtt::templates::downstream::{ErrorCode, OperationKind};
use c8y_mqtt::templates::upstream::{CriticalAlarm, CustomMeasurement, DeviceCreation, Temperature};
use c8y_mqtt::topic::XId;
use c8y_mqtt_emulator::EmulatorEvent;
use client_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribes_waits_for_suback_then_sends_500() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    expect_publish(&emulator, "s/us", "500").await;
    // The subscriptions exist when 500 arrives: an operation injected now is delivered.
    emulator
        .publish_to(DEVICE, "s/ds", "510,dev1", QoS::AtLeastOnce)
        .expect("device subscribed to s/ds before sending 500");
    let events = emulator.events();
    let position =
        |pred: &dyn Fn(&EmulatorEvent) -> bool| events.iter().position(pred).expect("event recorded");
    let subscribed_ds =
        position(&|e| matches!(e, EmulatorEvent::Subscribed { topic, .. } if topic == "s/ds"));
    let subscribed_e = position(&|e| matches!(e, EmulatorEvent::Subscribed { topic, .. } if topic == "s/e"));
    let sent_500 =
        position(&|e| matches!(e, EmulatorEvent::Published { publish, .. } if publish.payload == "500"));
    assert!(subscribed_ds < sent_500 && subscribed_e < sent_500, "{events:#?}");
    let event = expect_event(&client, |e| matches!(e, Event::Operation(_))).await;
    let Event::Operation(op) = event else {
        unreachable!()
    };
    assert_eq!(op.device, "dev1");
    assert_eq!(op.kind(), Some(&OperationKind::Restart));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_creation_goes_before_subscribing_on_every_connection() {
    let emulator = emulator().await;
    let creation = DeviceCreation::new()
        .with_name("Device 1")
        .with_device_type("c8y_Test");
    let client = connected_client(config(&emulator, TransportKind::Tcp).create_device(creation)).await;
    expect_publish(&emulator, "s/us", "500").await;
    let events = emulator.events();
    let created = events
        .iter()
        .position(|e| matches!(e, EmulatorEvent::Published { publish, .. } if publish.payload == "100,Device 1,c8y_Test"))
        .expect("100 sent");
    let subscribed = events
        .iter()
        .position(|e| matches!(e, EmulatorEvent::Subscribed { .. }))
        .expect("subscribed");
    assert!(created < subscribed, "{events:#?}");

    emulator.drop_connection(DEVICE);
    expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    expect_event(&client, is_connected).await;
    client.publish(Temperature::new(1)).unwrap().await;
    let sent = payloads(&emulator);
    // Sent again after the reconnect: the device may have been deleted meanwhile.
    assert_eq!(
        sent.iter().filter(|(_, p)| p.starts_with("100,")).count(),
        2,
        "{sent:?}"
    );
    assert_eq!(sent.iter().filter(|(_, p)| p == "500").count(), 2, "{sent:?}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_publishes_arrive_byte_exact_for_device_and_child() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    let alarm = CriticalAlarm::new("c8y_TemperatureAlarm")
        .unwrap()
        .with_text("Too hot, really");
    let d1 = client.publish(alarm).unwrap();
    let measurement = CustomMeasurement::new("c8y_Temperature", "T", 25)
        .unwrap()
        .with_unit("C");
    let d2 = client.publish(measurement).unwrap();
    let (child, created) = client
        .device()
        .create_child("dev1_child", "Child 1", "c8y_Sensor")
        .unwrap();
    assert!(created.is_some());
    let (_, again) = client
        .device()
        .create_child("dev1_child", "Child 1", "c8y_Sensor")
        .unwrap();
    assert!(again.is_none(), "child creation is sent once per client");
    let d3 = child.publish(Temperature::new(21)).unwrap();

    expect_publish(&emulator, "s/us", r#"301,c8y_TemperatureAlarm,"Too hot, really""#).await;
    expect_publish(&emulator, "s/us", "200,c8y_Temperature,T,25,C").await;
    expect_publish(&emulator, "s/us", "101,dev1_child,Child 1,c8y_Sensor").await;
    expect_publish(&emulator, "s/us/dev1_child", "211,21").await;
    for d in [d1, d2, d3] {
        assert_eq!(d.outcome().await, c8y_mqtt::client::DeliveryOutcome::Acknowledged);
    }
    let creations = payloads(&emulator)
        .iter()
        .filter(|(_, p)| p.starts_with("101,"))
        .count();
    assert_eq!(creations, 1);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downstream_lines_become_typed_events() {
    let emulator = emulator().await;
    let subscriptions = Subscriptions {
        template_status: true,
        collections: vec![XId::new("myXid").unwrap()],
        ..Subscriptions::default()
    };
    let client = connected_client(config(&emulator, TransportKind::Tcp).subscriptions(subscriptions)).await;
    expect_publish(&emulator, "s/us", "500").await;
    emulator
        .publish_to(DEVICE, "s/dc/myXid", "555,a,b", QoS::AtMostOnce)
        .unwrap();
    emulator
        .publish_to(DEVICE, "s/dt", "20,myXid,123", QoS::AtLeastOnce)
        .unwrap();
    emulator
        .publish_to(DEVICE, "s/ds", "124,4711", QoS::AtLeastOnce)
        .unwrap();
    // The expected answer to the client's own `100` is not reported; the next error line is.
    emulator
        .publish_to(DEVICE, "s/e", "41,100,Device already existing", QoS::AtLeastOnce)
        .unwrap();
    emulator
        .publish_to(DEVICE, "s/e", "41,101,Child creation failed", QoS::AtLeastOnce)
        .unwrap();
    emulator
        .publish_to(DEVICE, "s/ds", "510", QoS::AtLeastOnce)
        .unwrap();
    let event = expect_event(&client, |e| matches!(e, Event::Message { .. })).await;
    assert_eq!(
        event,
        Event::Message {
            topic: "s/dc/myXid".to_owned(),
            payload: "555,a,b".into()
        }
    );
    let event = expect_event(&client, |e| matches!(e, Event::TemplateStatus(_))).await;
    let Event::TemplateStatus(status) = event else {
        unreachable!()
    };
    assert_eq!(status.x_id(), "myXid");
    // With no request of a child waiting, a `124` is the device's own id.
    let event = expect_event(&client, |e| matches!(e, Event::ManagedObjectId { .. })).await;
    assert_eq!(
        event,
        Event::ManagedObjectId {
            device: DEVICE.to_owned(),
            id: "4711".to_owned()
        }
    );
    assert_eq!(client.managed_object_id().as_deref(), Some("4711"));
    let event = expect_event(&client, |e| matches!(e, Event::SmartRestError(_))).await;
    let Event::SmartRestError(line) = event else {
        unreachable!()
    };
    assert_eq!(line.kind(), ErrorCode::CreationFailed);
    assert_eq!(
        line.template, "101",
        "41,100 is the expected answer to 100: {line:?}"
    );
    let event = expect_event(&client, |e| matches!(e, Event::Malformed(_))).await;
    let Event::Malformed(error) = event else {
        unreachable!()
    };
    assert_eq!(error.record().map(|r| r.id()), Some("510"));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_stops_with_a_typed_error_and_no_retry() {
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tcp).password(TENANT, USER, "wrong");
    let client = c8y_mqtt::client::Client::start(builder.build().unwrap()).unwrap();
    let expected = ConnectError::Refused {
        refusal: ConnackRefusal::BadCredentials,
    };
    assert_eq!(
        client.wait_connected(WAIT).await,
        Err(ClientError::Stopped(expected.clone()))
    );
    assert_eq!(
        client.state(),
        ConnectionState::Stopped {
            error: expected.clone()
        }
    );
    let stopped = expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Stopped { .. }))
    })
    .await;
    assert_eq!(
        stopped,
        Event::ConnectionState(ConnectionState::Stopped {
            error: expected.clone()
        })
    );
    // No reconnect storm: one CONNECT, even after several backoff periods.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(connect_attempts(&emulator), 1);
    assert_eq!(
        client.publish(Temperature::new(1)).unwrap_err(),
        ClientError::Stopped(expected)
    );
    assert_eq!(client.next_event().await, c8y_mqtt::client::NextEvent::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_unavailable_is_retried_with_backoff() {
    let emulator = emulator().await;
    emulator.refuse_connections(Some(Duration::from_millis(400)));
    let client =
        c8y_mqtt::client::Client::start(config(&emulator, TransportKind::Tcp).build().unwrap()).unwrap();
    let event = expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    let Event::ConnectionState(ConnectionState::Disconnected { error, retry_in }) = event else {
        unreachable!()
    };
    assert_eq!(
        error,
        ConnectError::Refused {
            refusal: ConnackRefusal::ServerUnavailable
        }
    );
    assert!(retry_in <= Duration::from_millis(500));
    client
        .wait_connected(WAIT)
        .await
        .expect("connects once the server accepts again");
    let attempts = connect_attempts(&emulator);
    assert!(
        (2..=10).contains(&attempts),
        "backoff keeps attempts few: {attempts}"
    );
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_the_emulator_ca_connects() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tls)).await;
    client.publish(Temperature::new(5)).unwrap();
    expect_publish(&emulator, "s/us", "211,5").await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_option_skips_verification_and_raw_publish_works() {
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tls).trust(TrustRoots::InsecureNoVerification);
    let client = connected_client(builder).await;
    let delivery = client
        .publish_raw("s/uc/myXid", "100,a", QoS::AtMostOnce)
        .unwrap();
    assert_eq!(delivery.await, c8y_mqtt::client::DeliveryOutcome::Sent);
    expect_publish(&emulator, "s/uc/myXid", "100,a").await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_refuses_a_server_certificate_from_another_ca() {
    let emulator = emulator().await;
    let other = client_support::emulator().await;
    let other_ca = other.ca_pem().unwrap().to_owned();
    let builder = config(&emulator, TransportKind::Tls).trust(TrustRoots::CaPem(other_ca));
    let client = c8y_mqtt::client::Client::start(builder.build().unwrap()).unwrap();
    // Retrying cannot fix an untrusted certificate: the client stops with a typed error.
    let error = match client.wait_connected(WAIT).await {
        Err(ClientError::Stopped(error)) => error,
        other => panic!("expected a stop, got {other:?}"),
    };
    assert!(
        matches!(&error, ConnectError::TlsUntrusted(text) if text.contains("certificate")),
        "{error:?}"
    );
    assert!(error.is_fatal());
    assert_eq!(
        connect_attempts(&emulator),
        0,
        "no CONNECT over an untrusted channel"
    );
    let state_events: Vec<_> = std::iter::from_fn(|| match client.try_next_event() {
        c8y_mqtt::client::NextEvent::Event(event) => Some(event),
        _ => None,
    })
    .filter(|e| matches!(e, Event::ConnectionState(ConnectionState::Connecting { .. })))
    .collect();
    assert_eq!(state_events.len(), 1, "one attempt only: {state_events:?}");
    client.close().await;

    // The system store does not hold the emulator's CA either.
    let builder = config(&emulator, TransportKind::Tls).trust(TrustRoots::System);
    match c8y_mqtt::client::Client::start(builder.build().unwrap()) {
        Err(ClientError::Config(ConfigError::SystemRoots(_))) => {} // no system store in this environment
        Err(other) => panic!("unexpected {other:?}"),
        Ok(client) => {
            let error = client.wait_connected(WAIT).await;
            assert!(
                matches!(error, Err(ClientError::Stopped(ConnectError::TlsUntrusted(_)))),
                "{error:?}"
            );
            client.close().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_and_secure_websocket_work() {
    let emulator = emulator().await;
    for (transport, value) in [(TransportKind::Ws, 7), (TransportKind::Wss, 8)] {
        let client = connected_client(config(&emulator, transport)).await;
        let delivery = client.publish(Temperature::new(value)).unwrap();
        expect_publish(&emulator, "s/us", &format!("211,{value}")).await;
        assert!(delivery.outcome().await.is_success());
        client.close().await;
    }
    let transports: Vec<_> = emulator
        .events()
        .into_iter()
        .filter_map(|e| match e {
            EmulatorEvent::Connected(s) => Some(s.transport),
            _ => None,
        })
        .collect();
    assert_eq!(
        transports,
        [
            c8y_mqtt_emulator::Transport::Ws,
            c8y_mqtt_emulator::Transport::Wss
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_message_is_a_typed_error_at_the_call_and_nothing_is_sent() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    expect_publish(&emulator, "s/us", "500").await;
    let text = "x".repeat(MAX_PACKET_SIZE);
    let alarm = CriticalAlarm::new("c8y_Big").unwrap().with_text(text.clone());
    let error = client.publish(alarm).unwrap_err();
    assert!(
        matches!(error, ClientError::MessageTooLarge { size, limit } if size > limit && limit == MAX_PACKET_SIZE),
        "{error:?}"
    );
    let error = client.publish_raw("s/uc/x", text, QoS::AtLeastOnce).unwrap_err();
    assert!(matches!(error, ClientError::MessageTooLarge { .. }), "{error:?}");
    let error = client.publish_raw("s/ds", "500", QoS::AtLeastOnce).unwrap_err();
    assert!(matches!(error, ClientError::Topic(_)), "{error:?}");
    assert!(client.pending().is_empty());
    // The connection is still up and nothing oversized went out.
    client.publish(Temperature::new(3)).unwrap();
    expect_publish(&emulator, "s/us", "211,3").await;
    assert!(payloads(&emulator).iter().all(|(_, p)| p.len() < 100));
    assert_eq!(connect_attempts(&emulator), 1);
    client.close().await;
}

/// The processing mode applies to measurements and events only; every other row goes to `s/`,
/// whichever mode the call or the client asks for (docs/protocol.md §2.3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_modes_apply_to_measurements_and_events_only() {
    use c8y_mqtt::client::PublishOptions;
    use c8y_mqtt::templates::upstream::{Event as PlatformEvent, Hardware, SetExecuting, Upstream};
    use c8y_mqtt::topic::ProcessingMode;

    let emulator = emulator().await;
    for mode in ProcessingMode::ALL {
        let client = connected_client(config(&emulator, TransportKind::Tcp).processing_mode(mode)).await;
        let data = format!("{}/us", mode.as_str());
        let rows: [(Upstream, &str, &str); 5] = [
            (Temperature::new(5).into(), data.as_str(), "211,5"),
            (
                PlatformEvent::new("c8y_Door", "open").unwrap().into(),
                data.as_str(),
                "400,c8y_Door,open",
            ),
            (
                CriticalAlarm::new("c8y_Heat").unwrap().into(),
                "s/us",
                "301,c8y_Heat",
            ),
            (Hardware::new().with_model("M").into(), "s/us", "110,,M"),
            (
                SetExecuting::new("c8y_Restart").unwrap().into(),
                "s/us",
                "501,c8y_Restart",
            ),
        ];
        for (row, topic, payload) in rows {
            // The client's default mode, and the same mode asked for per call.
            client.publish(row.clone()).unwrap().await;
            client
                .publish_with(row, PublishOptions::mode(mode))
                .unwrap()
                .await;
            let sent = payloads(&emulator);
            let matching = sent
                .iter()
                .rev()
                .take(2)
                .filter(|(t, p)| t == topic && p == payload)
                .count();
            assert_eq!(matching, 2, "{mode:?} {payload}: {sent:?}");
        }
        client.close().await;
    }
}

/// The last will is in CONNECT, and the platform executes it as the device's publish when the
/// connection ends without DISCONNECT (docs/protocol.md §1.6); a clean close sends none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_will_is_executed_on_an_unclean_end_only() {
    use c8y_mqtt::templates::upstream::Event as PlatformEvent;
    use c8y_mqtt_emulator::model::RecordFilter;

    let emulator = emulator().await;
    let will = PlatformEvent::new("c8y_ConnectionEvent", "Device connection was lost.").unwrap();
    let builder = config(&emulator, TransportKind::Tcp).last_will(will);
    let client = connected_client(builder.clone()).await;
    emulator.drop_connection(DEVICE);
    let executed = expect_publish(
        &emulator,
        "s/us",
        "400,c8y_ConnectionEvent,Device connection was lost.",
    )
    .await;
    assert_eq!(executed.session.device_id, DEVICE);
    // Stored once the platform processed it (a change of the platform model wakes the wait).
    let connection_events = || emulator.platform_events(&RecordFilter::all().of_type("c8y_ConnectionEvent"));
    emulator
        .wait_for_managed_object(DEVICE, |_| !connection_events().is_empty(), WAIT)
        .await
        .expect("the will's event stored");
    let events = connection_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["text"], "Device connection was lost.");
    expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    expect_event(&client, is_connected).await;
    client.close().await;
    let mut ends = 0;
    emulator
        .wait_for_event(
            |e| {
                if matches!(e, EmulatorEvent::Disconnected { session, .. } if session.device_id == DEVICE) {
                    ends += 1;
                }
                ends == 2
            },
            WAIT,
        )
        .await
        .expect("the second session ended");
    let events = emulator.platform_events(&RecordFilter::all().of_type("c8y_ConnectionEvent"));
    assert_eq!(events.len(), 1, "a clean close executes no will: {events:?}");
}

/// A configuration whose CONNECT cannot fit the packet limit is refused when built, instead of
/// failing every connection attempt.
#[test]
fn a_device_id_that_cannot_fit_the_packet_is_refused_at_build() {
    let long = "d".repeat(MAX_PACKET_SIZE);
    let error = c8y_mqtt::client::Config::builder("localhost", long)
        .password(TENANT, USER, PASSWORD)
        .build()
        .unwrap_err();
    assert!(
        matches!(&error, ConfigError::Invalid { name, reason } if name == "device id" && reason.contains("16184")),
        "{error:?}"
    );
    let fits = c8y_mqtt::client::Config::builder("localhost", "d".repeat(1000))
        .password(TENANT, USER, PASSWORD)
        .build();
    assert!(fits.is_ok(), "{fits:?}");
}

/// The managed object ids of the device (asked after connect) and of a child (asked on demand),
/// from the `124` answers (docs/protocol.md §5.7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_object_ids_of_the_device_and_a_child() {
    let emulator = emulator().await;
    let client =
        connected_client(config(&emulator, TransportKind::Tcp).request_managed_object_id(true)).await;
    let event = expect_event(&client, |e| matches!(e, Event::ManagedObjectId { .. })).await;
    let expected = emulator.managed_object_by_external_id(DEVICE).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        event,
        Event::ManagedObjectId {
            device: DEVICE.to_owned(),
            id: expected.clone()
        }
    );
    assert_eq!(client.managed_object_id(), Some(expected));

    let (child, created) = client
        .device()
        .create_child("dev1_pump", "Pump", "c8y_Pump")
        .unwrap();
    created.unwrap().await;
    assert_eq!(child.managed_object_id(), None);
    child.request_managed_object_id().unwrap();
    expect_publish(&emulator, "s/us/dev1_pump", "123").await;
    let event = expect_event(&client, |e| matches!(e, Event::ManagedObjectId { .. })).await;
    let child_id = emulator.managed_object_by_external_id("dev1_pump").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        event,
        Event::ManagedObjectId {
            device: "dev1_pump".to_owned(),
            id: child_id.clone()
        }
    );
    assert_eq!(child.managed_object_id(), Some(child_id));
    client.close().await;
}
