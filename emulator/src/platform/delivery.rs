//! Operation delivery: the static `s/ds` rendering of a stored operation
//! (docs/protocol.md §5.7, through the core's [`Operation`] and [`OperationKind`]), and [`OperationRenderer`], the
//! hook through which other engines (SmartREST 2.0 response templates, JSON
//! `devicecontrol/notifications`) add their renderings of every delivered operation.
//!
//! Decisions where docs/protocol.md is open:
//! * an operation with none of the static fragments (or a malformed one) is not rendered on
//!   `s/ds`;
//! * `c8y_ParameterUpdate` renders as `532,<device>,<path>,<type>,<value>,…`: the operation's
//!   fragments marked `c8y_ParameterUpdate_<F>` (docs/protocol.md §5.7, §11.6) flattened to
//!   dotted paths, typed `b` (boolean), `n` (number) or `s` (anything else; the type list is an
//!   open question, §12); an update with no parameter is not rendered.

use c8y_mqtt::templates::downstream::{
    AdvancedSoftwareUpdateItem, DeviceProfile, DownstreamLine, FirmwareUrl, Operation, OperationKind,
    ParameterChange, ProfileConfiguration, ProfileFirmware, RelayState, SoftwareAction, SoftwareListItem,
    SoftwareUpdateItem,
};
use c8y_mqtt::value::Timestamp;
use serde_json::Value;

use crate::platform::request::{Document, Reply};

/// Renders delivered operations for another downstream channel. The Cumulocity platform calls
/// every registered renderer for each operation it delivers (on creation and on `500`), outside
/// its model lock, and publishes the replies it returns to the root device's session (each is
/// delivered only if that session subscribed to the reply's topic).
///
/// The SmartREST 2.0 engine returns its `s/dc/<X-ID>` rows, the JSON engine its
/// `devicecontrol/notifications` object. Register with
/// [`CumulocityPlatform::add_operation_renderer`](crate::CumulocityPlatform::add_operation_renderer).
pub trait OperationRenderer: Send + Sync {
    /// The publishes for one delivered operation. `root` is the `c8y_Serial` of the device whose
    /// session receives them, `operation` the stored operation document (REST shape, with
    /// `externalSource.externalId` naming the target device).
    fn render(&self, root: &str, operation: &Document) -> Vec<Reply>;
}

/// The external id (`c8y_Serial`) of the device an operation targets, from its
/// `externalSource`: what every downstream rendering puts in the device field.
pub fn target_device(operation: &Document) -> Option<&str> {
    operation
        .get("externalSource")
        .and_then(|s| s.get("externalId"))
        .and_then(Value::as_str)
}

/// The static `s/ds` rows of an operation: one row (two for a device profile with typed
/// software: 527 and 531), none when no static template carries its fragment.
pub fn static_rows(operation: &Document) -> Vec<String> {
    let Some(device) = target_device(operation) else {
        return Vec::new();
    };
    kinds(operation)
        .into_iter()
        .map(|kind| Operation::new(device, kind).to_row())
        .collect()
}

/// The operation kinds a stored operation renders as.
fn kinds(op: &Document) -> Vec<OperationKind> {
    let s = |v: Option<&Value>, key: &str| -> String {
        v.and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if op.contains_key("c8y_Restart") {
        return vec![OperationKind::Restart];
    }
    if let Some(v) = op.get("c8y_Command") {
        return vec![OperationKind::Command {
            text: s(Some(v), "text"),
        }];
    }
    if let Some(v) = op.get("c8y_DeviceProfile") {
        return device_profile(v);
    }
    if op.contains_key("c8y_ParameterUpdate") {
        let changes = parameter_changes(op);
        return if changes.is_empty() {
            Vec::new()
        } else {
            vec![OperationKind::ParameterUpdate(changes)]
        };
    }
    if let Some(v) = op.get("c8y_Firmware") {
        let name = s(Some(v), "name");
        let version = s(Some(v), "version");
        let url = FirmwareUrl::from(s(Some(v), "url").as_str());
        let patch =
            v.get("isPatch").and_then(Value::as_bool).unwrap_or(false) || v.get("dependency").is_some();
        return vec![if patch {
            OperationKind::FirmwarePatch {
                name,
                version,
                url,
                dependency: s(Some(v), "dependency"),
            }
        } else {
            OperationKind::Firmware { name, version, url }
        }];
    }
    if let Some(v) = op.get("c8y_Configuration") {
        return vec![OperationKind::Configuration {
            text: s(Some(v), "config"),
        }];
    }
    if let Some(items) = op.get("c8y_SoftwareList").and_then(Value::as_array) {
        let items = items
            .iter()
            .map(|i| SoftwareListItem {
                name: s(Some(i), "name"),
                version: s(Some(i), "version"),
                url: s(Some(i), "url"),
            })
            .collect();
        return vec![OperationKind::SoftwareList(items)];
    }
    if let Some(v) = op.get("c8y_MeasurementRequestOperation") {
        return vec![OperationKind::MeasurementRequest {
            request_name: s(Some(v), "requestName"),
        }];
    }
    if let Some(v) = op.get("c8y_Relay") {
        return vec![OperationKind::Relay {
            state: RelayState::from(s(Some(v), "relayState").as_str()),
        }];
    }
    if let Some(states) = op.get("c8y_RelayArray").and_then(Value::as_array) {
        let states = states
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        return vec![OperationKind::RelayArray(states)];
    }
    if let Some(v) = op.get("c8y_UploadConfigFile") {
        return vec![match v.get("type").and_then(Value::as_str) {
            Some(config_type) => OperationKind::UploadConfigFileTyped {
                config_type: config_type.to_owned(),
            },
            None => OperationKind::UploadConfigFile,
        }];
    }
    if let Some(v) = op.get("c8y_DownloadConfigFile") {
        let url = s(Some(v), "url");
        return vec![match v.get("type").and_then(Value::as_str) {
            Some(config_type) => OperationKind::DownloadConfigFileTyped {
                url,
                config_type: config_type.to_owned(),
            },
            None => OperationKind::DownloadConfigFile { url },
        }];
    }
    if let Some(v) = op.get("c8y_LogfileRequest") {
        let date = |key: &str| s(Some(v), key).parse::<Timestamp>().ok();
        let (Some(date_from), Some(date_to)) = (date("dateFrom"), date("dateTo")) else {
            return Vec::new();
        };
        return vec![OperationKind::LogfileRequest {
            log_file: s(Some(v), "logFile"),
            date_from,
            date_to,
            search_text: s(Some(v), "searchText"),
            maximum_lines: v.get("maximumLines").and_then(Value::as_u64),
        }];
    }
    if let Some(v) = op.get("c8y_CommunicationMode") {
        return vec![OperationKind::CommunicationMode {
            mode: s(Some(v), "mode"),
        }];
    }
    if let Some(items) = op.get("c8y_SoftwareUpdate").and_then(Value::as_array) {
        if items.iter().any(|i| i.get("softwareType").is_some()) {
            let items = items.iter().map(advanced_software_item).collect();
            return vec![OperationKind::AdvancedSoftwareUpdate(items)];
        }
        let items = items.iter().map(software_item).collect();
        return vec![OperationKind::SoftwareUpdate(items)];
    }
    if let Some(v) = op.get("c8y_RemoteAccessConnect") {
        let port = v
            .get("port")
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok());
        let Some(port) = port else {
            return Vec::new();
        };
        return vec![OperationKind::RemoteAccessConnect {
            hostname: s(Some(v), "hostname"),
            port,
            connection_key: s(Some(v), "connectionKey"),
        }];
    }
    Vec::new()
}

/// The parameters of a `c8y_ParameterUpdate` operation, for `532`: every fragment `F` named by a
/// marker `c8y_ParameterUpdate_F` is flattened into `F.a.b` paths with an abbreviated type (`b`
/// boolean, `n` number, `s` anything else, arrays as their JSON text). Sorted by path.
fn parameter_changes(op: &Document) -> Vec<ParameterChange> {
    fn flatten(path: String, value: &Value, out: &mut Vec<ParameterChange>) {
        let (value_type, text) = match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    flatten(format!("{path}.{key}"), inner, out);
                }
                return;
            }
            Value::Null => return,
            Value::Bool(b) => ("b", b.to_string()),
            Value::Number(n) => ("n", n.to_string()),
            Value::String(text) => ("s", text.clone()),
            Value::Array(_) => ("s", value.to_string()),
        };
        out.push(ParameterChange {
            path,
            value_type: value_type.to_owned(),
            value: text,
        });
    }
    let mut out = Vec::new();
    for key in op.keys() {
        if let Some(fragment) = key.strip_prefix("c8y_ParameterUpdate_")
            && let Some(value) = op.get(fragment)
        {
            flatten(fragment.to_owned(), value, &mut out);
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn field(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn software_item(v: &Value) -> SoftwareUpdateItem {
    SoftwareUpdateItem {
        name: field(v, "name"),
        version: field(v, "version"),
        url: field(v, "url"),
        action: SoftwareAction::from(field(v, "action").as_str()),
    }
}

fn advanced_software_item(v: &Value) -> AdvancedSoftwareUpdateItem {
    AdvancedSoftwareUpdateItem {
        name: field(v, "name"),
        version: field(v, "version"),
        software_type: field(v, "softwareType"),
        url: field(v, "url"),
        action: SoftwareAction::from(field(v, "action").as_str()),
    }
}

/// 527 (and 531 when a software item has a type) from `c8y_DeviceProfile`.
fn device_profile(v: &Value) -> Vec<OperationKind> {
    let firmware = v.get("firmware").map(|f| ProfileFirmware {
        name: field(f, "name"),
        version: field(f, "version"),
        url: FirmwareUrl::from(field(f, "url").as_str()),
        is_patch: f.get("isPatch").and_then(Value::as_bool).unwrap_or(false),
        dependency: f.get("dependency").and_then(Value::as_str).map(str::to_owned),
    });
    let software: Vec<Value> = v
        .get("software")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let configurations: Vec<ProfileConfiguration> = v
        .get("configuration")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|c| ProfileConfiguration {
                    url: field(c, "url"),
                    config_type: field(c, "type"),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut kinds = vec![OperationKind::DeviceProfile(DeviceProfile {
        firmware: firmware.clone(),
        software: software.iter().map(software_item).collect(),
        configurations: configurations.clone(),
    })];
    if software.iter().any(|i| i.get("softwareType").is_some()) {
        kinds.push(OperationKind::AdvancedDeviceProfile(DeviceProfile {
            firmware,
            software: software.iter().map(advanced_software_item).collect(),
            configurations,
        }));
    }
    kinds
}
