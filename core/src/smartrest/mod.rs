//! The SmartREST codec: the one place where SmartREST text is written and read.
//!
//! * [`encode`](mod@encode): quoting, rows, payloads.
//! * [`decode`](mod@decode): payloads into [`Record`]s, with typed errors.
//! * [`fields`]: reading a record's values into types.
//! * [`packet`]: Cumulocity's 16 184-byte packet limit and packing rows into packets.
//! * [`truncate`](mod@truncate): cutting free text to an encoded size.
//!
//! Nothing else in the project splits on commas or joins fields by hand.

pub mod decode;
pub mod encode;
pub mod fields;
pub mod packet;
pub mod truncate;

pub use decode::{
    DecodeError, DecodeErrorKind, Dialect, Record, Records, decode, decode_platform, records, records_in,
    records_platform,
};
pub use encode::{
    RowBuilder, encode_field, encode_field_into, encode_row, encoded_len, join_rows, needs_quoting, push_row,
    with_backslash_escapes,
};
pub use fields::{FieldError, FieldErrorKind, FieldReader};
pub use packet::{
    InvalidQoS, MAX_PACKET_SIZE, MessageTooLarge, QoS, RowTooLarge, check_packet_size, max_payload_len,
    pack_rows, publish_packet_size,
};
pub use truncate::{truncate_field, truncate_field_with_marker};
