//! Operations as the client delivers them: [`ReceivedOperation`] unifies the three renderings
//! the platform sends (static `s/ds` lines 510–532, JSON on `devicecontrol/notifications`,
//! SmartREST 2.0 response lines declared as operations), filters re-deliveries by operation id,
//! and carries the lifecycle calls ([`ReceivedOperation::executing`],
//! [`succeed`](ReceivedOperation::succeed), [`fail`](ReceivedOperation::fail)). The options
//! ([`OperationOptions`]) add automatic failing of unsupported operations and `507` at start-up.
//!
//! Decisions (reference §5.6, §10, §11.1, §11.2, §11.5):
//! * **Lifecycle templates**: `504`/`505`/`506` when the operation id is known (JSON, or a
//!   SmartREST 2.0 template with an `id` pattern), `501`/`502`/`503` with the fragment otherwise
//!   (static lines carry no id). They are published on the *target* device's topic: `s/us` for
//!   the client's device, `s/us/<device>` for a child (§11.5; deeper descendants are not
//!   addressed).
//! * **Duplicates**: an operation with an id is delivered once; the ids of the last
//!   [`RECENT_IDS`] operations are remembered (oldest forgotten first). The platform re-sends
//!   every PENDING operation on `500` and some renderings arrive twice; both are filtered. Static
//!   lines have no id and are **not** filtered: two identical lines may be two operations. The
//!   remedy is the documented one: move an operation to EXECUTING as soon as it arrives, then
//!   `500` does not re-send it.
//! * **Static and JSON together**: when `devicecontrol/notifications` is subscribed every
//!   operation also arrives as JSON (with its id), so static operation lines are not delivered
//!   as operations (they would be id-less duplicates).
//! * **Static and SmartREST 2.0 together**: static lines of a fragment that a declared
//!   SmartREST 2.0 operation response renders are skipped too (that rendering can carry the id).
//! * **JSON fragment**: the first member (in key order) of the operation that is not one of the platform's
//!   standard members (`id`, `status`, `deviceId`, …), preferring a supported fragment when
//!   [`ConfigBuilder::fail_unsupported`] lists them.
//! * **Failure reasons** are cut to [`MAX_REASON_BYTES`] encoded bytes (as thin-edge does)
//!   with a `...` marker, always a complete quoted field.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use serde_json::Value;

use crate::smartrest::truncate_field_with_marker;
use crate::templates::downstream::{Operation, OperationKind};
use crate::templates::upstream::{
    FailAllExecuting, SetExecuting, SetExecutingById, SetFailed, SetFailedById, SetSuccessful,
    SetSuccessfulById, Upstream,
};

use super::entity::Entity;
use super::error::ClientError;
use super::events::Event;
use super::outbox::Delivery;
use super::{ConfigBuilder, Shared};

/// How many recent operation ids are remembered for de-duplication.
pub const RECENT_IDS: usize = 1024;

/// Longest encoded failure reason sent (bytes, quotes included).
pub const MAX_REASON_BYTES: usize = 500;

/// The failure reason of automatically failed unsupported operations.
pub const UNSUPPORTED_REASON: &str = "Unsupported operation";

/// The failure reason of the start-up `507`.
pub const INTERRUPTED_REASON: &str = "Operation interrupted by a device restart";

/// Members of a JSON operation that are not its fragment.
const STANDARD_MEMBERS: &[&str] = &[
    "id",
    "self",
    "deviceId",
    "deviceName",
    "agentId",
    "status",
    "creationTime",
    "delivery",
    "description",
    "externalSource",
    "failureReason",
    "bulkOperationId",
];

/// Operation handling options (set with [`ConfigBuilder::fail_unsupported`] and
/// [`ConfigBuilder::fail_executing_on_start`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationOptions {
    /// When set, operations whose fragment is not listed are set EXECUTING then FAILED with
    /// [`UNSUPPORTED_REASON`] and not delivered.
    pub supported: Option<Vec<String>>,
    /// Send `507` (fail every EXECUTING operation) once, after the first connect.
    pub fail_executing_on_start: bool,
}

impl ConfigBuilder {
    /// Fails every operation whose fragment is not in `fragments` automatically (EXECUTING,
    /// then FAILED with "Unsupported operation"; by id when known) instead of delivering it.
    pub fn fail_unsupported<S: Into<String>>(mut self, fragments: impl IntoIterator<Item = S>) -> Self {
        self.operations.supported = Some(fragments.into_iter().map(Into::into).collect());
        self
    }

    /// Sends `507` once after the first connect, failing operations a crash left EXECUTING.
    pub fn fail_executing_on_start(mut self, on: bool) -> Self {
        self.operations.fail_executing_on_start = on;
        self
    }
}

/// Which rendering an operation arrived in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OperationSource {
    /// A static line on `s/ds` (templates 510–532).
    Static(OperationKind),
    /// A JSON operation on `devicecontrol/notifications` (the whole object).
    Json(Value),
    /// A SmartREST 2.0 response line declared as an operation
    /// ([`ConfigBuilder::operation_response`]).
    SmartRest2 {
        /// The collection's X-ID.
        xid: String,
        /// The response template's message id.
        msg_id: String,
        /// The values after the device id.
        values: Vec<String>,
    },
}

/// An operation for the device or one of its children, delivered once, with its lifecycle
/// calls. Equality compares the operation, not the client it came from.
///
/// ```no_run
/// # fn handle(op: &c8y_mqtt::client::ReceivedOperation) -> Result<(), c8y_mqtt::client::ClientError> {
/// // 504/505/506 when the operation id is known (JSON, SmartREST 2.0 with `id`),
/// // 501/502/503 by fragment otherwise; on the target device's topic (children too).
/// op.executing()?;
/// match op.fragment.as_str() {
///     "c8y_Restart" => op.succeed(Vec::<String>::new())?,
///     other => op.fail(&format!("{other} is not supported"))?, // truncated to fit, quote closed
/// };
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReceivedOperation {
    /// The platform's operation id, when the rendering carries it (JSON, SmartREST 2.0 with an
    /// `id` pattern).
    pub id: Option<String>,
    /// The external id of the target device.
    pub device: String,
    /// The operation fragment (`c8y_Restart`, …), used by `501`–`503`.
    pub fragment: String,
    /// The rendering with its content.
    pub source: OperationSource,
    client: Weak<Shared>,
}

impl PartialEq for ReceivedOperation {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.device == other.device
            && self.fragment == other.fragment
            && self.source == other.source
    }
}

impl ReceivedOperation {
    /// The static operation, for `s/ds` lines.
    pub fn kind(&self) -> Option<&OperationKind> {
        match &self.source {
            OperationSource::Static(kind) => Some(kind),
            _ => None,
        }
    }

    /// The JSON object, for `devicecontrol/notifications` operations.
    pub fn json(&self) -> Option<&Value> {
        match &self.source {
            OperationSource::Json(value) => Some(value),
            _ => None,
        }
    }

    /// Sets the operation EXECUTING (`504,<id>` or `501,<fragment>`).
    pub fn executing(&self) -> Result<Delivery, ClientError> {
        let template: Upstream = match &self.id {
            Some(id) => SetExecutingById::new(id.as_str())?.into(),
            None => SetExecuting::new(self.fragment.as_str())?.into(),
        };
        self.target()?.publish(template)
    }

    /// Sets the operation SUCCESSFUL with these parameters (`506,<id>,…` or
    /// `503,<fragment>,…`).
    pub fn succeed<S: Into<String>>(
        &self,
        parameters: impl IntoIterator<Item = S>,
    ) -> Result<Delivery, ClientError> {
        let template: Upstream = match &self.id {
            Some(id) => SetSuccessfulById::new(id.as_str())?
                .with_parameters(parameters)
                .into(),
            None => SetSuccessful::new(self.fragment.as_str())?
                .with_parameters(parameters)
                .into(),
        };
        self.target()?.publish(template)
    }

    /// Sets the operation FAILED with `reason`, cut to [`MAX_REASON_BYTES`] (`505,<id>,<reason>`
    /// or `502,<fragment>,<reason>`).
    pub fn fail(&self, reason: &str) -> Result<Delivery, ClientError> {
        let reason = truncate_reason(reason);
        let template: Upstream = match &self.id {
            Some(id) => SetFailedById::new(id.as_str())?
                .with_failure_reason(reason)
                .into(),
            None => SetFailed::new(self.fragment.as_str())?
                .with_failure_reason(reason)
                .into(),
        };
        self.target()?.publish(template)
    }

    /// The target device as an [`Entity`] (the client's device or a child), for publishing
    /// what the operation changed, such as the firmware (`115`) after an update.
    pub fn target_device(&self) -> Result<Entity, ClientError> {
        self.target()
    }

    /// The entity whose topic addresses the target device.
    fn target(&self) -> Result<Entity, ClientError> {
        let shared = self.client.upgrade().ok_or(ClientError::Closed)?;
        target_entity(shared, &self.device)
    }

    fn from_static(shared: &Arc<Shared>, op: Operation) -> Self {
        Self {
            id: None,
            device: op.device,
            fragment: op.kind.fragment().to_owned(),
            source: OperationSource::Static(op.kind),
            client: Arc::downgrade(shared),
        }
    }

    /// Reads one JSON operation; `None` when it names no target device or fragment.
    fn from_json(shared: &Arc<Shared>, value: Value) -> Option<Self> {
        let object = value.as_object()?;
        let device = object
            .get("externalSource")
            .and_then(|s| s.get("externalId"))
            .and_then(Value::as_str)?
            .to_owned();
        let id = object.get("id").and_then(|id| match id {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let candidates: Vec<&String> = object
            .keys()
            .filter(|key| !STANDARD_MEMBERS.contains(&key.as_str()))
            .collect();
        let supported = shared.config.operations.supported.as_ref();
        let fragment = supported
            .and_then(|list| candidates.iter().find(|key| list.contains(key)))
            .or_else(|| candidates.first())?
            .to_string();
        Some(Self {
            id,
            device,
            fragment,
            source: OperationSource::Json(value),
            client: Arc::downgrade(shared),
        })
    }

    /// An operation rendered by a SmartREST 2.0 response template.
    pub(crate) fn from_smartrest2(
        shared: &Arc<Shared>,
        id: Option<String>,
        device: String,
        fragment: String,
        source: OperationSource,
    ) -> Self {
        Self {
            id,
            device,
            fragment,
            source,
            client: Arc::downgrade(shared),
        }
    }
}

/// `reason` cut to [`MAX_REASON_BYTES`] encoded bytes, with a `...` marker when cut.
pub fn truncate_reason(reason: &str) -> String {
    truncate_field_with_marker(reason, MAX_REASON_BYTES, "...").into_owned()
}

/// The entity for a device external id: the client's device, or a child of it.
fn target_entity(shared: Arc<Shared>, device: &str) -> Result<Entity, ClientError> {
    let root_id = shared.config.device_id().to_string();
    let root = Entity::root(shared);
    if device == root_id || device.is_empty() {
        Ok(root)
    } else {
        root.child(device)
    }
}

/// Remembers the last [`RECENT_IDS`] operation ids and whether the start-up `507` was sent.
#[derive(Debug, Default)]
pub(crate) struct OperationState {
    recent: Mutex<RecentIds>,
    started: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Default)]
struct RecentIds {
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl RecentIds {
    /// Records `id`; false when it was seen recently.
    fn insert(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        if self.order.len() >= RECENT_IDS
            && let Some(old) = self.order.pop_front()
        {
            self.ids.remove(&old);
        }
        self.order.push_back(id.to_owned());
        self.ids.insert(id.to_owned());
        true
    }
}

/// After subscribing on every connect: the start-up `507`, once per client.
pub(crate) fn on_ready(shared: &Arc<Shared>) {
    let options = &shared.config.operations;
    if options.fail_executing_on_start
        && !shared
            .operations
            .started
            .swap(true, std::sync::atomic::Ordering::AcqRel)
    {
        let template = FailAllExecuting::new().with_failure_reason(INTERRUPTED_REASON);
        if let Err(error) = Entity::root(Arc::clone(shared)).publish(template) {
            tracing::warn!(%error, "507 not sent");
        }
    }
}

/// A static operation line arrived.
pub(crate) fn on_static(shared: &Arc<Shared>, op: Operation) {
    if shared.config.subscriptions.json_operations {
        tracing::debug!(
            device = op.device,
            "static operation line skipped: JSON operations subscribed"
        );
        return;
    }
    if super::smartrest2::covers_fragment(&shared.config, op.fragment()) {
        tracing::debug!(
            device = op.device,
            "static operation line skipped: a SmartREST 2.0 template renders it"
        );
        return;
    }
    deliver(shared, ReceivedOperation::from_static(shared, op));
}

/// A `devicecontrol/notifications` message arrived: one or more JSON objects (one per line).
pub(crate) fn on_json(shared: &Arc<Shared>, topic: &str, payload: &bytes::Bytes) {
    for value in serde_json::Deserializer::from_slice(payload).into_iter::<Value>() {
        let operation = match value {
            Ok(value) => ReceivedOperation::from_json(shared, value),
            Err(error) => {
                shared.push(Event::MalformedMessage {
                    topic: topic.to_owned(),
                    reason: error.to_string(),
                    payload: payload.clone(),
                });
                return;
            }
        };
        match operation {
            Some(op) => deliver(shared, op),
            None => shared.push(Event::MalformedMessage {
                topic: topic.to_owned(),
                reason: "operation without externalSource.externalId or fragment".to_owned(),
                payload: payload.clone(),
            }),
        }
    }
}

/// De-duplicates, fails unsupported operations, delivers the rest as events.
pub(crate) fn deliver(shared: &Arc<Shared>, op: ReceivedOperation) {
    if let Some(id) = &op.id
        && !shared.operations.recent.lock().insert(id)
    {
        tracing::debug!(id, "duplicate operation skipped");
        return;
    }
    let unsupported = shared
        .config
        .operations
        .supported
        .as_ref()
        .is_some_and(|list| !list.contains(&op.fragment));
    if unsupported {
        tracing::info!(fragment = op.fragment, "unsupported operation failed");
        if let Err(error) = op.executing().and_then(|_| op.fail(UNSUPPORTED_REASON)) {
            tracing::warn!(%error, "unsupported operation not failed");
        }
        return;
    }
    shared.push(Event::Operation(Box::new(op)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::UpstreamTemplate;

    #[test]
    fn recent_ids_forget_the_oldest() {
        let mut recent = RecentIds::default();
        assert!(recent.insert("a"));
        assert!(!recent.insert("a"));
        for i in 0..RECENT_IDS {
            assert!(recent.insert(&i.to_string()));
        }
        assert!(recent.insert("a"), "a was forgotten");
        assert_eq!(recent.order.len(), RECENT_IDS);
    }

    #[test]
    fn long_reasons_are_cut_to_a_closed_field() {
        let reason = format!("\"{}\"", "x,".repeat(600));
        let cut = truncate_reason(&reason);
        assert!(cut.ends_with("..."));
        let row = SetFailedById::new("7").unwrap().with_failure_reason(cut).to_row();
        assert!(row.len() <= "505,7,".len() + MAX_REASON_BYTES, "{}", row.len());
        assert!(row.ends_with('"'), "{row}");
        assert_eq!(truncate_reason("short"), "short");
    }
}
