//! # c8y-mqtt-emulator
//!
//! A local emulator of Cumulocity IoT's MQTT endpoint, for tests and offline development. This
//! crate is its library (start it in-process on free ports and drive it through a handle); the
//! `c8y-emulator` binary runs it from the command line.
//!
//! The MQTT server layer: MQTT 3.1 / 3.1.1 over TCP, TLS, WebSocket and
//! secure WebSocket (`/mqtt`, subprotocol `mqtt`), Cumulocity's CONNACK codes, client-id parsing,
//! one session per device id, QoS 0/1/2 both ways, keep-alive, last will, the 16184-byte limit,
//! and fault injection. The platform model plugs in through [`Platform`] and [`Outbox`]; the
//! default platform is [`CumulocityPlatform`]: the in-memory tenant model ([`model`]), static
//! SmartREST processing, bootstrap, and operation delivery (docs/protocol.md §3, §5).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use c8y_mqtt_emulator::Emulator;
//!
//! let emulator = Emulator::builder().tenant("t100").user("device_1", "secret").start().await?;
//! let addr = emulator.mqtt_addr();
//! // … connect a client as "t100/device_1" with client id "d:1" to `addr`, publish to s/us …
//! let received = emulator
//!     .wait_for_publish(|p| p.publish.topic == "s/us", Duration::from_secs(5))
//!     .await?;
//! println!("{:?} from {}", received.publish.payload, received.session.device_id);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Modules: `config` (configuration), `emulator` (builder, start), `handle` (the running
//! emulator), `listener` + `transport` (TCP/TLS/WS accept and handshakes), `tls_certs` (generated
//! or PEM TLS material), `codec` (framing on rumqttc's packet codec), `session` (one connection),
//! `auth` (logins), `topics` (subscription rules), `sessions` (registry
//! and outbox), `platform` (the plug-in trait), `journal` (awaitable event log), `faults`,
//! `cumulocity` (the default platform), `model` (its store), `static_processing` (`s/us`),
//! `operations` (status templates, `s/ds` rendering, renderer hook), `api` (the REST-shaped
//! requests the engines produce and the model executes), `sr2` (SmartREST 2.0 collections, use
//! lines, response templates), `json_mqtt` (JSON over MQTT), `sr1` (SmartREST 1.0 over MQTT).

pub mod api;
mod auth;
mod codec;
mod config;
mod control_api;
mod cumulocity;
mod emulator;
mod faults;
mod handle;
mod journal;
pub mod json_mqtt;
mod listener;
pub mod model;
mod operations;
mod platform;
pub mod rest;
mod routing;
mod session;
mod sessions;
mod shared;
pub mod sr1;
pub mod sr2;
mod static_processing;
mod tls_certs;
mod topics;
mod transport;

/// The packet framing, for the fuzz targets in `core/fuzz` (`emulator_packets`). Not a stable
/// API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::codec::{FirstPacket, FrameError, read_connect, read_packet, write_packet};
}

pub use auth::{AuthError, Principal};
pub use codec::ProtocolVersion;
pub use config::{EmulatorConfig, ListenerPorts, TlsSource, UserCredentials};
pub use cumulocity::CumulocityPlatform;
pub use emulator::{Emulator, EmulatorBuilder, StartError};
pub use handle::{BlockingEmulator, EmulatorHandle, ListenerAddrs, ReceivedPublish, SHUTDOWN_GRACE};
pub use journal::{EmulatorEvent, UndeliveredReason, WaitTimeout};
pub use operations::{OperationRenderer, static_rows};
pub use platform::{DevicePublish, DisconnectReason, Platform, PublishOrigin, SessionInfo, Transport};
pub use routing::Engines;
pub use sessions::Outbox;
pub use tls_certs::TlsMaterialError;
pub use transport::tls::{ClientCertificate, TlsConfigError};

/// Locks a mutex, ignoring poisoning (the guarded data stays consistent: every critical section
/// is a single insert, remove or read).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
