//! Downstream lines (platform → device): everything a device receives on the static channels, as
//! typed values that parse from and render to SmartREST rows through the one codec.
//!
//! | Topic | Type | Lines |
//! |---|---|---|
//! | `s/ds` | [`StaticDownstream`] | `106` child devices, `124` managed-object id, operations `510`–`532` ([`Operation`]), anything else kept as [`StaticDownstream::Unknown`] |
//! | `s/dcr` | [`Credentials`] | `70,<tenant>,<user>,<password>` |
//! | `s/dat` | [`AccessToken`] | `71,<jwt>` |
//! | `s/dt` | [`TemplateStatus`] | `20,<X-ID>,<moId>` / `41,<X-ID>` |
//! | `s/e` | [`ErrorLine`] | `<code>,<template id>,<text>` |
//!
//! Every type implements [`DownstreamLine`]: `from_record` parses one decoded row, `to_row` renders
//! it back (the emulator sends these lines). The payload helpers ([`parse_static`],
//! [`parse_credentials`], [`parse_access_token`], [`parse_template_status`], [`parse_errors`])
//! take a whole MQTT payload (several rows, LF or CRLF, line breaks inside quotes) and return
//! every row in order, as a value or as a [`DownstreamError`]; a bad row never hides the others,
//! and every error keeps the raw row so nothing is lost.
//!
//! Secrets (the bootstrap password, the JWT) never appear in `Debug` or `Display` output, neither
//! of the values nor of errors about rows on those channels.
//!
//! ```
//! use c8y_mqtt::templates::downstream::{parse_static, OperationKind, StaticDownstream};
//! let rows = parse_static(b"510,DeviceSerial\r\n106\r\n");
//! let Ok(StaticDownstream::Operation(op)) = &rows[0] else { panic!() };
//! assert_eq!((op.device.as_str(), op.kind.fragment()), ("DeviceSerial", "c8y_Restart"));
//! assert_eq!(rows[1], Ok(StaticDownstream::ChildDevices(vec![])));
//! ```

mod credentials;
mod error_line;
mod group;
mod operation;
mod parameter;
mod profile;
mod software;
mod static_line;
mod template_status;

#[cfg(test)]
mod tests;

use std::fmt;

pub use credentials::{AccessToken, Credentials};
pub use error_line::{ErrorCode, ErrorLine};
pub use operation::{FirmwareUrl, Operation, OperationKind, RelayState};
pub use parameter::ParameterChange;
pub use profile::{DeviceProfile, ProfileConfiguration, ProfileFirmware};
pub use software::{AdvancedSoftwareUpdateItem, SoftwareAction, SoftwareListItem, SoftwareUpdateItem};
pub use static_line::StaticDownstream;
pub use template_status::TemplateStatus;

use crate::smartrest::{
    DecodeError, FieldError, FieldErrorKind, FieldReader, Record, join_rows, records_platform,
};

/// A downstream topic, as far as parsing is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `s/ds`: static downstream (operations, 106, 124).
    Static,
    /// `s/dcr`: bootstrap credentials (70). Carries secrets.
    Credentials,
    /// `s/dat`: JWT for certificate devices (71). Carries secrets.
    AccessToken,
    /// `s/dt`: SmartREST 2.0 template collection status (20 / 41).
    TemplateStatus,
    /// `s/e`: error and debug lines.
    Errors,
}

impl Channel {
    /// The MQTT topic the platform publishes these lines on.
    pub fn topic(self) -> &'static str {
        match self {
            Self::Static => "s/ds",
            Self::Credentials => "s/dcr",
            Self::AccessToken => "s/dat",
            Self::TemplateStatus => "s/dt",
            Self::Errors => "s/e",
        }
    }

    /// True for the channels whose rows hold secrets (`s/dcr`, `s/dat`); rows from them are never
    /// shown in `Debug` or `Display` output.
    pub fn carries_secrets(self) -> bool {
        matches!(self, Self::Credentials | Self::AccessToken)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.topic())
    }
}

/// A downstream row that cannot become its typed value. Every variant that has a decoded row
/// keeps it whole, so the client can log or report it.
///
/// `Debug` and `Display` never show the row of a channel that [carries
/// secrets](Channel::carries_secrets); [`DownstreamError::record`] still gives it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownstreamError {
    /// The payload is not valid SmartREST at this row (unterminated quote, invalid UTF-8).
    Decode {
        /// Where the payload came from.
        channel: Channel,
        /// The decoder's error, with row and column.
        error: DecodeError,
    },
    /// The row has an id this channel knows, but its fields do not fit the template (a missing
    /// mandatory field, a port that is not a number, values left over, …).
    Malformed {
        /// Where the row came from.
        channel: Channel,
        /// The whole row as decoded.
        record: Record,
        /// The first faulty field.
        error: FieldError,
    },
    /// The row's id is not one this channel carries (for example `71` on `s/dcr`).
    UnexpectedMessage {
        /// Where the row came from.
        channel: Channel,
        /// The whole row as decoded.
        record: Record,
    },
}

impl DownstreamError {
    /// The channel the row came from.
    pub fn channel(&self) -> Channel {
        match self {
            Self::Decode { channel, .. }
            | Self::Malformed { channel, .. }
            | Self::UnexpectedMessage { channel, .. } => *channel,
        }
    }

    /// The decoded row, when there is one. For `s/dcr` and `s/dat` it may hold a secret.
    pub fn record(&self) -> Option<&Record> {
        match self {
            Self::Decode { .. } => None,
            Self::Malformed { record, .. } | Self::UnexpectedMessage { record, .. } => Some(record),
        }
    }

    /// The `s/e`-style code for the fault: 42 for a row that cannot be decoded, 43 for an id the
    /// channel does not carry, 45 for bad fields.
    pub fn smartrest_code(&self) -> u16 {
        match self {
            Self::Decode { .. } => 42,
            Self::UnexpectedMessage { .. } => 43,
            Self::Malformed { .. } => 45,
        }
    }

    pub(crate) fn malformed(channel: Channel, record: &Record, error: FieldError) -> Self {
        Self::Malformed {
            channel,
            record: record.clone(),
            error,
        }
    }

    pub(crate) fn unexpected(channel: Channel, record: &Record) -> Self {
        Self::UnexpectedMessage {
            channel,
            record: record.clone(),
        }
    }
}

/// Shows a field error without the offending value (for rows that may hold secrets).
fn write_field_error_without_value(f: &mut fmt::Formatter<'_>, error: &FieldError) -> fmt::Result {
    match &error.kind {
        FieldErrorKind::Invalid { expected, .. } => write!(
            f,
            "Value is not a {expected} ({} at field {})",
            error.name, error.position
        ),
        _ => write!(f, "{error}"),
    }
}

impl fmt::Display for DownstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode { channel, error } => write!(f, "{channel}: {error}"),
            Self::Malformed {
                channel,
                record,
                error,
            } => {
                if channel.carries_secrets() {
                    write!(f, "{channel}: malformed row: ")?;
                    write_field_error_without_value(f, error)
                } else {
                    write!(f, "{channel}: message {}: {error}", record.id())
                }
            }
            Self::UnexpectedMessage { channel, record } => {
                if channel.carries_secrets() {
                    write!(f, "{channel}: unexpected message id")
                } else {
                    write!(f, "{channel}: unexpected message id {:?}", record.id())
                }
            }
        }
    }
}

/// Stands in for a row that must not be shown.
struct RedactedRecord(usize);

impl fmt::Debug for RedactedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted row of {} fields>", self.0)
    }
}

/// Stands in for a field error whose value must not be shown.
struct RedactedFieldError<'a>(&'a FieldError);

impl fmt::Debug for RedactedFieldError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        let mut s = f.debug_struct("FieldError");
        s.field("position", &e.position).field("name", &e.name);
        match &e.kind {
            FieldErrorKind::Invalid { expected, .. } => s.field("expected", expected),
            kind => s.field("kind", kind),
        };
        s.finish()
    }
}

impl fmt::Debug for DownstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode { channel, error } => f
                .debug_struct("Decode")
                .field("channel", channel)
                .field("error", error)
                .finish(),
            Self::Malformed {
                channel,
                record,
                error,
            } => {
                let mut s = f.debug_struct("Malformed");
                s.field("channel", channel);
                if channel.carries_secrets() {
                    s.field("record", &RedactedRecord(record.len()))
                        .field("error", &RedactedFieldError(error));
                } else {
                    s.field("record", record).field("error", error);
                }
                s.finish()
            }
            Self::UnexpectedMessage { channel, record } => {
                let mut s = f.debug_struct("UnexpectedMessage");
                s.field("channel", channel);
                if channel.carries_secrets() {
                    s.field("record", &RedactedRecord(record.len()));
                } else {
                    s.field("record", record);
                }
                s.finish()
            }
        }
    }
}

impl std::error::Error for DownstreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Decode { error, .. } => Some(error),
            Self::Malformed { error, .. } => Some(error),
            Self::UnexpectedMessage { .. } => None,
        }
    }
}

/// A line the platform sends on one downstream channel: parses from a decoded row and renders
/// back to one row.
pub trait DownstreamLine: Sized {
    /// The channel these lines arrive on.
    const CHANNEL: Channel;

    /// Parses one decoded row.
    fn from_record(record: &Record) -> Result<Self, DownstreamError>;

    /// Renders the line as one SmartREST row (no line break). Quotes inside fields are written
    /// as `""` (the codec's escape), which every SmartREST parser reads back.
    fn to_row(&self) -> String;

    /// The fields of the line's row, template id first (`["106", "child1", "child2"]`): the
    /// positional view for code that handles every line alike (C and Python events).
    fn fields(&self) -> Vec<String> {
        crate::smartrest::decode(self.to_row().as_bytes())
            .ok()
            .and_then(|records| records.into_iter().next())
            .map(Record::into_fields)
            .unwrap_or_default()
    }
}

/// Parses a whole payload from `T`'s channel: one result per row, in order. Rows that cannot be
/// decoded are errors in their place; an unterminated quote ends the payload (the rest belongs to
/// the open field).
pub fn parse_payload<T: DownstreamLine>(payload: &[u8]) -> Vec<Result<T, DownstreamError>> {
    records_platform(payload)
        .map(|row| match row {
            Ok(record) => T::from_record(&record),
            Err(error) => Err(DownstreamError::Decode {
                channel: T::CHANNEL,
                error,
            }),
        })
        .collect()
}

/// Renders lines as one payload, rows separated by LF.
pub fn render_payload<'a, T: DownstreamLine + 'a>(lines: impl IntoIterator<Item = &'a T>) -> String {
    join_rows(lines.into_iter().map(DownstreamLine::to_row))
}

/// Parses an `s/ds` payload.
pub fn parse_static(payload: &[u8]) -> Vec<Result<StaticDownstream, DownstreamError>> {
    parse_payload(payload)
}

/// Parses an `s/dcr` payload.
pub fn parse_credentials(payload: &[u8]) -> Vec<Result<Credentials, DownstreamError>> {
    parse_payload(payload)
}

/// Parses an `s/dat` payload.
pub fn parse_access_token(payload: &[u8]) -> Vec<Result<AccessToken, DownstreamError>> {
    parse_payload(payload)
}

/// Parses an `s/dt` payload.
pub fn parse_template_status(payload: &[u8]) -> Vec<Result<TemplateStatus, DownstreamError>> {
    parse_payload(payload)
}

/// Parses an `s/e` payload.
pub fn parse_errors(payload: &[u8]) -> Vec<Result<ErrorLine, DownstreamError>> {
    parse_payload(payload)
}

/// Reads the values of `record` with `read`, then requires that nothing non-empty is left.
pub(crate) fn read_strict<T>(
    channel: Channel,
    record: &Record,
    read: impl FnOnce(&mut FieldReader<'_>) -> Result<T, FieldError>,
) -> Result<T, DownstreamError> {
    let mut fields = FieldReader::new(record);
    read(&mut fields)
        .and_then(|value| fields.finish().map(|()| value))
        .map_err(|error| DownstreamError::malformed(channel, record, error))
}
