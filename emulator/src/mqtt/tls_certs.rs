//! The server's TLS material: a CA and a server certificate for `localhost`, `127.0.0.1` and
//! `::1` generated at start with rcgen, or PEM files given in the configuration.

use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsSource;

/// The server's certificate chain and key, and the CA clients should trust.
#[derive(Debug)]
pub(crate) struct TlsMaterial {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
    pub(crate) ca_pem: Option<String>,
}

/// TLS material could not be generated or loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsMaterialError {
    /// Certificate generation failed.
    #[error("generating certificates: {0}")]
    Generate(#[from] rcgen::Error),
    /// A PEM file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: String,
        /// What was wrong.
        what: String,
    },
}

/// Builds the TLS material the configuration asks for.
pub(crate) fn load(source: &TlsSource) -> Result<TlsMaterial, TlsMaterialError> {
    match source {
        TlsSource::Generate => generate(),
        TlsSource::PemFiles { cert_chain, key, ca } => {
            let chain = CertificateDer::pem_slice_iter(&read(cert_chain)?)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| pem_error(cert_chain, e.to_string()))?;
            if chain.is_empty() {
                return Err(pem_error(cert_chain, "no certificate".to_owned()));
            }
            let key_der =
                PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|e| pem_error(key, e.to_string()))?;
            let ca_pem = match ca {
                Some(path) => Some(String::from_utf8_lossy(&read(path)?).into_owned()),
                None => None,
            };
            Ok(TlsMaterial {
                chain,
                key: key_der,
                ca_pem,
            })
        }
    }
}

/// The certificates of the trusted device CAs (PEM texts).
pub(crate) fn parse_device_cas(pems: &[String]) -> Result<Vec<CertificateDer<'static>>, TlsMaterialError> {
    let mut cas = Vec::new();
    for pem in pems {
        let before = cas.len();
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            cas.push(cert.map_err(|e| pem_error(Path::new("trusted device CA"), e.to_string()))?);
        }
        if cas.len() == before {
            return Err(pem_error(
                Path::new("trusted device CA"),
                "no certificate".to_owned(),
            ));
        }
    }
    Ok(cas)
}

fn read(path: &Path) -> Result<Vec<u8>, TlsMaterialError> {
    std::fs::read(path).map_err(|source| TlsMaterialError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn pem_error(path: &Path, what: String) -> TlsMaterialError {
    TlsMaterialError::Pem {
        path: path.display().to_string(),
        what,
    }
}

/// A fresh CA ("c8y-mqtt emulator CA") and a server certificate it signed.
fn generate() -> Result<TlsMaterial, TlsMaterialError> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "c8y-mqtt emulator CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let mut server_params = CertificateParams::new(names)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let server_key = KeyPair::generate()?;
    let server_cert = server_params.signed_by(&server_key, &ca)?;

    Ok(TlsMaterial {
        chain: vec![server_cert.der().clone(), ca.der().clone()],
        key: PrivateKeyDer::try_from(server_key.serialize_der()).map_err(|e| TlsMaterialError::Pem {
            path: "generated key".to_owned(),
            what: e.to_owned(),
        })?,
        ca_pem: Some(ca.pem()),
    })
}
