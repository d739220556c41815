//! The TLS server configuration (rustls with the `ring` provider) and the TLS handshake.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::ByteStream;

/// A TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[error("TLS configuration: {0}")]
pub struct TlsConfigError(#[from] tokio_rustls::rustls::Error);

/// A TLS acceptor for the server certificate chain and key (one-way TLS; client certificates
/// arrive with the X.509 login phase).
pub(crate) fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, TlsConfigError> {
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Runs the TLS handshake on `stream`.
pub(crate) async fn accept(
    acceptor: &TlsAcceptor,
    stream: Box<dyn ByteStream>,
) -> std::io::Result<Box<dyn ByteStream>> {
    let tls = acceptor.accept(stream).await?;
    Ok(Box::new(tls))
}
