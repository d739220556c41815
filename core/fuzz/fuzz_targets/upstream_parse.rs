//! Fuzz target: the upstream template parser (`Upstream::parse`), which the emulator runs on every
//! row a device publishes.
//!
//! No parse may panic; a row that parses renders to a row that parses back to the same template,
//! and splitting it into packets never panics and keeps every packet within the limit.
#![no_main]

use c8y_mqtt::QoS;
use c8y_mqtt::smartrest::{check_packet_size, decode, records};
use c8y_mqtt::templates::upstream::Upstream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for record in records(data).flatten() {
        let Ok(template) = Upstream::parse(&record) else {
            continue;
        };
        let row = template.to_row();
        let again = decode(row.as_bytes()).expect("rendered rows decode");
        assert_eq!(again.len(), 1, "{row:?}");
        assert_eq!(Upstream::parse(&again[0]).as_ref(), Ok(&template), "{row:?}");
        if let Ok(payloads) = template.to_payloads("s/us", QoS::AtLeastOnce) {
            for payload in payloads {
                assert!(check_packet_size("s/us", payload.len(), QoS::AtLeastOnce).is_ok());
            }
        }
    }
});
