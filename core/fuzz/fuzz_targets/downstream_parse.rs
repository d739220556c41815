//! Fuzz target: the downstream parsers of every channel (`s/ds`, `s/dcr`, `s/dat`, `s/dt`, `s/e`)
//! on arbitrary payloads.
//!
//! No parser may panic, every row of the payload yields exactly one result, and every line that
//! parses renders (through the codec) to a row that parses back to the same typed value.
#![no_main]

use std::fmt::Debug;

use c8y_mqtt::smartrest::records;
use c8y_mqtt::templates::downstream::{
    AccessToken, Credentials, DownstreamLine, ErrorLine, StaticDownstream, TemplateStatus, parse_payload,
};
use libfuzzer_sys::fuzz_target;

fn check<T: DownstreamLine + Debug + PartialEq>(data: &[u8]) {
    let results = parse_payload::<T>(data);
    assert_eq!(results.len(), records(data).count());
    for line in results.into_iter().flatten() {
        let row = line.to_row();
        let again = parse_payload::<T>(row.as_bytes());
        assert_eq!(again.len(), 1, "{row:?} from {line:?}");
        assert_eq!(again.into_iter().next(), Some(Ok(line)), "{row:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    check::<StaticDownstream>(data);
    check::<Credentials>(data);
    check::<AccessToken>(data);
    check::<TemplateStatus>(data);
    check::<ErrorLine>(data);
});
