//! Why a SmartREST 2.0 template definition (`10`/`11` row) or a collection is rejected.
//!
//! Every fault has its own variant, so the emulator can tell the device precisely what is wrong.
//! [`DefinitionError::smartrest_text`] and [`CollectionError::smartrest_text`] give the closest
//! SmartREST 1.0 template-creation (`41`) message (docs/protocol.md §6.1), for answers in that style.

use crate::smartrest::{DecodeError, MessageTooLarge, needs_quoting};

use super::request::{Api, Method};
use super::value_type::{ValueType, ValueTypeError};

/// SR1's text for a faulty request template.
const BAD_REQUEST: &str = "Bad request template definition";
/// SR1's text for a faulty response template.
const BAD_RESPONSE: &str = "Bad response template definition";
/// SR1's text for a template whose message identifier is not allowed.
const BAD_MSG_ID: &str = "Not a valid message identifier for template creation";

/// A `10` or `11` row (or a template built in code) that is not a valid definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionError {
    /// The row is not the kind of definition asked for (`10` request, `11` response).
    #[error("row {found:?} is not a template definition ({expected})")]
    WrongRow {
        /// What was expected: `"10"`, `"11"` or `"10 or 11"`.
        expected: &'static str,
        /// The first field of the row.
        found: String,
    },
    /// The message id (second field) is empty.
    #[error("missing message id")]
    MissingMsgId,
    /// The message id would need quoting (it holds `,`, `"`, a line break, a tab, or starts or
    /// ends with white space); no device parser could match it reliably.
    #[error("message id {msg_id:?} is not valid")]
    InvalidMsgId {
        /// The id given.
        msg_id: String,
    },
    /// A request template without method.
    #[error("missing method")]
    MissingMethod,
    /// A method other than GET, POST and PUT.
    #[error("unknown method {0:?}")]
    UnknownMethod(String),
    /// A request template without API.
    #[error("missing API")]
    MissingApi,
    /// An API other than INVENTORY, MEASUREMENT, ALARM, EVENT and OPERATION.
    #[error("unknown API {0:?}")]
    UnknownApi(String),
    /// A method the platform does not support on this API (e.g. GET EVENT), docs/protocol.md §7.3.
    #[error("{method} is not supported on {api}")]
    UnsupportedCombination {
        /// The method.
        method: Method,
        /// The API.
        api: Api,
    },
    /// A column that holds `true`, `false` (or nothing where allowed) holds something else.
    #[error("{column} must be true or false, not {value:?}")]
    InvalidBoolean {
        /// `response` or `byId`.
        column: &'static str,
        /// The text found.
        value: String,
    },
    /// An INVENTORY GET or PUT template without `byId`.
    #[error("missing byId (true or false)")]
    MissingById,
    /// `byId=true` together with an external id type, which only a lookup by external id uses.
    #[error("externalIdType {id_type:?} given with byId=true")]
    ExternalIdTypeWithById {
        /// The external id type found.
        id_type: String,
    },
    /// A value fixed in the template that is not of its column's type (e.g. an alarm status
    /// `BOGUS`, or `abc` in a NUMBER custom value).
    #[error("value of {column} is not a {value_type}: {value:?}")]
    InvalidFixedValue {
        /// The column: `time`, `status`, `severity` or the custom value's path.
        column: String,
        /// The type the value must have.
        value_type: ValueType,
        /// The text found.
        value: String,
    },
    /// A custom value (0-based `index` among the template's custom values) without path.
    #[error("custom value {index} has no path")]
    MissingPath {
        /// 0-based index of the custom value.
        index: usize,
    },
    /// A custom value's type is not a value type.
    #[error("custom value {path}: {error}")]
    InvalidValueType {
        /// The custom value's path.
        path: String,
        /// What is wrong with the type.
        error: ValueTypeError,
    },
    /// A `FLAG` custom value with a value; a flag is an empty object and takes none.
    #[error("FLAG custom value {path} takes no value, found {value:?}")]
    FlagWithValue {
        /// The custom value's path.
        path: String,
        /// The value found.
        value: String,
    },
    /// Custom values on a method/API that takes none (INVENTORY GET).
    #[error("{method} {api} takes no custom values")]
    CustomValuesNotSupported {
        /// The method.
        method: Method,
        /// The API.
        api: Api,
    },
    /// A response template without any pattern.
    #[error("response template has no pattern")]
    MissingPattern,
    /// An empty pattern before the last one (0-based `index` among the patterns).
    #[error("pattern {index} is empty")]
    EmptyPattern {
        /// 0-based index of the pattern.
        index: usize,
    },
}

impl DefinitionError {
    /// The closest SmartREST 1.0 template-creation (`41`) message for this fault.
    pub fn smartrest_text(&self) -> &'static str {
        match self {
            Self::WrongRow { .. } | Self::InvalidMsgId { .. } => BAD_MSG_ID,
            Self::InvalidValueType { .. } => "Bad value type",
            Self::EmptyPattern { .. } => "Bad pattern",
            Self::MissingPattern => BAD_RESPONSE,
            _ => BAD_REQUEST,
        }
    }

    /// Like [`smartrest_text`](Self::smartrest_text), but a missing message id is told apart by
    /// the kind of row it is in.
    pub(crate) fn smartrest_text_for_row(&self, row_id: &str) -> &'static str {
        match self {
            Self::MissingMsgId if row_id == "11" => BAD_RESPONSE,
            _ => self.smartrest_text(),
        }
    }
}

/// A template collection that cannot be built, sent or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CollectionError {
    /// The X-ID is not a valid [`XId`](crate::topic::XId) (empty, or a character MQTT reserves
    /// in topics).
    #[error("X-ID {xid:?} is not valid: {error}")]
    InvalidXid {
        /// The X-ID given.
        xid: String,
        /// Which rule it breaks.
        error: crate::topic::IdError,
    },
    /// A collection without any template: its creation message would be empty, which the
    /// platform reads as an existence query instead.
    #[error("the collection holds no template")]
    Empty,
    /// The payload is not valid SmartREST.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A row is not a valid template definition.
    #[error("row {row}: {error}")]
    Row {
        /// 1-based row in the payload (blank lines not counted).
        row: usize,
        /// The first field of the row (`10`, `11`, or whatever was found).
        row_id: String,
        /// What is wrong.
        error: DefinitionError,
    },
    /// Two templates share a message id. Request and response templates share one id space:
    /// docs/protocol.md says "unique within collection", and a collection holds both kinds.
    #[error("duplicate message id {msg_id:?}")]
    DuplicateMsgId {
        /// The id used twice.
        msg_id: String,
        /// 1-based row of the second use, when read from a payload.
        row: Option<usize>,
    },
    /// The creation message does not fit in one MQTT packet (docs/protocol.md §7.4, §7.9).
    #[error("collection {xid}: {error}")]
    TooLarge {
        /// The X-ID.
        xid: crate::topic::XId,
        /// The size found.
        error: MessageTooLarge,
    },
}

impl CollectionError {
    /// The closest SmartREST 1.0 template-creation (`41`) message for this fault. SR1 has no
    /// message for an empty or oversized collection or a bad X-ID; those get texts of our own.
    pub fn smartrest_text(&self) -> &'static str {
        match self {
            Self::InvalidXid { .. } => "Not a valid X-ID",
            Self::Empty => "No templates in collection",
            Self::Decode(_) => BAD_REQUEST,
            Self::Row { row_id, error, .. } => error.smartrest_text_for_row(row_id),
            Self::DuplicateMsgId { .. } => "Duplicate message identifiers are not allowed",
            Self::TooLarge { .. } => "Collection too large for one message",
        }
    }

    /// The 1-based row of the payload the fault is in, when there is one.
    pub fn row(&self) -> Option<usize> {
        match self {
            Self::Decode(e) => Some(e.row),
            Self::Row { row, .. } => Some(*row),
            Self::DuplicateMsgId { row, .. } => *row,
            _ => None,
        }
    }
}

/// Checks a template's message id: not empty, and written without quotes.
pub(crate) fn check_msg_id(msg_id: &str) -> Result<(), DefinitionError> {
    if msg_id.is_empty() {
        Err(DefinitionError::MissingMsgId)
    } else if needs_quoting(msg_id) {
        Err(DefinitionError::InvalidMsgId {
            msg_id: msg_id.to_owned(),
        })
    } else {
        Ok(())
    }
}
