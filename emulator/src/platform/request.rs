//! Requests on the platform model, shaped like Cumulocity's REST API.
//!
//! Everything that changes or reads platform state without being a static template goes through
//! [`ApiRequest`]: SmartREST 2.0 request templates (`s/uc`, `s/ud`), JSON over MQTT, SmartREST 1.0
//! and the HTTP control API all translate into it, and the platform model executes it
//! ([`ApiExecutor`]). Bodies are the JSON documents Cumulocity's REST API takes and returns
//! (`{"type":…,"time":…,"c8y_Temperature":{"T":{"value":21.5,"unit":"C"}}}`), so the engines
//! that build requests need no knowledge of how the model stores them.

use serde_json::{Map, Value};

/// A JSON object as the REST API uses it.
pub type Document = Map<String, Value>;

/// The platform resources a request can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `inventory/managedObjects`.
    ManagedObject,
    /// `measurement/measurements`.
    Measurement,
    /// `event/events`.
    Event,
    /// `alarm/alarms`.
    Alarm,
    /// `devicecontrol/operations`.
    Operation,
}

/// How a request names one object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    /// The platform's own id (managed object, event, alarm, operation id).
    Id(String),
    /// A managed object by external id (`c8y_Serial`, …).
    External {
        /// External id type, e.g. `c8y_Serial`.
        id_type: String,
        /// External id value.
        value: String,
    },
    /// The alarm of this type whose source is the request's device: the ACTIVE one, else the
    /// ACKNOWLEDGED one (SmartREST 2.0 `PUT ALARM`, reference §7.5).
    AlarmOfType(String),
    /// The operation of the request's device carrying this fragment: the oldest EXECUTING one,
    /// else the oldest PENDING one (SmartREST 2.0 `PUT OPERATION`, reference §7.5).
    OperationWithFragment(String),
}

/// One request on the platform model.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiRequest {
    /// POST: create one object. For measurements, events and alarms a missing `source` is the
    /// request's device; a missing `time` is now. For managed objects, `external_id` (type,
    /// value) is registered for the new object when given.
    Create {
        /// What to create.
        resource: Resource,
        /// The REST body.
        body: Document,
        /// External id to register for a new managed object.
        external_id: Option<(String, String)>,
    },
    /// POST of a collection (`createBulk`): every body is created as by `Create`.
    CreateBulk {
        /// What to create.
        resource: Resource,
        /// The REST bodies.
        bodies: Vec<Document>,
    },
    /// PUT: merge `body` into the object (a `null` value removes the fragment).
    Update {
        /// What to update.
        resource: Resource,
        /// Which object.
        target: ObjectRef,
        /// The fragments to set or (with `null`) remove.
        body: Document,
    },
    /// DELETE one object.
    Delete {
        /// What to delete.
        resource: Resource,
        /// Which object.
        target: ObjectRef,
    },
    /// GET one object.
    Get {
        /// What to read.
        resource: Resource,
        /// Which object.
        target: ObjectRef,
    },
}

/// Who a request is made for: the device of the MQTT session, or the child named by the topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The tenant of the session.
    pub tenant: String,
    /// External id (`c8y_Serial`) of the device the request is for: the session's device, or the
    /// child named by the topic's last level.
    pub device: String,
    /// The processing mode of the topic (`s`, `t`, `q`, `c`): transient requests are processed
    /// but not stored.
    pub persistent: bool,
    /// The root device (`c8y_Serial`) whose hierarchy bounds the request: the session's device
    /// for a device's publish, whose requests may reach only that device and its children
    /// (docs/protocol.md §2.4, §10); `None` for the tenant's administrators.
    pub scope: Option<String>,
}

/// Why a request failed, with what the REST API would answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The target does not exist (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The body or the target is not valid (HTTP 422), e.g. a missing mandatory field.
    #[error("{0}")]
    Invalid(String),
    /// The resource does not support this request (HTTP 405).
    #[error("{0}")]
    NotSupported(String),
    /// The caller has no right to the target (HTTP 403): another device's object.
    #[error("{0}")]
    Forbidden(String),
}

impl ApiError {
    /// The HTTP status code the REST API would answer.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::NotFound(_) => 404,
            Self::Invalid(_) => 422,
            Self::NotSupported(_) => 405,
            Self::Forbidden(_) => 403,
        }
    }
}

/// Executes requests on the platform model. Returns the object as the REST API returns it
/// (with `id`, `self`, `creationTime`, …); `CreateBulk` returns `{"<collection>": [...]}`
/// and `Delete` returns `Value::Null`.
pub trait ApiExecutor: Send + Sync {
    /// Executes `request` for `context`.
    fn execute(&self, context: &RequestContext, request: ApiRequest) -> Result<Value, ApiError>;
}

/// A publish the platform sends back to a device (an `s/e` error, a SmartREST 2.0 response on
/// `s/dc/<X-ID>`, a JSON error on `error`, …). The platform delivers it through the
/// [`Connections`](crate::Connections) only if the device subscribed to `topic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The downstream topic.
    pub topic: String,
    /// The payload (SmartREST rows joined with LF, or JSON).
    pub payload: String,
}

impl Reply {
    /// A reply on `topic`.
    pub fn new(topic: impl Into<String>, payload: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            payload: payload.into(),
        }
    }
}

/// A new device request (device registration, reference §3), as the REST API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRequest {
    /// The device id (the client id of the bootstrap session).
    pub id: String,
    /// `WAITING_FOR_CONNECTION`, `PENDING_ACCEPTANCE` or `ACCEPTED`.
    pub status: String,
}

/// Read access to the platform model for listings (the HTTP control API and the handle).
///
/// Filtering, ordering and paging are done by the caller on the documents returned, so the
/// model only hands out its current state.
pub trait ApiReader: Send + Sync {
    /// Every stored object of `resource`, as the REST API shows them (`id`, `self`,
    /// `creationTime`, …), oldest first.
    fn all(&self, resource: Resource) -> Vec<Document>;

    /// The managed-object id registered for an external id, if any.
    fn resolve_external_id(&self, id_type: &str, value: &str) -> Option<String>;

    /// The external ids of a managed object, as `(type, value)` pairs.
    fn external_ids(&self, managed_object_id: &str) -> Vec<(String, String)>;

    /// The new device requests (registrations).
    fn device_requests(&self) -> Vec<DeviceRequest>;

    /// Registers a new device request in `WAITING_FOR_CONNECTION` (an operator registering a
    /// device id before it connects).
    fn register_device(&self, id: &str) -> Result<DeviceRequest, ApiError>;

    /// Accepts a device request: the next `s/ucr` poll of that device gets its credentials.
    fn accept_device_request(&self, id: &str) -> Result<DeviceRequest, ApiError>;
}
