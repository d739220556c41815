//! SmartREST 2.0: custom template collections and the use lines that apply them (docs/protocol.md §7).
//!
//! * [`request`]: request templates (`10` rows), one [`Request`] variant per supported
//!   API/method combination, columns fixed or left for use time ([`Slot`]).
//! * [`response`]: response templates (`11` rows).
//! * [`collection`]: a collection of both, its single-packet creation message on
//!   `s/ut/<X-ID>`, and reading one back.
//! * [`usage`]: use lines (`<msgId>,<values…>`): which columns a template leaves open, building
//!   checked lines, and reading them as the platform does.
//! * [`value_type`]: the column value types and typed values.
//! * [`error`]: definition and collection errors, with SmartREST 1.0-style `41` texts.
//!
//! Everything is written with the codec's `RowBuilder` and read with `decode` + `FieldReader`.
//!
//! Choices where docs/protocol.md is silent or ambiguous:
//! * Words (methods, APIs, value types, `true`/`false`) are read in any letter case and written
//!   in the documented upper (lower for booleans) case.
//! * An empty custom value type means `STRING`, the documented default type.
//! * Request and response message ids share one space within a collection.
//! * A message id must be non-empty and need no quoting.
//! * `ARRAY`/`OBJECTARRAY` are refused (static templates only).
//! * `byId=true` with an external id type, a `FLAG` with a value, custom values on INVENTORY GET
//!   and empty patterns before the last are refused as contradictory or meaningless.
//! * Values fixed in a template are checked against their column's type, as use-line values are.
//! * INTEGER and UNSIGNED use-line values must fit `i64` / `u64`.
//! * Use lines may leave out or empty any value except those that find the object to update.
//! * A creation payload lists request templates, then response templates.

pub mod collection;
pub mod error;
pub mod request;
pub mod response;
pub mod usage;
pub mod value_type;

pub use collection::{TemplateCollection, TemplateRow};
pub use error::{CollectionError, DefinitionError};
pub use request::{Api, CustomValue, InventoryLookup, Method, Request, RequestTemplate, Slot};
pub use response::ResponseTemplate;
pub use usage::{BoundValue, Column, UseColumn, UseError, UseLine};
pub use value_type::{UseValue, ValueType, ValueTypeError};

#[cfg(test)]
mod tests;
