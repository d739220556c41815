//! # c8y-mqtt
//!
//! The device SDK for Cumulocity IoT's MQTT protocol. This crate is the Rust core shared by the
//! C ABI (`libc8ymqtt`) and the Python package (`c8y_mqtt`).
//!
//! * [`smartrest`]: the SmartREST codec (encode, decode, packet size, truncation).
//! * [`value`]: typed field values (numbers without loss, timestamps, severities, statuses).
//! * [`templates`]: every static template, upstream and downstream, as typed values.
//! * [`topic`]: typed topics and validated identifiers.
//! * [`smartrest2`]: SmartREST 2.0 template collections and use lines.
//! * [`client`]: the device client (connection, outbox, typed publishing, events).
//! * [`http`] (feature `http`, on by default): the platform HTTP client (tokens, downloads,
//!   uploads).
//! * [`workflows`] (feature `http`): log, configuration, firmware, software and device-profile
//!   operations driven end to end, with the device-specific step supplied by the application.
#![forbid(unsafe_code)]

pub mod client;
pub mod smartrest;
pub mod smartrest2;
pub mod templates;
pub mod topic;
pub mod value;

#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "http")]
pub mod workflows;

pub use smartrest::QoS;

/// The README's Rust snippets, compiled and run as doctests so they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
