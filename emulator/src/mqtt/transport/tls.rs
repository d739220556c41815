//! The TLS server configurations (rustls with the `ring` provider), the TLS handshake, and the
//! client certificate a device presented.
//!
//! On the MQTT/TLS port a client certificate is *optional* (docs/protocol.md §1.2: one port
//! serves one-way TLS with a password and two-way TLS with a certificate); it is requested only
//! while some tenant trusts a CA (the set changes at run time, [`TrustVerifiers`]), and a
//! presented certificate must chain to one of them or the handshake fails. The CA that verifies
//! it names the tenant the device logs in to. Certificate login is not available over WebSocket (docs/protocol.md §1.2), so the
//! WSS port never requests one.

pub use crate::platform::users::ClientCertificate;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::client::danger::HandshakeSignatureValid;
use tokio_rustls::rustls::crypto::{CryptoProvider, ring, verify_tls12_signature, verify_tls13_signature};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme,
};

use crate::platform::certificates::{TrustedCertificate, TrustedCertificates};

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

/// A TLS acceptor for the server chain and key. With `trust`, clients may present a certificate
/// issued by a CA some tenant trusts (the set may change while the acceptor serves).
pub(crate) fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    trust: Option<Arc<TrustVerifiers>>,
) -> Result<TlsAcceptor, TlsConfigError> {
    let provider = Arc::new(ring::default_provider());
    let builder =
        ServerConfig::builder_with_provider(Arc::clone(&provider)).with_safe_default_protocol_versions()?;
    let builder = match trust {
        None => builder.with_no_client_auth(),
        Some(trust) => builder.with_client_cert_verifier(trust),
    };
    Ok(TlsAcceptor::from(Arc::new(builder.with_single_cert(chain, key)?)))
}

/// Verifiers built from the trusted CA certificates of every tenant, rebuilt when the store
/// changes: one over all of them (the handshake), and one per certificate (which tenant a
/// client certificate belongs to).
#[derive(Debug)]
pub(crate) struct TrustVerifiers {
    trust: Arc<TrustedCertificates>,
    provider: Arc<CryptoProvider>,
    built: Mutex<Option<Built>>,
}

#[derive(Debug, Clone)]
struct Built {
    generation: u64,
    all: Option<Arc<dyn ClientCertVerifier>>,
    each: Vec<(TrustedCertificate, Arc<dyn ClientCertVerifier>)>,
}

impl TrustVerifiers {
    /// Verifiers over `trust`.
    pub(crate) fn new(trust: Arc<TrustedCertificates>) -> Self {
        Self {
            trust,
            provider: Arc::new(ring::default_provider()),
            built: Mutex::new(None),
        }
    }

    fn current(&self) -> Built {
        let generation = self.trust.generation();
        let mut built = self.built.lock();
        if let Some(current) = built.as_ref().filter(|b| b.generation == generation) {
            return current.clone();
        }
        let entries = self.trust.all();
        let verifier = |ders: &[&[u8]]| -> Option<Arc<dyn ClientCertVerifier>> {
            let mut roots = RootCertStore::empty();
            for der in ders {
                roots.add(CertificateDer::from(der.to_vec())).ok()?;
            }
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&self.provider))
                .allow_unauthenticated()
                .build()
                .ok()
        };
        let all_ders: Vec<&[u8]> = entries.iter().map(|e| e.der.as_slice()).collect();
        let fresh = Built {
            generation,
            all: (!all_ders.is_empty()).then(|| verifier(&all_ders)).flatten(),
            each: entries
                .iter()
                .filter_map(|e| verifier(&[e.der.as_slice()]).map(|v| (e.clone(), v)))
                .collect(),
        };
        *built = Some(fresh.clone());
        fresh
    }

    /// The trusted certificate (and so the tenant) a verified client chain belongs to: the
    /// first, by tenant and fingerprint, that verifies it.
    fn identify(&self, chain: &[CertificateDer<'static>]) -> Option<TrustedCertificate> {
        let (leaf, intermediates) = chain.split_first()?;
        let now = UnixTime::now();
        self.current()
            .each
            .into_iter()
            .find(|(_, verifier)| verifier.verify_client_cert(leaf, intermediates, now).is_ok())
            .map(|(entry, _)| entry)
    }
}

impl ClientCertVerifier for TrustVerifiers {
    fn offer_client_auth(&self) -> bool {
        self.current().all.is_some()
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, tokio_rustls::rustls::Error> {
        match self.current().all {
            Some(verifier) => verifier.verify_client_cert(end_entity, intermediates, now),
            None => Err(tokio_rustls::rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Runs the TLS handshake on `stream`; returns the stream and the client certificate, if any,
/// with the tenant whose trusted CA issued it.
pub(crate) async fn accept(
    acceptor: &TlsAcceptor,
    trust: Option<&TrustVerifiers>,
    stream: Box<dyn ByteStream>,
) -> std::io::Result<(Box<dyn ByteStream>, Option<ClientCertificate>)> {
    let tls = acceptor.accept(stream).await?;
    let chain = tls.get_ref().1.peer_certificates().map(<[_]>::to_vec);
    let certificate = chain.as_deref().and_then(|chain| {
        let leaf = chain.first()?;
        let issuer = trust.and_then(|t| t.identify(chain));
        Some(ClientCertificate {
            common_name: common_name(leaf),
            tenant: issuer.as_ref().map(|e| e.tenant.clone()),
            auto_registration: issuer.is_none_or(|e| e.auto_registration),
        })
    });
    Ok((Box::new(tls), certificate))
}

/// The first Common Name of the certificate's subject.
fn common_name(certificate: &CertificateDer<'_>) -> Option<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref()).ok()?;
    let cn = parsed.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}
