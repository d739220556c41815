//! The SmartREST 2.0 engine: the registry of template collections per tenant and X-ID, and the
//! three entry points the platform calls (reference §7):
//!
//! * [`Sr2Registry::on_template_topic`]: a publish on `s/ut/<X-ID>` (existence query or
//!   definition).
//! * [`Sr2Registry::on_use`]: a publish on `s/uc/<X-ID>[/<child>]` or `s/ud[/<child>]` (use
//!   lines).
//! * [`Sr2Registry::render_operation`]: an operation for a device, rendered by the response
//!   templates of every collection the device subscribed to.
//!
//! Choices where the reference is silent (open questions 1 and 2):
//! * A successful definition is answered with nothing, as the public PERF script observes (it
//!   polls with empty publishes until it sees `20,`); the next existence query answers
//!   `20,<X-ID>,<moId>`.
//! * A definition for an X-ID that already exists is refused with
//!   `41,<X-ID>,Cannot create templates for already existing template object` on `s/e` (the
//!   SmartREST 1.0 text); a malformed definition with `41,<X-ID>,<reason>` on `s/e`, the reason
//!   being the core's SmartREST 1.0 text (`Bad request template definition`, …).
//! * Use-line errors go to `s/e`, one line per failing row, the row's message id second, other
//!   rows unaffected: unknown X-ID `40,<msgId>,No template for this X-ID.`, unknown message id
//!   `40,<msgId>,No template for this message id`, wrong column count or bad value
//!   `45,<msgId>,<reason>`, an undecodable row `42,,<reason>`, a request the model refuses
//!   `50,<msgId>,<reason>`.
//! * Collections are kept per tenant.

use std::collections::HashMap;
use std::sync::Arc;

use c8y_mqtt::smartrest::{QoS, join_rows, pack_rows, records};
use c8y_mqtt::smartrest2::{TemplateCollection, TemplateRow};
use c8y_mqtt::templates::downstream::{DownstreamLine, ErrorLine, TemplateStatus};
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::request::build_request;
use super::response::response_rows;
use crate::platform::request::{ApiExecutor, ApiRequest, Reply, RequestContext, Resource};

/// Managed-object type of a stored collection (reference §7.4).
pub const TEMPLATE_OBJECT_TYPE: &str = "c8y_SmartRest2Template";
/// External id type under which a stored collection is registered, with the X-ID as value.
pub const TEMPLATE_IDENTIFIER_TYPE: &str = "c8y_SmartRest2DeviceIdentifier";
/// The fragment holding the templates in the stored managed object.
pub const TEMPLATE_FRAGMENT: &str = "com_cumulocity_model_smartrest_csv_CsvSmartRestTemplate";

/// The topic status lines are published on.
pub const STATUS_TOPIC: &str = "s/dt";
/// The topic error lines are published on.
pub const ERROR_TOPIC: &str = "s/e";

/// The SmartREST 1.0 text for a second definition of an existing collection.
pub const ALREADY_EXISTING_TEXT: &str = "Cannot create templates for already existing template object";
/// The text for use lines on an X-ID without collection.
pub const NO_COLLECTION_TEXT: &str = "No template for this X-ID.";
/// The text for a use line whose message id is in no request template of the collection.
pub const NO_TEMPLATE_TEXT: &str = "No template for this message id";

/// How the device addresses a collection, which decides the response topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sr2Channel {
    /// `s/uc/<X-ID>` → responses on `s/dc/<X-ID>`.
    Custom,
    /// `s/ud` with the client id's default X-ID → responses on `s/dd`.
    Default,
}

impl Sr2Channel {
    /// The downstream topic for responses on this channel.
    pub fn response_topic(self, xid: &str) -> String {
        match self {
            Self::Custom => format!("s/dc/{xid}"),
            Self::Default => "s/dd".to_owned(),
        }
    }
}

/// A collection a device receives operations through: its X-ID and how it subscribed
/// (`s/dc/<X-ID>` or `s/dd`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sr2Subscription {
    /// The X-ID.
    pub xid: String,
    /// `Custom` for `s/dc/<X-ID>`, `Default` for `s/dd`.
    pub channel: Sr2Channel,
}

#[derive(Debug, Clone)]
struct Stored {
    collection: Arc<TemplateCollection>,
    mo_id: String,
}

/// The SmartREST 2.0 engine: template collections by (tenant, X-ID) with the managed-object id
/// each was stored under. Thread-safe; no lock is held while the executor runs.
#[derive(Debug, Default)]
pub struct Sr2Registry {
    collections: Mutex<HashMap<(String, String), Stored>>,
}

impl Sr2Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The collection `xid` of `tenant`.
    pub fn collection(&self, tenant: &str, xid: &str) -> Option<Arc<TemplateCollection>> {
        self.stored(tenant, xid).map(|s| s.collection)
    }

    /// The managed-object id collection `xid` of `tenant` is stored under.
    pub fn collection_id(&self, tenant: &str, xid: &str) -> Option<String> {
        self.stored(tenant, xid).map(|s| s.mo_id)
    }

    /// Forgets collection `xid` of `tenant` (for when the model deletes its managed object, the
    /// only way to change a collection, reference §7.4). True when it existed.
    pub fn remove(&self, tenant: &str, xid: &str) -> bool {
        self.collections
            .lock()
            .remove(&(tenant.to_owned(), xid.to_owned()))
            .is_some()
    }

    fn stored(&self, tenant: &str, xid: &str) -> Option<Stored> {
        self.collections
            .lock()
            .get(&(tenant.to_owned(), xid.to_owned()))
            .cloned()
    }

    /// A publish on `s/ut/<xid>` by `context`'s device.
    ///
    /// * Empty payload (existence query): `20,<xid>,<moId>` or `41,<xid>` on `s/dt`.
    /// * A definition: parsed with [`TemplateCollection::parse`], stored as an inventory object
    ///   of type [`TEMPLATE_OBJECT_TYPE`] with external id ([`TEMPLATE_IDENTIFIER_TYPE`], X-ID),
    ///   answered with nothing. Refused with a `41` line on `s/e` when the X-ID exists already
    ///   (collections are immutable over MQTT) or the definition is malformed.
    pub fn on_template_topic(
        &self,
        context: &RequestContext,
        xid: &str,
        payload: &[u8],
        executor: &dyn ApiExecutor,
    ) -> Vec<Reply> {
        let existing = self.stored(&context.tenant, xid);
        if payload.iter().all(u8::is_ascii_whitespace) {
            let status = match existing {
                Some(stored) => TemplateStatus::Exists {
                    x_id: xid.to_owned(),
                    collection_id: stored.mo_id,
                },
                None => TemplateStatus::Missing { x_id: xid.to_owned() },
            };
            return vec![Reply::new(STATUS_TOPIC, status.to_row())];
        }
        if existing.is_some() {
            return vec![error_reply([ErrorLine::new(41, xid, ALREADY_EXISTING_TEXT)])];
        }
        let collection = match TemplateCollection::parse(xid, payload) {
            Ok(collection) => collection,
            Err(e) => return vec![error_reply([ErrorLine::new(41, xid, e.smartrest_text())])],
        };
        let request = ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: stored_object(&collection),
            external_id: Some((TEMPLATE_IDENTIFIER_TYPE.to_owned(), xid.to_owned())),
        };
        let mo_id = match executor.execute(context, request) {
            Ok(created) => match object_id(&created) {
                Some(id) => id,
                None => return vec![error_reply([ErrorLine::new(50, xid, "created object has no id")])],
            },
            Err(e) => return vec![error_reply([ErrorLine::new(50, xid, e.to_string())])],
        };
        let mut collections = self.collections.lock();
        let key = (context.tenant.clone(), xid.to_owned());
        if collections.contains_key(&key) {
            // Another session defined it meanwhile: the first definition wins.
            return vec![error_reply([ErrorLine::new(41, xid, ALREADY_EXISTING_TEXT)])];
        }
        collections.insert(
            key,
            Stored {
                collection: Arc::new(collection),
                mo_id,
            },
        );
        Vec::new()
    }

    /// A publish of use lines by `context`'s device (the child named by the topic, if any) on
    /// `s/uc/<xid>` (`channel` = [`Sr2Channel::Custom`]) or on `s/ud` with the client id's
    /// default X-ID `xid` ([`Sr2Channel::Default`]).
    ///
    /// Each row is read against the request template with its message id, turned into an
    /// [`ApiRequest`] and executed; when the template's `response` is true (default: true for
    /// GET), every response template of the collection is evaluated on the result and each
    /// matching one emits a row on `s/dc/<xid>` (or `s/dd`). Failing rows give `s/e` lines and
    /// leave the other rows alone. Returns one reply per topic (more when the response rows
    /// exceed one packet), rows in input order.
    pub fn on_use(
        &self,
        context: &RequestContext,
        xid: &str,
        channel: Sr2Channel,
        payload: &[u8],
        executor: &dyn ApiExecutor,
    ) -> Vec<Reply> {
        let collection = self.collection(&context.tenant, xid);
        let mut responses = Vec::new();
        let mut errors = Vec::new();
        for record in records(payload) {
            let record = match record {
                Ok(record) => record,
                Err(e) => {
                    errors.push(ErrorLine::new(42, "", e.to_string()));
                    continue;
                }
            };
            let msg_id = record.id();
            let Some(collection) = &collection else {
                errors.push(ErrorLine::new(40, msg_id, NO_COLLECTION_TEXT));
                continue;
            };
            let Some(template) = collection.request(msg_id) else {
                errors.push(ErrorLine::new(40, msg_id, NO_TEMPLATE_TEXT));
                continue;
            };
            let bound = match template.read_use_line(&record) {
                Ok(bound) => bound,
                Err(e) => {
                    errors.push(ErrorLine::new(e.smartrest_code(), msg_id, e.to_string()));
                    continue;
                }
            };
            match executor.execute(context, build_request(template, &bound)) {
                Ok(result) if template.effective_response() => {
                    responses.extend(response_rows(collection, &result, None));
                }
                Ok(_) => {}
                Err(e) => errors.push(ErrorLine::new(50, msg_id, e.to_string())),
            }
        }
        let mut replies = Vec::new();
        if !responses.is_empty() {
            replies.extend(packed_replies(&channel.response_topic(xid), &responses));
        }
        if !errors.is_empty() {
            replies.push(error_reply(errors));
        }
        replies
    }

    /// The SmartREST 2.0 renderings of `operation` (the operation as the REST API returns it)
    /// for a device with external id `device_external_id` of `tenant` that subscribed to
    /// `subscriptions`: for each collection, every matching response template emits
    /// `<msgId>,<device_external_id>,<values…>`; one reply per collection with at least one row
    /// (more when the rows exceed one packet).
    /// Unknown X-IDs are skipped.
    pub fn render_operation(
        &self,
        tenant: &str,
        subscriptions: &[Sr2Subscription],
        operation: &Value,
        device_external_id: &str,
    ) -> Vec<Reply> {
        subscriptions
            .iter()
            .filter_map(|subscription| {
                let collection = self.collection(tenant, &subscription.xid)?;
                let rows = response_rows(&collection, operation, Some(device_external_id));
                Some(packed_replies(
                    &subscription.channel.response_topic(&subscription.xid),
                    &rows,
                ))
            })
            .flatten()
            .collect()
    }
}

/// `rows` packed into as few replies on `topic` as fit the 16184-byte packet limit (QoS 1 or
/// 2); none for no rows. A single row too large for a packet is sent on its own (the delivery
/// layer decides what happens to it).
pub(crate) fn packed_replies(topic: &str, rows: &[String]) -> Vec<Reply> {
    match pack_rows(topic, QoS::AtLeastOnce, rows) {
        Ok(payloads) => payloads.into_iter().map(|p| Reply::new(topic, p)).collect(),
        Err(_) => rows.iter().map(|row| Reply::new(topic, row.clone())).collect(),
    }
}

/// One `s/e` reply carrying `lines`.
fn error_reply(lines: impl IntoIterator<Item = ErrorLine>) -> Reply {
    let rows: Vec<String> = lines.into_iter().map(|line| line.to_row()).collect();
    Reply::new(ERROR_TOPIC, join_rows(&rows))
}

/// The `id` of an object the model returned (string or number).
pub(crate) fn object_id(object: &Value) -> Option<String> {
    match object.get("id")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The managed object a collection is stored as (reference §7.4): its templates in the
/// fragment, each also as its SmartREST row.
fn stored_object(collection: &TemplateCollection) -> crate::platform::request::Document {
    let requests: Vec<Value> = collection
        .requests()
        .iter()
        .map(|t| {
            json!({
                "msgId": t.msg_id(),
                "api": t.api().to_string(),
                "method": t.method().to_string(),
                "response": t.effective_response(),
                "row": TemplateRow::Request(t.clone()).to_row(),
            })
        })
        .collect();
    let responses: Vec<Value> = collection
        .responses()
        .iter()
        .map(|t| {
            json!({
                "msgId": t.msg_id(),
                "base": t.base().unwrap_or_default(),
                "condition": t.condition().unwrap_or_default(),
                "pattern": t.patterns(),
                "row": t.to_row(),
            })
        })
        .collect();
    let mut body = crate::platform::request::Document::new();
    body.insert("type".into(), TEMPLATE_OBJECT_TYPE.into());
    body.insert("name".into(), collection.xid().as_str().into());
    body.insert(
        TEMPLATE_FRAGMENT.into(),
        json!({"requestTemplates": requests, "responseTemplates": responses}),
    );
    body
}
