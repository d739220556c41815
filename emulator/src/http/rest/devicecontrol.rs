//! Device control: operations (`/devicecontrol/operations`, listing with `deviceId`, `agentId`,
//! `status`, `fragmentType`, `dateFrom`/`dateTo` on `creationTime`, `revert`; create, which the
//! model delivers to the device; get; update) and new device requests
//! (`/devicecontrol/newDeviceRequests`: list, register, get, accept with `{"status":"ACCEPTED"}`).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::error::RestError;
use super::filters::{equals, fragment, order_by_time, time_range, value_at};
use super::inventory::agent_and_descendants;
use super::links::segment;
use super::media;
use super::paging;
use super::request::{RequestInfo, RestPath, json_object, text};
use super::resource::{MANAGED_OBJECTS, OPERATIONS};
use crate::platform::request::DeviceRequest;

/// The error domain of device control requests.
const DOMAIN: &str = "devicecontrol";

/// The status a PUT sets to accept a new device request.
const ACCEPTED: &str = "ACCEPTED";

/// `GET /devicecontrol/operations`, oldest first by `creationTime`.
pub(crate) async fn list_operations(
    State(shared): State<AppState>,
    info: RequestInfo,
) -> Result<Response, RestError> {
    let mut objects = OPERATIONS.all(&shared);
    equals(&mut objects, &info, "deviceId", &["deviceId"], false);
    equals(&mut objects, &info, "status", &["status"], false);
    fragment(&mut objects, &info, "fragmentType");
    if let Some(agent_id) = info.param("agentId") {
        let devices = agent_and_descendants(agent_id, &MANAGED_OBJECTS.all(&shared));
        objects.retain(|object| value_at(object, &["deviceId"]).is_some_and(|id| devices.contains(&id)));
    }
    time_range(&mut objects, &info, "creationTime", DOMAIN)?;
    order_by_time(&mut objects, &info, "creationTime", false);
    OPERATIONS.page(&info, objects)
}

/// `POST /devicecontrol/operations`: an operation for `deviceId` (422 without one).
pub(crate) async fn create_operation(
    State(shared): State<AppState>,
    info: RequestInfo,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    if text(&body, "deviceId").is_none_or(|id| id.is_empty()) {
        return Err(RestError::invalid(DOMAIN, "deviceId: may not be null"));
    }
    OPERATIONS.create(&shared, &info, body, None)
}

/// `GET /devicecontrol/operations/{id}`.
pub(crate) async fn get_operation(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    OPERATIONS.get_one(&shared, &info, id)
}

/// `PUT /devicecontrol/operations/{id}`.
pub(crate) async fn update_operation(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    OPERATIONS.update(&shared, &info, id, body)
}

/// A new device request as the REST API shows it.
fn device_request_document(info: &RequestInfo, request: &DeviceRequest) -> Value {
    json!({
        "id": request.id,
        "status": request.status,
        "self": info.url(&format!("/devicecontrol/newDeviceRequests/{}", segment(&request.id))),
    })
}

/// `GET /devicecontrol/newDeviceRequests` (filter `status`), a page named `newDeviceRequests`.
pub(crate) async fn list_device_requests(
    State(shared): State<AppState>,
    info: RequestInfo,
) -> Result<Response, RestError> {
    let status = info.param("status");
    let items = shared
        .state
        .reader
        .device_requests()
        .iter()
        .filter(|request| status.is_none_or(|status| status == request.status))
        .map(|request| device_request_document(&info, request))
        .collect();
    let collection = paging::collection(&info, "newDeviceRequests", items)?;
    Ok(media::ok(media::NEW_DEVICE_REQUEST_COLLECTION, &collection))
}

/// `POST /devicecontrol/newDeviceRequests` with `{"id":…}`: registers a device id.
pub(crate) async fn create_device_request(
    State(shared): State<AppState>,
    info: RequestInfo,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    let Some(id) = text(&body, "id").filter(|id| !id.is_empty()) else {
        return Err(RestError::invalid(DOMAIN, "id: may not be null"));
    };
    let request = shared
        .state
        .reader
        .register_device(&id)
        .map_err(|error| RestError::api(DOMAIN, error))?;
    Ok(media::created(
        media::NEW_DEVICE_REQUEST,
        &device_request_document(&info, &request),
    ))
}

fn find_device_request(shared: &AppState, id: &str) -> Result<DeviceRequest, RestError> {
    shared
        .state
        .reader
        .device_requests()
        .into_iter()
        .find(|request| request.id == id)
        .ok_or_else(|| {
            RestError::not_found(
                DOMAIN,
                format!("Could not find new device request with id '{id}'"),
            )
        })
}

/// `GET /devicecontrol/newDeviceRequests/{id}`.
pub(crate) async fn get_device_request(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    let request = find_device_request(&shared, &id)?;
    Ok(media::ok(
        media::NEW_DEVICE_REQUEST,
        &device_request_document(&info, &request),
    ))
}

/// `PUT /devicecontrol/newDeviceRequests/{id}` with `{"status":"ACCEPTED"}`: accepts the request.
pub(crate) async fn update_device_request(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    find_device_request(&shared, &id)?;
    match text(&body, "status") {
        Some(status) if status == ACCEPTED => {
            let request = shared
                .state
                .reader
                .accept_device_request(&id)
                .map_err(|error| RestError::api(DOMAIN, error))?;
            Ok(media::ok(
                media::NEW_DEVICE_REQUEST,
                &device_request_document(&info, &request),
            ))
        }
        _ => Err(RestError::invalid(
            DOMAIN,
            "status: a new device request can only be set to ACCEPTED",
        )),
    }
}
