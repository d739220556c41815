//! The emulator's configuration: tenants, users, bootstrap password, listeners and TLS material.

use std::net::IpAddr;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

/// Which listeners to open. `Some(0)` picks a free port, `None` disables the listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerPorts {
    /// Plain MQTT over TCP (Cumulocity: 1883).
    pub mqtt: Option<u16>,
    /// MQTT over TLS (Cumulocity: 8883).
    pub mqtts: Option<u16>,
    /// MQTT over WebSocket at `/mqtt` (Cumulocity: 80).
    pub ws: Option<u16>,
    /// MQTT over secure WebSocket at `/mqtt` (Cumulocity: 443).
    pub wss: Option<u16>,
}

impl Default for ListenerPorts {
    /// All four listeners on free ports.
    fn default() -> Self {
        Self {
            mqtt: Some(0),
            mqtts: Some(0),
            ws: Some(0),
            wss: Some(0),
        }
    }
}

/// Where the TLS server certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsSource {
    /// Generate a CA and a server certificate for `localhost` / `127.0.0.1` / `::1` at start.
    #[default]
    Generate,
    /// Use PEM files: the server certificate chain, its private key, and optionally the CA that
    /// clients should trust (reported by `EmulatorHandle::ca_pem`).
    PemFiles {
        /// Server certificate chain (leaf first).
        cert_chain: PathBuf,
        /// The server certificate's private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
        /// The CA certificate clients should trust, if known.
        ca: Option<PathBuf>,
    },
}

/// A device or platform user of a tenant: logs in as `<tenant>/<name>`. Users named
/// `device_*` are device users (rights on their own devices); the others administer their
/// tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    /// The user's tenant; `None` for the default (first) tenant.
    pub tenant: Option<String>,
    /// User name without the tenant prefix (e.g. `device_1234`).
    pub name: String,
    /// Password.
    pub password: String,
}

/// Everything needed to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address every listener binds to (default 127.0.0.1).
    pub bind: IpAddr,
    /// Listener ports.
    pub ports: ListenerPorts,
    /// The port of the HTTP control API (0 = any free port; `None` = not served).
    pub http_port: Option<u16>,
    /// TLS server certificate.
    pub tls: TlsSource,
    /// The default tenant's id (e.g. `t12345`): the first tenant, the one users without a
    /// tenant belong to and the handle's getters read.
    pub tenant: String,
    /// Further tenants, each isolated from the others (users, devices, SmartREST collections,
    /// bootstrap requests, REST results).
    pub more_tenants: Vec<String>,
    /// CA certificates (PEM) the tenant trusts for X.509 device login on the MQTT/TLS port.
    pub trusted_device_cas: Vec<String>,
    /// Users of the tenant.
    pub users: Vec<UserCredentials>,
    /// Password of `management/devicebootstrap`.
    pub bootstrap_password: String,
    /// How long a new connection may take to send CONNECT.
    pub connect_timeout: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: ListenerPorts::default(),
            http_port: None,
            tls: TlsSource::Generate,
            tenant: "t12345".to_owned(),
            more_tenants: Vec::new(),
            trusted_device_cas: Vec::new(),
            users: Vec::new(),
            bootstrap_password: "bootstrap-secret".to_owned(),
            connect_timeout: Duration::from_secs(10),
        }
    }
}
