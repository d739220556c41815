//! Reading the values of a decoded row into types, with errors that name the field.
//!
//! Every typed parser (static templates both ways, SmartREST 2.0 definitions, the emulator's
//! validation) reads fields through [`FieldReader`], so missing mandatory fields, bad numbers and
//! bad dates are reported the same way everywhere. The error texts follow SmartREST's own
//! (`Value is not a NUMBER: abc`), so the emulator can put them on `s/e` as they are.

use std::fmt;
use std::str::FromStr;

use super::decode::Record;
use crate::value::{Number, Timestamp};

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldErrorKind {
    /// A mandatory field is absent or empty.
    Missing,
    /// The text is not of the field's type.
    Invalid {
        /// The type that was expected (`NUMBER`, `DATE`, `INTEGER`, …).
        expected: &'static str,
        /// The text found.
        value: String,
    },
    /// Values are left after the last field the template knows.
    Unexpected {
        /// How many values are left.
        count: usize,
    },
}

/// A field of a row that does not fit its template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// 1-based position of the field in the row (the message id is field 0).
    pub position: usize,
    /// The field's name in docs/protocol.md (`fragment`, `value`, `time`, …).
    pub name: &'static str,
    /// What is wrong.
    pub kind: FieldErrorKind,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FieldErrorKind::Missing => {
                write!(
                    f,
                    "Missing mandatory field {} (field {})",
                    self.name, self.position
                )
            }
            FieldErrorKind::Invalid { expected, value } => write!(
                f,
                "Value is not a {expected}: {value} ({} at field {})",
                self.name, self.position
            ),
            FieldErrorKind::Unexpected { count } => write!(
                f,
                "Wrong number of arguments: {count} unexpected from field {}",
                self.position
            ),
        }
    }
}

/// An `i64` written as SmartREST writes integers: no `+` sign (which `i64::from_str` would take).
struct Integer(i64);

impl FromStr for Integer {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with('+') {
            return Err(());
        }
        s.parse().map(Integer).map_err(|_| ())
    }
}

/// Reads the values of a row (the fields after the message id) one by one.
///
/// ```
/// use c8y_mqtt::smartrest::{decode, FieldReader};
/// let rows = decode(b"200,c8y_Temperature,T,25.3,C").unwrap();
/// let mut r = FieldReader::new(&rows[0]);
/// assert_eq!(r.required("fragment").unwrap(), "c8y_Temperature");
/// assert_eq!(r.required("series").unwrap(), "T");
/// assert_eq!(r.required_number("value").unwrap().as_str(), "25.3");
/// assert_eq!(r.optional(), Some("C"));
/// assert!(r.optional_time("time").unwrap().is_none());
/// r.finish().unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct FieldReader<'a> {
    values: &'a [String],
    next: usize,
}

impl<'a> FieldReader<'a> {
    /// Reads the values of `record` (its id is skipped).
    pub fn new(record: &'a Record) -> Self {
        Self::from_values(record.values())
    }

    /// Reads `values`, the fields after a message id.
    pub fn from_values(values: &'a [String]) -> Self {
        Self { values, next: 0 }
    }

    /// 1-based position, in the row, of the next field to read.
    pub fn position(&self) -> usize {
        self.next + 1
    }

    /// The number of values not read yet.
    pub fn remaining(&self) -> usize {
        self.values.len().saturating_sub(self.next)
    }

    /// True when a non-empty value is left.
    pub fn has_more(&self) -> bool {
        self.values
            .get(self.next..)
            .is_some_and(|rest| rest.iter().any(|v| !v.is_empty()))
    }

    fn take(&mut self) -> Option<&'a str> {
        let value = self.values.get(self.next).map(String::as_str);
        self.next += 1;
        value
    }

    fn error(&self, name: &'static str, kind: FieldErrorKind) -> FieldError {
        FieldError {
            position: self.next,
            name,
            kind,
        }
    }

    /// The next value, which must be present and not empty.
    pub fn required(&mut self, name: &'static str) -> Result<&'a str, FieldError> {
        match self.take() {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(self.error(name, FieldErrorKind::Missing)),
        }
    }

    /// The next value; `None` when absent or empty.
    pub fn optional(&mut self) -> Option<&'a str> {
        self.take().filter(|v| !v.is_empty())
    }

    /// The next value as it is (`""` when absent): for fields where empty is a value.
    pub fn raw(&mut self) -> &'a str {
        self.take().unwrap_or("")
    }

    /// The next value, mandatory, parsed with `FromStr`; `expected` names the type in errors.
    pub fn required_parsed<T: FromStr>(
        &mut self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<T, FieldError> {
        let text = self.required(name)?;
        text.parse().map_err(|_| {
            self.error(
                name,
                FieldErrorKind::Invalid {
                    expected,
                    value: text.to_owned(),
                },
            )
        })
    }

    /// The next value, optional, parsed with `FromStr`; `expected` names the type in errors.
    pub fn optional_parsed<T: FromStr>(
        &mut self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<Option<T>, FieldError> {
        match self.optional() {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                self.error(
                    name,
                    FieldErrorKind::Invalid {
                        expected,
                        value: text.to_owned(),
                    },
                )
            }),
        }
    }

    /// A mandatory number.
    pub fn required_number(&mut self, name: &'static str) -> Result<Number, FieldError> {
        self.required_parsed(name, "NUMBER")
    }

    /// An optional number.
    pub fn optional_number(&mut self, name: &'static str) -> Result<Option<Number>, FieldError> {
        self.optional_parsed(name, "NUMBER")
    }

    /// A mandatory integer (decimal digits with an optional `-`, like [`Number`]: no `+`).
    pub fn required_integer(&mut self, name: &'static str) -> Result<i64, FieldError> {
        self.required_parsed::<Integer>(name, "INTEGER").map(|i| i.0)
    }

    /// An optional integer (decimal digits with an optional `-`, like [`Number`]: no `+`).
    pub fn optional_integer(&mut self, name: &'static str) -> Result<Option<i64>, FieldError> {
        Ok(self.optional_parsed::<Integer>(name, "INTEGER")?.map(|i| i.0))
    }

    /// A mandatory ISO-8601 date-time.
    pub fn required_time(&mut self, name: &'static str) -> Result<Timestamp, FieldError> {
        self.required_parsed(name, "DATE")
    }

    /// An optional ISO-8601 date-time.
    pub fn optional_time(&mut self, name: &'static str) -> Result<Option<Timestamp>, FieldError> {
        self.optional_parsed(name, "DATE")
    }

    /// A mandatory `true`/`false`.
    pub fn required_bool(&mut self, name: &'static str) -> Result<bool, FieldError> {
        self.required_parsed(name, "BOOLEAN")
    }

    /// An optional `true`/`false`.
    pub fn optional_bool(&mut self, name: &'static str) -> Result<Option<bool>, FieldError> {
        self.optional_parsed(name, "BOOLEAN")
    }

    /// All values not read yet (possibly none); the reader is then at the end.
    pub fn rest(&mut self) -> &'a [String] {
        let rest = self.values.get(self.next..).unwrap_or(&[]);
        self.next = self.values.len().max(self.next);
        rest
    }

    /// Succeeds when no non-empty value is left unread (trailing empty fields are fine).
    pub fn finish(self) -> Result<(), FieldError> {
        if self.has_more() {
            // Count up to the last non-empty value: trailing empty fields are not arguments.
            let rest = self.values.get(self.next..).unwrap_or(&[]);
            let count = rest
                .iter()
                .rposition(|v| !v.is_empty())
                .map_or(0, |last| last + 1);
            Err(FieldError {
                position: self.next + 1,
                name: "",
                kind: FieldErrorKind::Unexpected { count },
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::decode;

    fn record(text: &str) -> Record {
        decode(text.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn missing_and_empty_mandatory_fields() {
        let r = record("301,,text");
        let mut f = FieldReader::new(&r);
        let err = f.required("type").unwrap_err();
        assert_eq!(
            err,
            FieldError {
                position: 1,
                name: "type",
                kind: FieldErrorKind::Missing
            }
        );
        assert_eq!(err.to_string(), "Missing mandatory field type (field 1)");
        let r = record("211");
        let err = FieldReader::new(&r).required_number("value").unwrap_err();
        assert_eq!(err.position, 1);
    }

    #[test]
    fn invalid_values_name_type_and_text() {
        let r = record("211,hot,yesterday");
        let mut f = FieldReader::new(&r);
        let err = f.required_number("value").unwrap_err();
        assert_eq!(err.to_string(), "Value is not a NUMBER: hot (value at field 1)");
        let err = f.optional_time("time").unwrap_err();
        assert_eq!(
            err.kind,
            FieldErrorKind::Invalid {
                expected: "DATE",
                value: "yesterday".into()
            }
        );
        assert_eq!(err.position, 2);
    }

    #[test]
    fn typed_reads() {
        let r = record("x,42,,true,2022-03-19T12:03:27.845Z,a,b");
        let mut f = FieldReader::new(&r);
        assert_eq!(f.required_integer("i").unwrap(), 42);
        assert_eq!(f.optional_integer("j").unwrap(), None);
        assert!(f.required_bool("b").unwrap());
        assert!(f.optional_time("t").unwrap().is_some());
        assert_eq!(f.position(), 5);
        assert_eq!(f.rest(), ["a", "b"]);
        assert_eq!(f.rest(), [] as [String; 0]);
        f.finish().unwrap();
    }

    #[test]
    fn extra_values_are_reported_but_trailing_empties_are_fine() {
        let r = record("125,,");
        FieldReader::new(&r).finish().unwrap();
        let r = record("125,x");
        let err = FieldReader::new(&r).finish().unwrap_err();
        assert_eq!(err.kind, FieldErrorKind::Unexpected { count: 1 });
        let r = record("125,,x,,");
        let err = FieldReader::new(&r).finish().unwrap_err();
        assert_eq!(err.kind, FieldErrorKind::Unexpected { count: 2 });
        assert_eq!(
            err.to_string(),
            "Wrong number of arguments: 2 unexpected from field 1"
        );
    }

    #[test]
    fn integers_take_no_plus_sign() {
        let r = record("117,+5,-5,5.0");
        let mut f = FieldReader::new(&r);
        assert!(matches!(
            f.required_integer("interval").unwrap_err().kind,
            FieldErrorKind::Invalid {
                expected: "INTEGER",
                ..
            }
        ));
        assert_eq!(f.optional_integer("x").unwrap(), Some(-5));
        assert!(f.required_integer("y").is_err());
    }

    #[test]
    fn raw_keeps_empty_values() {
        let r = record("10,999,,x");
        let mut f = FieldReader::new(&r);
        assert_eq!(f.raw(), "999");
        assert_eq!(f.raw(), "");
        assert_eq!(f.raw(), "x");
        assert_eq!(f.raw(), "");
    }
}
