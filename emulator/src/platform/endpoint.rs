//! The interface between the MQTT server and the platform, in both directions.
//!
//! The server calls a [`Platform`] for every accepted device publish (and a last will), and the
//! platform answers devices through the [`Connections`] it receives in [`Platform::attach`],
//! which the server implements. Every call is also recorded in the emulator's journal, so tests
//! can inspect traffic without a platform at all.

use bytes::Bytes;
use c8y_mqtt::QoS;

use std::sync::Arc;

use crate::platform::users::Principal;

/// The transport a session arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// Plain TCP.
    Mqtt,
    /// TLS over TCP.
    Mqtts,
    /// WebSocket at `/mqtt`.
    Ws,
    /// Secure WebSocket at `/mqtt`.
    Wss,
}

/// The MQTT protocol version a client asked for in CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolVersion {
    /// MQTT 3.1 (`MQIsdp`, level 3).
    V31,
    /// MQTT 3.1.1 (`MQTT`, level 4).
    V311,
    /// Anything else (MQTT 5, unknown names or levels): CONNACK 1.
    Unsupported,
}

/// Who is behind a connected session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Unique per accepted connection (increasing).
    pub connection_id: u64,
    /// The client id as sent in CONNECT.
    pub client_id: String,
    /// The device identifier from the client id: one session per device id.
    pub device_id: String,
    /// The default SmartREST 2.0 X-ID from the client id.
    pub default_xid: Option<String>,
    /// The login.
    pub principal: Principal,
    /// The transport.
    pub transport: Transport,
    /// The MQTT version of the CONNECT.
    pub protocol: ProtocolVersion,
    /// Keep-alive in seconds from CONNECT (0 = none).
    pub keep_alive: u16,
}

impl SessionInfo {
    /// The tenant of the login (`management` for the bootstrap user).
    pub fn tenant(&self) -> &str {
        self.principal.tenant()
    }

    /// The user of the login, without the tenant prefix.
    pub fn user(&self) -> &str {
        self.principal.user()
    }
}

/// Where a publish handed to the platform came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishOrigin {
    /// The device sent it.
    Device,
    /// The session's last will, published after an abnormal disconnect.
    LastWill,
}

/// A publish accepted from a device (retain is ignored, so it is not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePublish {
    /// Topic name.
    pub topic: String,
    /// Payload bytes.
    pub payload: Bytes,
    /// QoS it was sent with.
    pub qos: QoS,
    /// Device publish or last will.
    pub origin: PublishOrigin,
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The client sent DISCONNECT.
    ClientDisconnect,
    /// The connection closed or failed without DISCONNECT.
    ConnectionLost(String),
    /// Nothing was received for 1.5 × keep-alive.
    KeepAliveExpired,
    /// A newer connection with the same device id took over.
    TakenOver,
    /// Closed by the `drop_connection` fault.
    Dropped,
    /// A packet over the 16184-byte limit.
    PacketTooLarge {
        /// Its size (at least).
        size: usize,
    },
    /// A protocol violation (malformed packet, second CONNECT, wildcard in a publish topic …).
    ProtocolError(String),
    /// The emulator shut down.
    Shutdown,
    /// The endpoint restarted (`EmulatorHandle::restart`).
    Restart,
}

impl DisconnectReason {
    /// Whether the last will is published: on abnormal disconnects (lost connection, keep-alive,
    /// protocol errors, oversize, dropped by fault), not on DISCONNECT, takeover (the device is
    /// still connected through the newer session), emulator shutdown or restart (the endpoint
    /// that would process the will is going away).
    pub fn publishes_will(&self) -> bool {
        !matches!(
            self,
            DisconnectReason::ClientDisconnect
                | DisconnectReason::TakenOver
                | DisconnectReason::Shutdown
                | DisconnectReason::Restart
        )
    }
}

/// The platform model behind the MQTT layer. All methods are called on the session's task and
/// must not block; to answer a device, use the [`Connections`] given to [`Platform::attach`].
pub trait Platform: Send + Sync + 'static {
    /// Called once at start with the server's connections, for server → device publishes.
    fn attach(&self, connections: Arc<dyn Connections>) {
        let _ = connections;
    }

    /// A session was accepted (after CONNACK 0 was sent).
    fn on_connect(&self, session: &SessionInfo) {
        let _ = session;
    }

    /// Whether the login may open a session for the client id's device (checked after the
    /// credentials, before CONNACK; `false` refuses with CONNACK 5). Default: allowed.
    fn authorize_connect(&self, session: &SessionInfo) -> bool {
        let _ = session;
        true
    }

    /// A device publish was accepted (QoS 2: on PUBREL), or a last will is published.
    fn on_publish(&self, session: &SessionInfo, publish: &DevicePublish);

    /// Whether the session may subscribe to `topic`. Upstream and wildcard topics are refused
    /// before this is asked. Default: allowed (a later phase refuses before the device exists).
    fn authorize_subscribe(&self, session: &SessionInfo, topic: &str) -> bool {
        let _ = (session, topic);
        true
    }

    /// A session ended (after the will, if any, was handed to [`Platform::on_publish`]).
    fn on_disconnect(&self, session: &SessionInfo, reason: &DisconnectReason) {
        let _ = (session, reason);
    }
}

/// Why a server → device publish was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UndeliveredReason {
    /// No session for that device id.
    #[error("the device is not connected")]
    NotConnected,
    /// The session has not subscribed to the topic (exact match).
    #[error("the device has not subscribed to the topic")]
    NotSubscribed,
}

/// How the platform reaches connected devices. The MQTT server implements it and hands it to
/// [`Platform::attach`]; tests get it from the handle.
pub trait Connections: Send + Sync + 'static {
    /// Publishes to the session of `device_id` in `tenant` if it subscribed to exactly `topic`
    /// (the bootstrap user's sessions are in tenant `management`).
    ///
    /// The publish goes out at the lower of `qos` and the subscription's granted QoS (the
    /// standard MQTT rule; passing [`QoS::ExactlyOnce`] delivers at the subscription's QoS, which
    /// is what Cumulocity does). Retain is never set. Returns that QoS, or why it was not
    /// delivered (also recorded in the journal).
    fn publish_to(
        &self,
        tenant: &str,
        device_id: &str,
        topic: &str,
        payload: Bytes,
        qos: QoS,
    ) -> Result<QoS, UndeliveredReason>;

    /// Closes the device's connection as a network failure would (the will is published).
    /// Returns whether a session was connected.
    fn drop_connection(&self, tenant: &str, device_id: &str) -> bool;

    /// The connected sessions, oldest first.
    fn sessions(&self) -> Vec<SessionInfo>;

    /// The topics the device's current session subscribed to (sorted; empty when not connected).
    fn subscriptions(&self, tenant: &str, device_id: &str) -> Vec<String>;

    /// Whether a session with this device id is connected in `tenant`.
    fn is_connected(&self, tenant: &str, device_id: &str) -> bool {
        self.sessions()
            .iter()
            .any(|s| s.device_id == device_id && s.tenant() == tenant)
    }
}
