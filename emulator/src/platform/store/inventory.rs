//! Managed objects: creation with REST metadata, identities (external ids), the device hierarchy
//! (`childDevices` / `childAdditions` references and parent links), updates and look-ups.

use serde_json::{Value, json};

use super::json::merge;
use super::{Model, SERIAL, now, parse_id};
use crate::platform::request::Document;

/// The inventory collection path.
const COLLECTION: &str = "inventory/managedObjects";

/// Which reference list of a parent a child goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// `childDevices`: a child device.
    Device,
    /// `childAdditions`: a service or other addition.
    Addition,
}

impl Link {
    fn key(self) -> &'static str {
        match self {
            Self::Device => "childDevices",
            Self::Addition => "childAdditions",
        }
    }
}

impl Model {
    /// Stores a new managed object from `body` (its `id`, `self`, `creationTime`, `lastUpdated`
    /// are set here) and registers `external_id` (type, value) for it.
    pub(crate) fn create_managed_object(
        &mut self,
        mut body: Document,
        external_id: Option<(&str, &str)>,
    ) -> Document {
        let id = self.next_id();
        let time = now();
        body.insert("id".into(), Value::String(id.to_string()));
        body.insert("self".into(), Value::String(self.self_link(COLLECTION, id)));
        body.insert("creationTime".into(), Value::String(time.clone()));
        body.insert("lastUpdated".into(), Value::String(time));
        body.entry("owner").or_insert_with(|| json!("device_emulator"));
        self.objects.insert(id, body.clone());
        if let Some((id_type, value)) = external_id {
            self.register_external_id(id, id_type, value);
        }
        body
    }

    /// Registers an external id for an object.
    pub(crate) fn register_external_id(&mut self, id: u64, id_type: &str, value: &str) {
        self.identities.insert((id_type.to_owned(), value.to_owned()), id);
        if id_type == SERIAL {
            self.serials.insert(id, value.to_owned());
        }
    }

    /// Creates a root device with the SmartREST defaults for missing name/type.
    pub(crate) fn create_device(
        &mut self,
        serial: &str,
        name: Option<&str>,
        device_type: Option<&str>,
    ) -> u64 {
        let body = device_body(
            name.map_or_else(|| default_name(serial), str::to_owned),
            device_type.unwrap_or("c8y_MQTTDevice"),
            true,
            true,
        );
        self.create_linked(body, serial, None)
    }

    /// Creates a child device of `parent`.
    pub(crate) fn create_child_device(
        &mut self,
        parent: u64,
        serial: &str,
        name: Option<&str>,
        device_type: Option<&str>,
        is_device: bool,
    ) -> u64 {
        let body = device_body(
            name.map_or_else(|| default_name(serial), str::to_owned),
            device_type.unwrap_or("c8y_MQTTChildDevice"),
            is_device,
            false,
        );
        self.create_linked(body, serial, Some((parent, Link::Device)))
    }

    /// Creates a managed object with a `c8y_Serial` external id, linked under `parent`.
    pub(crate) fn create_linked(&mut self, body: Document, serial: &str, parent: Option<(u64, Link)>) -> u64 {
        let created = self.create_managed_object(body, Some((SERIAL, serial)));
        let id = created
            .get("id")
            .and_then(Value::as_str)
            .and_then(parse_id)
            .unwrap_or(0);
        if let Some((parent, link)) = parent {
            self.link_child(parent, id, link);
        }
        id
    }

    /// Adds `child` to the `childDevices` / `childAdditions` of `parent` (once).
    pub(crate) fn link_child(&mut self, parent: u64, child: u64, link: Link) {
        self.parents.insert(child, parent);
        let reference = json!({"managedObject": {
            "id": child.to_string(),
            "self": self.self_link(COLLECTION, child),
            "name": self.objects.get(&child).and_then(|o| o.get("name")).cloned().unwrap_or(Value::Null),
        }});
        let parent_self = self.self_link(COLLECTION, parent);
        let Some(parent_doc) = self.objects.get_mut(&parent) else {
            return;
        };
        let list = parent_doc
            .entry(link.key())
            .or_insert_with(|| json!({"self": format!("{parent_self}/{}", link.key()), "references": []}));
        if let Some(references) = list.get_mut("references").and_then(Value::as_array_mut) {
            let child_id = child.to_string();
            let present = references
                .iter()
                .any(|r| r.pointer("/managedObject/id").and_then(Value::as_str) == Some(child_id.as_str()));
            if !present {
                references.push(reference);
            }
        }
    }

    /// The managed object with this id.
    pub(crate) fn managed_object(&self, id: u64) -> Option<&Document> {
        self.objects.get(&id)
    }

    /// The id of the object with this external id.
    pub(crate) fn find_external(&self, id_type: &str, value: &str) -> Option<u64> {
        self.identities
            .get(&(id_type.to_owned(), value.to_owned()))
            .copied()
    }

    /// The external ids of an object, as (type, value), sorted.
    pub(crate) fn external_ids_of(&self, id: u64) -> Vec<(String, String)> {
        let mut ids: Vec<(String, String)> = self
            .identities
            .iter()
            .filter(|(_, object)| **object == id)
            .map(|(key, _)| key.clone())
            .collect();
        ids.sort();
        ids
    }

    /// The id of the object with this `c8y_Serial`.
    pub(crate) fn find_serial(&self, serial: &str) -> Option<u64> {
        self.find_external(SERIAL, serial)
    }

    /// The `c8y_Serial` of an object.
    pub(crate) fn serial_of(&self, id: u64) -> Option<&str> {
        self.serials.get(&id).map(String::as_str)
    }

    /// The parent of a child device or addition.
    pub(crate) fn parent_of(&self, id: u64) -> Option<u64> {
        self.parents.get(&id).copied()
    }

    /// The root of the hierarchy `id` belongs to (itself for a root).
    pub(crate) fn root_of(&self, id: u64) -> u64 {
        let mut current = id;
        let mut steps = 0;
        while let Some(parent) = self.parent_of(current) {
            current = parent;
            steps += 1;
            if steps > 64 {
                break;
            }
        }
        current
    }

    /// Whether `id` is `root` or below it.
    pub(crate) fn in_hierarchy(&self, root: u64, id: u64) -> bool {
        self.root_of(id) == root
    }

    /// The ids of the child devices of `id`, in the order they were linked.
    pub(crate) fn child_device_ids(&self, id: u64) -> Vec<u64> {
        self.references(id, Link::Device)
    }

    /// The ids referenced by a parent's reference list.
    pub(crate) fn references(&self, id: u64, link: Link) -> Vec<u64> {
        self.objects
            .get(&id)
            .and_then(|o| o.get(link.key()))
            .and_then(|l| l.get("references"))
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r.pointer("/managedObject/id").and_then(Value::as_str))
                    .filter_map(parse_id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Merges `body` into the object (`null` removes a fragment) and bumps `lastUpdated`.
    /// Returns the updated object, or `None` when it does not exist.
    pub(crate) fn update_managed_object(&mut self, id: u64, mut body: Document) -> Option<Document> {
        for key in [
            "id",
            "self",
            "creationTime",
            "lastUpdated",
            "childDevices",
            "childAdditions",
        ] {
            body.remove(key);
        }
        let object = self.objects.get_mut(&id)?;
        merge(object, body);
        object.insert("lastUpdated".into(), Value::String(now()));
        Some(object.clone())
    }

    /// Sets one fragment of an object.
    pub(crate) fn set_fragment(&mut self, id: u64, key: &str, value: Value) {
        let mut body = Document::new();
        body.insert(key.to_owned(), value);
        self.update_managed_object(id, body);
    }

    /// Removes fragments of an object.
    pub(crate) fn remove_fragments(&mut self, id: u64, keys: &[String]) {
        let body = keys.iter().map(|k| (k.clone(), Value::Null)).collect();
        self.update_managed_object(id, body);
    }

    /// Deletes an object with its identities and its links.
    pub(crate) fn delete_managed_object(&mut self, id: u64) -> bool {
        if self.objects.remove(&id).is_none() {
            return false;
        }
        self.identities.retain(|_, v| *v != id);
        self.serials.remove(&id);
        if let Some(parent) = self.parents.remove(&id) {
            let child_id = id.to_string();
            if let Some(parent_doc) = self.objects.get_mut(&parent) {
                for link in [Link::Device, Link::Addition] {
                    if let Some(refs) = parent_doc
                        .get_mut(link.key())
                        .and_then(|l| l.get_mut("references"))
                        .and_then(Value::as_array_mut)
                    {
                        refs.retain(|r| {
                            r.pointer("/managedObject/id").and_then(Value::as_str) != Some(child_id.as_str())
                        });
                    }
                }
            }
        }
        true
    }

    /// Every managed object, in id order.
    pub(crate) fn managed_objects(&self) -> Vec<Document> {
        self.objects.values().cloned().collect()
    }
}

/// The default name of a device created over MQTT.
fn default_name(serial: &str) -> String {
    format!("MQTT Device {serial}")
}

/// The body of a device created over MQTT.
fn device_body(name: String, device_type: &str, is_device: bool, agent: bool) -> Document {
    let mut body = Document::new();
    body.insert("name".into(), Value::String(name));
    body.insert("type".into(), Value::String(device_type.to_owned()));
    if is_device {
        body.insert("c8y_IsDevice".into(), json!({}));
    }
    if agent {
        body.insert("com_cumulocity_model_Agent".into(), json!({}));
    }
    body
}
