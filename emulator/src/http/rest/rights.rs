//! Device users' rights on the REST API, as the platform grants them (docs/protocol.md §1.3,
//! §3): a user named `device_*` reaches only the devices it owns and their children, and the
//! measurements, events, alarms and operations of those; anything else is 403
//! (`security/Forbidden`). Administrators (every other user of the tenant) reach the whole
//! tenant; other tenants are refused at login.
//!
//! Decisions where the platform filters instead: a device user's listings must name one of its
//! devices (`source`, or `deviceId` for operations); an unfiltered listing, listing the
//! inventory, device registrations and SmartREST 1.0 collections are 403. Binaries: see
//! `binary_rights`.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::Shared;
use super::error::RestError;
use crate::platform::request::Resource;

/// The largest request body the rights check reads (the platform's document limit).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Whether `user` is a device user.
pub(crate) fn is_device_user(user: &str) -> bool {
    user.starts_with("device_")
}

/// Checks a device user's request; returns it (with its body restored) when allowed.
pub(crate) async fn check(shared: &Shared, user: &str, request: Request) -> Result<Request, RestError> {
    let Some(rights) = shared.state.rights.as_ref() else {
        return Ok(request);
    };
    if let Some(allowed) = binary_rights(shared, rights.as_ref(), user, &request) {
        return if allowed {
            Ok(request)
        } else {
            Err(RestError::forbidden("Access is denied"))
        };
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| RestError::invalid("request", e.to_string()))?;
    let owns = |id: &str| rights.owns(user, id);
    let decoded: Vec<String> = parts
        .uri
        .path()
        .trim_matches('/')
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let body_field = |pointer: &str| {
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.pointer(pointer).and_then(Value::as_str).map(str::to_owned))
    };
    let record_device = |resource: Resource, id: &str| {
        shared
            .state
            .reader
            .all(resource)
            .into_iter()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
            .and_then(|r| {
                let pointer = if resource == Resource::Operation {
                    "/deviceId"
                } else {
                    "/source/id"
                };
                Value::Object(r)
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
    };
    let allowed = match (segments.as_slice(), &parts.method) {
        (["inventory", "managedObjects"], &Method::POST) => true,
        (["inventory", "managedObjects", id, ..] | ["identity", "globalIds", id, ..], _) => owns(id),
        (["identity", "externalIds", id_type, value], _) => shared
            .state
            .reader
            .resolve_external_id(id_type, value)
            .is_none_or(|id| owns(&id)),
        ([api, collection], method) => match resource_of(api, collection) {
            Some(resource) if *method == Method::POST => {
                let pointer = if resource == Resource::Operation {
                    "/deviceId"
                } else {
                    "/source/id"
                };
                body_field(pointer).is_some_and(|id| owns(&id))
            }
            Some(resource) => {
                let name = if resource == Resource::Operation {
                    "deviceId"
                } else {
                    "source"
                };
                param(name).is_some_and(owns)
            }
            None => false,
        },
        ([api, collection, id], _) => match resource_of(api, collection) {
            Some(resource) if resource != Resource::ManagedObject => {
                record_device(resource, id).is_none_or(|device| owns(&device))
            }
            _ => false,
        },
        _ => false,
    };
    if !allowed {
        return Err(RestError::forbidden("Access is denied"));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Rights on binaries, decided without reading the body (uploads can be large); `None` for any
/// other path. A device user may upload inventory binaries and read any (firmware, software
/// and configuration files are shared by the devices of a tenant), but not replace or delete
/// them; it reaches the binary of an event only when the event's source is one of its devices.
fn binary_rights(
    shared: &Shared,
    rights: &dyn super::DeviceRights,
    user: &str,
    request: &Request,
) -> Option<bool> {
    let segments: Vec<&str> = request.uri().path().trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["inventory", "binaries"] => Some(request.method() == Method::POST),
        ["inventory", "binaries", _] => Some(request.method() == Method::GET),
        ["event", "events", id, "binaries"] => {
            let id = percent_decode_str(id).decode_utf8_lossy();
            let source = shared
                .state
                .reader
                .all(Resource::Event)
                .into_iter()
                .find(|r| r.get("id").and_then(Value::as_str) == Some(id.as_ref()))
                .and_then(|r| {
                    Value::Object(r)
                        .pointer("/source/id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            Some(source.is_none_or(|device| rights.owns(user, &device)))
        }
        _ => None,
    }
}

/// The resource of a data or device-control collection path.
fn resource_of(api: &str, collection: &str) -> Option<Resource> {
    match (api, collection) {
        ("measurement", "measurements") => Some(Resource::Measurement),
        ("event", "events") => Some(Resource::Event),
        ("alarm", "alarms") => Some(Resource::Alarm),
        ("devicecontrol", "operations") => Some(Resource::Operation),
        _ => None,
    }
}
