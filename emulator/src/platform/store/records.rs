//! Measurements, events and alarms: creation with REST metadata (`id`, `self`, `source`,
//! `time`, `creationTime`), alarm identity (one ACTIVE/ACKNOWLEDGED alarm per source and type; a
//! repeated raise increments `count`), and the look-ups the static templates need.

use serde_json::{Value, json};

use super::json::{id_of, merge, source_of, text};
use super::{Model, now, parse_id};
use crate::platform::request::{Document, Resource};

/// Selects measurements, events or alarms for the handle's getters: every criterion given must
/// match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// The `c8y_Serial` of the source device.
    pub source: Option<String>,
    /// The `type`.
    pub record_type: Option<String>,
}

impl RecordFilter {
    /// Everything.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only records of the device with this `c8y_Serial`.
    pub fn source(mut self, external_id: impl Into<String>) -> Self {
        self.source = Some(external_id.into());
        self
    }

    /// Only records of this `type`.
    pub fn of_type(mut self, record_type: impl Into<String>) -> Self {
        self.record_type = Some(record_type.into());
        self
    }
}

/// The REST collection path of a resource.
pub(crate) fn collection(resource: Resource) -> &'static str {
    match resource {
        Resource::ManagedObject => "inventory/managedObjects",
        Resource::Measurement => "measurement/measurements",
        Resource::Event => "event/events",
        Resource::Alarm => "alarm/alarms",
        Resource::Operation => "devicecontrol/operations",
    }
}

impl Model {
    fn store(&mut self, resource: Resource) -> Option<&mut Vec<Document>> {
        match resource {
            Resource::Measurement => Some(&mut self.measurements),
            Resource::Event => Some(&mut self.events),
            Resource::Alarm => Some(&mut self.alarms),
            Resource::Operation => Some(&mut self.operations),
            Resource::ManagedObject => None,
        }
    }

    pub(crate) fn records(&self, resource: Resource) -> &[Document] {
        match resource {
            Resource::Measurement => &self.measurements,
            Resource::Event => &self.events,
            Resource::Alarm => &self.alarms,
            Resource::Operation => &self.operations,
            Resource::ManagedObject => &[],
        }
    }

    /// Completes a measurement, event or alarm body for `source` (id, self, source, time,
    /// creationTime) and stores it when `persist`; returns the record (the REST API answers
    /// with it). Alarms go through [`Model::raise_alarm`].
    pub(crate) fn create_record(
        &mut self,
        resource: Resource,
        source: u64,
        body: Document,
        persist: bool,
    ) -> Document {
        if resource == Resource::Alarm {
            return self.raise_alarm(source, body, persist);
        }
        let record = self.completed_record(resource, source, body);
        if persist && let Some(store) = self.store(resource) {
            store.push(record.clone());
        }
        record
    }

    /// [`Model::create_record`] for a caller that needs no answer (a SmartREST row): the record
    /// is moved into the store, not copied (a copy and its drop were a third of the work of
    /// ingesting a measurement line).
    pub(crate) fn add_record(&mut self, resource: Resource, source: u64, body: Document, persist: bool) {
        if resource == Resource::Alarm {
            self.raise_alarm(source, body, persist);
            return;
        }
        let record = self.completed_record(resource, source, body);
        if persist && let Some(store) = self.store(resource) {
            store.push(record);
        }
    }

    /// `body` with the fields the platform adds to a new measurement or event.
    fn completed_record(&mut self, resource: Resource, source: u64, mut body: Document) -> Document {
        let id = self.next_id();
        let time = now();
        body.insert("id".into(), Value::String(id.to_string()));
        body.insert(
            "self".into(),
            Value::String(self.self_link(collection(resource), id)),
        );
        body.insert("source".into(), self.source_ref(source));
        body.entry("time").or_insert_with(|| Value::String(time.clone()));
        body.insert("creationTime".into(), Value::String(time));
        body
    }

    /// `{"id": …, "self": …, "name": …}` of a managed object.
    fn source_ref(&self, source: u64) -> Value {
        let name = self.managed_object(source).and_then(|o| o.get("name")).cloned();
        let mut reference = json!({
            "id": source.to_string(),
            "self": self.self_link("inventory/managedObjects", source),
        });
        if let (Some(name), Some(map)) = (name, reference.as_object_mut()) {
            map.insert("name".into(), name);
        }
        reference
    }

    /// Raises an alarm: when `source` already has an ACTIVE (else ACKNOWLEDGED) alarm of the
    /// body's type, its `count` goes up by one (text, severity and time are kept, `lastUpdated`
    /// moves); otherwise a new ACTIVE alarm with `count` 1 is stored.
    pub(crate) fn raise_alarm(&mut self, source: u64, mut body: Document, persist: bool) -> Document {
        let alarm_type = text(&body, "type").unwrap_or_default().to_owned();
        let existing = if persist {
            self.alarm_of_type(source, &alarm_type)
        } else {
            None
        };
        if let Some(index) = existing
            && let Some(alarm) = self.alarms.get_mut(index)
        {
            let count = alarm.get("count").and_then(Value::as_u64).unwrap_or(1) + 1;
            alarm.insert("count".into(), json!(count));
            alarm.insert("lastUpdated".into(), Value::String(now()));
            return alarm.clone();
        }
        let id = self.next_id();
        let time = now();
        body.insert("id".into(), Value::String(id.to_string()));
        body.insert("self".into(), Value::String(self.self_link("alarm/alarms", id)));
        body.insert("source".into(), self.source_ref(source));
        let occurred = body
            .entry("time")
            .or_insert_with(|| Value::String(time.clone()))
            .clone();
        body.entry("status").or_insert_with(|| json!("ACTIVE"));
        body.insert("count".into(), json!(1));
        body.insert("firstOccurrenceTime".into(), occurred);
        body.insert("creationTime".into(), Value::String(time.clone()));
        body.insert("lastUpdated".into(), Value::String(time));
        if persist {
            self.alarms.push(body.clone());
        }
        body
    }

    /// The index of the alarm of `alarm_type` of `source`: the ACTIVE one, else the ACKNOWLEDGED
    /// one.
    pub(crate) fn alarm_of_type(&self, source: u64, alarm_type: &str) -> Option<usize> {
        let source = source.to_string();
        let find = |status: &str| {
            self.alarms.iter().rposition(|a| {
                source_of(a) == Some(source.as_str())
                    && text(a, "type") == Some(alarm_type)
                    && text(a, "status") == Some(status)
            })
        };
        find("ACTIVE").or_else(|| find("ACKNOWLEDGED"))
    }

    /// Merges `body` into the alarm at `index`.
    pub(crate) fn update_alarm_at(&mut self, index: usize, body: Document) -> Option<Document> {
        let alarm = self.alarms.get_mut(index)?;
        merge(alarm, body);
        alarm.insert("lastUpdated".into(), Value::String(now()));
        Some(alarm.clone())
    }

    /// The index of the latest event of `event_type` of `source`.
    pub(crate) fn latest_event_of_type(&self, source: u64, event_type: &str) -> Option<usize> {
        let source = source.to_string();
        self.events
            .iter()
            .rposition(|e| source_of(e) == Some(source.as_str()) && text(e, "type") == Some(event_type))
    }

    /// Merges `body` into the event at `index`.
    pub(crate) fn update_event_at(&mut self, index: usize, body: Document) -> Option<Document> {
        let event = self.events.get_mut(index)?;
        merge(event, body);
        event.insert("lastUpdated".into(), Value::String(now()));
        Some(event.clone())
    }

    /// The index of a stored record by id.
    pub(crate) fn record_index(&self, resource: Resource, id: &str) -> Option<usize> {
        self.records(resource).iter().position(|r| id_of(r) == Some(id))
    }

    /// Merges `body` into a stored record.
    pub(crate) fn update_record_at(
        &mut self,
        resource: Resource,
        index: usize,
        body: Document,
    ) -> Option<Document> {
        let record = self.store(resource)?.get_mut(index)?;
        merge(record, body);
        record.insert("lastUpdated".into(), Value::String(now()));
        Some(record.clone())
    }

    /// Removes a stored record.
    pub(crate) fn delete_record_at(&mut self, resource: Resource, index: usize) -> bool {
        match self.store(resource) {
            Some(store) if index < store.len() => {
                store.remove(index);
                true
            }
            _ => false,
        }
    }

    /// The stored records of `resource` that `filter` selects.
    pub(crate) fn filtered(&self, resource: Resource, filter: &RecordFilter) -> Vec<Document> {
        let source = match &filter.source {
            Some(serial) => match self.find_serial(serial) {
                Some(id) => Some(id),
                None => return Vec::new(),
            },
            None => None,
        };
        self.records(resource)
            .iter()
            .filter(|r| {
                let source_id = if resource == Resource::Operation {
                    text(r, "deviceId")
                } else {
                    source_of(r)
                };
                source.is_none_or(|s| source_id.and_then(parse_id) == Some(s))
                    && filter
                        .record_type
                        .as_deref()
                        .is_none_or(|t| text(r, "type") == Some(t))
            })
            .cloned()
            .collect()
    }
}
