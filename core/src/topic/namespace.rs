//! Which strings belong to the Cumulocity Core topic namespace and which to its upstream part:
//! [`is_core_topic`] and [`is_upstream`], for brokers and emulators that vet subscriptions.
//!
//! Both take a topic name or a subscription filter. A filter counts when *some* topic it can
//! match (with MQTT's `+` and `#` wildcards) is in the namespace, so `s/us/#`, `+/us` and `#` are
//! all upstream. For a plain topic name (no wildcard levels) the answer is the plain namespace
//! test. Levels are compared exactly; a level that merely contains `+` or `#` is taken literally.

use super::json::JsonResource;

/// A family of topics: fixed levels (each one of a set of words, `None` = any word), then between
/// `min_rest` and `max_rest` (`None` = unbounded) further levels of any text.
struct Shape<'a> {
    fixed: &'a [Option<&'a [&'a str]>],
    min_rest: usize,
    max_rest: Option<usize>,
}

impl Shape<'_> {
    /// Whether `filter`'s levels can match at least one topic of this shape.
    fn may_match(&self, filter: &[&str]) -> bool {
        for (i, allowed) in self.fixed.iter().enumerate() {
            match filter.get(i) {
                None => return false,
                Some(&"#") => return true,
                Some(&"+") => {}
                Some(level) => {
                    if allowed.is_some_and(|words| !words.contains(level)) {
                        return false;
                    }
                }
            }
        }
        let rest = filter.get(self.fixed.len()..).unwrap_or_default();
        match rest.iter().position(|level| *level == "#") {
            // `#` matches zero or more levels: enough levels can always be added.
            Some(before) => self.max_rest.is_none_or(|max| before <= max),
            None => rest.len() >= self.min_rest && self.max_rest.is_none_or(|max| rest.len() <= max),
        }
    }
}

/// Every processing-mode level.
const MODES: &[&str] = &["s", "t", "q", "c"];
/// The mode levels a JSON topic may start with (persistent has no prefix).
const JSON_MODES: &[&str] = &["t", "q", "c"];
/// Every upstream [`TopicType`](super::TopicType) level.
const UPSTREAM_TYPES: &[&str] = &["us", "uc", "ud", "ut", "ucr", "uat", "ul"];

/// `<mode>/<upstream type>[/…]`.
const SMARTREST_UPSTREAM: Shape<'static> = Shape {
    fixed: &[Some(MODES), Some(UPSTREAM_TYPES)],
    min_rest: 0,
    max_rest: None,
};

/// `<mode>/…`: the SmartREST half of the Core namespace.
const SMARTREST_CORE: Shape<'static> = Shape {
    fixed: &[Some(MODES)],
    min_rest: 1,
    max_rest: None,
};

/// The JSON downstream topics, which are exact names.
const JSON_DOWNSTREAM: [Shape<'static>; 3] = [
    Shape {
        fixed: &[Some(&["error"])],
        min_rest: 0,
        max_rest: Some(0),
    },
    Shape {
        fixed: &[Some(&["devicecontrol"]), Some(&["notifications"])],
        min_rest: 0,
        max_rest: Some(0),
    },
    Shape {
        fixed: &[Some(&["notification"]), Some(&["operations"])],
        min_rest: 0,
        max_rest: Some(0),
    },
];

fn levels(filter: &str) -> Vec<&str> {
    filter.split('/').collect()
}

/// Whether the JSON via MQTT namespace `[<t|q|c>/]<api>/<resource>/…` can match `filter`.
fn json_namespace(filter: &[&str]) -> bool {
    JsonResource::ALL.into_iter().any(|resource| {
        let api = [resource.api()];
        let name = [resource.resource()];
        let plain = Shape {
            fixed: &[Some(&api), Some(&name)],
            min_rest: 1,
            max_rest: None,
        };
        let with_mode = Shape {
            fixed: &[Some(JSON_MODES), Some(&api), Some(&name)],
            min_rest: 1,
            max_rest: None,
        };
        plain.may_match(filter) || with_mode.may_match(filter)
    })
}

/// Whether `topic` (a name or a filter, see the [module docs](self)) is, or can match, a topic
/// devices publish to: `<mode>/<us|uc|ud|ut|ucr|uat|ul>[/…]` or a JSON via MQTT topic
/// `[<t|q|c>/]<api>/<resource>/…`. The platform refuses subscriptions to these
/// (docs/protocol.md §1.6).
///
/// ```
/// use c8y_mqtt::topic::is_upstream;
/// assert!(is_upstream("s/us"));
/// assert!(is_upstream("t/uc/myCommon_10/child1"));
/// assert!(is_upstream("measurement/measurements/create"));
/// assert!(is_upstream("s/us/#"));
/// assert!(is_upstream("#"));
/// assert!(!is_upstream("s/ds"));
/// assert!(!is_upstream("devicecontrol/notifications"));
/// ```
pub fn is_upstream(topic: &str) -> bool {
    let filter = levels(topic);
    SMARTREST_UPSTREAM.may_match(&filter) || json_namespace(&filter)
}

/// Whether `topic` (a name or a filter, see the [module docs](self)) is, or can match, a topic of
/// the Cumulocity Core namespace: anything starting with `s/`, `t/`, `q/`, `c/`, `alarm/alarms/`,
/// `event/events/`, `measurement/measurements/` or `inventory/managedObjects/`, and exactly
/// `error`, `devicecontrol/notifications` and its older name `notification/operations`
/// (docs/protocol.md §2.2).
///
/// ```
/// use c8y_mqtt::topic::is_core_topic;
/// assert!(is_core_topic("s/e"));
/// assert!(is_core_topic("event/events/create"));
/// assert!(is_core_topic("error"));
/// assert!(!is_core_topic("error/x"));
/// assert!(!is_core_topic("tedge/measurements"));
/// ```
pub fn is_core_topic(topic: &str) -> bool {
    let filter = levels(topic);
    SMARTREST_CORE.may_match(&filter)
        || json_namespace(&filter)
        || JSON_DOWNSTREAM.iter().any(|shape| shape.may_match(&filter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topic::{Direction, ProcessingMode, TopicType};

    #[test]
    fn level_lists_follow_the_types() {
        assert_eq!(MODES, ProcessingMode::ALL.map(ProcessingMode::as_str));
        assert_eq!(JSON_MODES, &MODES[1..]);
        let upstream: Vec<_> = TopicType::ALL
            .into_iter()
            .filter(|t| t.direction() == Direction::Upstream)
            .map(TopicType::as_str)
            .collect();
        assert_eq!(UPSTREAM_TYPES, upstream);
    }

    #[test]
    fn upstream_names() {
        for topic in [
            "s/us",
            "t/us",
            "q/us/child1",
            "c/us/child1/child2",
            "s/uc/myCommon_10",
            "s/uc/myCommon_10/child1",
            "s/ud",
            "s/ut/myCommon_10",
            "s/ucr",
            "s/uat",
            "s/ul/com.acme.gw801-v1",
            "measurement/measurements/create",
            "t/measurement/measurements/createBulk",
            "inventory/managedObjects/update/main:device:child01",
            "event/events/delete/123",
            "alarm/alarms/anything",
            // In the upstream namespace although not valid topics.
            "t/ut/x",
            "s/uc",
        ] {
            assert!(is_upstream(topic), "{topic}");
            assert!(is_core_topic(topic), "{topic}");
        }
    }

    #[test]
    fn downstream_and_foreign_names_are_not_upstream() {
        for topic in [
            "s/ds",
            "s/dc/myCommon_10",
            "s/dd",
            "s/dt",
            "s/dcr",
            "s/dat",
            "s/e",
            "s/dl/x",
            "s/ol/x",
            "error",
            "devicecontrol/notifications",
            "notification/operations",
            "s/usx",
            "x/us",
            "s",
            "",
            "event/events",
            "s/measurement/measurements/create",
            "tedge/measurements",
        ] {
            assert!(!is_upstream(topic), "{topic}");
        }
    }

    #[test]
    fn filters_that_can_match_upstream_topics() {
        for filter in [
            "#",
            "+/#",
            "s/#",
            "+/us",
            "s/+",
            "s/us/#",
            "t/uc/+",
            "+/+",
            "+/+/+/+",
            "event/#",
            "+/events/create",
            "t/+/+/create",
            "measurement/measurements/+/#",
        ] {
            assert!(is_upstream(filter), "{filter}");
        }
        for filter in [
            "+",
            "s/ds/#",
            "+/ds",
            "error/#",
            "devicecontrol/+",
            "event/alarms/#",
            "x/#",
        ] {
            assert!(!is_upstream(filter), "{filter}");
        }
    }

    #[test]
    fn core_namespace() {
        for topic in [
            "s/ds",
            "s/x",
            "t/",
            "error",
            "devicecontrol/notifications",
            "notification/operations",
        ] {
            assert!(is_core_topic(topic), "{topic}");
        }
        for topic in [
            "",
            "s",
            "errors",
            "error/x",
            "devicecontrol/notifications/x",
            "devicecontrol",
            "event/events",
            "tedge/measurements",
            "x/us",
        ] {
            assert!(!is_core_topic(topic), "{topic}");
        }
        for filter in ["#", "+", "error/#", "devicecontrol/+", "+/notifications", "s/#"] {
            assert!(is_core_topic(filter), "{filter}");
        }
        for filter in ["tedge/#", "x/y/z", "x/+"] {
            assert!(!is_core_topic(filter), "{filter}");
        }
    }
}
