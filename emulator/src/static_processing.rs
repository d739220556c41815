//! Static SmartREST processing: every row of a publish on `s/us`, `t/us`, `q/us`, `c/us` (and
//! their child levels) is decoded with the core's codec, validated with
//! [`Upstream::parse`], and applied to the model as docs/protocol.md §5 describes. A bad row gives one
//! `s/e` line ([`ErrorLine`]) and never stops the rows after it.
//!
//! Decisions where docs/protocol.md is open:
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

use c8y_mqtt::smartrest::records;
use c8y_mqtt::templates::TemplateError;
use c8y_mqtt::templates::downstream::{DownstreamLine, ErrorLine, StaticDownstream};
use c8y_mqtt::templates::upstream::{DeviceParameter, Upstream};
use c8y_mqtt::topic::ProcessingMode;
use serde_json::{Map, Value, json};

use crate::api::{Document, Resource};
use crate::model::{Link, Model, number, object, opt_str, text};
use crate::operations::apply_status_template;

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
    let persist = target.mode.stores_data();
    match template {
        Upstream::DeviceCreation(_) => {
            if !created {
                return Err(ErrorLine::device_already_existing());
            }
        }
        Upstream::ChildDeviceCreation(t) => match model.find_serial(t.child_id()) {
            Some(child) if model.parent_of(child) == Some(device) => {}
            Some(child) if model.parent_of(child).is_none() && child != model.root_of(device) => {
                model.link_child(device, child, Link::Device);
            }
            Some(_) => {
                return Err(server_error(
                    id,
                    format!("Device {} already exists elsewhere", t.child_id()),
                ));
            }
            None => {
                model.create_child_device(
                    device,
                    t.child_id(),
                    t.name(),
                    t.device_type(),
                    t.is_device() != Some(false),
                );
            }
        },
        Upstream::ServiceCreation(t) => {
            let fields = json!({
                "type": "c8y_Service",
                "serviceType": t.service_type(),
                "name": t.name(),
                "status": t.status(),
            });
            let body = fields.as_object().cloned().unwrap_or_default();
            match model.find_serial(t.external_id()) {
                Some(service) => {
                    model.update_managed_object(service, body);
                }
                None => {
                    model.create_linked(body, t.external_id(), Some((device, Link::Addition)));
                }
            }
        }
        Upstream::ServiceStatusUpdate(t) => model.set_fragment(device, "status", json!(t.status())),
        Upstream::GetChildDevices(_) => {
            let children = model
                .child_device_ids(device)
                .into_iter()
                .filter_map(|c| model.serial_of(c).map(str::to_owned))
                .collect();
            outcome
                .downstream
                .push(StaticDownstream::ChildDevices(children).to_row());
        }
        Upstream::ClearDeviceFragments(t) => model.remove_fragments(device, t.fragments()),
        Upstream::Hardware(t) => model.set_fragment(
            device,
            "c8y_Hardware",
            object([
                ("serialNumber", opt_str(t.serial_number())),
                ("model", opt_str(t.model())),
                ("revision", opt_str(t.revision())),
            ]),
        ),
        Upstream::Mobile(t) => model.set_fragment(
            device,
            "c8y_Mobile",
            object([
                ("imei", opt_str(t.imei())),
                ("iccid", opt_str(t.iccid())),
                ("imsi", opt_str(t.imsi())),
                ("mcc", opt_str(t.mcc())),
                ("mnc", opt_str(t.mnc())),
                ("lac", opt_str(t.lac())),
                ("cellId", opt_str(t.cell_id())),
            ]),
        ),
        Upstream::Position(t) => model.set_fragment(
            device,
            "c8y_Position",
            object([
                ("lat", t.latitude().map(number)),
                ("lng", t.longitude().map(number)),
                ("alt", t.altitude().map(number)),
                ("accuracy", t.accuracy().map(|a| json!(a))),
            ]),
        ),
        Upstream::Configuration(t) => {
            model.set_fragment(device, "c8y_Configuration", json!({"config": t.config()}))
        }
        Upstream::SupportedOperations(t) => {
            model.set_fragment(device, "c8y_SupportedOperations", json!(t.operations()));
        }
        Upstream::Firmware(t) => model.set_fragment(
            device,
            "c8y_Firmware",
            object([
                ("name", opt_str(t.name())),
                ("version", opt_str(t.version())),
                ("url", opt_str(t.url())),
            ]),
        ),
        Upstream::SoftwareList(t) => {
            let items: Vec<Value> = t
                .items()
                .iter()
                .map(|i| json!({"name": i.name(), "version": i.version().unwrap_or(""), "url": i.url().unwrap_or("")}))
                .collect();
            model.set_fragment(device, "c8y_SoftwareList", Value::Array(items));
        }
        Upstream::RequiredAvailability(t) => {
            let present = model
                .managed_object(device)
                .is_some_and(|o| o.contains_key("c8y_RequiredAvailability"));
            if !present {
                model.set_fragment(
                    device,
                    "c8y_RequiredAvailability",
                    json!({"responseInterval": t.interval_minutes()}),
                );
            }
        }
        Upstream::SupportedLogs(t) => model.set_fragment(device, "c8y_SupportedLogs", json!(t.log_types())),
        Upstream::SupportedConfigurations(t) => {
            model.set_fragment(device, "c8y_SupportedConfigurations", json!(t.config_types()));
        }
        Upstream::CurrentConfiguration(t) => model.set_fragment(
            device,
            &format!("c8y_Configuration_{}", t.config_type()),
            json!({
                "name": t.file_name().unwrap_or(t.config_type()),
                "type": t.config_type(),
                "url": t.url(),
                "time": t.time().map_or_else(crate::model::now, ToString::to_string),
            }),
        ),
        Upstream::DeviceProfileApplied(t) => {
            let profile_op = model
                .executing_operations(device, Some("c8y_DeviceProfile"))
                .first()
                .and_then(|i| model.operation_at(*i))
                .cloned();
            let profile_id = t.profile_id().map(str::to_owned).or_else(|| {
                profile_op
                    .as_ref()
                    .and_then(|o| text(o, "profileId"))
                    .map(str::to_owned)
            });
            let profile_name = profile_op.as_ref().and_then(|o| o.get("profileName")).cloned();
            model.set_fragment(
                device,
                "c8y_Profile",
                object([
                    ("profileName", profile_name),
                    ("profileId", profile_id.map(Value::String)),
                    ("profileExecuted", Some(json!(t.executed()))),
                ]),
            );
        }
        Upstream::AgentInformation(t) => model.set_fragment(
            device,
            "c8y_Agent",
            object([
                ("name", Some(json!(t.name()))),
                ("version", Some(json!(t.version()))),
                ("url", opt_str(t.url())),
                ("maintainer", Some(json!(t.maintainer()))),
            ]),
        ),
        Upstream::GetManagedObjectId(_) => {
            outcome
                .downstream
                .push(StaticDownstream::ManagedObjectId(device.to_string()).to_row());
        }
        Upstream::Heartbeat(_) => {}
        Upstream::AdvancedSoftwareList(t) => {
            let items = t.items().iter().map(advanced_item).collect();
            set_installed_software(model, device, |list| *list = items);
        }
        Upstream::AppendAdvancedSoftware(t) => {
            let items: Vec<Value> = t.items().iter().map(advanced_item).collect();
            set_installed_software(model, device, |list| list.extend(items));
        }
        Upstream::RemoveAdvancedSoftware(t) => {
            let removed: Vec<(String, String)> = t
                .items()
                .iter()
                .map(|i| (i.name().to_owned(), i.version().to_owned()))
                .collect();
            set_installed_software(model, device, |list| {
                list.retain(|item| {
                    let key = (
                        item.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        item.get("version")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    );
                    !removed.contains(&key)
                });
            });
        }
        Upstream::SupportedSoftwareTypes(t) => {
            set_or_remove_list(model, device, "c8y_SupportedSoftwareTypes", t.software_types());
        }
        Upstream::RemoteAccessProtocols(t) => {
            set_or_remove_list(model, device, "c8y_RemoteAccessSupportedProtocols", t.protocols());
        }
        Upstream::CustomMeasurement(t) => {
            let mut body = record(t.fragment(), t.time().map(ToString::to_string));
            add_series(&mut body, t.fragment(), t.series(), number(t.value()), t.unit());
            model.create_record(Resource::Measurement, device, body, persist);
        }
        Upstream::MultiSeriesMeasurement(t) => {
            let mut body = record(t.measurement_type(), t.time().map(ToString::to_string));
            for s in t.series() {
                add_series(&mut body, s.fragment(), s.series(), number(s.value()), s.unit());
            }
            model.create_record(Resource::Measurement, device, body, persist);
        }
        Upstream::SignalStrength(t) => {
            let mut body = record("c8y_SignalStrength", t.time().map(ToString::to_string));
            if let Some(rssi) = t.rssi() {
                add_series(&mut body, "c8y_SignalStrength", "rssi", number(rssi), Some("dBm"));
            }
            if let Some(ber) = t.ber() {
                add_series(&mut body, "c8y_SignalStrength", "ber", number(ber), Some("%"));
            }
            model.create_record(Resource::Measurement, device, body, persist);
        }
        Upstream::Temperature(t) => {
            let mut body = record("c8y_TemperatureMeasurement", t.time().map(ToString::to_string));
            add_series(
                &mut body,
                "c8y_TemperatureMeasurement",
                "T",
                number(t.value()),
                Some("C"),
            );
            model.create_record(Resource::Measurement, device, body, persist);
        }
        Upstream::Battery(t) => {
            let mut body = record("c8y_Battery", t.time().map(ToString::to_string));
            add_series(&mut body, "c8y_Battery", "level", number(t.value()), Some("%"));
            model.create_record(Resource::Measurement, device, body, persist);
        }
        Upstream::CriticalAlarm(t) => raise(
            model,
            device,
            persist,
            "CRITICAL",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::MajorAlarm(t) => raise(
            model,
            device,
            persist,
            "MAJOR",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::MinorAlarm(t) => raise(
            model,
            device,
            persist,
            "MINOR",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::WarningAlarm(t) => raise(
            model,
            device,
            persist,
            "WARNING",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::AlarmSeverityUpdate(t) => {
            if let Some(index) = model.alarm_of_type(device, t.alarm_type()) {
                model.update_alarm_at(index, doc(json!({"severity": t.severity().as_str()})));
            }
        }
        Upstream::ClearAlarm(t) => {
            if let Some(index) = model.alarm_of_type(device, t.alarm_type()) {
                model.update_alarm_at(index, doc(json!({"status": "CLEARED"})));
            }
        }
        Upstream::ClearAlarmFragments(t) => {
            if let Some(index) = model.alarm_of_type(device, t.alarm_type()) {
                model.update_alarm_at(
                    index,
                    t.fragments().iter().map(|f| (f.clone(), Value::Null)).collect(),
                );
            }
        }
        Upstream::Event(t) => {
            let mut body = record(t.event_type(), t.time().map(ToString::to_string));
            body.insert("text".into(), json!(t.text()));
            model.create_record(Resource::Event, device, body, persist);
        }
        Upstream::LocationUpdate(t) => {
            let position = position(t.latitude(), t.longitude(), t.altitude(), t.accuracy());
            location_event(
                model,
                device,
                persist,
                position,
                t.time().map(ToString::to_string),
            );
        }
        Upstream::LocationUpdateWithDevice(t) => {
            let position = position(t.latitude(), t.longitude(), t.altitude(), t.accuracy());
            location_event(
                model,
                device,
                persist,
                position.clone(),
                t.time().map(ToString::to_string),
            );
            model.set_fragment(device, "c8y_Position", position);
        }
        Upstream::ClearEventFragments(t) => {
            if let Some(index) = model.latest_event_of_type(device, t.event_type()) {
                model.update_event_at(
                    index,
                    t.fragments().iter().map(|f| (f.clone(), Value::Null)).collect(),
                );
            }
        }
        Upstream::DeviceParameterUpdate(t) => parameter_update(model, device, persist, t.parameters()),
        Upstream::GetPendingOperations(_) => {
            let root = model.root_of(device);
            outcome.deliver.extend(model.pending_operations(root));
        }
        Upstream::SetExecuting(_)
        | Upstream::SetFailed(_)
        | Upstream::SetSuccessful(_)
        | Upstream::SetExecutingById(_)
        | Upstream::SetFailedById(_)
        | Upstream::SetSuccessfulById(_)
        | Upstream::FailAllExecuting(_) => apply_status_template(model, device, template)?,
        _ => return Err(server_error(id, "Template not supported by the emulator")),
    }
    Ok(())
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

/// Raises an alarm from a 301–304 row.
fn raise(
    model: &mut Model,
    device: u64,
    persist: bool,
    severity: &str,
    alarm_type: &str,
    alarm_text: Option<&str>,
    time: Option<&c8y_mqtt::value::Timestamp>,
) {
    let mut body = record(alarm_type, time.map(ToString::to_string));
    let text = alarm_text.map_or_else(|| format!("Alarm of type {alarm_type} raised"), str::to_owned);
    body.insert("text".into(), Value::String(text));
    body.insert("severity".into(), json!(severity));
    model.create_record(Resource::Alarm, device, body, persist);
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

/// Creates the `c8y_LocationUpdate` event.
fn location_event(model: &mut Model, device: u64, persist: bool, position: Value, time: Option<String>) {
    let mut body = record("c8y_LocationUpdate", time);
    body.insert("text".into(), json!("Location updated"));
    body.insert("c8y_Position".into(), position);
    model.create_record(Resource::Event, device, body, persist);
}

/// Sets a list fragment, or removes it when the list is empty (143, 150).
fn set_or_remove_list(model: &mut Model, device: u64, key: &str, items: &[String]) {
    if items.is_empty() {
        model.remove_fragments(device, &[key.to_owned()]);
    } else {
        model.set_fragment(device, key, json!(items));
    }
}

/// An advanced software item as stored.
fn advanced_item(item: &c8y_mqtt::templates::upstream::AdvancedSoftwareItem) -> Value {
    object([
        ("name", Some(json!(item.name()))),
        ("version", Some(json!(item.version()))),
        ("softwareType", opt_str(item.software_type())),
        ("url", opt_str(item.url())),
    ])
}

/// The type (and fragment) of the child addition holding the advanced software list.
pub(crate) const INSTALLED_SOFTWARE: &str = "c8y_InstalledSoftwareList";

/// Changes the advanced software list of `device` (created on first use).
fn set_installed_software(model: &mut Model, device: u64, change: impl FnOnce(&mut Vec<Value>)) {
    let existing = model
        .references(device, Link::Addition)
        .into_iter()
        .find(|id| model.managed_object(*id).and_then(|o| text(o, "type")) == Some(INSTALLED_SOFTWARE));
    let holder = match existing {
        Some(id) => id,
        None => {
            let body = doc(
                json!({"type": INSTALLED_SOFTWARE, "name": "Installed software", INSTALLED_SOFTWARE: []}),
            );
            let created = model.create_managed_object(body, None);
            let id = created
                .get("id")
                .and_then(Value::as_str)
                .and_then(crate::model::parse_id)
                .unwrap_or(0);
            model.link_child(device, id, Link::Addition);
            id
        }
    };
    let mut list = model
        .managed_object(holder)
        .and_then(|o| o.get(INSTALLED_SOFTWARE))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    change(&mut list);
    model.set_fragment(holder, INSTALLED_SOFTWARE, Value::Array(list));
}

/// A 408 value as JSON, by its declared type.
fn parameter_value(parameter: &DeviceParameter) -> Value {
    let raw = parameter.value();
    match parameter.value_type().to_ascii_uppercase().as_str() {
        "BOOLEAN" | "B" | "BOOL" => raw.parse::<bool>().map_or_else(|_| json!(raw), Value::Bool),
        "NUMBER" | "N" | "INTEGER" | "I" | "INT" | "FLOAT" | "F" | "DOUBLE" | "D" => raw
            .parse::<c8y_mqtt::value::Number>()
            .map_or_else(|_| json!(raw), |n| number(&n)),
        _ => json!(raw),
    }
}

/// Template 408: stores changed parameter values in the inventory and records one
/// `c8y_ParameterUpdate` event naming them; nothing when every value is as stored.
fn parameter_update(model: &mut Model, device: u64, persist: bool, parameters: &[DeviceParameter]) {
    let Some(mut current) = model.managed_object(device).cloned() else {
        return;
    };
    let mut changed = Map::new();
    for parameter in parameters {
        let value = parameter_value(parameter);
        let pointer = format!(
            "/{}",
            parameter
                .path()
                .replace('~', "~0")
                .replace('/', "~1")
                .replace('.', "/")
        );
        if Value::Object(current.clone()).pointer(&pointer) == Some(&value) {
            continue;
        }
        set_path(&mut current, parameter.path(), value.clone());
        changed.insert(parameter.path().to_owned(), value);
    }
    if changed.is_empty() {
        return;
    }
    let roots: Vec<String> = changed
        .keys()
        .filter_map(|path| path.split('.').next().map(str::to_owned))
        .collect();
    let body: Document = roots
        .iter()
        .filter_map(|k| current.get(k).map(|v| (k.clone(), v.clone())))
        .collect();
    model.update_managed_object(device, body);
    let mut event = record("c8y_ParameterUpdate", None);
    event.insert("text".into(), json!("Device parameters updated"));
    event.insert("c8y_ParameterUpdate".into(), Value::Object(changed));
    model.create_record(Resource::Event, device, event, persist);
}

/// Sets `value` at a dotted path inside a document, creating objects on the way.
fn set_path(document: &mut Document, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut map = document;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return;
        }
        let entry = map.entry(part).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        match entry.as_object_mut() {
            Some(next) => map = next,
            None => return,
        }
    }
}
