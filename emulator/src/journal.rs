//! The journal: an in-memory, awaitable log of everything the MQTT layer did, so tests can
//! inspect traffic and wait for events with a timeout instead of sleeping.
//!
//! It is bounded: one ring per tenant (events whose tenant is unknown, like a refused CONNECT
//! without a tenant prefix, share one), each keeping at most
//! [`Limits::journal_events`](crate::Limits::journal_events) events and
//! [`Limits::journal_bytes`](crate::Limits::journal_bytes) payload bytes. The oldest events are
//! dropped first and counted ([`JournalStats::dropped`]), so a flood in one tenant never evicts
//! another tenant's events and memory stays bounded however long the emulator runs.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use c8y_mqtt::QoS;
use tokio::sync::watch;

use crate::lock;
use crate::platform::endpoint::{DevicePublish, DisconnectReason, SessionInfo, Transport, UndeliveredReason};

/// One thing that happened on the MQTT layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmulatorEvent {
    /// A session was accepted (CONNACK 0).
    Connected(SessionInfo),
    /// A CONNECT was refused with a non-zero CONNACK code.
    Refused {
        /// The transport.
        transport: Transport,
        /// Client id from CONNECT.
        client_id: String,
        /// Username from CONNECT.
        username: Option<String>,
        /// The CONNACK return code sent.
        code: u8,
    },
    /// A device publish (or last will) was accepted and handed to the platform.
    Published {
        /// The publishing session.
        session: SessionInfo,
        /// The publish.
        publish: DevicePublish,
    },
    /// A SUBSCRIBE filter was answered.
    Subscribed {
        /// The session.
        session: SessionInfo,
        /// The filter.
        topic: String,
        /// Granted QoS, or `None` for failure (0x80).
        granted: Option<QoS>,
    },
    /// A server → device publish was written to the device.
    Delivered {
        /// Tenant of the device's session (`management` for the bootstrap user).
        tenant: String,
        /// Device id.
        device_id: String,
        /// Topic.
        topic: String,
        /// Payload.
        payload: Bytes,
        /// QoS it was delivered with.
        qos: QoS,
    },
    /// The device completed a QoS 1 (PUBACK) or QoS 2 (PUBCOMP) server → device publish.
    Acknowledged {
        /// Tenant of the device's session (`management` for the bootstrap user).
        tenant: String,
        /// Device id.
        device_id: String,
        /// Topic of the acknowledged publish.
        topic: String,
        /// Its QoS.
        qos: QoS,
    },
    /// A server → device publish could not be delivered.
    Undelivered {
        /// Tenant of the device's session (`management` for the bootstrap user).
        tenant: String,
        /// Device id.
        device_id: String,
        /// Topic.
        topic: String,
        /// Payload.
        payload: Bytes,
        /// Why.
        reason: UndeliveredReason,
    },
    /// A session ended.
    Disconnected {
        /// The session.
        session: SessionInfo,
        /// Why.
        reason: DisconnectReason,
    },
}

/// A wait for an event ended without a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no matching event within {0:?}")]
pub struct WaitTimeout(pub Duration);

impl EmulatorEvent {
    /// The tenant the event belongs to, when known (a refused login names it in its username).
    pub fn tenant(&self) -> Option<&str> {
        match self {
            EmulatorEvent::Connected(session)
            | EmulatorEvent::Published { session, .. }
            | EmulatorEvent::Subscribed { session, .. }
            | EmulatorEvent::Disconnected { session, .. } => Some(session.tenant()),
            EmulatorEvent::Delivered { tenant, .. }
            | EmulatorEvent::Acknowledged { tenant, .. }
            | EmulatorEvent::Undelivered { tenant, .. } => Some(tenant),
            EmulatorEvent::Refused { username, .. } => username
                .as_deref()
                .and_then(|u| u.split_once('/'))
                .map(|(tenant, _)| tenant),
        }
    }

    /// The payload bytes the event holds.
    fn payload_len(&self) -> usize {
        match self {
            EmulatorEvent::Published { publish, .. } => publish.payload.len() + publish.topic.len(),
            EmulatorEvent::Delivered { payload, topic, .. }
            | EmulatorEvent::Undelivered { payload, topic, .. } => payload.len() + topic.len(),
            _ => 0,
        }
    }
}

/// How much the journal holds, and how much it dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JournalStats {
    /// Events kept, over all tenants.
    pub events: usize,
    /// Payload and topic bytes of the events kept.
    pub payload_bytes: usize,
    /// Events dropped because a tenant's ring was full.
    pub dropped: u64,
}

/// One tenant's events, oldest first, with their sequence numbers.
#[derive(Debug, Default)]
struct Ring {
    events: VecDeque<(u64, EmulatorEvent)>,
    bytes: usize,
}

#[derive(Debug, Default)]
struct Rings {
    next_seq: u64,
    by_tenant: HashMap<String, Ring>,
    dropped: u64,
}

impl Rings {
    /// Every kept event after sequence number `after`, in recording order.
    fn after(&self, after: u64) -> Vec<&(u64, EmulatorEvent)> {
        let mut events: Vec<&(u64, EmulatorEvent)> = self
            .by_tenant
            .values()
            .flat_map(|ring| ring.events.iter().filter(move |(seq, _)| *seq > after))
            .collect();
        events.sort_by_key(|(seq, _)| *seq);
        events
    }
}

/// The awaitable event log (bounded; see the module documentation).
#[derive(Debug)]
pub(crate) struct Journal {
    rings: Mutex<Rings>,
    max_events: usize,
    max_bytes: usize,
    count: watch::Sender<u64>,
}

impl Journal {
    /// A journal keeping at most `max_events` events and `max_bytes` payload bytes per tenant.
    pub(crate) fn new(max_events: usize, max_bytes: usize) -> Self {
        Self {
            rings: Mutex::new(Rings::default()),
            max_events: max_events.max(1),
            max_bytes,
            count: watch::Sender::new(0),
        }
    }

    pub(crate) fn record(&self, event: EmulatorEvent) {
        let seq = {
            let mut rings = lock(&self.rings);
            rings.next_seq += 1;
            let seq = rings.next_seq;
            let tenant = event.tenant().unwrap_or_default();
            let len = event.payload_len();
            let ring = match rings.by_tenant.get_mut(tenant) {
                Some(ring) => ring,
                None => rings.by_tenant.entry(tenant.to_owned()).or_default(),
            };
            ring.events.push_back((seq, event));
            ring.bytes += len;
            let mut dropped = 0;
            while ring.events.len() > self.max_events
                || (ring.bytes > self.max_bytes && ring.events.len() > 1)
            {
                if let Some((_, old)) = ring.events.pop_front() {
                    ring.bytes -= old.payload_len();
                    dropped += 1;
                }
            }
            rings.dropped += dropped;
            seq
        };
        self.count.send_replace(seq);
    }

    pub(crate) fn snapshot(&self) -> Vec<EmulatorEvent> {
        lock(&self.rings)
            .after(0)
            .into_iter()
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// What the journal holds now.
    pub(crate) fn stats(&self) -> JournalStats {
        let rings = lock(&self.rings);
        JournalStats {
            events: rings.by_tenant.values().map(|r| r.events.len()).sum(),
            payload_bytes: rings.by_tenant.values().map(|r| r.bytes).sum(),
            dropped: rings.dropped,
        }
    }

    /// Waits for the first event (already recorded or future) that `pred` accepts.
    pub(crate) async fn wait_for(
        &self,
        mut pred: impl FnMut(&EmulatorEvent) -> bool,
        timeout: Duration,
    ) -> Result<EmulatorEvent, WaitTimeout> {
        let mut changes = self.count.subscribe();
        let mut seen = 0;
        let search = async {
            loop {
                {
                    let rings = lock(&self.rings);
                    let events = rings.after(seen);
                    if let Some((_, found)) = events.iter().find(|(_, e)| pred(e)) {
                        return Some(found.clone());
                    }
                    seen = events.last().map_or(seen, |(seq, _)| *seq);
                }
                if changes.changed().await.is_err() {
                    return None;
                }
            }
        };
        match tokio::time::timeout(timeout, search).await {
            Ok(Some(event)) => Ok(event),
            _ => Err(WaitTimeout(timeout)),
        }
    }
}
