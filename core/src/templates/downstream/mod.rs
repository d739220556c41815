//! Downstream lines (platform → device): filled in by the downstream-templates work.
