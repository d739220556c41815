//! Typed publishing for the device, its children and services: [`Entity`] (a handle on one
//! managed object, addressed by its topic path) and [`PublishOptions`]. Every static template
//! goes through [`Entity::publish`]; the topic is `s/us` for the device and `s/us/<child>` for a
//! child. The configured (or per-call) processing mode applies where the platform applies it:
//! measurements and events go to `t/`, `q/` or `c/` when asked; every other row (creation,
//! inventory, alarms, operation status) always goes to `s/`
//! ([`ProcessingMode::for_template`], docs/protocol.md §2.3).

use std::sync::Arc;

use crate::QoS;
use crate::templates::upstream::{ChildDeviceCreation, GetManagedObjectId, ServiceCreation, Upstream};
use crate::topic::{ExternalId, ProcessingMode, static_topic_text, with_static_topic};

use super::delivery::Delivery;
use super::error::ClientError;
use super::outbox::{Message, RowId};
use super::{Shared, external_id};

/// Per-publish settings; `None` keeps the configured default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// QoS of this publish.
    pub qos: Option<QoS>,
    /// Processing mode of this publish (`s/`, `t/`, `q/`, `c/`); measurements and events only,
    /// every other row is sent on `s/` ([`ProcessingMode::for_template`]).
    pub mode: Option<ProcessingMode>,
}

impl PublishOptions {
    /// Options with this QoS.
    pub fn qos(qos: QoS) -> Self {
        Self {
            qos: Some(qos),
            mode: None,
        }
    }

    /// Options with this processing mode.
    pub fn mode(mode: ProcessingMode) -> Self {
        Self {
            qos: None,
            mode: Some(mode),
        }
    }
}

/// The device, one of its child devices, or a service: publishes go to its topic. Cheap to
/// clone; obtained from [`Client::device`](super::Client::device) and
/// [`Client::child`](super::Client::child).
///
/// ```no_run
/// # fn run(client: &c8y_mqtt::client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use c8y_mqtt::templates::upstream::{ServiceStatusUpdate, Temperature};
/// // 101 on s/us once per client; the child's data goes to s/us/1234:pump
/// let (pump, _created) = client.device().create_child("1234:pump", "Pump", "c8y_Pump")?;
/// pump.publish(Temperature::new(42))?;
/// // a service (102) of the pump, then its status (104 on s/us/1234:pump:db)
/// let (db, _) = pump.create_service("1234:pump:db", "systemd", "Database", "up")?;
/// db.publish(ServiceStatusUpdate::new("down")?)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Entity {
    shared: Arc<Shared>,
    path: Vec<ExternalId>,
}

impl Entity {
    pub(crate) fn root(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            path: Vec::new(),
        }
    }

    /// The external ids from the device down to this entity (empty for the device).
    pub fn path(&self) -> &[ExternalId] {
        &self.path
    }

    /// A handle for a child (or service) of this entity.
    pub fn child(&self, id: &str) -> Result<Entity, ClientError> {
        let mut path = self.path.clone();
        path.push(external_id(id)?);
        Ok(Self {
            shared: Arc::clone(&self.shared),
            path,
        })
    }

    /// The external id of this entity: the device id, or the last child id of the path.
    pub fn external_id(&self) -> &str {
        match self.path.last() {
            Some(id) => id.as_str(),
            None => self.shared.config.device_id().as_str(),
        }
    }

    /// Asks the platform for this entity's managed object id (`123` on its topic); the answer
    /// arrives as [`Event::ManagedObjectId`](super::Event::ManagedObjectId) and is then
    /// available from [`Entity::managed_object_id`].
    pub fn request_managed_object_id(&self) -> Result<Delivery, ClientError> {
        // Waiting before the request is sent: the answer can come before `publish` returns.
        let identities = &self.shared.identities;
        identities.requested(self.external_id(), self.path.is_empty());
        self.publish(GetManagedObjectId)
            .inspect_err(|_| identities.withdrawn())
    }

    /// This entity's managed object id, once the platform told it
    /// ([`Entity::request_managed_object_id`]).
    pub fn managed_object_id(&self) -> Option<String> {
        self.shared.identities.get(self.external_id())
    }

    /// The static topic of this entity in `mode`.
    pub fn topic(&self, mode: ProcessingMode) -> String {
        static_topic_text(mode, &self.path)
    }

    /// Publishes a static template with the configured QoS and processing mode; see
    /// [`Client::publish`](super::Client::publish).
    pub fn publish(&self, template: impl Into<Upstream>) -> Result<Delivery, ClientError> {
        self.publish_with(template, PublishOptions::default())
    }

    /// Publishes a static template with its own options. Lists that Cumulocity accepts in parts
    /// (140/141, 141, 142, 107, 307, 407) are split into several packets under one delivery;
    /// anything else over the size limit is a [`ClientError::MessageTooLarge`] and nothing is
    /// queued.
    pub fn publish_with(
        &self,
        template: impl Into<Upstream>,
        options: PublishOptions,
    ) -> Result<Delivery, ClientError> {
        // `publish_payloads` checks that the client runs.
        let template = template.into();
        let qos = options.qos.unwrap_or(self.shared.config.default_qos);
        let mode = options.mode.unwrap_or(self.shared.config.mode);
        let mode = mode.for_template(template.template_id());
        if self.shared.outbox.takes_rows() && template.is_single_row() {
            // Rendered in place: with auto-batching straight into the packet it travels in.
            self.shared.check_running()?;
            let (delivery, dropped) = with_static_topic(mode, &self.path, |topic| {
                self.shared
                    .outbox
                    .enqueue_row(topic, qos, template.template_id(), |payload| {
                        template.append_row(payload);
                    })
            })?;
            super::statistics::Counters::bump(&self.shared.counters.deliveries_queued);
            self.shared.report(dropped);
            return Ok(delivery);
        }
        let topic = self.topic(mode);
        let payloads = template.to_payloads(&topic, qos)?;
        // A single row can be tied to an `s/e` line naming its template.
        let row_id = (payloads.len() == 1).then(|| RowId::Template(template.template_id()));
        enqueue(&self.shared, topic, payloads, qos, true, None, row_id)
    }

    /// Creates the child device `id` below this entity (template 101 on this entity's topic)
    /// unless this client already did, and returns its handle with the creation's delivery
    /// (`None` when it was created before). The platform itself treats 101 as idempotent.
    pub fn create_child(
        &self,
        id: &str,
        name: &str,
        device_type: &str,
    ) -> Result<(Entity, Option<Delivery>), ClientError> {
        let child = self.child(id)?;
        let creation = ChildDeviceCreation::new(id)?
            .with_name(name)
            .with_device_type(device_type);
        let delivery = self.publish_once(&child, creation.into())?;
        if delivery.is_some() {
            super::operations::on_child_created(&self.shared, &child);
        }
        Ok((child, delivery))
    }

    /// Creates the service `id` below this entity (template 102) unless this client already
    /// did; like [`Entity::create_child`].
    pub fn create_service(
        &self,
        id: &str,
        service_type: &str,
        name: &str,
        status: &str,
    ) -> Result<(Entity, Option<Delivery>), ClientError> {
        let service = self.child(id)?;
        let creation = ServiceCreation::new(id, service_type, name, status)?;
        let delivery = self.publish_once(&service, creation.into())?;
        Ok((service, delivery))
    }

    fn publish_once(&self, created: &Entity, creation: Upstream) -> Result<Option<Delivery>, ClientError> {
        let key = created.topic(ProcessingMode::Persistent);
        if self.shared.created.lock().contains(&key) {
            return Ok(None);
        }
        let delivery = self.publish(creation)?;
        self.shared.created.lock().insert(key);
        Ok(Some(delivery))
    }
}

/// Queues checked payloads and reports deliveries dropped to make room.
pub(crate) fn publish_payloads(
    shared: &Shared,
    topic: String,
    payloads: Vec<String>,
    qos: QoS,
    batchable: bool,
) -> Result<Delivery, ClientError> {
    enqueue(shared, topic, payloads, qos, batchable, None, None)
}

/// Checks the payloads against the size limit and queues them, held back while `gate` is
/// closed (see [`Message::gate`]) and tagged with the id an `s/e` line would name for its row.
pub(crate) fn enqueue(
    shared: &Shared,
    topic: String,
    payloads: Vec<String>,
    qos: QoS,
    batchable: bool,
    gate: Option<String>,
    row_id: Option<RowId>,
) -> Result<Delivery, ClientError> {
    shared.check_running()?;
    for payload in &payloads {
        crate::smartrest::check_packet_size(&topic, payload.len(), qos).map_err(|e| {
            ClientError::MessageTooLarge {
                size: e.size,
                limit: e.limit,
            }
        })?;
    }
    let (delivery, dropped) = shared.outbox.enqueue(Message {
        topic,
        payloads,
        qos,
        batchable,
        gate,
        row_id,
    })?;
    super::statistics::Counters::bump(&shared.counters.deliveries_queued);
    shared.report(dropped);
    Ok(delivery)
}
