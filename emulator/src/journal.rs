//! The journal: an in-memory, awaitable log of everything the MQTT layer did, so tests can
//! inspect traffic and wait for events with a timeout instead of sleeping.

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
        /// Device id.
        device_id: String,
        /// Topic of the acknowledged publish.
        topic: String,
        /// Its QoS.
        qos: QoS,
    },
    /// A server → device publish could not be delivered.
    Undelivered {
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

/// The awaitable event log.
#[derive(Debug)]
pub(crate) struct Journal {
    events: Mutex<Vec<EmulatorEvent>>,
    count: watch::Sender<usize>,
}

impl Journal {
    pub(crate) fn new() -> Self {
        Self {
            events: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
        }
    }

    pub(crate) fn record(&self, event: EmulatorEvent) {
        let len = {
            let mut events = lock(&self.events);
            events.push(event);
            events.len()
        };
        self.count.send_replace(len);
    }

    pub(crate) fn snapshot(&self) -> Vec<EmulatorEvent> {
        lock(&self.events).clone()
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
                    let events = lock(&self.events);
                    if let Some(found) = events.iter().skip(seen).find(|e| pred(e)) {
                        return Some(found.clone());
                    }
                    seen = events.len();
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
