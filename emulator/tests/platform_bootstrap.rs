//! Bootstrap (docs/protocol.md §3): the request state machine driven by empty `s/ucr` polls, operator
//! acceptance, the `70` line on `s/dcr`, the device user it creates, and unknown ids.

mod common;
mod platform_support;

use c8y_mqtt_emulator::model::{AcceptError, DeviceRequestStatus};
use common::{TestClient, WAIT, spawn_client};
use platform_support::*;
use rumqttc::Packet;

async fn bootstrap_session(emulator: &c8y_mqtt_emulator::EmulatorHandle, id: &str) -> TestClient {
    let options = tcp_options(emulator, id, "management/devicebootstrap", BOOTSTRAP_PASSWORD);
    let mut client = spawn_client(options);
    assert_eq!(client.connack_code().await, 0);
    subscribe(&mut client, "s/dcr").await;
    client
}

#[tokio::test]
async fn registered_device_goes_through_every_state_and_gets_the_same_credentials_again() {
    let emulator = start_with(&[]).await;
    let request = emulator.register_device("5678").unwrap();
    assert_eq!(request.status, DeviceRequestStatus::WaitingForConnection);
    assert_eq!(
        emulator.accept_device_request("5678"),
        Err(AcceptError::NotPolled("5678".to_owned())),
        "the UI accepts only requests the device polled for"
    );
    assert_eq!(
        emulator.accept_device_request("nope"),
        Err(AcceptError::Unknown("nope".to_owned()))
    );
    let mut boot = bootstrap_session(&emulator, "5678").await;
    publish(&boot, "s/ucr", "").await;
    emulator
        .wait_for_device_request("5678", DeviceRequestStatus::PendingAcceptance, WAIT)
        .await
        .unwrap();
    boot.expect_no_incoming(|p| matches!(p, Packet::Publish(_))).await;
    emulator.accept_device_request("5678").unwrap();
    publish(&boot, "s/ucr", "").await;
    let first = next_on(&mut boot, "s/dcr").await;
    publish(&boot, "s/ucr", "").await;
    let second = next_on(&mut boot, "s/dcr").await;
    assert_eq!(first, second);
    let password = first
        .strip_prefix("70,t12345,device_5678,")
        .expect("70 line with tenant and user")
        .to_owned();
    assert!(password.len() >= 16 && password.chars().all(|c| c.is_ascii_alphanumeric()));
    let request = &emulator.device_requests()[0];
    assert_eq!(request.status, DeviceRequestStatus::Accepted);
    assert_eq!(
        request.credentials,
        Some(("device_5678".to_owned(), password.clone()))
    );
    assert!(
        emulator
            .users()
            .iter()
            .any(|u| u.name == "device_5678" && u.password == password),
        "the device user is in the MQTT layer's credential store"
    );
    // a bootstrap session's other publishes change nothing
    publish(&boot, "s/us", "100").await;
    publish(&boot, "s/ucr", "").await;
    next_on(&mut boot, "s/dcr").await;
    assert!(emulator.managed_object_by_external_id("5678").is_none());
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_poll_for_an_unregistered_id_registers_it_pending_acceptance() {
    let emulator = start_with(&[]).await;
    let mut boot = bootstrap_session(&emulator, "stranger").await;
    publish(&boot, "s/ucr", "").await;
    emulator
        .wait_for_device_request("stranger", DeviceRequestStatus::PendingAcceptance, WAIT)
        .await
        .unwrap();
    boot.expect_no_incoming(|p| matches!(p, Packet::Publish(_))).await;
    emulator.accept_device_request("stranger").unwrap();
    publish(&boot, "s/ucr", "").await;
    assert!(
        next_on(&mut boot, "s/dcr")
            .await
            .starts_with("70,t12345,device_stranger,")
    );
    emulator.shutdown().await;
}
