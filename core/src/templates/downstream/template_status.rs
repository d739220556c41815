//! SmartREST 2.0 template collection status on `s/dt` (docs/protocol.md §6.2): `20,<X-ID>,<moId>` when
//! the collection exists, `41,<X-ID>` when it does not.

use super::{Channel, DownstreamError, DownstreamLine, read_strict};
use crate::smartrest::{Record, RowBuilder};

/// Id of the "collection exists" line.
const EXISTS_ID: &str = "20";
/// Id of the "collection missing" line.
const MISSING_ID: &str = "41";

/// The platform's answer to an (empty) publish on `s/ut/<X-ID>`.
///
/// ```
/// use c8y_mqtt::templates::downstream::{parse_template_status, TemplateStatus};
/// assert_eq!(
///     parse_template_status(b"41,myCommon_10"),
///     [Ok(TemplateStatus::Missing { x_id: "myCommon_10".into() })]
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplateStatus {
    /// `20,<X-ID>,<moId>`: the collection exists.
    Exists {
        /// The collection's X-ID.
        x_id: String,
        /// The managed-object id of the stored collection.
        collection_id: String,
    },
    /// `41,<X-ID>`: no collection with this X-ID; the device should create it.
    Missing {
        /// The collection's X-ID.
        x_id: String,
    },
}

impl TemplateStatus {
    /// The X-ID the line is about.
    pub fn x_id(&self) -> &str {
        match self {
            Self::Exists { x_id, .. } | Self::Missing { x_id } => x_id,
        }
    }
}

impl DownstreamLine for TemplateStatus {
    const CHANNEL: Channel = Channel::TemplateStatus;

    fn from_record(record: &Record) -> Result<Self, DownstreamError> {
        match record.id() {
            EXISTS_ID => read_strict(Self::CHANNEL, record, |f| {
                Ok(Self::Exists {
                    x_id: f.required("X-ID")?.to_owned(),
                    collection_id: f.required("collection id")?.to_owned(),
                })
            }),
            MISSING_ID => read_strict(Self::CHANNEL, record, |f| {
                Ok(Self::Missing {
                    x_id: f.required("X-ID")?.to_owned(),
                })
            }),
            _ => Err(DownstreamError::unexpected(Self::CHANNEL, record)),
        }
    }

    fn to_row(&self) -> String {
        match self {
            Self::Exists { x_id, collection_id } => {
                let mut row = RowBuilder::new(EXISTS_ID);
                row.field(x_id).field(collection_id);
                row.finish()
            }
            Self::Missing { x_id } => {
                let mut row = RowBuilder::new(MISSING_ID);
                row.field(x_id);
                row.finish()
            }
        }
    }
}
