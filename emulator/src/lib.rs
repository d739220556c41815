//! # c8y-mqtt-emulator
//!
//! A local emulator of Cumulocity IoT's MQTT endpoint, for tests and offline development. This
//! crate is its library (start it in-process on free ports and drive it through a handle); the
//! `c8y-emulator` binary runs it from the command line.
//!
//! Three parts, each in its own folder:
//! * `mqtt` — the MQTT server: MQTT 3.1 / 3.1.1 over TCP, TLS, WebSocket and
//!   secure WebSocket (`/mqtt`, subprotocol `mqtt`), Cumulocity's CONNACK codes, client-id
//!   parsing, one session per device id, QoS 0/1/2 both ways, keep-alive, last will, the
//!   16184-byte limit, and fault injection (docs/protocol.md §1);
//! * [`platform`] — the emulated platform: users, inventory, data, operations, bootstrap, and the
//!   static SmartREST, SmartREST 2.0, SmartREST 1.0 and JSON engines (docs/protocol.md §3, §5, §7,
//!   §8, §10). The server reaches it through [`Platform`]; it reaches devices through
//!   [`Connections`], which the server implements. The default platform is
//!   [`CumulocityPlatform`];
//! * [`http`] — the control API and the Cumulocity-shaped REST resources.
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
//! Beside them: `config` (configuration), `emulator` (builder, start), `handle` (the running
//! emulator), `journal` (the awaitable event log), and [`Clock`] (the time source tests can
//! advance), the SDK's own `c8y_mqtt::clock::Clock` re-exported.

mod config;
mod emulator;
mod handle;
pub mod http;
mod journal;
mod mqtt;
pub mod platform;

/// The public types of the stored platform data, at the path existing users import them from.
pub mod model {
    pub use crate::platform::store::{AcceptError, DeviceRequest, DeviceRequestStatus, RecordFilter};
}

/// The packet framing, for the fuzz target in `emulator/fuzz` (`emulator_packets`). Not a stable
/// API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::mqtt::codec::{FirstPacket, FrameError, read_connect, read_packet, write_packet};
}

pub use c8y_mqtt::clock::Clock;
pub use config::{EmulatorConfig, Limits, ListenerPorts, LoginFailureLimit, TlsSource, UserCredentials};
pub use emulator::{Emulator, EmulatorBuilder, StartError};
pub use handle::{BlockingEmulator, EmulatorHandle, ListenerAddrs, ReceivedPublish, SHUTDOWN_GRACE};
pub use http::remote_access::OperatorTunnel;
pub use journal::{EmulatorEvent, JournalStats, WaitTimeout};
pub use mqtt::tls_certs::TlsMaterialError;
pub use mqtt::transport::tls::TlsConfigError;
pub use platform::certificates::TrustedCertificate;
pub use platform::cumulocity::CumulocityPlatform;
pub use platform::delivery::{OperationRenderer, static_rows};
pub use platform::endpoint::{
    Connections, DevicePublish, DisconnectReason, Platform, ProtocolVersion, PublishOrigin, SessionInfo,
    Transport, UndeliveredReason,
};
pub use platform::engines::Engines;
pub use platform::users::{AuthError, ClientCertificate, Principal};

/// Locks a mutex, ignoring poisoning (the guarded data stays consistent: every critical section
/// is a single insert, remove or read).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
