//! What the REST routes of one model resource share: how a [`Resource`] is named on the wire
//! (error domain, path, media types, collection name) and the single-object requests (GET, POST,
//! PUT, DELETE) executed through the model's [`ApiExecutor`](crate::platform::request::ApiExecutor).

use axum::response::Response;
use serde_json::Value;

use super::error::RestError;
use super::links::{absolutize, segment};
use super::media::{self, MediaType};
use super::paging;
use super::request::RequestInfo;
use super::{AppState, Shared};
use crate::platform::request::{ApiRequest, Document, ObjectRef, Resource};

/// How one model resource appears in the REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RestResource {
    /// The model resource.
    pub(crate) resource: Resource,
    /// The error domain (`inventory`, `measurement`, …).
    pub(crate) domain: &'static str,
    /// The collection path, e.g. `/event/events`.
    pub(crate) path: &'static str,
    /// The media type of one object.
    pub(crate) media: MediaType,
    /// The media type of a page.
    pub(crate) collection_media: MediaType,
    /// The array's name in a page (`events`).
    pub(crate) collection_name: &'static str,
}

/// `inventory/managedObjects`.
pub(crate) const MANAGED_OBJECTS: RestResource = RestResource {
    resource: Resource::ManagedObject,
    domain: "inventory",
    path: "/inventory/managedObjects",
    media: media::MANAGED_OBJECT,
    collection_media: media::MANAGED_OBJECT_COLLECTION,
    collection_name: "managedObjects",
};

/// `measurement/measurements`.
pub(crate) const MEASUREMENTS: RestResource = RestResource {
    resource: Resource::Measurement,
    domain: "measurement",
    path: "/measurement/measurements",
    media: media::MEASUREMENT,
    collection_media: media::MEASUREMENT_COLLECTION,
    collection_name: "measurements",
};

/// `event/events`.
pub(crate) const EVENTS: RestResource = RestResource {
    resource: Resource::Event,
    domain: "event",
    path: "/event/events",
    media: media::EVENT,
    collection_media: media::EVENT_COLLECTION,
    collection_name: "events",
};

/// `alarm/alarms`.
pub(crate) const ALARMS: RestResource = RestResource {
    resource: Resource::Alarm,
    domain: "alarm",
    path: "/alarm/alarms",
    media: media::ALARM,
    collection_media: media::ALARM_COLLECTION,
    collection_name: "alarms",
};

/// `devicecontrol/operations`.
pub(crate) const OPERATIONS: RestResource = RestResource {
    resource: Resource::Operation,
    domain: "devicecontrol",
    path: "/devicecontrol/operations",
    media: media::OPERATION,
    collection_media: media::OPERATION_COLLECTION,
    collection_name: "operations",
};

impl RestResource {
    /// Runs `request` on the model, mapping its error into this resource's domain.
    pub(crate) fn execute(&self, shared: &Shared, request: ApiRequest) -> Result<Value, RestError> {
        shared
            .state
            .executor
            .execute(&shared.context(), request)
            .map_err(|error| RestError::api(self.domain, error))
    }

    /// An object from the model with its links made absolute for this request.
    pub(crate) fn present(&self, info: &RequestInfo, mut object: Value) -> Value {
        absolutize(&mut object, &info.base, self.path);
        object
    }

    /// `GET <path>/{id}`.
    pub(crate) fn get_one(
        &self,
        shared: &AppState,
        info: &RequestInfo,
        id: String,
    ) -> Result<Response, RestError> {
        let object = self.fetch(shared, id)?;
        Ok(media::ok(self.media, &self.present(info, object)))
    }

    /// The object `id` as the model returns it (404 when unknown).
    pub(crate) fn fetch(&self, shared: &Shared, id: String) -> Result<Value, RestError> {
        self.execute(
            shared,
            ApiRequest::Get {
                resource: self.resource,
                target: ObjectRef::Id(id),
            },
        )
    }

    /// `POST <path>` of one object.
    pub(crate) fn create(
        &self,
        shared: &AppState,
        info: &RequestInfo,
        body: Document,
        external_id: Option<(String, String)>,
    ) -> Result<Response, RestError> {
        let created = self.execute(
            shared,
            ApiRequest::Create {
                resource: self.resource,
                body,
                external_id,
            },
        )?;
        Ok(media::created(self.media, &self.present(info, created)))
    }

    /// `PUT <path>/{id}`.
    pub(crate) fn update(
        &self,
        shared: &AppState,
        info: &RequestInfo,
        id: String,
        body: Document,
    ) -> Result<Response, RestError> {
        let updated = self.execute(
            shared,
            ApiRequest::Update {
                resource: self.resource,
                target: ObjectRef::Id(id),
                body,
            },
        )?;
        Ok(media::ok(self.media, &self.present(info, updated)))
    }

    /// `DELETE <path>/{id}`.
    pub(crate) fn delete(&self, shared: &AppState, id: String) -> Result<Response, RestError> {
        self.execute(
            shared,
            ApiRequest::Delete {
                resource: self.resource,
                target: ObjectRef::Id(id),
            },
        )?;
        Ok(media::no_content())
    }

    /// Every object of the resource, oldest first.
    pub(crate) fn all(&self, shared: &Shared) -> Vec<Document> {
        shared.state.reader.all(self.resource)
    }

    /// A page of `objects` (already filtered and ordered) as this resource's collection.
    pub(crate) fn page(&self, info: &RequestInfo, objects: Vec<Document>) -> Result<Response, RestError> {
        let items = objects
            .into_iter()
            .map(|object| self.present(info, Value::Object(object)))
            .collect();
        let collection = paging::collection(info, self.collection_name, items)?;
        Ok(media::ok(self.collection_media, &collection))
    }

    /// The absolute URL of object `id`.
    pub(crate) fn url(&self, info: &RequestInfo, id: &str) -> String {
        info.url(&format!("{}/{}", self.path, segment(id)))
    }
}

/// The `source.id` of a body; measurements, events and alarms created over HTTP must name one
/// (there is no session device to default to).
pub(crate) fn require_source(domain: &str, body: &Document) -> Result<(), RestError> {
    let has_source = body
        .get("source")
        .and_then(|source| source.get("id"))
        .is_some_and(|id| id.as_str().is_some_and(|id| !id.is_empty()) || id.is_number());
    if has_source {
        Ok(())
    } else {
        Err(RestError::invalid(
            domain,
            "source: may not be null (a source with an id is required)",
        ))
    }
}
