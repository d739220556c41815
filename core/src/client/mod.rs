//! The device client: connects to Cumulocity over MQTT (TCP, TLS, WebSocket), keeps the
//! connection up, publishes typed templates with delivery tracking, and reports what arrives.
//!
//! * [`config`]: [`Config`] / [`ConfigBuilder`], also [from the environment](Config::from_env).
//! * [`Client`]: the async client (needs a tokio runtime); [`BlockingClient`] owns its runtime
//!   for plain threads, C and Python.
//! * [`Entity`]: the device, a child device or a service; typed publishes go through it.
//! * [`Delivery`]: what every publish returns; resolves when the platform acknowledged it.
//! * [`Event`]: connection state, operations, downstream lines, error lines, deliveries; pulled
//!   with [`Client::next_event`] or [`BlockingClient::next_event`].
//! * [`persistence`]: the optional on-disk outbox ([`ConfigBuilder::persistence_dir`]); QoS ≥ 1
//!   messages survive a crash or power loss and are sent by the next client.
//! * [`register`] / [`register_blocking`]: bootstrap registration, credentials kept in a file.
//! * [`ConfigBuilder::http_proxy`]: an explicit HTTP CONNECT proxy (never from the environment).
//! * [`operations`]: [`ReceivedOperation`] (static, JSON and SmartREST 2.0 operations, once per
//!   id) with `executing` / `succeed` / `fail`; automatic failing of unsupported operations and
//!   `507` at start-up.
//! * [`Client::request_access_token`]: the JWT of a certificate device over MQTT (`s/uat` →
//!   `71` on `s/dat`, subscribed for certificate credentials); `Client::http` (feature `http`)
//!   is the platform HTTP client built on it ([`crate::http`]).
//! * [`smartrest2`]: collections declared in code, created when missing, use lines via
//!   [`Client::smartrest2`], responses as events; [`smartrest1`] and [`json`] as thin APIs
//!   ([`Client::smartrest1`], [`Client::json`]).
//! * [`statistics`]: [`Client::statistics`], counters of deliveries, drops by reason,
//!   rejections, connections and bytes; optionally published as a `c8y_ClientStatistics`
//!   measurement ([`ConfigBuilder::statistics_measurement`]).
//!
//! After every (re)connect the client creates the device (`100`, unless turned off), subscribes
//! the configured downstream topics, waits for SUBACK (refused topics are reported and retried
//! with backoff), publishes `500` (pending operations), then replays its outbox: QoS ≥ 1
//! messages stay in the SDK's outbox until PUBACK, so a dropped connection loses none of them
//! (they may arrive twice). CONNACK refusals other than "server unavailable" stop the client
//! instead of retrying (CONNACK 5 after a few retries), and so does an untrusted server
//! certificate. See the README's table of defaults.
//! Logging goes through `tracing` and is silent unless the application installs a subscriber.
//!
//! Threading: every method may be called from any thread; internal locks are never held while
//! awaiting or while calling out, and publishing only enqueues.
//!
//! ```no_run
//! use std::time::Duration;
//! use c8y_mqtt::client::{BlockingClient, Config, NextEvent};
//! use c8y_mqtt::templates::upstream::Temperature;
//!
//! let config = Config::builder("mqtt.eu-latest.cumulocity.com", "my-serial-1")
//!     .password("t12345", "device_my-serial-1", "secret")
//!     .build()?;
//! let client = BlockingClient::connect(config)?;
//! let delivery = client.publish(Temperature::new(21))?;
//! delivery.wait(Duration::from_secs(10));
//! while let NextEvent::Event(event) = client.next_event(Duration::from_secs(1)) {
//!     println!("{event:?}");
//! }
//! client.close();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod access_token;
mod acked;
pub mod backoff;
mod blocking;
pub mod config;
mod connection;
mod delivery;
mod entity;
mod env;
pub mod error;
pub mod events;
mod identity;
mod inflight;
pub mod json;
mod operation_journal;
pub mod operations;
pub mod outbox;
pub mod persistence;
mod registration;
pub mod smartrest1;
pub mod smartrest2;
pub mod statistics;
pub(crate) mod transport;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[cfg(feature = "http")]
pub(crate) use access_token::request as request_access_token;
pub use backoff::ReconnectPolicy;
pub use blocking::BlockingClient;
pub use config::{
    Config, ConfigBuilder, Credentials, DEFAULT_DEVICE_TYPE, DEFAULT_NOT_AUTHORIZED_RETRIES, HttpProxy,
    OutboxLimits, OverflowPolicy, ParseOverflowPolicyError, ParseTransportError, Secret, Subscriptions,
    TransportKind, TrustRoots,
};
pub use delivery::{Delivery, DeliveryId, DeliveryOutcome, DropReason};
pub use entity::{Entity, PublishOptions};
pub use env::ENV_VARS;
pub use error::{ClientError, ConfigError, ConnackRefusal, ConnectError, FlushTimeout};
pub use events::{ConnectionState, Event, EventQueue, NextEvent};
pub use json::{JsonApi, JsonError};
pub use operations::{
    DEFAULT_RESUMABLE, DUPLICATE_WINDOW, OperationOptions, OperationSource, ReceivedOperation,
};
pub use persistence::PersistenceError;
pub use registration::{
    BOOTSTRAP_USER, BootstrapConfig, DeviceCredentials, RegistrationError, register, register_blocking,
};
pub use smartrest1::SmartRest1;
pub use smartrest2::{CollectionState, Response, SmartRest2};
pub use statistics::{DropCounts, STATISTICS_MEASUREMENT, Statistics};

use crate::templates::upstream::Upstream;
use crate::topic::ExternalId;
use delivery::Finished;
use outbox::Outbox;

/// One [`Client::wait_pending`] call counted in [`Shared::pending_waiters`] while it lives (a
/// call that times out or is cancelled is uncounted as well).
struct PendingWaiter<'a>(&'a AtomicUsize);

impl<'a> PendingWaiter<'a> {
    fn register(waiters: &'a AtomicUsize) -> Self {
        waiters.fetch_add(1, SeqCst);
        Self(waiters)
    }
}

impl Drop for PendingWaiter<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

/// State shared by the handles and the connection task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) outbox: Outbox,
    pub(crate) events: EventQueue,
    /// Wakes [`Client::wait_pending`] whenever deliveries finish.
    finished: tokio::sync::Notify,
    /// How many [`Client::wait_pending`] calls are waiting: deliveries that finish wake
    /// [`Shared::finished`] only when one is (waking locks the waiter list, once per
    /// acknowledgement on a busy connection).
    pending_waiters: AtomicUsize,
    /// The latest connection state (also sent as events).
    state: watch::Sender<ConnectionState>,
    /// Children and services whose creation was already published (by topic path + id).
    pub(crate) created: Mutex<HashSet<String>>,
    /// The last connection error (refusal, network, subscriptions), for a timed-out
    /// [`Client::wait_connected`].
    last_error: Mutex<Option<ConnectError>>,
    /// Recent operation ids and the start-up `507` flag.
    pub(crate) operations: operations::OperationState,
    /// Registered SmartREST 2.0 collections being created.
    pub(crate) collections: smartrest2::CollectionStates,
    /// Managed object ids asked for and learnt.
    pub(crate) identities: identity::Identities,
    /// The latest access token received on `s/dat`.
    pub(crate) access_token: access_token::AccessTokenSlot,
    /// The device's platform HTTP client, made on first use.
    #[cfg(feature = "http")]
    pub(crate) http: std::sync::OnceLock<crate::http::HttpClient>,
    /// Operation statistics (relaxed atomics).
    pub(crate) counters: statistics::Counters,
}

impl Shared {
    /// The state of a client that is about to connect.
    pub(crate) fn new(config: Config, outbox: Outbox) -> Self {
        for collection in &config.smartrest.collections {
            outbox.close_gate(collection.xid().as_str());
        }
        Self {
            outbox,
            events: EventQueue::new(config.event_capacity),
            finished: tokio::sync::Notify::new(),
            pending_waiters: AtomicUsize::new(0),
            state: watch::Sender::new(ConnectionState::Connecting { attempt: 1 }),
            created: Mutex::new(HashSet::new()),
            last_error: Mutex::new(None),
            operations: operations::OperationState::new(config.persistence_dir.as_deref()),
            collections: smartrest2::CollectionStates::default(),
            identities: identity::Identities::default(),
            access_token: access_token::AccessTokenSlot::default(),
            #[cfg(feature = "http")]
            http: std::sync::OnceLock::new(),
            counters: statistics::Counters::default(),
            config,
        }
    }

    pub(crate) fn push(&self, event: Event) {
        self.events.push(event);
    }

    /// Reports finished deliveries as events (when configured).
    /// Every finished delivery passes here, which also wakes [`Client::wait_pending`].
    pub(crate) fn report(&self, mut finished: Vec<Finished>) {
        self.report_from(&mut finished);
    }

    /// [`Shared::report`] from a buffer the caller reuses; leaves it empty.
    pub(crate) fn report_from(&self, finished: &mut Vec<Finished>) {
        if finished.is_empty() {
            return;
        }
        if self.config.delivery_events {
            for (id, outcome) in finished.drain(..) {
                self.events.push(Event::Delivery { id, outcome });
            }
        }
        finished.clear();
        // A waiter registers before it reads the outbox, and the outbox changed (under its
        // lock) before this load: either the waiter saw the change or this load sees the waiter.
        if self.pending_waiters.load(SeqCst) > 0 {
            self.finished.notify_waiters();
        }
    }

    pub(crate) fn set_state(&self, state: ConnectionState) {
        match &state {
            ConnectionState::Disconnected { error, .. } => *self.last_error.lock() = Some(error.clone()),
            ConnectionState::SubscriptionsRefused { topics, .. } => {
                *self.last_error.lock() = Some(ConnectError::SubscriptionsRefused {
                    topics: topics.clone(),
                });
            }
            _ => {}
        }
        self.state.send_replace(state.clone());
        self.events.push(Event::ConnectionState(state));
    }

    /// Final state: report it and close the event queue.
    pub(crate) fn stop(&self, state: ConnectionState) {
        if let ConnectionState::Stopped { error } = &state {
            *self.last_error.lock() = Some(error.clone());
        }
        self.state.send_replace(state.clone());
        self.events.close_with(Some(Event::ConnectionState(state)));
    }

    /// A snapshot of the statistics.
    pub(crate) fn statistics(&self) -> Statistics {
        let last_error = self.last_error.lock().as_ref().map(ToString::to_string);
        self.counters
            .snapshot(&self.outbox.outcomes, self.outbox.len(), last_error)
    }

    /// Refuses calls once stopped or closed.
    pub(crate) fn check_running(&self) -> Result<(), ClientError> {
        match &*self.state.borrow() {
            ConnectionState::Stopped { error } => Err(ClientError::Stopped(error.clone())),
            ConnectionState::Closed => Err(ClientError::Closed),
            _ => Ok(()),
        }
    }
}

/// The async device client. Create it inside a tokio runtime with [`Client::start`]; it runs
/// its connection task on that runtime until [`Client::close`].
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use c8y_mqtt::client::{Client, Config, Event, NextEvent};
/// use c8y_mqtt::templates::upstream::{DeviceCreation, Temperature};
///
/// let config = Config::from_env()?.create_device(DeviceCreation::new()).build()?;
/// let client = Client::start(config)?;
/// client.wait_connected(Duration::from_secs(30)).await?;
/// let delivery = client.publish(Temperature::new(21))?;
/// delivery.await; // the platform acknowledged it (or it was dropped, with the reason)
/// let (child, _) = client.device().create_child("1234:pump", "Pump", "c8y_Pump")?;
/// child.publish(Temperature::new(19))?;
/// while let NextEvent::Event(event) = client.next_event().await {
///     if let Event::Operation(op) = event {
///         op.executing()?;
///         op.succeed(["done"])?;
///     }
/// }
/// client.flush(Duration::from_secs(10)).await?;
/// client.close().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    shared: Arc<Shared>,
    close: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
    /// Publishes the statistics measurement, when configured.
    statistics_task: Option<JoinHandle<()>>,
}

impl Client {
    /// Starts the client on the current tokio runtime: it connects in the background (watch
    /// the events, or [`Client::wait_connected`]). Fails on a configuration problem (TLS trust
    /// roots, PEM), when no runtime is running, or when the persistence directory cannot be
    /// opened ([`ClientError::Persistence`]). Messages found there are queued first
    /// ([`Event::Recovered`], [`Event::OutboxFileSkipped`]).
    pub fn start(config: Config) -> Result<Self, ClientError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ClientError::NoRuntime)?;
        let tls = transport::tls_config(&config)?;
        let (outbox, loaded) = Outbox::open(config.outbox, config.persistence_dir.as_deref())?;
        let outbox = outbox.with_row_merging(config.batching_linger.is_some());
        let (close, close_rx) = watch::channel(false);
        let shared = Arc::new(Shared::new(config, outbox));
        for skipped in loaded.skipped {
            shared.push(Event::OutboxFileSkipped {
                path: skipped.path,
                reason: skipped.reason,
            });
        }
        if !loaded.recovered.is_empty() {
            shared.push(Event::Recovered {
                deliveries: loaded.recovered,
            });
        }
        let statistics_task = shared.config.statistics_interval.map(|every| {
            runtime.spawn(statistics::publish_every(
                Arc::clone(&shared),
                every,
                close_rx.clone(),
            ))
        });
        let run = connection::run(Arc::clone(&shared), tls, close_rx);
        let task = runtime.spawn(connection::supervise(Arc::clone(&shared), run));
        Ok(Self {
            shared,
            close,
            task: Mutex::new(Some(task)),
            statistics_task,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The current connection state.
    pub fn state(&self) -> ConnectionState {
        self.shared.state.borrow().clone()
    }

    /// Waits until the client is connected (every subscription granted, `500` sent). Fails with
    /// the reason when the client stopped or was closed, or after `timeout` with
    /// [`ClientError::ConnectTimeout`] carrying the last connection error.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), ClientError> {
        let mut state = self.shared.state.subscribe();
        let wait = state.wait_for(|s| {
            matches!(
                s,
                ConnectionState::Connected | ConnectionState::Stopped { .. } | ConnectionState::Closed
            )
        });
        let reached = match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(state)) => state.clone(),
            Ok(Err(_)) => return Err(ClientError::Closed),
            Err(_) => {
                return Err(ClientError::ConnectTimeout {
                    timeout,
                    last_error: self.shared.last_error.lock().clone(),
                });
            }
        };
        match reached {
            ConnectionState::Stopped { error } => Err(ClientError::Stopped(error)),
            ConnectionState::Closed => Err(ClientError::Closed),
            _ => Ok(()),
        }
    }

    /// The device's managed object id, once known (see
    /// [`ConfigBuilder::request_managed_object_id`] and [`Entity::request_managed_object_id`]).
    pub fn managed_object_id(&self) -> Option<String> {
        self.device().managed_object_id()
    }

    /// The connected device itself.
    pub fn device(&self) -> Entity {
        Entity::root(Arc::clone(&self.shared))
    }

    /// A handle for the child device (or service) with this external id, directly below the
    /// device. Publishing through it uses `s/us/<id>`. Nothing is sent until it is used; see
    /// [`Entity::create_child`] for idempotent creation.
    pub fn child(&self, id: &str) -> Result<Entity, ClientError> {
        self.device().child(id)
    }

    /// Publishes a static template for the device with the configured QoS and processing mode.
    /// The message is checked against the size limit (a [`ClientError::MessageTooLarge`] at the
    /// call) and queued; the returned [`Delivery`] resolves when the platform acknowledged it.
    pub fn publish(&self, template: impl Into<Upstream>) -> Result<Delivery, ClientError> {
        self.device().publish(template)
    }

    /// [`Client::publish`] with a QoS or processing mode of its own.
    pub fn publish_with(
        &self,
        template: impl Into<Upstream>,
        options: PublishOptions,
    ) -> Result<Delivery, ClientError> {
        self.device().publish_with(template, options)
    }

    /// Publishes a payload as it is on any upstream topic (for SmartREST 2.0 collections or
    /// JSON). The topic must be a Cumulocity upstream topic ([`ClientError::Topic`] otherwise);
    /// size-checked like every publish; never batched.
    pub fn publish_raw(
        &self,
        topic: &str,
        payload: impl Into<String>,
        qos: crate::QoS,
    ) -> Result<Delivery, ClientError> {
        topic
            .parse::<crate::topic::UpstreamTopic>()
            .map_err(ClientError::Topic)?;
        entity::publish_payloads(&self.shared, topic.to_owned(), vec![payload.into()], qos, false)
    }

    /// Waits for the next event; [`NextEvent::Closed`] once the client is closed or stopped and
    /// every event was taken.
    pub async fn next_event(&self) -> NextEvent {
        self.shared.events.next().await
    }

    /// Takes the next event without waiting ([`NextEvent::Timeout`] when there is none).
    pub fn try_next_event(&self) -> NextEvent {
        self.shared.events.try_next()
    }

    /// Waits up to `timeout` until the outbox is empty: every queued message acknowledged (or
    /// written, at QoS 0). With a [rejection window](ConfigBuilder::rejection_window) a delivery
    /// can still be held for its window after this returns; its [`Delivery`] tells the final
    /// outcome. On timeout returns the deliveries still pending.
    pub async fn flush(&self, timeout: Duration) -> Result<(), FlushTimeout> {
        let outbox = &self.shared.outbox;
        let wait = async {
            loop {
                let emptied = outbox.emptied.notified();
                tokio::pin!(emptied);
                emptied.as_mut().enable();
                if outbox.is_settled() {
                    return;
                }
                emptied.await;
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(()) => Ok(()),
            Err(_) => Err(FlushTimeout {
                timeout,
                pending: outbox.pending(),
            }),
        }
    }

    /// Deliveries not yet completed, oldest first.
    pub fn pending(&self) -> Vec<DeliveryId> {
        self.shared.outbox.pending()
    }

    /// Waits up to `timeout` until at most `count` deliveries are pending (woken each time
    /// deliveries finish, never polling); returns whether that happened in time.
    pub async fn wait_pending(&self, count: usize, timeout: Duration) -> bool {
        let shared = &self.shared;
        let _waiting = PendingWaiter::register(&shared.pending_waiters);
        let wait = async {
            loop {
                let finished = shared.finished.notified();
                tokio::pin!(finished);
                finished.as_mut().enable();
                if shared.outbox.pending().len() <= count {
                    return;
                }
                finished.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }

    /// Closes the client: sends DISCONNECT when connected, drops what is still queued (their
    /// deliveries complete as [`DropReason::Closed`]; call [`Client::flush`] first to avoid
    /// that) and ends the event stream after a final [`ConnectionState::Closed`].
    pub async fn close(&self) {
        if let Some(task) = &self.statistics_task {
            task.abort();
        }
        self.close.send_replace(true);
        let task = self.task.lock().take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// A snapshot of the client's operation statistics since it started: deliveries queued,
    /// acknowledged, dropped (by reason) and rejected, packets in flight, connection attempts
    /// and reconnects, the last connection error, payload bytes sent, messages received. Cheap
    /// (atomic loads and one short outbox lock); the counters themselves cost a relaxed atomic
    /// add on the paths that change them.
    ///
    /// ```no_run
    /// # fn show(client: &c8y_mqtt::client::Client) {
    /// let stats = client.statistics();
    /// println!("{} acknowledged, {} dropped by overflow", stats.acknowledged, stats.dropped.overflow);
    /// # }
    /// ```
    pub fn statistics(&self) -> Statistics {
        self.shared.statistics()
    }

    /// The state shared with the connection task.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(task) = &self.statistics_task {
            task.abort();
        }
        self.close.send_replace(true);
    }
}

/// Validates an external id for a child or service handle.
pub(crate) fn external_id(id: &str) -> Result<ExternalId, ClientError> {
    ExternalId::new(id).map_err(ClientError::Id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync + 'static>() {}

    /// The C and Python layers share these across threads.
    #[test]
    fn handles_are_send_and_sync() {
        send_sync::<Client>();
        send_sync::<BlockingClient>();
        send_sync::<Entity>();
        send_sync::<Delivery>();
        send_sync::<Event>();
        send_sync::<ClientError>();
    }

    #[test]
    fn start_needs_a_runtime() {
        let config = Config::builder("localhost", "d1")
            .password("t", "u", "p")
            .build()
            .unwrap();
        assert_eq!(Client::start(config).unwrap_err(), ClientError::NoRuntime);
    }
}
