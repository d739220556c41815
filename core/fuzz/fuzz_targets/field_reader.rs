//! Fuzz target: typed reads with `FieldReader` on whatever `records` decodes.
//!
//! Every value of every decoded record is read as each type the templates use. No read may
//! panic, a successful read keeps the text, and an error names the field's 1-based position.
#![no_main]

use c8y_mqtt::smartrest::{FieldError, FieldErrorKind, FieldReader, Record, records};
use c8y_mqtt::value::Severity;
use libfuzzer_sys::fuzz_target;

/// Reads every value of `record` with `read`, checking what each outcome says about the text.
fn read_all<'a, T>(
    record: &'a Record,
    read: impl Fn(&mut FieldReader<'a>) -> Result<Option<T>, FieldError>,
    render: impl Fn(&T) -> String,
    keeps_text: bool,
) {
    let mut reader = FieldReader::new(record);
    for (index, text) in record.values().iter().enumerate() {
        assert_eq!(reader.position(), index + 1);
        match read(&mut reader) {
            Ok(Some(value)) => {
                assert!(!text.is_empty());
                if keeps_text {
                    assert_eq!(&render(&value), text);
                }
            }
            Ok(None) => assert!(text.is_empty()),
            Err(err) => {
                assert_eq!(err.position, index + 1, "{err}");
                match &err.kind {
                    FieldErrorKind::Missing => assert!(text.is_empty()),
                    FieldErrorKind::Invalid { value, .. } => assert_eq!(value, text),
                    other => panic!("unexpected error kind {other:?}"),
                }
                let _ = err.to_string();
            }
        }
    }
    // Past the end: mandatory reads report a missing field, optional reads give nothing.
    assert!(!reader.has_more());
    assert_eq!(reader.remaining(), 0);
    assert!(matches!(read(&mut reader), Ok(None) | Err(_)));
    assert!(reader.finish().is_ok());
}

/// Adapts a mandatory read to the shape of an optional one.
fn required<'a, T>(
    r: &mut FieldReader<'a>,
    f: impl Fn(&mut FieldReader<'a>) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    f(r).map(Some)
}

fuzz_target!(|data: &[u8]| {
    for record in records(data).flatten() {
        read_all(
            &record,
            |r| required(r, |r| r.required("text")),
            |v| v.to_string(),
            true,
        );
        read_all(&record, |r| Ok(r.optional()), |v| v.to_string(), true);
        read_all(
            &record,
            |r| Ok(Some(r.raw()).filter(|v| !v.is_empty())),
            |v| v.to_string(),
            true,
        );
        read_all(
            &record,
            |r| required(r, |r| r.required_number("value")),
            |v| v.to_string(),
            true,
        );
        read_all(&record, |r| r.optional_number("value"), |v| v.to_string(), true);
        read_all(
            &record,
            |r| required(r, |r| r.required_integer("count")),
            |v| v.to_string(),
            false,
        );
        read_all(&record, |r| r.optional_integer("count"), |v| v.to_string(), false);
        read_all(
            &record,
            |r| required(r, |r| r.required_time("time")),
            |v| v.to_string(),
            true,
        );
        read_all(&record, |r| r.optional_time("time"), |v| v.to_string(), true);
        read_all(
            &record,
            |r| required(r, |r| r.required_bool("flag")),
            |v| v.to_string(),
            true,
        );
        read_all(&record, |r| r.optional_bool("flag"), |v| v.to_string(), true);
        read_all(
            &record,
            |r| r.optional_parsed::<Severity>("severity", "SEVERITY"),
            |v| v.to_string(),
            false,
        );

        // Reading only a part leaves the rest to `rest` and `finish`.
        let mut reader = FieldReader::new(&record);
        let _ = reader.optional();
        let unread = reader.remaining();
        let strict = reader.clone().finish();
        assert_eq!(strict.is_err(), reader.has_more());
        if let Err(err) = strict {
            // Leftover arguments are counted up to the last non-empty value.
            let rest = record.values().get(1..).unwrap_or(&[]);
            let count = rest
                .iter()
                .rposition(|v| !v.is_empty())
                .map_or(0, |last| last + 1);
            assert_eq!(err.kind, FieldErrorKind::Unexpected { count });
            let _ = err.to_string();
        }
        assert_eq!(reader.rest().len(), unread);
        assert_eq!(reader.remaining(), 0);
        assert!(reader.finish().is_ok());
    }
});
