//! Operations as the client delivers them: [`ReceivedOperation`] unifies the three renderings
//! the platform sends (static `s/ds` lines 510–532, JSON on `devicecontrol/notifications`,
//! SmartREST 2.0 response lines declared as operations), filters re-deliveries by operation id,
//! and carries the lifecycle calls ([`ReceivedOperation::executing`],
//! [`succeed`](ReceivedOperation::succeed), [`fail`](ReceivedOperation::fail)). The options
//! ([`OperationOptions`]) add automatic failing of unsupported operations and `507` at start-up.
//!
//! Decisions (docs/protocol.md §5.6, §5.7, §10, §11.1, §11.2, §11.5):
//! * **Lifecycle templates**: `504`/`505`/`506` when the operation id is known (JSON, or a
//!   SmartREST 2.0 template with an `id` pattern), `501`/`502`/`503` with the fragment otherwise
//!   (static lines carry no id). They are published on the *target* device's topic: `s/us` for
//!   the client's device, `s/us/<device>` for a child (§11.5; deeper descendants are not
//!   addressed).
//! * **Each operation reaches the application once per client.** The platform re-sends every
//!   PENDING operation on subscription and on `500`, and some renderings arrive twice.
//!   - Operations with an id are de-duplicated by id (the last [`RECENT_IDS`] are remembered).
//!   - Static lines carry no id. Their key is the whole line (device and parameters); the
//!     platform only re-sends in a connection's start-up, so during the
//!     [`DUPLICATE_WINDOW`] after a connection's `500` a line identical to one already handed
//!     over (and not finished more than the window ago) is taken as the same operation.
//!     Outside that window identical lines are distinct operations. A genuinely repeated
//!     identical operation created inside the window stays PENDING until the next connection's
//!     `500` hands it over.
//!   - A device profile arrives as `527` and, when its software has types, also as `531`
//!     (§5.7): both have the same key (the `531` read without software types), so they are one
//!     operation. When both are in one `s/ds` message the `531` (the richer rendering) is
//!     handed over; when they come apart, the first one is, within [`DUPLICATE_WINDOW`].
//!   - **Across restarts**, with a persistence directory: the operations this client set
//!     EXECUTING are recorded in the persistence directory (`operations.json`); the next
//!     client never hands them over as new. An operation handed over but never set EXECUTING is
//!     handed over again after a restart: the platform still holds it PENDING, and nothing else
//!     would ever finish it.
//! * **After a restart** ([`ConfigBuilder::fail_executing_on_start`](super::ConfigBuilder::fail_executing_on_start), on by default), once per
//!   client after its first connect. Operations the application can finish across a reboot
//!   ([`DEFAULT_RESUMABLE`]: `c8y_Restart`, `c8y_Firmware`, `c8y_SoftwareUpdate`,
//!   `c8y_DeviceProfile`; [`ConfigBuilder::resumable_operations`](super::ConfigBuilder::resumable_operations)) stay EXECUTING; every other
//!   operation left EXECUTING is failed with [`INTERRUPTED_REASON`], on its device's topic.
//!   - With a persistence directory the client knows each operation it set EXECUTING: a
//!     resumable one is handed to the application again as [`Event::OperationResumed`] (finish
//!     it with `succeed`/`fail` as usual), the others are failed precisely (`505,<id>` when the
//!     id is known, else the fragment-scoped `507,<fragment>` on the device's or child's topic).
//!   - Without one, the client fails each supported fragment
//!     ([`ConfigBuilder::fail_unsupported`](super::ConfigBuilder::fail_unsupported)) that is not resumable with a fragment-scoped
//!     `507,<fragment>`: for the device after the first connect, for a child when this client
//!     first creates it ([`Entity::create_child`]). Without a supported list nothing is failed.
//!     The application finishes a resumable operation by fragment
//!     (`503,c8y_Restart` through [`Entity::publish`]).
//!   - Never an unscoped `507`: it would also fail the `c8y_Restart` that caused the reboot,
//!     whose documented end is `503` after start-up.
//! * **Static and JSON together**: when `devicecontrol/notifications` is subscribed every
//!   operation also arrives as JSON (with its id), so static operation lines are not delivered
//!   as operations (they would be id-less duplicates).
//! * **Static and SmartREST 2.0 together**: static lines of a fragment that a declared
//!   SmartREST 2.0 operation response renders are skipped too (that rendering can carry the id).
//! * **JSON fragment**: the first member (in key order) of the operation that is not one of the platform's
//!   standard members (`id`, `status`, `deviceId`, …), preferring a supported fragment when
//!   [`ConfigBuilder::fail_unsupported`](super::ConfigBuilder::fail_unsupported) lists them.
//! * **Failure reasons** are cut to [`MAX_REASON_BYTES`] encoded bytes (as thin-edge does)
//!   with a `...` marker, always a complete quoted field.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::Value;

use crate::smartrest::truncate_field_with_marker;
use crate::templates::downstream::{
    DeviceProfile, DownstreamLine, Operation, OperationKind, SoftwareUpdateItem,
};
use crate::templates::upstream::{
    FailAllExecuting, SetExecuting, SetExecutingById, SetFailed, SetFailedById, SetSuccessful,
    SetSuccessfulById, Upstream,
};

use super::Shared;
pub use super::config::{DEFAULT_RESUMABLE, OperationOptions};
use super::delivery::Delivery;
use super::entity::Entity;
use super::error::ClientError;
use super::events::Event;
use super::operation_journal::{OperationJournal, Started};

/// How many recent operation ids are remembered for de-duplication.
pub const RECENT_IDS: usize = 1024;

/// Longest encoded failure reason sent (bytes, quotes included).
pub const MAX_REASON_BYTES: usize = 500;

/// The failure reason of automatically failed unsupported operations.
pub const UNSUPPORTED_REASON: &str = "Unsupported operation";

/// The failure reason of operations failed after a restart.
pub const INTERRUPTED_REASON: &str = "Operation interrupted by a device restart";

/// How long after a connection's `500` identical static lines are taken as one operation, and
/// how long a `531` is taken as the `527` of the same profile.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(30);

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

/// Which rendering an operation arrived in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OperationSource {
    /// A static line on `s/ds` (templates 510–532).
    Static(OperationKind),
    /// A JSON operation on `devicecontrol/notifications` (the whole object).
    Json(Value),
    /// A SmartREST 2.0 response line declared as an operation
    /// ([`ConfigBuilder::operation_response`](super::ConfigBuilder::operation_response)).
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

    /// The positional parameters: for a static operation the fields after the device id
    /// ([`OperationKind::values`]), for a SmartREST 2.0 operation response its values; empty
    /// for JSON operations (read [`ReceivedOperation::json`]).
    pub fn values(&self) -> Vec<String> {
        match &self.source {
            OperationSource::Static(kind) => kind.values(),
            OperationSource::SmartRest2 { values, .. } => values.clone(),
            _ => Vec::new(),
        }
    }

    /// The JSON object, for `devicecontrol/notifications` operations.
    pub fn json(&self) -> Option<&Value> {
        match &self.source {
            OperationSource::Json(value) => Some(value),
            _ => None,
        }
    }

    /// Sets the operation EXECUTING (`504,<id>` or `501,<fragment>`). With a persistence
    /// directory the operation is recorded, so that a restart before it finishes is handled
    /// precisely.
    pub fn executing(&self) -> Result<Delivery, ClientError> {
        let template: Upstream = match &self.id {
            Some(id) => SetExecutingById::new(id.as_str())?.into(),
            None => SetExecuting::new(self.fragment.as_str())?.into(),
        };
        let delivery = self.target()?.publish(template)?;
        if let Some(shared) = self.client.upgrade() {
            shared.operations.started(self.started());
        }
        Ok(delivery)
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
        self.finish(template)
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
        self.finish(template)
    }

    /// Publishes the final status and forgets the operation as in progress.
    fn finish(&self, template: Upstream) -> Result<Delivery, ClientError> {
        let delivery = self.target()?.publish(template)?;
        if let Some(shared) = self.client.upgrade() {
            shared
                .operations
                .finished(&self.started(), self.duplicate_key().as_deref());
        }
        Ok(delivery)
    }

    /// The record of this operation as started.
    fn started(&self) -> Started {
        Started {
            id: self.id.clone(),
            device: self.device.clone(),
            fragment: self.fragment.clone(),
            source: self.source.clone(),
        }
    }

    /// The key static lines are de-duplicated by: the line, with a `531` read as its `527`.
    fn duplicate_key(&self) -> Option<String> {
        match &self.source {
            OperationSource::Static(kind) if self.id.is_none() => Some(static_key(&self.device, kind)),
            _ => None,
        }
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

    /// The operation a record of an earlier client describes.
    fn from_started(shared: &Arc<Shared>, started: Started) -> Self {
        Self {
            id: started.id,
            device: started.device,
            fragment: started.fragment,
            source: started.source,
            client: Arc::downgrade(shared),
        }
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

/// The de-duplication key of a static operation: its line, a `531` read as the `527` of the
/// same profile (its software without types).
fn static_key(device: &str, kind: &OperationKind) -> String {
    match kind {
        OperationKind::AdvancedDeviceProfile(profile) => {
            let plain = DeviceProfile {
                firmware: profile.firmware.clone(),
                software: profile
                    .software
                    .iter()
                    .map(|item| SoftwareUpdateItem {
                        name: item.name.clone(),
                        version: item.version.clone(),
                        url: item.url.clone(),
                        action: item.action.clone(),
                    })
                    .collect(),
                configurations: profile.configurations.clone(),
            };
            Operation::new(device, OperationKind::DeviceProfile(plain)).to_row()
        }
        other => Operation::new(device, other.clone()).to_row(),
    }
}

/// What the client remembers of operations: recent ids and static lines, the operations it set
/// EXECUTING (recorded in the persistence directory when there is one), and whether the
/// start-up clean-up ran.
#[derive(Debug)]
pub(crate) struct OperationState {
    recent: Mutex<Recent>,
    in_progress: Mutex<Vec<Started>>,
    journal: Option<OperationJournal>,
    cleaned_up: AtomicBool,
}

#[derive(Debug, Default)]
struct Recent {
    ids: RecentIds,
    statics: VecDeque<StaticLine>,
    /// Until when the platform may re-send operations (after a connection's `500`).
    resend_until: Option<Instant>,
}

/// A static line handed over.
#[derive(Debug)]
struct StaticLine {
    key: String,
    profile: bool,
    delivered: Instant,
    finished: Option<Instant>,
}

impl Recent {
    /// Records a static line; false when it is a duplicate of one handed over.
    fn insert_static(&mut self, key: String, profile: bool, now: Instant) -> bool {
        self.statics.retain(|line| {
            line.finished
                .is_none_or(|at| now.duration_since(at) < DUPLICATE_WINDOW)
        });
        let resending = self.resend_until.is_some_and(|until| now < until);
        let duplicate = self.statics.iter().any(|line| {
            line.key == key
                && (resending
                    || (profile && line.profile && now.duration_since(line.delivered) < DUPLICATE_WINDOW))
        });
        if duplicate {
            return false;
        }
        if self.statics.len() >= RECENT_IDS {
            self.statics.pop_front();
        }
        self.statics.push_back(StaticLine {
            key,
            profile,
            delivered: now,
            finished: None,
        });
        true
    }
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

impl OperationState {
    /// The state of a new client; `persistence_dir` holds the record of started operations.
    pub(crate) fn new(persistence_dir: Option<&std::path::Path>) -> Self {
        Self {
            recent: Mutex::new(Recent::default()),
            in_progress: Mutex::new(Vec::new()),
            journal: persistence_dir.map(OperationJournal::new),
            cleaned_up: AtomicBool::new(false),
        }
    }

    /// An operation was set EXECUTING: recorded when there is a persistence directory (only the
    /// next client after a restart reads the record).
    fn started(&self, op: Started) {
        if self.journal.is_none() {
            return;
        }
        let mut in_progress = self.in_progress.lock();
        if !in_progress.iter().any(|known| known.same(&op)) {
            in_progress.push(op);
            self.save(&in_progress);
        }
    }

    /// An operation was finished.
    fn finished(&self, op: &Started, key: Option<&str>) {
        if let Some(key) = key {
            let now = Instant::now();
            let mut recent = self.recent.lock();
            if let Some(line) = recent
                .statics
                .iter_mut()
                .find(|line| line.key == key && line.finished.is_none())
            {
                line.finished = Some(now);
            }
        }
        let mut in_progress = self.in_progress.lock();
        let before = in_progress.len();
        in_progress.retain(|known| !known.same(op));
        if in_progress.len() != before {
            self.save(&in_progress);
        }
    }

    /// Writes the record of started operations (when there is a persistence directory).
    fn save(&self, in_progress: &[Started]) {
        if let Some(journal) = &self.journal
            && let Err(error) = journal.save(in_progress)
        {
            tracing::warn!(%error, "operations in progress not recorded");
        }
    }

    /// Whether `op` is new (not a re-delivery); records it.
    fn is_new(&self, op: &ReceivedOperation) -> bool {
        let mut recent = self.recent.lock();
        if let Some(id) = &op.id {
            return recent.ids.insert(id);
        }
        match &op.source {
            OperationSource::Static(kind) => {
                let profile = matches!(
                    kind,
                    OperationKind::DeviceProfile(_) | OperationKind::AdvancedDeviceProfile(_)
                );
                recent.insert_static(static_key(&op.device, kind), profile, Instant::now())
            }
            _ => true,
        }
    }
}

/// After every connection's `500`: re-sends may come for a while; the first time, the clean-up
/// of operations an earlier run left EXECUTING.
pub(crate) fn on_ready(shared: &Arc<Shared>) {
    shared.operations.recent.lock().resend_until = Some(Instant::now() + DUPLICATE_WINDOW);
    let options = &shared.config.operations;
    if !options.fail_executing_on_start || shared.operations.cleaned_up.swap(true, Ordering::AcqRel) {
        return;
    }
    match &shared.operations.journal {
        Some(journal) => match journal.load() {
            Ok(records) => resume_or_fail(shared, records),
            Err(error) => tracing::warn!(%error, "operations of the earlier run not read"),
        },
        None => fail_supported(shared, &Entity::root(Arc::clone(shared))),
    }
}

/// With a persistence directory: hands back the resumable operations of the earlier run and
/// fails the others precisely.
fn resume_or_fail(shared: &Arc<Shared>, records: Vec<Started>) {
    let options = &shared.config.operations;
    let mut failed_fragments: Vec<(String, String)> = Vec::new();
    for record in records {
        let op = ReceivedOperation::from_started(shared, record.clone());
        // A re-send of it is not a new operation.
        shared.operations.is_new(&op);
        if options.is_resumable(&record.fragment) {
            shared.operations.started(record);
            shared.push(Event::OperationResumed(Box::new(op)));
            continue;
        }
        let result = match &record.id {
            Some(_) => op.fail(INTERRUPTED_REASON).map(drop),
            None => {
                let pair = (record.device.clone(), record.fragment.clone());
                if failed_fragments.contains(&pair) {
                    continue;
                }
                failed_fragments.push(pair);
                let template = FailAllExecuting::new()
                    .with_fragment(record.fragment.as_str())
                    .with_failure_reason(INTERRUPTED_REASON);
                target_entity(Arc::clone(shared), &record.device).and_then(|e| e.publish(template).map(drop))
            }
        };
        if let Err(error) = result {
            tracing::warn!(%error, fragment = record.fragment, "interrupted operation not failed");
        }
    }
    // The records of failed operations go; resumed ones were recorded again.
    let in_progress = shared.operations.in_progress.lock();
    shared.operations.save(&in_progress);
}

/// Without a persistence directory: a fragment-scoped `507` for each supported fragment that is
/// not resumable, on `entity`'s topic.
fn fail_supported(shared: &Arc<Shared>, entity: &Entity) {
    let options = &shared.config.operations;
    let Some(supported) = &options.supported else {
        return;
    };
    for fragment in supported.iter().filter(|f| !options.is_resumable(f)) {
        let template = FailAllExecuting::new()
            .with_fragment(fragment.as_str())
            .with_failure_reason(INTERRUPTED_REASON);
        if let Err(error) = entity.publish(template) {
            tracing::warn!(%error, fragment, "507 not sent");
        }
    }
}

/// A child was created by this client for the first time: without a persistence directory, its
/// operations left EXECUTING by an earlier run are failed like the device's.
pub(crate) fn on_child_created(shared: &Arc<Shared>, child: &Entity) {
    let options = &shared.config.operations;
    if options.fail_executing_on_start && shared.operations.journal.is_none() {
        fail_supported(shared, child);
    }
}

/// Static operation lines of one `s/ds` message arrived: a `527` followed in the same message
/// by the `531` of the same profile is handed over once, as the `531`.
pub(crate) fn on_static_lines(shared: &Arc<Shared>, ops: Vec<Operation>) {
    let superseded: Vec<bool> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            matches!(op.kind, OperationKind::DeviceProfile(_))
                && ops[i + 1..].iter().any(|later| {
                    matches!(later.kind, OperationKind::AdvancedDeviceProfile(_))
                        && later.device == op.device
                        && static_key(&later.device, &later.kind) == static_key(&op.device, &op.kind)
                })
        })
        .collect();
    for (op, superseded) in ops.into_iter().zip(superseded) {
        if !superseded {
            on_static(shared, op);
        }
    }
}

/// A static operation line arrived.
fn on_static(shared: &Arc<Shared>, op: Operation) {
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
    if !shared.operations.is_new(&op) {
        tracing::debug!(id = op.id, fragment = op.fragment, "duplicate operation skipped");
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
