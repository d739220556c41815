//! Fuzz target: the downstream parsers of every channel (`s/ds`, `s/dcr`, `s/dat`, `s/dt`, `s/e`)
//! on arbitrary payloads.
//!
//! No parser may panic, every row of the payload yields exactly one result, and every line that
//! parses renders (through the codec, in the platform's quote style) to a row that parses back to
//! the same typed value.
#![no_main]

use std::fmt::Debug;

use c8y_mqtt::smartrest::{decode, records_platform, with_backslash_escapes};
use c8y_mqtt::templates::downstream::{
    AccessToken, Credentials, DownstreamLine, ErrorLine, StaticDownstream, TemplateStatus, parse_payload,
};
use libfuzzer_sys::fuzz_target;

fn check<T: DownstreamLine + Debug + PartialEq>(data: &[u8]) {
    let results = parse_payload::<T>(data);
    assert_eq!(results.len(), records_platform(data).count());
    for line in results.into_iter().flatten() {
        // Rendered as the emulator sends it: our rows in the platform's `\"` style. A field
        // ending in a backslash has no platform escape, so such lines are not compared.
        let row = line.to_row();
        let carried = decode(row.as_bytes())
            .is_ok_and(|rows| rows.iter().all(|r| r.fields().iter().all(|f| !f.ends_with('\\'))));
        if !carried {
            continue;
        }
        let row = with_backslash_escapes(&row);
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
