//! Shared helpers for the emulator's integration tests: start an emulator, connect rumqttc
//! clients over each transport, collect their events, and speak raw MQTT where rumqttc cannot.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use c8y_mqtt_emulator::{Emulator, EmulatorHandle};
use rumqttc::tokio_rustls::rustls::pki_types::CertificateDer;
use rumqttc::tokio_rustls::rustls::pki_types::pem::PemObject;
use rumqttc::tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Packet, TlsConfiguration, Transport,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// How long any wait in a test may take before it fails.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long a test waits to conclude that something does NOT happen.
pub const QUIET: Duration = Duration::from_millis(500);

pub const TENANT: &str = "t100";
pub const USER: &str = "device_1";
pub const PASSWORD: &str = "secret-1";
pub const BOOTSTRAP_PASSWORD: &str = "boot-pw";

/// An emulator with tenant `t100`, user `device_1`/`secret-1`, all listeners on free ports.
pub async fn start() -> EmulatorHandle {
    Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .bootstrap_password(BOOTSTRAP_PASSWORD)
        .start()
        .await
        .expect("emulator starts")
}

/// Which transport a test client uses.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Tcp,
    Tls,
    Ws,
    Wss,
}

/// A rustls client configuration (ring provider) trusting the CA in `ca_pem`.
pub fn tls_config(ca_pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(cert.expect("CA PEM parses"))
            .expect("CA is a valid root");
    }
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Options for a client of `emulator` over `via`, logged in as the test user.
pub fn options(emulator: &EmulatorHandle, client_id: &str, via: Via) -> MqttOptions {
    let ca = emulator.ca_pem().expect("generated CA");
    let mut options = match via {
        Via::Tcp => {
            let addr = emulator.mqtt_addr().expect("mqtt listener");
            MqttOptions::new(client_id, addr.ip().to_string(), addr.port())
        }
        Via::Tls => {
            let addr = emulator.mqtts_addr().expect("mqtts listener");
            let mut o = MqttOptions::new(client_id, "localhost", addr.port());
            o.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls_config(
                ca,
            ))));
            o
        }
        Via::Ws => {
            let url = emulator.ws_url().expect("ws listener");
            let port = emulator.addrs().ws.expect("ws listener").port();
            let mut o = MqttOptions::new(client_id, url, port);
            o.set_transport(Transport::Ws);
            o
        }
        Via::Wss => {
            let url = emulator.wss_url().expect("wss listener");
            let port = emulator.addrs().wss.expect("wss listener").port();
            let mut o = MqttOptions::new(client_id, url, port);
            o.set_transport(Transport::Wss(TlsConfiguration::Rustls(tls_config(ca))));
            o
        }
    };
    options.set_credentials(format!("{TENANT}/{USER}"), PASSWORD);
    options.set_keep_alive(Duration::from_secs(30));
    options
}

/// A rumqttc client whose event loop runs in the background until its first error.
pub struct TestClient {
    pub client: AsyncClient,
    events: mpsc::UnboundedReceiver<Result<Event, String>>,
}

/// Starts a client with `options`.
pub fn spawn_client(options: MqttOptions) -> TestClient {
    let (client, eventloop) = AsyncClient::new(options, 16);
    let (tx, events) = mpsc::unbounded_channel();
    tokio::spawn(drive(eventloop, tx));
    TestClient { client, events }
}

async fn drive(mut eventloop: EventLoop, tx: mpsc::UnboundedSender<Result<Event, String>>) {
    loop {
        match eventloop.poll().await {
            Ok(event) => {
                if tx.send(Ok(event)).is_err() {
                    return;
                }
            }
            Err(ConnectionError::ConnectionRefused(code)) => {
                let _ = tx.send(Err(format!("refused:{}", code as u8)));
                return;
            }
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
                return;
            }
        }
    }
}

impl TestClient {
    /// Waits for the next incoming packet that `pred` accepts; panics on a connection error.
    pub async fn expect_incoming(&mut self, mut pred: impl FnMut(&Packet) -> bool) -> Packet {
        let found = tokio::time::timeout(WAIT, async {
            loop {
                match self.events.recv().await {
                    Some(Ok(Event::Incoming(packet))) if pred(&packet) => return packet,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => panic!("connection error while waiting: {e}"),
                    None => panic!("event loop ended"),
                }
            }
        })
        .await;
        found.expect("expected packet within the timeout")
    }

    /// Waits for the CONNACK and returns its code: 0 when accepted, else the refusal code.
    pub async fn connack_code(&mut self) -> u8 {
        let found = tokio::time::timeout(WAIT, async {
            loop {
                match self.events.recv().await {
                    Some(Ok(Event::Incoming(Packet::ConnAck(ack)))) => return ack.code as u8,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        return e
                            .strip_prefix("refused:")
                            .and_then(|c| c.parse().ok())
                            .unwrap_or_else(|| panic!("no CONNACK: {e}"));
                    }
                    None => panic!("event loop ended"),
                }
            }
        })
        .await;
        found.expect("CONNACK within the timeout")
    }

    /// Waits until the connection fails; returns the error text.
    pub async fn expect_disconnected(&mut self) -> String {
        let found = tokio::time::timeout(WAIT, async {
            loop {
                match self.events.recv().await {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return e,
                    None => return "event loop ended".to_owned(),
                }
            }
        })
        .await;
        found.expect("connection closed within the timeout")
    }

    /// Asserts that no incoming packet `pred` accepts arrives within [`QUIET`].
    pub async fn expect_no_incoming(&mut self, mut pred: impl FnMut(&Packet) -> bool) {
        let found = tokio::time::timeout(QUIET, async {
            loop {
                match self.events.recv().await {
                    Some(Ok(Event::Incoming(packet))) if pred(&packet) => return packet,
                    Some(_) => {}
                    None => std::future::pending::<()>().await,
                }
            }
        })
        .await;
        if let Ok(packet) = found {
            panic!("unexpected packet: {packet:?}");
        }
    }
}

/// Connects a client over `via` and waits for CONNACK 0.
pub async fn connected(emulator: &EmulatorHandle, client_id: &str, via: Via) -> TestClient {
    let mut client = spawn_client(options(emulator, client_id, via));
    assert_eq!(client.connack_code().await, 0, "connect over {via:?}");
    client
}

/// Serializes a packet with rumqttc's codec.
pub fn packet_bytes(packet: &Packet) -> BytesMut {
    let mut out = BytesMut::new();
    packet.write(&mut out, usize::MAX).expect("packet serializes");
    out
}

/// A CONNECT for `client_id` logged in as the test user, with the given keep-alive.
pub fn connect_packet(client_id: &str, keep_alive: u16) -> rumqttc::mqttbytes::v4::Connect {
    let mut connect = rumqttc::mqttbytes::v4::Connect::new(client_id);
    connect.keep_alive = keep_alive;
    connect.set_login(format!("{TENANT}/{USER}"), PASSWORD);
    connect
}

/// The bytes of an MQTT 3.1 CONNECT: the 3.1.1 packet with protocol name `MQIsdp`, level 3.
pub fn v31_connect_bytes(connect: &rumqttc::mqttbytes::v4::Connect) -> Vec<u8> {
    let v311 = packet_bytes(&Packet::Connect(connect.clone()));
    assert!(v311[1] < 126, "test CONNECTs are short");
    let mut out = vec![v311[0], v311[1] + 2];
    out.extend_from_slice(b"\x00\x06MQIsdp\x03");
    out.extend_from_slice(&v311[2 + 7..]);
    out
}

/// A raw TCP connection to the plain MQTT listener.
pub struct RawClient {
    pub stream: TcpStream,
    buf: BytesMut,
}

impl RawClient {
    pub async fn connect(emulator: &EmulatorHandle) -> Self {
        let addr = emulator.mqtt_addr().expect("mqtt listener");
        Self {
            stream: TcpStream::connect(addr).await.expect("tcp connect"),
            buf: BytesMut::new(),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// The next packet, or `None` if the server closed the connection.
    pub async fn next_packet(&mut self) -> Option<Packet> {
        let read = tokio::time::timeout(WAIT, async {
            loop {
                match Packet::read(&mut self.buf, usize::MAX) {
                    Ok(packet) => return Some(packet),
                    Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => {}
                    Err(e) => panic!("bad packet from server: {e}"),
                }
                match self.stream.read_buf(&mut self.buf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        });
        read.await.expect("server answered or closed within the timeout")
    }

    /// The CONNACK code of the server's first packet.
    pub async fn connack_code(&mut self) -> u8 {
        match self.next_packet().await {
            Some(Packet::ConnAck(ack)) => ack.code as u8,
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }

    /// Waits until the server closes the connection.
    pub async fn expect_closed(&mut self) {
        while let Some(packet) = self.next_packet().await {
            assert!(!matches!(packet, Packet::ConnAck(_)), "unexpected {packet:?}");
        }
    }
}

/// Publishes `100` for the client's device and waits until the platform created it, so the
/// client may subscribe (the platform refuses subscriptions before the device exists).
pub async fn create_device(emulator: &EmulatorHandle, device: &TestClient, device_id: &str) {
    device
        .client
        .publish("s/us", rumqttc::QoS::AtLeastOnce, false, "100")
        .await
        .expect("publish 100");
    emulator
        .wait_for_managed_object(device_id, |_| true, WAIT)
        .await
        .expect("device created");
}
