//! Fault injection observable from a client: dropped connections, refused connections, withheld
//! acknowledgements.

mod common;

use std::time::Duration;

use c8y_mqtt_emulator::{DisconnectReason, PublishOrigin};
use common::*;
use rumqttc::mqttbytes::v4::LastWill;
use rumqttc::{Packet, QoS as ClientQoS};

#[tokio::test]
async fn drop_connection_closes_the_device_and_publishes_its_will() {
    let emulator = start().await;
    let mut options = options(&emulator, "d:drop1", Via::Tcp);
    options.set_last_will(LastWill::new(
        "s/us",
        "400,c8y_ConnectionEvent,lost",
        ClientQoS::AtLeastOnce,
        false,
    ));
    let mut device = spawn_client(options);
    assert_eq!(device.connack_code().await, 0);

    assert!(emulator.drop_connection("drop1"));
    device.expect_disconnected().await;
    assert_eq!(
        emulator.wait_for_disconnect("drop1", WAIT).await,
        Ok(DisconnectReason::Dropped)
    );
    let will = emulator
        .wait_for_publish(|p| p.publish.origin == PublishOrigin::LastWill, WAIT)
        .await
        .unwrap();
    assert_eq!(will.session.device_id, "drop1");
    assert!(!emulator.drop_connection("drop1"), "no longer connected");
    emulator.shutdown().await;
}

#[tokio::test]
async fn refused_connections_get_connack_3_until_cleared() {
    let emulator = start().await;
    let _before = connected(&emulator, "d:early", Via::Tcp).await;

    emulator.refuse_connections(None);
    assert_eq!(
        spawn_client(options(&emulator, "d:late", Via::Tcp))
            .connack_code()
            .await,
        3
    );
    assert_eq!(
        emulator.sessions().len(),
        1,
        "connected sessions are not affected"
    );

    emulator.accept_connections();
    let _late = connected(&emulator, "d:late", Via::Tcp).await;

    emulator.refuse_connections(Some(Duration::from_millis(300)));
    assert_eq!(
        spawn_client(options(&emulator, "d:timed", Via::Tcp))
            .connack_code()
            .await,
        3
    );
    // Retry (as a device would) until the refusal window has passed.
    let accepted = tokio::time::timeout(WAIT, async {
        loop {
            if spawn_client(options(&emulator, "d:timed", Via::Tcp))
                .connack_code()
                .await
                == 0
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await; // retry back-off
        }
    })
    .await;
    assert!(accepted.is_ok());
    emulator.shutdown().await;
}

#[tokio::test]
async fn withheld_pubacks_are_not_sent_until_resumed() {
    let emulator = start().await;
    let mut device = connected(&emulator, "d:ack1", Via::Tcp).await;
    emulator.withhold_pubacks("ack1", true);

    device
        .client
        .publish("s/us", ClientQoS::AtLeastOnce, false, "first")
        .await
        .unwrap();
    emulator
        .wait_for_publish(|p| p.publish.payload == "first".as_bytes(), WAIT)
        .await
        .unwrap();
    device
        .expect_no_incoming(|p| matches!(p, Packet::PubAck(_)))
        .await;

    emulator.withhold_pubacks("ack1", false);
    device
        .client
        .publish("s/us", ClientQoS::AtLeastOnce, false, "second")
        .await
        .unwrap();
    device.expect_incoming(|p| matches!(p, Packet::PubAck(_))).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn delayed_pubacks_arrive_after_the_delay() {
    let emulator = start().await;
    let mut device = connected(&emulator, "d:slow1", Via::Tcp).await;
    emulator.delay_pubacks("slow1", Some(Duration::from_millis(1000)));
    let started = std::time::Instant::now();
    device
        .client
        .publish("s/us", ClientQoS::AtLeastOnce, false, "late")
        .await
        .unwrap();
    device.expect_incoming(|p| matches!(p, Packet::PubAck(_))).await;
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );

    emulator.delay_pubacks("slow1", None);
    let started = std::time::Instant::now();
    device
        .client
        .publish("s/us", ClientQoS::AtLeastOnce, false, "prompt")
        .await
        .unwrap();
    device.expect_incoming(|p| matches!(p, Packet::PubAck(_))).await;
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn restart_drops_every_connection_and_serves_the_same_ports_again() {
    let emulator = start().await;
    emulator.set_user("device_2", "pw2");
    let mut device = connected(&emulator, "d:boot1", Via::Tcp).await;
    device
        .client
        .publish("s/us", ClientQoS::AtLeastOnce, false, "before")
        .await
        .unwrap();
    emulator
        .wait_for_publish(|p| p.publish.payload == "before".as_bytes(), WAIT)
        .await
        .unwrap();
    let addrs = emulator.addrs();

    emulator.restart(Duration::from_millis(100)).await.unwrap();
    device.expect_disconnected().await;
    assert_eq!(
        emulator.wait_for_disconnect("boot1", WAIT).await,
        Ok(DisconnectReason::Restart)
    );
    assert_eq!(emulator.addrs(), addrs, "same addresses");

    // Same ports, same users, same journal.
    let mut options = options(&emulator, "d:boot2", Via::Tls);
    options.set_credentials(format!("{TENANT}/device_2"), "pw2");
    assert_eq!(spawn_client(options).connack_code().await, 0);
    let _ws = connected(&emulator, "d:boot3", Via::Ws).await;
    assert_eq!(emulator.publishes().len(), 1);
    emulator.shutdown().await;
}
