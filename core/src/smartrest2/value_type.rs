//! The value types of SmartREST 2.0 template columns (`STRING`, `NUMBER`, `DATE`, …) and the
//! typed values a use line carries for them.
//!
//! `ARRAY` and `OBJECTARRAY` exist in the platform's internal enumeration but are hidden from the
//! template editor and only describe static templates (docs/protocol.md §7.5). A custom template cannot
//! use them, so they are not [`ValueType`]s: parsing them gives
//! [`ValueTypeError::StaticOnly`], a more precise fault than an unknown word.

use std::fmt;
use std::str::FromStr;

use crate::value::{AlarmStatus, Number, OperationStatus, Severity, Timestamp};

/// The type of a template column, which decides how its value is checked at use time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// Any text, not checked.
    String,
    /// An ISO-8601 date-time; empty at use time means the server's time.
    Date,
    /// An integer or decimal number.
    Number,
    /// An integer (optional `-`, digits).
    Integer,
    /// A non-negative integer (digits only).
    Unsigned,
    /// An empty object (`{}`, e.g. `c8y_IsDevice`): the template sets it, no value is sent.
    Flag,
    /// An alarm severity (`CRITICAL`, `MAJOR`, `MINOR`, `WARNING`).
    Severity,
    /// An alarm status (`ACTIVE`, `ACKNOWLEDGED`, `CLEARED`).
    AlarmStatus,
    /// An operation status (`PENDING`, `EXECUTING`, `SUCCESSFUL`, `FAILED`).
    OperationStatus,
}

/// A word that is not a [`ValueType`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueTypeError {
    /// The word names no value type.
    #[error("unknown value type {0:?}")]
    Unknown(String),
    /// `ARRAY` or `OBJECTARRAY`: types of static templates only, not allowed in a collection.
    #[error("value type {0} is only used by static templates")]
    StaticOnly(String),
}

impl ValueType {
    /// Every value type, in the platform's order.
    pub const ALL: &'static [ValueType] = &[
        Self::String,
        Self::Date,
        Self::Number,
        Self::Integer,
        Self::Unsigned,
        Self::Flag,
        Self::Severity,
        Self::AlarmStatus,
        Self::OperationStatus,
    ];

    /// The word as templates write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "STRING",
            Self::Date => "DATE",
            Self::Number => "NUMBER",
            Self::Integer => "INTEGER",
            Self::Unsigned => "UNSIGNED",
            Self::Flag => "FLAG",
            Self::Severity => "SEVERITY",
            Self::AlarmStatus => "ALARMSTATUS",
            Self::OperationStatus => "OPERATIONSTATUS",
        }
    }

    /// True when a column of this type takes a value; a `FLAG` never does.
    pub fn takes_value(self) -> bool {
        self != Self::Flag
    }

    /// Checks a non-empty `text` against the type and returns it typed. `None` when the text is
    /// not a value of this type (every text is for `STRING`; none is for `FLAG`).
    pub fn parse_value(self, text: &str) -> Option<UseValue> {
        match self {
            Self::String => Some(UseValue::Text(text.to_owned())),
            Self::Date => text.parse().ok().map(UseValue::Date),
            Self::Number => text.parse().ok().map(UseValue::Number),
            Self::Integer => {
                let digits = text.strip_prefix('-').unwrap_or(text);
                all_digits(digits)
                    .then(|| text.parse().ok())
                    .flatten()
                    .map(UseValue::Integer)
            }
            Self::Unsigned => all_digits(text)
                .then(|| text.parse().ok())
                .flatten()
                .map(UseValue::Unsigned),
            Self::Flag => None,
            Self::Severity => text.parse().ok().map(UseValue::Severity),
            Self::AlarmStatus => text.parse().ok().map(UseValue::AlarmStatus),
            Self::OperationStatus => text.parse().ok().map(UseValue::OperationStatus),
        }
    }
}

/// True for a non-empty run of ASCII digits (no sign, no spaces).
fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

impl FromStr for ValueType {
    type Err = ValueTypeError;

    /// Accepts the word in any letter case (the documented words are upper case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(t) = Self::ALL.iter().find(|t| s.eq_ignore_ascii_case(t.as_str())) {
            return Ok(*t);
        }
        if s.eq_ignore_ascii_case("ARRAY") || s.eq_ignore_ascii_case("OBJECTARRAY") {
            return Err(ValueTypeError::StaticOnly(s.to_ascii_uppercase()));
        }
        Err(ValueTypeError::Unknown(s.to_owned()))
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked value of a template column, as read from a use line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UseValue {
    /// A `STRING` value.
    Text(String),
    /// A `DATE` value.
    Date(Timestamp),
    /// A `NUMBER` value, exactly as written.
    Number(Number),
    /// An `INTEGER` value.
    Integer(i64),
    /// An `UNSIGNED` value.
    Unsigned(u64),
    /// A `SEVERITY` value.
    Severity(Severity),
    /// An `ALARMSTATUS` value.
    AlarmStatus(AlarmStatus),
    /// An `OPERATIONSTATUS` value.
    OperationStatus(OperationStatus),
}

impl UseValue {
    /// The type this value belongs to.
    pub fn value_type(&self) -> ValueType {
        match self {
            Self::Text(_) => ValueType::String,
            Self::Date(_) => ValueType::Date,
            Self::Number(_) => ValueType::Number,
            Self::Integer(_) => ValueType::Integer,
            Self::Unsigned(_) => ValueType::Unsigned,
            Self::Severity(_) => ValueType::Severity,
            Self::AlarmStatus(_) => ValueType::AlarmStatus,
            Self::OperationStatus(_) => ValueType::OperationStatus,
        }
    }
}

impl fmt::Display for UseValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(v) => f.write_str(v),
            Self::Date(v) => v.fmt(f),
            Self::Number(v) => v.fmt(f),
            Self::Integer(v) => v.fmt(f),
            Self::Unsigned(v) => v.fmt(f),
            Self::Severity(v) => v.fmt(f),
            Self::AlarmStatus(v) => v.fmt(f),
            Self::OperationStatus(v) => v.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_in_any_case() {
        for t in ValueType::ALL {
            assert_eq!(t.as_str().parse::<ValueType>(), Ok(*t));
            assert_eq!(t.as_str().to_lowercase().parse::<ValueType>(), Ok(*t));
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(ValueType::ALL.len(), 9);
    }

    #[test]
    fn static_only_and_unknown_types_are_told_apart() {
        assert_eq!(
            "ARRAY".parse::<ValueType>(),
            Err(ValueTypeError::StaticOnly("ARRAY".into()))
        );
        assert_eq!(
            "objectArray".parse::<ValueType>(),
            Err(ValueTypeError::StaticOnly("OBJECTARRAY".into()))
        );
        assert_eq!(
            "BOOLEAN".parse::<ValueType>(),
            Err(ValueTypeError::Unknown("BOOLEAN".into()))
        );
        assert_eq!("".parse::<ValueType>(), Err(ValueTypeError::Unknown("".into())));
        assert_eq!(
            ValueTypeError::StaticOnly("ARRAY".into()).to_string(),
            "value type ARRAY is only used by static templates"
        );
    }

    #[test]
    fn values_are_checked_by_type() {
        use ValueType as T;
        assert_eq!(T::String.parse_value("a, b"), Some(UseValue::Text("a, b".into())));
        assert_eq!(
            T::Number.parse_value("25.50").map(|v| v.to_string()),
            Some("25.50".into())
        );
        assert_eq!(T::Number.parse_value("abc"), None);
        assert_eq!(T::Integer.parse_value("-42"), Some(UseValue::Integer(-42)));
        assert_eq!(T::Integer.parse_value("+42"), None);
        assert_eq!(T::Integer.parse_value("4.2"), None);
        assert_eq!(T::Integer.parse_value("-"), None);
        assert_eq!(T::Integer.parse_value("99999999999999999999"), None);
        assert_eq!(T::Unsigned.parse_value("42"), Some(UseValue::Unsigned(42)));
        assert_eq!(T::Unsigned.parse_value("-1"), None);
        assert_eq!(T::Unsigned.parse_value("+1"), None);
        assert_eq!(
            T::Date
                .parse_value("2016-06-22T17:03:14.000+02:00")
                .map(|v| v.to_string()),
            Some("2016-06-22T17:03:14.000+02:00".into())
        );
        assert_eq!(T::Date.parse_value("yesterday"), None);
        assert_eq!(
            T::Severity.parse_value("major"),
            Some(UseValue::Severity(Severity::Major))
        );
        assert_eq!(T::Severity.parse_value("HIGH"), None);
        assert_eq!(
            T::AlarmStatus.parse_value("CLEARED"),
            Some(UseValue::AlarmStatus(AlarmStatus::Cleared))
        );
        assert_eq!(T::AlarmStatus.parse_value("SUCCESSFUL"), None);
        assert_eq!(
            T::OperationStatus.parse_value("SUCCESSFUL"),
            Some(UseValue::OperationStatus(OperationStatus::Successful))
        );
        assert_eq!(T::OperationStatus.parse_value("CLEARED"), None);
        assert_eq!(T::Flag.parse_value("x"), None);
        assert!(!T::Flag.takes_value());
        assert!(T::String.takes_value());
    }

    #[test]
    fn typed_values_name_their_type() {
        for (text, t) in [
            ("x", ValueType::String),
            ("2020-01-01T00:00:00Z", ValueType::Date),
            ("1.5", ValueType::Number),
            ("-3", ValueType::Integer),
            ("3", ValueType::Unsigned),
            ("MINOR", ValueType::Severity),
            ("ACTIVE", ValueType::AlarmStatus),
            ("FAILED", ValueType::OperationStatus),
        ] {
            let v = t.parse_value(text).unwrap();
            assert_eq!(v.value_type(), t);
            assert_eq!(v.to_string(), text);
        }
    }
}
