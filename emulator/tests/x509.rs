//! X.509 device login on the MQTT/TLS port: a certificate from the tenant's trusted CA logs in
//! without a password; its Common Name must be the device id.

mod common;

use std::sync::Arc;

use c8y_mqtt_emulator::{Emulator, EmulatorHandle, Principal};
use common::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rumqttc::tokio_rustls::rustls::pki_types::pem::PemObject;
use rumqttc::tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rumqttc::tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use rumqttc::{MqttOptions, TlsConfiguration, Transport};

fn device_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A client TLS configuration trusting the emulator and presenting a certificate for `cn`.
fn client_config(
    emulator: &EmulatorHandle,
    ca: &CertifiedIssuer<'static, KeyPair>,
    cn: &str,
) -> Arc<ClientConfig> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(emulator.ca_pem().unwrap().as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![cert.der().clone(), ca.der().clone()],
            PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    Arc::new(config)
}

fn cert_options(emulator: &EmulatorHandle, client_id: &str, config: Arc<ClientConfig>) -> MqttOptions {
    let mut options = MqttOptions::new(client_id, "localhost", emulator.mqtts_addr().unwrap().port());
    options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(config)));
    options
}

async fn start_trusting(ca: &CertifiedIssuer<'static, KeyPair>) -> EmulatorHandle {
    Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .trusted_device_ca(ca.pem())
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_certificate_from_the_trusted_ca_logs_in_as_device_cn() {
    let ca = device_ca("tenant device CA");
    let emulator = start_trusting(&ca).await;
    let config = client_config(&emulator, &ca, "dev42");
    let mut device = spawn_client(cert_options(&emulator, "d:dev42", config));
    assert_eq!(device.connack_code().await, 0);
    let session = emulator.sessions().pop().unwrap();
    assert_eq!(
        session.principal,
        Principal::Certificate {
            tenant: TENANT.to_owned(),
            user: "device_dev42".to_owned()
        }
    );
    // Password login keeps working on the same port.
    let _password = connected(&emulator, "d:pw1", Via::Tls).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_common_name_must_be_the_device_id() {
    let ca = device_ca("tenant device CA");
    let emulator = start_trusting(&ca).await;
    let config = client_config(&emulator, &ca, "dev42");
    let mut options = cert_options(&emulator, "d:someone-else", config);
    // A correct password does not help: the certificate is tried first.
    options.set_credentials(format!("{TENANT}/{USER}"), PASSWORD);
    assert_eq!(spawn_client(options).connack_code().await, 5);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_fails_the_handshake() {
    let trusted = device_ca("tenant device CA");
    let emulator = start_trusting(&trusted).await;
    let config = client_config(&emulator, &device_ca("rogue CA"), "dev42");
    let error = spawn_client(cert_options(&emulator, "d:dev42", config))
        .expect_disconnected()
        .await;
    assert!(!error.starts_with("refused:"), "{error}");
    assert!(emulator.sessions().is_empty());
    emulator.shutdown().await;
}

#[tokio::test]
async fn without_trusted_cas_certificates_are_not_requested() {
    let emulator = start().await;
    let config = client_config(&emulator, &device_ca("some CA"), "dev42");
    // The server does not ask for a certificate, so this is a password-less login: CONNACK 5.
    assert_eq!(
        spawn_client(cert_options(&emulator, "d:dev42", config))
            .connack_code()
            .await,
        5
    );
    emulator.shutdown().await;
}

/// Tenants `t100` (default) and `t2` with an administrator each, the control API, no trusted CA.
async fn start_two_tenants() -> (EmulatorHandle, String) {
    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .user("admin", "admin-pw")
        .tenant_user("t2", "admin", "admin-pw")
        .http_port(Some(0))
        .start()
        .await
        .unwrap();
    let base = format!("http://{}", emulator.http_addr().unwrap());
    (emulator, base)
}

async fn http(
    base: &str,
    login: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .basic_auth(login, Some("admin-pw"))
        .header("Accept", "application/json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn trusted_certificates_are_managed_per_tenant_at_run_time() {
    let (emulator, base) = start_two_tenants().await;
    let ca = device_ca("t2 device CA");
    let path = "/tenant/tenants/t2/trusted-certificates";
    // Another tenant's administrator may not touch t2's certificates.
    let body = serde_json::json!({"certInPemFormat": ca.pem(), "autoRegistrationEnabled": true});
    let (status, _) = http(
        &base,
        &format!("{TENANT}/admin"),
        reqwest::Method::GET,
        path,
        None,
    )
    .await;
    assert_eq!(
        status,
        reqwest::StatusCode::OK,
        "the management tenant's administrator may"
    );
    let (status, _) = http(
        &base,
        "t2/admin",
        reqwest::Method::GET,
        "/tenant/tenants/t100/trusted-certificates",
        None,
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);

    let (status, added) = http(&base, "t2/admin", reqwest::Method::POST, path, Some(body)).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{added}");
    let fingerprint = added["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(emulator.trusted_certificates("t2").len(), 1);
    assert!(emulator.trusted_certificates(TENANT).is_empty());

    // A device of that CA logs in to t2, without a password, as device_<CN>.
    let mut device = spawn_client(cert_options(
        &emulator,
        "d:dev7",
        client_config(&emulator, &ca, "dev7"),
    ));
    assert_eq!(device.connack_code().await, 0);
    let session = emulator.sessions().pop().unwrap();
    assert_eq!(
        session.principal,
        Principal::Certificate {
            tenant: "t2".to_owned(),
            user: "device_dev7".to_owned()
        }
    );

    // Removed: the next handshake with that certificate fails (certificates are still
    // requested, for another tenant's CA).
    emulator
        .trust_certificate(TENANT, &device_ca("t100 device CA").pem(), true)
        .unwrap();
    let (status, _) = http(
        &base,
        "t2/admin",
        reqwest::Method::DELETE,
        &format!("{path}/{fingerprint}"),
        None,
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::NO_CONTENT);
    let error = spawn_client(cert_options(
        &emulator,
        "d:dev8",
        client_config(&emulator, &ca, "dev8"),
    ))
    .expect_disconnected()
    .await;
    assert!(!error.starts_with("refused:"), "{error}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn without_auto_registration_only_registered_devices_log_in() {
    let (emulator, base) = start_two_tenants().await;
    let ca = device_ca("strict CA");
    let fingerprint = emulator.trust_certificate(TENANT, &ca.pem(), false).unwrap();
    let connack = |cn: &'static str| {
        let config = client_config(&emulator, &ca, cn);
        let options = cert_options(&emulator, &format!("d:{cn}"), config);
        async move { spawn_client(options).connack_code().await }
    };
    assert_eq!(connack("dev8").await, 5, "not registered");
    emulator.set_user("device_dev8", "unused-password");
    assert_eq!(connack("dev8").await, 0, "registered");

    // Auto-registration switched on at run time.
    let (status, changed) = http(
        &base,
        &format!("{TENANT}/admin"),
        reqwest::Method::PUT,
        &format!("/tenant/tenants/{TENANT}/trusted-certificates/{fingerprint}"),
        Some(serde_json::json!({"autoRegistrationEnabled": true})),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{changed}");
    assert_eq!(connack("dev9").await, 0);
    emulator.shutdown().await;
}
