//! Error responses as Cumulocity sends them: a status code and an error document
//! `{"error":"<domain>/<kind>","message":"…","info":"https://…"}` of media type
//! `application/vnd.com.nsn.cumulocity.error+json`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::media;
use crate::platform::request::ApiError;

/// Where Cumulocity's error documents point for details.
pub(crate) const ERROR_INFO: &str =
    "https://cumulocity.com/guides/reference/rest-implementation/#a-name-error-reporting-a-error-reporting";

/// The challenge sent with 401 answers.
pub(crate) const WWW_AUTHENTICATE: &str = "Basic realm=\"Cumulocity\"";

/// A failed request: the status and the error document's `error` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RestError {
    status: StatusCode,
    error: String,
    message: String,
}

impl RestError {
    pub(crate) fn new(status: StatusCode, error: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            error: error.into(),
            message: message.into(),
        }
    }

    /// The model refused the request; `domain` is the API (`inventory`, `alarm`, …).
    pub(crate) fn api(domain: &str, error: ApiError) -> Self {
        let message = error.to_string();
        match error {
            ApiError::NotFound(_) => Self::not_found(domain, message),
            ApiError::Invalid(_) => Self::invalid(domain, message),
            ApiError::NotSupported(_) => Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{domain}/Method Not Allowed"),
                message,
            ),
            ApiError::Forbidden(_) => Self::forbidden(message),
        }
    }

    /// 403: the user has no right to the resource.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "security/Forbidden", message)
    }

    /// 404 in `domain`.
    pub(crate) fn not_found(domain: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{domain}/Not Found"), message)
    }

    /// 409 in `domain`: the target is in a state that refuses the request.
    pub(crate) fn conflict(domain: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, format!("{domain}/Conflict"), message)
    }

    /// 422 in `domain`: a body or query parameter the API cannot process.
    pub(crate) fn invalid(domain: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{domain}/Unprocessable Entity"),
            message,
        )
    }

    /// 400: the body is not a JSON document of the expected shape.
    pub(crate) fn bad_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "general/Bad Request", message)
    }

    /// 400: a path parameter that cannot be decoded.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "general/Bad Request", message)
    }

    /// 401: missing or wrong credentials.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "security/Unauthorized", message)
    }

    /// 405 for a method the emulator does not offer in `domain`.
    pub(crate) fn not_supported(domain: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{domain}/Method Not Allowed"),
            message,
        )
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "message": self.message, "info": ERROR_INFO });
        let mut response = media::json(self.status, media::ERROR, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(WWW_AUTHENTICATE),
            );
        }
        response
    }
}

/// The fallback for paths the API does not have.
pub(crate) async fn unknown_path(uri: axum::http::Uri) -> RestError {
    RestError::not_found("general", format!("No resource at {}", uri.path()))
}

/// The fallback for methods a path does not support.
pub(crate) async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> RestError {
    RestError::not_supported(
        "general",
        format!("Method {method} is not supported on {}", uri.path()),
    )
}
