//! What handlers need from a request besides its body: the base URL for `self` links (from the
//! `Host` header), the path and the query parameters in their order, path parameters, and JSON
//! bodies.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::AppState;
use super::error::RestError;
use crate::platform::request::Document;

/// The request's location and query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestInfo {
    /// `http://<host>` as the client addressed the server.
    pub(crate) base: String,
    /// The request path, e.g. `/inventory/managedObjects`.
    pub(crate) path: String,
    /// Decoded query parameters, in request order.
    pub(crate) params: Vec<(String, String)>,
}

impl RequestInfo {
    /// The first value of query parameter `name`, if given and not empty.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }

    /// Whether query parameter `name` is `true`.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl FromRequestParts<AppState> for RequestInfo {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, shared: &AppState) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .filter(|host| !host.is_empty())
            .map(str::to_owned)
            .or_else(|| parts.uri.authority().map(ToString::to_string))
            .or_else(|| shared.local_addr.map(|addr| addr.to_string()))
            .unwrap_or_else(|| "localhost".to_owned());
        let params = parts
            .uri
            .query()
            .map(|query| form_urlencoded::parse(query.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Ok(Self {
            base: format!("http://{host}"),
            path: parts.uri.path().to_owned(),
            params,
        })
    }
}

/// Path parameters, like axum's `Path`, but rejecting undecodable ones with an error document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RestPath<T>(pub(crate) T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for RestPath<T> {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, shared: &AppState) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, shared).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(RestError::bad_request(rejection.body_text())),
        }
    }
}

/// Reads a request body as a JSON object (400 if it is not one).
pub(crate) fn json_object(body: &[u8]) -> Result<Document, RestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RestError::bad_json(
            "Request body is empty; expected a JSON object",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(document)) => Ok(document),
        Ok(_) => Err(RestError::bad_json("Expected a JSON object")),
        Err(error) => Err(RestError::bad_json(format!("Could not read document: {error}"))),
    }
}

/// A string field of `document` (also accepting numbers, as ids sometimes are).
pub(crate) fn text(document: &Map<String, Value>, key: &str) -> Option<String> {
    match document.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
