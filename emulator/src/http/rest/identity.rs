//! Identity: `/identity/externalIds/{type}/{value}` (resolve an external id) and
//! `/identity/globalIds/{id}/externalIds` (a managed object's external ids; register one).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::error::RestError;
use super::links::segment;
use super::media;
use super::paging;
use super::request::{RequestInfo, RestPath, json_object, text};
use super::resource::MANAGED_OBJECTS;
use super::{AppState, Shared};

/// The error domain of identity requests.
const DOMAIN: &str = "identity";

/// An external id document: `{"externalId","type","self","managedObject":{"id","self"}}`.
fn external_id_document(info: &RequestInfo, id_type: &str, value: &str, managed_object_id: &str) -> Value {
    json!({
        "externalId": value,
        "type": id_type,
        "self": info.url(&format!("/identity/externalIds/{}/{}", segment(id_type), segment(value))),
        "managedObject": {
            "id": managed_object_id,
            "self": MANAGED_OBJECTS.url(info, managed_object_id),
        },
    })
}

/// `GET /identity/externalIds/{type}/{value}`.
pub(crate) async fn get_external_id(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath((id_type, value)): RestPath<(String, String)>,
) -> Result<Response, RestError> {
    let managed_object_id = shared
        .state
        .reader
        .resolve_external_id(&id_type, &value)
        .ok_or_else(|| {
            RestError::not_found(
                DOMAIN,
                format!("External id not found; external id = ID [type={id_type}, value={value}]"),
            )
        })?;
    Ok(media::ok(
        media::EXTERNAL_ID,
        &external_id_document(&info, &id_type, &value, &managed_object_id),
    ))
}

/// 404 unless managed object `id` exists.
fn require_managed_object(shared: &Shared, id: &str) -> Result<(), RestError> {
    MANAGED_OBJECTS.fetch(shared, id.to_owned()).map(|_| ())
}

/// `GET /identity/globalIds/{id}/externalIds`: a page named `externalIds`.
pub(crate) async fn list_external_ids(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    require_managed_object(&shared, &id)?;
    let items = shared
        .state
        .reader
        .external_ids(&id)
        .iter()
        .map(|(id_type, value)| external_id_document(&info, id_type, value, &id))
        .collect();
    let collection = paging::collection(&info, "externalIds", items)?;
    Ok(media::ok(media::EXTERNAL_ID_COLLECTION, &collection))
}

/// `POST /identity/globalIds/{id}/externalIds` with `{"type":…,"externalId":…}`.
pub(crate) async fn create_external_id(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    let Some(writer) = shared.state.external_ids.clone() else {
        return Err(RestError::not_supported(
            DOMAIN,
            "Registering external ids is not supported by this model",
        ));
    };
    let id_type = text(&body, "type").filter(|t| !t.is_empty());
    let value = text(&body, "externalId").filter(|v| !v.is_empty());
    let (Some(id_type), Some(value)) = (id_type, value) else {
        return Err(RestError::invalid(DOMAIN, "type and externalId are mandatory"));
    };
    require_managed_object(&shared, &id)?;
    writer
        .register_external_id(&id, &id_type, &value)
        .map_err(|error| RestError::api(DOMAIN, error))?;
    Ok(media::created(
        media::EXTERNAL_ID,
        &external_id_document(&info, &id_type, &value, &id),
    ))
}
