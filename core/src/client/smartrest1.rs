//! SmartREST 1.0 (docs/protocol.md §8) as a thin API: [`SmartRest1`] publishes rows on `s/ul/<X-ID>`;
//! responses on `s/dl/<X-ID>` (subscribed with
//! [`ConfigBuilder::smartrest1`](super::ConfigBuilder::smartrest1)) arrive as
//! [`Event::SmartRest1Response`].

use std::sync::Arc;

use bytes::Bytes;

use crate::smartrest::{RowBuilder, records_platform};
use crate::topic::{UpstreamTopic, XId};

use super::delivery::Delivery;
use super::entity::publish_payloads;
use super::error::ClientError;
use super::events::Event;
use super::{Client, Shared};

/// Publishes SmartREST 1.0 rows for one X-ID; from [`Client::smartrest1`].
///
/// ```no_run
/// # fn run(client: &c8y_mqtt::client::Client) -> Result<(), c8y_mqtt::client::ClientError> {
/// // Row "100,Living room,21.5" of the SmartREST 1.0 template collection "legacyTemplates".
/// let legacy = client.smartrest1("legacyTemplates")?;
/// let delivery = legacy.send("100", ["Living room", "21.5"])?;
/// # let _ = delivery; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SmartRest1 {
    shared: Arc<Shared>,
    xid: XId,
}

impl SmartRest1 {
    /// Publishes one row (`<msgId>,<fields…>`, quoted as needed) on `s/ul/<X-ID>`.
    pub fn send<S: AsRef<str>>(
        &self,
        msg_id: &str,
        fields: impl IntoIterator<Item = S>,
    ) -> Result<Delivery, ClientError> {
        let mut row = RowBuilder::new(msg_id);
        for field in fields {
            row.field(field.as_ref());
        }
        let config = &self.shared.config;
        let topic = UpstreamTopic::legacy(config.mode, self.xid.clone()).to_string();
        publish_payloads(&self.shared, topic, vec![row.finish()], config.default_qos, false)
    }
}

impl Client {
    /// The SmartREST 1.0 publisher for `xid`.
    pub fn smartrest1(&self, xid: &str) -> Result<SmartRest1, ClientError> {
        Ok(SmartRest1 {
            shared: Arc::clone(self.shared()),
            xid: XId::new(xid).map_err(ClientError::Id)?,
        })
    }
}

/// Rows arrived on `s/dl/<xid>`.
pub(crate) fn on_response(shared: &Shared, xid: &str, topic: &str, payload: &Bytes) {
    for record in records_platform(payload) {
        shared.push(match record {
            Ok(record) => Event::SmartRest1Response {
                xid: xid.to_owned(),
                fields: record.into_fields(),
            },
            Err(error) => Event::MalformedMessage {
                topic: topic.to_owned(),
                reason: error.to_string(),
                payload: payload.clone(),
            },
        });
    }
}
