//! Error lines on `s/e` (docs/protocol.md §6.1): `<code>,<template id>,<text>`, for example
//! `40,999,No static template for this message id` or `41,100,Device already existing`.
//!
//! The channel is a debug aid, not a contract, so the parser is lenient: any row whose first
//! field is a number becomes an [`ErrorLine`], with missing fields empty and fields after the
//! text kept in [`ErrorLine::extra`].

use std::fmt;

use super::{Channel, DownstreamError, DownstreamLine};
use crate::smartrest::{FieldError, FieldErrorKind, FieldReader, Record, RowBuilder};

/// What an `s/e` code means (codes borrowed from SmartREST 1.0, docs/protocol.md §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 40: no template for this message id.
    UnknownTemplate,
    /// 41: creation failed, also "already existing" (`41,100,Device already existing`).
    CreationFailed,
    /// 42: malformed request line.
    MalformedRequest,
    /// 43: invalid message identifier.
    InvalidMessageId,
    /// 45: invalid message arguments (missing field, bad number or date).
    InvalidArguments,
    /// 50: server error between the SmartREST proxy and the platform.
    ServerError,
    /// Any other code.
    Other(u16),
}

impl ErrorCode {
    /// The meaning of a numeric code.
    pub fn from_code(code: u16) -> Self {
        match code {
            40 => Self::UnknownTemplate,
            41 => Self::CreationFailed,
            42 => Self::MalformedRequest,
            43 => Self::InvalidMessageId,
            45 => Self::InvalidArguments,
            50 => Self::ServerError,
            other => Self::Other(other),
        }
    }

    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            Self::UnknownTemplate => 40,
            Self::CreationFailed => 41,
            Self::MalformedRequest => 42,
            Self::InvalidMessageId => 43,
            Self::InvalidArguments => 45,
            Self::ServerError => 50,
            Self::Other(code) => code,
        }
    }
}

impl From<u16> for ErrorCode {
    fn from(code: u16) -> Self {
        Self::from_code(code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// One line on `s/e`.
///
/// ```
/// use c8y_mqtt::templates::downstream::{DownstreamLine, ErrorCode, ErrorLine};
/// let line = ErrorLine::unknown_template("999");
/// assert_eq!(line.to_row(), "40,999,No static template for this message id");
/// assert_eq!(line.kind(), ErrorCode::UnknownTemplate);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorLine {
    /// The numeric code (40, 41, 42, 43, 45, 50, …); see [`ErrorLine::kind`].
    pub code: u16,
    /// The message id of the offending row, as text (SmartREST 2.0 ids are strings); empty when
    /// the line has none.
    pub template: String,
    /// The human-readable text; empty when the line has none.
    pub text: String,
    /// Fields after the text, kept as they came up to the last non-empty one (none in the
    /// documented lines).
    pub extra: Vec<String>,
}

impl ErrorLine {
    /// The text the platform uses for code 40.
    pub const UNKNOWN_TEMPLATE_TEXT: &'static str = "No static template for this message id";
    /// The text the platform uses when `100` finds the device already there.
    pub const DEVICE_ALREADY_EXISTING_TEXT: &'static str = "Device already existing";

    /// A line from its three documented fields.
    pub fn new(code: u16, template: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            code,
            template: template.into(),
            text: text.into(),
            extra: Vec::new(),
        }
    }

    /// `40,<id>,No static template for this message id`.
    pub fn unknown_template(template: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::UnknownTemplate.code(),
            template,
            Self::UNKNOWN_TEMPLATE_TEXT,
        )
    }

    /// `41,100,Device already existing`.
    pub fn device_already_existing() -> Self {
        Self::new(
            ErrorCode::CreationFailed.code(),
            "100",
            Self::DEVICE_ALREADY_EXISTING_TEXT,
        )
    }

    /// What the code means.
    pub fn kind(&self) -> ErrorCode {
        ErrorCode::from_code(self.code)
    }
}

impl DownstreamLine for ErrorLine {
    const CHANNEL: Channel = Channel::Errors;

    fn from_record(record: &Record) -> Result<Self, DownstreamError> {
        let Ok(code) = record.id().parse::<u16>() else {
            let error = FieldError {
                position: 0,
                name: "code",
                kind: FieldErrorKind::Invalid {
                    expected: "INTEGER",
                    value: record.id().to_owned(),
                },
            };
            return Err(DownstreamError::malformed(Self::CHANNEL, record, error));
        };
        let mut fields = FieldReader::new(record);
        Ok(Self {
            code,
            template: fields.raw().to_owned(),
            text: fields.raw().to_owned(),
            extra: {
                // Trailing empty fields carry nothing (rendering drops them too).
                let rest = fields.rest();
                let keep = rest
                    .iter()
                    .rposition(|f| !f.is_empty())
                    .map_or(0, |last| last + 1);
                rest.get(..keep).unwrap_or_default().to_vec()
            },
        })
    }

    fn to_row(&self) -> String {
        let mut row = RowBuilder::with_template(self.code);
        row.optional(Some(&self.template))
            .optional(Some(&self.text))
            .optionals(&self.extra);
        row.finish()
    }
}
