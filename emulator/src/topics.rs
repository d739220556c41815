//! Topic classification for the subscription rules of the MQTT layer (reference §1.6, §2.2).
//!
//! This is the ONLY place the emulator classifies topics; at merge time it is meant to be swapped
//! for the typed topics of `c8y_mqtt::topic`.
//!
//! Devices must not subscribe to upstream topics (the ones devices publish to). Wildcards are not
//! documented for the Core endpoint; a filter containing `+` or `#` is refused as well.

/// Whether a device may subscribe to `filter`: false for upstream topics and wildcard filters.
pub fn is_subscribable(filter: &str) -> bool {
    !filter.is_empty() && !filter.contains(['+', '#']) && !is_upstream(filter)
}

/// Whether `topic` is one devices publish to (upstream), in any processing mode (`s/`, `t/`, `q/`,
/// `c/`): SmartREST static `us`, SR2 `uc`/`ud`/`ut`, SR1 `ul`, bootstrap `ucr`, JWT `uat`, and the
/// JSON-via-MQTT `<api>/<resource>/<action>` topics.
pub fn is_upstream(topic: &str) -> bool {
    let mut levels = topic.split('/');
    let first = levels.next().unwrap_or_default();
    let second = levels.next();
    match (first, second) {
        ("s" | "t" | "q" | "c", Some(channel)) => {
            matches!(channel, "us" | "uc" | "ud" | "ut" | "ul" | "ucr" | "uat")
        }
        ("inventory" | "measurement" | "event" | "alarm" | "devicecontrol", Some(_)) => {
            // JSON via MQTT: everything except the operations notification channel is upstream.
            topic != "devicecontrol/notifications"
        }
        _ => false,
    }
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
