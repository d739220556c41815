//! Typed field values shared by every template: numbers that keep their exact text, ISO-8601
//! timestamps, and the platform's enumerations (alarm severity and status, operation status).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

/// A value that is not a valid field value of its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// NaN or an infinity, which SmartREST cannot carry.
    #[error("number is not finite: {0}")]
    NotFinite(String),
    /// Text that is not a decimal number.
    #[error("not a number: {0:?}")]
    NotANumber(String),
    /// Text that is not an ISO-8601 date-time with offset.
    #[error("not an ISO-8601 date-time: {0:?}")]
    NotADate(String),
    /// Text that is not one of the allowed words.
    #[error("not a valid {expected}: {value:?}")]
    NotAllowed {
        /// What was expected (`severity`, `operation status`, …).
        expected: &'static str,
        /// The text that was given.
        value: String,
    },
}

/// A number as SmartREST carries it: decimal text, kept exactly as given or as Rust's shortest
/// round-trip rendering of a float, so no digit is lost on the way to the platform.
///
/// ```
/// use c8y_mqtt::value::Number;
/// assert_eq!(Number::from(42).as_str(), "42");
/// assert_eq!(Number::try_from(0.1).unwrap().as_str(), "0.1");
/// assert_eq!("25.50".parse::<Number>().unwrap().as_str(), "25.50");
/// assert!(Number::try_from(f64::NAN).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// The decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as a float (may round for very long decimal texts).
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The value as an integer, when it is one written without fraction or exponent.
    pub fn to_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

/// Checks `-?digits[.digits][(e|E)[+-]digits]`.
fn is_decimal(text: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int = digits(&b[i..]);
    if int == 0 {
        return false;
    }
    i += int;
    if b.get(i) == Some(&b'.') {
        let frac = digits(&b[i + 1..]);
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(&b[i..]);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

impl FromStr for Number {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if is_decimal(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValueError::NotANumber(s.to_owned()))
        }
    }
}

impl TryFrom<&str> for Number {
    type Error = ValueError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<f64> for Number {
    type Error = ValueError;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if v.is_finite() {
            // Display prints the shortest text that reads back as the same f64, never with an
            // exponent, so the value reaches the platform unchanged.
            Ok(Self(v.to_string()))
        } else {
            Err(ValueError::NotFinite(v.to_string()))
        }
    }
}

impl TryFrom<f32> for Number {
    type Error = ValueError;
    fn try_from(v: f32) -> Result<Self, Self::Error> {
        if v.is_finite() {
            Ok(Self(v.to_string()))
        } else {
            Err(ValueError::NotFinite(v.to_string()))
        }
    }
}

macro_rules! number_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Self {
                Self(v.to_string())
            }
        }
    )*};
}
number_from_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A point in time with its UTC offset, written as ISO-8601 with milliseconds
/// (`2016-06-22T17:03:14.000+02:00`, `…Z` for UTC), the platform's precision.
///
/// Parsing accepts RFC 3339 and the colon-less offsets the platform sends in some operations
/// (`2021-09-21T11:40:27+0200`). A parsed timestamp keeps its text and is written back exactly
/// as it was read, so a line passes through decode and encode unchanged. Equality, ordering and
/// hashing look at the instant and offset only.
#[derive(Debug, Clone)]
pub struct Timestamp {
    time: DateTime<FixedOffset>,
    text: Option<Box<str>>,
}

impl Timestamp {
    /// The current time in UTC.
    pub fn now() -> Self {
        Utc::now().into()
    }

    /// The chrono date-time.
    pub fn as_datetime(&self) -> &DateTime<FixedOffset> {
        &self.time
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.time.offset() == other.time.offset()
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.time.cmp(&other.time).then_with(|| {
            self.time
                .offset()
                .local_minus_utc()
                .cmp(&other.time.offset().local_minus_utc())
        })
    }
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.time.hash(state);
        self.time.offset().local_minus_utc().hash(state);
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(time: DateTime<FixedOffset>) -> Self {
        Self { time, text: None }
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Self {
        time.fixed_offset().into()
    }
}

impl From<Timestamp> for DateTime<FixedOffset> {
    fn from(t: Timestamp) -> Self {
        t.time
    }
}

impl FromStr for Timestamp {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse_from_rfc3339(s)
            .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
            .map(|time| Self {
                time,
                text: Some(s.into()),
            })
            .map_err(|_| ValueError::NotADate(s.to_owned()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.time.to_rfc3339_opts(SecondsFormat::Millis, true)),
        }
    }
}

/// Defines an enum of the platform's upper-case words with `ALL`, `as_str`, `Display` and a
/// case-insensitive `FromStr`. The error of `FromStr` is `ValueError::NotAllowed` naming
/// `$what`, or, in the second form, whatever `$err` (a `fn(String) -> $errty` given the text, followed by `;`) builds.
macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($body:tt)* }) => {
        $crate::value::word_enum!(
            $(#[$doc])* $name,
            $crate::value::ValueError,
            |value: String| $crate::value::ValueError::NotAllowed { expected: $what, value };
            { $($body)* }
        );
    };
    ($(#[$doc:meta])* $name:ident, $errty:ty, $err:expr;
        { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in the platform's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The word as the platform writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $errty;
            /// Accepts the platform's word in any letter case.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .find(|v| s.eq_ignore_ascii_case(v.as_str()))
                    .copied()
                    .ok_or_else(|| ($err)(s.to_owned()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use word_enum;

word_enum!(
    /// Alarm severity.
    Severity, "severity" {
        /// CRITICAL (template 301).
        Critical = "CRITICAL",
        /// MAJOR (302).
        Major = "MAJOR",
        /// MINOR (303).
        Minor = "MINOR",
        /// WARNING (304).
        Warning = "WARNING",
    }
);

impl Severity {
    /// The severity's number in the C ABI's `c8y_severity`: 1 critical, 2 major, 3 minor,
    /// 4 warning (in the order of their templates 301-304).
    pub fn number(self) -> u32 {
        match self {
            Self::Critical => 1,
            Self::Major => 2,
            Self::Minor => 3,
            Self::Warning => 4,
        }
    }

    /// The severity of a [`number`](Self::number), if it is one.
    pub fn from_number(number: u32) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|severity| severity.number() == number)
    }
}

word_enum!(
    /// Alarm status.
    AlarmStatus, "alarm status" {
        /// Raised and not yet handled.
        Active = "ACTIVE",
        /// Seen by an operator.
        Acknowledged = "ACKNOWLEDGED",
        /// Resolved.
        Cleared = "CLEARED",
    }
);

word_enum!(
    /// Operation status.
    OperationStatus, "operation status" {
        /// Created, not yet picked up by the device.
        Pending = "PENDING",
        /// The device is working on it.
        Executing = "EXECUTING",
        /// Done.
        Successful = "SUCCESSFUL",
        /// Could not be done.
        Failed = "FAILED",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        for ok in ["0", "-1", "25.50", "1e10", "1.5E-3", "-0.0", "007"] {
            assert_eq!(ok.parse::<Number>().unwrap().as_str(), ok);
        }
        for bad in [
            "", "-", "1.", ".5", "1e", "1e+", "abc", "1,5", " 1", "+1", "0x10", "NaN",
        ] {
            assert!(bad.parse::<Number>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn floats_render_shortest_round_trip_without_exponent() {
        for v in [
            0.1,
            21.5,
            -3.0,
            1e21,
            1e-7,
            f64::MAX,
            f64::MIN_POSITIVE,
            123456.789,
        ] {
            let n = Number::try_from(v).unwrap();
            assert!(is_decimal(n.as_str()), "{n}");
            assert_eq!(n.to_f64(), v);
        }
        assert_eq!(Number::try_from(21.5).unwrap().as_str(), "21.5");
        assert_eq!(Number::try_from(-3.0).unwrap().as_str(), "-3");
        assert!(matches!(
            Number::try_from(f64::INFINITY),
            Err(ValueError::NotFinite(_))
        ));
        assert!(Number::try_from(f32::NAN).is_err());
        assert_eq!(Number::from(u64::MAX).as_str(), "18446744073709551615");
        assert_eq!(Number::from(u64::MAX).to_i64(), None);
        assert_eq!(Number::from(-5i8).to_i64(), Some(-5));
    }

    #[test]
    fn timestamps_round_trip() {
        for text in [
            "2016-06-22T17:03:14.000+02:00",
            "2016-06-22T17:03:14.123+02:00",
            "2022-03-19T12:03:27.845Z",
            "2021-09-21T11:40:27+0200",
        ] {
            assert_eq!(text.parse::<Timestamp>().unwrap().to_string(), text);
        }
        assert!("2021-09-21".parse::<Timestamp>().is_err());
        assert!("yesterday".parse::<Timestamp>().is_err());
    }

    #[test]
    fn built_timestamps_render_milliseconds() {
        let utc = DateTime::parse_from_rfc3339("2022-03-19T12:03:27.845123Z")
            .unwrap()
            .to_utc();
        assert_eq!(Timestamp::from(utc).to_string(), "2022-03-19T12:03:27.845Z");
        let plus2 = DateTime::parse_from_rfc3339("2016-06-22T17:03:14+02:00").unwrap();
        assert_eq!(
            Timestamp::from(plus2).to_string(),
            "2016-06-22T17:03:14.000+02:00"
        );
    }

    #[test]
    fn timestamp_equality_ignores_the_text() {
        let a: Timestamp = "2021-09-21T11:40:27+0200".parse().unwrap();
        let b: Timestamp = "2021-09-21T11:40:27.000+02:00".parse().unwrap();
        let c: Timestamp = "2021-09-21T09:40:27Z".parse().unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c, "same instant, other offset");
        assert!(c < Timestamp::now());
    }

    #[test]
    fn words_parse_in_any_case() {
        assert_eq!("major".parse::<Severity>().unwrap(), Severity::Major);
        assert_eq!(Severity::Critical.to_string(), "CRITICAL");
        assert_eq!("Warning".parse::<Severity>().unwrap(), Severity::Warning);
        for (number, severity) in (1..).zip(Severity::ALL) {
            assert_eq!(Severity::from_number(number), Some(*severity));
            assert_eq!(severity.number(), number);
        }
        assert_eq!(Severity::from_number(0), None);
        assert_eq!(Severity::from_number(5), None);
        assert_eq!("CLEARED".parse::<AlarmStatus>().unwrap(), AlarmStatus::Cleared);
        assert_eq!(OperationStatus::ALL.len(), 4);
        assert_eq!(
            "DONE".parse::<OperationStatus>().unwrap_err().to_string(),
            "not a valid operation status: \"DONE\""
        );
    }
}
