//! Repeated field groups: the tail of a row made of fixed-size tuples (software items, parameter
//! triples, configuration pairs), read and written one group at a time.

use crate::smartrest::{FieldError, FieldReader, RowBuilder};

/// A fixed-size tuple of fields that repeats until the end of a row (or of a section).
pub(crate) trait Group: Sized {
    /// Reads one group; the reader is at its first field.
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError>;

    /// Writes the group's fields (every field, empty ones too, so the tuples stay aligned).
    fn write(&self, row: &mut RowBuilder);
}

/// Reads groups until no non-empty value is left. A last group cut short reads its missing
/// fields as empty (the platform may drop trailing empty fields), which is an error only for a
/// mandatory field.
pub(crate) fn read_groups<T: Group>(fields: &mut FieldReader<'_>) -> Result<Vec<T>, FieldError> {
    let mut groups = Vec::new();
    while fields.has_more() {
        groups.push(T::read(fields)?);
    }
    Ok(groups)
}

/// Writes every group in order.
pub(crate) fn write_groups<T: Group>(row: &mut RowBuilder, groups: &[T]) {
    for group in groups {
        group.write(row);
    }
}

/// A list without the empty values at its end (the platform may send a trailing separator).
pub(crate) fn without_trailing_empties(values: &[String]) -> Vec<String> {
    let len = values.iter().rposition(|v| !v.is_empty()).map_or(0, |i| i + 1);
    values.iter().take(len).cloned().collect()
}
