//! The JSON errors published on `error` (reference §10):
//! `{"error":"undefined/validationError","message":"…","messageId":3}`.
//!
//! The reference shows one example, with `error` = `undefined/validationError`. The other kinds
//! follow its pattern: `undefined/notFound` (HTTP 404), `undefined/methodNotAllowed` (405).
//! `messageId` is the MQTT packet id of the failing publish; a QoS 0 publish has none, and then
//! the member is left out.

use serde_json::{Map, Value};

use crate::platform::request::{ApiError, Reply};

/// The topic JSON errors are published on.
pub const ERROR_TOPIC: &str = "error";

/// `error` of a body or target the platform refuses (HTTP 422), and of a malformed payload.
pub const VALIDATION_ERROR: &str = "undefined/validationError";
/// `error` of a target that does not exist, or a topic that names no resource (HTTP 404).
pub const NOT_FOUND: &str = "undefined/notFound";
/// `error` of an action the resource does not support (HTTP 405).
pub const METHOD_NOT_ALLOWED: &str = "undefined/methodNotAllowed";
/// Error kind: the target belongs to another device (REST's `security/Forbidden`, 403).
pub const FORBIDDEN: &str = "security/Forbidden";

/// One JSON error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// `<domain>/<kind>`, e.g. `undefined/validationError`.
    pub error: String,
    /// The human-readable message.
    pub message: String,
    /// The MQTT packet id of the failing publish (none for QoS 0).
    pub message_id: Option<u16>,
}

impl JsonError {
    /// A validation error.
    pub fn validation(message: impl Into<String>, message_id: Option<u16>) -> Self {
        Self::new(VALIDATION_ERROR, message, message_id)
    }

    /// An error of kind `error`.
    pub fn new(error: &str, message: impl Into<String>, message_id: Option<u16>) -> Self {
        Self {
            error: error.to_owned(),
            message: message.into(),
            message_id,
        }
    }

    /// The error for a request the model refused.
    pub fn from_api(error: &ApiError, message_id: Option<u16>) -> Self {
        let kind = match error {
            ApiError::Invalid(_) => VALIDATION_ERROR,
            ApiError::NotFound(_) => NOT_FOUND,
            ApiError::NotSupported(_) => METHOD_NOT_ALLOWED,
            ApiError::Forbidden(_) => FORBIDDEN,
        };
        Self::new(kind, error.to_string(), message_id)
    }

    /// The JSON text (members in the order `error`, `message`, `messageId`).
    pub fn to_json(&self) -> String {
        // Built by hand so that the member order is the documented one whatever serde_json's
        // map ordering is.
        let mut out = String::from("{\"error\":");
        out.push_str(&Value::String(self.error.clone()).to_string());
        out.push_str(",\"message\":");
        out.push_str(&Value::String(self.message.clone()).to_string());
        if let Some(id) = self.message_id {
            out.push_str(",\"messageId\":");
            out.push_str(&id.to_string());
        }
        out.push('}');
        out
    }

    /// The error as a JSON object.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("error".into(), self.error.clone().into());
        map.insert("message".into(), self.message.clone().into());
        if let Some(id) = self.message_id {
            map.insert("messageId".into(), id.into());
        }
        Value::Object(map)
    }

    /// The reply on [`ERROR_TOPIC`].
    pub fn reply(&self) -> Reply {
        Reply::new(ERROR_TOPIC, self.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example_byte_for_byte() {
        let e = JsonError::validation(
            "Following mandatory fields should be included: severity,text,time",
            Some(3),
        );
        let text = r#"{"error":"undefined/validationError","message":"Following mandatory fields should be included: severity,text,time","messageId":3}"#;
        assert_eq!(e.to_json(), text);
        assert_eq!(serde_json::from_str::<Value>(text).unwrap(), e.to_value());
    }

    #[test]
    fn qos0_has_no_message_id_and_messages_are_escaped() {
        let e = JsonError::new(NOT_FOUND, "a \"b\"\n", None);
        assert_eq!(
            e.to_json(),
            r#"{"error":"undefined/notFound","message":"a \"b\"\n"}"#
        );
        assert_eq!(e.reply().topic, "error");
    }

    #[test]
    fn api_errors_map_to_kinds() {
        let k = |e: ApiError| JsonError::from_api(&e, Some(1)).error;
        assert_eq!(k(ApiError::Invalid("x".into())), VALIDATION_ERROR);
        assert_eq!(k(ApiError::NotFound("x".into())), NOT_FOUND);
        assert_eq!(k(ApiError::NotSupported("x".into())), METHOD_NOT_ALLOWED);
    }
}
