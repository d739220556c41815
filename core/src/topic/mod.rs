//! Typed Cumulocity Core MQTT topics and the validated identifiers inside them
//! (docs/protocol.md §1.4, §2, §7.1, §8, §10).
//!
//! * [`id`]: [`DeviceId`], [`ExternalId`], [`XId`], [`ObjectId`] and [`IdError`].
//! * [`client_id`]: [`ClientId`], `[d:]<deviceId>[:<defaultX-ID>]`.
//! * [`mode`]: [`ProcessingMode`], the `s`/`t`/`q`/`c` prefix.
//! * [`topic_type`]: [`TopicType`], the `us`/`ds`/`uc`/… level, and [`Direction`].
//! * [`upstream`]: [`UpstreamTopic`] and [`SmartRestTopic`] (what a device publishes to).
//! * [`downstream`]: [`DownstreamTopic`] (what a device subscribes to).
//! * [`json`]: [`JsonTopic`], `[<mode>/]<api>/<resource>/<action>[/<id>]`.
//! * [`namespace`]: [`is_upstream`] and [`is_core_topic`] for vetting subscriptions.
//!
//! Every topic type renders with [`Display`](std::fmt::Display), writing straight into the
//! formatter, and parses with [`FromStr`](std::str::FromStr) through one parser ([`Topic`]);
//! errors are typed ([`TopicError`]).
//!
//! ```
//! use c8y_mqtt::topic::{ExternalId, ProcessingMode, Topic, UpstreamTopic};
//! let child = ExternalId::new("main:device:child01").unwrap();
//! let topic = UpstreamTopic::static_(ProcessingMode::Persistent).child(child);
//! assert_eq!(topic.to_string(), "s/us/main:device:child01");
//! assert_eq!("s/us/main:device:child01".parse::<UpstreamTopic>().unwrap(), topic.into());
//! assert!(matches!("s/ds".parse::<Topic>(), Ok(Topic::Downstream(_))));
//! ```

pub mod client_id;
pub mod downstream;
pub mod id;
pub mod json;
pub mod mode;
pub mod namespace;
mod parse;
pub mod topic_type;
pub mod upstream;

pub use client_id::{ClientId, ClientIdError};
pub use downstream::DownstreamTopic;
pub use id::{DeviceId, ExternalId, IdError, IdKind, ObjectId, XId};
pub use json::{JsonAction, JsonResource, JsonTopic, JsonTopicError};
pub use mode::{ProcessingMode, UnknownMode};
pub use namespace::{is_core_topic, is_upstream};
pub use parse::{Topic, TopicError};
pub use topic_type::{Direction, TopicType};
pub use upstream::{SmartRestChannel, SmartRestTopic, UpstreamTopic, static_topic_text, with_static_topic};

#[cfg(test)]
mod tests;
