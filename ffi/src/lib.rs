//! The C ABI of c8y-mqtt: `libc8ymqtt.{a,so}` with the header `include/c8y_mqtt.h` (generated
//! from this crate by cbindgen, see `tests/header.rs`).
//!
//! * [`error`]: `c8y_result` codes, the thread's last error message, `c8y_result_str`.
//! * [`boundary`]: the panic boundary and argument checks every exported function goes through.
//! * [`options`]: the opaque options builder (`c8y_options_*`) and bootstrap registration.
//! * [`client`]: `c8y_client_new` / `close` / `free`, waiting, flushing, pulling events, callbacks
//!   on one dispatcher thread, fork detection.
//! * [`publish`]: typed template functions, the generic `c8y_client_send_static`, SmartREST 2.0
//!   use lines, JSON over MQTT and raw publishes, each returning a delivery id.
//! * [`event`]: the opaque `c8y_event`, its getters and the operation lifecycle calls.
//! * [`http`]: downloads, event and inventory binary uploads, the access token (the core's
//!   platform HTTP client).
//! * [`log`]: `c8y_set_log_callback`, the library's logs to a C callback on one log thread.
//! * [`workflows`]: the operation workflows (`c8y_device_management_*`) with a table of C
//!   handlers.
//! * [`remote_access`]: Cloud Remote Access (`c8y_remote_access_*`): the allow-list, the `530`
//!   operation, tunnel events.
//! * [`version`]: the runtime version string, `c8y_version`.
//!
//! Every exported function is `unsafe extern "C"`, checks each pointer for NULL and each string
//! for UTF-8, runs its body inside the panic boundary, and writes its outputs only on success.
#![deny(missing_docs)]
#![allow(non_camel_case_types)]

pub mod boundary;
pub mod client;
pub mod error;
pub mod event;
#[cfg(feature = "http")]
pub mod http;
pub mod log;
pub mod operation;
pub mod options;
pub mod publish;
pub mod registration;
#[cfg(feature = "remote-access")]
pub mod remote_access;
pub mod statistics;
pub mod version;
#[cfg(feature = "http")]
pub mod workflows;

#[cfg(test)]
mod test_support;
