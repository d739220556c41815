//! Fuzz target: SmartREST 2.0 collection definitions (`TemplateCollection::parse`, what the
//! emulator runs on `s/ut/<X-ID>`) and use lines read against their templates.
//!
//! The input is split at its first 0xFF byte: before it a collection payload, after it use lines.
//! Nothing may panic; a collection that parses renders a creation payload that parses back to the
//! same collection.
#![no_main]

use c8y_mqtt::QoS;
use c8y_mqtt::smartrest::records;
use c8y_mqtt::smartrest2::TemplateCollection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (definition, uses) = match data.iter().position(|&b| b == 0xFF) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(collection) = TemplateCollection::parse("fuzz", definition) else {
        return;
    };
    if let Ok(payload) = collection.creation_payload(QoS::AtLeastOnce) {
        let again = TemplateCollection::parse("fuzz", payload.as_bytes());
        assert_eq!(again.as_ref(), Ok(&collection), "{payload:?}");
    }
    for record in records(uses).flatten() {
        for template in collection.requests() {
            let _ = template.read_use_line(&record);
        }
    }
});
