//! Turns a [`Config`] into rumqttc's `MqttOptions`: broker address or WebSocket URL, the explicit
//! HTTP CONNECT proxy (rumqttc's `proxy` feature: plain HTTP CONNECT, no extra TLS stack), clean
//! session, keep-alive, credentials, packet size limit, and an explicit rustls `ClientConfig`
//! (ring provider; trust roots from the system store and/or a given CA PEM), so no process-wide
//! crypto provider is installed or needed. WebSocket and the proxy are compiled only with the
//! `websocket` and `http-proxy` features (both on by default; firmware builds may drop them).
//! The platform HTTP client (`http` feature) gets its rustls configuration from here too, with
//! the same provider and trust roots.

use std::sync::Arc;

use rumqttc::tokio_rustls::rustls::{
    self, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::CryptoProvider,
    pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime, pem::PemObject},
};
use rumqttc::{MqttOptions, TlsConfiguration, Transport};
#[cfg(feature = "http-proxy")]
use rumqttc::{Proxy, ProxyAuth, ProxyType};

use crate::smartrest::MAX_PACKET_SIZE;

use super::config::{Config, Credentials, TransportKind, TrustRoots};
use super::error::ConfigError;

/// Builds the MQTT options for one connection attempt.
pub(crate) fn mqtt_options(config: &Config, tls: Option<&Arc<ClientConfig>>) -> MqttOptions {
    let client_id = config.client_id.to_string();
    let mut options = match config.transport {
        #[cfg(feature = "websocket")]
        TransportKind::Ws | TransportKind::Wss => {
            let scheme = if config.transport == TransportKind::Wss {
                "wss"
            } else {
                "ws"
            };
            let host = if config.host.contains(':') {
                format!("[{}]", config.host)
            } else {
                config.host.clone()
            };
            let url = format!("{scheme}://{host}:{}{}", config.port, config.ws_path);
            MqttOptions::new(client_id, url, config.port)
        }
        // TCP and TLS (without the `websocket` feature `ConfigBuilder::build` refuses WS/WSS).
        _ => MqttOptions::new(client_id, config.host.clone(), config.port),
    };
    match (config.transport, tls) {
        (TransportKind::Tls, Some(tls)) => options.set_transport(Transport::tls_with_config(
            TlsConfiguration::Rustls(Arc::clone(tls)),
        )),
        #[cfg(feature = "websocket")]
        (TransportKind::Wss, Some(tls)) => {
            options.set_transport(Transport::Wss(TlsConfiguration::Rustls(Arc::clone(tls))))
        }
        #[cfg(feature = "websocket")]
        (TransportKind::Ws, _) => options.set_transport(Transport::Ws),
        _ => options.set_transport(Transport::Tcp),
    };
    #[cfg(feature = "http-proxy")]
    if let Some(proxy) = &config.proxy {
        options.set_proxy(Proxy {
            ty: ProxyType::Http,
            auth: match &proxy.basic_auth {
                Some((username, password)) => ProxyAuth::Basic {
                    username: username.clone(),
                    password: password.expose().to_owned(),
                },
                None => ProxyAuth::None,
            },
            addr: proxy.host.clone(),
            port: proxy.port,
        });
    }
    options.set_clean_session(true);
    options.set_keep_alive(config.keep_alive);
    options.set_max_packet_size(MAX_PACKET_SIZE, MAX_PACKET_SIZE);
    options.set_inflight(config.max_inflight);
    if let Some(will) = &config.last_will {
        options.set_last_will(rumqttc::LastWill::new(
            will.topic.clone(),
            will.payload.clone(),
            rumqttc::QoS::AtLeastOnce,
            false,
        ));
    }
    if let Credentials::Password { password, .. } = &config.credentials
        && let Some(username) = config.credentials.username()
    {
        options.set_credentials(username, password.expose());
    }
    options
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls configuration for a TLS transport, or `None` for plain TCP/WS.
pub(crate) fn tls_config(config: &Config) -> Result<Option<Arc<ClientConfig>>, ConfigError> {
    if !config.transport.is_secure() {
        return Ok(None);
    }
    if config.trust == TrustRoots::InsecureNoVerification {
        tracing::warn!(
            host = %config.host,
            "TLS CERTIFICATE VERIFICATION IS OFF: any server can pose as the platform and read the \
             device's credentials and data; use this for a local test endpoint only"
        );
    }
    let builder = trusting(&config.trust)?;
    let tls = match &config.credentials {
        Credentials::Password { .. } => builder.with_no_client_auth(),
        Credentials::Certificate { chain_pem, key_pem } => {
            let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| pem_error("client certificate chain", e))?;
            if chain.is_empty() {
                return Err(pem_error("client certificate chain", "no certificate"));
            }
            let key = PrivateKeyDer::from_pem_slice(key_pem.expose().as_bytes())
                .map_err(|_| pem_error("client key", "no private key"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| pem_error("client certificate", e))?
        }
    };
    Ok(Some(Arc::new(tls)))
}

/// A rustls builder with the ring provider and the configured trust roots, before client
/// authentication: shared by the MQTT and the HTTP configuration.
fn trusting(
    trust: &TrustRoots,
) -> Result<rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert>, ConfigError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Invalid {
            name: "tls".to_owned(),
            reason: e.to_string(),
        })?;
    Ok(match trust {
        TrustRoots::InsecureNoVerification => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider()))),
        TrustRoots::System => builder.with_root_certificates(system_roots()?),
        TrustRoots::CaPem(pem) => builder.with_root_certificates(pem_roots(RootCertStore::empty(), pem)?),
        TrustRoots::SystemAndCaPem(pem) => builder.with_root_certificates(pem_roots(system_roots()?, pem)?),
    })
}

/// The rustls configuration of the platform HTTP client: the same provider and trust roots as
/// MQTT, HTTP/1.1 by ALPN, and no client certificate (HTTP authenticates with the password or
/// the token from `s/uat`, docs/protocol.md §1.3 and §3). With `lenient_roots` a trust store
/// that cannot be loaded gives an empty one instead of an error (for a plain `http://` base
/// URL, where TLS only matters for other hosts).
#[cfg(feature = "http")]
pub(crate) fn http_tls_config(config: &Config, lenient_roots: bool) -> Result<ClientConfig, ConfigError> {
    let builder = match trusting(&config.trust) {
        Ok(builder) => builder,
        Err(_) if lenient_roots => ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::Invalid {
                name: "tls".to_owned(),
                reason: e.to_string(),
            })?
            .with_root_certificates(RootCertStore::empty()),
        Err(error) => return Err(error),
    };
    let mut tls = builder.with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

fn pem_error(what: &'static str, reason: impl ToString) -> ConfigError {
    ConfigError::Pem {
        what,
        reason: reason.to_string(),
    }
}

fn pem_roots(mut roots: RootCertStore, pem: &str) -> Result<RootCertStore, ConfigError> {
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| pem_error("CA", e))?;
        roots.add(cert).map_err(|e| pem_error("CA", e))?;
        added += 1;
    }
    if added == 0 {
        return Err(pem_error("CA", "no certificate"));
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, ConfigError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let reason = found
            .errors
            .first()
            .map_or_else(|| "no certificates found".to_owned(), ToString::to_string);
        return Err(ConfigError::SystemRoots(reason));
    }
    Ok(roots)
}

/// The verifier of [`TrustRoots::InsecureNoVerification`]: accepts any certificate (signatures
/// are still checked with the provider's algorithms).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
