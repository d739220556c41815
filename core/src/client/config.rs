//! The client configuration: [`Config`] built by [`ConfigBuilder`] (or from the environment, see
//! [`Config::from_env`]), with the transport, credentials, trust roots, reconnect policy, outbox
//! limits and subscriptions it holds, and the operation handling ([`OperationOptions`]) and
//! SmartREST ([`SmartRestOptions`]) settings the `operations` and `smartrest2` modules act on.
//! Every option type lives here, so no other client module is imported by the configuration.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::QoS;
use crate::clock::Clock;
use crate::smartrest::MAX_PACKET_SIZE;
use crate::smartrest2::TemplateCollection;
use crate::templates::upstream::{DeviceCreation, Upstream};
use crate::topic::{ClientId, DeviceId, DownstreamTopic, ProcessingMode, XId, static_topic_text};

use super::backoff::ReconnectPolicy;
use super::error::ConfigError;

/// A secret string (password, private key): `Debug` and `Display` print `***`, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

/// How the client reaches the platform (docs/protocol.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransportKind {
    /// MQTT over plain TCP (port 1883). For local development only.
    Tcp,
    /// MQTT over TLS (port 8883). The default.
    #[default]
    Tls,
    /// MQTT over WebSocket (port 80, path `/mqtt`).
    Ws,
    /// MQTT over secure WebSocket (port 443, path `/mqtt`), for networks that allow only HTTPS.
    Wss,
}

impl TransportKind {
    /// The platform's default port for this transport.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Tcp => 1883,
            Self::Tls => 8883,
            Self::Ws => 80,
            Self::Wss => 443,
        }
    }

    /// Whether the transport uses TLS.
    pub fn is_secure(self) -> bool {
        matches!(self, Self::Tls | Self::Wss)
    }
}

/// A transport name that is none of `tcp` (or `mqtt`), `tls` (or `mqtts`), `ws`, `wss`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected tcp (or mqtt), tls (or mqtts), ws or wss, not {0:?}")]
pub struct ParseTransportError(pub String);

impl std::str::FromStr for TransportKind {
    type Err = ParseTransportError;

    /// The transport of a name, in any case: `tcp` or `mqtt`, `tls` or `mqtts`, `ws`, `wss`.
    /// Every face (environment variables, the C and Python options) names transports this way.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "tcp" | "mqtt" => Ok(Self::Tcp),
            "tls" | "mqtts" => Ok(Self::Tls),
            "ws" => Ok(Self::Ws),
            "wss" => Ok(Self::Wss),
            _ => Err(ParseTransportError(name.to_owned())),
        }
    }
}

/// How the device logs in (docs/protocol.md §1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// User name `<tenant>/<user>` and password.
    Password {
        /// Tenant id, e.g. `t12345`.
        tenant: String,
        /// User name, e.g. `device_1234`.
        user: String,
        /// Password (redacted in `Debug`).
        password: Secret,
    },
    /// An X.509 client certificate (TLS on 8883 only). The certificate's CN must equal the
    /// device id.
    Certificate {
        /// PEM certificate chain, leaf first.
        chain_pem: String,
        /// PEM private key (redacted in `Debug`).
        key_pem: Secret,
    },
}

impl Credentials {
    /// Password credentials.
    pub fn password(tenant: impl Into<String>, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self::Password {
            tenant: tenant.into(),
            user: user.into(),
            password: password.into(),
        }
    }

    /// The MQTT user name `<tenant>/<user>`, for password credentials.
    pub fn username(&self) -> Option<String> {
        match self {
            Self::Password { tenant, user, .. } => Some(format!("{tenant}/{user}")),
            Self::Certificate { .. } => None,
        }
    }
}

/// Which certificates the client trusts for the server. Verification is always on, except with
/// [`TrustRoots::InsecureNoVerification`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TrustRoots {
    /// The operating system's trust store (read with `rustls-native-certs`). The default.
    #[default]
    System,
    /// Only the CA certificates in this PEM text.
    CaPem(String),
    /// The system store plus the CA certificates in this PEM text.
    SystemAndCaPem(String),
    /// Accept any server certificate. Insecure: for a local test endpoint only.
    InsecureNoVerification,
}

/// What the client does when a publish would exceed the outbox limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OverflowPolicy {
    /// Refuse the new message: the publish call returns
    /// [`ClientError::OutboxFull`](super::ClientError::OutboxFull). Nothing queued is lost. The
    /// default.
    #[default]
    Reject,
    /// Make room by dropping the oldest queued messages: their deliveries complete with
    /// [`DeliveryOutcome::Dropped`](super::DeliveryOutcome::Dropped) (and a delivery event).
    DropOldest,
}

/// An overflow policy name that is neither `reject` nor `drop_oldest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected reject or drop_oldest, not {0:?}")]
pub struct ParseOverflowPolicyError(pub String);

impl std::str::FromStr for OverflowPolicy {
    type Err = ParseOverflowPolicyError;

    /// The policy of a name, in any case: `reject` or `drop_oldest`. The Python options name
    /// policies this way.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "reject" => Ok(Self::Reject),
            "drop_oldest" => Ok(Self::DropOldest),
            _ => Err(ParseOverflowPolicyError(name.to_owned())),
        }
    }
}

/// Bounds of the outbox (messages not yet acknowledged by the platform).
///
/// ```
/// use c8y_mqtt::client::{Config, OutboxLimits, OverflowPolicy};
///
/// // Keep at most 1000 messages or 1 MiB; when full, give up the oldest rather than the newest.
/// let limits = OutboxLimits {
///     max_messages: 1000,
///     max_bytes: 1 << 20,
///     overflow: OverflowPolicy::DropOldest,
/// };
/// let config = Config::builder("example.cumulocity.com", "sensor-0042")
///     .password("t100", "device_sensor-0042", "secret")
///     .outbox(limits)
///     .build()?;
/// assert_eq!(config.outbox_limits(), limits);
/// # Ok::<(), c8y_mqtt::client::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLimits {
    /// Most messages queued at once.
    pub max_messages: usize,
    /// Most payload bytes queued at once.
    pub max_bytes: usize,
    /// What happens when a publish would exceed a bound.
    pub overflow: OverflowPolicy,
}

impl Default for OutboxLimits {
    fn default() -> Self {
        Self {
            max_messages: 10_000,
            max_bytes: 16 * 1024 * 1024,
            overflow: OverflowPolicy::Reject,
        }
    }
}

/// The downstream topics the client subscribes after every (re)connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriptions {
    /// `s/ds`: static operations and responses. Default on.
    pub static_downstream: bool,
    /// `s/e`: error lines. Default on.
    pub errors: bool,
    /// `s/dt`: template collection status. Default off.
    pub template_status: bool,
    /// `s/dd`: the default collection's responses (needs a default X-ID). Default off.
    pub default_collection: bool,
    /// `s/dc/<X-ID>` for each of these collections.
    pub collections: Vec<XId>,
    /// `devicecontrol/notifications`: operations as JSON. Default off.
    pub json_operations: bool,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Self {
            static_downstream: true,
            errors: true,
            template_status: false,
            default_collection: false,
            collections: Vec::new(),
            json_operations: false,
        }
    }
}

impl Subscriptions {
    /// The topic filters, in subscription order.
    pub fn topics(&self) -> Vec<String> {
        let mut topics = Vec::new();
        let mut add = |on: bool, topic: DownstreamTopic| {
            if on {
                topics.push(topic.to_string());
            }
        };
        add(self.static_downstream, DownstreamTopic::Static);
        add(self.errors, DownstreamTopic::Error);
        add(self.template_status, DownstreamTopic::Template);
        add(self.default_collection, DownstreamTopic::Default);
        for xid in &self.collections {
            add(true, DownstreamTopic::Custom(xid.clone()));
        }
        add(self.json_operations, DownstreamTopic::JsonOperations);
        topics
    }
}

/// An HTTP CONNECT proxy, used only when configured explicitly (proxy environment variables are
/// never read). Every transport (TCP, TLS, WS, WSS) is tunnelled through it; TLS runs end to end
/// inside the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpProxy {
    /// Proxy host.
    pub host: String,
    /// Proxy port.
    pub port: u16,
    /// Basic authentication (`Proxy-Authorization`) as user and password, if the proxy needs it.
    pub basic_auth: Option<(String, Secret)>,
}

/// A complete, validated client configuration. Build it with [`Config::builder`] or
/// [`Config::from_env`].
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) transport: TransportKind,
    pub(crate) credentials: Credentials,
    pub(crate) trust: TrustRoots,
    pub(crate) client_id: ClientId,
    pub(crate) keep_alive: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) default_qos: QoS,
    pub(crate) mode: ProcessingMode,
    pub(crate) reconnect: ReconnectPolicy,
    /// CONNACK 5 refusals retried before stopping.
    pub(crate) not_authorized_retries: u32,
    pub(crate) outbox: OutboxLimits,
    pub(crate) subscriptions: Subscriptions,
    pub(crate) batching_linger: Option<Duration>,
    #[cfg_attr(not(feature = "websocket"), allow(dead_code))]
    pub(crate) ws_path: String,
    pub(crate) max_inflight: u16,
    pub(crate) event_capacity: usize,
    pub(crate) delivery_events: bool,
    /// Sent after every CONNACK (`None`: skipped).
    pub(crate) device_creation: Option<DeviceCreation>,
    pub(crate) last_will: Option<LastWill>,
    pub(crate) request_managed_object_id: bool,
    pub(crate) rejection_window: Duration,
    /// The time source of the rejection window and the rows kept for `s/e` correlation.
    pub(crate) clock: Clock,
    /// How often the statistics measurement is published (`None`: never).
    pub(crate) statistics_interval: Option<Duration>,
    pub(crate) persistence_dir: Option<PathBuf>,
    pub(crate) proxy: Option<HttpProxy>,
    pub(crate) operations: OperationOptions,
    pub(crate) smartrest: SmartRestOptions,
    pub(crate) http_base_url: Option<String>,
}

impl Config {
    /// A builder for `host` and the device id (`c8y_Serial` external id, no `:`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use c8y_mqtt::client::{Config, TransportKind};
    /// let config = Config::builder("mqtt.eu-latest.cumulocity.com", "1234")
    ///     .password("t12345", "device_1234", "s3cr3t")
    ///     .default_xid("myCommon_10")
    ///     .keep_alive(Duration::from_secs(60))
    ///     .build()?;
    /// assert_eq!(config.client_id().to_string(), "d:1234:myCommon_10");
    /// assert_eq!(config.port(), 8883); // TLS by default
    /// assert_eq!(config.transport(), TransportKind::Tls);
    /// assert!(!format!("{config:?}").contains("s3cr3t"), "passwords never show in Debug");
    /// # Ok::<(), c8y_mqtt::client::ConfigError>(())
    /// ```
    pub fn builder(host: impl Into<String>, device_id: impl Into<String>) -> ConfigBuilder {
        ConfigBuilder::new(host, device_id)
    }

    /// The host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The transport.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// The MQTT client id (`<id>` or `d:<id>:<X-ID>`).
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The device id.
    pub fn device_id(&self) -> &DeviceId {
        self.client_id.device()
    }

    /// The credentials (secrets redacted in `Debug`).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The default QoS of publishes.
    pub fn default_qos(&self) -> QoS {
        self.default_qos
    }

    /// The default processing mode of publishes.
    pub fn processing_mode(&self) -> ProcessingMode {
        self.mode
    }

    /// The reconnect policy.
    pub fn reconnect(&self) -> &ReconnectPolicy {
        &self.reconnect
    }

    /// The outbox limits.
    pub fn outbox_limits(&self) -> OutboxLimits {
        self.outbox
    }

    /// The subscriptions.
    pub fn subscriptions(&self) -> &Subscriptions {
        &self.subscriptions
    }

    /// The device creation sent after every CONNACK, if any
    /// ([`ConfigBuilder::create_device`]).
    pub fn device_creation(&self) -> Option<&DeviceCreation> {
        self.device_creation.as_ref()
    }

    /// The persistence directory of the on-disk outbox, if any.
    pub fn persistence_dir(&self) -> Option<&std::path::Path> {
        self.persistence_dir.as_deref()
    }

    /// How often the statistics measurement is published, if at all
    /// ([`ConfigBuilder::statistics_measurement`]).
    pub fn statistics_interval(&self) -> Option<Duration> {
        self.statistics_interval
    }

    /// The HTTP CONNECT proxy, if any.
    pub fn http_proxy(&self) -> Option<&HttpProxy> {
        self.proxy.as_ref()
    }

    /// The base URL of the platform's REST API: the one set with
    /// [`ConfigBuilder::http_base_url`], else `https://<domain>` for an MQTT host
    /// `mqtt.<domain>` and `https://<host>` for a tenant domain (docs/protocol.md §1.2: both name the
    /// same instance).
    ///
    /// ```
    /// use c8y_mqtt::client::Config;
    /// let config = Config::builder("mqtt.eu-latest.cumulocity.com", "1234")
    ///     .password("t1", "device_1234", "pw")
    ///     .build()?;
    /// assert_eq!(config.http_base_url(), "https://eu-latest.cumulocity.com");
    /// let config = Config::builder("t1.cumulocity.com", "1234")
    ///     .password("t1", "device_1234", "pw")
    ///     .http_base_url("http://127.0.0.1:8111/")
    ///     .build()?;
    /// assert_eq!(config.http_base_url(), "http://127.0.0.1:8111");
    /// # Ok::<(), c8y_mqtt::client::ConfigError>(())
    /// ```
    pub fn http_base_url(&self) -> String {
        match &self.http_base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let domain = self.host.strip_prefix("mqtt.").unwrap_or(&self.host);
                if domain.contains(':') {
                    format!("https://[{domain}]")
                } else {
                    format!("https://{domain}")
                }
            }
        }
    }
}

/// The last will as sent in CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastWill {
    pub(crate) topic: String,
    pub(crate) payload: String,
}

/// Refuses a configuration whose CONNECT packet cannot fit the platform's packet limit
/// (docs/protocol.md §1.7): every connection attempt would fail the same way, so it is an error
/// when the configuration is built rather than a reconnect loop.
fn check_connect_size(
    client_id: &ClientId,
    credentials: &Credentials,
    will: Option<&LastWill>,
) -> Result<(), ConfigError> {
    // Variable header (protocol name, level, flags, keep-alive) then length-prefixed strings.
    let mut size = 10 + 2 + client_id.to_string().len();
    if let Credentials::Password { password, .. } = credentials {
        size += 2 + credentials.username().map_or(0, |u| u.len()) + 2 + password.expose().len();
    }
    if let Some(will) = will {
        size += 2 + will.topic.len() + 2 + will.payload.len();
    }
    let packet = size + 1 + remaining_length_bytes(size);
    if packet > MAX_PACKET_SIZE {
        return Err(ConfigError::Invalid {
            name: "device id".to_owned(),
            reason: format!(
                "the CONNECT packet (client id, credentials, last will) needs {packet} bytes, over the \
                 {MAX_PACKET_SIZE}-byte limit"
            ),
        });
    }
    Ok(())
}

/// Bytes of an MQTT remaining-length field for `length`.
fn remaining_length_bytes(length: usize) -> usize {
    match length {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// CONNACK 5 refusals retried by default before the client stops.
pub const DEFAULT_NOT_AUTHORIZED_RETRIES: u32 = 3;

/// The device type of the default device creation.
pub const DEFAULT_DEVICE_TYPE: &str = "c8y_MQTTDevice";

/// What [`ConfigBuilder::create_device`] / [`ConfigBuilder::skip_device_creation`] chose.
#[derive(Debug, Clone)]
enum DeviceCreationSetting {
    /// The device id as name, [`DEFAULT_DEVICE_TYPE`] as type.
    Default,
    Custom(DeviceCreation),
    Off,
}

/// Builds a [`Config`]; every setting but the host and the device id has a default.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    host: String,
    device_id: String,
    port: Option<u16>,
    transport: TransportKind,
    credentials: Option<Credentials>,
    trust: TrustRoots,
    default_xid: Option<String>,
    keep_alive: Duration,
    connect_timeout: Duration,
    default_qos: QoS,
    mode: ProcessingMode,
    reconnect: ReconnectPolicy,
    not_authorized_retries: u32,
    outbox: OutboxLimits,
    persistence_dir: Option<PathBuf>,
    proxy: Option<HttpProxy>,
    subscriptions: Subscriptions,
    batching_linger: Option<Duration>,
    max_inflight: u16,
    event_capacity: usize,
    delivery_events: bool,
    device_creation: DeviceCreationSetting,
    last_will: Option<Upstream>,
    pub(super) request_managed_object_id: bool,
    rejection_window: Duration,
    clock: Clock,
    statistics_interval: Option<Duration>,
    pub(super) operations: OperationOptions,
    pub(super) smartrest: SmartRestOptions,
    http_base_url: Option<String>,
}

impl ConfigBuilder {
    fn new(host: impl Into<String>, device_id: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            device_id: device_id.into(),
            port: None,
            transport: TransportKind::default(),
            credentials: None,
            trust: TrustRoots::default(),
            default_xid: None,
            keep_alive: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(30),
            default_qos: QoS::AtLeastOnce,
            mode: ProcessingMode::Persistent,
            reconnect: ReconnectPolicy::default(),
            not_authorized_retries: DEFAULT_NOT_AUTHORIZED_RETRIES,
            outbox: OutboxLimits::default(),
            persistence_dir: None,
            proxy: None,
            subscriptions: Subscriptions::default(),
            batching_linger: None,
            max_inflight: 100,
            event_capacity: 10_000,
            delivery_events: true,
            device_creation: DeviceCreationSetting::Default,
            last_will: None,
            request_managed_object_id: false,
            rejection_window: Duration::ZERO,
            clock: Clock::system(),
            statistics_interval: None,
            operations: OperationOptions::default(),
            smartrest: SmartRestOptions::default(),
            http_base_url: None,
        }
    }

    /// The base URL of the platform's REST API (`http://` or `https://`, no path), for file
    /// transfer and tokens; default derived from the host ([`Config::http_base_url`]). Set it
    /// for an endpoint whose REST port differs from the default, such as the emulator's.
    pub fn http_base_url(mut self, url: impl Into<String>) -> Self {
        self.http_base_url = Some(url.into());
        self
    }

    /// The device creation (template 100) sent after every accepted CONNACK, before
    /// subscribing: the platform refuses subscriptions of a device that does not exist yet
    /// (docs/protocol.md §1.6, §11.1), and a device deleted while the client was offline must come
    /// back before its operations can. The platform answers `41,100,Device already existing`
    /// on `s/e` for an existing device and changes nothing; the client expects that answer and
    /// does not report it. On by default with the device id as the name and `c8y_MQTTDevice`
    /// as the type ([`ConfigBuilder::skip_device_creation`] turns it off).
    pub fn create_device(mut self, creation: DeviceCreation) -> Self {
        self.device_creation = DeviceCreationSetting::Custom(creation);
        self
    }

    /// A last will: the static row the platform executes as the device's own publish on `s/us`
    /// when the connection ends without a DISCONNECT (power loss, network cut); executing it
    /// also updates the device's availability (docs/protocol.md §1.6). Typically a connection
    /// event, `400,c8y_ConnectionEvent,"Device connection was lost."`
    /// ([`crate::templates::upstream::Event`]), or a service status `104,down` for an agent
    /// that registers itself as a service. Sent at QoS 1, not retained. The row must fit the
    /// CONNECT packet with the client id and credentials (checked by [`ConfigBuilder::build`]).
    pub fn last_will(mut self, template: impl Into<Upstream>) -> Self {
        self.last_will = Some(template.into());
        self
    }

    /// Holds the outcome of each single-row static publish for `window` after its PUBACK, so
    /// that a refusal on `s/e` ends it as [`DeliveryOutcome::Rejected`](super::DeliveryOutcome::Rejected)
    /// instead of acknowledged. The platform processes a row after acknowledging it, so its
    /// error line usually comes after the PUBACK; without a window (the default) such a
    /// refusal is still reported as [`Event::PublishRejected`](super::Event::PublishRejected)
    /// with the delivery id, but the outcome already said acknowledged. The cost: outcomes
    /// come `window` later.
    pub fn rejection_window(mut self, window: Duration) -> Self {
        self.rejection_window = window;
        self
    }

    /// The time source of the [rejection window](Self::rejection_window) and of how long
    /// acknowledged rows are kept for tying `s/e` lines to them: the system's monotonic clock
    /// unless set. A test gives the client a manual clock (`Clock::manual`, feature
    /// `test-util`) and advances it instead of waiting out the window. The connection's other
    /// timers (keep-alive, reconnect back-off, batching linger, statistics interval) keep the
    /// system's time.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Publishes the client's [statistics](super::Client::statistics) every `interval` as a
    /// `c8y_ClientStatistics` measurement of the device (template 201, one series per counter,
    /// see [`statistics_measurement`](super::statistics::statistics_measurement)), the first one
    /// `interval` after the start. Off by default; a zero interval turns it off again. Each
    /// measurement is a publish like any other (queued, counted, acknowledged).
    pub fn statistics_measurement(mut self, interval: Duration) -> Self {
        self.statistics_interval = (!interval.is_zero()).then_some(interval);
        self
    }

    /// Sends no device creation: for devices created another way (registered by an
    /// administrator, created by the application's own first message). Subscriptions refused
    /// because the device does not exist yet are retried with backoff until it does.
    pub fn skip_device_creation(mut self) -> Self {
        self.device_creation = DeviceCreationSetting::Off;
        self
    }

    /// The port; default: the transport's platform port ([`TransportKind::default_port`]).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The transport; default TLS.
    pub fn transport(mut self, transport: TransportKind) -> Self {
        self.transport = transport;
        self
    }

    /// Log in with `<tenant>/<user>` and a password.
    pub fn password(
        mut self,
        tenant: impl Into<String>,
        user: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::password(tenant, user, password));
        self
    }

    /// Log in with these credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Which server certificates to trust; default the system store.
    pub fn trust(mut self, trust: TrustRoots) -> Self {
        self.trust = trust;
        self
    }

    /// The default SmartREST 2.0 X-ID; the client id becomes `d:<id>:<X-ID>`.
    pub fn default_xid(mut self, xid: impl Into<String>) -> Self {
        self.default_xid = Some(xid.into());
        self
    }

    /// MQTT keep-alive, zero (off) or at least one second; default 60 s.
    pub fn keep_alive(mut self, keep_alive: Duration) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// How long one connection attempt (network, TLS, CONNACK) may take; default 30 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The QoS of publishes that do not name one; default QoS 1.
    pub fn default_qos(mut self, qos: QoS) -> Self {
        self.default_qos = qos;
        self
    }

    /// The processing mode of publishes that do not name one; default persistent (`s/`). It
    /// applies to measurements and events only: every other row is sent on `s/`
    /// ([`ProcessingMode::for_template`]).
    pub fn processing_mode(mut self, mode: ProcessingMode) -> Self {
        self.mode = mode;
        self
    }

    /// The reconnect policy.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// How many consecutive CONNACK 5 ("not authorized") refusals are retried with the
    /// reconnect backoff before the client stops; default [`DEFAULT_NOT_AUTHORIZED_RETRIES`].
    /// The platform documents this refusal as sometimes transient (overload during connect);
    /// when it persists (a wrong certificate, removed permissions) the client stops and the last
    /// refusal is in the [`ConnectionState::Stopped`](super::ConnectionState::Stopped) event.
    /// Zero stops at the first one.
    pub fn not_authorized_retries(mut self, retries: u32) -> Self {
        self.not_authorized_retries = retries;
        self
    }

    /// The outbox limits and overflow policy.
    pub fn outbox(mut self, limits: OutboxLimits) -> Self {
        self.outbox = limits;
        self
    }

    /// A directory for the on-disk outbox (created when missing): QoS ≥ 1 messages are durable
    /// before the publish call returns and are sent by the next client using the directory if
    /// this one ends first. See [`persistence`](super::persistence) for the exact guarantee. One
    /// client per directory at a time.
    pub fn persistence_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.persistence_dir = Some(dir.into());
        self
    }

    /// An explicit HTTP CONNECT proxy, with optional basic authentication (user, password).
    /// Proxy environment variables are never read.
    pub fn http_proxy(
        mut self,
        host: impl Into<String>,
        port: u16,
        basic_auth: Option<(String, Secret)>,
    ) -> Self {
        self.proxy = Some(HttpProxy {
            host: host.into(),
            port,
            basic_auth,
        });
        self
    }

    /// The downstream subscriptions.
    pub fn subscriptions(mut self, subscriptions: Subscriptions) -> Self {
        self.subscriptions = subscriptions;
        self
    }

    /// Also receives operations as JSON (`devicecontrol/notifications`), keeping the other
    /// subscriptions as they are; off by default.
    pub fn json_operations(mut self, on: bool) -> Self {
        self.subscriptions.json_operations = on;
        self
    }

    /// The bootstrap registration of this device with these connection settings (host, port,
    /// transport, server trust and proxy), the other bootstrap settings at their defaults.
    /// After registering, [`ConfigBuilder::credentials_from`] takes the credentials.
    pub fn bootstrap_config(
        &self,
        bootstrap_password: impl Into<Secret>,
        credentials_file: impl Into<PathBuf>,
    ) -> super::registration::BootstrapConfig {
        let mut config = super::registration::BootstrapConfig::new(
            &self.host,
            &self.device_id,
            bootstrap_password,
            credentials_file,
        );
        config.port = self.port;
        config.transport = self.transport;
        config.trust = self.trust.clone();
        config.proxy = self.proxy.clone();
        config
    }

    /// Auto-batching: queued rows for the same topic and QoS go out as one publish (never over
    /// the size limit) after waiting at most `linger` for more. Off by default.
    pub fn batching(mut self, linger: Duration) -> Self {
        self.batching_linger = Some(linger);
        self
    }

    /// Most QoS ≥ 1 publishes awaiting PUBACK at once; default 100.
    pub fn max_inflight(mut self, max: u16) -> Self {
        self.max_inflight = max;
        self
    }

    /// Most events kept for [`next_event`](super::Client::next_event); when full, the oldest is
    /// dropped and counted ([`Event::EventsLost`](super::Event::EventsLost)). Default 10 000.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity;
        self
    }

    /// Whether every completed delivery is also reported as an
    /// [`Event::Delivery`](super::Event::Delivery); default on.
    pub fn delivery_events(mut self, on: bool) -> Self {
        self.delivery_events = on;
        self
    }

    /// Validates and builds the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        if self.host.is_empty() {
            return Err(ConfigError::Missing("host"));
        }
        if self.device_id.is_empty() {
            return Err(ConfigError::Missing("device id"));
        }
        if self
            .persistence_dir
            .as_ref()
            .is_some_and(|d| d.as_os_str().is_empty())
        {
            return Err(ConfigError::Missing("persistence directory"));
        }
        if self.proxy.as_ref().is_some_and(|p| p.host.is_empty()) {
            return Err(ConfigError::Missing("proxy host"));
        }
        #[cfg(not(feature = "http-proxy"))]
        if self.proxy.is_some() {
            return Err(ConfigError::Invalid {
                name: "proxy".to_owned(),
                reason: "this build of c8y-mqtt has no HTTP proxy support (feature `http-proxy`)".to_owned(),
            });
        }
        #[cfg(not(feature = "websocket"))]
        if matches!(self.transport, TransportKind::Ws | TransportKind::Wss) {
            return Err(ConfigError::Invalid {
                name: "transport".to_owned(),
                reason: "this build of c8y-mqtt has no WebSocket support (feature `websocket`)".to_owned(),
            });
        }
        let credentials = self.credentials.ok_or(ConfigError::Missing("credentials"))?;
        if matches!(credentials, Credentials::Certificate { .. }) && self.transport != TransportKind::Tls {
            return Err(ConfigError::Invalid {
                name: "credentials".to_owned(),
                reason: "certificate login needs the TLS transport".to_owned(),
            });
        }
        let device_creation = match self.device_creation {
            DeviceCreationSetting::Default => Some(
                DeviceCreation::new()
                    .with_name(self.device_id.as_str())
                    .with_device_type(DEFAULT_DEVICE_TYPE),
            ),
            DeviceCreationSetting::Custom(creation) => Some(creation),
            DeviceCreationSetting::Off => None,
        };
        let last_will = self.last_will.map(|template| LastWill {
            topic: static_topic_text(ProcessingMode::Persistent, &[]),
            payload: template.to_row(),
        });
        let device = DeviceId::new(self.device_id).map_err(ConfigError::DeviceId)?;
        let client_id = match self.default_xid {
            None => ClientId::new(device),
            Some(xid) => {
                let xid = XId::new(xid).map_err(ConfigError::XId)?;
                ClientId::with_default_xid(device, xid).map_err(ConfigError::ClientId)?
            }
        };
        if self.subscriptions.default_collection && client_id.default_xid().is_none() {
            return Err(ConfigError::Invalid {
                name: "subscriptions".to_owned(),
                reason: "s/dd needs a default X-ID".to_owned(),
            });
        }
        if self.max_inflight == 0 || self.outbox.max_messages == 0 || self.event_capacity == 0 {
            return Err(ConfigError::Invalid {
                name: "limits".to_owned(),
                reason: "max_inflight, outbox max_messages and event_capacity must be > 0".to_owned(),
            });
        }
        if !self.keep_alive.is_zero() && self.keep_alive < Duration::from_secs(1) {
            return Err(ConfigError::Invalid {
                name: "keep_alive".to_owned(),
                reason: "must be zero (off) or at least one second".to_owned(),
            });
        }
        self.reconnect.validate()?;
        check_connect_size(&client_id, &credentials, last_will.as_ref())?;
        if let Some(url) = &self.http_base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                name: "http_base_url".to_owned(),
                reason: "must start with http:// or https://".to_owned(),
            });
        }
        Ok(Config {
            port: self.port.unwrap_or(self.transport.default_port()),
            host: self.host,
            transport: self.transport,
            credentials,
            trust: self.trust,
            client_id,
            keep_alive: self.keep_alive,
            connect_timeout: self.connect_timeout,
            default_qos: self.default_qos,
            mode: self.mode,
            reconnect: self.reconnect,
            not_authorized_retries: self.not_authorized_retries,
            outbox: self.outbox,
            subscriptions: self.subscriptions,
            batching_linger: self.batching_linger,
            ws_path: "/mqtt".to_owned(),
            max_inflight: self.max_inflight,
            event_capacity: self.event_capacity,
            delivery_events: self.delivery_events,
            device_creation,
            last_will,
            request_managed_object_id: self.request_managed_object_id,
            rejection_window: self.rejection_window,
            clock: self.clock,
            statistics_interval: self.statistics_interval,
            persistence_dir: self.persistence_dir,
            proxy: self.proxy,
            operations: self.operations,
            smartrest: self.smartrest,
            http_base_url: self.http_base_url,
        })
    }
}

// Operation handling and SmartREST options: the settings the `operations` and `smartrest2`
// modules act on, kept with the rest of the configuration.

/// Operations that stay EXECUTING across a restart by default, for the application to finish.
pub const DEFAULT_RESUMABLE: [&str; 4] = [
    "c8y_Restart",
    "c8y_Firmware",
    "c8y_SoftwareUpdate",
    "c8y_DeviceProfile",
];

/// Operation handling options (set with [`ConfigBuilder::fail_unsupported`],
/// [`ConfigBuilder::fail_executing_on_start`] and [`ConfigBuilder::resumable_operations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationOptions {
    /// When set, operations whose fragment is not listed are set EXECUTING then FAILED with
    /// [`UNSUPPORTED_REASON`](super::operations::UNSUPPORTED_REASON) and not delivered.
    pub supported: Option<Vec<String>>,
    /// Clean up operations left EXECUTING by an earlier run, once after the first connect. On
    /// by default.
    pub fail_executing_on_start: bool,
    /// Fragments that stay EXECUTING across a restart (default [`DEFAULT_RESUMABLE`]).
    pub resumable: Vec<String>,
}

impl Default for OperationOptions {
    fn default() -> Self {
        Self {
            supported: None,
            fail_executing_on_start: true,
            resumable: DEFAULT_RESUMABLE.iter().map(|f| (*f).to_owned()).collect(),
        }
    }
}

impl OperationOptions {
    pub(super) fn is_resumable(&self, fragment: &str) -> bool {
        self.resumable.iter().any(|f| f == fragment)
    }
}

impl ConfigBuilder {
    /// Fails every operation whose fragment is not in `fragments` automatically (EXECUTING,
    /// then FAILED with "Unsupported operation"; by id when known) instead of delivering it.
    /// The list is also what a client without a persistence directory fails after a restart.
    pub fn fail_unsupported<S: Into<String>>(mut self, fragments: impl IntoIterator<Item = S>) -> Self {
        self.operations.supported = Some(fragments.into_iter().map(Into::into).collect());
        self
    }

    /// Whether operations left EXECUTING by an earlier run are cleaned up after the first
    /// connect (see [the operations module](super::operations)); on by default.
    pub fn fail_executing_on_start(mut self, on: bool) -> Self {
        self.operations.fail_executing_on_start = on;
        self
    }

    /// The fragments that stay EXECUTING across a restart for the application to finish
    /// (default [`DEFAULT_RESUMABLE`]); every other operation left EXECUTING is failed.
    pub fn resumable_operations<S: Into<String>>(mut self, fragments: impl IntoIterator<Item = S>) -> Self {
        self.operations.resumable = fragments.into_iter().map(Into::into).collect();
        self
    }
}

/// SmartREST 2.0 / 1.0 and JSON error settings of a configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmartRestOptions {
    /// Collections checked (and created when missing) on every connect.
    pub collections: Vec<TemplateCollection>,
    /// `(X-ID, message id)` of response templates that render operations.
    pub operation_responses: Vec<(String, String)>,
    /// SmartREST 1.0 X-IDs whose `s/dl/<X-ID>` is subscribed.
    pub smartrest1: Vec<XId>,
    /// Whether the JSON over MQTT `error` topic is subscribed.
    pub json_errors: bool,
}

impl ConfigBuilder {
    /// Registers a SmartREST 2.0 collection: its `s/dc/<X-ID>` and `s/dt` are subscribed, it is
    /// created when missing, and [`Client::smartrest2`](super::Client::smartrest2) sends its use lines.
    pub fn collection(mut self, collection: TemplateCollection) -> Self {
        self.smartrest.collections.push(collection);
        self
    }

    /// Declares the response template `msg_id` of collection `xid` as an operation rendering:
    /// its lines arrive as [`Event::Operation`](super::Event::Operation) (see [`smartrest2`](super::smartrest2) for id and fragment).
    pub fn operation_response(mut self, xid: &str, msg_id: &str) -> Self {
        self.smartrest
            .operation_responses
            .push((xid.to_owned(), msg_id.to_owned()));
        self
    }

    /// Subscribes `s/dl/<X-ID>` for SmartREST 1.0 responses ([`Client::smartrest1`](super::Client::smartrest1)).
    pub fn smartrest1(mut self, xid: XId) -> Self {
        self.smartrest.smartrest1.push(xid);
        self
    }

    /// Subscribes the JSON over MQTT `error` topic ([`Event::JsonError`](super::Event::JsonError)).
    pub fn json_errors(mut self, on: bool) -> Self {
        self.smartrest.json_errors = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bootstrap_configuration_takes_the_connection_settings_of_the_builder() {
        let builder = Config::builder("c8y.example", "dev-7")
            .port(1884)
            .transport(TransportKind::Tcp)
            .trust(TrustRoots::CaPem("pem".to_owned()))
            .http_proxy("proxy.local", 3128, None)
            .json_operations(true);
        let bootstrap = builder.bootstrap_config("boot-pw", "/var/lib/dev/credentials");
        assert_eq!(bootstrap.host, "c8y.example");
        assert_eq!(bootstrap.device_id, "dev-7");
        assert_eq!(bootstrap.port, Some(1884));
        assert_eq!(bootstrap.transport, TransportKind::Tcp);
        assert_eq!(bootstrap.trust, TrustRoots::CaPem("pem".to_owned()));
        assert_eq!(
            bootstrap.proxy.as_ref().map(|p| (p.host.as_str(), p.port)),
            Some(("proxy.local", 3128))
        );
        assert_eq!(bootstrap.bootstrap_password.expose(), "boot-pw");
        assert_eq!(
            bootstrap.credentials_file,
            PathBuf::from("/var/lib/dev/credentials")
        );
        let short = bootstrap.clone().with_timeout(Duration::from_secs(2));
        assert_eq!(
            (short.timeout, short.poll_interval),
            (Duration::from_secs(2), Duration::from_millis(500))
        );
        let tiny = bootstrap.clone().with_timeout(Duration::from_millis(100));
        assert_eq!(
            tiny.poll_interval,
            Duration::from_millis(100),
            "never under 100 ms"
        );
        let long = bootstrap.with_timeout(Duration::from_secs(600));
        assert_eq!(
            long.poll_interval,
            Duration::from_secs(5),
            "the default when the timeout is long"
        );
    }

    #[test]
    fn json_operations_keeps_the_other_subscriptions() {
        let config = Config::builder("h", "d")
            .password("t", "u", "p")
            .json_operations(true)
            .build()
            .unwrap();
        let subscriptions = config.subscriptions();
        assert!(subscriptions.json_operations && subscriptions.static_downstream && subscriptions.errors);
    }

    #[test]
    fn overflow_policies_parse_from_their_names_in_any_case() {
        assert_eq!("reject".parse(), Ok(OverflowPolicy::Reject));
        assert_eq!("Drop_Oldest".parse(), Ok(OverflowPolicy::DropOldest));
        assert_eq!(
            "oldest".parse::<OverflowPolicy>(),
            Err(ParseOverflowPolicyError("oldest".into()))
        );
    }

    #[test]
    fn transports_parse_from_every_alias_in_any_case() {
        for (names, kind) in [
            (&["tcp", "TCP", "mqtt", "Mqtt"][..], TransportKind::Tcp),
            (&["tls", "TLS", "mqtts", "MQTTS"][..], TransportKind::Tls),
            (&["ws", "WS"][..], TransportKind::Ws),
            (&["wss", "Wss"][..], TransportKind::Wss),
        ] {
            for name in names {
                assert_eq!(name.parse::<TransportKind>(), Ok(kind), "{name}");
            }
        }
        for bad in ["", "udp", " tcp", "https"] {
            assert_eq!(
                bad.parse::<TransportKind>(),
                Err(ParseTransportError(bad.to_owned()))
            );
        }
    }

    fn base() -> ConfigBuilder {
        Config::builder("example.com", "dev1").password("t1", "device_dev1", "hunter2")
    }

    #[test]
    fn password_never_in_debug() {
        let config = base().build().unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("***"));
        assert_eq!(config.credentials().username().as_deref(), Some("t1/device_dev1"));
    }

    #[test]
    fn defaults_and_client_id() {
        let config = base().build().unwrap();
        assert_eq!(config.port(), 8883);
        assert_eq!(config.client_id().to_string(), "dev1");
        let config = base()
            .default_xid("myXid")
            .transport(TransportKind::Wss)
            .build()
            .unwrap();
        assert_eq!(config.client_id().to_string(), "d:dev1:myXid");
        assert_eq!(config.port(), 443);
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(matches!(
            Config::builder("h", "a:b").password("t", "u", "p").build(),
            Err(ConfigError::DeviceId(_))
        ));
        assert_eq!(
            Config::builder("h", "d").build().unwrap_err(),
            ConfigError::Missing("credentials")
        );
        assert_eq!(
            base().persistence_dir("").build().unwrap_err(),
            ConfigError::Missing("persistence directory")
        );
        assert_eq!(
            base().http_proxy("", 3128, None).build().unwrap_err(),
            ConfigError::Missing("proxy host")
        );
        let config = base()
            .persistence_dir("/tmp/x")
            .http_proxy("p", 3128, Some(("u".to_owned(), Secret::new("proxy-pw"))))
            .build()
            .unwrap();
        assert_eq!(config.http_proxy().map(|p| p.port), Some(3128));
        assert!(!format!("{config:?}").contains("proxy-pw"));
        assert!(matches!(
            base().keep_alive(Duration::from_millis(500)).build(),
            Err(ConfigError::Invalid { name, .. }) if name == "keep_alive"
        ));
    }

    #[test]
    fn subscription_topics_in_order() {
        let subs = Subscriptions {
            template_status: true,
            collections: vec![XId::new("x1").unwrap()],
            json_operations: true,
            ..Subscriptions::default()
        };
        assert_eq!(
            subs.topics(),
            ["s/ds", "s/e", "s/dt", "s/dc/x1", "devicecontrol/notifications"]
        );
    }
}
