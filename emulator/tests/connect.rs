//! Connecting: every transport, TLS trust, and each CONNACK code path.

mod common;

use c8y_mqtt_emulator::{EmulatorEvent, Principal, ProtocolVersion, Transport};
use common::*;
use rumqttc::mqttbytes::v4::Packet as WirePacket;

#[tokio::test]
async fn connects_over_every_transport() {
    let emulator = start().await;
    for (via, transport, id) in [
        (Via::Tcp, Transport::Mqtt, "d:tcp1"),
        (Via::Tls, Transport::Mqtts, "d:tls1"),
        (Via::Ws, Transport::Ws, "d:ws1"),
        (Via::Wss, Transport::Wss, "d:wss1:myTemplate"),
    ] {
        let _client = connected(&emulator, id, via).await;
        let event = emulator
            .wait_for_event(
                |e| matches!(e, EmulatorEvent::Connected(s) if s.client_id == id),
                WAIT,
            )
            .await
            .unwrap();
        let EmulatorEvent::Connected(session) = event else {
            unreachable!()
        };
        assert_eq!(session.transport, transport);
        assert_eq!(session.protocol, ProtocolVersion::V311);
        assert_eq!(session.tenant(), TENANT);
        assert_eq!(session.user(), USER);
    }
    let session = emulator
        .sessions()
        .into_iter()
        .find(|s| s.device_id == "wss1")
        .unwrap();
    assert_eq!(session.default_xid.as_deref(), Some("myTemplate"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn tls_client_that_does_not_trust_the_ca_is_refused() {
    let emulator = start().await;
    let other_ca = c8y_mqtt_emulator::Emulator::builder().start().await.unwrap();
    let mut options = options(&emulator, "d:tls2", Via::Tls);
    options.set_transport(rumqttc::Transport::tls_with_config(
        rumqttc::TlsConfiguration::Rustls(tls_config(other_ca.ca_pem().unwrap())),
    ));
    let mut client = spawn_client(options);
    let error = client.expect_disconnected().await;
    assert!(error.contains("TLS") || error.contains("certificate"), "{error}");
    assert!(emulator.sessions().is_empty());
    other_ca.shutdown().await;
    emulator.shutdown().await;
}

/// The CONNACK code a client gets with `username`/`password` and `client_id` over TCP.
async fn connack_for(client_id: &str, username: &str, password: &str) -> u8 {
    let emulator = start().await;
    let mut options = options(&emulator, client_id, Via::Tcp);
    options.set_credentials(username, password);
    let code = spawn_client(options).connack_code().await;
    if code != 0 {
        let refused = emulator
            .wait_for_event(|e| matches!(e, EmulatorEvent::Refused { .. }), WAIT)
            .await
            .unwrap();
        assert!(matches!(refused, EmulatorEvent::Refused { code: c, .. } if c == code));
    }
    emulator.shutdown().await;
    code
}

#[tokio::test]
async fn connack_codes_for_credentials() {
    assert_eq!(connack_for("d:a1", "t100/device_1", "secret-1").await, 0);
    assert_eq!(
        connack_for("d:a1", "t100/device_1", "wrong").await,
        4,
        "bad password"
    );
    assert_eq!(
        connack_for("d:a1", "t100/nobody", "secret-1").await,
        4,
        "unknown user"
    );
    assert_eq!(
        connack_for("d:a1", "t999/device_1", "secret-1").await,
        5,
        "unknown tenant"
    );
    assert_eq!(
        connack_for("d:a1", "device_1", "secret-1").await,
        5,
        "no tenant prefix"
    );
    assert_eq!(
        connack_for("d:a1", "t100/device_1", "").await,
        5,
        "empty password"
    );
}

#[tokio::test]
async fn bootstrap_user_needs_the_bootstrap_password() {
    assert_eq!(
        connack_for("1234", "management/devicebootstrap", BOOTSTRAP_PASSWORD).await,
        0
    );
    assert_eq!(
        connack_for("1234", "management/devicebootstrap", "guess").await,
        4
    );

    let emulator = start().await;
    let mut options = options(&emulator, "1234", Via::Tcp);
    options.set_credentials(emulator.bootstrap_username(), emulator.bootstrap_password());
    assert_eq!(spawn_client(options).connack_code().await, 0);
    let session = emulator.sessions().pop().unwrap();
    assert_eq!(session.principal, Principal::Bootstrap);
    assert_eq!(session.tenant(), "management");
    emulator.shutdown().await;
}

#[tokio::test]
async fn connack_2_for_bad_client_ids() {
    assert_eq!(connack_for("d:a:b:c", "t100/device_1", "secret-1").await, 2);
    assert_eq!(connack_for("x:dev:tpl", "t100/device_1", "secret-1").await, 2);
    assert_eq!(connack_for("d:", "t100/device_1", "secret-1").await, 2);
    // Device ids become topic levels and external ids: the core's ClientId refuses these.
    assert_eq!(connack_for("dev/1", "t100/device_1", "secret-1").await, 2);
    assert_eq!(connack_for("dev+1", "t100/device_1", "secret-1").await, 2);
    assert_eq!(connack_for(" dev", "t100/device_1", "secret-1").await, 2);
}

#[tokio::test]
async fn connack_2_for_an_empty_client_id() {
    let emulator = start().await;
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&packet_bytes(&WirePacket::Connect(connect_packet("", 30))))
        .await;
    assert_eq!(raw.connack_code().await, 2);
    raw.expect_closed().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn connack_5_without_clean_session() {
    let emulator = start().await;
    let mut options = options(&emulator, "d:persistent", Via::Tcp);
    options.set_clean_session(false);
    assert_eq!(spawn_client(options).connack_code().await, 5);
    emulator.shutdown().await;
}

#[tokio::test]
async fn connack_1_for_unsupported_protocol_levels() {
    let emulator = start().await;
    let mut bytes = packet_bytes(&WirePacket::Connect(connect_packet("d:v5", 30)));
    bytes[8] = 5; // protocol level byte after "\0\x04MQTT"
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&bytes).await;
    assert_eq!(raw.connack_code().await, 1);
    raw.expect_closed().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn mqtt_31_is_accepted_and_limits_client_ids_to_23_characters() {
    let emulator = start().await;
    let id23 = "d:".to_owned() + &"x".repeat(21);
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&v31_connect_bytes(&connect_packet(&id23, 30))).await;
    assert_eq!(raw.connack_code().await, 0);
    let session = emulator.sessions().pop().unwrap();
    assert_eq!(session.protocol, ProtocolVersion::V31);
    assert_eq!(session.device_id, "x".repeat(21));

    let id24 = "d:".to_owned() + &"y".repeat(22);
    let mut raw = RawClient::connect(&emulator).await;
    raw.send(&v31_connect_bytes(&connect_packet(&id24, 30))).await;
    assert_eq!(raw.connack_code().await, 5);
    raw.expect_closed().await;

    // 3.1.1 has no such limit.
    let _client = connected(&emulator, &id24, Via::Tcp).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn websocket_needs_the_mqtt_path() {
    let emulator = start().await;
    let port = emulator.addrs().ws.unwrap().port();
    let mut options = rumqttc::MqttOptions::new("d:wspath", format!("ws://127.0.0.1:{port}/other"), port);
    options.set_transport(rumqttc::Transport::Ws);
    options.set_credentials(format!("{TENANT}/{USER}"), PASSWORD);
    let error = spawn_client(options).expect_disconnected().await;
    assert!(
        error.contains("404") || error.to_lowercase().contains("http"),
        "{error}"
    );
    emulator.shutdown().await;
}

#[test]
fn blocking_start_serves_and_shuts_down() {
    let emulator = c8y_mqtt_emulator::Emulator::builder().start_blocking().unwrap();
    let addr = emulator.handle().mqtt_addr().unwrap();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    emulator.shutdown();
}

#[tokio::test]
async fn connack_checks_run_in_the_documented_order() {
    let emulator = start().await;
    let code = |id: &str, password: &str, clean: bool| {
        let mut options = options(&emulator, id, Via::Tcp);
        options.set_credentials(format!("{TENANT}/{USER}"), password);
        options.set_clean_session(clean);
        async move { spawn_client(options).connack_code().await }
    };
    assert_eq!(
        code("d:a:b:c", "wrong", false).await,
        2,
        "client id before credentials"
    );
    assert_eq!(
        code("d:ok", "wrong", false).await,
        4,
        "credentials before clean session"
    );
    emulator.refuse_connections(None);
    assert_eq!(code("d:a:b:c", "wrong", false).await, 3, "refusal first");
    emulator.shutdown().await;
}
