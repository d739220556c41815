//! [`CumulocityPlatform`]: the default [`Platform`] of the emulator. It keeps the platform model
//! ([`crate::platform::store`]) behind one `parking_lot::Mutex`, processes static SmartREST publishes
//! (`s/us` and its modes and child levels, last wills included), answers bootstrap polls on
//! `s/ucr`, delivers operations on `s/ds` (plus whatever the registered
//! [`OperationRenderer`]s add), executes [`ApiRequest`]s for the request engines
//! ([`ApiExecutor`]) and offers getters and awaitable waits for tests.
//!
//! The model lock is never held across an await or while publishing through the connections: every
//! entry point computes what to send under the lock, releases it, then publishes.
//!
//! Decisions where docs/protocol.md is open:
//! * subscriptions (other than the bootstrap user's) are allowed only once the device exists
//!   (docs/protocol.md §1.6): clients send `100` (or any static row) before subscribing;
//! * a bootstrap poll for an id that was never registered registers it as PENDING_ACCEPTANCE and
//!   gets no reply (as the real UI lists unknown polling devices); after acceptance every poll
//!   gets the same credentials again (a device that missed the reply can poll once more);
//! * publishes of a bootstrap session other than on `s/ucr` are ignored;
//! * each operation delivery is one publish (a 500 re-sends every PENDING operation, one publish
//!   each), at the QoS of the device's `s/ds` subscription;
//! * `c8y_Connection.status` is CONNECTED while a session of the device is connected, if the
//!   device exists.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::platform::binaries::BinaryStore;
use crate::platform::tokens::TokenIssuer;
use c8y_mqtt::QoS;
use c8y_mqtt::smartrest::{join_rows, with_backslash_escapes};
use c8y_mqtt::templates::downstream::{AccessToken, Credentials as CredentialsLine, DownstreamLine};
use c8y_mqtt::topic::{ProcessingMode, SmartRestChannel, TopicError, UpstreamTopic};
use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::Clock;
use crate::journal::WaitTimeout;
use crate::platform::delivery::{OperationRenderer, static_rows};
use crate::platform::endpoint::{Connections, DevicePublish, DisconnectReason, Platform, SessionInfo};
use crate::platform::engines::Engines;
use crate::platform::json_mqtt;
use crate::platform::request::{
    ApiError, ApiExecutor, ApiRequest, Document, Reply, RequestContext, Resource,
};
use crate::platform::static_templates::{StaticTarget, process};
use crate::platform::store::{
    AcceptError, DeviceRequest, FIRST_ID, Model, PollOutcome, RecordFilter, parse_id, text,
};
use crate::platform::users::{Credentials, Principal};

/// How often availability is checked on the system clock.
const AVAILABILITY_TICK: Duration = Duration::from_secs(5);

/// The static downstream topic.
const STATIC_DOWNSTREAM: &str = "s/ds";
/// The error topic.
const ERRORS: &str = "s/e";
/// The bootstrap credentials topic.
const CREDENTIALS: &str = "s/dcr";
/// The access-token topic.
const ACCESS_TOKEN: &str = "s/dat";

/// What to send to a device session, computed under the model lock and sent after it.
#[derive(Debug)]
enum Outgoing {
    /// A reply to the session of this device id in this tenant.
    Reply(String, String, Reply),
    /// An operation to deliver to the session of this root device in this tenant.
    Operation(String, String, Document),
}

/// The emulated Cumulocity platform behind the MQTT layer: one model per tenant (see the module
/// documentation).
pub struct CumulocityPlatform {
    /// The tenants' models, by tenant id; each is isolated from the others.
    models: Mutex<BTreeMap<String, Model>>,
    /// The default tenant (the first): the one the handle's getters read.
    default_tenant: String,
    /// The id counter every tenant's model draws from.
    ids: Arc<AtomicU64>,
    /// The time source of availability monitoring.
    clock: Clock,
    connections: OnceLock<Arc<dyn Connections>>,
    credentials: OnceLock<Arc<std::sync::Mutex<Credentials>>>,
    renderers: Mutex<Vec<Arc<dyn OperationRenderer>>>,
    engines: Engines,
    deliver_twice: AtomicBool,
    changes: tokio::sync::watch::Sender<u64>,
    tokens: TokenIssuer,
    binaries: Arc<BinaryStore>,
}

impl std::fmt::Debug for CumulocityPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CumulocityPlatform")
            .field("tenants", &self.tenants())
            .finish_non_exhaustive()
    }
}

impl CumulocityPlatform {
    /// An empty platform whose default (first) tenant is `tenant`, on the system clock.
    pub fn new(tenant: &str) -> Self {
        Self::with_clock(tenant, Clock::system())
    }

    /// An empty platform whose default (first) tenant is `tenant`, with `clock` as the time
    /// source of availability monitoring (a [`Clock::manual`] in tests).
    pub fn with_clock(tenant: &str, clock: Clock) -> Self {
        let ids = Arc::new(AtomicU64::new(FIRST_ID));
        Self {
            models: Mutex::new(BTreeMap::from([(
                tenant.to_owned(),
                Model::new(tenant, Arc::clone(&ids), clock.clone()),
            )])),
            clock,
            ids,
            default_tenant: tenant.to_owned(),
            connections: OnceLock::new(),
            credentials: OnceLock::new(),
            renderers: Mutex::new(Vec::new()),
            engines: Engines::default(),
            deliver_twice: AtomicBool::new(false),
            changes: tokio::sync::watch::Sender::new(0),
            tokens: TokenIssuer::new(),
            binaries: Arc::new(BinaryStore::default()),
        }
    }

    /// The device tokens of the tenant (`s/uat` → `71,<jwt>` on `s/dat`, `Bearer` on REST).
    pub fn tokens(&self) -> &TokenIssuer {
        &self.tokens
    }

    /// The stored binaries.
    pub fn binaries(&self) -> &BinaryStore {
        &self.binaries
    }

    /// The stored binaries, shared with the REST API.
    pub(crate) fn binaries_handle(&self) -> Arc<BinaryStore> {
        Arc::clone(&self.binaries)
    }

    /// The SmartREST 2.0 and 1.0 registries (e.g. to register a SmartREST 1.0 collection, which
    /// the platform only accepts over HTTP).
    pub fn engines(&self) -> &Engines {
        &self.engines
    }

    /// Lets bootstrap create device users in the MQTT layer's credential store.
    pub(crate) fn bind_credentials(&self, credentials: Arc<std::sync::Mutex<Credentials>>) {
        let _ = self.credentials.set(credentials);
    }

    /// Adds an empty tenant (no-op when it exists); returns whether it was added.
    pub fn add_tenant(&self, tenant: &str) -> bool {
        let mut models = self.models.lock();
        if models.contains_key(tenant) {
            return false;
        }
        models.insert(
            tenant.to_owned(),
            Model::new(tenant, Arc::clone(&self.ids), self.clock.clone()),
        );
        true
    }

    /// The time source of availability monitoring.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Checks every tenant's monitored devices against their required interval
    /// (docs/protocol.md §11.3); returns how many changed status. The emulator runs this after
    /// every clock advance and every few seconds.
    pub fn check_availability(&self) -> usize {
        let tenants = self.tenants();
        tenants
            .iter()
            .filter_map(|t| self.with_tenant(t, Model::check_availability))
            .sum()
    }

    /// Runs the availability checks until `platform` is dropped or `stop` turns true.
    pub(crate) async fn monitor_availability(
        platform: std::sync::Weak<Self>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let Some(mut ticks) = platform.upgrade().map(|p| p.clock.ticks()) else {
            return;
        };
        loop {
            tokio::select! {
                () = ticks.next(AVAILABILITY_TICK) => {}
                _ = stop.wait_for(|stop| *stop) => return,
            }
            match platform.upgrade() {
                Some(platform) => {
                    platform.check_availability();
                }
                None => return,
            }
        }
    }

    /// The tenant ids, sorted.
    pub fn tenants(&self) -> Vec<String> {
        self.models.lock().keys().cloned().collect()
    }

    /// Runs `f` on the model of `tenant` under the lock, then wakes the waits; `None` when the
    /// tenant does not exist.
    pub(crate) fn with_tenant<T>(&self, tenant: &str, f: impl FnOnce(&mut Model) -> T) -> Option<T> {
        let result = f(self.models.lock().get_mut(tenant)?);
        self.changes.send_modify(|v| *v += 1);
        Some(result)
    }

    /// Reads the model of `tenant` under the lock; `None` when the tenant does not exist.
    pub(crate) fn read_tenant<T>(&self, tenant: &str, f: impl FnOnce(&Model) -> T) -> Option<T> {
        self.models.lock().get(tenant).map(f)
    }

    /// Runs `f` on the default tenant's model under the lock, then wakes the waits.
    pub(crate) fn with_model<T>(&self, f: impl FnOnce(&mut Model) -> T) -> T {
        let mut models = self.models.lock();
        let model = models
            .get_mut(&self.default_tenant)
            .expect("the default tenant is never removed");
        let result = f(model);
        drop(models);
        self.changes.send_modify(|v| *v += 1);
        result
    }

    /// Reads the default tenant's model under the lock.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Model) -> T) -> T {
        let models = self.models.lock();
        f(models
            .get(&self.default_tenant)
            .expect("the default tenant is never removed"))
    }

    // ---- operation delivery ----

    /// Registers a renderer that adds its publishes to every operation delivery (see
    /// [`OperationRenderer`]).
    pub fn add_operation_renderer(&self, renderer: Arc<dyn OperationRenderer>) {
        self.renderers.lock().push(renderer);
    }

    /// Duplicates (or stops duplicating) every operation delivery: each delivery publishes
    /// every row twice, as a platform that re-sends would.
    pub fn deliver_operation_twice(&self, twice: bool) {
        self.deliver_twice.store(twice, Ordering::Relaxed);
    }

    /// Marks `operations` as delivered and names the root device session of each (under the
    /// model lock); [`CumulocityPlatform::send`] renders them afterwards.
    fn deliveries(&self, model: &mut Model, operations: &[Document]) -> Vec<Outgoing> {
        let mut out = Vec::new();
        for op in operations {
            let Some(device) = text(op, "deviceId").and_then(parse_id) else {
                continue;
            };
            let root = model.root_of(device);
            let Some(root_serial) = model.serial_of(root).map(str::to_owned) else {
                continue;
            };
            if let Some(id) = text(op, "id") {
                model.log_delivery(id);
            }
            out.push(Outgoing::Operation(
                model.tenant().to_owned(),
                root_serial,
                op.clone(),
            ));
        }
        out
    }

    /// Publishes computed replies and renders and publishes operation deliveries (outside the
    /// model lock).
    fn send(&self, outgoing: Vec<Outgoing>) {
        let Some(connections) = self.connections.get() else {
            return;
        };
        let renderers: Vec<Arc<dyn OperationRenderer>> = self.renderers.lock().clone();
        let copies = if self.deliver_twice.load(Ordering::Relaxed) {
            2
        } else {
            1
        };
        for item in outgoing {
            let (tenant, device, replies) = match item {
                Outgoing::Reply(tenant, device, reply) => (tenant, device, vec![reply]),
                Outgoing::Operation(tenant, root, op) => {
                    let mut replies = Vec::new();
                    let rows = static_rows(&op);
                    if !rows.is_empty() {
                        replies.push(Reply::new(STATIC_DOWNSTREAM, join_rows(rows)));
                    }
                    let default_xid = connections
                        .sessions()
                        .into_iter()
                        .find(|s| s.device_id == root && s.tenant() == tenant)
                        .and_then(|s| s.default_xid);
                    replies.extend(self.engines.render_operation(
                        &tenant,
                        &connections.subscriptions(&tenant, &root),
                        default_xid.as_deref(),
                        &op,
                    ));
                    for renderer in &renderers {
                        replies.extend(renderer.render(&root, &op));
                    }
                    let replies = std::iter::repeat_n(replies, copies).flatten().collect();
                    (tenant, root, replies)
                }
            };
            for reply in replies {
                // SmartREST downstream goes out with the platform's `\"` quote escape (reference
                // §4.2); JSON topics as they are.
                let payload = if reply.topic.starts_with("s/") {
                    with_backslash_escapes(&reply.payload)
                } else {
                    reply.payload
                };
                let _ = connections.publish_to(
                    &tenant,
                    &device,
                    &reply.topic,
                    payload.into_bytes().into(),
                    QoS::ExactlyOnce,
                );
            }
        }
    }

    // ---- handle API ----

    /// The default tenant's id.
    pub fn tenant(&self) -> String {
        self.default_tenant.clone()
    }

    /// The managed object with this `c8y_Serial`.
    pub fn managed_object_by_external_id(&self, external_id: &str) -> Option<Value> {
        self.read(|m| {
            m.find_serial(external_id)
                .and_then(|id| m.managed_object(id))
                .cloned()
                .map(Value::Object)
        })
    }

    /// Deletes the device with this `c8y_Serial` (its managed object, identities and links), as
    /// an administrator deleting it in the platform; false when there is none.
    pub fn delete_device(&self, external_id: &str) -> bool {
        self.with_model(|m| {
            m.find_serial(external_id)
                .is_some_and(|id| m.delete_managed_object(id))
        })
    }

    /// The managed object with this `c8y_Serial` in `tenant`.
    pub fn managed_object_in(&self, tenant: &str, external_id: &str) -> Option<Value> {
        self.read_tenant(tenant, |m| {
            m.find_serial(external_id)
                .and_then(|id| m.managed_object(id))
                .cloned()
                .map(Value::Object)
        })
        .flatten()
    }

    /// Stored measurements of `tenant` that `filter` selects, oldest first.
    pub fn measurements_in(&self, tenant: &str, filter: &RecordFilter) -> Vec<Value> {
        self.read_tenant(tenant, |m| {
            m.filtered(Resource::Measurement, filter)
                .into_iter()
                .map(Value::Object)
                .collect()
        })
        .unwrap_or_default()
    }

    /// The managed object with this id.
    pub fn managed_object(&self, id: &str) -> Option<Value> {
        self.read(|m| {
            parse_id(id)
                .and_then(|id| m.managed_object(id))
                .cloned()
                .map(Value::Object)
        })
    }

    /// Every managed object, in creation order.
    pub fn managed_objects(&self) -> Vec<Value> {
        self.read(|m| m.managed_objects().into_iter().map(Value::Object).collect())
    }

    /// The child devices of the device with this `c8y_Serial`, in the order they were added.
    pub fn child_devices(&self, external_id: &str) -> Vec<Value> {
        self.read(|m| {
            m.find_serial(external_id)
                .map(|id| {
                    m.child_device_ids(id)
                        .into_iter()
                        .filter_map(|c| m.managed_object(c).cloned().map(Value::Object))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Stored measurements that `filter` selects, oldest first.
    pub fn measurements(&self, filter: &RecordFilter) -> Vec<Value> {
        self.records(Resource::Measurement, filter)
    }

    /// Stored events that `filter` selects, oldest first.
    pub fn events(&self, filter: &RecordFilter) -> Vec<Value> {
        self.records(Resource::Event, filter)
    }

    /// Alarms that `filter` selects, oldest first.
    pub fn alarms(&self, filter: &RecordFilter) -> Vec<Value> {
        self.records(Resource::Alarm, filter)
    }

    /// Operations that `filter` selects (source = target device), oldest first.
    pub fn operations(&self, filter: &RecordFilter) -> Vec<Value> {
        self.records(Resource::Operation, filter)
    }

    fn records(&self, resource: Resource, filter: &RecordFilter) -> Vec<Value> {
        self.read(|m| {
            m.filtered(resource, filter)
                .into_iter()
                .map(Value::Object)
                .collect()
        })
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<Value> {
        self.read(|m| m.operation(id).cloned().map(Value::Object))
    }

    /// The operation with this id in `tenant`.
    pub fn operation_in(&self, tenant: &str, id: &str) -> Option<Value> {
        self.read_tenant(tenant, |m| m.operation(id).cloned().map(Value::Object))
            .flatten()
    }

    /// The PENDING operations of the device with this `c8y_Serial` and every device below it,
    /// oldest first (what `500` re-sends).
    pub fn pending_operations(&self, root_external_id: &str) -> Vec<Value> {
        self.read(|m| {
            m.find_serial(root_external_id)
                .map(|id| m.pending_operations(id).into_iter().map(Value::Object).collect())
                .unwrap_or_default()
        })
    }

    /// Creates a PENDING operation for the device with this `c8y_Serial` (a root or any child)
    /// from `fragments` (a JSON object such as `{"c8y_Command":{"text":"ls"}}`, optionally with
    /// `description`) and delivers it to the root device's session. Returns the stored
    /// operation.
    pub fn create_operation(&self, device_external_id: &str, fragments: Value) -> Result<Value, ApiError> {
        self.create_operation_in(&self.default_tenant, device_external_id, fragments)
    }

    /// [`CumulocityPlatform::create_operation`] in `tenant`.
    pub fn create_operation_in(
        &self,
        tenant: &str,
        device_external_id: &str,
        fragments: Value,
    ) -> Result<Value, ApiError> {
        let Value::Object(body) = fragments else {
            return Err(ApiError::Invalid(
                "operation fragments must be a JSON object".into(),
            ));
        };
        let (op, outgoing) = self
            .with_tenant(tenant, |m| {
                let device = m
                    .find_serial(device_external_id)
                    .ok_or_else(|| ApiError::NotFound(format!("Device {device_external_id} not found")))?;
                let op = m.create_operation(device, body);
                let outgoing = self.deliveries(m, std::slice::from_ref(&op));
                Ok::<_, ApiError>((op, outgoing))
            })
            .ok_or_else(|| ApiError::NotFound(format!("Tenant {tenant} not found")))??;
        self.send(outgoing);
        Ok(Value::Object(op))
    }

    /// Registers a device id for bootstrap (WAITING_FOR_CONNECTION), as an operator does in
    /// Device Management → Device registration.
    pub fn register_device(&self, id: &str) -> DeviceRequest {
        self.with_model(|m| m.register_request(id))
    }

    /// Accepts a device request the device has polled for (PENDING_ACCEPTANCE → ACCEPTED).
    pub fn accept_device_request(&self, id: &str) -> Result<DeviceRequest, AcceptError> {
        self.with_model(|m| m.accept_request(id))
    }

    /// Every device request.
    pub fn device_requests(&self) -> Vec<DeviceRequest> {
        self.read(Model::requests)
    }

    /// The device users created by bootstrap: (user, password).
    pub fn device_users(&self) -> Vec<(String, String)> {
        self.read(Model::device_users)
    }

    /// Waits until `probe` returns `Some` (checked now and after every model change).
    pub async fn wait_for<T>(
        &self,
        mut probe: impl FnMut(&Self) -> Option<T>,
        timeout: Duration,
    ) -> Result<T, WaitTimeout> {
        let mut changes = self.changes.subscribe();
        let wait = async {
            loop {
                changes.borrow_and_update();
                if let Some(found) = probe(self) {
                    return found;
                }
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| WaitTimeout(timeout))
    }

    /// Waits until the operation has `status`; returns it.
    pub async fn wait_for_operation_status(
        &self,
        id: &str,
        status: &str,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        self.wait_for(
            |p| {
                p.operation(id)
                    .filter(|op| op.get("status").and_then(Value::as_str) == Some(status))
            },
            timeout,
        )
        .await
    }

    /// Waits for a stored measurement that `pred` accepts.
    pub async fn wait_for_measurement(
        &self,
        mut pred: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        self.wait_for(
            |p| p.measurements(&RecordFilter::all()).into_iter().find(|m| pred(m)),
            timeout,
        )
        .await
    }

    /// Waits for a stored event that `pred` accepts.
    pub async fn wait_for_event(
        &self,
        mut pred: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        self.wait_for(
            |p| p.events(&RecordFilter::all()).into_iter().find(|m| pred(m)),
            timeout,
        )
        .await
    }

    /// Waits for an alarm that `pred` accepts.
    pub async fn wait_for_alarm(
        &self,
        mut pred: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        self.wait_for(
            |p| p.alarms(&RecordFilter::all()).into_iter().find(|m| pred(m)),
            timeout,
        )
        .await
    }

    /// Waits until the managed object with this `c8y_Serial` exists and `pred` accepts it.
    pub async fn wait_for_managed_object(
        &self,
        external_id: &str,
        mut pred: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        self.wait_for(
            |p| p.managed_object_by_external_id(external_id).filter(|mo| pred(mo)),
            timeout,
        )
        .await
    }

    /// Waits until the device request `id` exists with `status`.
    pub async fn wait_for_device_request(
        &self,
        id: &str,
        status: crate::platform::store::DeviceRequestStatus,
        timeout: Duration,
    ) -> Result<DeviceRequest, WaitTimeout> {
        self.wait_for(
            |p| {
                p.device_requests()
                    .into_iter()
                    .find(|r| r.id == id && r.status == status)
            },
            timeout,
        )
        .await
    }

    // ---- MQTT processing ----

    /// A bootstrap poll: the request lives in the tenant that registered the device id (the
    /// first such tenant), else an unknown id waits in the default tenant.
    fn on_bootstrap_poll(&self, session: &SessionInfo) {
        let id = &session.device_id;
        let tenant = {
            let models = self.models.lock();
            models
                .values()
                .find(|m| m.requests().iter().any(|r| r.id == *id))
                .map_or_else(|| self.default_tenant.clone(), |m| m.tenant().to_owned())
        };
        let Some(PollOutcome::Credentials(user, password)) =
            self.with_tenant(&tenant, |m| m.poll_request(id))
        else {
            return;
        };
        if let Some(credentials) = self.credentials.get() {
            crate::lock(credentials).set_tenant_user(&tenant, &user, &password);
        }
        let line = CredentialsLine::new(tenant, user, password).to_row();
        self.send(vec![Outgoing::Reply(
            session.tenant().to_owned(),
            session.device_id.clone(),
            Reply::new(CREDENTIALS, line),
        )]);
    }

    fn on_static(&self, session: &SessionInfo, mode: ProcessingMode, children: &[String], payload: &[u8]) {
        let target = StaticTarget {
            root: &session.device_id,
            children,
            mode,
        };
        let outgoing = self
            .with_tenant(session.tenant(), |m| {
                let mut outcome = process(m, &target, payload);
                let root = session.device_id.clone();
                let tenant = session.tenant().to_owned();
                let mut outgoing: Vec<Outgoing> = Vec::new();
                outgoing.extend(outcome.downstream.into_iter().map(|row| {
                    Outgoing::Reply(tenant.clone(), root.clone(), Reply::new(STATIC_DOWNSTREAM, row))
                }));
                let operations = std::mem::take(&mut outcome.deliver);
                outgoing.extend(self.deliveries(m, &operations));
                outgoing.extend(
                    outcome
                        .errors
                        .into_iter()
                        .map(|row| Outgoing::Reply(tenant.clone(), root.clone(), Reply::new(ERRORS, row))),
                );
                outgoing
            })
            .unwrap_or_default();
        self.send(outgoing);
    }

    fn set_connection(&self, session: &SessionInfo, status: &str) {
        if matches!(session.principal, Principal::Bootstrap) {
            return;
        }
        self.with_tenant(session.tenant(), |m| {
            if let Some(id) = m.find_serial(&session.device_id) {
                m.set_fragment(id, "c8y_Connection", json!({"status": status}));
            }
        });
    }
}

impl Platform for CumulocityPlatform {
    fn attach(&self, connections: Arc<dyn Connections>) {
        let _ = self.connections.set(connections);
    }

    fn on_connect(&self, session: &SessionInfo) {
        self.set_connection(session, "CONNECTED");
    }

    fn on_publish(&self, session: &SessionInfo, publish: &DevicePublish) {
        let topic = match UpstreamTopic::from_str(&publish.topic) {
            Ok(topic) => topic,
            Err(TopicError::Json(error)) if !matches!(session.principal, Principal::Bootstrap) => {
                let reply = json_mqtt::on_topic_error(&error, None);
                self.send(vec![Outgoing::Reply(
                    session.tenant().to_owned(),
                    session.device_id.clone(),
                    reply,
                )]);
                return;
            }
            Err(_) => return,
        };
        match (&session.principal, topic) {
            (Principal::Bootstrap, UpstreamTopic::CredentialsRequest) => self.on_bootstrap_poll(session),
            (Principal::Bootstrap, _) => {}
            (
                Principal::User { tenant, user } | Principal::Certificate { tenant, user },
                UpstreamTopic::TokenRequest,
            ) => {
                let row = AccessToken::new(self.tokens.issue(tenant, user)).to_row();
                self.send(vec![Outgoing::Reply(
                    tenant.clone(),
                    session.device_id.clone(),
                    Reply::new(ACCESS_TOKEN, row),
                )]);
            }
            (_, UpstreamTopic::SmartRest(topic)) if topic.channel == SmartRestChannel::Static => {
                let children: Vec<String> = topic.children.iter().map(|c| c.as_str().to_owned()).collect();
                self.on_static(session, topic.mode, &children, &publish.payload);
            }
            (_, topic) => {
                let replies = self
                    .engines
                    .on_publish(session, &topic, &publish.payload, None, self);
                let outgoing = replies
                    .into_iter()
                    .map(|reply| {
                        Outgoing::Reply(session.tenant().to_owned(), session.device_id.clone(), reply)
                    })
                    .collect();
                self.send(outgoing);
            }
        }
    }

    fn authorize_connect(&self, session: &SessionInfo) -> bool {
        match &session.principal {
            Principal::Bootstrap => true,
            Principal::User { tenant, user } | Principal::Certificate { tenant, user } => self
                .with_tenant(tenant, |m| m.claim_device(user, &session.device_id))
                .unwrap_or(false),
        }
    }

    fn authorize_subscribe(&self, session: &SessionInfo, topic: &str) -> bool {
        match session.principal {
            // The bootstrap user receives its credentials and nothing else (docs/protocol.md §3).
            Principal::Bootstrap => topic == CREDENTIALS,
            _ => self
                .read_tenant(session.tenant(), |m| m.find_serial(&session.device_id).is_some())
                .unwrap_or(false),
        }
    }

    fn on_disconnect(&self, session: &SessionInfo, reason: &DisconnectReason) {
        if !matches!(reason, DisconnectReason::TakenOver) {
            self.set_connection(session, "DISCONNECTED");
        }
    }
}

impl ApiExecutor for CumulocityPlatform {
    fn execute(&self, context: &RequestContext, request: ApiRequest) -> Result<Value, ApiError> {
        let creates_operations = matches!(
            &request,
            ApiRequest::Create {
                resource: Resource::Operation,
                ..
            } | ApiRequest::CreateBulk {
                resource: Resource::Operation,
                ..
            }
        );
        let Some((result, outgoing)) = self.with_tenant(&context.tenant, |m| {
            let result = m.execute(context, request);
            let mut outgoing = Vec::new();
            if creates_operations && let Ok(value) = &result {
                let created: Vec<Document> = match value.get("operations").and_then(Value::as_array) {
                    Some(list) => list.iter().filter_map(|v| v.as_object().cloned()).collect(),
                    None => value.as_object().cloned().into_iter().collect(),
                };
                outgoing = self.deliveries(m, &created);
            }
            (result, outgoing)
        }) else {
            return Err(ApiError::NotFound(format!("Tenant {} not found", context.tenant)));
        };
        self.send(outgoing);
        result
    }
}
