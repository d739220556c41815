//! Fuzz target: the SmartREST decoder on arbitrary bytes.
//!
//! Checks that `records` ends, numbers its errors by row with a column inside the payload, agrees
//! with `decode`, and that every decoded record, encoded again, decodes to the same fields (up to
//! the trailing empty fields and blank rows that encoding drops by design).
#![no_main]

use c8y_mqtt::smartrest::{Record, decode, join_rows, records};
use libfuzzer_sys::fuzz_target;

/// What `record` decodes to after `Record::encode`: trailing empty fields dropped, and nothing for
/// a record without content (all fields empty, which decoding skips).
fn normalized(record: &Record) -> Option<Vec<String>> {
    let fields = record.fields();
    let keep = fields
        .iter()
        .skip(1)
        .rposition(|f| !f.is_empty())
        .map_or(1, |last| last + 2);
    let fields: Vec<String> = fields.iter().take(keep).cloned().collect();
    (!fields.iter().all(String::is_empty)).then_some(fields)
}

fuzz_target!(|data: &[u8]| {
    // Every row takes at least one byte, so there are at most `data.len()` of them.
    let items: Vec<_> = records(data).take(data.len() + 1).collect();
    assert!(
        items.len() <= data.len(),
        "{} rows from {} bytes",
        items.len(),
        data.len()
    );
    for (index, item) in items.iter().enumerate() {
        if let Err(err) = item {
            assert_eq!(err.row, index + 1, "{err}");
            assert!((1..=data.len()).contains(&err.column), "{err}");
        }
    }
    let all: Result<Vec<Record>, _> = items.iter().cloned().collect();
    assert_eq!(decode(data), all);

    let decoded: Vec<Record> = items.into_iter().flatten().collect();
    let expected: Vec<Vec<String>> = decoded.iter().filter_map(normalized).collect();
    // A record that encodes to an empty line is left out: decoding skips blank lines.
    let encoded = join_rows(decoded.iter().map(Record::encode).filter(|row| !row.is_empty()));
    let again = match decode(encoded.as_bytes()) {
        Ok(records) => records,
        Err(err) => panic!("re-encoded {encoded:?} does not decode: {err}"),
    };
    let again_fields: Vec<Vec<String>> = again.iter().map(|r| r.fields().to_vec()).collect();
    assert_eq!(again_fields, expected, "re-encoded {encoded:?}");
    // Encoding what was decoded from our own encoding gives the same text.
    assert_eq!(join_rows(again.iter().map(Record::encode)), encoded);
});
