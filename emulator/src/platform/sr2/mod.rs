//! SmartREST 2.0 request engine (reference §7): template collections, use lines translated into
//! [`ApiRequest`](crate::platform::request::ApiRequest)s, and responses and operations rendered by response
//! templates.
//!
//! Entry points (all on [`Sr2Registry`]):
//! * `on_template_topic(context, xid, payload, executor)` for `s/ut/<X-ID>`,
//! * `on_use(context, xid, channel, payload, executor)` for `s/uc/<X-ID>[/child]` and `s/ud`,
//! * `render_operation(tenant, subscriptions, operation, device_external_id)` for operations.
//!
//! Modules: [`registry`] (the engine), [`request`] (use line → request), [`response`] (response
//! templates → rows), [`json_path`] (the path subset, shared with SmartREST 1.0).

pub mod json_path;
pub mod registry;
pub mod request;
pub mod response;

#[cfg(test)]
pub(crate) mod fake_executor;
#[cfg(test)]
mod tests;

pub use json_path::{JsonPath, JsonPathError};
pub use registry::{Sr2Channel, Sr2Registry, Sr2Subscription};
