//! SmartREST 2.0 from code (docs/protocol.md §7): collections registered in the configuration
//! ([`ConfigBuilder::collection`](super::ConfigBuilder::collection)) are checked on every connect and created when the platform
//! says they are missing; [`SmartRest2`] sends use lines; response lines arrive as
//! [`Event::SmartRest2Response`], or as operations for the response templates declared with
//! [`ConfigBuilder::operation_response`](super::ConfigBuilder::operation_response). Also owns [`SmartRestOptions`] and the extra
//! subscriptions they need (`s/dt`, `s/dc/<X-ID>`, `s/dl/<X-ID>`, `error`).
//!
//! Collection start-up, after SUBACK on every connect: an empty `s/ut/<X-ID>` (existence
//! query); on `41,<X-ID>` the collection's creation payload on `s/ut/<X-ID>` followed by another
//! query; `20,<X-ID>,<id>` makes it [`CollectionState::Ready`]. A second `41` after creating
//! makes it [`CollectionState::Failed`] (no loop). Use lines go to `s/uc/<X-ID>` (`s/ud` for
//! the default X-ID of the client id, whose `s/dd` is then subscribed; `/<child>` appended for
//! a child, docs/protocol.md §7.1, §7.7). They wait in the outbox until the collection is
//! confirmed once (`20`), then go out in order: a use line sent before the collection exists is
//! refused by the platform (`40,…,No template for this X-ID`) and lost.
//!
//! Operation responses: the platform writes the target device's external id right after the
//! message id. The operation's fragment is the first segment of the template's condition (of
//! its base when it has no condition); its id is the value of a pattern `id` when no `[*]`
//! pattern precedes it (otherwise the operation has no id and the lifecycle uses 501–503).

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::QoS;
use crate::smartrest::records_platform;
use crate::smartrest2::{ResponseTemplate, TemplateCollection};
use crate::templates::downstream::TemplateStatus;
use crate::topic::{DownstreamTopic, ExternalId, UpstreamTopic};

pub use super::config::SmartRestOptions;
use super::delivery::Delivery;
use super::entity::{enqueue, publish_payloads};
use super::error::ClientError;
use super::events::Event;
use super::operations::{self, OperationSource, ReceivedOperation};
use super::outbox::RowId;
use super::{Client, Config, Shared};

impl Config {
    /// Whether the collection `xid` is registered.
    pub(crate) fn has_collection(&self, xid: &str) -> bool {
        self.smartrest.collections.iter().any(|c| c.xid().as_str() == xid)
    }

    /// Every topic filter subscribed after connecting: the [`Subscriptions`](super::Subscriptions)
    /// plus what registered collections, SmartREST 1.0 X-IDs and JSON errors need; no duplicates.
    pub fn subscription_topics(&self) -> Vec<String> {
        let mut topics = self.subscriptions.topics();
        let mut extra = Vec::new();
        if self.client_id.default_xid().is_some() {
            extra.push(DownstreamTopic::Default);
        }
        if !self.smartrest.collections.is_empty() {
            extra.push(DownstreamTopic::Template);
        }
        for collection in &self.smartrest.collections {
            extra.push(DownstreamTopic::Custom(collection.xid().clone()));
        }
        for xid in &self.smartrest.smartrest1 {
            extra.push(DownstreamTopic::Legacy(xid.clone()));
        }
        if self.smartrest.json_errors {
            extra.push(DownstreamTopic::JsonError);
        }
        if super::access_token::subscribes_token(self) {
            extra.push(DownstreamTopic::Token);
        }
        for topic in extra {
            let topic = topic.to_string();
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        topics
    }
}

/// Where a registered collection is in its start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CollectionState {
    /// The existence query was sent.
    Checking,
    /// The platform reported it missing; the creation was sent.
    Creating,
    /// The platform has it.
    Ready {
        /// The managed-object id of the stored collection.
        collection_id: String,
    },
    /// It could not be created.
    Failed {
        /// Why.
        reason: String,
    },
}

/// A SmartREST 2.0 response line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The collection's X-ID (the default X-ID for `s/dd`).
    pub xid: String,
    /// The response template's message id.
    pub msg_id: String,
    /// The values after the message id.
    pub values: Vec<String>,
}

/// The X-IDs whose creation was sent in this connection.
#[derive(Debug, Default)]
pub(crate) struct CollectionStates {
    creating: Mutex<HashSet<String>>,
}

fn query_topic(collection: &TemplateCollection) -> String {
    collection.topic().to_string()
}

fn push_state(shared: &Shared, xid: &str, state: CollectionState) {
    if matches!(state, CollectionState::Failed { .. }) {
        // Use lines held for it cannot go out.
        shared.report(shared.outbox.fail_gate(xid));
    }
    shared.push(Event::Collection {
        xid: xid.to_owned(),
        state,
    });
}

/// After SUBACK on every connect: query every registered collection.
pub(crate) fn on_ready(shared: &Arc<Shared>) {
    shared.collections.creating.lock().clear();
    for collection in &shared.config.smartrest.collections {
        let topic = query_topic(collection);
        match publish_payloads(shared, topic, vec![String::new()], QoS::AtLeastOnce, false) {
            Ok(_) => push_state(shared, collection.xid().as_str(), CollectionState::Checking),
            Err(error) => push_state(
                shared,
                collection.xid().as_str(),
                CollectionState::Failed {
                    reason: error.to_string(),
                },
            ),
        }
    }
}

/// A `20`/`41` line arrived on `s/dt`.
pub(crate) fn on_template_status(shared: &Arc<Shared>, status: &TemplateStatus) {
    let xid = status.x_id();
    let Some(collection) = shared
        .config
        .smartrest
        .collections
        .iter()
        .find(|c| c.xid().as_str() == xid)
    else {
        return;
    };
    match status {
        TemplateStatus::Exists { collection_id, .. } => {
            shared.collections.creating.lock().remove(xid);
            shared.outbox.open_gate(xid);
            push_state(
                shared,
                xid,
                CollectionState::Ready {
                    collection_id: collection_id.clone(),
                },
            );
        }
        TemplateStatus::Missing { .. } => {
            if !shared.collections.creating.lock().insert(xid.to_owned()) {
                push_state(
                    shared,
                    xid,
                    CollectionState::Failed {
                        reason: "still missing after its creation".to_owned(),
                    },
                );
                return;
            }
            let created = collection
                .creation_payload(QoS::AtLeastOnce)
                .map_err(|e| e.to_string())
                .and_then(|payload| {
                    let topic = query_topic(collection);
                    publish_payloads(shared, topic.clone(), vec![payload], QoS::AtLeastOnce, false)
                        .and_then(|_| {
                            publish_payloads(shared, topic, vec![String::new()], QoS::AtLeastOnce, false)
                        })
                        .map_err(|e| e.to_string())
                });
            let state = match created {
                Ok(_) => CollectionState::Creating,
                Err(reason) => CollectionState::Failed { reason },
            };
            push_state(shared, xid, state);
        }
    }
}

/// Rows arrived on `s/dc/<xid>` (or `s/dd`, `xid` the default X-ID).
pub(crate) fn on_response(shared: &Arc<Shared>, xid: &str, topic: &str, payload: &Bytes) {
    for record in records_platform(payload) {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                shared.push(Event::MalformedMessage {
                    topic: topic.to_owned(),
                    reason: error.to_string(),
                    payload: payload.clone(),
                });
                continue;
            }
        };
        let msg_id = record.id().to_owned();
        let values = record.values().to_vec();
        let is_operation = shared
            .config
            .smartrest
            .operation_responses
            .iter()
            .any(|(x, m)| x == xid && *m == msg_id);
        let template = shared
            .config
            .smartrest
            .collections
            .iter()
            .find(|c| c.xid().as_str() == xid)
            .and_then(|c| c.response(&msg_id));
        match (is_operation, template) {
            (true, Some(template)) => {
                let op = operation(shared, xid, template, values);
                operations::deliver(shared, op);
            }
            _ => shared.push(Event::SmartRest2Response(Response {
                xid: xid.to_owned(),
                msg_id,
                values,
            })),
        }
    }
}

/// The operation an operation response line renders.
fn operation(
    shared: &Arc<Shared>,
    xid: &str,
    template: &ResponseTemplate,
    mut values: Vec<String>,
) -> ReceivedOperation {
    let device = if values.is_empty() {
        String::new()
    } else {
        values.remove(0)
    };
    let id = operation_id(template, &values);
    let fragment = template_fragment(template).to_owned();
    let source = OperationSource::SmartRest2 {
        xid: xid.to_owned(),
        msg_id: template.msg_id().to_owned(),
        values,
    };
    ReceivedOperation::from_smartrest2(shared, id, device, fragment, source)
}

/// The value of the template's `id` pattern in `values` (the values after the device id), when
/// no `[*]` pattern before it makes its position unknown.
fn operation_id(template: &ResponseTemplate, values: &[String]) -> Option<String> {
    let patterns = template.patterns();
    patterns
        .iter()
        .position(|p| p == "id")
        .filter(|&at| patterns.iter().take(at).all(|p| !p.contains("[*]")))
        .and_then(|at| values.get(at))
        .filter(|id| !id.is_empty())
        .cloned()
}

/// The operation fragment a response template renders: the first segment of its condition (of
/// its base without one).
fn template_fragment(template: &ResponseTemplate) -> &str {
    template
        .condition()
        .or(template.base())
        .and_then(|path| path.split(['.', '[']).next())
        .unwrap_or_default()
}

/// Whether a declared operation response renders operations with `fragment` (static lines of
/// that fragment are then skipped as id-less duplicates).
pub(crate) fn covers_fragment(config: &Config, fragment: &str) -> bool {
    config.smartrest.operation_responses.iter().any(|(xid, msg_id)| {
        config
            .smartrest
            .collections
            .iter()
            .find(|c| c.xid().as_str() == xid)
            .and_then(|c| c.response(msg_id))
            .is_some_and(|t| template_fragment(t) == fragment)
    })
}

/// Sends use lines of one registered collection; from [`Client::smartrest2`].
///
/// ```no_run
/// # fn run(collection: c8y_mqtt::smartrest2::TemplateCollection) -> Result<(), Box<dyn std::error::Error>> {
/// use c8y_mqtt::client::{Client, Config};
/// // The collection (e.g. 999 = POST MEASUREMENT with time and value at use) is declared in the
/// // config; the client creates it on s/ut/<X-ID> when s/dt says it is missing.
/// let config = Config::from_env()?.collection(collection).build()?;
/// let client = Client::start(config)?;
/// // `999,,25` on s/uc/myCommon_10: values checked against the template's columns
/// client.smartrest2("myCommon_10")?.send("999", ["", "25"])?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SmartRest2 {
    shared: Arc<Shared>,
    collection: TemplateCollection,
    /// The child device the use lines are for (`s/uc/<X-ID>/<child>`), if any.
    child: Option<ExternalId>,
    /// The QoS of the use lines; None for the configured default.
    qos: Option<QoS>,
}

impl SmartRest2 {
    /// The same sender with QoS `qos` instead of the configured default.
    #[must_use]
    pub fn with_qos(self, qos: QoS) -> Self {
        Self {
            qos: Some(qos),
            ..self
        }
    }

    /// The collection.
    pub fn collection(&self) -> &TemplateCollection {
        &self.collection
    }

    /// The same sender for the child device `id` of the client's device: its use lines go to
    /// `s/uc/<X-ID>/<id>` (`s/ud/<id>` for the default collection), and the platform answers
    /// for that child.
    pub fn child(&self, id: &str) -> Result<Self, ClientError> {
        Ok(Self {
            child: Some(super::external_id(id)?),
            ..self.clone()
        })
    }

    /// The upstream topic of the use lines: `s/ud` for the client's default X-ID, else
    /// `s/uc/<X-ID>`, with the child when set.
    fn topic(&self) -> String {
        let config = &self.shared.config;
        let xid = self.collection.xid();
        let topic = if config.client_id.default_xid() == Some(xid) {
            UpstreamTopic::default_collection(config.mode)
        } else {
            UpstreamTopic::custom(config.mode, xid.clone())
        };
        match &self.child {
            Some(child) => topic.child(child.clone()).to_string(),
            None => topic.to_string(),
        }
    }

    /// Publishes a use line of request template `msg_id` with these values on `s/uc/<X-ID>`
    /// (`s/ud` for the default X-ID; configured processing mode, configured QoS unless
    /// [`SmartRest2::with_qos`] set one), checked against the
    /// template's columns. Until the platform confirmed the collection (`20` on `s/dt`) the
    /// line waits in the outbox, so that nothing is sent that the platform would reject for a
    /// missing collection; if the collection cannot be created, its delivery ends
    /// [`DropReason::CollectionFailed`](super::DropReason::CollectionFailed). A line the
    /// platform refuses on `s/e` (naming this message id) is tied to its delivery as described
    /// in the connection's documentation: [`Event::PublishRejected`] and
    /// [`DeliveryOutcome::Rejected`](super::DeliveryOutcome::Rejected).
    pub fn send<S: AsRef<str>>(
        &self,
        msg_id: &str,
        values: impl IntoIterator<Item = S>,
    ) -> Result<Delivery, ClientError> {
        let template = self
            .collection
            .request(msg_id)
            .ok_or_else(|| ClientError::UnknownTemplate {
                xid: self.collection.xid().to_string(),
                msg_id: msg_id.to_owned(),
            })?;
        let line = template.use_line(values).map_err(ClientError::UseLine)?;
        enqueue(
            &self.shared,
            self.topic(),
            vec![line.to_row()],
            self.qos.unwrap_or(self.shared.config.default_qos),
            false,
            Some(self.collection.xid().to_string()),
            Some(RowId::UseLine(msg_id.into())),
        )
    }
}

impl Client {
    /// The use-line sender of the registered collection `xid`
    /// ([`ClientError::UnknownTemplate`] with an empty message id when it is not registered).
    pub fn smartrest2(&self, xid: &str) -> Result<SmartRest2, ClientError> {
        let collection = self
            .shared()
            .config
            .smartrest
            .collections
            .iter()
            .find(|c| c.xid().as_str() == xid)
            .cloned()
            .ok_or_else(|| ClientError::UnknownTemplate {
                xid: xid.to_owned(),
                msg_id: String::new(),
            })?;
        Ok(SmartRest2 {
            shared: Arc::clone(self.shared()),
            collection,
            child: None,
            qos: None,
        })
    }
}

/// The X-ID `s/dd` responses belong to.
pub(crate) fn default_xid(config: &Config) -> Option<String> {
    config.client_id.default_xid().map(|x| x.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topic::XId;

    fn template(base: Option<&str>, condition: Option<&str>, patterns: &[&str]) -> ResponseTemplate {
        ResponseTemplate::new("777", base, condition, patterns.iter().copied()).unwrap()
    }

    fn values(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn operation_id_is_read_at_its_pattern_position() {
        let t = template(None, Some("c8y_Command"), &["c8y_Command.text", "id"]);
        assert_eq!(operation_id(&t, &values(&["ls", "42"])).as_deref(), Some("42"));
        assert_eq!(operation_id(&t, &values(&["ls", ""])), None);
        assert_eq!(operation_id(&t, &values(&["ls"])), None);
        let t = template(
            None,
            Some("c8y_SoftwareList"),
            &["c8y_SoftwareList[*].name", "id"],
        );
        assert_eq!(
            operation_id(&t, &values(&["a", "b", "42"])),
            None,
            "position unknown after [*]"
        );
        let t = template(None, Some("c8y_Restart"), &["status"]);
        assert_eq!(operation_id(&t, &values(&["PENDING"])), None);
    }

    #[test]
    fn fragment_is_the_first_segment_of_condition_or_base() {
        assert_eq!(
            template_fragment(&template(None, Some("c8y_Command.text"), &["id"])),
            "c8y_Command"
        );
        assert_eq!(
            template_fragment(&template(Some("c8y_Relay"), None, &["relayState"])),
            "c8y_Relay"
        );
        assert_eq!(
            template_fragment(&template(None, Some("c8y_List[0]"), &["id"])),
            "c8y_List"
        );
        assert_eq!(template_fragment(&template(None, None, &["id"])), "");
    }

    #[test]
    fn extra_subscriptions_follow_the_configuration() {
        let collection = TemplateCollection::new("x1")
            .unwrap()
            .with_response(template(None, Some("c8y_Restart"), &["id"]))
            .unwrap();
        let config = Config::builder("h", "d")
            .password("t", "u", "p")
            .collection(collection)
            .smartrest1(XId::new("legacy1").unwrap())
            .json_errors(true)
            .build()
            .unwrap();
        assert_eq!(
            config.subscription_topics(),
            ["s/ds", "s/e", "s/dt", "s/dc/x1", "s/dl/legacy1", "error"]
        );
        assert!(config.has_collection("x1"));
        assert!(!config.has_collection("x2"));
    }
}
