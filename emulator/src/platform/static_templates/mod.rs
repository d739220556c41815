//! Static SmartREST processing: every row of a publish on `s/us`, `t/us`, `q/us`, `c/us` (and
//! their child levels) is decoded with the core's codec, validated with
//! [`Upstream::parse`], and applied to the model as reference §5 describes. A bad row gives one
//! `s/e` line ([`ErrorLine`]) and never stops the rows after it.
//!
//! Decisions where the reference is open:
//! * the device of the topic is auto-created (root: name `MQTT Device <serial>`, type
//!   `c8y_MQTTDevice`; first-level child: type `c8y_MQTTChildDevice`) only for rows that parse,
//!   so a publish of garbage creates nothing; `100` on a child topic creates that child with the
//!   given name and type;
//! * a deeper child (`s/us/a/b`) must exist in the root's hierarchy; the last level is resolved
//!   as an external id; otherwise `50,<id>,Device <xid> not found in the hierarchy of <root>`;
//! * an undecodable row (bad UTF-8, open quote) gives `42,,<decoder message>`;
//! * 305/306/307/407 on a missing alarm or event do nothing (no `s/e` line), as clearing an
//!   alarm that is not raised is routine;
//! * a repeated raise of an alarm keeps its text, severity and time and increments `count`;
//! * transient (`t/`) and CEP (`c/`) rows create measurements, events and alarms without storing
//!   them; inventory changes are always stored;
//! * the advanced software list (140–142) is stored in a child addition of type
//!   `c8y_InstalledSoftwareList` (fragment of the same name), outside the device;
//! * `408` updates the inventory with the reported values and creates a `c8y_ParameterUpdate`
//!   event listing the changed paths, only when at least one value differs.

mod alarms;
mod data;
mod inventory;
mod operations;

use c8y_mqtt::smartrest::records;
use c8y_mqtt::templates::TemplateError;
use c8y_mqtt::templates::downstream::{DownstreamLine, ErrorLine};
use c8y_mqtt::templates::upstream::Upstream;
use c8y_mqtt::topic::ProcessingMode;
use serde_json::{Map, Value, json};

use crate::platform::request::Document;
use crate::platform::store::{Model, number, object, opt_str};

/// Where a static publish came from.
#[derive(Debug, Clone)]
pub(crate) struct StaticTarget<'a> {
    /// The `c8y_Serial` of the session's (root) device.
    pub(crate) root: &'a str,
    /// The child levels of the topic, outermost first.
    pub(crate) children: &'a [String],
    /// The processing mode of the topic.
    pub(crate) mode: ProcessingMode,
}

/// What processing a publish asks the platform to send to the root device's session.
#[derive(Debug, Default)]
pub(crate) struct StaticOutcome {
    /// `s/ds` rows (106, 124).
    pub(crate) downstream: Vec<String>,
    /// `s/e` rows.
    pub(crate) errors: Vec<String>,
    /// Operations to (re)deliver (500).
    pub(crate) deliver: Vec<Document>,
}

/// Processes every row of a static publish.
pub(crate) fn process(model: &mut Model, target: &StaticTarget<'_>, payload: &[u8]) -> StaticOutcome {
    let mut outcome = StaticOutcome::default();
    for row in records(payload) {
        let result = match row {
            Err(error) => Err(ErrorLine::new(42, "", error.to_string())),
            Ok(record) => match Upstream::parse(&record) {
                Err(error) => Err(template_error_line(record.id(), &error)),
                Ok(template) => apply(model, target, &template, &mut outcome),
            },
        };
        if let Err(line) = result {
            outcome.errors.push(line.to_row());
        }
    }
    outcome
}

/// The `s/e` line for a row that does not parse.
pub(crate) fn template_error_line(id: &str, error: &TemplateError) -> ErrorLine {
    match error {
        TemplateError::UnknownTemplate { .. } => ErrorLine::unknown_template(id),
        TemplateError::Field { error, .. } => ErrorLine::new(45, id, error.to_string()),
        TemplateError::InvalidValue { reason, .. } => ErrorLine::new(45, id, reason.clone()),
        other => ErrorLine::new(other.smartrest_code(), id, other.to_string()),
    }
}

/// An `s/e` line with code 50 for `template`.
fn server_error(template: u16, text: impl Into<String>) -> ErrorLine {
    ErrorLine::new(50, template.to_string(), text)
}

/// Resolves (and auto-creates) the device a row is for. `creation` = (name, type) of a `100`.
fn resolve_device(
    model: &mut Model,
    target: &StaticTarget<'_>,
    template: u16,
    creation: Option<(Option<&str>, Option<&str>)>,
) -> Result<(u64, bool), ErrorLine> {
    let (name, device_type) = creation.unwrap_or((None, None));
    let (root, root_created) = match model.find_serial(target.root) {
        Some(id) => (id, false),
        None if target.children.is_empty() => (model.create_device(target.root, name, device_type), true),
        None => (model.create_device(target.root, None, None), true),
    };
    if root_created {
        // created by its own session, which is connected
        model.set_fragment(root, "c8y_Connection", json!({"status": "CONNECTED"}));
    }
    let Some(last) = target.children.last() else {
        return Ok((root, root_created));
    };
    match model.find_serial(last) {
        Some(id) if model.in_hierarchy(root, id) => Ok((id, false)),
        Some(_) => Err(server_error(
            template,
            format!("Device {last} not found in the hierarchy of {}", target.root),
        )),
        None if target.children.len() == 1 => Ok((
            model.create_child_device(root, last, name, device_type.or(None), true),
            true,
        )),
        None => Err(server_error(
            template,
            format!("Device {last} not found in the hierarchy of {}", target.root),
        )),
    }
}

/// Applies one valid row.
fn apply(
    model: &mut Model,
    target: &StaticTarget<'_>,
    template: &Upstream,
    outcome: &mut StaticOutcome,
) -> Result<(), ErrorLine> {
    let id = template.template_id();
    let creation = match template {
        Upstream::DeviceCreation(t) => Some((t.name(), t.device_type())),
        _ => None,
    };
    let (device, created) = resolve_device(model, target, id, creation)?;
    model.touch_availability(device);
    let row = Row {
        id,
        device,
        created,
        persist: target.mode.stores_data(),
    };
    inventory::apply(model, &row, template, outcome)
        .or_else(|| data::apply(model, &row, template))
        .or_else(|| alarms::apply(model, &row, template))
        .or_else(|| operations::apply(model, &row, template, outcome))
        .unwrap_or_else(|| Err(server_error(id, "Template not supported by the emulator")))
}

/// The row being applied: its template id and the device it is for.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// The template id.
    id: u16,
    /// The device (resolved, maybe just created).
    device: u64,
    /// Whether resolving the row created the device.
    created: bool,
    /// Whether measurements, events and alarms are stored (not transient or CEP mode).
    persist: bool,
}

/// A JSON value that is an object, as a document.
fn doc(value: Value) -> Document {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A measurement or event body with `type` and optional `time`.
fn record(record_type: &str, time: Option<String>) -> Document {
    let mut body = Document::new();
    body.insert("type".into(), json!(record_type));
    if let Some(time) = time {
        body.insert("time".into(), Value::String(time));
    }
    body
}

/// Adds `{fragment: {series: {value, unit}}}` to a measurement body.
fn add_series(body: &mut Document, fragment: &str, series: &str, value: Value, unit: Option<&str>) {
    let entry = object([("value", Some(value)), ("unit", opt_str(unit))]);
    let fragment = body.entry(fragment).or_insert_with(|| json!({}));
    if let Some(map) = fragment.as_object_mut() {
        map.insert(series.to_owned(), entry);
    }
}

/// `c8y_Position` from 401/402 values.
fn position(
    lat: Option<&c8y_mqtt::value::Number>,
    lng: Option<&c8y_mqtt::value::Number>,
    alt: Option<&c8y_mqtt::value::Number>,
    accuracy: Option<&c8y_mqtt::value::Number>,
) -> Value {
    object([
        ("lat", lat.map(number)),
        ("lng", lng.map(number)),
        ("alt", alt.map(number)),
        ("accuracy", accuracy.map(number)),
    ])
}
