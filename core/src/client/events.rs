//! What the client reports: [`Event`] (connection state, downstream lines, operations, error
//! lines, delivery outcomes) and the bounded [`EventQueue`] they are pulled from, by async
//! code or by a plain thread with a timeout.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

use crate::templates::downstream::{DownstreamError, ErrorLine, StaticDownstream, TemplateStatus};

use super::delivery::{DeliveryId, DeliveryOutcome};
use super::error::ConnectError;
use super::json::JsonError;
use super::operations::ReceivedOperation;
use super::smartrest2::{CollectionState, Response};

/// The connection's state, reported on every change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// A connection attempt starts (`attempt` counts from 1 since the last stable connection).
    Connecting {
        /// Attempt number.
        attempt: u32,
    },
    /// CONNACK accepted, every configured subscription granted, `500` sent: the outbox is being
    /// replayed.
    Connected,
    /// Connected, but the platform refused some subscriptions (for example because the device
    /// does not exist yet): the outbox flows, and the refused topics are subscribed again after
    /// `retry_in` (the device creation first, when configured). Operations cannot arrive while
    /// `s/ds` is refused, so this is not [`ConnectionState::Connected`].
    SubscriptionsRefused {
        /// The refused topic filters.
        topics: Vec<String>,
        /// Wait before subscribing them again.
        retry_in: Duration,
    },
    /// The connection failed or ended; the client retries after `retry_in`.
    Disconnected {
        /// Why.
        error: ConnectError,
        /// Wait before the next attempt.
        retry_in: Duration,
    },
    /// The client stopped on a fatal error (for example bad credentials) and will not retry.
    Stopped {
        /// Why.
        error: ConnectError,
    },
    /// The client was closed by the application.
    Closed,
}

/// One thing the client reports.
///
/// A device's event loop, pulling from a [`BlockingClient`](super::BlockingClient) on a plain
/// thread (the async [`Client::next_event`](super::Client::next_event) works the same way):
///
/// ```no_run
/// use std::time::Duration;
/// use c8y_mqtt::client::{BlockingClient, ConnectionState, Event, NextEvent};
///
/// fn run(client: &BlockingClient) -> Result<(), c8y_mqtt::client::ClientError> {
///     loop {
///         match client.next_event(Duration::from_secs(1)) {
///             NextEvent::Event(Event::Operation(op)) => {
///                 op.executing()?;
///                 // … do the work …
///                 op.succeed(Vec::<String>::new())?;
///             }
///             NextEvent::Event(Event::SmartRestError(line)) => {
///                 eprintln!("platform rejected template {}: {}", line.template, line.text);
///             }
///             NextEvent::Event(Event::ConnectionState(ConnectionState::Stopped { error })) => {
///                 eprintln!("stopped, not retrying: {error}");
///             }
///             NextEvent::Event(_) | NextEvent::Timeout => {}
///             NextEvent::Closed => return Ok(()),
///         }
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The connection state changed.
    ConnectionState(ConnectionState),
    /// An operation arrived (static on `s/ds`, JSON on `devicecontrol/notifications`, or a
    /// SmartREST 2.0 operation response), once per operation id; see
    /// [`operations`](super::operations).
    Operation(Box<ReceivedOperation>),
    /// An operation an earlier run of this device set EXECUTING and that can finish across a
    /// restart (`c8y_Restart`, `c8y_Firmware`, …), handed back once after the first connect
    /// (needs a persistence directory); finish it with `succeed` or `fail`. See
    /// [`operations`](super::operations).
    OperationResumed(Box<ReceivedOperation>),
    /// Another static downstream line arrived on `s/ds` (106, 124, or an unknown template).
    Downstream(StaticDownstream),
    /// The platform told the managed object id of the device or a child (`124`, answering a
    /// `123`); see [`Entity::managed_object_id`](super::Entity::managed_object_id).
    ManagedObjectId {
        /// The external id of the device or child.
        device: String,
        /// Its managed object id.
        id: String,
    },
    /// The platform refused a row this client sent: the `s/e` line, tied to the publish that
    /// caused it (see [the connection's rules](super) for when that is possible). Its delivery
    /// ends [`DeliveryOutcome::Rejected`] unless it had already ended.
    PublishRejected {
        /// The publish call's delivery id.
        id: DeliveryId,
        /// The external id of the device (or child) the row was for.
        device: String,
        /// The platform's line.
        line: ErrorLine,
    },
    /// An error line arrived on `s/e` that could not be tied to one publish.
    SmartRestError(ErrorLine),
    /// A template collection status arrived on `s/dt`.
    TemplateStatus(TemplateStatus),
    /// A downstream row could not be parsed; the error keeps the row.
    Malformed(DownstreamError),
    /// A message on a topic without a typed parser (`s/dc/<X-ID>` and `s/dd` of collections
    /// not registered with [`ConfigBuilder::collection`](super::ConfigBuilder::collection)).
    Message {
        /// Topic.
        topic: String,
        /// Payload as received.
        payload: Bytes,
    },
    /// A registered SmartREST 2.0 collection changed state (checked, created, ready, failed).
    Collection {
        /// The collection's X-ID.
        xid: String,
        /// Its state.
        state: CollectionState,
    },
    /// A SmartREST 2.0 response line (not an operation) arrived on `s/dc/<X-ID>` or `s/dd`.
    SmartRest2Response(Response),
    /// A SmartREST 1.0 response row arrived on `s/dl/<X-ID>`.
    SmartRest1Response {
        /// The X-ID.
        xid: String,
        /// The row's fields, message id first.
        fields: Vec<String>,
    },
    /// A JSON over MQTT error arrived on `error`.
    JsonError(JsonError),
    /// A message could not be read (JSON operations, SmartREST 2.0 responses).
    MalformedMessage {
        /// Topic.
        topic: String,
        /// What is wrong.
        reason: String,
        /// Payload as received.
        payload: Bytes,
    },
    /// A SUBSCRIBE filter was refused by the platform (SUBACK return code `0x80`); it is
    /// subscribed again with backoff ([`ConnectionState::SubscriptionsRefused`]).
    SubscriptionRefused {
        /// The topic filter.
        topic: String,
        /// The SUBACK return code (`0x80`, failure, in MQTT 3.1.1).
        return_code: u8,
    },
    /// A publish completed (acknowledged, sent for QoS 0, or dropped).
    Delivery {
        /// The id the publish call returned.
        id: DeliveryId,
        /// How it ended.
        outcome: DeliveryOutcome,
    },
    /// At start, these deliveries were loaded from the persistence directory (left by an
    /// earlier client); their outcomes follow as [`Event::Delivery`].
    Recovered {
        /// The loaded deliveries, oldest first.
        deliveries: Vec<DeliveryId>,
    },
    /// At start, a file in the persistence directory was not loaded (corrupt, or beyond the
    /// outbox limits).
    OutboxFileSkipped {
        /// The file (a corrupt one is renamed to `*.corrupt`).
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// The event queue was full: this many older events were dropped.
    EventsLost {
        /// How many.
        count: u64,
    },
}

/// The result of pulling an event with a timeout.
#[derive(Debug, Clone, PartialEq)]
pub enum NextEvent {
    /// An event.
    Event(Event),
    /// Nothing within the timeout.
    Timeout,
    /// The client is closed and every event was taken.
    Closed,
}

#[derive(Debug, Default)]
struct QueueState {
    events: VecDeque<Event>,
    lost: u64,
    closed: bool,
}

/// A bounded queue of events. When full, the oldest event is dropped and the loss reported as
/// [`Event::EventsLost`] before the next event taken. No lock is held while a caller waits.
#[derive(Debug)]
pub struct EventQueue {
    capacity: usize,
    state: Mutex<QueueState>,
    ready: Condvar,
    notify: Notify,
}

impl EventQueue {
    /// An empty queue keeping at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::new(QueueState::default()),
            ready: Condvar::new(),
            notify: Notify::new(),
        }
    }

    /// Adds an event (ignored once closed).
    pub fn push(&self, event: Event) {
        {
            let mut state = self.state.lock();
            if state.closed {
                return;
            }
            if state.events.len() >= self.capacity {
                state.events.pop_front();
                state.lost += 1;
            }
            state.events.push_back(event);
        }
        self.wake();
    }

    /// Adds a last event and closes the queue: events still queued can be taken, then
    /// [`NextEvent::Closed`].
    pub fn close_with(&self, event: Option<Event>) {
        {
            let mut state = self.state.lock();
            if state.closed {
                return;
            }
            if let Some(event) = event {
                state.events.push_back(event);
            }
            state.closed = true;
        }
        self.wake();
    }

    fn wake(&self) {
        self.ready.notify_all();
        self.notify.notify_waiters();
    }

    /// Takes the next event without waiting.
    pub fn try_next(&self) -> NextEvent {
        let mut state = self.state.lock();
        Self::take(&mut state)
    }

    fn take(state: &mut QueueState) -> NextEvent {
        if state.lost > 0 {
            let count = std::mem::take(&mut state.lost);
            return NextEvent::Event(Event::EventsLost { count });
        }
        match state.events.pop_front() {
            Some(event) => NextEvent::Event(event),
            None if state.closed => NextEvent::Closed,
            None => NextEvent::Timeout,
        }
    }

    /// Waits up to `timeout` for the next event, blocking the calling thread.
    pub fn next_blocking(&self, timeout: Duration) -> NextEvent {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock();
        loop {
            match Self::take(&mut state) {
                NextEvent::Timeout => {}
                other => return other,
            }
            if self.ready.wait_until(&mut state, deadline).timed_out() {
                return Self::take(&mut state);
            }
        }
    }

    /// Waits for the next event (or [`NextEvent::Closed`]).
    pub async fn next(&self) -> NextEvent {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.try_next() {
                NextEvent::Timeout => notified.await,
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed() -> Event {
        Event::ConnectionState(ConnectionState::Closed)
    }

    #[test]
    fn overflow_drops_oldest_and_reports_the_loss() {
        let queue = EventQueue::new(2);
        for _ in 0..3 {
            queue.push(Event::EventsLost { count: 99 });
        }
        queue.push(closed());
        assert_eq!(queue.try_next(), NextEvent::Event(Event::EventsLost { count: 2 }));
        assert_eq!(
            queue.try_next(),
            NextEvent::Event(Event::EventsLost { count: 99 })
        );
        assert_eq!(queue.try_next(), NextEvent::Event(closed()));
        assert_eq!(queue.try_next(), NextEvent::Timeout);
    }

    #[test]
    fn blocking_wait_times_out_then_sees_close() {
        let queue = std::sync::Arc::new(EventQueue::new(8));
        let started = Instant::now();
        assert_eq!(queue.next_blocking(Duration::from_millis(50)), NextEvent::Timeout);
        assert!(started.elapsed() >= Duration::from_millis(50));
        let q = std::sync::Arc::clone(&queue);
        let t = std::thread::spawn(move || q.next_blocking(Duration::from_secs(5)));
        std::thread::sleep(Duration::from_millis(20));
        queue.close_with(Some(closed()));
        assert_eq!(t.join().unwrap(), NextEvent::Event(closed()));
        assert_eq!(queue.next_blocking(Duration::from_secs(5)), NextEvent::Closed);
    }
}
