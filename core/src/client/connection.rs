//! The connection state machine, one tokio task per client: connect (fresh rumqttc event loop per
//! attempt), create the device when configured (`100`, until acknowledged once), subscribe and
//! wait for SUBACK, send `500`, replay the outbox, then relay publishes and acknowledgements
//! until the connection ends; reconnect with [`Backoff`], or stop on a fatal CONNACK refusal.
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
use std::sync::atomic::Ordering;
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
use crate::templates::downstream::{StaticDownstream, parse_errors, parse_static, parse_template_status};
use crate::templates::upstream::GetPendingOperations;
use crate::topic::{DownstreamTopic, ProcessingMode, UpstreamTopic};

use super::Shared;
use super::backoff::Backoff;
use super::error::{ConnackRefusal, ConnectError};
use super::events::{ConnectionState, Event};
use super::inflight::Inflight;
use super::outbox::{DeliveryOutcome, DropReason};
use super::transport::mqtt_options;

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
pub(crate) async fn supervise(shared: Arc<Shared>, task: impl Future<Output = ()>) {
    let Err(panic) = AssertUnwindSafe(task).catch_unwind().await else {
        return;
    };
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
    loop {
        if *close.borrow() {
            break;
        }
        shared.set_state(ConnectionState::Connecting {
            attempt: backoff.failures() + 1,
        });
        match session(&shared, tls.as_ref(), &mut close).await {
            SessionEnd::Closed => break,
            SessionEnd::Failed { error, uptime } => {
                shared.outbox.connection_lost();
                if let Some(uptime) = uptime {
                    backoff.connection_ended(uptime);
                }
                if error.is_fatal() {
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
    loop {
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
        }
    }
}

fn failed(error: ConnectError, uptime: Option<Duration>) -> SessionEnd {
    SessionEnd::Failed { error, uptime }
}

/// What a publish handed to rumqttc belongs to.
#[derive(Debug)]
enum Tag {
    /// Outbox entries (completed together).
    Outbox(Vec<u64>),
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
    /// SUBSCRIBE sent, waiting for SUBACK.
    Subscribing,
    /// `500` sent; the outbox flows.
    Ready,
}

/// The connected part of a session: the start-up sequence, submitting outbox entries, pairing
/// packet ids with them, and turning incoming packets into events.
struct Relay<'a> {
    shared: &'a Arc<Shared>,
    client: AsyncClient,
    phase: Phase,
    topics: Vec<String>,
    /// Submitted publishes whose packet id is not known yet, in request order.
    awaiting_pkid: VecDeque<Tag>,
    /// Publishes awaiting PUBACK/PUBCOMP by packet id.
    inflight: Inflight<Tag>,
}

impl<'a> Relay<'a> {
    fn new(shared: &'a Arc<Shared>, client: AsyncClient) -> Self {
        Self {
            shared,
            client,
            phase: Phase::Subscribing,
            topics: shared.config.subscription_topics(),
            awaiting_pkid: VecDeque::new(),
            inflight: Inflight::new(),
        }
    }

    fn static_topic() -> String {
        UpstreamTopic::static_(ProcessingMode::Persistent).to_string()
    }

    /// After CONNACK: the device creation first when configured and not yet acknowledged (the
    /// platform refuses subscriptions of a device that does not exist), else subscribe.
    fn start(&mut self) -> Result<(), ConnectError> {
        let creation = self.shared.config.device_creation.as_ref();
        match creation {
            Some(creation) if !self.shared.device_created.load(Ordering::Acquire) => {
                self.client
                    .try_publish(
                        Self::static_topic(),
                        rumqttc::QoS::AtLeastOnce,
                        false,
                        creation.to_row(),
                    )
                    .map_err(|e| ConnectError::Protocol(e.to_string()))?;
                self.awaiting_pkid.push_back(Tag::Creation);
                self.phase = Phase::Creating;
                Ok(())
            }
            _ => self.subscribe(),
        }
    }

    fn subscribe(&mut self) -> Result<(), ConnectError> {
        if self.topics.is_empty() {
            self.ready();
            return Ok(());
        }
        let filters = self
            .topics
            .iter()
            .map(|t| SubscribeFilter::new(t.clone(), rumqttc::QoS::AtLeastOnce));
        self.client
            .try_subscribe_many(filters)
            .map_err(|e| ConnectError::Protocol(e.to_string()))?;
        self.phase = Phase::Subscribing;
        Ok(())
    }

    /// Subscriptions acknowledged: send `500`, report connected, replay the outbox.
    fn ready(&mut self) {
        if self.shared.config.subscriptions.static_downstream {
            let row = GetPendingOperations.to_row();
            if self
                .client
                .try_publish(Self::static_topic(), rumqttc::QoS::AtLeastOnce, false, row)
                .is_ok()
            {
                self.awaiting_pkid.push_back(Tag::PendingOperations);
            }
        }
        self.phase = Phase::Ready;
        super::operations::on_ready(self.shared);
        super::smartrest2::on_ready(self.shared);
        self.shared.set_state(ConnectionState::Connected);
        self.submit();
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
        let mut submissions = self.shared.outbox.take_submissions(room, batch).into_iter();
        while let Some(submission) = submissions.next() {
            let qos = mqtt_qos(submission.qos);
            match self
                .client
                .try_publish(submission.topic, qos, false, submission.payload)
            {
                Ok(()) => self.awaiting_pkid.push_back(Tag::Outbox(submission.entries)),
                Err(error) => {
                    // Not expected (the request channel is sized to hold the whole outbox; it
                    // fails when the connection is ending), but if so the entries go back to
                    // the outbox instead of waiting for a reconnect.
                    tracing::debug!(%error, "publish not handed over");
                    let mut unsent = submission.entries;
                    unsent.extend(submissions.flat_map(|s| s.entries));
                    self.shared.outbox.unsubmit(&unsent);
                    return;
                }
            }
        }
    }

    fn handle(&mut self, event: MqttEvent) -> Result<(), ConnectError> {
        match event {
            MqttEvent::Outgoing(Outgoing::Publish(pkid)) => {
                let Some(tag) = self.awaiting_pkid.pop_front() else {
                    return Ok(());
                };
                if pkid == 0 {
                    if let Tag::Outbox(entries) = tag {
                        let finished = self.shared.outbox.complete(&entries, DeliveryOutcome::Sent);
                        self.shared.report(finished);
                    }
                    self.submit();
                } else {
                    self.inflight.insert(pkid, tag);
                }
            }
            MqttEvent::Incoming(Packet::PubAck(ack)) => return self.acknowledged(ack.pkid),
            MqttEvent::Incoming(Packet::PubComp(comp)) => return self.acknowledged(comp.pkid),
            MqttEvent::Incoming(Packet::SubAck(ack)) if self.phase == Phase::Subscribing => {
                for (topic, code) in self.topics.iter().zip(&ack.return_codes) {
                    if matches!(code, SubscribeReasonCode::Failure) {
                        tracing::warn!(topic, "subscription refused");
                        self.shared
                            .push(Event::SubscriptionRefused { topic: topic.clone() });
                    }
                }
                self.ready();
            }
            MqttEvent::Incoming(Packet::Publish(publish)) => self.downstream(&publish.topic, publish.payload),
            MqttEvent::Incoming(Packet::ConnAck(ack)) => {
                tracing::warn!(code = ?ack.code, "CONNACK during the session");
            }
            _ => {}
        }
        Ok(())
    }

    fn acknowledged(&mut self, pkid: u16) -> Result<(), ConnectError> {
        match self.inflight.remove(pkid) {
            Some(Tag::Outbox(entries)) => {
                let finished = self
                    .shared
                    .outbox
                    .complete(&entries, DeliveryOutcome::Acknowledged);
                self.shared.report(finished);
            }
            Some(Tag::Creation) => {
                self.shared.device_created.store(true, Ordering::Release);
                self.subscribe()?;
            }
            Some(Tag::PendingOperations) | None => {}
        }
        self.submit();
        Ok(())
    }

    fn downstream(&self, topic: &str, payload: bytes::Bytes) {
        tracing::debug!(topic, bytes = payload.len(), "downstream message");
        let shared = self.shared;
        match topic.parse::<DownstreamTopic>() {
            Ok(DownstreamTopic::Static) => {
                for row in parse_static(&payload) {
                    shared.push(match row {
                        Ok(StaticDownstream::Operation(op)) => {
                            super::operations::on_static(shared, op);
                            continue;
                        }
                        Ok(line) => Event::Downstream(line),
                        Err(error) => Event::Malformed(error),
                    });
                }
            }
            Ok(DownstreamTopic::Error) => {
                for row in parse_errors(&payload) {
                    shared.push(row.map_or_else(Event::Malformed, Event::SmartRestError));
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

/// Whether an error, or an error it wraps, is a rustls error (a failed handshake or
/// certificate check).
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
            && is_tls(inner)
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// Maps rumqttc's connection errors to the client's typed error.
pub(crate) fn map_error(error: ConnectionError) -> ConnectError {
    use rumqttc::StateError;
    match error {
        ConnectionError::ConnectionRefused(code) => ConnectError::Refused {
            refusal: refusal(code),
        },
        ConnectionError::Tls(e) => ConnectError::Tls(e.to_string()),
        ConnectionError::Io(e) if is_tls(&e) => ConnectError::Tls(e.to_string()),
        ConnectionError::Io(e) => ConnectError::Io(e.to_string()),
        ConnectionError::MqttState(StateError::Io(e)) if is_tls(&e) => ConnectError::Tls(e.to_string()),
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
        ConnectionError::Websocket(e) if is_tls(&e) => ConnectError::Tls(e.to_string()),
        ConnectionError::Websocket(e) => ConnectError::WebSocket(e.to_string()),
        ConnectionError::WsConnect(e) => ConnectError::WebSocket(e.to_string()),
        ConnectionError::InvalidUrl(e) => ConnectError::WebSocket(e.to_string()),
        ConnectionError::ResponseValidation(e) => ConnectError::WebSocket(e.to_string()),
        ConnectionError::NotConnAck(p) => ConnectError::Protocol(format!("expected CONNACK, got {p:?}")),
        ConnectionError::RequestsDone => ConnectError::Protocol("client handle dropped".to_owned()),
        ConnectionError::Proxy(e) => ConnectError::Proxy(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::outbox::{DeliveryOutcome, Message, Outbox};
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

    #[tokio::test]
    async fn a_task_that_ends_normally_changes_nothing() {
        let shared = idle_shared();
        supervise(Arc::clone(&shared), async {}).await;
        assert_eq!(shared.check_running(), Ok(()));
    }
}
