//! Getting subscribed at the edges a new device meets: a device that does not exist yet, one
//! deleted while its client was offline, subscriptions refused until it exists, and the
//! connection errors a timed-out wait reports.

mod client_support;

use std::time::Duration;

use c8y_mqtt::client::{
    Client, ClientError, Config, ConfigBuilder, ConnectError, ConnectionState, DEFAULT_DEVICE_TYPE, Event,
    TransportKind,
};
use c8y_mqtt::templates::upstream::Temperature;
use c8y_mqtt_emulator::{EmulatorEvent, EmulatorHandle};
use client_support::*;
use serde_json::json;

/// A configuration with the SDK's defaults: no device creation configured by the test.
fn default_config(emulator: &EmulatorHandle) -> ConfigBuilder {
    let port = emulator.mqtt_addr().expect("mqtt").port();
    Config::builder("127.0.0.1", DEVICE)
        .port(port)
        .transport(TransportKind::Tcp)
        .password(TENANT, USER, PASSWORD)
        .reconnect(fast_reconnect())
}

/// Creates a static `c8y_Restart` for the device and waits for the client to hand it over.
async fn restart_arrives(emulator: &EmulatorHandle, client: &Client) {
    emulator
        .create_operation(DEVICE, json!({"c8y_Restart": {}}))
        .expect("operation created");
    let event = expect_event(client, |e| matches!(e, Event::Operation(_))).await;
    let Event::Operation(op) = event else {
        unreachable!()
    };
    assert_eq!(op.fragment, "c8y_Restart");
    assert_eq!(op.device, DEVICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_device_with_default_options_receives_operations() {
    let emulator = emulator().await;
    assert!(emulator.managed_object_by_external_id(DEVICE).is_none());
    let client = connected_client(default_config(&emulator)).await;
    let device = emulator
        .managed_object_by_external_id(DEVICE)
        .expect("created at start-up");
    assert_eq!(device["name"], DEVICE, "{device}");
    assert_eq!(device["type"], DEFAULT_DEVICE_TYPE, "{device}");
    let refused = emulator
        .events()
        .into_iter()
        .filter(|e| matches!(e, EmulatorEvent::Subscribed { granted: None, .. }))
        .count();
    assert_eq!(refused, 0, "subscribed only after the device existed");
    expect_publish(&emulator, "s/us", &format!("100,{DEVICE},{DEFAULT_DEVICE_TYPE}")).await;
    restart_arrives(&emulator, &client).await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_deleted_while_offline_is_created_again_and_receives_operations() {
    let emulator = emulator().await;
    let client = connected_client(default_config(&emulator)).await;
    emulator.refuse_connections(None);
    assert!(emulator.drop_connection(DEVICE));
    expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    assert!(emulator.delete_device(DEVICE));
    emulator.accept_connections();
    expect_event(&client, is_connected).await;
    assert!(emulator.managed_object_by_external_id(DEVICE).is_some());
    restart_arrives(&emulator, &client).await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_subscriptions_are_reported_and_retried_until_the_device_exists() {
    let emulator = emulator().await;
    let client = Client::start(default_config(&emulator).skip_device_creation().build().unwrap()).unwrap();
    let event = expect_event(&client, |e| matches!(e, Event::SubscriptionRefused { .. })).await;
    assert_eq!(
        event,
        Event::SubscriptionRefused {
            topic: "s/ds".to_owned(),
            return_code: 0x80
        }
    );
    let state = expect_event(&client, |e| {
        matches!(
            e,
            Event::ConnectionState(ConnectionState::SubscriptionsRefused { .. })
        )
    })
    .await;
    let Event::ConnectionState(ConnectionState::SubscriptionsRefused { topics, .. }) = state else {
        unreachable!()
    };
    assert_eq!(topics, ["s/ds", "s/e"]);
    assert_ne!(client.state(), ConnectionState::Connected);

    // Not connected while s/ds is refused; the refusal is the cause of the timeout.
    let error = client
        .wait_connected(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ClientError::ConnectTimeout {
            timeout: Duration::from_millis(200),
            last_error: Some(ConnectError::SubscriptionsRefused {
                topics: vec!["s/ds".to_owned(), "s/e".to_owned()]
            }),
        }
    );
    assert!(std::error::Error::source(&error).is_some());

    // Data still flows, and creates the device (docs/protocol.md §5.1); the retry then succeeds.
    client.publish(Temperature::new(20)).unwrap().await;
    client
        .wait_connected(WAIT)
        .await
        .expect("subscribed once the device exists");
    expect_publish(&emulator, "s/us", "500").await;
    restart_arrives(&emulator, &client).await;
    assert!(
        !payloads(&emulator).iter().any(|(_, p)| p.starts_with("100")),
        "device creation was turned off"
    );
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_carries_the_last_connection_error() {
    let emulator = emulator().await;
    emulator.refuse_connections(None);
    let client = Client::start(default_config(&emulator).build().unwrap()).unwrap();
    expect_event(&client, |e| {
        matches!(e, Event::ConnectionState(ConnectionState::Disconnected { .. }))
    })
    .await;
    let error = client
        .wait_connected(Duration::from_millis(100))
        .await
        .unwrap_err();
    let ClientError::ConnectTimeout {
        last_error: Some(cause),
        ..
    } = &error
    else {
        panic!("expected a timeout with a cause: {error:?}");
    };
    assert!(
        matches!(cause, ConnectError::Refused { refusal } if refusal.code() == 3),
        "{cause:?}"
    );
    let source = std::error::Error::source(&error).expect("source chain");
    assert_eq!(source.to_string(), cause.to_string());
    client.close().await;
}
