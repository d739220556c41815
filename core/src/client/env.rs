//! The configuration from environment variables ([`Config::from_env`]). Proxy variables
//! (`HTTP_PROXY`, …) are never read: a proxy is used only when configured explicitly.

use std::time::Duration;

use crate::QoS;
use crate::topic::ProcessingMode;

use super::config::{Config, ConfigBuilder, Credentials, TransportKind, TrustRoots};
use super::error::ConfigError;

/// Every variable [`Config::from_env`] reads, with its meaning.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("C8Y_HOST", "host name (mandatory)"),
    (
        "C8Y_DEVICE_ID",
        "device id, the c8y_Serial external id (mandatory)",
    ),
    ("C8Y_TENANT", "tenant id (mandatory with a password)"),
    (
        "C8Y_USER",
        "user name without the tenant (mandatory with a password)",
    ),
    ("C8Y_PASSWORD", "password"),
    (
        "C8Y_CERT_FILE",
        "PEM client certificate chain, instead of a password",
    ),
    ("C8Y_KEY_FILE", "PEM private key of the client certificate"),
    ("C8Y_TRANSPORT", "tcp, tls (default), ws or wss"),
    ("C8Y_PORT", "port (default: by transport)"),
    (
        "C8Y_CA_FILE",
        "PEM CA certificates to trust instead of the system store",
    ),
    ("C8Y_XID", "default SmartREST 2.0 X-ID"),
    ("C8Y_KEEP_ALIVE", "keep-alive in seconds (default 60)"),
    ("C8Y_QOS", "default QoS 0, 1 (default) or 2"),
    ("C8Y_PROCESSING_MODE", "s (default), t, q or c"),
    (
        "C8Y_HTTP_URL",
        "REST base URL for file transfer (default: https://<domain of C8Y_HOST>)",
    ),
];

impl Config {
    /// A builder filled from the process environment (see [`ENV_VARS`]); set further options on
    /// it, then [`build`](ConfigBuilder::build).
    pub fn from_env() -> Result<ConfigBuilder, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] with variables from `lookup` (for tests and embedding).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ConfigBuilder, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let host = get("C8Y_HOST").ok_or(ConfigError::Missing("C8Y_HOST"))?;
        let device = get("C8Y_DEVICE_ID").ok_or(ConfigError::Missing("C8Y_DEVICE_ID"))?;
        let mut builder = Config::builder(host, device);

        if let Some(transport) = get("C8Y_TRANSPORT") {
            let kind = transport.parse::<TransportKind>();
            builder = builder.transport(kind.map_err(|e| invalid("C8Y_TRANSPORT", &e.to_string()))?);
        }
        if let Some(port) = get("C8Y_PORT") {
            builder = builder.port(
                port.parse()
                    .map_err(|_| invalid("C8Y_PORT", "not a port number"))?,
            );
        }
        match (get("C8Y_CERT_FILE"), get("C8Y_PASSWORD")) {
            (Some(cert), _) => {
                let key = get("C8Y_KEY_FILE").ok_or(ConfigError::Missing("C8Y_KEY_FILE"))?;
                builder = builder.credentials(Credentials::Certificate {
                    chain_pem: read("C8Y_CERT_FILE", &cert)?,
                    key_pem: read("C8Y_KEY_FILE", &key)?.into(),
                });
            }
            (None, Some(password)) => {
                let tenant = get("C8Y_TENANT").ok_or(ConfigError::Missing("C8Y_TENANT"))?;
                let user = get("C8Y_USER").ok_or(ConfigError::Missing("C8Y_USER"))?;
                builder = builder.password(tenant, user, password);
            }
            (None, None) => return Err(ConfigError::Missing("C8Y_PASSWORD or C8Y_CERT_FILE")),
        }
        if let Some(ca) = get("C8Y_CA_FILE") {
            builder = builder.trust(TrustRoots::CaPem(read("C8Y_CA_FILE", &ca)?));
        }
        if let Some(xid) = get("C8Y_XID") {
            builder = builder.default_xid(xid);
        }
        if let Some(secs) = get("C8Y_KEEP_ALIVE") {
            let secs: u64 = secs
                .parse()
                .map_err(|_| invalid("C8Y_KEEP_ALIVE", "not a number of seconds"))?;
            builder = builder.keep_alive(Duration::from_secs(secs));
        }
        if let Some(qos) = get("C8Y_QOS") {
            let qos = qos
                .parse::<QoS>()
                .map_err(|e| invalid("C8Y_QOS", &e.to_string()))?;
            builder = builder.default_qos(qos);
        }
        if let Some(mode) = get("C8Y_PROCESSING_MODE") {
            let mode: ProcessingMode = mode
                .parse()
                .map_err(|_| invalid("C8Y_PROCESSING_MODE", "expected s, t, q or c"))?;
            builder = builder.processing_mode(mode);
        }
        if let Some(url) = get("C8Y_HTTP_URL") {
            builder = builder.http_base_url(url);
        }
        Ok(builder)
    }
}

fn invalid(name: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.to_owned(),
    }
}

fn read(name: &str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| invalid(name, &format!("cannot read {path}: {e}")))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_every_variable() {
        let config = Config::from_lookup(lookup(&[
            ("C8Y_HOST", "example.com"),
            ("C8Y_DEVICE_ID", "serial-1"),
            ("C8Y_TENANT", "t1"),
            ("C8Y_USER", "device_serial-1"),
            ("C8Y_PASSWORD", "pw"),
            ("C8Y_TRANSPORT", "wss"),
            ("C8Y_XID", "myXid"),
            ("C8Y_KEEP_ALIVE", "20"),
            ("C8Y_QOS", "0"),
            ("C8Y_PROCESSING_MODE", "t"),
            ("C8Y_HTTP_URL", "http://127.0.0.1:8111/"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(config.host(), "example.com");
        assert_eq!(config.port(), 443);
        assert_eq!(config.transport(), TransportKind::Wss);
        assert_eq!(config.client_id().to_string(), "d:serial-1:myXid");
        assert_eq!(
            config.credentials().username().as_deref(),
            Some("t1/device_serial-1")
        );
        assert_eq!(config.default_qos(), QoS::AtMostOnce);
        assert_eq!(config.processing_mode(), ProcessingMode::Transient);
        assert_eq!(config.keep_alive, Duration::from_secs(20));
        assert_eq!(config.http_base_url(), "http://127.0.0.1:8111");
    }

    #[test]
    fn reports_missing_and_invalid_variables() {
        let missing = Config::from_lookup(lookup(&[("C8Y_HOST", "h")])).unwrap_err();
        assert_eq!(missing, ConfigError::Missing("C8Y_DEVICE_ID"));
        let base = [("C8Y_HOST", "h"), ("C8Y_DEVICE_ID", "d"), ("C8Y_PASSWORD", "p")];
        assert_eq!(
            Config::from_lookup(lookup(&base)).unwrap_err(),
            ConfigError::Missing("C8Y_TENANT")
        );
        let mut bad = base.to_vec();
        bad.extend([("C8Y_TENANT", "t"), ("C8Y_USER", "u"), ("C8Y_QOS", "3")]);
        assert!(matches!(
            Config::from_lookup(lookup(&bad)),
            Err(ConfigError::Invalid { name, .. }) if name == "C8Y_QOS"
        ));
    }
}
