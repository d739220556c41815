//! The MQTT server: listeners (TCP, TLS, WebSocket, secure WebSocket), the packet codec, one task
//! per connection with its limits, and the table of connected sessions (docs/protocol.md §1).
//!
//! The server depends on the platform and never the reverse: it hands every accepted publish to
//! a [`Platform`](crate::platform::Platform) and implements the platform's
//! [`Connections`](crate::platform::Connections), through which the platform publishes to devices.
//!
//! Modules: `listener` + `transport` (accept and handshakes), `tls_certs` (generated or PEM TLS
//! material), `codec` (framing on rumqttc's packet codec), `connection` (one connection),
//! `topics` (subscription rules), `session_table` (one session per device id), `faults` (fault
//! injection), `login_limit` (wrong-password rate limit per address), `shared` (state shared by the listeners, connections and the handle).

pub(crate) mod codec;
pub(crate) mod connection;
pub(crate) mod faults;
pub(crate) mod listener;
pub(crate) mod login_limit;
pub(crate) mod session_table;
pub(crate) mod shared;
pub(crate) mod tls_certs;
pub(crate) mod topics;
pub(crate) mod transport;
