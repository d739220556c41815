//! Rows on `s/ds` (docs/protocol.md §5.7): the replies `106` (child devices) and `124` (own
//! managed-object id), the operations `510`–`532`, and every other id kept as it came.

use super::group::without_trailing_empties;
use super::{Channel, DownstreamError, DownstreamLine, Operation, read_strict};
use crate::smartrest::{Record, RowBuilder};

/// Id of the child-devices reply.
const CHILD_DEVICES_ID: &str = "106";
/// Id of the managed-object-id reply.
const MANAGED_OBJECT_ID: &str = "124";

/// One row received on `s/ds`.
///
/// ```
/// use c8y_mqtt::templates::downstream::{DownstreamLine, StaticDownstream};
/// use c8y_mqtt::smartrest::decode;
/// let row = &decode(b"124,12345").unwrap()[0];
/// let line = StaticDownstream::from_record(row).unwrap();
/// assert_eq!(line, StaticDownstream::ManagedObjectId("12345".into()));
/// assert_eq!(line.to_row(), "124,12345");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StaticDownstream {
    /// `106,<child>,…`: the external ids of the device's children (reply to `105`); bare `106`
    /// when it has none.
    ChildDevices(Vec<String>),
    /// `124,<id>`: the device's own managed-object id (reply to `123`).
    ManagedObjectId(String),
    /// An operation (`510`–`532`).
    Operation(Operation),
    /// A row with an id this library does not know (a newer template, `512`, …), kept whole.
    Unknown {
        /// The row's id.
        id: String,
        /// The fields after the id, as decoded.
        fields: Vec<String>,
    },
}

impl DownstreamLine for StaticDownstream {
    const CHANNEL: Channel = Channel::Static;

    fn from_record(record: &Record) -> Result<Self, DownstreamError> {
        match record.id() {
            CHILD_DEVICES_ID => Ok(Self::ChildDevices(without_trailing_empties(record.values()))),
            MANAGED_OBJECT_ID => read_strict(Self::CHANNEL, record, |f| {
                Ok(Self::ManagedObjectId(f.required("managed object id")?.to_owned()))
            }),
            id => match Operation::parse(record) {
                Some(operation) => operation.map(Self::Operation),
                None => Ok(Self::Unknown {
                    id: id.to_owned(),
                    fields: record.values().to_vec(),
                }),
            },
        }
    }

    fn to_row(&self) -> String {
        match self {
            Self::ChildDevices(children) => {
                let mut row = RowBuilder::new(CHILD_DEVICES_ID);
                row.fields(children);
                row.finish()
            }
            Self::ManagedObjectId(id) => {
                let mut row = RowBuilder::new(MANAGED_OBJECT_ID);
                row.field(id);
                row.finish()
            }
            Self::Operation(operation) => operation.to_row(),
            Self::Unknown { id, fields } => {
                let mut row = RowBuilder::new(id);
                row.fields(fields);
                row.finish()
            }
        }
    }
}

impl From<Operation> for StaticDownstream {
    fn from(operation: Operation) -> Self {
        Self::Operation(operation)
    }
}
