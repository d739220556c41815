//! SmartREST 1.0 over MQTT request engine (reference §8), minimal: collections of `10`/`11`
//! templates registered through [`Sr1Registry::register`], request rows on `s/ul/<X-ID>`
//! translated into [`ApiRequest`](crate::platform::request::ApiRequest)s, responses on `s/dl/<X-ID>`.
//!
//! Entry points (on [`Sr1Registry`]): `register(tenant, xid, payload)`,
//! `on_publish(context, xid, payload, executor)`.
//!
//! Modules: [`template`] (template rows and collections), [`engine`] (the registry and request
//! processing).

pub mod engine;
pub mod template;

#[cfg(test)]
mod tests;

pub use engine::{Sr1Registry, response_topic};
pub use template::{HttpMethod, ParamType, Sr1Collection, Sr1Error, Sr1RequestTemplate, Sr1ResponseTemplate};
