//! The inventory: `/inventory/managedObjects` (listing with `type`, `fragmentType`, `ids`,
//! `owner`; create), `/inventory/managedObjects/{id}` (get, update, delete) and
//! `/inventory/managedObjects/{id}/childDevices` (the child-device references, paged).

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value};

use super::AppState;
use super::error::RestError;
use super::filters::{equals, fragment, value_at};
use super::links::{absolutize, id_of, segment};
use super::media;
use super::paging;
use super::request::{RequestInfo, RestPath, json_object};
use super::resource::MANAGED_OBJECTS;
use crate::platform::request::Document;

/// `GET /inventory/managedObjects`, in creation order.
pub(crate) async fn list(State(shared): State<AppState>, info: RequestInfo) -> Result<Response, RestError> {
    let mut objects = MANAGED_OBJECTS.all(&shared);
    equals(&mut objects, &info, "type", &["type"], false);
    equals(&mut objects, &info, "owner", &["owner"], false);
    fragment(&mut objects, &info, "fragmentType");
    if let Some(ids) = info.param("ids") {
        let ids: HashSet<&str> = ids.split(',').map(str::trim).collect();
        objects.retain(|object| value_at(object, &["id"]).is_some_and(|id| ids.contains(id.as_str())));
    }
    MANAGED_OBJECTS.page(&info, objects)
}

/// `POST /inventory/managedObjects`.
pub(crate) async fn create(
    State(shared): State<AppState>,
    info: RequestInfo,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    MANAGED_OBJECTS.create(&shared, &info, body, None)
}

/// `GET /inventory/managedObjects/{id}`.
pub(crate) async fn get_one(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    MANAGED_OBJECTS.get_one(&shared, &info, id)
}

/// `PUT /inventory/managedObjects/{id}`.
pub(crate) async fn update(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    body: Bytes,
) -> Result<Response, RestError> {
    let body = json_object(&body)?;
    MANAGED_OBJECTS.update(&shared, &info, id, body)
}

/// `DELETE /inventory/managedObjects/{id}`.
pub(crate) async fn delete(
    State(shared): State<AppState>,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    MANAGED_OBJECTS.delete(&shared, id)
}

/// `GET /inventory/managedObjects/{id}/childDevices`: a page of references
/// `{"managedObject":{…},"self":"…/childDevices/<child id>"}` named `references`.
pub(crate) async fn child_devices(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    let parent = MANAGED_OBJECTS.fetch(&shared, id.clone())?;
    let all = MANAGED_OBJECTS.all(&shared);
    let parent_path = format!("{}/{}/childDevices", MANAGED_OBJECTS.path, segment(&id));
    let references = children(&parent, &id, &all)
        .into_iter()
        .map(|(child_id, object)| {
            let mut object = Value::Object(object);
            absolutize(&mut object, &info.base, MANAGED_OBJECTS.path);
            let mut reference = Map::new();
            reference.insert("managedObject".into(), object);
            reference.insert(
                "self".into(),
                Value::String(info.url(&format!("{parent_path}/{}", segment(&child_id)))),
            );
            Value::Object(reference)
        })
        .collect();
    let collection = paging::collection(&info, "references", references)?;
    Ok(media::ok(media::MANAGED_OBJECT_REFERENCE_COLLECTION, &collection))
}

/// The child devices of `parent` (id `parent_id`): those its `childDevices.references` name, then
/// those naming it in their `deviceParents`, each as the full object when the inventory has it.
pub(crate) fn children(parent: &Value, parent_id: &str, all: &[Document]) -> Vec<(String, Document)> {
    let mut found: Vec<(String, Document)> = Vec::new();
    let mut seen = HashSet::new();
    let referenced = references(parent.get("childDevices"));
    for (child_id, reference) in referenced {
        if seen.insert(child_id.clone()) {
            let full = all
                .iter()
                .find(|object| id_of(object.get("id")).as_deref() == Some(&child_id))
                .cloned();
            found.push((child_id, full.unwrap_or(reference)));
        }
    }
    for object in all {
        let Some(child_id) = id_of(object.get("id")) else {
            continue;
        };
        let names_parent = references(object.get("deviceParents"))
            .iter()
            .any(|(id, _)| id == parent_id);
        if names_parent && seen.insert(child_id.clone()) {
            found.push((child_id, object.clone()));
        }
    }
    found
}

/// The `(id, managedObject)` pairs of a reference collection fragment
/// (`{"references":[{"managedObject":{"id":…}}]}`).
fn references(fragment: Option<&Value>) -> Vec<(String, Document)> {
    fragment
        .and_then(|fragment| fragment.get("references"))
        .and_then(Value::as_array)
        .map(|references| {
            references
                .iter()
                .filter_map(|reference| reference.get("managedObject")?.as_object())
                .filter_map(|object| Some((id_of(object.get("id"))?, object.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// `agent_id` and every device below it (transitively), for the operations' `agentId` filter.
pub(crate) fn agent_and_descendants(agent_id: &str, all: &[Document]) -> HashSet<String> {
    let mut found = HashSet::from([agent_id.to_owned()]);
    let mut queue = vec![agent_id.to_owned()];
    while let Some(parent_id) = queue.pop() {
        let parent = all
            .iter()
            .find(|object| id_of(object.get("id")).as_deref() == Some(&parent_id))
            .map(|object| Value::Object(object.clone()))
            .unwrap_or(Value::Null);
        for (child_id, _) in children(&parent, &parent_id, all) {
            if found.insert(child_id.clone()) {
                queue.push(child_id);
            }
        }
    }
    found
}
