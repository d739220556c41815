//! Response templates: the `11` rows of a SmartREST 2.0 collection (docs/protocol.md §7.6).
//!
//! ```text
//! 11,<msgId>,<base>,<condition>,<pattern1>[,<pattern2>…]
//! ```
//!
//! `base` (JSON-path prefix of every pattern) and `condition` (a path that must exist for the
//! template to fire) are optional but positional, so they are always written, empty or not. At
//! least one pattern is required; trailing empty fields after the last pattern are not patterns
//! (the codec treats them as absent), and an empty pattern before the last one is an error. Paths
//! are kept as written (with or without `$.`, wildcards such as `customValues[*]` included); what
//! they select is the business of whoever evaluates them.

use crate::smartrest::{FieldReader, Record, RowBuilder};

use super::error::{DefinitionError, check_msg_id};

/// The row id of a response template definition.
pub const RESPONSE_ROW_ID: &str = "11";

/// A response template (`11` row): which values of a platform object a downstream line with
/// this message id carries.
///
/// ```
/// use c8y_mqtt::smartrest2::ResponseTemplate;
/// let t = ResponseTemplate::new("888", None, Some("c8y_Command"), ["c8y_Command.text"]).unwrap();
/// assert_eq!(t.to_row(), "11,888,,c8y_Command,c8y_Command.text");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseTemplate {
    msg_id: String,
    base: Option<String>,
    condition: Option<String>,
    patterns: Vec<String>,
}

impl ResponseTemplate {
    /// A response template; an empty `base` or `condition` counts as none. Needs a valid
    /// message id and at least one pattern, none of them empty.
    pub fn new<S: Into<String>>(
        msg_id: impl Into<String>,
        base: Option<&str>,
        condition: Option<&str>,
        patterns: impl IntoIterator<Item = S>,
    ) -> Result<Self, DefinitionError> {
        let msg_id = msg_id.into();
        check_msg_id(&msg_id)?;
        let patterns: Vec<String> = patterns.into_iter().map(Into::into).collect();
        if patterns.is_empty() {
            return Err(DefinitionError::MissingPattern);
        }
        if let Some(index) = patterns.iter().position(String::is_empty) {
            return Err(DefinitionError::EmptyPattern { index });
        }
        let non_empty = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(Self {
            msg_id,
            base: non_empty(base),
            condition: non_empty(condition),
            patterns,
        })
    }

    /// The message id of the lines this template produces.
    pub fn msg_id(&self) -> &str {
        &self.msg_id
    }

    /// The JSON-path prefix applied to every pattern (`None`: the object's root).
    pub fn base(&self) -> Option<&str> {
        self.base.as_deref()
    }

    /// The JSON path that must exist for the template to fire (`None`: always fires).
    pub fn condition(&self) -> Option<&str> {
        self.condition.as_deref()
    }

    /// The JSON paths whose values the line carries, in order (never empty).
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// The `11` row.
    pub fn to_row(&self) -> String {
        let mut row = RowBuilder::new(RESPONSE_ROW_ID);
        row.field(&self.msg_id)
            .field(self.base().unwrap_or(""))
            .field(self.condition().unwrap_or(""))
            .fields(&self.patterns);
        row.finish()
    }

    /// Reads an `11` row, strictly: every fault is a specific [`DefinitionError`].
    pub fn from_record(record: &Record) -> Result<Self, DefinitionError> {
        if record.id() != RESPONSE_ROW_ID {
            return Err(DefinitionError::WrongRow {
                expected: RESPONSE_ROW_ID,
                found: record.id().to_owned(),
            });
        }
        let mut r = FieldReader::new(record);
        let msg_id = r.raw();
        let base = r.optional();
        let condition = r.optional();
        let mut patterns = r.rest();
        while let [head @ .., last] = patterns {
            if !last.is_empty() {
                break;
            }
            patterns = head;
        }
        Self::new(msg_id, base, condition, patterns.iter().map(String::as_str))
    }
}
