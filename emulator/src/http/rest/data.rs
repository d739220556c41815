//! Measurements (`/measurement/measurements`), events (`/event/events`) and alarms
//! (`/alarm/alarms`): listings with their filters, and single-object requests.
//!
//! Order follows Cumulocity: measurements oldest first, events and alarms newest first (by
//! `time`); `revert=true` flips it.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::AppState;
use super::error::RestError;
use super::filters::{equals, fragment, order_by_time, time_range};
use super::media;
use super::request::{RequestInfo, RestPath, json_object};
use super::resource::{ALARMS, EVENTS, MEASUREMENTS, require_source};
use crate::platform::request::{ApiRequest, Document};

/// `GET /measurement/measurements`: `source`, `type`, `fragmentType`, `valueFragmentType`,
/// `valueFragmentSeries`, `dateFrom`/`dateTo`, `revert`.
pub(crate) async fn list_measurements(
    State(shared): State<AppState>,
    info: RequestInfo,
) -> Result<Response, RestError> {
    let mut objects = MEASUREMENTS.all(&shared);
    equals(&mut objects, &info, "source", &["source", "id"], false);
    equals(&mut objects, &info, "type", &["type"], false);
    fragment(&mut objects, &info, "fragmentType");
    fragment(&mut objects, &info, "valueFragmentType");
    if let Some(series) = info.param("valueFragmentSeries") {
        let fragment_name = info.param("valueFragmentType");
        objects.retain(|object| {
            object.iter().any(|(name, value)| {
                fragment_name.is_none_or(|wanted| wanted == name)
                    && value
                        .as_object()
                        .is_some_and(|fragment| fragment.contains_key(series))
            })
        });
    }
    time_range(&mut objects, &info, "time", MEASUREMENTS.domain)?;
    order_by_time(&mut objects, &info, "time", false);
    MEASUREMENTS.page(&info, objects)
}

/// `POST /measurement/measurements`: one measurement, or several as `{"measurements":[…]}`.
pub(crate) async fn create_measurement(
    State(shared): State<AppState>,
    info: RequestInfo,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    let Some(list) = body.get("measurements") else {
        require_source(MEASUREMENTS.domain, &body)?;
        return MEASUREMENTS.create(&shared, &info, body, None);
    };
    let not_objects = || RestError::bad_json("measurements: expected an array of JSON objects");
    let bodies = list
        .as_array()
        .ok_or_else(not_objects)?
        .iter()
        .map(|item| item.as_object().cloned().ok_or_else(not_objects))
        .collect::<Result<Vec<Document>, RestError>>()?;
    for body in &bodies {
        require_source(MEASUREMENTS.domain, body)?;
    }
    let created = MEASUREMENTS.execute(
        &shared,
        ApiRequest::CreateBulk {
            resource: MEASUREMENTS.resource,
            bodies,
        },
    )?;
    let items: Vec<Value> = created
        .get("measurements")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| MEASUREMENTS.present(&info, item.clone()))
                .collect()
        })
        .unwrap_or_default();
    let collection = serde_json::json!({ "measurements": items });
    Ok(media::json(
        axum::http::StatusCode::CREATED,
        media::MEASUREMENT_COLLECTION,
        &collection,
    ))
}

/// `GET /measurement/measurements/{id}`.
pub(crate) async fn get_measurement(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    MEASUREMENTS.get_one(&shared, &info, id)
}

/// `DELETE /measurement/measurements/{id}`.
pub(crate) async fn delete_measurement(
    State(shared): State<AppState>,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    MEASUREMENTS.delete(&shared, id)
}

/// `GET /event/events`: `source`, `type`, `fragmentType`, `dateFrom`/`dateTo`, `revert`.
pub(crate) async fn list_events(
    State(shared): State<AppState>,
    info: RequestInfo,
) -> Result<Response, RestError> {
    let mut objects = EVENTS.all(&shared);
    equals(&mut objects, &info, "source", &["source", "id"], false);
    equals(&mut objects, &info, "type", &["type"], false);
    fragment(&mut objects, &info, "fragmentType");
    time_range(&mut objects, &info, "time", EVENTS.domain)?;
    order_by_time(&mut objects, &info, "time", true);
    EVENTS.page(&info, objects)
}

/// `POST /event/events`.
pub(crate) async fn create_event(
    State(shared): State<AppState>,
    info: RequestInfo,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    require_source(EVENTS.domain, &body)?;
    EVENTS.create(&shared, &info, body, None)
}

/// `GET /event/events/{id}`.
pub(crate) async fn get_event(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    EVENTS.get_one(&shared, &info, id)
}

/// `PUT /event/events/{id}`.
pub(crate) async fn update_event(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    EVENTS.update(&shared, &info, id, body)
}

/// `DELETE /event/events/{id}`.
pub(crate) async fn delete_event(
    State(shared): State<AppState>,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    EVENTS.delete(&shared, id)
}

/// `GET /alarm/alarms`: `source`, `type`, `status`, `severity` (each may list values separated by
/// commas), `resolved`, `fragmentType`, `dateFrom`/`dateTo`, `revert`.
pub(crate) async fn list_alarms(
    State(shared): State<AppState>,
    info: RequestInfo,
) -> Result<Response, RestError> {
    let mut objects = ALARMS.all(&shared);
    equals(&mut objects, &info, "source", &["source", "id"], false);
    equals(&mut objects, &info, "type", &["type"], true);
    equals(&mut objects, &info, "status", &["status"], true);
    equals(&mut objects, &info, "severity", &["severity"], true);
    if let Some(resolved) = info.param("resolved") {
        let resolved = resolved.eq_ignore_ascii_case("true");
        objects
            .retain(|object| (object.get("status").and_then(Value::as_str) == Some("CLEARED")) == resolved);
    }
    fragment(&mut objects, &info, "fragmentType");
    time_range(&mut objects, &info, "time", ALARMS.domain)?;
    order_by_time(&mut objects, &info, "time", true);
    ALARMS.page(&info, objects)
}

/// `POST /alarm/alarms`.
pub(crate) async fn create_alarm(
    State(shared): State<AppState>,
    info: RequestInfo,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    require_source(ALARMS.domain, &body)?;
    ALARMS.create(&shared, &info, body, None)
}

/// `GET /alarm/alarms/{id}`.
pub(crate) async fn get_alarm(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    ALARMS.get_one(&shared, &info, id)
}

/// `PUT /alarm/alarms/{id}`.
pub(crate) async fn update_alarm(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    ALARMS.update(&shared, &info, id, body)
}
