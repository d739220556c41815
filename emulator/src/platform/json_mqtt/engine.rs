//! JSON over MQTT publishes → [`ApiRequest`]s (reference §10).
//!
//! * `create`: the payload is the REST body. For events, alarms and measurements the `source`
//!   is overwritten: removed from the body so that the model fills in the request's device, and
//!   `externalSource: {"externalId": …}` (thin-edge's way of addressing a child) makes the named
//!   device the request's device; `externalSource` is removed from the body too. Managed-object
//!   bodies are passed as they are.
//! * `createBulk`: `{"events":[…]}` / `{"alarms":[…]}` / `{"measurements":[…]}`; each element is
//!   handled as by `create`. Elements for different devices become one `CreateBulk` per device,
//!   in order of first appearance.
//! * `update`: PUT on the topic's id. For `inventory/managedObjects` the id may be an internal id
//!   or a `c8y_Serial` external id (open question 12; thin-edge uses external ids): an all-digit
//!   id is tried as internal id first and, when the model does not find it, as external id;
//!   any other id is an external id.
//! * `delete`: DELETE by internal id; the payload is ignored.
//! * A successful request is answered with nothing; a malformed payload or a refused request
//!   with a [`JsonError`] on `error` carrying the publish's packet id.
//! * The processing mode is the caller's business: it sets [`RequestContext::persistent`].

use c8y_mqtt::topic::{JsonAction, JsonResource, JsonTopic, JsonTopicError};
use serde_json::Value;

use super::error::{JsonError, METHOD_NOT_ALLOWED, NOT_FOUND};
use crate::platform::request::{
    ApiError, ApiExecutor, ApiRequest, Document, ObjectRef, Reply, RequestContext, Resource,
};

/// The external id type of devices (and of `update` ids that are not internal ids).
pub const DEVICE_ID_TYPE: &str = "c8y_Serial";

/// The API resource of a JSON resource.
pub fn resource_of(resource: JsonResource) -> Resource {
    match resource {
        JsonResource::Events => Resource::Event,
        JsonResource::Alarms => Resource::Alarm,
        JsonResource::Measurements => Resource::Measurement,
        JsonResource::ManagedObjects => Resource::ManagedObject,
    }
}

/// A publish on `topic` by `context`'s device with MQTT packet id `message_id` (`None` for
/// QoS 0). Returns the error replies (at most one); nothing on success.
pub fn on_publish(
    context: &RequestContext,
    topic: &JsonTopic,
    payload: &[u8],
    message_id: Option<u16>,
    executor: &dyn ApiExecutor,
) -> Vec<Reply> {
    match handle(context, topic, payload, message_id, executor) {
        Ok(()) => Vec::new(),
        Err(error) => vec![error.reply()],
    }
}

/// The reply to a publish on a JSON topic that did not parse: `undefined/methodNotAllowed` for a
/// resource/action combination the platform does not support, `undefined/notFound` otherwise.
pub fn on_topic_error(error: &JsonTopicError, message_id: Option<u16>) -> Reply {
    let kind = match error {
        JsonTopicError::Unsupported { .. } => METHOD_NOT_ALLOWED,
        _ => NOT_FOUND,
    };
    JsonError::new(kind, error.to_string(), message_id).reply()
}

fn handle(
    context: &RequestContext,
    topic: &JsonTopic,
    payload: &[u8],
    message_id: Option<u16>,
    executor: &dyn ApiExecutor,
) -> Result<(), JsonError> {
    let resource = topic.resource();
    let api = resource_of(resource);
    let run = |context: &RequestContext, request: ApiRequest| {
        executor
            .execute(context, request)
            .map(drop)
            .map_err(|e| JsonError::from_api(&e, message_id))
    };
    match (topic.action(), topic.id()) {
        (JsonAction::Create, _) => {
            let body = object(parse(payload, message_id)?, message_id)?;
            let (context, body) = addressed(context, resource, body);
            run(
                &context,
                ApiRequest::Create {
                    resource: api,
                    body,
                    external_id: None,
                },
            )
        }
        (JsonAction::CreateBulk, _) => {
            let mut bulk = object(parse(payload, message_id)?, message_id)?;
            let key = resource.resource();
            let Some(Value::Array(items)) = bulk.remove(key) else {
                return Err(JsonError::validation(
                    format!("Body must be an object with a \"{key}\" array"),
                    message_id,
                ));
            };
            let mut groups: Vec<(RequestContext, Vec<Document>)> = Vec::new();
            for item in items {
                let (context, body) = addressed(context, resource, object(item, message_id)?);
                match groups.iter_mut().find(|(c, _)| c == &context) {
                    Some((_, bodies)) => bodies.push(body),
                    None => groups.push((context, vec![body])),
                }
            }
            for (context, bodies) in groups {
                run(
                    &context,
                    ApiRequest::CreateBulk {
                        resource: api,
                        bodies,
                    },
                )?;
            }
            Ok(())
        }
        (JsonAction::Update, Some(id)) => {
            let body = object(parse(payload, message_id)?, message_id)?;
            let id = id.as_str();
            if resource != JsonResource::ManagedObjects {
                return run(
                    context,
                    ApiRequest::Update {
                        resource: api,
                        target: ObjectRef::Id(id.to_owned()),
                        body,
                    },
                );
            }
            let external = ObjectRef::External {
                id_type: DEVICE_ID_TYPE.to_owned(),
                value: id.to_owned(),
            };
            if id.bytes().all(|b| b.is_ascii_digit()) {
                let by_id = ApiRequest::Update {
                    resource: api,
                    target: ObjectRef::Id(id.to_owned()),
                    body: body.clone(),
                };
                match executor.execute(context, by_id) {
                    Ok(_) => return Ok(()),
                    Err(ApiError::NotFound(_)) => {}
                    Err(e) => return Err(JsonError::from_api(&e, message_id)),
                }
            }
            run(
                context,
                ApiRequest::Update {
                    resource: api,
                    target: external,
                    body,
                },
            )
        }
        (JsonAction::Delete, Some(id)) => run(
            context,
            ApiRequest::Delete {
                resource: api,
                target: ObjectRef::Id(id.as_str().to_owned()),
            },
        ),
        // A JsonTopic for update/delete always has an id; kept total for safety.
        (action, None) => Err(JsonError::new(
            NOT_FOUND,
            format!("{resource}/{action} needs an object id level"),
            message_id,
        )),
    }
}

fn parse(payload: &[u8], message_id: Option<u16>) -> Result<Value, JsonError> {
    serde_json::from_slice(payload)
        .map_err(|e| JsonError::validation(format!("Payload is not valid JSON: {e}"), message_id))
}

fn object(value: Value, message_id: Option<u16>) -> Result<Document, JsonError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::validation("Payload must be a JSON object", message_id)),
    }
}

/// The request's device and body for a created object: `source` removed (the model fills in the
/// device), `externalSource.externalId` naming the device when given.
fn addressed(
    context: &RequestContext,
    resource: JsonResource,
    mut body: Document,
) -> (RequestContext, Document) {
    if resource == JsonResource::ManagedObjects {
        return (context.clone(), body);
    }
    body.remove("source");
    let mut context = context.clone();
    if let Some(external) = body.remove("externalSource")
        && let Some(Value::String(id)) = external.get("externalId")
        && !id.is_empty()
    {
        context.device = id.clone();
    }
    (context, body)
}
