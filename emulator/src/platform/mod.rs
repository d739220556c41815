//! The emulated Cumulocity platform: tenants, users and their rights, the inventory, identity,
//! measurements, events, alarms, operations and bootstrap requests, and the engines that turn
//! device publishes into platform requests: static templates (docs/protocol.md §5), SmartREST
//! 2.0 (§7), SmartREST 1.0 (§8) and JSON over MQTT (§10).
//!
//! The platform never imports the MQTT server. The server calls it through [`Platform`] and it
//! reaches devices through [`Connections`], both defined in [`endpoint`]; the server implements
//! [`Connections`].
//!
//! Modules: [`endpoint`] (the interface to the server), `users` (logins and principals),
//! `cumulocity` (the default platform), [`request`] (the REST-shaped requests the engines produce
//! and the store executes), [`store`] (the in-memory data), `static_templates` (`s/us`),
//! `delivery` (operation rendering on `s/ds` and the renderer hook), `engines` (routing to the
//! SmartREST 2.0, 1.0 and JSON engines), [`sr2`], [`sr1`], [`json_mqtt`], [`binaries`] (files
//! behind `/inventory/binaries` and `/event/events/{id}/binaries`), [`tokens`] (the device JWTs
//! of `s/uat`).

pub mod binaries;
pub(crate) mod cumulocity;
pub(crate) mod delivery;
pub mod endpoint;
pub(crate) mod engines;
pub mod json_mqtt;
pub mod request;
pub mod sr1;
pub mod sr2;
pub(crate) mod static_templates;
pub mod store;
pub mod tokens;
pub(crate) mod users;

pub use endpoint::{
    Connections, DevicePublish, DisconnectReason, Platform, PublishOrigin, SessionInfo, Transport,
};
