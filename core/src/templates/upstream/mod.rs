//! Upstream static templates (device → platform): filled in by the upstream-templates work.
