//! Interop against a real broker: the client publishes QoS 0, 1 and 2 through mosquitto over
//! TCP, TLS (verified against a CA generated here) and WebSocket, and a plain rumqttc subscriber
//! on the same broker receives every message byte for byte with its QoS.
//!
//! `make test` installs mosquitto (`make deps`); without it this test fails with a message
//! saying so, it never skips. The broker runs on free loopback ports with a generated
//! configuration and is killed when the test ends.

use std::io::Write;
use std::net::TcpStream as StdTcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use c8y_mqtt::QoS;
use c8y_mqtt::client::{Client, Config, DeliveryOutcome, ReconnectPolicy, TransportKind, TrustRoots};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(15);

/// The mosquitto binary: on PATH, or Debian's `/usr/sbin/mosquitto` (not on a user's PATH).
fn mosquitto_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("mosquitto"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([
            PathBuf::from("/usr/sbin/mosquitto"),
            PathBuf::from("/usr/local/sbin/mosquitto"),
        ])
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "mosquitto not found (PATH, /usr/sbin, /usr/local/sbin): this interop test needs it. \
                 Run `make deps` (apt-get install -y mosquitto) or install it by hand."
            )
        })
}

/// A free loopback port (bound, then released for mosquitto).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running mosquitto; killed (and reaped) on drop.
struct Broker {
    child: Child,
    dir: PathBuf,
    tcp: u16,
    tls: u16,
    ws: u16,
    ca_pem: String,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Broker {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default()
    }
}

fn write(path: &Path, text: &str) {
    let mut file = std::fs::File::create(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// Generates a CA and a `localhost` server certificate, writes the configuration and starts
/// mosquitto; waits until every listener accepts connections.
fn start_broker() -> Broker {
    let binary = mosquitto_binary();
    let dir = std::env::temp_dir().join(format!("c8y-mosquitto-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "interop test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut server_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let server_key = KeyPair::generate().unwrap();
    let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
    write(&dir.join("ca.pem"), &ca.pem());
    write(&dir.join("server.pem"), &server_cert.pem());
    write(&dir.join("server.key"), &server_key.serialize_pem());

    let (tcp, tls, ws) = (free_port(), free_port(), free_port());
    let path = |name: &str| dir.join(name).display().to_string();
    let conf = format!(
        "per_listener_settings false\nallow_anonymous true\npersistence false\n\
         log_dest file {log}\nlog_type all\n\
         listener {tcp} 127.0.0.1\n\
         listener {tls} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n\
         listener {ws} 127.0.0.1\nprotocol websockets\n",
        log = path("mosquitto.log"),
        ca = path("ca.pem"),
        cert = path("server.pem"),
        key = path("server.key"),
    );
    write(&dir.join("mosquitto.conf"), &conf);
    // Running as root, mosquitto drops to its own user: let it read the files and write the log.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777));
    }

    let child = Command::new(&binary)
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let mut broker = Broker {
        child,
        dir,
        tcp,
        tls,
        ws,
        ca_pem: ca.pem(),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    for port in [tcp, tls, ws] {
        while StdTcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = broker.child.try_wait() {
                panic!("mosquitto exited with {status}; log:\n{}", broker.log());
            }
            assert!(
                Instant::now() < deadline,
                "mosquitto does not listen on {port}; log:\n{}",
                broker.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    broker
}

/// A plain rumqttc subscriber on `s/us` (QoS 2) over TCP; forwards (payload, QoS) once
/// subscribed.
async fn subscriber(port: u16) -> (AsyncClient, mpsc::UnboundedReceiver<(Vec<u8>, rumqttc::QoS)>) {
    let mut options = MqttOptions::new("interop-subscriber", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut eventloop) = AsyncClient::new(options, 10);
    client.subscribe("s/us", rumqttc::QoS::ExactlyOnce).await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut subscribed = Some(subscribed_tx);
        loop {
            match eventloop.poll().await {
                Ok(MqttEvent::Incoming(Packet::SubAck(_))) => {
                    if let Some(s) = subscribed.take() {
                        let _ = s.send(());
                    }
                }
                Ok(MqttEvent::Incoming(Packet::Publish(p))) => {
                    let _ = tx.send((p.payload.to_vec(), p.qos));
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    tokio::time::timeout(WAIT, subscribed_rx)
        .await
        .expect("SUBACK in time")
        .unwrap();
    (client, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_reach_a_mosquitto_subscriber_byte_exact_over_tcp_tls_and_ws() {
    let broker = start_broker();
    let (_sub, mut received) = subscriber(broker.tcp).await;
    let transports = [
        (TransportKind::Tcp, "127.0.0.1", broker.tcp),
        (TransportKind::Tls, "localhost", broker.tls),
        (TransportKind::Ws, "127.0.0.1", broker.ws),
    ];
    for (transport, host, port) in transports {
        let config = Config::builder(host, "interop-device")
            .port(port)
            .transport(transport)
            .password("t1", "device_interop", "unused-by-mosquitto")
            .trust(TrustRoots::CaPem(broker.ca_pem.clone()))
            .reconnect(ReconnectPolicy {
                initial_delay: Duration::from_millis(50),
                ..ReconnectPolicy::default()
            })
            .build()
            .unwrap();
        let client = Client::start(config).unwrap();
        client
            .wait_connected(WAIT)
            .await
            .unwrap_or_else(|e| panic!("{transport:?}: {e}; broker log:\n{}", broker.log()));
        let cases = [
            (QoS::AtMostOnce, rumqttc::QoS::AtMostOnce, DeliveryOutcome::Sent),
            (
                QoS::AtLeastOnce,
                rumqttc::QoS::AtLeastOnce,
                DeliveryOutcome::Acknowledged,
            ),
            (
                QoS::ExactlyOnce,
                rumqttc::QoS::ExactlyOnce,
                DeliveryOutcome::Acknowledged,
            ),
        ];
        for (qos, wire_qos, outcome) in cases {
            let payload = format!("200,c8y_Interop,\"{transport:?}, q{qos:?}\",ünï €,\"a\"\"b\"\n211,-3.5");
            let delivery = client.publish_raw("s/us", payload.clone(), qos).unwrap();
            let got = tokio::time::timeout(WAIT, delivery.outcome()).await;
            assert_eq!(got, Ok(outcome), "{transport:?} {qos:?}");
            // The client's own `100` (device creation) and `500` (pending operations) are
            // routed as well; skip them.
            let message = tokio::time::timeout(WAIT, async {
                loop {
                    let message = received.recv().await.expect("subscriber runs");
                    if message.0 != b"500" && !message.0.starts_with(b"100,") {
                        return message;
                    }
                }
            })
            .await
            .unwrap_or_else(|_| panic!("{transport:?} {qos:?} not received; log:\n{}", broker.log()));
            assert_eq!(message, (payload.into_bytes(), wire_qos), "{transport:?} {qos:?}");
        }
        client.close().await;
    }
    drop(broker);
}
