//! Static inventory templates (docs/protocol.md §5.2): device, child and service creation, the
//! device fragments 110–122, 140–143, 150, and the device parameters of 408 (which also create a
//! `c8y_ParameterUpdate` event listing the changed paths).

use c8y_mqtt::templates::downstream::{DownstreamLine, ErrorLine, StaticDownstream};
use c8y_mqtt::templates::upstream::{DeviceParameter, Upstream};
use serde_json::{Map, Value, json};

use super::{Row, StaticOutcome, doc, record, server_error};
use crate::platform::request::{Document, Resource};
use crate::platform::store::{Link, Model, number, object, opt_str, text};

/// Applies `template` if it is of this family (`None` otherwise).
pub(super) fn apply(
    model: &mut Model,
    row: &Row,
    template: &Upstream,
    outcome: &mut StaticOutcome,
) -> Option<Result<(), ErrorLine>> {
    let Row {
        id,
        device,
        created,
        persist,
    } = *row;
    match template {
        Upstream::DeviceCreation(_) => {
            if !created {
                return Some(Err(ErrorLine::device_already_existing()));
            }
        }
        Upstream::ChildDeviceCreation(t) => match model.find_serial(t.child_id()) {
            Some(child) if model.parent_of(child) == Some(device) => {}
            Some(child) if model.parent_of(child).is_none() && child != model.root_of(device) => {
                model.link_child(device, child, Link::Device);
            }
            Some(_) => {
                return Some(Err(server_error(
                    id,
                    format!("Device {} already exists elsewhere", t.child_id()),
                )));
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
                // The status follows the new requirement at once (MAINTENANCE for ≤ 0).
                model.touch_availability(device);
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
                "time": t.time().map_or_else(crate::platform::store::now, ToString::to_string),
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
        Upstream::DeviceParameterUpdate(t) => parameter_update(model, device, persist, t.parameters()),
        _ => return None,
    }
    Some(Ok(()))
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
                .and_then(crate::platform::store::parse_id)
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
    model.add_record(Resource::Event, device, event, persist);
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
