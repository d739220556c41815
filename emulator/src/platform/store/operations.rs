//! Operations: creation (`id`, `deviceId`, `status` PENDING, `creationTime`, `delivery`,
//! fragments), the status machine (PENDING → EXECUTING → SUCCESSFUL / FAILED), selection of the
//! oldest operation of a device by fragment and status (501–503) or by id (504–506), and the
//! PENDING operations of a whole hierarchy (500).

use serde_json::{Value, json};

use super::json::{id_of, text};
use super::{Model, SERIAL, now, parse_id};
use crate::platform::request::Document;

/// How a status update picks its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OperationSelector<'a> {
    /// The oldest operation of the device in `status` carrying `fragment`.
    Oldest {
        /// The fragment.
        fragment: &'a str,
        /// The status it must be in.
        status: &'a str,
    },
    /// The operation with this id, which must belong to the device.
    Id(&'a str),
}

impl Model {
    /// Creates a PENDING operation for `device` with `fragments` (REST body without the
    /// metadata). `deviceId`, `id`, `self`, `status`, `creationTime` and `delivery` are set here;
    /// `externalSource` names the device's `c8y_Serial` as in the JSON notification.
    pub(crate) fn create_operation(&mut self, device: u64, mut fragments: Document) -> Document {
        let id = self.next_id();
        let time = now();
        for key in [
            "id",
            "self",
            "status",
            "creationTime",
            "delivery",
            "failureReason",
        ] {
            fragments.remove(key);
        }
        fragments.insert("id".into(), Value::String(id.to_string()));
        fragments.insert(
            "self".into(),
            Value::String(self.self_link("devicecontrol/operations", id)),
        );
        fragments.insert("deviceId".into(), Value::String(device.to_string()));
        if let Some(name) = self.managed_object(device).and_then(|o| o.get("name")).cloned() {
            fragments.insert("deviceName".into(), name);
        }
        let root = self.root_of(device);
        fragments.insert("agentId".into(), Value::String(root.to_string()));
        if let Some(serial) = self.serial_of(device) {
            fragments.insert(
                "externalSource".into(),
                json!({"externalId": serial, "type": SERIAL}),
            );
        }
        fragments.insert("status".into(), json!("PENDING"));
        fragments.insert("creationTime".into(), Value::String(time.clone()));
        fragments.insert(
            "delivery".into(),
            json!({"log": [], "status": "PENDING", "time": time}),
        );
        self.operations.push(fragments.clone());
        fragments
    }

    /// The index of the operation `selector` names for `device`, if any.
    pub(crate) fn select_operation(&self, device: u64, selector: &OperationSelector<'_>) -> Option<usize> {
        let device = device.to_string();
        match selector {
            OperationSelector::Oldest { fragment, status } => self.operations.iter().position(|op| {
                text(op, "deviceId") == Some(device.as_str())
                    && text(op, "status") == Some(status)
                    && op.contains_key(*fragment)
            }),
            OperationSelector::Id(id) => self
                .operations
                .iter()
                .position(|op| id_of(op) == Some(id) && text(op, "deviceId") == Some(device.as_str())),
        }
    }

    /// The operation at `index`.
    pub(crate) fn operation_at(&self, index: usize) -> Option<&Document> {
        self.operations.get(index)
    }

    /// The operation with this id.
    pub(crate) fn operation(&self, id: &str) -> Option<&Document> {
        self.operations.iter().find(|op| id_of(op) == Some(id))
    }

    /// Sets the status of the operation at `index` (with a failure reason for FAILED) and
    /// returns it.
    pub(crate) fn set_operation_status(
        &mut self,
        index: usize,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Option<Document> {
        let op = self.operations.get_mut(index)?;
        op.insert("status".into(), Value::String(status.to_owned()));
        if let Some(reason) = failure_reason {
            op.insert("failureReason".into(), Value::String(reason.to_owned()));
        }
        op.insert("lastUpdated".into(), Value::String(now()));
        Some(op.clone())
    }

    /// Sets a fragment of the operation at `index` to `value` inside its fragment object
    /// (e.g. `c8y_Command.result`).
    pub(crate) fn set_operation_field(&mut self, index: usize, fragment: &str, key: &str, value: Value) {
        if let Some(object) = self
            .operations
            .get_mut(index)
            .and_then(|op| op.get_mut(fragment))
            .and_then(Value::as_object_mut)
        {
            object.insert(key.to_owned(), value);
        }
    }

    /// The indices of the EXECUTING operations of `device` (with `fragment`, if given).
    pub(crate) fn executing_operations(&self, device: u64, fragment: Option<&str>) -> Vec<usize> {
        let device = device.to_string();
        self.operations
            .iter()
            .enumerate()
            .filter(|(_, op)| {
                text(op, "deviceId") == Some(device.as_str())
                    && text(op, "status") == Some("EXECUTING")
                    && fragment.is_none_or(|f| op.contains_key(f))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Every PENDING operation of `root` and the devices below it, oldest first.
    pub(crate) fn pending_operations(&self, root: u64) -> Vec<Document> {
        self.operations
            .iter()
            .filter(|op| text(op, "status") == Some("PENDING"))
            .filter(|op| {
                text(op, "deviceId")
                    .and_then(parse_id)
                    .is_some_and(|device| self.in_hierarchy(root, device))
            })
            .cloned()
            .collect()
    }

    /// Appends a delivery to the operation's `delivery.log`.
    pub(crate) fn log_delivery(&mut self, id: &str) {
        let time = now();
        if let Some(log) = self
            .operations
            .iter_mut()
            .find(|op| id_of(op) == Some(id))
            .and_then(|op| op.get_mut("delivery"))
            .and_then(|d| d.get_mut("log"))
            .and_then(Value::as_array_mut)
        {
            log.push(json!({"time": time, "status": "SEND", "message": "Sent over MQTT"}));
        }
    }
}
