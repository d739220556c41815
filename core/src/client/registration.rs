//! Device registration by bootstrap (docs/protocol.md §3): [`register`] / [`register_blocking`] log in
//! with the bootstrap user, poll `s/ucr` until the platform answers `70,<tenant>,<user>,<password>`
//! on `s/dcr`, keep the credentials in a file (mode 0600) and return them; with a readable
//! credentials file no connection is made at all.
//!
//! ```no_run
//! use c8y_mqtt::client::{BootstrapConfig, Config, register_blocking};
//!
//! let bootstrap = BootstrapConfig::new("mqtt.example.com", "my-serial-1", "bootstrap-pw", "/var/lib/dev/creds");
//! let credentials = register_blocking(bootstrap)?;
//! let config = Config::builder("mqtt.example.com", "my-serial-1")
//!     .credentials_from(&credentials)
//!     .build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use rumqttc::{AsyncClient, ConnectReturnCode, ConnectionError, Event as MqttEvent, Outgoing, Packet};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::templates::downstream::{Credentials as CredentialsLine, DownstreamLine, parse_credentials};
use crate::topic::{DownstreamTopic, UpstreamTopic};

use super::config::{Config, ConfigBuilder, HttpProxy, Secret, Subscriptions, TransportKind, TrustRoots};
use super::connection::map_error;
use super::error::{ConfigError, ConnackRefusal, ConnectError};
use super::persistence::{self, PersistenceError};
use super::transport::{mqtt_options, tls_config};

/// The default bootstrap user.
pub const BOOTSTRAP_USER: &str = "management/devicebootstrap";

/// What [`register`] needs. Build it with [`BootstrapConfig::new`] and adjust the public fields.
#[derive(Debug, Clone)]
pub struct BootstrapConfig {
    /// Platform host.
    pub host: String,
    /// Port; `None` for the transport's default.
    pub port: Option<u16>,
    /// Transport; default TLS.
    pub transport: TransportKind,
    /// Server certificate trust; default the system store.
    pub trust: TrustRoots,
    /// The device id (also the MQTT client id during bootstrap).
    pub device_id: String,
    /// Bootstrap user as `<tenant>/<user>`; default [`BOOTSTRAP_USER`].
    pub bootstrap_user: String,
    /// Bootstrap password (redacted in `Debug`).
    pub bootstrap_password: Secret,
    /// How often `s/ucr` is published while waiting; default 5 s.
    pub poll_interval: Duration,
    /// How long to wait in total for the credentials; default 10 minutes.
    pub timeout: Duration,
    /// Where the credentials are kept (read first, written with mode 0600).
    pub credentials_file: PathBuf,
    /// An explicit HTTP CONNECT proxy.
    pub proxy: Option<HttpProxy>,
}

impl BootstrapConfig {
    /// A bootstrap configuration with the defaults (TLS, system trust store, default bootstrap
    /// user, 5 s poll interval, 10 min timeout, no proxy).
    pub fn new(
        host: impl Into<String>,
        device_id: impl Into<String>,
        bootstrap_password: impl Into<Secret>,
        credentials_file: impl Into<PathBuf>,
    ) -> Self {
        Self {
            host: host.into(),
            port: None,
            transport: TransportKind::default(),
            trust: TrustRoots::default(),
            device_id: device_id.into(),
            bootstrap_user: BOOTSTRAP_USER.to_owned(),
            bootstrap_password: bootstrap_password.into(),
            poll_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
            credentials_file: credentials_file.into(),
            proxy: None,
        }
    }

    /// Waits at most `timeout` in total; the poll interval shrinks to a quarter of it (never
    /// under 100 ms) so that a short timeout still polls several times.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.poll_interval = self
            .poll_interval
            .min(timeout / 4)
            .max(Duration::from_millis(100));
        self
    }
}

/// The device's own credentials, from bootstrap or the credentials file. `Debug` redacts the
/// password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCredentials {
    /// Tenant id.
    pub tenant: String,
    /// Device user name (without the tenant).
    pub user: String,
    /// Password.
    pub password: Secret,
}

impl DeviceCredentials {
    fn from_line(line: CredentialsLine) -> Self {
        Self {
            tenant: line.tenant,
            user: line.user,
            password: Secret::new(line.password),
        }
    }

    fn to_line(&self) -> CredentialsLine {
        CredentialsLine::new(&self.tenant, &self.user, self.password.expose())
    }
}

/// Why [`register`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// No credentials arrived in time (the device request was not accepted).
    #[error("no credentials within {timeout:?}{}", last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default())]
    Timeout {
        /// The configured timeout.
        timeout: Duration,
        /// The last connection error, if connecting failed meanwhile.
        last_error: Option<ConnectError>,
    },
    /// The platform refused the bootstrap login (wrong bootstrap user or password).
    #[error("bootstrap login refused: {0:?}")]
    BootstrapRefused(ConnackRefusal),
    /// The credentials file could not be written.
    #[error("credentials file: {0}")]
    File(PersistenceError),
    /// The bootstrap configuration is invalid.
    #[error("{0}")]
    Config(#[from] ConfigError),
}

/// Registers the device: returns the credentials from `credentials_file` when it holds a valid
/// line, otherwise runs the bootstrap flow (see the module docs) and writes the file.
pub async fn register(config: BootstrapConfig) -> Result<DeviceCredentials, RegistrationError> {
    match read_credentials(&config.credentials_file) {
        Ok(Some(credentials)) => return Ok(credentials),
        Ok(None) => {}
        Err(reason) => tracing::warn!(
            path = %config.credentials_file.display(),
            %reason,
            "ignoring an unreadable credentials file, bootstrapping again"
        ),
    }
    let mqtt = bootstrap_client_config(&config)?;
    let deadline = Instant::now() + config.timeout;
    let mut last_error = None;
    loop {
        match tokio::time::timeout_at(deadline, session(&config, &mqtt)).await {
            Err(_) => {
                return Err(RegistrationError::Timeout {
                    timeout: config.timeout,
                    last_error,
                });
            }
            Ok(Ok(credentials)) => {
                write_credentials(&config.credentials_file, &credentials)?;
                return Ok(credentials);
            }
            Ok(Err(SessionError::Fatal(error))) => return Err(error),
            Ok(Err(SessionError::Retry(error))) => {
                tracing::info!(%error, "bootstrap connection failed, retrying");
                last_error = Some(error);
                if tokio::time::timeout_at(deadline, tokio::time::sleep(config.poll_interval))
                    .await
                    .is_err()
                {
                    return Err(RegistrationError::Timeout {
                        timeout: config.timeout,
                        last_error,
                    });
                }
            }
        }
    }
}

/// [`register`] for plain threads: runs it on a small runtime of its own. Do not call it from
/// inside an async task.
pub fn register_blocking(config: BootstrapConfig) -> Result<DeviceCredentials, RegistrationError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            RegistrationError::Config(ConfigError::Invalid {
                name: "runtime".to_owned(),
                reason: e.to_string(),
            })
        })?;
    runtime.block_on(register(config))
}

impl ConfigBuilder {
    /// Log in with credentials obtained by [`register`].
    pub fn credentials_from(self, credentials: &DeviceCredentials) -> Self {
        self.password(
            &credentials.tenant,
            &credentials.user,
            credentials.password.clone(),
        )
    }
}

/// Reads the credentials file: `Ok(None)` when it does not exist.
fn read_credentials(path: &Path) -> Result<Option<DeviceCredentials>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut lines = parse_credentials(&bytes).into_iter();
    match (lines.next(), lines.next()) {
        (Some(Ok(line)), None) => Ok(Some(DeviceCredentials::from_line(line))),
        (Some(Err(error)), _) => Err(error.to_string()),
        _ => Err("expected exactly one 70 line".to_owned()),
    }
}

/// Writes the credentials file atomically with mode 0600, as one `70` line.
fn write_credentials(path: &Path, credentials: &DeviceCredentials) -> Result<(), RegistrationError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        RegistrationError::File(PersistenceError {
            action: "create",
            path: dir.clone(),
            kind: e.kind(),
            message: e.to_string(),
        })
    })?;
    let mut text = credentials.to_line().to_row();
    text.push('\n');
    persistence::write_atomic(path, text.as_bytes(), Some(0o600)).map_err(RegistrationError::File)?;
    persistence::sync_dir(&dir).map_err(RegistrationError::File)
}

/// The client configuration used for the bootstrap connection (transport, trust, proxy; the
/// login is set on the MQTT options directly).
fn bootstrap_client_config(config: &BootstrapConfig) -> Result<Config, ConfigError> {
    let mut builder = Config::builder(&config.host, &config.device_id)
        .transport(config.transport)
        .trust(config.trust.clone())
        .password("", "", "")
        .subscriptions(Subscriptions {
            static_downstream: false,
            errors: false,
            ..Subscriptions::default()
        });
    if let Some(port) = config.port {
        builder = builder.port(port);
    }
    if let Some(proxy) = &config.proxy {
        builder = builder.http_proxy(&proxy.host, proxy.port, proxy.basic_auth.clone());
    }
    builder.build()
}

enum SessionError {
    Fatal(RegistrationError),
    Retry(ConnectError),
}

/// One bootstrap connection: CONNECT, SUBSCRIBE `s/dcr`, publish `s/ucr` every interval until a
/// `70` line arrives, DISCONNECT.
async fn session(config: &BootstrapConfig, mqtt: &Config) -> Result<DeviceCredentials, SessionError> {
    let tls = tls_config(mqtt).map_err(|e| SessionError::Fatal(e.into()))?;
    let mut options = mqtt_options(mqtt, tls.as_ref());
    options.set_credentials(&config.bootstrap_user, config.bootstrap_password.expose());
    let (client, mut eventloop) = AsyncClient::new(options, 16);
    let (tx, mut rx) = mpsc::channel::<Result<MqttEvent, ConnectionError>>(64);
    let poller = tokio::spawn(async move {
        loop {
            let event = eventloop.poll().await;
            let failed = event.is_err();
            if tx.send(event).await.is_err() || failed {
                return;
            }
        }
    });
    let result = relay(config, &client, &mut rx).await;
    if result.is_ok() && client.try_disconnect().is_ok() {
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(event)) = rx.recv().await {
                if matches!(event, MqttEvent::Outgoing(Outgoing::Disconnect)) {
                    return;
                }
            }
        })
        .await;
    }
    poller.abort();
    result
}

async fn relay(
    config: &BootstrapConfig,
    client: &AsyncClient,
    rx: &mut mpsc::Receiver<Result<MqttEvent, ConnectionError>>,
) -> Result<DeviceCredentials, SessionError> {
    let request_topic = UpstreamTopic::CredentialsRequest.to_string();
    let response_topic = DownstreamTopic::Credentials.to_string();
    let protocol = |e: rumqttc::ClientError| SessionError::Retry(ConnectError::Protocol(e.to_string()));
    let mut ticker = tokio::time::interval(config.poll_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut subscribed = false;
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(Ok(MqttEvent::Incoming(Packet::ConnAck(ack)))) => match ack.code {
                    ConnectReturnCode::Success => client
                        .try_subscribe(&response_topic, rumqttc::QoS::AtLeastOnce)
                        .map_err(protocol)?,
                    ConnectReturnCode::BadUserNamePassword => {
                        return Err(SessionError::Fatal(RegistrationError::BootstrapRefused(
                            ConnackRefusal::BadCredentials,
                        )));
                    }
                    ConnectReturnCode::NotAuthorized => {
                        return Err(SessionError::Fatal(RegistrationError::BootstrapRefused(
                            ConnackRefusal::NotAuthorized,
                        )));
                    }
                    _ => {
                        return Err(SessionError::Retry(map_error(ConnectionError::ConnectionRefused(ack.code))));
                    }
                },
                Some(Ok(MqttEvent::Incoming(Packet::SubAck(_)))) => {
                    subscribed = true;
                    ticker.reset_immediately();
                }
                Some(Ok(MqttEvent::Incoming(Packet::Publish(publish)))) if publish.topic == response_topic => {
                    for line in parse_credentials(&publish.payload) {
                        match line {
                            Ok(line) => return Ok(DeviceCredentials::from_line(line)),
                            Err(error) => tracing::warn!(%error, "unexpected line on s/dcr"),
                        }
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(ConnectionError::ConnectionRefused(code))) => {
                    let error = map_error(ConnectionError::ConnectionRefused(code));
                    return Err(match error {
                        ConnectError::Refused { refusal } if !refusal.is_transient() => {
                            SessionError::Fatal(RegistrationError::BootstrapRefused(refusal))
                        }
                        other => SessionError::Retry(other),
                    });
                }
                Some(Err(error)) => return Err(SessionError::Retry(map_error(error))),
                None => return Err(SessionError::Retry(ConnectError::Protocol("event loop ended".to_owned()))),
            },
            _ = ticker.tick(), if subscribed => {
                tracing::debug!("polling s/ucr");
                client
                    .try_publish(&request_topic, rumqttc::QoS::AtMostOnce, false, Vec::new())
                    .map_err(protocol)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_file_round_trip_and_debug_redacts() {
        let dir = std::env::temp_dir().join(format!("c8y-reg-{}", std::process::id()));
        let path = dir.join("creds");
        let creds = DeviceCredentials {
            tenant: "t1".to_owned(),
            user: "device_d1".to_owned(),
            password: Secret::new("pa,ss\"word"),
        };
        assert!(!format!("{creds:?}").contains("pa,ss"));
        assert_eq!(read_credentials(&path), Ok(None));
        write_credentials(&path, &creds).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "70,t1,device_d1,\"pa,ss\"\"word\"\n"
        );
        assert_eq!(read_credentials(&path), Ok(Some(creds)));
        // The blocking variant returns the file's credentials without connecting (port 1).
        let mut config = BootstrapConfig::new("127.0.0.1", "d1", "bp", &path);
        config.port = Some(1);
        config.transport = TransportKind::Tcp;
        assert_eq!(register_blocking(config).unwrap().user, "device_d1");
        std::fs::write(&path, "71,token\n").unwrap();
        assert!(read_credentials(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
