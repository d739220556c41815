//! Fuzz target: topic and client-id parsing, which the emulator runs on every CONNECT, SUBSCRIBE
//! and PUBLISH.
//!
//! Nothing may panic; an accepted topic renders back to exactly the same string, and an accepted
//! client id renders to a canonical form that parses back to the same value.
#![no_main]

use c8y_mqtt::topic::{ClientId, DownstreamTopic, UpstreamTopic, is_core_topic, is_upstream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(topic) = text.parse::<UpstreamTopic>() {
        assert_eq!(topic.to_string(), text);
        assert!(is_upstream(text), "{text:?}");
    }
    if let Ok(topic) = text.parse::<DownstreamTopic>() {
        assert_eq!(topic.to_string(), text);
        assert!(!is_upstream(text), "{text:?}");
    }
    let _ = is_core_topic(text);
    if let Ok(client_id) = text.parse::<ClientId>() {
        let rendered = client_id.to_string();
        assert_eq!(
            rendered.parse::<ClientId>().as_ref(),
            Ok(&client_id),
            "{rendered:?}"
        );
    }
});
