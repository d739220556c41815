//! Typed topics and validated identifiers: filled in by the topics work.
