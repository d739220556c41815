//! JSON over MQTT (docs/protocol.md §10) as a thin API: [`JsonApi`] publishes measurements, events,
//! alarms and inventory updates to their JSON topics (`measurement/measurements/create`, …, in
//! the configured processing mode), and creates in bulk, updates and deletes
//! (`createBulk`, `update/<id>`, `delete/<id>`), size-checked like every publish; errors the platform
//! returns on `error` (subscribed with [`ConfigBuilder::json_errors`](super::ConfigBuilder::json_errors))
//! arrive as [`Event::JsonError`].

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::QoS;
use crate::topic::{JsonResource, JsonTopic, ObjectId};

use super::delivery::Delivery;
use super::entity::publish_payloads;
use super::error::ClientError;
use super::events::Event;
use super::{Client, Shared};

/// An error line of the JSON over MQTT `error` topic, e.g.
/// `{"error":"undefined/validationError","message":"…","messageId":3}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// The error code (`error`).
    pub error: String,
    /// The message (`message`).
    pub message: String,
    /// The failing message's id (`messageId`), when given.
    pub message_id: Option<String>,
}

/// Publishes JSON documents; from [`Client::json`].
///
/// ```no_run
/// # fn run(client: &c8y_mqtt::client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use serde_json::json;
/// // measurement/measurements/create; the platform sets `source` from the client id
/// client.json().create_measurement(&json!({
///     "type": "c8y_Temperature",
///     "c8y_Temperature": {"T": {"value": 21.5, "unit": "C"}}
/// }))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct JsonApi {
    shared: Arc<Shared>,
    qos: Option<QoS>,
}

impl JsonApi {
    /// The same publisher with QoS `qos` instead of the configured default.
    #[must_use]
    pub fn with_qos(self, qos: QoS) -> Self {
        Self {
            qos: Some(qos),
            ..self
        }
    }

    fn publish(&self, topic: JsonTopic, document: &Value) -> Result<Delivery, ClientError> {
        let config = &self.shared.config;
        let topic = topic.with_mode(config.mode).to_string();
        let payload = serde_json::to_string(document).map_err(|e| ClientError::Json(e.to_string()))?;
        let qos = self.qos.unwrap_or(config.default_qos);
        publish_payloads(&self.shared, topic, vec![payload], qos, false)
    }

    /// Creates a measurement (`measurement/measurements/create`).
    pub fn create_measurement(&self, measurement: &Value) -> Result<Delivery, ClientError> {
        self.publish(JsonTopic::create(JsonResource::Measurements), measurement)
    }

    /// Creates an event (`event/events/create`).
    pub fn create_event(&self, event: &Value) -> Result<Delivery, ClientError> {
        self.publish(JsonTopic::create(JsonResource::Events), event)
    }

    /// Creates an alarm (`alarm/alarms/create`).
    pub fn create_alarm(&self, alarm: &Value) -> Result<Delivery, ClientError> {
        self.publish(JsonTopic::create(JsonResource::Alarms), alarm)
    }

    /// Creates an object of any resource (`<api>/<resource>/create`), e.g. a managed object on
    /// `inventory/managedObjects/create`.
    pub fn create(&self, resource: JsonResource, document: &Value) -> Result<Delivery, ClientError> {
        self.publish(JsonTopic::create(resource), document)
    }

    /// Creates several objects in one message (`<api>/<resource>/createBulk`): `collection` is
    /// the REST collection, e.g. `{"measurements": [...]}`. Events, alarms and measurements
    /// only (docs/protocol.md §10); [`ClientError::Json`] for managed objects.
    ///
    /// ```no_run
    /// # fn run(client: &c8y_mqtt::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use c8y_mqtt::topic::JsonResource;
    /// use serde_json::json;
    /// client.json().create_bulk(JsonResource::Events, &json!({"events": [
    ///     {"type": "c8y_Door", "text": "opened", "time": "2026-01-01T00:00:00Z"},
    ///     {"type": "c8y_Door", "text": "closed", "time": "2026-01-01T00:01:00Z"}
    /// ]}))?;
    /// # Ok(()) }
    /// ```
    pub fn create_bulk(&self, resource: JsonResource, collection: &Value) -> Result<Delivery, ClientError> {
        let topic = JsonTopic::create_bulk(resource).map_err(|e| ClientError::Json(e.to_string()))?;
        self.publish(topic, collection)
    }

    /// Updates the object `id` (`<api>/<resource>/update/<id>`): events, alarms and managed
    /// objects (for managed objects `id` may be an external id); [`ClientError::Json`] for
    /// measurements, [`ClientError::Id`] for an id that cannot be a topic level.
    pub fn update(&self, resource: JsonResource, id: &str, update: &Value) -> Result<Delivery, ClientError> {
        let id = ObjectId::new(id).map_err(ClientError::Id)?;
        let topic = JsonTopic::update(resource, id).map_err(|e| ClientError::Json(e.to_string()))?;
        self.publish(topic, update)
    }

    /// Deletes the object `id` (`<api>/<resource>/delete/<id>`, empty payload): events and
    /// measurements; [`ClientError::Json`] for alarms and managed objects, [`ClientError::Id`]
    /// for an id that cannot be a topic level.
    pub fn delete(&self, resource: JsonResource, id: &str) -> Result<Delivery, ClientError> {
        let id = ObjectId::new(id).map_err(ClientError::Id)?;
        let topic = JsonTopic::delete(resource, id).map_err(|e| ClientError::Json(e.to_string()))?;
        let config = &self.shared.config;
        let topic = topic.with_mode(config.mode).to_string();
        let qos = self.qos.unwrap_or(config.default_qos);
        publish_payloads(&self.shared, topic, vec![String::new()], qos, false)
    }

    /// The one publish by resource that every face offers as "send JSON": creates a
    /// measurement, event or alarm (`id` must be `None`), or updates the managed object `id`
    /// (`id` required). [`ClientError::Json`] for the other combinations.
    pub fn send(
        &self,
        resource: JsonResource,
        id: Option<&str>,
        document: &Value,
    ) -> Result<Delivery, ClientError> {
        match (resource, id) {
            (JsonResource::ManagedObjects, Some(id)) => self.update_inventory(id, document),
            (JsonResource::ManagedObjects, None) => Err(ClientError::Json(
                "an inventory update needs the managed object's id".to_owned(),
            )),
            (_, None) => self.create(resource, document),
            (_, Some(_)) => Err(ClientError::Json(format!(
                "an id is only for inventory updates, not for {resource}"
            ))),
        }
    }

    /// Updates a managed object by its external id (or id):
    /// `inventory/managedObjects/update/<id>`.
    pub fn update_inventory(&self, id: &str, update: &Value) -> Result<Delivery, ClientError> {
        let id = ObjectId::new(id).map_err(ClientError::Id)?;
        let topic = JsonTopic::update(JsonResource::ManagedObjects, id)
            .map_err(|e| ClientError::Json(e.to_string()))?;
        self.publish(topic, update)
    }
}

impl Client {
    /// The JSON over MQTT publisher.
    pub fn json(&self) -> JsonApi {
        JsonApi {
            shared: Arc::clone(self.shared()),
            qos: None,
        }
    }
}

/// A message arrived on `error`.
pub(crate) fn on_error(shared: &Shared, topic: &str, payload: &Bytes) {
    for value in serde_json::Deserializer::from_slice(payload).into_iter::<Value>() {
        let event = match value {
            Ok(value) => {
                let text = |key: &str| match value.get(key) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                };
                Event::JsonError(JsonError {
                    error: text("error").unwrap_or_default(),
                    message: text("message").unwrap_or_default(),
                    message_id: text("messageId"),
                })
            }
            Err(error) => Event::MalformedMessage {
                topic: topic.to_owned(),
                reason: error.to_string(),
                payload: payload.clone(),
            },
        };
        let stop = matches!(event, Event::MalformedMessage { .. });
        shared.push(event);
        if stop {
            return;
        }
    }
}
