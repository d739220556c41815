//! # c8y-mqtt
//!
//! The device SDK for Cumulocity IoT's MQTT protocol. This crate is the Rust core shared by the
//! C ABI (`libc8ymqtt`) and the Python package (`c8y_mqtt`).
//!
//! ## Quick start
//!
//! Connect a device, create it in the inventory, send a measurement and wait for the
//! platform's acknowledgement. This example runs as a test against the local emulator
//! (crate [`c8y-mqtt-emulator`](https://docs.rs/c8y-mqtt-emulator), a dev-dependency); for a
//! real tenant use its MQTT host, TLS (the default transport) and the device's credentials,
//! or [`Config::from_env`](client::Config::from_env).
//!
//! ```
//! use std::time::Duration;
//! use c8y_mqtt::client::{BlockingClient, Config, DeliveryOutcome, TransportKind};
//! use c8y_mqtt::templates::upstream::{DeviceCreation, Temperature};
//! use c8y_mqtt::value::Number;
//! # use c8y_mqtt_emulator::Emulator;
//! # let emulator = Emulator::builder().tenant("t100").user("device_dev1", "secret").start_blocking()?;
//! # let port = emulator.handle().mqtt_addr().expect("an MQTT listener").port();
//!
//! let config = Config::builder("127.0.0.1", "dev1") // host and device id (its c8y_Serial)
//!     .port(port)
//!     .transport(TransportKind::Tcp) // a tenant: leave the default, TLS on 8883
//!     .password("t100", "device_dev1", "secret")
//!     .create_device(DeviceCreation::new())
//!     .build()?;
//! let client = BlockingClient::connect(config)?;
//! client.wait_connected(Duration::from_secs(30))?;
//! let delivery = client.publish(Temperature::new(Number::try_from(21.5)?))?;
//! assert_eq!(delivery.wait(Duration::from_secs(10)), Some(DeliveryOutcome::Acknowledged));
//! client.close();
//! # emulator.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//!
//! * [`smartrest`]: the SmartREST codec (encode, decode, packet size, truncation).
//! * [`value`]: typed field values (numbers without loss, timestamps, severities, statuses).
//! * [`templates`]: every static template, upstream and downstream, as typed values.
//! * [`topic`]: typed topics and validated identifiers.
//! * [`smartrest2`]: SmartREST 2.0 template collections and use lines.
//! * [`client`]: the device client (connection, outbox, typed publishing, events).
//! * [`clock`]: the time source of time-based behaviour, the system's or one tests advance.
//! * [`result_code`]: the result codes every face reports errors with (C `c8y_result`,
//!   Python `RESULT_CODES`), and which error gets which.
//! * [`http`] (feature `http`, on by default): the platform HTTP client (tokens, downloads,
//!   uploads).
//! * [`workflows`] (feature `http`): log, configuration, firmware, software and device-profile
//!   operations driven end to end, with the device-specific step supplied by the application.
//! * [`remote_access`] (feature `remote-access`, on by default): Cloud Remote Access, tunnels
//!   from the platform to allow-listed TCP targets on the device's side (`530`).
//!
//! ## Features
//!
//! * `websocket` (default): MQTT over WebSocket (`TransportKind::Ws`, `Wss`).
//! * `http-proxy` (default): the explicit HTTP CONNECT proxy (`ConfigBuilder::http_proxy`).
//! * `http` (default): the platform HTTP client and the operation workflows.
//! * `remote-access` (default, needs `http`): Cloud Remote Access.
//! * `test-util` (off by default): `clock::Clock::manual`, a clock tests advance instead of
//!   waiting (for example through a rejection window).
//!
//! Firmware builds may turn them off (`default-features = false`); a configuration that asks for
//! a missing one is then refused when it is built. The protocol facts the crate relies on are
//! in the repository's `docs/protocol.md`.
#![forbid(unsafe_code)]

pub mod client;
pub mod clock;
pub mod result_code;
pub mod smartrest;
pub mod smartrest2;
pub mod templates;
pub mod topic;
pub mod value;

#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "remote-access")]
pub mod remote_access;
#[cfg(feature = "http")]
pub mod workflows;

pub use smartrest::QoS;

/// The README's Rust snippets, compiled and run as doctests so they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
