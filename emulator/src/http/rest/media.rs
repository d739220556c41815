//! Cumulocity's media types and JSON responses carrying them.
//!
//! Responses name the resource's media type with the parameters Cumulocity adds
//! (`application/vnd.com.nsn.cumulocity.managedobject+json;charset=UTF-8;ver=0.9`). Requests may
//! send either those or plain `application/json`: bodies are read as JSON whatever they declare.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

/// A media type name without parameters, e.g. `managedobject`.
pub(crate) type MediaType = &'static str;

/// One managed object.
pub(crate) const MANAGED_OBJECT: MediaType = "managedobject";
/// A page of managed objects.
pub(crate) const MANAGED_OBJECT_COLLECTION: MediaType = "managedobjectcollection";
/// A page of managed object references (`childDevices`).
pub(crate) const MANAGED_OBJECT_REFERENCE_COLLECTION: MediaType = "managedobjectreferencecollection";
/// One external id.
pub(crate) const EXTERNAL_ID: MediaType = "externalid";
/// A page of external ids.
pub(crate) const EXTERNAL_ID_COLLECTION: MediaType = "externalidcollection";
/// One measurement.
pub(crate) const MEASUREMENT: MediaType = "measurement";
/// A page of measurements.
pub(crate) const MEASUREMENT_COLLECTION: MediaType = "measurementcollection";
/// One event.
pub(crate) const EVENT: MediaType = "event";
/// A page of events.
pub(crate) const EVENT_COLLECTION: MediaType = "eventcollection";
/// One alarm.
pub(crate) const ALARM: MediaType = "alarm";
/// A page of alarms.
pub(crate) const ALARM_COLLECTION: MediaType = "alarmcollection";
/// One operation.
pub(crate) const OPERATION: MediaType = "operation";
/// A page of operations.
pub(crate) const OPERATION_COLLECTION: MediaType = "operationcollection";
/// One new device request.
pub(crate) const NEW_DEVICE_REQUEST: MediaType = "newdevicerequest";
/// A page of new device requests.
pub(crate) const NEW_DEVICE_REQUEST_COLLECTION: MediaType = "newdevicerequestcollection";
/// An error document.
pub(crate) const ERROR: MediaType = "error";

/// The `Content-Type` header value for `media`.
pub(crate) fn content_type(media: MediaType) -> String {
    format!("application/vnd.com.nsn.cumulocity.{media}+json;charset=UTF-8;ver=0.9")
}

/// A JSON response of `media`.
pub(crate) fn json(status: StatusCode, media: MediaType, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(&content_type(media)) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// `201 Created` with the new object and its `self` link as `Location`.
pub(crate) fn created(media: MediaType, body: &Value) -> Response {
    let mut response = json(StatusCode::CREATED, media, body);
    if let Some(location) = body
        .get("self")
        .and_then(Value::as_str)
        .and_then(|s| HeaderValue::from_str(s).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// `200 OK` with one object or a collection.
pub(crate) fn ok(media: MediaType, body: &Value) -> Response {
    json(StatusCode::OK, media, body)
}

/// `204 No Content`, the answer to DELETE.
pub(crate) fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Middleware: like Cumulocity, a successful POST or PUT without an `Accept` header is answered
/// without a body (status and `Location` stay).
pub(crate) async fn omit_body_without_accept(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let writes = matches!(
        *request.method(),
        axum::http::Method::POST | axum::http::Method::PUT
    );
    let wants_body = !writes || request.headers().contains_key(header::ACCEPT);
    let response = next.run(request).await;
    if wants_body || !response.status().is_success() {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}
