//! Use lines: `<msgId>,<values…>` published on `s/uc/<X-ID>` (or `s/ud`) to apply a request
//! template (docs/protocol.md §7.5).
//!
//! A use line carries one value for every column the template leaves empty, in template order:
//! selector columns first, then custom values (a `FLAG` never takes one). INVENTORY templates
//! differ: POST always takes the external id first, then the external id type when the template
//! leaves it empty ("value first"); GET and PUT take the managed object id (`byId=true`), the
//! external id (`byId=false`, type fixed) or the type then the external id (`byId=false`, no
//! type). [`RequestTemplate::use_columns`] lists them.
//!
//! Trailing values may be left out and any value may be empty: the platform applies its
//! defaults (an empty DATE is the server's time). The documented "minimal" templates are used as
//! bare `100`, `101`, `102`. What the platform does with a missing non-DATE custom value is not
//! documented (open question); we accept it, as the most lenient reading. Only the columns that
//! find the object to update (object id, external id and its type, the alarm type of ALARM PUT,
//! the fragment of OPERATION PUT) are required.

use std::fmt;

use crate::smartrest::{Record, RowBuilder};

use super::request::{CustomValue, InventoryLookup, Request, RequestTemplate, Slot};
use super::value_type::{UseValue, ValueType};

/// What a use-line column fills in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Column {
    /// The measurement, event or alarm type, or the alarm type PUT ALARM looks for.
    Type,
    /// The event or alarm text.
    Text,
    /// The measurement, event or alarm time.
    Time,
    /// The alarm status.
    Status,
    /// The alarm severity.
    Severity,
    /// The external id of the managed object.
    ExternalId,
    /// The type of the external id.
    ExternalIdType,
    /// The managed object id (INVENTORY GET/PUT with `byId=true`).
    ManagedObjectId,
    /// The operation fragment PUT OPERATION looks for.
    Fragment,
    /// A custom value, by its JSON path.
    Custom(String),
}

impl Column {
    /// The column's name: docs/protocol.md's name of a selector column, or a custom value's path.
    pub fn name(&self) -> &str {
        match self {
            Self::Type => "type",
            Self::Text => "text",
            Self::Time => "time",
            Self::Status => "status",
            Self::Severity => "severity",
            Self::ExternalId => "externalId",
            Self::ExternalIdType => "externalIdType",
            Self::ManagedObjectId => "moId",
            Self::Fragment => "fragment",
            Self::Custom(path) => path,
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One value a use line of a template carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseColumn {
    /// What the value fills in.
    pub column: Column,
    /// How the value is checked.
    pub value_type: ValueType,
    /// True when the value may be neither left out nor empty.
    pub required: bool,
}

impl UseColumn {
    fn new(column: Column, value_type: ValueType, required: bool) -> Self {
        Self {
            column,
            value_type,
            required,
        }
    }
}

/// A value of a use line bound to its column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BoundValue {
    /// The column.
    pub column: UseColumn,
    /// The checked value; `None` when left out or empty (the platform's default applies).
    pub value: Option<UseValue>,
}

/// A use line: a message id and its values as text, ready to publish on `s/uc/<X-ID>`.
///
/// [`RequestTemplate::use_line`] builds a checked one; [`UseLine::new`] and
/// [`UseLine::from_record`] take values as they are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseLine {
    /// The request template's message id.
    pub msg_id: String,
    /// The values, in column order (empty = left to the platform's default).
    pub values: Vec<String>,
}

impl UseLine {
    /// A use line with these values, not checked against any template.
    pub fn new<S: Into<String>>(msg_id: impl Into<String>, values: impl IntoIterator<Item = S>) -> Self {
        Self {
            msg_id: msg_id.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// The row; trailing empty values are left out.
    pub fn to_row(&self) -> String {
        let mut row = RowBuilder::new(&self.msg_id);
        row.optionals(&self.values);
        row.finish()
    }

    /// Takes a decoded row as it is: its id and its values.
    pub fn from_record(record: &Record) -> Self {
        Self::new(record.id(), record.values().iter().map(String::as_str))
    }
}

/// A use line that does not fit its request template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UseError {
    /// The line is for another template.
    #[error("use line is for template {found}, not {expected}")]
    WrongMsgId {
        /// The template's message id.
        expected: String,
        /// The line's message id.
        found: String,
    },
    /// More values than the template leaves columns for.
    #[error("Wrong number of arguments: template {msg_id} takes {expected} values, got {found}")]
    TooManyValues {
        /// The template's message id.
        msg_id: String,
        /// How many columns the template leaves empty.
        expected: usize,
        /// How many values were given.
        found: usize,
    },
    /// A required value is left out or empty.
    #[error("Missing mandatory field {column} (field {position})")]
    MissingValue {
        /// 1-based position in the line (the message id is field 0).
        position: usize,
        /// The column's name.
        column: String,
    },
    /// A value that is not of its column's type.
    #[error("Value is not a {value_type}: {value} ({column} at field {position})")]
    InvalidValue {
        /// 1-based position in the line (the message id is field 0).
        position: usize,
        /// The column's name.
        column: String,
        /// The column's type.
        value_type: ValueType,
        /// The text given.
        value: String,
    },
}

impl UseError {
    /// The `s/e` code the platform uses for the same fault in static templates: 45 for bad
    /// arguments, 40 (no template for this message id) for a line of another template.
    pub fn smartrest_code(&self) -> u16 {
        match self {
            Self::WrongMsgId { .. } => 40,
            _ => 45,
        }
    }
}

fn custom_columns(values: &[CustomValue], out: &mut Vec<UseColumn>) {
    out.extend(
        values
            .iter()
            .filter(|cv| cv.is_at_use())
            .map(|cv| UseColumn::new(Column::Custom(cv.path.clone()), cv.value_type, false)),
    );
}

fn lookup_columns(lookup: &InventoryLookup, out: &mut Vec<UseColumn>) {
    match lookup {
        InventoryLookup::ById => out.push(UseColumn::new(Column::ManagedObjectId, ValueType::String, true)),
        InventoryLookup::ByExternalId { id_type } => {
            if id_type.is_at_use() {
                out.push(UseColumn::new(Column::ExternalIdType, ValueType::String, true));
            }
            out.push(UseColumn::new(Column::ExternalId, ValueType::String, true));
        }
    }
}

/// Adds `column` when `slot` is left for use time.
fn push_at_use<T>(
    out: &mut Vec<UseColumn>,
    slot: &Slot<T>,
    column: Column,
    value_type: ValueType,
    required: bool,
) {
    if slot.is_at_use() {
        out.push(UseColumn::new(column, value_type, required));
    }
}

impl RequestTemplate {
    /// The columns a use line of this template carries, in order.
    pub fn use_columns(&self) -> Vec<UseColumn> {
        use ValueType as T;
        let mut out = Vec::new();
        match self.request() {
            Request::MeasurementPost {
                measurement_type,
                time,
            } => {
                push_at_use(&mut out, measurement_type, Column::Type, T::String, false);
                push_at_use(&mut out, time, Column::Time, T::Date, false);
            }
            Request::EventPost {
                event_type,
                text,
                time,
            } => {
                push_at_use(&mut out, event_type, Column::Type, T::String, false);
                push_at_use(&mut out, text, Column::Text, T::String, false);
                push_at_use(&mut out, time, Column::Time, T::Date, false);
            }
            Request::AlarmPost {
                alarm_type,
                text,
                status,
                severity,
                time,
            } => {
                push_at_use(&mut out, alarm_type, Column::Type, T::String, false);
                push_at_use(&mut out, text, Column::Text, T::String, false);
                push_at_use(&mut out, status, Column::Status, T::AlarmStatus, false);
                push_at_use(&mut out, severity, Column::Severity, T::Severity, false);
                push_at_use(&mut out, time, Column::Time, T::Date, false);
            }
            Request::InventoryPost { external_id_type } => {
                // Value first; an empty external id creates none.
                out.push(UseColumn::new(Column::ExternalId, T::String, false));
                push_at_use(
                    &mut out,
                    external_id_type,
                    Column::ExternalIdType,
                    T::String,
                    false,
                );
            }
            Request::InventoryGet { lookup } | Request::InventoryPut { lookup } => {
                lookup_columns(lookup, &mut out)
            }
            Request::AlarmPut { alarm_type } => {
                push_at_use(&mut out, alarm_type, Column::Type, T::String, true)
            }
            Request::OperationPut { fragment } => {
                push_at_use(&mut out, fragment, Column::Fragment, T::String, true)
            }
        }
        custom_columns(self.custom_values(), &mut out);
        out
    }

    /// Builds a use line from text values, checked against [`use_columns`](Self::use_columns):
    /// not more values than columns, required ones present, each of its column's type. Values
    /// are written as given; empty ones and left-out trailing ones take the platform's default.
    pub fn use_line<S: AsRef<str>>(&self, values: impl IntoIterator<Item = S>) -> Result<UseLine, UseError> {
        let values: Vec<String> = values.into_iter().map(|v| v.as_ref().to_owned()).collect();
        let columns = self.use_columns();
        if values.len() > columns.len() {
            return Err(self.too_many(columns.len(), values.len()));
        }
        for (i, column) in columns.iter().enumerate() {
            check_value(column, values.get(i).map_or("", String::as_str), i + 1)?;
        }
        Ok(UseLine {
            msg_id: self.msg_id().to_owned(),
            values,
        })
    }

    /// Reads a use line of this template (as the platform does): binds each value to its
    /// column and checks it. Trailing empty fields are ignored.
    pub fn read_use_line(&self, record: &Record) -> Result<Vec<BoundValue>, UseError> {
        if record.id() != self.msg_id() {
            return Err(UseError::WrongMsgId {
                expected: self.msg_id().to_owned(),
                found: record.id().to_owned(),
            });
        }
        let values = record.values();
        let given = values.iter().rposition(|v| !v.is_empty()).map_or(0, |i| i + 1);
        let columns = self.use_columns();
        if given > columns.len() {
            return Err(self.too_many(columns.len(), given));
        }
        columns
            .into_iter()
            .enumerate()
            .map(|(i, column)| {
                let text = values.get(i).map_or("", String::as_str);
                let value = check_value(&column, text, i + 1)?;
                Ok(BoundValue { column, value })
            })
            .collect()
    }

    fn too_many(&self, expected: usize, found: usize) -> UseError {
        UseError::TooManyValues {
            msg_id: self.msg_id().to_owned(),
            expected,
            found,
        }
    }
}

/// Checks one value; `Ok(None)` for an empty optional one.
fn check_value(column: &UseColumn, text: &str, position: usize) -> Result<Option<UseValue>, UseError> {
    if text.is_empty() {
        return if column.required {
            Err(UseError::MissingValue {
                position,
                column: column.column.name().to_owned(),
            })
        } else {
            Ok(None)
        };
    }
    column
        .value_type
        .parse_value(text)
        .map(Some)
        .ok_or_else(|| UseError::InvalidValue {
            position,
            column: column.column.name().to_owned(),
            value_type: column.value_type,
            value: text.to_owned(),
        })
}
