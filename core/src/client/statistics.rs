//! Operation statistics of a client: counters kept as relaxed atomics on the paths that change
//! them (one uncontended atomic add per publish call, per packet handed to MQTT, per finished
//! delivery, per received message; no lock), read as a plain [`Statistics`] snapshot with
//! [`Client::statistics`](super::Client::statistics).
//!
//! With [`ConfigBuilder::statistics_measurement`](super::ConfigBuilder::statistics_measurement)
//! the client also publishes them every interval as a `c8y_ClientStatistics` measurement
//! (template 201, one series per counter; see [`statistics_measurement`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::sync::watch;

use crate::templates::TemplateError;
use crate::templates::upstream::{MeasurementSeries, MultiSeriesMeasurement};

use super::delivery::{DeliveryOutcome, DropReason};
use super::{Entity, Shared};

/// The measurement type and fragment of the statistics measurement.
pub const STATISTICS_MEASUREMENT: &str = "c8y_ClientStatistics";

/// Deliveries given up, one counter per [`DropReason`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DropCounts {
    /// [`DropReason::Overflow`]: the outbox was full (policy drop-oldest).
    pub overflow: u64,
    /// [`DropReason::Closed`]: the client was closed first.
    pub closed: u64,
    /// [`DropReason::Stopped`]: the client stopped on a fatal connection error.
    pub stopped: u64,
    /// [`DropReason::CollectionFailed`]: a SmartREST 2.0 collection could not be created.
    pub collection_failed: u64,
}

impl DropCounts {
    /// Every dropped delivery, whatever the reason.
    pub fn total(&self) -> u64 {
        self.overflow + self.closed + self.stopped + self.collection_failed
    }
}

/// A snapshot of a client's operation statistics since it started. Counts of deliveries count
/// publish calls (a [`Delivery`](super::Delivery) each), whatever the number of rows or packets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Statistics {
    /// Publish calls queued in the outbox (including the client's own, such as the statistics
    /// measurement; not the device creation and `500` sent at every connection).
    pub deliveries_queued: u64,
    /// Outbox entries (rows or payloads) not yet completed right now: waiting or in flight.
    pub queued_now: u64,
    /// Packets handed to MQTT and not acknowledged yet, right now (0 while disconnected).
    pub in_flight_now: u64,
    /// Deliveries the platform acknowledged (QoS ≥ 1).
    pub acknowledged: u64,
    /// Deliveries written to the network at QoS 0 (no acknowledgement exists).
    pub sent: u64,
    /// Deliveries given up, by reason.
    pub dropped: DropCounts,
    /// `s/e` lines tied to a delivery ([`Event::PublishRejected`](super::Event::PublishRejected)).
    /// Without a [`rejection_window`](super::ConfigBuilder::rejection_window) such a delivery
    /// may already have counted as acknowledged.
    pub rejected: u64,
    /// Connections tried (CONNECT sent or attempted), the first included.
    pub connection_attempts: u64,
    /// Connections accepted by the platform (CONNACK 0).
    pub connections: u64,
    /// Accepted connections after the first one: how often the client came back.
    pub reconnects: u64,
    /// The last connection error (refusal, network, subscriptions) as text, if any. Never holds
    /// credentials.
    pub last_connection_error: Option<String>,
    /// Payload bytes handed to MQTT (every packet, repeats after a reconnect included).
    pub bytes_sent: u64,
    /// Messages received from the platform (MQTT PUBLISH packets on any topic).
    pub messages_received: u64,
}

/// The counts of finished deliveries by outcome. The outbox owns them and counts a delivery
/// while it finishes it, before anyone waiting for that delivery (or for a flush) is woken: a
/// caller whose wait returned reads a snapshot that includes what it waited for.
#[derive(Debug, Default)]
pub(crate) struct OutcomeCounters {
    acknowledged: AtomicU64,
    sent: AtomicU64,
    overflow: AtomicU64,
    closed: AtomicU64,
    stopped: AtomicU64,
    collection_failed: AtomicU64,
}

impl OutcomeCounters {
    /// Counts `deliveries` finished with `outcome` (rejections are counted where the `s/e` line
    /// is tied to its row).
    pub(crate) fn count(&self, outcome: DeliveryOutcome, deliveries: u32) {
        let counter = match outcome {
            DeliveryOutcome::Acknowledged => &self.acknowledged,
            DeliveryOutcome::Sent => &self.sent,
            DeliveryOutcome::Dropped(DropReason::Overflow) => &self.overflow,
            DeliveryOutcome::Dropped(DropReason::Closed) => &self.closed,
            DeliveryOutcome::Dropped(DropReason::Stopped) => &self.stopped,
            DeliveryOutcome::Dropped(DropReason::CollectionFailed) => &self.collection_failed,
            DeliveryOutcome::Rejected { .. } => return,
        };
        counter.fetch_add(u64::from(deliveries), Relaxed);
    }
}

/// The live counters, shared by the handles and the connection task.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) deliveries_queued: AtomicU64,
    pub(crate) in_flight: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) connection_attempts: AtomicU64,
    connections: AtomicU64,
    reconnects: AtomicU64,
    pub(crate) bytes_sent: AtomicU64,
    pub(crate) messages_received: AtomicU64,
}

impl Counters {
    /// Adds one to a counter.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    /// Adds `n` to a counter.
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Relaxed);
    }

    /// A CONNACK accepted the connection.
    pub(crate) fn connected(&self) {
        if self.connections.fetch_add(1, Relaxed) > 0 {
            Self::bump(&self.reconnects);
        }
    }

    /// The counters as a snapshot; the gauges and the last error come from the caller.
    pub(crate) fn snapshot(
        &self,
        outcomes: &OutcomeCounters,
        queued_now: usize,
        last_connection_error: Option<String>,
    ) -> Statistics {
        let get = |counter: &AtomicU64| counter.load(Relaxed);
        Statistics {
            deliveries_queued: get(&self.deliveries_queued),
            queued_now: u64::try_from(queued_now).unwrap_or(u64::MAX),
            in_flight_now: get(&self.in_flight),
            acknowledged: get(&outcomes.acknowledged),
            sent: get(&outcomes.sent),
            dropped: DropCounts {
                overflow: get(&outcomes.overflow),
                closed: get(&outcomes.closed),
                stopped: get(&outcomes.stopped),
                collection_failed: get(&outcomes.collection_failed),
            },
            rejected: get(&self.rejected),
            connection_attempts: get(&self.connection_attempts),
            connections: get(&self.connections),
            reconnects: get(&self.reconnects),
            last_connection_error,
            bytes_sent: get(&self.bytes_sent),
            messages_received: get(&self.messages_received),
        }
    }
}

/// The `c8y_ClientStatistics` measurement of a snapshot: fragment `c8y_ClientStatistics`,
/// series `queued`, `queuedNow`, `inFlight`, `acknowledged`, `sent`, `dropped`,
/// `droppedOverflow`, `rejected`, `connectionAttempts`, `reconnects`, `bytesSent` (unit `B`)
/// and `messagesReceived`.
pub fn statistics_measurement(statistics: &Statistics) -> Result<MultiSeriesMeasurement, TemplateError> {
    let s = statistics;
    let series = [
        ("queued", s.deliveries_queued, None),
        ("queuedNow", s.queued_now, None),
        ("inFlight", s.in_flight_now, None),
        ("acknowledged", s.acknowledged, None),
        ("sent", s.sent, None),
        ("dropped", s.dropped.total(), None),
        ("droppedOverflow", s.dropped.overflow, None),
        ("rejected", s.rejected, None),
        ("connectionAttempts", s.connection_attempts, None),
        ("reconnects", s.reconnects, None),
        ("bytesSent", s.bytes_sent, Some("B")),
        ("messagesReceived", s.messages_received, None),
    ]
    .into_iter()
    .map(|(name, value, unit)| {
        let series = MeasurementSeries::new(STATISTICS_MEASUREMENT, name, value)?;
        Ok(match unit {
            Some(unit) => series.with_unit(unit),
            None => series,
        })
    })
    .collect::<Result<Vec<_>, TemplateError>>()?;
    MultiSeriesMeasurement::new(STATISTICS_MEASUREMENT, series)
}

/// Publishes the statistics measurement every `every` (the first after one interval) until the
/// client is closed or stopped. The measurement goes through the outbox like any publish, so it
/// waits there while the client is disconnected.
pub(crate) async fn publish_every(shared: Arc<Shared>, every: Duration, mut close: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            changed = close.changed() => if changed.is_err() || *close.borrow() { return },
        }
        if shared.check_running().is_err() {
            return;
        }
        let published = statistics_measurement(&shared.statistics())
            .map_err(|error| error.to_string())
            .and_then(|measurement| {
                Entity::root(Arc::clone(&shared))
                    .publish(measurement)
                    .map_err(|error| error.to_string())
            });
        if let Err(error) = published {
            tracing::debug!(%error, "statistics measurement not queued");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::UpstreamTemplate;

    #[test]
    fn finished_deliveries_count_by_outcome_and_drop_reason() {
        let (counters, outcomes) = (Counters::default(), OutcomeCounters::default());
        outcomes.count(DeliveryOutcome::Acknowledged, 1);
        outcomes.count(DeliveryOutcome::Dropped(DropReason::Overflow), 2);
        outcomes.count(DeliveryOutcome::Dropped(DropReason::Closed), 1);
        outcomes.count(DeliveryOutcome::Sent, 1);
        outcomes.count(DeliveryOutcome::Rejected { code: 45 }, 1);
        counters.connected();
        counters.connected();
        let s = counters.snapshot(&outcomes, 3, Some("refused".to_owned()));
        assert_eq!((s.acknowledged, s.sent, s.rejected), (1, 1, 0));
        assert_eq!(
            (s.dropped.overflow, s.dropped.closed, s.dropped.total()),
            (2, 1, 3)
        );
        assert_eq!((s.connections, s.reconnects, s.queued_now), (2, 1, 3));
        assert_eq!(s.last_connection_error.as_deref(), Some("refused"));
    }

    #[test]
    fn the_measurement_is_a_typed_201_row() {
        let statistics = Statistics {
            deliveries_queued: 7,
            bytes_sent: 120,
            ..Statistics::default()
        };
        let row = statistics_measurement(&statistics).unwrap().to_row();
        assert!(
            row.starts_with("201,c8y_ClientStatistics,,c8y_ClientStatistics,queued,7,,"),
            "{row}"
        );
        assert!(row.contains("c8y_ClientStatistics,bytesSent,120,B"), "{row}");
    }
}
