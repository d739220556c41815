//! Helpers shared by the upstream templates' unit tests.

use crate::smartrest::{Record, decode};
use crate::templates::UpstreamTemplate;
use crate::value::{Number, Timestamp};

/// The single row of `line`.
pub(super) fn record(line: &str) -> Record {
    decode(line.as_bytes()).unwrap().remove(0)
}

/// Asserts that `value` renders exactly `line` and that `line` parses back to `value`.
pub(super) fn round_trip<T: UpstreamTemplate + std::fmt::Debug + PartialEq>(value: &T, line: &str) {
    assert_eq!(value.to_row(), line);
    assert_eq!(&T::from_record(&record(line)).unwrap(), value, "{line}");
}

/// A number from its text.
pub(super) fn number(text: &str) -> Number {
    text.parse().unwrap()
}

/// A timestamp from its text.
pub(super) fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}
