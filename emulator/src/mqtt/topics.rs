//! Topic classification for the subscription rules of the MQTT layer (reference §1.6, §2.2).
//!
//! The classification itself is the core's (`c8y_mqtt::topic::is_upstream`), shared with the
//! SDK; this module only adds the emulator's subscription policy.
//!
//! Devices must not subscribe to upstream topics (the ones devices publish to). Wildcards are not
//! documented for the Core endpoint; a filter containing `+` or `#` is refused as well.

use c8y_mqtt::topic::is_upstream;

/// Whether a device may subscribe to `filter`: false for upstream topics and wildcard filters.
pub fn is_subscribable(filter: &str) -> bool {
    !filter.is_empty() && !filter.contains(['+', '#']) && !is_upstream(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_topics_are_refused() {
        for topic in [
            "s/us",
            "s/us/child1",
            "t/us",
            "s/uc/xid",
            "s/ud",
            "s/ut/xid",
            "s/ucr",
            "s/uat",
            "s/ul/x",
        ] {
            assert!(!is_subscribable(topic), "{topic}");
        }
        assert!(!is_subscribable("measurement/measurements/create"));
        assert!(!is_subscribable("s/#"));
        assert!(!is_subscribable("s/+"));
        assert!(!is_subscribable(""));
    }

    #[test]
    fn downstream_topics_are_allowed() {
        for topic in [
            "s/ds", "s/e", "s/dc/xid", "s/dd", "s/dt", "s/dcr", "s/dat", "s/ol/x", "error",
        ] {
            assert!(is_subscribable(topic), "{topic}");
        }
        assert!(is_subscribable("devicecontrol/notifications"));
    }
}
