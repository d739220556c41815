//! Availability monitoring (docs/protocol.md §11.3): a device with
//! `c8y_RequiredAvailability.responseInterval` (minutes) that sends nothing within the interval
//! becomes `c8y_Availability.status = UNAVAILABLE` and gets an active `c8y_UnavailabilityAlarm`
//! (MAJOR, "No communication with device since `lastMessage`"); its next message makes it
//! AVAILABLE again and clears the alarm. An interval ≤ 0 is maintenance: status MAINTENANCE and
//! no alarm. Devices without the fragment are not monitored.
//!
//! Time is the model's [`Clock`](crate::Clock), so tests advance it instead of waiting. A
//! message is any row or request for the device (data, inventory, the `125` heartbeat, a last
//! will); a device not heard from since the requirement was set counts from the first check.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Model, now};

/// How stale the stored `lastMessage` may get while a device keeps sending.
const LAST_MESSAGE_RESOLUTION: Duration = Duration::from_secs(1);

/// When a device last sent something, and when that was last written to the device.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    at: Duration,
    written: Option<Duration>,
}

/// The alarm type raised for an unavailable device.
pub(crate) const UNAVAILABILITY_ALARM: &str = "c8y_UnavailabilityAlarm";

const AVAILABILITY: &str = "c8y_Availability";
const REQUIRED: &str = "c8y_RequiredAvailability";

impl Model {
    /// The required response interval of managed object `id`, in minutes, if monitored.
    fn response_interval(&self, id: u64) -> Option<i64> {
        self.managed_object(id)?
            .get(REQUIRED)?
            .get("responseInterval")?
            .as_i64()
    }

    fn availability_status(&self, id: u64) -> Option<&str> {
        self.managed_object(id)?
            .get(AVAILABILITY)?
            .get("status")?
            .as_str()
    }

    /// A message from device `id`: it is available (in maintenance with an interval ≤ 0), and
    /// an unavailability alarm is cleared.
    ///
    /// On the ingest path: while the status stays, the stored `lastMessage` is refreshed at most
    /// once per [`LAST_MESSAGE_RESOLUTION`] (writing the device on every row would cost more
    /// than storing the row).
    pub(crate) fn touch_availability(&mut self, id: u64) {
        let now_elapsed = self.clock.elapsed();
        let seen = self.last_message.entry(id).or_insert(Seen {
            at: now_elapsed,
            written: None,
        });
        seen.at = now_elapsed;
        let written_recently = seen
            .written
            .is_some_and(|w| now_elapsed.saturating_sub(w) < LAST_MESSAGE_RESOLUTION);
        let current = self.availability_status(id);
        let was_unavailable = current == Some("UNAVAILABLE");
        let status = match self.response_interval(id) {
            Some(minutes) if minutes <= 0 => "MAINTENANCE",
            _ => "AVAILABLE",
        };
        if written_recently && current == Some(status) {
            return;
        }
        if let Some(seen) = self.last_message.get_mut(&id) {
            seen.written = Some(now_elapsed);
        }
        self.set_fragment(id, AVAILABILITY, json!({"status": status, "lastMessage": now()}));
        if was_unavailable && let Some(index) = self.alarm_of_type(id, UNAVAILABILITY_ALARM) {
            self.update_alarm_at(
                index,
                json!({"status": "CLEARED"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }

    /// Marks every monitored device silent for longer than its interval UNAVAILABLE and raises
    /// its alarm; returns how many devices changed status.
    pub(crate) fn check_availability(&mut self) -> usize {
        let now_elapsed = self.clock.elapsed();
        let monitored: Vec<(u64, i64)> = self
            .objects
            .keys()
            .filter_map(|id| self.response_interval(*id).map(|m| (*id, m)))
            .collect();
        let mut changed = 0;
        for (id, minutes) in monitored {
            if minutes <= 0 {
                if self.availability_status(id) != Some("MAINTENANCE") {
                    let last = self
                        .managed_object(id)
                        .and_then(|o| o.get(AVAILABILITY))
                        .and_then(|a| a.get("lastMessage"))
                        .cloned();
                    self.set_fragment(
                        id,
                        AVAILABILITY,
                        json!({"status": "MAINTENANCE", "lastMessage": last}),
                    );
                    changed += 1;
                }
                continue;
            }
            let last = self
                .last_message
                .entry(id)
                .or_insert(Seen {
                    at: now_elapsed,
                    written: None,
                })
                .at;
            let interval = Duration::from_secs(u64::try_from(minutes).unwrap_or(0) * 60);
            if now_elapsed.saturating_sub(last) < interval
                || self.availability_status(id) == Some("UNAVAILABLE")
            {
                continue;
            }
            let last_message = self
                .managed_object(id)
                .and_then(|o| o.get(AVAILABILITY))
                .and_then(|a| a.get("lastMessage"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.set_fragment(
                id,
                AVAILABILITY,
                json!({"status": "UNAVAILABLE", "lastMessage": last_message}),
            );
            let since = last_message.unwrap_or_else(|| "the start of monitoring".to_owned());
            let body = json!({
                "type": UNAVAILABILITY_ALARM,
                "severity": "MAJOR",
                "text": format!("No communication with device since {since}"),
            });
            self.raise_alarm(id, body.as_object().cloned().unwrap_or_default(), true);
            changed += 1;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

    use super::*;
    use crate::Clock;
    use crate::platform::store::json::text;

    fn model(clock: &Clock) -> (Model, u64) {
        let mut model = Model::new("t1", Arc::new(AtomicU64::new(0)), clock.clone());
        let device = model.create_device("d1", None, None);
        (model, device)
    }

    fn alarm_status(model: &Model, device: u64) -> Option<String> {
        model
            .alarm_of_type(device, UNAVAILABILITY_ALARM)
            .and_then(|i| model.records(crate::platform::request::Resource::Alarm).get(i))
            .and_then(|a| text(a, "status").map(str::to_owned))
    }

    #[test]
    fn silence_longer_than_the_interval_makes_a_device_unavailable_until_it_speaks() {
        let clock = Clock::manual();
        let (mut m, device) = model(&clock);
        m.set_fragment(device, REQUIRED, json!({"responseInterval": 5}));
        m.touch_availability(device);
        clock.advance(Duration::from_secs(4 * 60 + 59));
        assert_eq!(m.check_availability(), 0);
        assert_eq!(m.availability_status(device), Some("AVAILABLE"));
        clock.advance(Duration::from_secs(1));
        assert_eq!(m.check_availability(), 1);
        assert_eq!(m.availability_status(device), Some("UNAVAILABLE"));
        assert_eq!(alarm_status(&m, device).as_deref(), Some("ACTIVE"));
        assert_eq!(m.check_availability(), 0, "raised once");
        m.touch_availability(device);
        assert_eq!(m.availability_status(device), Some("AVAILABLE"));
        assert_eq!(alarm_status(&m, device), None, "no active alarm left");
    }

    #[test]
    fn an_interval_of_zero_is_maintenance_and_unmonitored_devices_stay_as_they_are() {
        let clock = Clock::manual();
        let (mut m, device) = model(&clock);
        let other = m.create_device("d2", None, None);
        m.set_fragment(device, REQUIRED, json!({"responseInterval": 0}));
        clock.advance(Duration::from_secs(24 * 3600));
        m.check_availability();
        assert_eq!(m.availability_status(device), Some("MAINTENANCE"));
        assert_eq!(alarm_status(&m, device), None);
        assert_eq!(m.availability_status(other), None);
    }
}
