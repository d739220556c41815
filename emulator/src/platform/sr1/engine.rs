//! The SmartREST 1.0 over MQTT engine (docs/protocol.md §8): collections registered by an API call, and
//! request rows on `s/ul/<X-ID>` turned into REST requests on our resources, answered on
//! `s/dl/<X-ID>`; operations delivered to a device that subscribed to `s/ol/<X-ID>` are rendered
//! there by the same collection's response templates (the MQTT mirror of SmartREST 1.0's
//! real-time operation notifications, docs/protocol.md §8), one line per matching template with
//! line number 1.
//!
//! A row `<msgId>,<values…>` fills the template's placeholders in order (URI first, then body):
//! STRING values are JSON-escaped when they land in the body (the body template has the
//! quotes), values are checked against their param types, an empty or left-out NOW value is the
//! server's time. The resulting request is mapped onto an [`ApiRequest`] when its URI is one of
//! `/inventory/managedObjects[/<id>]`, `/measurement/measurements[/<id>]`, `/event/events[/<id>]`,
//! `/alarm/alarms[/<id>]`, `/devicecontrol/operations[/<id>]` (query strings ignored).
//!
//! Each request row is answered by one message on `s/dl/<X-ID>` holding a line
//! `<responseMsgId>,<lineNumber>,<values…>` per matching response template (none when nothing
//! matches); `lineNumber` is the row's 1-based position in the publish. Errors on the same
//! topic, SmartREST 1.0 style: `40,No template for this X-ID.` (once per publish),
//! `42,<line>,<reason>` (undecodable row), `43,<line>,Invalid message identifier`,
//! `45,<line>,Wrong number of arguments` / `45,<line>,Value is not a <TYPE>: <value>`,
//! `50,<line>,<HTTP status>,<message>` (the model refused, or the URI is not one of ours).
//!
//! Registration over `s/ul` itself is undocumented (docs/protocol.md §12, question 16) and not supported: the lead
//! exposes [`Sr1Registry::register`] on the handle / HTTP API.

use std::collections::HashMap;
use std::sync::Arc;

use c8y_mqtt::smartrest::{Record, RowBuilder, join_rows, records};
use c8y_mqtt::value::Timestamp;
use parking_lot::Mutex;
use serde_json::Value;

use super::template::{
    HttpMethod, ParamType, Sr1Collection, Sr1Error, Sr1RequestTemplate, Sr1ResponseTemplate,
};
use crate::platform::request::{
    ApiError, ApiExecutor, ApiRequest, Document, ObjectRef, Reply, RequestContext, Resource,
};
use crate::platform::sr2::json_path::{JsonPath, pattern_fields};

/// The text of the line answering a publish on an X-ID without collection.
pub const NO_COLLECTION_TEXT: &str = "No template for this X-ID.";
/// The text of a row whose message id is in no request template.
pub const INVALID_MSG_ID_TEXT: &str = "Invalid message identifier";
/// The text of a row with more values than params, or too few.
pub const WRONG_ARGUMENTS_TEXT: &str = "Wrong number of arguments";

/// The SmartREST 1.0 engine: collections by (tenant, X-ID).
#[derive(Debug, Default)]
pub struct Sr1Registry {
    collections: Mutex<HashMap<(String, String), Arc<Sr1Collection>>>,
}

/// The downstream topic for responses to `s/ul/<xid>`.
pub fn response_topic(xid: &str) -> String {
    format!("s/dl/{xid}")
}

/// The downstream topic of operations rendered by collection `xid`.
pub fn operations_topic(xid: &str) -> String {
    format!("s/ol/{xid}")
}

impl Sr1Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers collection `xid` of `tenant` from its `10`/`11` rows (the body an HTTP client
    /// POSTs to `/s` with an `X-Id` header). Collections are immutable: a second registration of
    /// the X-ID is refused.
    pub fn register(&self, tenant: &str, xid: &str, payload: &[u8]) -> Result<(), Sr1Error> {
        let collection = Sr1Collection::parse(payload)?;
        let mut collections = self.collections.lock();
        let key = (tenant.to_owned(), xid.to_owned());
        if collections.contains_key(&key) {
            return Err(Sr1Error::AlreadyExisting);
        }
        collections.insert(key, Arc::new(collection));
        Ok(())
    }

    /// The collection `xid` of `tenant`.
    pub fn collection(&self, tenant: &str, xid: &str) -> Option<Arc<Sr1Collection>> {
        self.collections
            .lock()
            .get(&(tenant.to_owned(), xid.to_owned()))
            .cloned()
    }

    /// Forgets collection `xid` of `tenant`; true when it existed.
    pub fn remove(&self, tenant: &str, xid: &str) -> bool {
        self.collections
            .lock()
            .remove(&(tenant.to_owned(), xid.to_owned()))
            .is_some()
    }

    /// An operation rendered by the response templates of collection `xid` of `tenant` for
    /// `s/ol/<xid>`: one line per template that matches the operation (as on `s/dl`, with line
    /// number 1); `None` when the collection is unknown or no template matches.
    pub fn render_operation(&self, tenant: &str, xid: &str, operation: &Value) -> Option<Reply> {
        let collection = self.collection(tenant, xid)?;
        let lines: Vec<String> = collection
            .responses
            .iter()
            .filter_map(|template| response_line(template, operation, 1))
            .collect();
        (!lines.is_empty()).then(|| Reply::new(operations_topic(xid), join_rows(&lines)))
    }

    /// A publish on `s/ul/<xid>` (or `t/ul`, `q/ul`, `c/ul`) by `context`'s device: one reply on
    /// `s/dl/<xid>` per row that produced lines.
    pub fn on_publish(
        &self,
        context: &RequestContext,
        xid: &str,
        payload: &[u8],
        executor: &dyn ApiExecutor,
    ) -> Vec<Reply> {
        let topic = response_topic(xid);
        let Some(collection) = self.collection(&context.tenant, xid) else {
            let mut row = RowBuilder::new("40");
            row.field(NO_COLLECTION_TEXT);
            return vec![Reply::new(topic, row.finish())];
        };
        let mut replies = Vec::new();
        for (index, record) in records(payload).enumerate() {
            let line = index + 1;
            let rows = match record {
                Ok(record) => process_row(context, &collection, &record, line, executor),
                Err(e) => vec![status_row(42, line, &[&e.to_string()])],
            };
            if !rows.is_empty() {
                replies.push(Reply::new(topic.clone(), join_rows(&rows)));
            }
        }
        replies
    }
}

/// The lines answering one request row.
fn process_row(
    context: &RequestContext,
    collection: &Sr1Collection,
    record: &Record,
    line: usize,
    executor: &dyn ApiExecutor,
) -> Vec<String> {
    let Some(template) = collection.request(record.id()) else {
        return vec![status_row(43, line, &[INVALID_MSG_ID_TEXT])];
    };
    let request = match fill(template, record.values())
        .and_then(|(uri, body)| to_api_request(template.method, &uri, body))
    {
        Ok(request) => request,
        Err(row) => return vec![row.render(line)],
    };
    match executor.execute(context, request) {
        Ok(result) => collection
            .responses
            .iter()
            .filter_map(|t| response_line(t, &result, line))
            .collect(),
        Err(e) => vec![api_error_row(&e, line)],
    }
}

/// A failure of one row, rendered with its line number.
enum RowError {
    /// `45,<line>,<text>`.
    Arguments(String),
    /// `50,<line>,<status>,<text>`.
    Api(ApiError),
}

impl RowError {
    fn render(&self, line: usize) -> String {
        match self {
            Self::Arguments(text) => status_row(45, line, &[text]),
            Self::Api(e) => api_error_row(e, line),
        }
    }
}

fn status_row(code: u16, line: usize, fields: &[&str]) -> String {
    let mut row = RowBuilder::with_template(code);
    row.display(line).fields(fields);
    row.finish()
}

fn api_error_row(error: &ApiError, line: usize) -> String {
    let mut row = RowBuilder::with_template(50);
    row.display(line)
        .display(error.http_status())
        .field(&error.to_string());
    row.finish()
}

/// The URI and body of a row: placeholders replaced by the checked values.
fn fill(template: &Sr1RequestTemplate, values: &[String]) -> Result<(String, Option<Document>), RowError> {
    let given = values.iter().rposition(|v| !v.is_empty()).map_or(0, |i| i + 1);
    if given > template.params.len() {
        return Err(RowError::Arguments(WRONG_ARGUMENTS_TEXT.to_owned()));
    }
    let mut texts = Vec::with_capacity(template.params.len());
    for (i, param) in template.params.iter().enumerate() {
        let value = values.get(i).map_or("", String::as_str);
        if value.is_empty() && i >= values.len() && *param != ParamType::Now {
            return Err(RowError::Arguments(WRONG_ARGUMENTS_TEXT.to_owned()));
        }
        if !param.accepts(value) {
            return Err(RowError::Arguments(format!(
                "Value is not a {}: {value}",
                param.as_str()
            )));
        }
        texts.push(if *param == ParamType::Now && value.is_empty() {
            Timestamp::now().to_string()
        } else {
            value.to_owned()
        });
    }
    let mut texts = texts.into_iter();
    let uri = substitute(&template.uri, &template.placeholder, &mut texts, |v| v.to_owned());
    let body = substitute(&template.body, &template.placeholder, &mut texts, json_escape);
    if body.trim().is_empty() {
        return Ok((uri, None));
    }
    match serde_json::from_str::<Value>(&body) {
        Ok(Value::Object(map)) => Ok((uri, Some(map))),
        _ => Err(RowError::Api(ApiError::Invalid(
            "The request body is not a JSON object".into(),
        ))),
    }
}

/// `text` with each occurrence of `placeholder` replaced by the next value, transformed.
fn substitute(
    text: &str,
    placeholder: &str,
    values: &mut impl Iterator<Item = String>,
    transform: impl Fn(&str) -> String,
) -> String {
    if placeholder.is_empty() {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut parts = text.split(placeholder).peekable();
    while let Some(part) = parts.next() {
        out.push_str(part);
        if parts.peek().is_some() {
            out.push_str(&transform(&values.next().unwrap_or_default()));
        }
    }
    out
}

/// `value` escaped for the inside of a JSON string.
fn json_escape(value: &str) -> String {
    let quoted = Value::String(value.to_owned()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// The request a method and URI make on our resources.
fn to_api_request(method: HttpMethod, uri: &str, body: Option<Document>) -> Result<ApiRequest, RowError> {
    let path = uri.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let not_ours = || {
        RowError::Api(ApiError::NotSupported(format!(
            "{} {uri} is not supported",
            method_text(method)
        )))
    };
    let (resource, id) = match segments.as_slice() {
        [api, collection, rest @ ..] if rest.len() <= 1 => {
            let resource = match (*api, *collection) {
                ("inventory", "managedObjects") => Resource::ManagedObject,
                ("measurement", "measurements") => Resource::Measurement,
                ("event", "events") => Resource::Event,
                ("alarm", "alarms") => Resource::Alarm,
                ("devicecontrol", "operations") => Resource::Operation,
                _ => return Err(not_ours()),
            };
            (resource, rest.first().map(|id| ObjectRef::Id((*id).to_owned())))
        }
        _ => return Err(not_ours()),
    };
    let body = body.unwrap_or_default();
    Ok(match (method, id) {
        (HttpMethod::Post, None) => ApiRequest::Create {
            resource,
            body,
            external_id: None,
        },
        (HttpMethod::Get, Some(target)) => ApiRequest::Get { resource, target },
        (HttpMethod::Put, Some(target)) => ApiRequest::Update {
            resource,
            target,
            body,
        },
        (HttpMethod::Delete, Some(target)) => ApiRequest::Delete { resource, target },
        _ => return Err(not_ours()),
    })
}

fn method_text(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
    }
}

/// `<msgId>,<line>,<values…>` when the template's condition holds on `result` and its base (if
/// any) selects something: unlike SmartREST 2.0, whose docs emit lines with unresolved patterns,
/// a SmartREST 1.0 base names the object the values are read from, so without it there is no
/// line.
fn response_line(template: &Sr1ResponseTemplate, result: &Value, line: usize) -> Option<String> {
    if !template.condition.is_empty() && !JsonPath::parse(&template.condition).is_ok_and(|p| p.exists(result))
    {
        return None;
    }
    let base = if template.base.is_empty() {
        result
    } else {
        JsonPath::parse(&template.base)
            .ok()
            .and_then(|p| p.select(result).into_iter().next())?
    };
    let mut row = RowBuilder::new(&template.msg_id);
    row.display(line);
    for path in &template.values {
        row.fields(pattern_fields(path, Some(base)));
    }
    Some(row.finish())
}
