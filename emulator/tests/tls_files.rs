//! TLS with the server certificate given as PEM files instead of generated ones.

mod common;

use c8y_mqtt_emulator::Emulator;
use common::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

#[tokio::test]
async fn serves_tls_with_certificates_from_pem_files() {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "test CA from files");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();

    let dir = std::env::temp_dir().join(format!("c8y-emulator-pem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path, ca_path) = (dir.join("server.pem"), dir.join("server.key"), dir.join("ca.pem"));
    std::fs::write(&cert_path, server.pem() + &ca.pem()).unwrap();
    std::fs::write(&key_path, server_key.serialize_pem()).unwrap();
    std::fs::write(&ca_path, ca.pem()).unwrap();

    let emulator = Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .tls_pem_files(cert_path, key_path, Some(ca_path))
        .start()
        .await
        .unwrap();
    assert_eq!(emulator.ca_pem(), Some(ca.pem().as_str()));
    let _tls = connected(&emulator, "d:files1", Via::Tls).await;
    let _wss = connected(&emulator, "d:files2", Via::Wss).await;
    emulator.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_missing_pem_file_fails_the_start() {
    let missing = std::env::temp_dir().join("c8y-emulator-no-such-file.pem");
    let error = Emulator::builder()
        .tls_pem_files(missing.clone(), missing, None)
        .start()
        .await
        .expect_err("start fails");
    assert!(
        error.to_string().contains("c8y-emulator-no-such-file.pem"),
        "{error}"
    );
}
