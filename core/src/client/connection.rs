//! The connection state machine, one tokio task per client: connect (fresh rumqttc event loop per
//! attempt), create the device (`100`, on every connection unless turned off), subscribe and
//! wait for SUBACK, send `500`, replay the outbox, then relay publishes and acknowledgements
//! until the connection ends; reconnect with [`Backoff`], or stop on a fatal CONNACK refusal.
//!
//! Start-up choices (docs/protocol.md §1.5, §1.6, §11.1):
//!
//! * **`100` on every connection, before subscribing.** The platform refuses subscriptions of a
//!   device that does not exist, and a device can be deleted while its client is offline; the
//!   creation is idempotent (an existing device is left unchanged and `41,100,…` comes back on
//!   `s/e`, which this session expects and does not report).
//! * **A refused subscription is never silent**: each is an [`Event::SubscriptionRefused`]
//!   with its return code, the state becomes [`ConnectionState::SubscriptionsRefused`] instead
//!   of connected, and the refused topics are subscribed again with the reconnect policy's
//!   backoff (after sending `100` again when configured), until granted. The outbox flows
//!   meanwhile: data does not need subscriptions, and publishing it may be what creates the
//!   device. `500` goes out once `s/ds` is granted.
//! * **`s/e` lines are tied to the row that caused them** where that is unambiguous
//!   (docs/protocol.md §6.1): the line names the template id of the offending row (for a
//!   SmartREST 2.0 use line, its request template's message id), and the platform answers the
//!   rows of one connection in order. A single-row publish of a typed static template, and each
//!   SmartREST 2.0 use line, is remembered with that id from when it is handed over until
//!   [`CORRELATION_WINDOW`] after its PUBACK; an error line whose template id matches exactly one
//!   remembered row is that row's: the client reports [`Event::PublishRejected`] with the
//!   delivery id and device, and the delivery ends [`DeliveryOutcome::Rejected`] if it has not
//!   ended yet (the line came before the PUBACK, or the outcome is held for
//!   [`ConfigBuilder::rejection_window`](super::ConfigBuilder::rejection_window) after it).
//!   Both windows are read on the configured [`ConfigBuilder::clock`](super::ConfigBuilder::clock),
//!   the system's unless a test sets a manual one.
//!   Not tied, and reported as a plain [`Event::SmartRestError`]: a line whose id matches
//!   several rows in the window (the same template sent often, counting the rows auto-batching
//!   merged into one outbox entry one by one, or a use line whose message id
//!   equals a static template id in flight), raw publishes
//!   ([`Client::publish_raw`](super::Client::publish_raw)), rows of lists split over several
//!   packets. JSON messages are not tied either: the `messageId` of the JSON `error` topic is
//!   not documented as naming anything the device sent, so those errors arrive as
//!   [`Event::JsonError`] (see [`json`](super::json)).
//! * **CONNACK inside a session** is a broken connection: the session ends and the client
//!   reconnects (a refusal then shows on the next CONNACK).
//! * **CONNACK 5 (not authorized)** is documented as sometimes transient (overload during
//!   connect): it is retried [`ConfigBuilder::not_authorized_retries`](super::ConfigBuilder::not_authorized_retries)
//!   times with backoff before the client stops; every other refusal but 3 stops at once.
//!
//! rumqttc integration:
//!
//! * **Fresh `AsyncClient` + `EventLoop` per connection.** With clean sessions rumqttc throws its
//!   in-flight state away on reconnect anyway; a fresh pair starts packet ids at 1 and cannot
//!   leak requests queued for the dead connection into the new one.
//! * **Packet id mapping.** This task is the only sender. rumqttc assigns packet ids in request
//!   order and reports each as `Outgoing::Publish(pkid)` in that order (a collision delays the
//!   event but keeps the order), so a FIFO of submitted outbox entries pairs each event with its
//!   entries; `Incoming::PubAck(pkid)` / `PubComp(pkid)` then completes them. QoS 0 entries
//!   complete as "sent" on their `Outgoing::Publish(0)`.
//! * **Window.** At most `max_inflight` packets are handed to rumqttc and not yet acknowledged,
//!   so its request channel (sized above that) never fills and `try_publish` never blocks.
//! * **The event loop is polled in this task, through a stream** (`stream::unfold`) kept across
//!   `select!` iterations: `EventLoop::poll` is not cancel-safe, and the stream holds the poll in
//!   progress instead of dropping it when another branch wins. Polling here rather than in a task
//!   of its own saves a channel hop and a task wake-up for every packet.
//! * **Batching linger** is a timer armed when entries arrive, not a sleep inside the loop, so
//!   acknowledgements keep flowing while a batch fills.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, Stream, StreamExt};
use rumqttc::EventLoop;
use rumqttc::tokio_rustls::rustls::{self, ClientConfig};
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event as MqttEvent, NetworkOptions, Outgoing, Packet,
    SubscribeFilter, SubscribeReasonCode,
};
use tokio::sync::watch;

use crate::QoS;
use crate::templates::UpstreamTemplate;
use crate::templates::downstream::{
    ErrorLine, StaticDownstream, parse_errors, parse_static, parse_template_status,
};
use crate::templates::upstream::GetPendingOperations;
use crate::topic::{DownstreamTopic, ProcessingMode, UpstreamTopic};

use super::acked::AckedRows;
use super::backoff::Backoff;
use super::delivery::{DeliveryOutcome, DropReason};
use super::error::{ConnackRefusal, ConnectError};
use super::events::{ConnectionState, Event};
use super::inflight::Inflight;
use super::outbox::{AckedRow, EntryKeys, Finished, Submission};
use super::statistics::Counters;
use super::transport::mqtt_options;
use super::{Entity, Shared};

/// How a session ended.
enum SessionEnd {
    /// The application closed the client.
    Closed,
    /// The connection failed (before or after CONNACK); `uptime` is set when it was connected.
    Failed {
        error: ConnectError,
        uptime: Option<Duration>,
    },
}

/// The events of one connection's event loop, as a stream that keeps a poll in progress.
fn event_stream(eventloop: EventLoop) -> impl Stream<Item = Result<MqttEvent, ConnectionError>> {
    // Boxed so that moving the loop in and out of each poll's future copies a pointer.
    futures_util::stream::unfold(Box::new(eventloop), |mut eventloop| async move {
        let event = eventloop.poll().await;
        Some((event, eventloop))
    })
}

/// Runs the client's background task and turns a panic inside it (a bug in the SDK) into a
/// stop: queued deliveries end as dropped, the state becomes
/// [`ConnectionState::Stopped`] with [`ConnectError::Internal`] (also reported as an event),
/// and later calls fail with [`ClientError::Stopped`](super::ClientError::Stopped) instead of
/// waiting for a connection that will never come.
///
/// A combinator, not an `async` function or block: their state would hold the task twice (the
/// argument or captured future, and the future being awaited), doubling every client's task
/// allocation (25 KB instead of 13 KB).
pub(crate) fn supervise(shared: Arc<Shared>, task: impl Future<Output = ()>) -> impl Future<Output = ()> {
    AssertUnwindSafe(task).catch_unwind().map(move |result| {
        if let Err(panic) = result {
            stopped_by_panic(&shared, panic.as_ref());
        }
    })
}

/// The end of [`supervise`] after a panic.
fn stopped_by_panic(shared: &Shared, panic: &(dyn std::any::Any + Send)) {
    let message = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    tracing::error!(%message, "the client's background task panicked; the client stopped");
    let finished = shared.outbox.drain(DropReason::Stopped);
    shared.report(finished);
    shared.stop(ConnectionState::Stopped {
        error: ConnectError::Internal(message),
    });
}

/// The client's background task: runs sessions until closed or stopped.
pub(crate) async fn run(
    shared: Arc<Shared>,
    tls: Option<Arc<ClientConfig>>,
    mut close: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(shared.config.reconnect.clone());
    let mut not_authorized = 0_u32;
    loop {
        if *close.borrow() {
            break;
        }
        shared.set_state(ConnectionState::Connecting {
            attempt: backoff.failures() + 1,
        });
        Counters::bump(&shared.counters.connection_attempts);
        match session(&shared, tls.as_ref(), &mut close).await {
            SessionEnd::Closed => break,
            SessionEnd::Failed { error, uptime } => {
                shared.outbox.connection_lost();
                shared.identities.connection_lost();
                if let Some(uptime) = uptime {
                    backoff.connection_ended(uptime);
                }
                let transient_refusal = matches!(
                    &error,
                    ConnectError::Refused {
                        refusal: ConnackRefusal::NotAuthorized
                    }
                ) && not_authorized < shared.config.not_authorized_retries;
                if matches!(&error, ConnectError::Refused { .. }) {
                    not_authorized += 1;
                } else if uptime.is_some() {
                    not_authorized = 0;
                }
                if error.is_fatal() && !transient_refusal {
                    tracing::warn!(%error, "connection refused, not retrying");
                    let finished = shared.outbox.drain(DropReason::Stopped);
                    shared.report(finished);
                    shared.stop(ConnectionState::Stopped { error });
                    return;
                }
                let retry_in = backoff.next_delay();
                tracing::info!(%error, ?retry_in, "connection lost");
                shared.set_state(ConnectionState::Disconnected { error, retry_in });
                tokio::select! {
                    () = tokio::time::sleep(retry_in) => {}
                    _ = close.changed() => break,
                }
            }
        }
    }
    let finished = shared.outbox.drain(DropReason::Closed);
    shared.report(finished);
    shared.stop(ConnectionState::Closed);
}

/// One connection: connect, subscribe, `500`, replay, relay.
async fn session(
    shared: &Arc<Shared>,
    tls: Option<&Arc<ClientConfig>>,
    close: &mut watch::Receiver<bool>,
) -> SessionEnd {
    let config = &shared.config;
    let options = mqtt_options(config, tls);
    // The outbox hands over at most `max_inflight` QoS >= 1 packets but every QoS 0 packet
    // between them, so the request channel must hold the whole outbox: a full channel makes
    // `try_publish` fail (then `Relay::submit` hands the entries back to the outbox). flume's
    // bounded channel does not allocate its capacity up front.
    let capacity = usize::from(config.max_inflight)
        .saturating_add(config.outbox.max_messages)
        .saturating_add(16);
    let (client, mut eventloop) = AsyncClient::new(options, capacity);
    // rumqttc reserves room for 100 buffered events (14 KiB) in every event loop; an idle
    // session needs none, and a busy one grows the queue to what it uses.
    eventloop.state.events = VecDeque::new();
    let mut network = NetworkOptions::new();
    network.set_connection_timeout(config.connect_timeout.as_secs().max(1));
    eventloop.set_network_options(network);

    let events = event_stream(eventloop);
    let mut events = std::pin::pin!(events);

    // CONNACK.
    let first = tokio::select! {
        event = events.next() => event,
        _ = close.changed() => return SessionEnd::Closed,
    };
    match first {
        Some(Ok(MqttEvent::Incoming(Packet::ConnAck(ack)))) if ack.code == ConnectReturnCode::Success => {}
        Some(Ok(other)) => {
            return failed(
                ConnectError::Protocol(format!("expected CONNACK, got {other:?}")),
                None,
            );
        }
        Some(Err(error)) => return failed(map_error(error), None),
        None => return failed(ConnectError::Protocol("event loop ended".to_owned()), None),
    }
    let connected_at = Instant::now();
    shared.counters.connected();
    tracing::debug!(client_id = %config.client_id, "CONNACK accepted");

    let mut relay = Relay::new(shared, client);
    if let Err(error) = relay.start() {
        return failed(error, Some(connected_at.elapsed()));
    }

    // The wake-ups live across iterations: re-creating them each time would register and
    // deregister a waiter (two lock round trips each) for every packet.
    let mut added = std::pin::pin!(shared.outbox.added.notified());
    let mut closed = std::pin::pin!(close.changed());
    // Armed when entries arrive with batching on; the entries are submitted when it fires.
    let mut linger: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    // Armed while refused subscriptions wait for their next attempt.
    let mut resubscribe: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    loop {
        if let Some(delay) = relay.retry_requested.take() {
            resubscribe = Some(Box::pin(tokio::time::sleep(delay)));
        }
        let release_at = relay.next_release();
        let uptime = || Some(connected_at.elapsed());
        tokio::select! {
            // Close first, so that a busy connection cannot delay it.
            biased;
            _ = &mut closed => {
                relay.disconnect(events).await;
                return SessionEnd::Closed;
            }
            event = events.next() => match event {
                Some(Ok(event)) => {
                    if let Err(error) = relay.handle(event) {
                        return failed(error, uptime());
                    }
                }
                Some(Err(error)) => return failed(map_error(error), uptime()),
                None => return failed(ConnectError::Protocol("event loop ended".to_owned()), uptime()),
            },
            () = &mut added, if relay.phase == Phase::Ready && linger.is_none() => {
                added.set(shared.outbox.added.notified());
                match config.batching_linger {
                    Some(duration) => linger = Some(Box::pin(tokio::time::sleep(duration))),
                    None => relay.submit(),
                }
            }
            () = async { if let Some(timer) = linger.as_mut() { timer.await } }, if linger.is_some() => {
                linger = None;
                relay.submit();
            }
            () = async {
                if let Some(at) = release_at {
                    config.clock.sleep_until(at).await;
                }
            }, if release_at.is_some() => relay.release_due(config.clock.elapsed()),
            () = async { if let Some(timer) = resubscribe.as_mut() { timer.await } }, if resubscribe.is_some() => {
                resubscribe = None;
                if let Err(error) = relay.retry_subscriptions() {
                    return failed(error, uptime());
                }
            }
        }
    }
}

fn failed(error: ConnectError, uptime: Option<Duration>) -> SessionEnd {
    SessionEnd::Failed { error, uptime }
}

/// How long after its PUBACK an acknowledged row can still be named by an `s/e` line.
pub const CORRELATION_WINDOW: Duration = Duration::from_secs(10);

/// Most acknowledged rows remembered for naming by `s/e` lines (the oldest are forgotten).
const CORRELATION_ROWS: usize = 4096;

/// Capacity the connection's reused buffers keep between uses (more after a burst is freed).
const SCRATCH_KEPT: usize = 16;

/// The SUBACK return code of a refused filter in MQTT 3.1.1.
const SUBACK_FAILURE: u8 = 0x80;

/// What a publish handed to rumqttc belongs to.
#[derive(Debug)]
enum Tag {
    /// Outbox entries (completed together).
    Outbox(EntryKeys),
    /// The client's own `500`.
    PendingOperations,
    /// The device creation (`100`) sent before subscribing.
    Creation,
}

/// Where a connected session is in the start-up sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `100` sent, waiting for its PUBACK.
    Creating,
    /// The first SUBSCRIBE sent, waiting for its SUBACK.
    Subscribing,
    /// The first SUBACK arrived: the outbox flows (refused topics are retried meanwhile).
    Ready,
}

/// The connected part of a session: the start-up sequence, submitting outbox entries, pairing
/// packet ids with them, and turning incoming packets into events.
struct Relay<'a> {
    shared: &'a Arc<Shared>,
    client: AsyncClient,
    phase: Phase,
    /// Topic filters of the SUBSCRIBE awaiting its SUBACK, in order.
    subscribing: Vec<String>,
    /// Topic filters the last SUBACK refused, to subscribe again.
    refused: Vec<String>,
    /// Delays between subscription attempts.
    resubscribe_backoff: Backoff,
    /// Set when refused subscriptions should be tried again after this delay.
    retry_requested: Option<Duration>,
    /// Whether `500` was sent in this session.
    requested_pending: bool,
    /// Whether this session sent `100`: `41,100,…` on `s/e` is its expected answer.
    sent_creation: bool,
    /// Submitted publishes whose packet id is not known yet, in request order.
    awaiting_pkid: VecDeque<Tag>,
    /// Publishes awaiting PUBACK/PUBCOMP by packet id.
    inflight: Inflight<Tag>,
    /// Acknowledged rows of known template, remembered for `s/e` lines.
    acked: AckedRows,
    /// Reused buffer for [`Outbox::acknowledge`](super::outbox::Outbox::acknowledge).
    acked_scratch: Vec<AckedRow>,
    /// Reused buffer of finished deliveries, emptied by each report.
    finished: Vec<Finished>,
    /// Reused buffer of the packets taken from the outbox, emptied by each submission.
    submissions: Vec<Submission>,
}

impl Drop for Relay<'_> {
    /// Deliveries still held for a possible rejection end as acknowledged: the platform
    /// acknowledged them and the connection that could reject them is gone.
    fn drop(&mut self) {
        self.shared
            .counters
            .in_flight
            .store(0, std::sync::atomic::Ordering::Relaxed);
        let mut finished = Vec::new();
        self.acked
            .release_all(&self.shared.outbox.outcomes, &mut finished);
        self.shared.report(finished);
    }
}

impl<'a> Relay<'a> {
    fn new(shared: &'a Arc<Shared>, client: AsyncClient) -> Self {
        Self {
            shared,
            client,
            phase: Phase::Subscribing,
            subscribing: Vec::new(),
            refused: Vec::new(),
            resubscribe_backoff: Backoff::new(shared.config.reconnect.clone()),
            retry_requested: None,
            requested_pending: false,
            sent_creation: false,
            awaiting_pkid: VecDeque::new(),
            inflight: Inflight::new(),
            acked: AckedRows::default(),
            acked_scratch: Vec::new(),
            finished: Vec::new(),
            submissions: Vec::new(),
        }
    }

    fn static_topic() -> String {
        UpstreamTopic::static_(ProcessingMode::Persistent).to_string()
    }

    /// After CONNACK: the device creation first when configured (the platform refuses
    /// subscriptions of a device that does not exist), else subscribe.
    fn start(&mut self) -> Result<(), ConnectError> {
        if self.send_creation()? {
            self.phase = Phase::Creating;
            Ok(())
        } else {
            self.phase = Phase::Subscribing;
            self.subscribe(self.shared.config.subscription_topics())
        }
    }

    /// Publishes the configured `100`; false when device creation is off.
    fn send_creation(&mut self) -> Result<bool, ConnectError> {
        let Some(creation) = self.shared.config.device_creation.as_ref() else {
            return Ok(false);
        };
        let row = creation.to_row();
        let bytes = row.len();
        self.client
            .try_publish(Self::static_topic(), rumqttc::QoS::AtLeastOnce, false, row)
            .map_err(|e| ConnectError::Protocol(e.to_string()))?;
        Counters::add(&self.shared.counters.bytes_sent, bytes);
        self.awaiting_pkid.push_back(Tag::Creation);
        self.update_in_flight();
        self.sent_creation = true;
        Ok(true)
    }

    /// The device creation was acknowledged: subscribe everything (start-up) or the refused
    /// topics (a retry).
    fn created(&mut self) -> Result<(), ConnectError> {
        let topics = if self.phase == Phase::Creating {
            self.phase = Phase::Subscribing;
            self.shared.config.subscription_topics()
        } else {
            std::mem::take(&mut self.refused)
        };
        self.subscribe(topics)
    }

    /// Sends one SUBSCRIBE for `topics` (settles at once when there are none).
    fn subscribe(&mut self, topics: Vec<String>) -> Result<(), ConnectError> {
        if topics.is_empty() {
            self.settle(Vec::new());
            return Ok(());
        }
        let filters = topics
            .iter()
            .map(|t| SubscribeFilter::new(t.clone(), rumqttc::QoS::AtLeastOnce));
        self.client
            .try_subscribe_many(filters)
            .map_err(|e| ConnectError::Protocol(e.to_string()))?;
        self.subscribing = topics;
        Ok(())
    }

    /// The refused topics' retry is due: `100` again when configured (the device may have been
    /// deleted), then SUBSCRIBE.
    fn retry_subscriptions(&mut self) -> Result<(), ConnectError> {
        if self.send_creation()? {
            return Ok(());
        }
        let topics = std::mem::take(&mut self.refused);
        self.subscribe(topics)
    }

    /// A SUBACK for the pending SUBSCRIBE: settle (the state first, so that an application
    /// woken by a refusal reads the state that goes with it), then report each refusal.
    fn subscribed(&mut self, codes: &[SubscribeReasonCode]) {
        let topics = std::mem::take(&mut self.subscribing);
        let mut refused = Vec::new();
        for (index, topic) in topics.into_iter().enumerate() {
            // A SUBACK with fewer codes than filters is a broken answer: count the rest refused.
            let granted = matches!(codes.get(index), Some(SubscribeReasonCode::Success(_)));
            if !granted {
                tracing::warn!(topic, "subscription refused");
                refused.push(topic);
            }
        }
        self.settle(refused.clone());
        for topic in refused {
            self.shared.push(Event::SubscriptionRefused {
                topic,
                return_code: SUBACK_FAILURE,
            });
        }
    }

    /// After a SUBACK: fully subscribed (`500`, connected) or a retry scheduled; the outbox
    /// starts flowing after the first SUBACK either way.
    fn settle(&mut self, refused: Vec<String>) {
        let first = self.phase != Phase::Ready;
        self.phase = Phase::Ready;
        if refused.is_empty() {
            self.resubscribe_backoff = Backoff::new(self.shared.config.reconnect.clone());
            self.fully_subscribed();
        } else {
            let retry_in = self.resubscribe_backoff.next_delay();
            self.retry_requested = Some(retry_in);
            self.shared.set_state(ConnectionState::SubscriptionsRefused {
                topics: refused.clone(),
                retry_in,
            });
            self.refused = refused;
        }
        if first {
            self.submit();
        }
    }

    /// Every subscription granted: send `500` (once per session), report connected.
    fn fully_subscribed(&mut self) {
        if self.shared.config.subscriptions.static_downstream && !self.requested_pending {
            let row = GetPendingOperations.to_row();
            let bytes = row.len();
            if self
                .client
                .try_publish(Self::static_topic(), rumqttc::QoS::AtLeastOnce, false, row)
                .is_ok()
            {
                Counters::add(&self.shared.counters.bytes_sent, bytes);
                self.awaiting_pkid.push_back(Tag::PendingOperations);
                self.update_in_flight();
                self.requested_pending = true;
            }
        }
        super::operations::on_ready(self.shared);
        super::smartrest2::on_ready(self.shared);
        let device = Entity::root(Arc::clone(self.shared));
        if self.shared.config.request_managed_object_id
            && device.managed_object_id().is_none()
            && let Err(error) = device.request_managed_object_id()
        {
            tracing::warn!(%error, "123 not sent");
        }
        self.shared.set_state(ConnectionState::Connected);
    }

    /// Hands queued outbox entries to rumqttc, within the window.
    fn submit(&mut self) {
        if self.phase != Phase::Ready {
            return;
        }
        let used = self.awaiting_pkid.len() + self.inflight.len();
        let room = usize::from(self.shared.config.max_inflight).saturating_sub(used);
        if room == 0 {
            return;
        }
        let batch = self.shared.config.batching_linger.is_some();
        let mut taken = std::mem::take(&mut self.submissions);
        self.shared.outbox.take_submissions_into(room, batch, &mut taken);
        let mut submissions = taken.drain(..);
        let mut bytes = 0;
        while let Some(submission) = submissions.next() {
            let qos = mqtt_qos(submission.qos);
            let len = submission.payload.len();
            match self
                .client
                .try_publish(submission.topic, qos, false, submission.payload)
            {
                Ok(()) => {
                    bytes += len;
                    self.awaiting_pkid.push_back(Tag::Outbox(submission.entries));
                }
                Err(error) => {
                    // Not expected (the request channel is sized to hold the whole outbox; it
                    // fails when the connection is ending), but if so the entries go back to
                    // the outbox instead of waiting for a reconnect.
                    tracing::debug!(%error, "publish not handed over");
                    let mut unsent = submission.entries;
                    unsent.extend(submissions.by_ref().flat_map(|s| s.entries));
                    self.shared.outbox.unsubmit(&unsent);
                    break;
                }
            }
        }
        drop(submissions);
        // Kept for the next submission unless a burst grew it: an idle session holds little.
        taken.shrink_to(SCRATCH_KEPT);
        self.submissions = taken;
        Counters::add(&self.shared.counters.bytes_sent, bytes);
        self.update_in_flight();
    }

    /// Reports the deliveries gathered in the reused buffer, which stays small when idle.
    fn report_finished(&mut self) {
        self.shared.report_from(&mut self.finished);
        self.finished.shrink_to(SCRATCH_KEPT);
    }

    /// Publishes the number of packets in flight to the statistics (one relaxed store).
    fn update_in_flight(&self) {
        let now = self.awaiting_pkid.len() + self.inflight.len();
        self.shared.counters.in_flight.store(
            u64::try_from(now).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    fn handle(&mut self, event: MqttEvent) -> Result<(), ConnectError> {
        match event {
            MqttEvent::Outgoing(Outgoing::Publish(pkid)) => {
                let Some(tag) = self.awaiting_pkid.pop_front() else {
                    return Ok(());
                };
                if pkid == 0 {
                    self.update_in_flight();
                    if let Tag::Outbox(entries) = tag {
                        self.shared
                            .outbox
                            .complete_into(&entries, DeliveryOutcome::Sent, &mut self.finished);
                        self.report_finished();
                    }
                    self.submit();
                } else {
                    self.inflight.insert(pkid, tag);
                }
            }
            MqttEvent::Incoming(Packet::PubAck(ack)) => return self.acknowledged(ack.pkid),
            MqttEvent::Incoming(Packet::PubComp(comp)) => return self.acknowledged(comp.pkid),
            MqttEvent::Incoming(Packet::SubAck(ack)) if !self.subscribing.is_empty() => {
                self.subscribed(&ack.return_codes);
            }
            MqttEvent::Incoming(Packet::Publish(publish)) => {
                Counters::bump(&self.shared.counters.messages_received);
                self.downstream(&publish.topic, publish.payload);
            }
            MqttEvent::Incoming(Packet::ConnAck(ack)) => {
                tracing::warn!(code = ?ack.code, "CONNACK during the session: reconnecting");
                return Err(ConnectError::Protocol(format!(
                    "CONNACK {:?} during the session",
                    ack.code
                )));
            }
            _ => {}
        }
        Ok(())
    }

    fn acknowledged(&mut self, pkid: u16) -> Result<(), ConnectError> {
        let tag = self.inflight.remove(pkid);
        // Before the deliveries complete, so that whoever waits for one sees the gauge.
        self.update_in_flight();
        match tag {
            Some(Tag::Outbox(entries)) => {
                let config = &self.shared.config;
                if config.subscriptions.errors {
                    let hold = !config.rejection_window.is_zero();
                    // With a hold, read before the rows leave the outbox: whoever sees them
                    // gone (a flush, the statistics) knows their windows have started, so
                    // advancing a manual clock from then on ends them. Without one the time
                    // only dates remembered rows, read when there are any.
                    let held_since = hold.then(|| config.clock.elapsed());
                    self.shared.outbox.acknowledge(
                        &entries,
                        hold,
                        &mut self.acked_scratch,
                        &mut self.finished,
                    );
                    self.report_finished();
                    if !self.acked_scratch.is_empty() {
                        let now = held_since.unwrap_or_else(|| config.clock.elapsed());
                        self.acked.extend(self.acked_scratch.drain(..), now);
                        self.release_due(now);
                    }
                } else {
                    self.shared.outbox.complete_into(
                        &entries,
                        DeliveryOutcome::Acknowledged,
                        &mut self.finished,
                    );
                    self.report_finished();
                }
            }
            Some(Tag::Creation) => self.created()?,
            Some(Tag::PendingOperations) | None => {}
        }
        self.submit();
        Ok(())
    }

    /// Ends held deliveries whose rejection window passed (as acknowledged) and forgets rows
    /// past the correlation window.
    fn release_due(&mut self, now: Duration) {
        let window = self.shared.config.rejection_window;
        self.acked.release_due(
            now,
            window,
            CORRELATION_WINDOW.max(window),
            CORRELATION_ROWS,
            &self.shared.outbox.outcomes,
            &mut self.finished,
        );
        self.report_finished();
    }

    /// When the oldest held delivery's rejection window ends, on the client's clock.
    fn next_release(&self) -> Option<Duration> {
        self.acked.next_release(self.shared.config.rejection_window)
    }

    /// An `s/e` line arrived: tied to the one row it can name, or reported as it is.
    fn error_line(&mut self, line: ErrorLine) {
        let shared = self.shared;
        self.release_due(shared.config.clock.elapsed());
        let in_flight = shared.outbox.submitted_rows(&line.template);
        let outcome = DeliveryOutcome::Rejected { code: line.code };
        let named = self.acked.named_single(&line.template);
        let (delivery, topic) = match (named, in_flight.as_slice()) {
            // One row: not an entry of several merged rows of this template.
            (Some(index), []) => {
                let Some(mut row) = self.acked.remove(index) else {
                    return;
                };
                // Counted before the delivery completes, so that whoever waits for it sees it.
                Counters::bump(&shared.counters.rejected);
                let mut finished = Vec::new();
                row.finish(outcome, &shared.outbox.outcomes, &mut finished);
                shared.report(finished);
                (row.delivery, row.topic)
            }
            (None, [(key, delivery, topic)]) if !self.acked.any_named(&line.template) => {
                Counters::bump(&shared.counters.rejected);
                shared.report(shared.outbox.complete(&[*key], outcome));
                (*delivery, topic.clone())
            }
            _ => {
                shared.push(Event::SmartRestError(line));
                return;
            }
        };
        let device = match topic.parse::<UpstreamTopic>() {
            Ok(UpstreamTopic::SmartRest(topic)) => topic.leaf().map(|id| id.as_str().to_owned()),
            _ => None,
        }
        .unwrap_or_else(|| shared.config.device_id().as_str().to_owned());
        shared.push(Event::PublishRejected {
            id: delivery,
            device,
            line,
        });
    }

    fn downstream(&mut self, topic: &str, payload: bytes::Bytes) {
        tracing::debug!(topic, bytes = payload.len(), "downstream message");
        let shared = self.shared;
        match topic.parse::<DownstreamTopic>() {
            Ok(DownstreamTopic::Static) => {
                let mut operations = Vec::new();
                for row in parse_static(&payload) {
                    shared.push(match row {
                        Ok(StaticDownstream::Operation(op)) => {
                            operations.push(op);
                            continue;
                        }
                        Ok(StaticDownstream::ManagedObjectId(id)) => {
                            let root = shared.config.device_id().as_str();
                            match shared.identities.answered(&id, root) {
                                Some(device) => Event::ManagedObjectId { device, id },
                                None => Event::Downstream(StaticDownstream::ManagedObjectId(id)),
                            }
                        }
                        Ok(line) => Event::Downstream(line),
                        Err(error) => Event::Malformed(error),
                    });
                }
                super::operations::on_static_lines(shared, operations);
            }
            Ok(DownstreamTopic::Error) => {
                for row in parse_errors(&payload) {
                    match row {
                        Ok(line) if self.sent_creation && line == ErrorLine::device_already_existing() => {
                            tracing::debug!("device exists (41,100): expected answer to the creation");
                        }
                        Ok(line) => self.error_line(line),
                        Err(error) => shared.push(Event::Malformed(error)),
                    }
                }
            }
            Ok(DownstreamTopic::Template) => {
                for row in parse_template_status(&payload) {
                    if let Ok(status) = &row {
                        super::smartrest2::on_template_status(shared, status);
                    }
                    shared.push(row.map_or_else(Event::Malformed, Event::TemplateStatus));
                }
            }
            Ok(DownstreamTopic::Token) => super::access_token::on_token(shared, &payload),
            Ok(DownstreamTopic::JsonOperations) => super::operations::on_json(shared, topic, &payload),
            Ok(DownstreamTopic::JsonError) => super::json::on_error(shared, topic, &payload),
            Ok(DownstreamTopic::Legacy(xid)) => {
                super::smartrest1::on_response(shared, xid.as_str(), topic, &payload);
            }
            Ok(DownstreamTopic::Custom(xid)) if shared.config.has_collection(xid.as_str()) => {
                super::smartrest2::on_response(shared, xid.as_str(), topic, &payload);
            }
            Ok(DownstreamTopic::Default)
                if super::smartrest2::default_xid(&shared.config)
                    .is_some_and(|x| shared.config.has_collection(&x)) =>
            {
                let xid = super::smartrest2::default_xid(&shared.config).unwrap_or_default();
                super::smartrest2::on_response(shared, &xid, topic, &payload);
            }
            _ => shared.push(Event::Message {
                topic: topic.to_owned(),
                payload,
            }),
        }
    }

    /// Sends DISCONNECT and waits briefly until it is written.
    async fn disconnect(&self, mut events: impl Stream<Item = Result<MqttEvent, ConnectionError>> + Unpin) {
        if self.client.try_disconnect().is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                while let Some(Ok(event)) = events.next().await {
                    if matches!(event, MqttEvent::Outgoing(Outgoing::Disconnect)) {
                        return;
                    }
                }
            })
            .await;
        }
    }
}

fn mqtt_qos(qos: QoS) -> rumqttc::QoS {
    match qos {
        QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

fn refusal(code: ConnectReturnCode) -> ConnackRefusal {
    match code {
        ConnectReturnCode::RefusedProtocolVersion => ConnackRefusal::UnsupportedProtocol,
        ConnectReturnCode::BadClientId => ConnackRefusal::ClientIdRejected,
        ConnectReturnCode::BadUserNamePassword => ConnackRefusal::BadCredentials,
        ConnectReturnCode::NotAuthorized => ConnackRefusal::NotAuthorized,
        ConnectReturnCode::ServiceUnavailable | ConnectReturnCode::Success => {
            ConnackRefusal::ServerUnavailable
        }
    }
}

/// The rustls error inside an error, if any (a failed handshake or certificate check).
fn rustls_error<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
            && let Some(tls) = rustls_error(inner)
        {
            return Some(tls);
        }
        current = e.source();
    }
    None
}

/// Whether an error, or an error it wraps, is a rustls error.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    rustls_error(error).is_some()
}

/// The typed TLS error: [`ConnectError::TlsUntrusted`] when the server's certificate failed
/// verification (retrying cannot fix it), [`ConnectError::Tls`] otherwise.
fn tls_error(error: &(dyn std::error::Error + 'static)) -> ConnectError {
    match rustls_error(error) {
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) => {
            ConnectError::TlsUntrusted(error.to_string())
        }
        _ => ConnectError::Tls(error.to_string()),
    }
}

/// Maps rumqttc's connection errors to the client's typed error.
pub(crate) fn map_error(error: ConnectionError) -> ConnectError {
    use rumqttc::StateError;
    match error {
        ConnectionError::ConnectionRefused(code) => ConnectError::Refused {
            refusal: refusal(code),
        },
        ConnectionError::Tls(e) => tls_error(&e),
        ConnectionError::Io(e) if is_tls(&e) => tls_error(&e),
        ConnectionError::Io(e) => ConnectError::Io(e.to_string()),
        ConnectionError::MqttState(StateError::Io(e)) if is_tls(&e) => tls_error(&e),
        ConnectionError::MqttState(StateError::Io(e)) => ConnectError::Io(e.to_string()),
        ConnectionError::MqttState(StateError::ConnectionAborted) => {
            ConnectError::Io("connection closed by the server".to_owned())
        }
        ConnectionError::MqttState(StateError::AwaitPingResp) => {
            ConnectError::Timeout("no PINGRESP within the keep-alive".to_owned())
        }
        ConnectionError::MqttState(e) => ConnectError::Protocol(e.to_string()),
        ConnectionError::NetworkTimeout => ConnectError::Timeout("connect".to_owned()),
        ConnectionError::FlushTimeout => ConnectError::Timeout("network write".to_owned()),
        #[cfg(feature = "websocket")]
        ConnectionError::Websocket(e) if is_tls(&e) => tls_error(&e),
        #[cfg(feature = "websocket")]
        ConnectionError::Websocket(e) => ConnectError::WebSocket(e.to_string()),
        #[cfg(feature = "websocket")]
        ConnectionError::WsConnect(e) => ConnectError::WebSocket(e.to_string()),
        #[cfg(feature = "websocket")]
        ConnectionError::InvalidUrl(e) => ConnectError::WebSocket(e.to_string()),
        #[cfg(feature = "websocket")]
        ConnectionError::ResponseValidation(e) => ConnectError::WebSocket(e.to_string()),
        ConnectionError::NotConnAck(p) => ConnectError::Protocol(format!("expected CONNACK, got {p:?}")),
        ConnectionError::RequestsDone => ConnectError::Protocol("client handle dropped".to_owned()),
        #[cfg(feature = "http-proxy")]
        ConnectionError::Proxy(e) => ConnectError::Proxy(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::delivery::DeliveryOutcome;
    use crate::client::outbox::{Message, Outbox};
    use crate::client::{ClientError, Config, NextEvent, OutboxLimits};

    /// The state of a client that never connected.
    fn idle_shared() -> Arc<Shared> {
        let config = Config::builder("127.0.0.1", "dev1")
            .password("t100", "device_dev1", "secret")
            .build()
            .unwrap();
        Arc::new(Shared::new(config, Outbox::new(OutboxLimits::default())))
    }

    #[tokio::test]
    async fn a_panic_in_the_background_task_stops_the_client() {
        let shared = idle_shared();
        let (queued, _) = shared
            .outbox
            .enqueue(Message {
                topic: "s/us".to_owned(),
                payloads: vec!["211,21".to_owned()],
                qos: QoS::AtLeastOnce,
                batchable: true,
                gate: None,
                row_id: None,
            })
            .unwrap();
        supervise(Arc::clone(&shared), async { panic!("relay state broken") }).await;

        let internal = ConnectError::Internal("relay state broken".to_owned());
        assert_eq!(
            shared.check_running(),
            Err(ClientError::Stopped(internal.clone()))
        );
        assert_eq!(
            queued.try_outcome(),
            Some(DeliveryOutcome::Dropped(DropReason::Stopped))
        );
        assert_eq!(
            shared.events.try_next(),
            NextEvent::Event(Event::Delivery {
                id: queued.id(),
                outcome: DeliveryOutcome::Dropped(DropReason::Stopped),
            })
        );
        assert_eq!(
            shared.events.try_next(),
            NextEvent::Event(Event::ConnectionState(ConnectionState::Stopped {
                error: internal
            }))
        );
        assert_eq!(shared.events.try_next(), NextEvent::Closed);
    }

    /// A CONNACK inside an established session ends it like a broken connection (the client
    /// reconnects; a refusal then shows on the next CONNACK).
    #[tokio::test]
    async fn a_connack_inside_the_session_ends_it() {
        let shared = idle_shared();
        let options = mqtt_options(&shared.config, None);
        let (client, _eventloop) = AsyncClient::new(options, 10);
        let mut relay = Relay::new(&shared, client);
        let connack = rumqttc::ConnAck::new(ConnectReturnCode::NotAuthorized, false);
        let error = relay
            .handle(MqttEvent::Incoming(Packet::ConnAck(connack)))
            .unwrap_err();
        assert!(
            matches!(&error, ConnectError::Protocol(text) if text.contains("during the session")),
            "{error:?}"
        );
        assert!(!error.is_fatal(), "reconnect, not stop");
    }

    #[tokio::test]
    async fn a_task_that_ends_normally_changes_nothing() {
        let shared = idle_shared();
        supervise(Arc::clone(&shared), async {}).await;
        assert_eq!(shared.check_running(), Ok(()));
    }
}
