//! Delivery tracking: what a publish call returns and how it ends. [`DeliveryId`] numbers the
//! calls, [`DeliveryOutcome`] (with [`DropReason`]) says how one ended, and [`Delivery`] is the
//! handle a caller waits on, from a thread or from async code. The shared completion behind the
//! handles is finished by the outbox (see [`super::outbox`]) as the connection reports packets
//! acknowledged, written or given up; this module knows nothing about packets or queues.
//!
//! One completion can stand for several calls: with auto-batching, consecutive rows share one
//! outbox entry and so one completion (the packet's), and each row's handle keeps its own id.
//! Their outcome is the packet's, except for rows given up from the front of the entry before
//! it was acknowledged ([`Completion::drop_front`]), which the completion records as an id bound.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

use super::statistics::OutcomeCounters;

/// Identifies one publish call; unique within a client, increasing, starting at 1 (0 is never
/// a delivery id, so the C face can use it for "none"). Every face shows the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryId(pub u64);

/// Why a message was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The outbox was full and the policy is [`OverflowPolicy::DropOldest`](super::config::OverflowPolicy::DropOldest).
    Overflow,
    /// The client was closed before the message was confirmed.
    Closed,
    /// The client stopped on a fatal connection error.
    Stopped,
    /// A SmartREST 2.0 use line waited for its collection, which could not be created.
    CollectionFailed,
}

/// How a publish ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The platform acknowledged every packet (PUBACK / PUBCOMP).
    Acknowledged,
    /// QoS 0: every packet was written to the network (no acknowledgement exists).
    Sent,
    /// The message was given up.
    Dropped(DropReason),
    /// The platform refused the row with an `s/e` line of this code (for example 45 for a bad
    /// value, 50 for an operation status without a matching operation); the line itself is in
    /// the [`Event::PublishRejected`](super::Event::PublishRejected) naming this delivery.
    Rejected {
        /// The `s/e` code.
        code: u16,
    },
}

impl DeliveryOutcome {
    /// Whether the message reached the platform (acknowledged, or sent at QoS 0).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Acknowledged | Self::Sent)
    }
}

#[derive(Debug)]
struct CompletionState {
    remaining: usize,
    outcome: Option<DeliveryOutcome>,
    /// Calls with an id below this one were given up on their own, for this reason (rows
    /// dropped from the front of a batched entry); 0 when none was.
    dropped_below: u64,
    dropped_reason: DropReason,
}

impl CompletionState {
    /// The outcome of the call `id` sharing this completion.
    fn outcome_of(&self, id: DeliveryId) -> Option<DeliveryOutcome> {
        if id.0 < self.dropped_below {
            return Some(DeliveryOutcome::Dropped(self.dropped_reason));
        }
        self.outcome
    }
}

/// The shared completion of one publish call (all its packets), or of the consecutive calls
/// whose rows share one batched entry (see the module docs).
#[derive(Debug)]
pub(crate) struct Completion {
    state: Mutex<CompletionState>,
    done: Condvar,
    notify: Notify,
}

impl Completion {
    pub(crate) fn new(parts: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(CompletionState {
                remaining: parts,
                outcome: None,
                dropped_below: 0,
                dropped_reason: DropReason::Overflow,
            }),
            done: Condvar::new(),
            notify: Notify::new(),
        })
    }

    /// Records one packet's end; returns the call's outcome when this finished it. A finished
    /// completion counts its `deliveries` in `counters` before it wakes a waiter.
    ///
    /// Waiters are woken only when someone else holds the completion: without a [`Delivery`]
    /// handle alive nobody can be waiting, and a busy publisher that drops its handles saves two
    /// wake-up calls per message.
    pub(crate) fn part_done(
        self: &Arc<Self>,
        outcome: DeliveryOutcome,
        deliveries: u32,
        counters: &OutcomeCounters,
    ) -> Option<DeliveryOutcome> {
        let finished = {
            let mut state = self.state.lock();
            if state.outcome.is_some() {
                return None;
            }
            state.remaining = state.remaining.saturating_sub(1);
            if !outcome.is_success() || state.remaining == 0 {
                counters.count(outcome, deliveries);
                state.outcome = Some(outcome);
                Some(outcome)
            } else {
                None
            }
        };
        if finished.is_some() && Arc::strong_count(self) > 1 {
            self.done.notify_all();
            self.notify.notify_waiters();
        }
        finished
    }

    /// Gives up the call `id` alone: the first row still in a batched entry whose other rows
    /// stay queued. Its handle then reports `Dropped(reason)`; the caller reports the event.
    pub(crate) fn drop_front(
        &self,
        id: DeliveryId,
        reason: DropReason,
        counters: &OutcomeCounters,
    ) -> DeliveryOutcome {
        {
            counters.count(DeliveryOutcome::Dropped(reason), 1);
            let mut state = self.state.lock();
            state.dropped_below = id.0 + 1;
            state.dropped_reason = reason;
        }
        self.done.notify_all();
        self.notify.notify_waiters();
        DeliveryOutcome::Dropped(reason)
    }

    /// The outcome of the entry (its last call's, when several share it).
    pub(crate) fn outcome(&self) -> Option<DeliveryOutcome> {
        self.state.lock().outcome
    }

    fn outcome_of(&self, id: DeliveryId) -> Option<DeliveryOutcome> {
        self.state.lock().outcome_of(id)
    }
}

/// The handle a publish returns: its [`DeliveryId`], and its outcome once known. Wait for it
/// from a plain thread with [`Delivery::wait`] or from async code with [`Delivery::outcome`].
///
/// ```no_run
/// # async fn run(client: &c8y_mqtt::client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use c8y_mqtt::client::DeliveryOutcome;
/// use c8y_mqtt::templates::upstream::MajorAlarm;
/// let delivery = client.publish(MajorAlarm::new("c8y_DoorOpen")?.with_text("Door open"))?;
/// match delivery.outcome().await {
///     DeliveryOutcome::Acknowledged => println!("delivery {:?} reached the platform", delivery.id()),
///     other => println!("not delivered: {other:?}"), // dropped (overflow, closed, stopped)
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Delivery {
    pub(crate) id: DeliveryId,
    pub(crate) completion: Arc<Completion>,
}

impl Delivery {
    /// The id, also carried by the matching [`Event::Delivery`](super::Event::Delivery).
    pub fn id(&self) -> DeliveryId {
        self.id
    }

    /// The outcome, if the publish has completed.
    pub fn try_outcome(&self) -> Option<DeliveryOutcome> {
        self.completion.outcome_of(self.id)
    }

    /// Blocks the calling thread up to `timeout` for the outcome; `None` when still pending.
    /// Do not call it on a tokio worker thread.
    pub fn wait(&self, timeout: Duration) -> Option<DeliveryOutcome> {
        let deadline = Instant::now() + timeout;
        let mut state = self.completion.state.lock();
        while state.outcome_of(self.id).is_none() {
            if self.completion.done.wait_until(&mut state, deadline).timed_out() {
                break;
            }
        }
        state.outcome_of(self.id)
    }

    /// Waits for the outcome.
    pub async fn outcome(&self) -> DeliveryOutcome {
        loop {
            let notified = self.completion.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(outcome) = self.completion.outcome_of(self.id) {
                return outcome;
            }
            notified.await;
        }
    }
}

impl IntoFuture for Delivery {
    type Output = DeliveryOutcome;
    type IntoFuture = std::pin::Pin<Box<dyn Future<Output = DeliveryOutcome> + Send>>;

    /// `delivery.await` waits for the outcome, like [`Delivery::outcome`].
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.outcome().await })
    }
}

/// A delivery that finished, to report as an event.
pub type Finished = (DeliveryId, DeliveryOutcome);
