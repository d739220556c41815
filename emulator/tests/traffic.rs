//! Publishes both ways: QoS 0/1/2 from devices reach the platform, server → device publishes go
//! only to subscribed sessions at the subscription's QoS, and upstream topics cannot be
//! subscribed to. Also the `Platform` plug-in.

mod common;

use std::sync::{Arc, Mutex};

use c8y_mqtt::QoS;
use c8y_mqtt_emulator::{
    Connections, DevicePublish, Emulator, EmulatorEvent, Platform, PublishOrigin, SessionInfo,
    UndeliveredReason,
};
use common::*;
use rumqttc::{Packet, QoS as ClientQoS, SubscribeReasonCode};

#[tokio::test]
async fn device_publishes_of_every_qos_reach_the_platform() {
    let emulator = start().await;
    let mut device = connected(&emulator, "d:q1", Via::Tcp).await;
    for (qos, payload) in [
        (ClientQoS::AtMostOnce, "200,c8y_T,T,1"),
        (ClientQoS::AtLeastOnce, "200,c8y_T,T,2"),
        (ClientQoS::ExactlyOnce, "200,c8y_T,T,3"),
    ] {
        // retain is ignored: accepted like any publish
        device.client.publish("s/us", qos, true, payload).await.unwrap();
        let received = emulator
            .wait_for_publish(|p| p.publish.payload == payload.as_bytes(), WAIT)
            .await
            .unwrap();
        assert_eq!(received.session.device_id, "q1");
        assert_eq!(received.session.tenant(), TENANT);
        assert_eq!(received.publish.topic, "s/us");
        assert_eq!(received.publish.qos as u8, qos as u8);
        assert_eq!(received.publish.origin, PublishOrigin::Device);
        match qos {
            ClientQoS::AtLeastOnce => {
                device.expect_incoming(|p| matches!(p, Packet::PubAck(_))).await;
            }
            ClientQoS::ExactlyOnce => {
                device.expect_incoming(|p| matches!(p, Packet::PubComp(_))).await;
            }
            ClientQoS::AtMostOnce => {}
        }
    }
    assert_eq!(
        emulator.publishes().len(),
        3,
        "each publish is processed exactly once"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn server_publishes_are_delivered_at_the_subscribed_qos() {
    let emulator = start().await;
    let mut device = connected(&emulator, "d:sub1", Via::Ws).await;

    assert_eq!(
        emulator.publish_to("sub1", "s/ds", "510,sub1", QoS::ExactlyOnce),
        Err(UndeliveredReason::NotSubscribed)
    );
    assert_eq!(
        emulator.publish_to("nobody", "s/ds", "510,nobody", QoS::AtMostOnce),
        Err(UndeliveredReason::NotConnected)
    );
    let undelivered = emulator
        .events()
        .into_iter()
        .filter(|e| matches!(e, EmulatorEvent::Undelivered { .. }));
    assert_eq!(undelivered.count(), 2);

    // the platform accepts subscriptions once the device exists
    create_device(&emulator, &device, "sub1").await;
    device
        .client
        .subscribe("s/ds", ClientQoS::AtLeastOnce)
        .await
        .unwrap();
    device
        .client
        .subscribe("s/e", ClientQoS::ExactlyOnce)
        .await
        .unwrap();
    device.expect_incoming(|p| matches!(p, Packet::SubAck(_))).await;
    device.expect_incoming(|p| matches!(p, Packet::SubAck(_))).await;

    assert_eq!(
        emulator.publish_to("sub1", "s/ds", "510,sub1", QoS::ExactlyOnce),
        Ok(QoS::AtLeastOnce)
    );
    let Packet::Publish(publish) = device.expect_incoming(|p| matches!(p, Packet::Publish(_))).await else {
        unreachable!()
    };
    assert_eq!(
        (publish.topic.as_str(), publish.payload.as_ref()),
        ("s/ds", b"510,sub1".as_ref())
    );
    assert_eq!(publish.qos, ClientQoS::AtLeastOnce);
    assert!(!publish.retain);

    assert_eq!(
        emulator.publish_to("sub1", "s/e", "40,,oops", QoS::ExactlyOnce),
        Ok(QoS::ExactlyOnce)
    );
    let Packet::Publish(publish) = device.expect_incoming(|p| matches!(p, Packet::Publish(_))).await else {
        unreachable!()
    };
    assert_eq!(publish.qos, ClientQoS::ExactlyOnce);
    // both exchanges complete: PUBACK for the QoS 1 publish, PUBREC/PUBREL/PUBCOMP for QoS 2
    for (topic, qos) in [("s/ds", QoS::AtLeastOnce), ("s/e", QoS::ExactlyOnce)] {
        let acked = EmulatorEvent::Acknowledged {
            tenant: TENANT.to_owned(),
            device_id: "sub1".to_owned(),
            topic: topic.to_owned(),
            qos,
        };
        emulator.wait_for_event(|e| *e == acked, WAIT).await.unwrap();
    }
    assert_eq!(
        emulator.publish_to("sub1", "s/ds", "x", QoS::AtMostOnce),
        Ok(QoS::AtMostOnce)
    );
    let Packet::Publish(publish) = device.expect_incoming(|p| matches!(p, Packet::Publish(_))).await else {
        unreachable!()
    };
    assert_eq!(publish.qos, ClientQoS::AtMostOnce);

    // only exact subscriptions count
    assert_eq!(
        emulator.publish_to("sub1", "s/dc/xid", "x", QoS::AtMostOnce),
        Err(UndeliveredReason::NotSubscribed)
    );
    device.client.unsubscribe("s/ds").await.unwrap();
    device.expect_incoming(|p| matches!(p, Packet::UnsubAck(_))).await;
    assert_eq!(
        emulator.publish_to("sub1", "s/ds", "x", QoS::AtMostOnce),
        Err(UndeliveredReason::NotSubscribed)
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn subscribing_to_upstream_topics_is_refused() {
    let emulator = start().await;
    let mut device = connected(&emulator, "d:up1", Via::Tls).await;
    device
        .client
        .subscribe("s/us", ClientQoS::AtLeastOnce)
        .await
        .unwrap();
    let Packet::SubAck(ack) = device.expect_incoming(|p| matches!(p, Packet::SubAck(_))).await else {
        unreachable!()
    };
    assert_eq!(ack.return_codes, vec![SubscribeReasonCode::Failure]);
    create_device(&emulator, &device, "up1").await;
    device
        .client
        .subscribe("s/ds", ClientQoS::ExactlyOnce)
        .await
        .unwrap();
    let Packet::SubAck(ack) = device.expect_incoming(|p| matches!(p, Packet::SubAck(_))).await else {
        unreachable!()
    };
    assert_eq!(
        ack.return_codes,
        vec![SubscribeReasonCode::Success(ClientQoS::ExactlyOnce)]
    );
    assert_eq!(
        emulator.publish_to("up1", "s/us", "x", QoS::AtMostOnce),
        Err(UndeliveredReason::NotSubscribed)
    );
    emulator.shutdown().await;
}

/// A platform that answers every `s/us` publish with the same payload on `s/ds`.
#[derive(Default)]
struct EchoPlatform {
    connections: Mutex<Option<Arc<dyn Connections>>>,
    connects: Mutex<Vec<String>>,
}

impl Platform for EchoPlatform {
    fn attach(&self, connections: Arc<dyn Connections>) {
        *self.connections.lock().unwrap() = Some(connections);
    }

    fn on_connect(&self, session: &SessionInfo) {
        self.connects.lock().unwrap().push(session.device_id.clone());
    }

    fn on_publish(&self, session: &SessionInfo, publish: &DevicePublish) {
        if let Some(connections) = &*self.connections.lock().unwrap() {
            let _ = connections.publish_to(
                session.tenant(),
                &session.device_id,
                "s/ds",
                publish.payload.clone(),
                QoS::AtLeastOnce,
            );
        }
    }

    fn authorize_subscribe(&self, _session: &SessionInfo, topic: &str) -> bool {
        topic != "s/dt"
    }
}

#[tokio::test]
async fn a_platform_plugs_in_and_answers_devices() {
    let platform = Arc::new(EchoPlatform::default());
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .platform(platform.clone())
        .start()
        .await
        .unwrap();
    let mut device = connected(&emulator, "d:echo1", Via::Tcp).await;
    assert_eq!(*platform.connects.lock().unwrap(), vec!["echo1".to_owned()]);
    device
        .client
        .subscribe("s/ds", ClientQoS::AtLeastOnce)
        .await
        .unwrap();
    device.expect_incoming(|p| matches!(p, Packet::SubAck(_))).await;
    device
        .client
        .subscribe("s/dt", ClientQoS::AtLeastOnce)
        .await
        .unwrap();
    let Packet::SubAck(ack) = device.expect_incoming(|p| matches!(p, Packet::SubAck(_))).await else {
        unreachable!()
    };
    assert_eq!(
        ack.return_codes,
        vec![SubscribeReasonCode::Failure],
        "platform refused"
    );

    device
        .client
        .publish("s/us", ClientQoS::AtLeastOnce, false, "hello")
        .await
        .unwrap();
    let Packet::Publish(publish) = device.expect_incoming(|p| matches!(p, Packet::Publish(_))).await else {
        unreachable!()
    };
    assert_eq!(
        (publish.topic.as_str(), publish.payload.as_ref()),
        ("s/ds", b"hello".as_ref())
    );
    emulator.shutdown().await;
}
