//! Typed static templates: every upstream message a device sends on `s/us` and every downstream
//! line it receives, as Rust values that render and parse through the one codec.
//!
//! * [`upstream`]: templates 100–507, each a type implementing [`UpstreamTemplate`], gathered in
//!   the [`upstream::Upstream`] enum.
//! * [`downstream`]: lines on `s/ds`, `s/dcr`, `s/dat`, `s/dt` and `s/e`.

pub mod downstream;
pub mod upstream;

use crate::smartrest::{
    FieldError, FieldReader, MAX_PACKET_SIZE, QoS, Record, RowBuilder, check_packet_size,
};

/// Why a row cannot become a typed template, or a template cannot become a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// No static template has this id (`s/e` code 40).
    #[error("No static template for this message id: {id}")]
    UnknownTemplate {
        /// The id found in the row.
        id: String,
    },
    /// The row is for another template than the one asked for.
    #[error("row is template {found}, expected {expected}")]
    WrongTemplate {
        /// The template that was asked for.
        expected: u16,
        /// The id found in the row.
        found: String,
    },
    /// A field does not fit the template (`s/e` code 45).
    #[error("template {template}: {error}")]
    Field {
        /// The template id.
        template: u16,
        /// The faulty field.
        error: FieldError,
    },
    /// A value given to a constructor is not valid for the template (for example an empty list
    /// where the template needs one item).
    #[error("template {template}: {reason}")]
    InvalidValue {
        /// The template id.
        template: u16,
        /// What is wrong.
        reason: String,
    },
    /// The message does not fit in one MQTT packet and the template cannot be split.
    #[error(
        "template {template} needs {size} bytes in one packet, over the {limit}-byte limit, and cannot be split"
    )]
    TooLarge {
        /// The template id.
        template: u16,
        /// Size of the PUBLISH packet it would need.
        size: usize,
        /// The limit ([`MAX_PACKET_SIZE`]).
        limit: usize,
    },
}

impl TemplateError {
    /// The `s/e` code the platform uses for this fault: 40 for an unknown template, 45 for bad
    /// arguments.
    pub fn smartrest_code(&self) -> u16 {
        match self {
            Self::UnknownTemplate { .. } => 40,
            _ => 45,
        }
    }
}

/// A static template a device publishes on `s/us` (or a child's `s/us/<id>`).
///
/// Implementors write and read only the fields after the template id; rendering, parsing and size
/// checks are shared here.
pub trait UpstreamTemplate: Sized {
    /// The static template id.
    const ID: u16;

    /// Whether [`UpstreamTemplate::to_payloads`] may give several payloads (lists the platform
    /// accepts in parts); such templates override it and set this. A template that does not is
    /// always exactly one row, which [`UpstreamTemplate::append_row`] can write in place.
    const SPLITS: bool = false;

    /// Appends the fields after the id to `row`.
    fn write_fields(&self, row: &mut RowBuilder);

    /// Reads the fields after the id.
    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError>;

    /// Renders the template as one SmartREST row.
    fn to_row(&self) -> String {
        let mut row = RowBuilder::with_template(Self::ID);
        self.write_fields(&mut row);
        row.finish()
    }

    /// Appends the row to `payload`, after an LF when `payload` holds rows already: how
    /// auto-batching writes a row straight into the packet it travels in.
    fn append_row(&self, payload: &mut String) {
        let mut row = RowBuilder::continuing(std::mem::take(payload), Self::ID);
        self.write_fields(&mut row);
        *payload = row.finish();
    }

    /// Parses a decoded row; values left over after the last known field are an error.
    fn from_record(record: &Record) -> Result<Self, TemplateError> {
        if record.id() != Self::ID.to_string() {
            return Err(TemplateError::WrongTemplate {
                expected: Self::ID,
                found: record.id().to_owned(),
            });
        }
        let mut fields = FieldReader::new(record);
        let value = Self::read_fields(&mut fields)
            .and_then(|v| fields.finish().map(|()| v))
            .map_err(|error| TemplateError::Field {
                template: Self::ID,
                error,
            })?;
        Ok(value)
    }

    /// Renders the template as payloads that each fit one PUBLISH on `topic`. Most templates
    /// give exactly one payload or [`TemplateError::TooLarge`]; list templates that can be sent
    /// in parts override this.
    fn to_payloads(&self, topic: &str, qos: QoS) -> Result<Vec<String>, TemplateError> {
        let row = self.to_row();
        check_packet_size(topic, row.len(), qos).map_err(|e| TemplateError::TooLarge {
            template: Self::ID,
            size: e.size,
            limit: MAX_PACKET_SIZE,
        })?;
        Ok(vec![row])
    }
}
