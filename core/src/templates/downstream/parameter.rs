//! The parameter triples of `532` (`c8y_ParameterUpdate`): path, abbreviated type, value, for
//! example `c8y_RelayStatus.left,b,false` (docs/protocol.md §5.7).

use super::group::Group;
use crate::smartrest::{FieldError, FieldReader, RowBuilder};

/// One parameter to set.
///
/// The type is kept as the platform's abbreviation (`b` for BOOLEAN); the full list of
/// abbreviations is not documented (docs/protocol.md §12, question 10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParameterChange {
    /// Path of the parameter in the device's managed object, e.g. `c8y_RelayStatus.left`.
    pub path: String,
    /// Abbreviated value type, e.g. `b`.
    pub value_type: String,
    /// The new value as text.
    pub value: String,
}

impl ParameterChange {
    /// The value as a boolean when the type is `b` and the value is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        if self.value_type == "b" {
            self.value.parse().ok()
        } else {
            None
        }
    }
}

impl Group for ParameterChange {
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            path: fields.required("path")?.to_owned(),
            value_type: fields.raw().to_owned(),
            value: fields.raw().to_owned(),
        })
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.path).field(&self.value_type).field(&self.value);
    }
}
