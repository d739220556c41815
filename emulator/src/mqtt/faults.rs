//! Fault injection that belongs to the MQTT layer: refusing connections (CONNACK 3) for a while
//! and withholding or delaying acknowledgements of a device's publishes. Dropping a connection goes through
//! the session registry (`Connections::drop_connection`).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::lock;

#[derive(Debug, Default)]
struct FaultState {
    /// `Some(None)`: refuse until cleared; `Some(Some(t))`: refuse until `t`.
    refuse: Option<Option<Instant>>,
    withheld_acks: HashSet<String>,
    delayed_acks: HashMap<String, Duration>,
}

/// What happens to the acknowledgement of a device's publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AckFault {
    /// Acknowledge normally.
    None,
    /// Do not acknowledge.
    Withhold,
    /// Acknowledge after this delay.
    Delay(Duration),
}

/// The active faults.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    state: Mutex<FaultState>,
}

impl Faults {
    /// Refuse new connections with CONNACK 3 for `duration`, or until cleared when `None`.
    pub(crate) fn refuse_connections(&self, duration: Option<Duration>) {
        lock(&self.state).refuse = Some(duration.map(|d| Instant::now() + d));
    }

    /// Accept connections again.
    pub(crate) fn accept_connections(&self) {
        lock(&self.state).refuse = None;
    }

    /// Whether a CONNECT arriving now is refused.
    pub(crate) fn refusing(&self) -> bool {
        let mut state = lock(&self.state);
        match state.refuse {
            Some(Some(until)) if Instant::now() >= until => {
                state.refuse = None;
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Withhold (or resume) PUBACK / PUBREC for the device's publishes.
    pub(crate) fn withhold_acks(&self, device_id: &str, withhold: bool) {
        let mut state = lock(&self.state);
        if withhold {
            state.withheld_acks.insert(device_id.to_owned());
        } else {
            state.withheld_acks.remove(device_id);
        }
    }

    /// Delay (or stop delaying, with `None`) PUBACK / PUBREC for the device's publishes.
    pub(crate) fn delay_acks(&self, device_id: &str, delay: Option<Duration>) {
        let mut state = lock(&self.state);
        match delay {
            Some(delay) => state.delayed_acks.insert(device_id.to_owned(), delay),
            None => state.delayed_acks.remove(device_id),
        };
    }

    /// The acknowledgement fault for the device (withholding wins over a delay).
    pub(crate) fn ack_fault(&self, device_id: &str) -> AckFault {
        let state = lock(&self.state);
        if state.withheld_acks.contains(device_id) {
            AckFault::Withhold
        } else if let Some(delay) = state.delayed_acks.get(device_id) {
            AckFault::Delay(*delay)
        } else {
            AckFault::None
        }
    }
}
