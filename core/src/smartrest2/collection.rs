//! Template collections: every request and response template of one X-ID, created with a single
//! publish on `s/ut/<X-ID>` (docs/protocol.md §7.4, §7.9).
//!
//! The whole collection must fit one MQTT packet (16 184 bytes with header and topic); it cannot
//! be split, and an empty publish on that topic is an existence query, not a creation. Message ids
//! are unique across the collection, request and response templates together. The creation
//! payload lists the request templates, then the response templates, each group in the order
//! added, one row each, separated by LF.

use crate::smartrest::{QoS, Record, check_packet_size, decode, join_rows};
use crate::topic::{UpstreamTopic, XId};

use super::error::{CollectionError, DefinitionError};
use super::request::{REQUEST_ROW_ID, RequestTemplate};
use super::response::{RESPONSE_ROW_ID, ResponseTemplate};

/// One row of a collection: a request or a response template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplateRow {
    /// A `10` row.
    Request(RequestTemplate),
    /// An `11` row.
    Response(ResponseTemplate),
}

impl TemplateRow {
    /// Reads a `10` or `11` row.
    pub fn from_record(record: &Record) -> Result<Self, DefinitionError> {
        match record.id() {
            REQUEST_ROW_ID => RequestTemplate::from_record(record).map(Self::Request),
            RESPONSE_ROW_ID => ResponseTemplate::from_record(record).map(Self::Response),
            other => Err(DefinitionError::WrongRow {
                expected: "10 or 11",
                found: other.to_owned(),
            }),
        }
    }

    /// The template's message id.
    pub fn msg_id(&self) -> &str {
        match self {
            Self::Request(t) => t.msg_id(),
            Self::Response(t) => t.msg_id(),
        }
    }

    /// The row.
    pub fn to_row(&self) -> String {
        match self {
            Self::Request(t) => t.to_row(),
            Self::Response(t) => t.to_row(),
        }
    }
}

/// The templates of one X-ID.
///
/// ```
/// use c8y_mqtt::smartrest2::{ResponseTemplate, TemplateCollection};
/// use c8y_mqtt::QoS;
/// let collection = TemplateCollection::new("myCommon_10")
///     .unwrap()
///     .with_response(ResponseTemplate::new("888", None, Some("c8y_Command"), ["c8y_Command.text"]).unwrap())
///     .unwrap();
/// assert_eq!(collection.topic().to_string(), "s/ut/myCommon_10");
/// assert_eq!(collection.creation_payload(QoS::AtLeastOnce).unwrap(), "11,888,,c8y_Command,c8y_Command.text");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TemplateCollection {
    xid: XId,
    requests: Vec<RequestTemplate>,
    responses: Vec<ResponseTemplate>,
}

impl TemplateCollection {
    /// An empty collection for `xid`, which must be a valid [`XId`] (usable as a topic level).
    pub fn new(xid: impl Into<String>) -> Result<Self, CollectionError> {
        let xid = xid.into();
        let xid = XId::new(xid.clone()).map_err(|error| CollectionError::InvalidXid { xid, error })?;
        Ok(Self {
            xid,
            requests: Vec::new(),
            responses: Vec::new(),
        })
    }

    /// The X-ID.
    pub fn xid(&self) -> &XId {
        &self.xid
    }

    /// The topic the collection is created (and queried) on: `s/ut/<X-ID>`.
    pub fn topic(&self) -> UpstreamTopic {
        UpstreamTopic::Template(self.xid.clone())
    }

    /// The request templates, in the order added.
    pub fn requests(&self) -> &[RequestTemplate] {
        &self.requests
    }

    /// The response templates, in the order added.
    pub fn responses(&self) -> &[ResponseTemplate] {
        &self.responses
    }

    /// The request template with this message id.
    pub fn request(&self, msg_id: &str) -> Option<&RequestTemplate> {
        self.requests.iter().find(|t| t.msg_id() == msg_id)
    }

    /// The response template with this message id.
    pub fn response(&self, msg_id: &str) -> Option<&ResponseTemplate> {
        self.responses.iter().find(|t| t.msg_id() == msg_id)
    }

    /// The number of templates.
    pub fn len(&self) -> usize {
        self.requests.len() + self.responses.len()
    }

    /// True when the collection holds no template.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check_unique(&self, msg_id: &str, row: Option<usize>) -> Result<(), CollectionError> {
        if self.request(msg_id).is_some() || self.response(msg_id).is_some() {
            return Err(CollectionError::DuplicateMsgId {
                msg_id: msg_id.to_owned(),
                row,
            });
        }
        Ok(())
    }

    /// Adds a request template; its message id must be new to the collection.
    pub fn add_request(&mut self, template: RequestTemplate) -> Result<(), CollectionError> {
        self.check_unique(template.msg_id(), None)?;
        self.requests.push(template);
        Ok(())
    }

    /// Adds a response template; its message id must be new to the collection.
    pub fn add_response(&mut self, template: ResponseTemplate) -> Result<(), CollectionError> {
        self.check_unique(template.msg_id(), None)?;
        self.responses.push(template);
        Ok(())
    }

    /// [`add_request`](Self::add_request), for chaining.
    pub fn with_request(mut self, template: RequestTemplate) -> Result<Self, CollectionError> {
        self.add_request(template)?;
        Ok(self)
    }

    /// [`add_response`](Self::add_response), for chaining.
    pub fn with_response(mut self, template: ResponseTemplate) -> Result<Self, CollectionError> {
        self.add_response(template)?;
        Ok(self)
    }

    /// Every row, requests first.
    pub fn rows(&self) -> Vec<String> {
        self.requests
            .iter()
            .map(RequestTemplate::to_row)
            .chain(self.responses.iter().map(ResponseTemplate::to_row))
            .collect()
    }

    /// The payload that creates the collection on [`topic`](Self::topic) when published with
    /// `qos`. An empty collection or one that does not fit one packet is an error.
    pub fn creation_payload(&self, qos: QoS) -> Result<String, CollectionError> {
        if self.is_empty() {
            return Err(CollectionError::Empty);
        }
        let payload = join_rows(self.rows());
        check_packet_size(&self.topic().to_string(), payload.len(), qos).map_err(|error| {
            CollectionError::TooLarge {
                xid: self.xid.clone(),
                error,
            }
        })?;
        Ok(payload)
    }

    /// Reads a creation payload received on `s/ut/<xid>`, strictly: the first faulty row (with
    /// its number) or reused message id is the error. An empty payload is
    /// [`CollectionError::Empty`]: on the wire it is an existence query, to be handled before.
    pub fn parse(xid: impl Into<String>, payload: &[u8]) -> Result<Self, CollectionError> {
        let mut collection = Self::new(xid)?;
        for (index, record) in decode(payload)?.iter().enumerate() {
            let row = index + 1;
            let template = TemplateRow::from_record(record).map_err(|error| CollectionError::Row {
                row,
                row_id: record.id().to_owned(),
                error,
            })?;
            collection.check_unique(template.msg_id(), Some(row))?;
            match template {
                TemplateRow::Request(t) => collection.requests.push(t),
                TemplateRow::Response(t) => collection.responses.push(t),
            }
        }
        if collection.is_empty() {
            return Err(CollectionError::Empty);
        }
        Ok(collection)
    }
}
