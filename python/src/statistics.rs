//! `ClientStatistics`: a Python snapshot of the core's client statistics
//! (`Client::statistics`), read-only attributes converted from the core struct.

use c8y_mqtt::client::Statistics;
use pyo3::prelude::*;

/// A snapshot of a client's operation statistics since it started (``Client.statistics()``).
/// Delivery counts count publish calls (one ``Delivery`` each).
#[pyclass(frozen, get_all, module = "c8y_mqtt._native")]
#[derive(Debug, Clone)]
pub struct ClientStatistics {
    /// Publish calls queued in the outbox.
    deliveries_queued: u64,
    /// Outbox entries not yet completed right now (waiting or in flight).
    queued_now: u64,
    /// Packets handed to MQTT and not acknowledged yet, right now.
    in_flight_now: u64,
    /// Deliveries the platform acknowledged (QoS >= 1).
    acknowledged: u64,
    /// Deliveries written to the network at QoS 0.
    sent: u64,
    /// Deliveries dropped because the outbox was full (``overflow="drop_oldest"``).
    dropped_overflow: u64,
    /// Deliveries dropped because the client was closed first.
    dropped_closed: u64,
    /// Deliveries dropped because the client stopped on a fatal error.
    dropped_stopped: u64,
    /// Deliveries dropped because their SmartREST 2.0 collection could not be created.
    dropped_collection_failed: u64,
    /// ``s/e`` lines tied to a delivery ("publish_rejected" events).
    rejected: u64,
    /// Connections tried, the first included.
    connection_attempts: u64,
    /// Connections the platform accepted.
    connections: u64,
    /// Accepted connections after the first one.
    reconnects: u64,
    /// The last connection error as text (never credentials), or None.
    last_connection_error: Option<String>,
    /// Payload bytes handed to MQTT.
    bytes_sent: u64,
    /// Messages received from the platform.
    messages_received: u64,
}

impl From<Statistics> for ClientStatistics {
    fn from(s: Statistics) -> Self {
        Self {
            deliveries_queued: s.deliveries_queued,
            queued_now: s.queued_now,
            in_flight_now: s.in_flight_now,
            acknowledged: s.acknowledged,
            sent: s.sent,
            dropped_overflow: s.dropped.overflow,
            dropped_closed: s.dropped.closed,
            dropped_stopped: s.dropped.stopped,
            dropped_collection_failed: s.dropped.collection_failed,
            rejected: s.rejected,
            connection_attempts: s.connection_attempts,
            connections: s.connections,
            reconnects: s.reconnects,
            last_connection_error: s.last_connection_error,
            bytes_sent: s.bytes_sent,
            messages_received: s.messages_received,
        }
    }
}

#[pymethods]
impl ClientStatistics {
    /// Every dropped delivery, whatever the reason.
    #[getter]
    fn dropped(&self) -> u64 {
        self.dropped_overflow + self.dropped_closed + self.dropped_stopped + self.dropped_collection_failed
    }

    fn __repr__(&self) -> String {
        format!(
            "<ClientStatistics queued={} acknowledged={} dropped={} rejected={} reconnects={}>",
            self.deliveries_queued,
            self.acknowledged,
            self.dropped(),
            self.rejected,
            self.reconnects
        )
    }
}
