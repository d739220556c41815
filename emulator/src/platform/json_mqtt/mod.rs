//! JSON over MQTT request engine (reference §10): publishes on
//! `[<mode>/]<api>/<resource>/<action>[/<id>]` translated into
//! [`ApiRequest`](crate::platform::request::ApiRequest)s, errors on `error`, operations rendered for
//! `devicecontrol/notifications`.
//!
//! Entry points:
//! * [`on_publish`]`(context, topic, payload, message_id, executor)` for a publish on a topic that
//!   parsed as a [`JsonTopic`](c8y_mqtt::topic::JsonTopic);
//! * [`on_topic_error`]`(error, message_id)` for a JSON-looking topic that did not parse (an
//!   unsupported resource/action combination, a missing id, …);
//! * [`operation_notification`]`(operation, device_external_id)` and
//!   [`operation_notifications`] (newline-delimited batch) for `devicecontrol/notifications`.
//!
//! Modules: [`engine`] (requests), [`error`] (the `error` topic's JSON), [`notification`]
//! (operations).

pub mod engine;
pub mod error;
pub mod notification;

#[cfg(test)]
mod tests;

pub use engine::{on_publish, on_topic_error};
pub use error::{ERROR_TOPIC, JsonError};
pub use notification::{OPERATIONS_TOPIC, operation_notification, operation_notifications};
