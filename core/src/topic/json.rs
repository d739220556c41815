//! JSON via MQTT topics `[<mode>/]<api>/<resource>/<action>[/<id>]` (docs/protocol.md §10):
//! [`JsonResource`], [`JsonAction`], the validated [`JsonTopic`] and [`JsonTopicError`].

use std::fmt;

use super::id::{IdError, ObjectId};
use super::mode::ProcessingMode;

/// A REST resource reachable over JSON via MQTT: the `<api>/<resource>` part of the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonResource {
    /// `event/events`.
    Events,
    /// `alarm/alarms`.
    Alarms,
    /// `measurement/measurements`.
    Measurements,
    /// `inventory/managedObjects`.
    ManagedObjects,
}

impl JsonResource {
    /// Every resource in docs/protocol.md's order.
    pub const ALL: [Self; 4] = [
        Self::Events,
        Self::Alarms,
        Self::Measurements,
        Self::ManagedObjects,
    ];

    /// The API level (`event`, `alarm`, `measurement`, `inventory`).
    pub fn api(self) -> &'static str {
        match self {
            Self::Events => "event",
            Self::Alarms => "alarm",
            Self::Measurements => "measurement",
            Self::ManagedObjects => "inventory",
        }
    }

    /// The resource level (`events`, `alarms`, `measurements`, `managedObjects`).
    pub fn resource(self) -> &'static str {
        match self {
            Self::Events => "events",
            Self::Alarms => "alarms",
            Self::Measurements => "measurements",
            Self::ManagedObjects => "managedObjects",
        }
    }

    /// The resource whose API level is `api`.
    pub fn from_api(api: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.api() == api)
    }

    /// Whether the platform supports `action` on this resource (docs/protocol.md §10 table):
    ///
    /// | resource | create | createBulk | update | delete |
    /// |---|---|---|---|---|
    /// | `event/events` | ✓ | ✓ | ✓ | ✓ |
    /// | `alarm/alarms` | ✓ | ✓ | ✓ | |
    /// | `measurement/measurements` | ✓ | ✓ | | ✓ |
    /// | `inventory/managedObjects` | ✓ | | ✓ | |
    pub fn supports(self, action: JsonAction) -> bool {
        use JsonAction::{Create, CreateBulk, Delete, Update};
        match self {
            Self::Events => true,
            Self::Alarms => matches!(action, Create | CreateBulk | Update),
            Self::Measurements => matches!(action, Create | CreateBulk | Delete),
            Self::ManagedObjects => matches!(action, Create | Update),
        }
    }
}

impl fmt::Display for JsonResource {
    /// `<api>/<resource>`, e.g. `measurement/measurements`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api())?;
        f.write_str("/")?;
        f.write_str(self.resource())
    }
}

/// What a JSON via MQTT message does with its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonAction {
    /// `create`: POST one object.
    Create,
    /// `createBulk`: POST a collection.
    CreateBulk,
    /// `update`: PUT an object; the topic ends with its id.
    Update,
    /// `delete`: DELETE an object; the topic ends with its id, the payload is empty.
    Delete,
}

impl JsonAction {
    /// Every action in docs/protocol.md's order.
    pub const ALL: [Self; 4] = [Self::Create, Self::CreateBulk, Self::Update, Self::Delete];

    /// The topic level (`create`, `createBulk`, `update`, `delete`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::CreateBulk => "createBulk",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    /// The action named by a topic level (case-sensitive).
    pub fn from_level(level: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == level)
    }

    /// Whether the topic must end with an object id (`update`, `delete`); the others must not.
    pub fn needs_id(self) -> bool {
        matches!(self, Self::Update | Self::Delete)
    }
}

impl fmt::Display for JsonAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON via MQTT topic that the platform does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonTopicError {
    /// The API level is known but the resource level does not belong to it (`event/alarms`), or
    /// is missing.
    #[error("unknown JSON resource {api}/{resource}")]
    UnknownResource {
        /// The API level.
        api: String,
        /// The level found after it (empty when missing).
        resource: String,
    },
    /// The topic ends after the resource.
    #[error("{resource}: missing action (create, createBulk, update or delete)")]
    MissingAction {
        /// The resource.
        resource: JsonResource,
    },
    /// The action level is not one of the four actions.
    #[error("{resource}: unknown action {found:?} (create, createBulk, update or delete)")]
    UnknownAction {
        /// The resource.
        resource: JsonResource,
        /// The level found.
        found: String,
    },
    /// The platform does not support the action on the resource.
    #[error("{resource}/{action} is not supported by the platform")]
    Unsupported {
        /// The resource.
        resource: JsonResource,
        /// The action.
        action: JsonAction,
    },
    /// `update` or `delete` without an object id.
    #[error("{resource}/{action} needs an object id level")]
    MissingId {
        /// The resource.
        resource: JsonResource,
        /// The action.
        action: JsonAction,
    },
    /// `create` or `createBulk` with an object id.
    #[error("{resource}/{action} takes no object id level")]
    UnexpectedId {
        /// The resource.
        resource: JsonResource,
        /// The action.
        action: JsonAction,
    },
    /// Levels after the object id.
    #[error("{resource}/{action}: unexpected levels after the object id")]
    UnexpectedLevels {
        /// The resource.
        resource: JsonResource,
        /// The action.
        action: JsonAction,
    },
    /// The object id level is not a valid [`ObjectId`].
    #[error("invalid JSON topic: {0}")]
    Id(IdError),
}

/// A validated JSON via MQTT topic: `[<mode>/]<api>/<resource>/<action>[/<id>]` (docs/protocol.md §10).
///
/// Only combinations in docs/protocol.md's table can be built ([`JsonResource::supports`]);
/// `update` and `delete` carry an [`ObjectId`], `create` and `createBulk` do not. A persistent
/// topic has no mode prefix; `t/`, `q/` and `c/` are accepted for every resource (docs/protocol.md
/// notes that quiescent and CEP processing only matter for measurements and events, which is a
/// matter of platform behaviour, not topic validity).
///
/// ```
/// use c8y_mqtt::topic::{JsonResource, JsonTopic, ObjectId, ProcessingMode};
/// let t = JsonTopic::create(JsonResource::Measurements);
/// assert_eq!(t.to_string(), "measurement/measurements/create");
/// let t = JsonTopic::create_bulk(JsonResource::Measurements)
///     .unwrap()
///     .with_mode(ProcessingMode::Transient);
/// assert_eq!(t.to_string(), "t/measurement/measurements/createBulk");
/// let id = ObjectId::new("main:device:child01").unwrap();
/// let t = JsonTopic::update(JsonResource::ManagedObjects, id).unwrap();
/// assert_eq!(t.to_string(), "inventory/managedObjects/update/main:device:child01");
/// assert!(JsonTopic::delete(JsonResource::Alarms, ObjectId::new("1").unwrap()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonTopic {
    mode: ProcessingMode,
    resource: JsonResource,
    action: JsonAction,
    id: Option<ObjectId>,
}

impl JsonTopic {
    /// A persistent topic for `action` on `resource`, checked against docs/protocol.md's table and
    /// the id rule.
    pub fn new(
        resource: JsonResource,
        action: JsonAction,
        id: Option<ObjectId>,
    ) -> Result<Self, JsonTopicError> {
        if !resource.supports(action) {
            return Err(JsonTopicError::Unsupported { resource, action });
        }
        match (action.needs_id(), id.is_some()) {
            (true, false) => Err(JsonTopicError::MissingId { resource, action }),
            (false, true) => Err(JsonTopicError::UnexpectedId { resource, action }),
            _ => Ok(Self {
                mode: ProcessingMode::Persistent,
                resource,
                action,
                id,
            }),
        }
    }

    /// `<resource>/create`, supported for every resource.
    pub fn create(resource: JsonResource) -> Self {
        Self {
            mode: ProcessingMode::Persistent,
            resource,
            action: JsonAction::Create,
            id: None,
        }
    }

    /// `<resource>/createBulk` (events, alarms, measurements).
    pub fn create_bulk(resource: JsonResource) -> Result<Self, JsonTopicError> {
        Self::new(resource, JsonAction::CreateBulk, None)
    }

    /// `<resource>/update/<id>` (events, alarms, managed objects).
    pub fn update(resource: JsonResource, id: impl Into<ObjectId>) -> Result<Self, JsonTopicError> {
        Self::new(resource, JsonAction::Update, Some(id.into()))
    }

    /// `<resource>/delete/<id>` (events, measurements).
    pub fn delete(resource: JsonResource, id: impl Into<ObjectId>) -> Result<Self, JsonTopicError> {
        Self::new(resource, JsonAction::Delete, Some(id.into()))
    }

    /// The same topic with another processing mode.
    #[must_use]
    pub fn with_mode(mut self, mode: ProcessingMode) -> Self {
        self.mode = mode;
        self
    }

    /// The processing mode (persistent when the topic has no prefix).
    pub fn mode(&self) -> ProcessingMode {
        self.mode
    }

    /// The resource.
    pub fn resource(&self) -> JsonResource {
        self.resource
    }

    /// The action.
    pub fn action(&self) -> JsonAction {
        self.action
    }

    /// The object id of an `update` or `delete`.
    pub fn id(&self) -> Option<&ObjectId> {
        self.id.as_ref()
    }

    /// Parses the levels after the optional mode prefix, starting at the API level.
    pub(crate) fn from_levels<'a>(
        mode: ProcessingMode,
        resource: JsonResource,
        mut levels: impl Iterator<Item = &'a str>,
    ) -> Result<Self, JsonTopicError> {
        let resource_level = levels.next().unwrap_or_default();
        if resource_level != resource.resource() {
            return Err(JsonTopicError::UnknownResource {
                api: resource.api().to_owned(),
                resource: resource_level.to_owned(),
            });
        }
        let action = match levels.next() {
            None => return Err(JsonTopicError::MissingAction { resource }),
            Some(level) => JsonAction::from_level(level).ok_or_else(|| JsonTopicError::UnknownAction {
                resource,
                found: level.to_owned(),
            })?,
        };
        if !resource.supports(action) {
            return Err(JsonTopicError::Unsupported { resource, action });
        }
        let id = levels
            .next()
            .map(ObjectId::new)
            .transpose()
            .map_err(JsonTopicError::Id)?;
        if levels.next().is_some() {
            return Err(JsonTopicError::UnexpectedLevels { resource, action });
        }
        Self::new(resource, action, id).map(|topic| topic.with_mode(mode))
    }
}

impl fmt::Display for JsonTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode != ProcessingMode::Persistent {
            f.write_str(self.mode.as_str())?;
            f.write_str("/")?;
        }
        fmt::Display::fmt(&self.resource, f)?;
        f.write_str("/")?;
        f.write_str(self.action.as_str())?;
        if let Some(id) = &self.id {
            f.write_str("/")?;
            f.write_str(id.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> ObjectId {
        ObjectId::new(s).unwrap()
    }

    #[test]
    fn support_table_matches_the_reference() {
        use JsonAction::*;
        use JsonResource::*;
        let supported = [
            (Events, [true, true, true, true]),
            (Alarms, [true, true, true, false]),
            (Measurements, [true, true, false, true]),
            (ManagedObjects, [true, false, true, false]),
        ];
        for (resource, row) in supported {
            for (action, ok) in [Create, CreateBulk, Update, Delete].into_iter().zip(row) {
                assert_eq!(resource.supports(action), ok, "{resource}/{action}");
                let id = action.needs_id().then(|| oid("1"));
                let built = JsonTopic::new(resource, action, id);
                if ok {
                    assert!(built.is_ok(), "{resource}/{action}");
                } else {
                    assert_eq!(built, Err(JsonTopicError::Unsupported { resource, action }));
                }
            }
        }
    }

    #[test]
    fn unsupported_combinations_are_refused() {
        assert_eq!(
            JsonTopic::delete(JsonResource::Alarms, oid("1")),
            Err(JsonTopicError::Unsupported {
                resource: JsonResource::Alarms,
                action: JsonAction::Delete
            })
        );
        assert_eq!(
            JsonTopic::update(JsonResource::Measurements, oid("1")),
            Err(JsonTopicError::Unsupported {
                resource: JsonResource::Measurements,
                action: JsonAction::Update
            })
        );
        assert_eq!(
            JsonTopic::create_bulk(JsonResource::ManagedObjects),
            Err(JsonTopicError::Unsupported {
                resource: JsonResource::ManagedObjects,
                action: JsonAction::CreateBulk
            })
        );
    }

    #[test]
    fn id_presence_is_checked() {
        assert_eq!(
            JsonTopic::new(JsonResource::Events, JsonAction::Update, None),
            Err(JsonTopicError::MissingId {
                resource: JsonResource::Events,
                action: JsonAction::Update
            })
        );
        assert_eq!(
            JsonTopic::new(JsonResource::Events, JsonAction::Create, Some(oid("1"))),
            Err(JsonTopicError::UnexpectedId {
                resource: JsonResource::Events,
                action: JsonAction::Create
            })
        );
    }

    #[test]
    fn renders_with_and_without_mode() {
        assert_eq!(
            JsonTopic::create(JsonResource::Events).to_string(),
            "event/events/create"
        );
        assert_eq!(
            JsonTopic::create(JsonResource::Alarms)
                .with_mode(ProcessingMode::Quiescent)
                .to_string(),
            "q/alarm/alarms/create"
        );
        assert_eq!(
            JsonTopic::delete(JsonResource::Events, oid("123"))
                .unwrap()
                .to_string(),
            "event/events/delete/123"
        );
        let t = JsonTopic::update(JsonResource::Events, oid("7"))
            .unwrap()
            .with_mode(ProcessingMode::Cep);
        assert_eq!(t.to_string(), "c/event/events/update/7");
        assert_eq!(t.mode(), ProcessingMode::Cep);
        assert_eq!(t.resource(), JsonResource::Events);
        assert_eq!(t.action(), JsonAction::Update);
        assert_eq!(t.id(), Some(&oid("7")));
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            JsonTopic::delete(JsonResource::Alarms, oid("1"))
                .unwrap_err()
                .to_string(),
            "alarm/alarms/delete is not supported by the platform"
        );
        assert_eq!(
            JsonTopic::new(JsonResource::Events, JsonAction::Delete, None)
                .unwrap_err()
                .to_string(),
            "event/events/delete needs an object id level"
        );
    }
}
