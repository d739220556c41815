//! The typed parameters of a static operation (the core's `OperationKind`) as a plain Python
//! dict: `{"kind": "Command", "text": ...}`, nested items as dicts, times as ISO-8601 text with
//! microseconds. `c8y_mqtt.operations._from_fields` turns that dict into the frozen dataclass
//! of the kind; this module and that function are the only places the two shapes meet.

use c8y_mqtt::templates::downstream::{
    AdvancedSoftwareUpdateItem, DeviceProfile, OperationKind, ParameterChange, ProfileConfiguration,
    ProfileFirmware, SoftwareListItem, SoftwareUpdateItem,
};
use c8y_mqtt::value::Timestamp;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The dict of `kind`; `template` and `values` fill the generic `OtherStatic` for a kind this
/// binding does not know yet.
pub(crate) fn kind_fields<'py>(
    py: Python<'py>,
    kind: &OperationKind,
    values: &[String],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let name = match kind {
        OperationKind::Restart => "Restart",
        OperationKind::Command { text } => {
            d.set_item("text", text)?;
            "Command"
        }
        OperationKind::Configuration { text } => {
            d.set_item("text", text)?;
            "Configuration"
        }
        OperationKind::Firmware { name, version, url } => {
            d.set_item("name", name)?;
            d.set_item("version", version)?;
            d.set_item("url", url.as_str())?;
            "Firmware"
        }
        OperationKind::SoftwareList(items) => {
            d.set_item("items", dicts(py, items, software_list_item)?)?;
            "SoftwareList"
        }
        OperationKind::MeasurementRequest { request_name } => {
            d.set_item("request_name", request_name)?;
            "MeasurementRequest"
        }
        OperationKind::Relay { state } => {
            d.set_item("state", state.as_str())?;
            "Relay"
        }
        OperationKind::RelayArray(states) => {
            d.set_item("states", states)?;
            "RelayArray"
        }
        OperationKind::UploadConfigFile => {
            d.set_item("config_type", None::<&str>)?;
            "UploadConfigFile"
        }
        OperationKind::UploadConfigFileTyped { config_type } => {
            d.set_item("config_type", config_type)?;
            "UploadConfigFile"
        }
        OperationKind::DownloadConfigFile { url } => {
            d.set_item("url", url)?;
            d.set_item("config_type", None::<&str>)?;
            "DownloadConfigFile"
        }
        OperationKind::DownloadConfigFileTyped { url, config_type } => {
            d.set_item("url", url)?;
            d.set_item("config_type", config_type)?;
            "DownloadConfigFile"
        }
        OperationKind::LogfileRequest {
            log_file,
            date_from,
            date_to,
            search_text,
            maximum_lines,
        } => {
            d.set_item("log_file", log_file)?;
            d.set_item("date_from", iso_time(date_from))?;
            d.set_item("date_to", iso_time(date_to))?;
            d.set_item("search_text", search_text)?;
            d.set_item("maximum_lines", *maximum_lines)?;
            "LogfileRequest"
        }
        OperationKind::CommunicationMode { mode } => {
            d.set_item("mode", mode)?;
            "CommunicationMode"
        }
        OperationKind::FirmwarePatch {
            name,
            version,
            url,
            dependency,
        } => {
            d.set_item("name", name)?;
            d.set_item("version", version)?;
            d.set_item("url", url.as_str())?;
            d.set_item("dependency", dependency)?;
            "FirmwarePatch"
        }
        OperationKind::DeviceProfile(profile) => {
            device_profile(py, &d, profile, software_update_item)?;
            "DeviceProfile"
        }
        OperationKind::AdvancedDeviceProfile(profile) => {
            device_profile(py, &d, profile, advanced_software_update_item)?;
            "DeviceProfile"
        }
        OperationKind::SoftwareUpdate(items) => {
            d.set_item("items", dicts(py, items, software_update_item)?)?;
            "SoftwareUpdate"
        }
        OperationKind::AdvancedSoftwareUpdate(items) => {
            d.set_item("items", dicts(py, items, advanced_software_update_item)?)?;
            "SoftwareUpdate"
        }
        OperationKind::RemoteAccessConnect {
            hostname,
            port,
            connection_key,
        } => {
            d.set_item("hostname", hostname)?;
            d.set_item("port", *port)?;
            d.set_item("connection_key", connection_key)?;
            "RemoteAccessConnect"
        }
        OperationKind::ParameterUpdate(changes) => {
            d.set_item("changes", dicts(py, changes, parameter_change)?)?;
            "ParameterUpdate"
        }
        // A kind added to the core after this binding: its template id and raw values.
        _ => {
            d.set_item("template", kind.template_id())?;
            d.set_item("values", values)?;
            "OtherStatic"
        }
    };
    d.set_item("kind", name)?;
    Ok(d)
}

/// A time as ISO-8601 with microseconds and a `+HH:MM` offset (what `datetime.fromisoformat`
/// reads on every supported Python).
fn iso_time(time: &Timestamp) -> String {
    time.as_datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// One dict per item.
fn dicts<'py, T>(
    py: Python<'py>,
    items: &[T],
    one: fn(&Bound<'py, PyDict>, &T) -> PyResult<()>,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    items
        .iter()
        .map(|item| {
            let d = PyDict::new(py);
            one(&d, item)?;
            Ok(d)
        })
        .collect()
}

fn software_list_item(d: &Bound<'_, PyDict>, item: &SoftwareListItem) -> PyResult<()> {
    d.set_item("name", &item.name)?;
    d.set_item("version", &item.version)?;
    d.set_item("url", &item.url)
}

fn software_update_item(d: &Bound<'_, PyDict>, item: &SoftwareUpdateItem) -> PyResult<()> {
    d.set_item("name", &item.name)?;
    d.set_item("version", &item.version)?;
    d.set_item("url", &item.url)?;
    d.set_item("action", item.action.as_str())?;
    d.set_item("software_type", None::<&str>)
}

fn advanced_software_update_item(d: &Bound<'_, PyDict>, item: &AdvancedSoftwareUpdateItem) -> PyResult<()> {
    d.set_item("name", &item.name)?;
    d.set_item("version", &item.version)?;
    d.set_item("url", &item.url)?;
    d.set_item("action", item.action.as_str())?;
    d.set_item("software_type", &item.software_type)
}

fn parameter_change(d: &Bound<'_, PyDict>, change: &ParameterChange) -> PyResult<()> {
    d.set_item("path", &change.path)?;
    d.set_item("value_type", &change.value_type)?;
    d.set_item("value", &change.value)
}

fn profile_firmware(d: &Bound<'_, PyDict>, firmware: &ProfileFirmware) -> PyResult<()> {
    d.set_item("name", &firmware.name)?;
    d.set_item("version", &firmware.version)?;
    d.set_item("url", firmware.url.as_str())?;
    d.set_item("is_patch", firmware.is_patch)?;
    d.set_item("dependency", firmware.dependency.as_deref())
}

fn profile_configuration(d: &Bound<'_, PyDict>, configuration: &ProfileConfiguration) -> PyResult<()> {
    d.set_item("url", &configuration.url)?;
    d.set_item("config_type", &configuration.config_type)
}

/// `firmware` (a dict or None), `software` and `configurations` of a device profile.
fn device_profile<'py, S>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    profile: &DeviceProfile<S>,
    software: fn(&Bound<'py, PyDict>, &S) -> PyResult<()>,
) -> PyResult<()> {
    let firmware = match &profile.firmware {
        Some(firmware) => dicts(py, std::slice::from_ref(firmware), profile_firmware)?
            .into_iter()
            .next(),
        None => None,
    };
    d.set_item("firmware", firmware)?;
    d.set_item("software", dicts(py, &profile.software, software)?)?;
    d.set_item(
        "configurations",
        dicts(py, &profile.configurations, profile_configuration)?,
    )
}
