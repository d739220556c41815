//! [`ApiRequest`]s on the model: every variant on every resource, with the REST API's errors.
//!
//! * The request's device (`RequestContext::device`, a `c8y_Serial`) is auto-created when
//!   unknown, as any MQTT publish does (docs/protocol.md §5.1): as a root device for a request
//!   without scope, as a first-level child of the session's device otherwise.
//! * A request with a scope (a device's publish) reaches only the scope's hierarchy: its device,
//!   a named `source`, an operation's `deviceId` and the target of an update, delete or get
//!   outside it are refused with [`ApiError::Forbidden`]; a managed object it creates becomes a
//!   child device of the request's device (a device cannot create root devices).
//! * `Create` of a measurement, event or alarm: `source` is the request's device unless the body
//!   names an existing managed object; `time` defaults to now; `type` is mandatory (422). Alarms
//!   also need `text` and `severity` and are de-duplicated by (source, type). Transient requests
//!   (`persistent == false`) return the document without storing it.
//! * `Create` of an operation needs `deviceId` naming an existing managed object.
//! * `Update` merges (a `null` removes a fragment); `Delete` of a managed object removes its
//!   identities and references.

use serde_json::{Value, json};

use super::json::text;
use super::records::collection;
use super::{Link, Model, OperationSelector, parse_id};
use crate::platform::request::{ApiError, ApiRequest, Document, ObjectRef, RequestContext, Resource};

impl Model {
    /// Executes one request (see the module documentation).
    pub(crate) fn execute(
        &mut self,
        context: &RequestContext,
        request: ApiRequest,
    ) -> Result<Value, ApiError> {
        match request {
            ApiRequest::Create {
                resource,
                body,
                external_id,
            } => self.api_create(context, resource, body, external_id),
            ApiRequest::CreateBulk { resource, bodies } => {
                let key = collection(resource)
                    .rsplit('/')
                    .next()
                    .unwrap_or("items")
                    .to_owned();
                let mut created = Vec::with_capacity(bodies.len());
                for body in bodies {
                    created.push(self.api_create(context, resource, body, None)?);
                }
                Ok(json!({ key: created }))
            }
            ApiRequest::Update {
                resource,
                target,
                body,
            } => self.api_update(context, resource, &target, body),
            ApiRequest::Delete { resource, target } => self.api_delete(context, resource, &target),
            ApiRequest::Get { resource, target } => self.api_get(context, resource, &target),
        }
    }

    fn api_create(
        &mut self,
        context: &RequestContext,
        resource: Resource,
        mut body: Document,
        external_id: Option<(String, String)>,
    ) -> Result<Value, ApiError> {
        match resource {
            Resource::ManagedObject => {
                if let Some((id_type, value)) = &external_id
                    && self.find_external(id_type, value).is_some()
                {
                    return Err(ApiError::Invalid(format!(
                        "External id {value} of type {id_type} already exists"
                    )));
                }
                let parent = match context.scope {
                    Some(_) => Some(self.scope_device(context)?),
                    None => None,
                };
                let external = external_id.as_ref().map(|(t, v)| (t.as_str(), v.as_str()));
                let created = self.create_managed_object(body, external);
                if let (Some(parent), Some(id)) = (parent, text(&created, "id").and_then(parse_id)) {
                    self.link_child(parent, id, Link::Device);
                }
                Ok(Value::Object(created))
            }
            Resource::Operation => {
                let device = text(&body, "deviceId")
                    .and_then(parse_id)
                    .filter(|id| self.managed_object(*id).is_some())
                    .ok_or_else(|| {
                        ApiError::Invalid("Operation needs the deviceId of a managed object".into())
                    })?;
                if !self.in_scope(context, device) {
                    return Err(ApiError::Forbidden(format!(
                        "Device {device} is not in the hierarchy of the session's device"
                    )));
                }
                body.remove("deviceId");
                Ok(Value::Object(self.create_operation(device, body)))
            }
            Resource::Measurement | Resource::Event | Resource::Alarm => {
                let mandatory: &[&str] = match resource {
                    Resource::Alarm => &["type", "text", "severity"],
                    Resource::Event => &["type", "text"],
                    _ => &["type"],
                };
                let missing: Vec<&str> = mandatory
                    .iter()
                    .copied()
                    .filter(|k| !body.contains_key(*k))
                    .collect();
                if !missing.is_empty() {
                    return Err(ApiError::Invalid(format!(
                        "Following mandatory fields should be included: {}",
                        missing.join(",")
                    )));
                }
                let named_source = body
                    .get("source")
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_str)
                    .and_then(parse_id)
                    .filter(|id| self.managed_object(*id).is_some());
                let source = match named_source {
                    Some(id) if self.in_scope(context, id) => id,
                    Some(id) => {
                        return Err(ApiError::Forbidden(format!(
                            "Source {id} is not in the hierarchy of the session's device"
                        )));
                    }
                    None => self.scope_device(context)?,
                };
                self.touch_availability(source);
                Ok(Value::Object(self.create_record(
                    resource,
                    source,
                    body,
                    context.persistent,
                )))
            }
        }
    }

    /// Resolves a target to a managed-object id or a record index.
    fn resolve(
        &mut self,
        context: &RequestContext,
        resource: Resource,
        target: &ObjectRef,
    ) -> Result<u64, ApiError> {
        let not_found = || ApiError::NotFound(format!("{resource:?} {target:?} not found"));
        match (resource, target) {
            (Resource::ManagedObject, ObjectRef::Id(id)) => parse_id(id)
                .filter(|id| self.managed_object(*id).is_some())
                .ok_or_else(not_found),
            (Resource::ManagedObject, ObjectRef::External { id_type, value }) => {
                self.find_external(id_type, value).ok_or_else(not_found)
            }
            (_, ObjectRef::Id(id)) => self
                .record_index(resource, id)
                .map(|i| i as u64)
                .ok_or_else(not_found),
            (Resource::Alarm, ObjectRef::AlarmOfType(alarm_type)) => {
                let device = self.scope_device(context)?;
                self.alarm_of_type(device, alarm_type)
                    .map(|i| i as u64)
                    .ok_or_else(not_found)
            }
            (Resource::Operation, ObjectRef::OperationWithFragment(fragment)) => {
                let device = self.scope_device(context)?;
                ["EXECUTING", "PENDING"]
                    .into_iter()
                    .find_map(|status| {
                        self.select_operation(device, &OperationSelector::Oldest { fragment, status })
                    })
                    .map(|i| i as u64)
                    .ok_or_else(not_found)
            }
            _ => Err(ApiError::NotSupported(format!(
                "{target:?} does not address a {resource:?}"
            ))),
        }
    }

    fn api_update(
        &mut self,
        context: &RequestContext,
        resource: Resource,
        target: &ObjectRef,
        body: Document,
    ) -> Result<Value, ApiError> {
        let key = self.resolve(context, resource, target)?;
        self.check_scope(context, resource, key)?;
        let updated = if resource == Resource::ManagedObject {
            self.update_managed_object(key, body)
        } else {
            let index = usize::try_from(key).unwrap_or(usize::MAX);
            self.update_record_at(resource, index, body)
        };
        updated
            .map(Value::Object)
            .ok_or_else(|| ApiError::NotFound(format!("{resource:?} {target:?} not found")))
    }

    fn api_delete(
        &mut self,
        context: &RequestContext,
        resource: Resource,
        target: &ObjectRef,
    ) -> Result<Value, ApiError> {
        let key = self.resolve(context, resource, target)?;
        self.check_scope(context, resource, key)?;
        let deleted = if resource == Resource::ManagedObject {
            self.delete_managed_object(key)
        } else {
            self.delete_record_at(resource, usize::try_from(key).unwrap_or(usize::MAX))
        };
        if deleted {
            Ok(Value::Null)
        } else {
            Err(ApiError::NotFound(format!("{resource:?} {target:?} not found")))
        }
    }

    fn api_get(
        &mut self,
        context: &RequestContext,
        resource: Resource,
        target: &ObjectRef,
    ) -> Result<Value, ApiError> {
        let key = self.resolve(context, resource, target)?;
        self.check_scope(context, resource, key)?;
        let found = if resource == Resource::ManagedObject {
            self.managed_object(key).cloned()
        } else {
            self.records(resource)
                .get(usize::try_from(key).unwrap_or(usize::MAX))
                .cloned()
        };
        found
            .map(Value::Object)
            .ok_or_else(|| ApiError::NotFound(format!("{resource:?} {target:?} not found")))
    }
}
