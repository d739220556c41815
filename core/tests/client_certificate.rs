//! X.509 client-certificate login with the client: a certificate from a CA the tenant trusts
//! logs in without a password (CN = device id); a certificate for another device is refused
//! with CONNACK 5 and the client stops.

mod client_support;

use c8y_mqtt::client::{
    Client, ClientError, Config, ConnackRefusal, ConnectError, Credentials, DEFAULT_NOT_AUTHORIZED_RETRIES,
    Secret, TransportKind, TrustRoots,
};
use c8y_mqtt::templates::upstream::Temperature;
use c8y_mqtt_emulator::{Emulator, EmulatorEvent, EmulatorHandle, Principal};
use client_support::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

fn device_ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, "device CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// PEM chain (leaf, CA) and PEM key of a device certificate for `cn`.
fn device_cert(ca: &CertifiedIssuer<'static, KeyPair>, cn: &str) -> Credentials {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    Credentials::Certificate {
        chain_pem: format!("{}{}", cert.pem(), ca.pem()),
        key_pem: Secret::new(key.serialize_pem()),
    }
}

fn cert_config(emulator: &EmulatorHandle, credentials: Credentials) -> Config {
    Config::builder("localhost", DEVICE)
        .port(emulator.mqtts_addr().unwrap().port())
        .transport(TransportKind::Tls)
        .credentials(credentials)
        .trust(TrustRoots::CaPem(emulator.ca_pem().unwrap().to_owned()))
        .reconnect(fast_reconnect())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_login_and_refusal() {
    let ca = device_ca();
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .trusted_device_ca(ca.pem())
        .start()
        .await
        .unwrap();

    let client = Client::start(cert_config(&emulator, device_cert(&ca, DEVICE))).unwrap();
    client.wait_connected(WAIT).await.expect("certificate login");
    client.publish(Temperature::new(30)).unwrap();
    let publish = expect_publish(&emulator, "s/us", "211,30").await;
    assert!(matches!(publish.session.principal, Principal::Certificate { .. }));
    client.close().await;

    let client = Client::start(cert_config(&emulator, device_cert(&ca, "someone-else"))).unwrap();
    let refused = ConnectError::Refused {
        refusal: ConnackRefusal::NotAuthorized,
    };
    assert_eq!(
        client.wait_connected(WAIT).await,
        Err(ClientError::Stopped(refused))
    );
    // The emulator records the refusal after sending CONNACK; wait for it, then make sure the
    // client did not try again.
    emulator
        .wait_for_event(|e| matches!(e, EmulatorEvent::Refused { code: 5, .. }), WAIT)
        .await
        .expect("refusal recorded");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let refusals = emulator
        .events()
        .iter()
        .filter(|e| matches!(e, EmulatorEvent::Refused { code: 5, .. }))
        .count();
    // CONNACK 5 may be transient (docs/protocol.md §1.5): retried a few times, then the client
    // stops.
    assert_eq!(refusals, 1 + DEFAULT_NOT_AUTHORIZED_RETRIES as usize);

    let debug = format!("{:?}", cert_config(&emulator, device_cert(&ca, DEVICE)));
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
}
