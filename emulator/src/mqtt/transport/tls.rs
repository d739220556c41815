//! The TLS server configurations (rustls with the `ring` provider), the TLS handshake, and the
//! client certificate a device presented.
//!
//! On the MQTT/TLS port a client certificate is *optional* (reference §1.2: one port serves
//! one-way TLS with a password and two-way TLS with a certificate); it is requested only when
//! trusted device CAs are configured, and a presented certificate must chain to one of them or the
//! handshake fails. Certificate login is not available over WebSocket (reference §1.2), so the
//! WSS port never requests one.

pub use crate::platform::users::ClientCertificate;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::server::danger::ClientCertVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto::ring};

use super::ByteStream;

/// A TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// rustls refused the certificates or key.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] tokio_rustls::rustls::Error),
    /// The trusted device CAs cannot build a client-certificate verifier.
    #[error("trusted device CAs: {0}")]
    ClientVerifier(#[from] tokio_rustls::rustls::server::VerifierBuilderError),
}

/// A TLS acceptor for the server chain and key. With `device_cas`, clients may present a
/// certificate issued by one of them.
pub(crate) fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    device_cas: &[CertificateDer<'static>],
) -> Result<TlsAcceptor, TlsConfigError> {
    let provider = Arc::new(ring::default_provider());
    let builder =
        ServerConfig::builder_with_provider(Arc::clone(&provider)).with_safe_default_protocol_versions()?;
    let builder = if device_cas.is_empty() {
        builder.with_no_client_auth()
    } else {
        builder.with_client_cert_verifier(client_verifier(device_cas, provider)?)
    };
    Ok(TlsAcceptor::from(Arc::new(builder.with_single_cert(chain, key)?)))
}

fn client_verifier(
    device_cas: &[CertificateDer<'static>],
    provider: Arc<tokio_rustls::rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    for ca in device_cas {
        roots.add(ca.clone())?;
    }
    Ok(
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .allow_unauthenticated()
            .build()?,
    )
}

/// Runs the TLS handshake on `stream`; returns the stream and the client certificate, if any.
pub(crate) async fn accept(
    acceptor: &TlsAcceptor,
    stream: Box<dyn ByteStream>,
) -> std::io::Result<(Box<dyn ByteStream>, Option<ClientCertificate>)> {
    let tls = acceptor.accept(stream).await?;
    let certificate = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|leaf| ClientCertificate {
            common_name: common_name(leaf),
        });
    Ok((Box::new(tls), certificate))
}

/// The first Common Name of the certificate's subject.
fn common_name(certificate: &CertificateDer<'_>) -> Option<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref()).ok()?;
    let cn = parsed.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}
