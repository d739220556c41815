//! Typed functions for the remaining upstream static templates: services, inventory fragments
//! (mobile, position, configuration, agent, profiles, supported logs / configurations / software
//! types / remote access protocols), software lists, heartbeat, signal strength, temperature,
//! battery, location, alarm severity and the fragment-clearing templates, device parameters.
//! Each builds the core's typed template and publishes it through the core entity, exactly like
//! the functions of [`crate::publish`], whose common rules apply (`child`, optional values,
//! times, `*msg_id_out`).

use std::ffi::c_char;

use c8y_mqtt::client::operations::truncate_reason;
use c8y_mqtt::templates::upstream::{
    AdvancedSoftwareItem, AdvancedSoftwareList, AgentInformation, AlarmSeverityUpdate,
    AppendAdvancedSoftware, Battery, ClearAlarmFragments, ClearDeviceFragments, ClearEventFragments,
    Configuration, CurrentConfiguration, DeviceParameter, DeviceParameterUpdate, DeviceProfileApplied,
    GetChildDevices, Heartbeat, LocationUpdate, LocationUpdateWithDevice, Mobile, Position,
    RemoteAccessProtocols, RemoveAdvancedSoftware, ServiceStatusUpdate, SetExecuting, SetFailed,
    SetSuccessful, SignalStrength, SoftwareList, SoftwareListItem, SoftwareRemovalItem,
    SupportedConfigurations, SupportedLogs, SupportedSoftwareTypes, Temperature,
};
use c8y_mqtt::value::Severity;

use super::{entity, number, publish, time};
use crate::boundary::{c_strings, guard, opt_str_arg, str_arg, str_array, write_out};
use crate::client::{c8y_client, client_ref};
use crate::error::{Error, c8y_result};

/// One item of the software list (`c8y_client_set_software_list`). The strings are read during
/// the call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_software_item {
    /// Name (required).
    pub name: *const c_char,
    /// Version; NULL for none.
    pub version: *const c_char,
    /// URL; NULL for none.
    pub url: *const c_char,
}

/// One item of the advanced software list (`c8y_client_set_advanced_software_list`,
/// `c8y_client_append_advanced_software`). The strings are read during the call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_advanced_software_item {
    /// Name (required).
    pub name: *const c_char,
    /// Version (required).
    pub version: *const c_char,
    /// Software type, e.g. `apt`; NULL for none.
    pub software_type: *const c_char,
    /// URL; NULL for none.
    pub url: *const c_char,
}

/// One software to remove (`c8y_client_remove_advanced_software`). The strings are read during
/// the call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_software_removal_item {
    /// Name (required).
    pub name: *const c_char,
    /// Version (required).
    pub version: *const c_char,
}

/// One reported device parameter (`c8y_client_send_device_parameter_update`). The strings are
/// read during the call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_device_parameter {
    /// Path in the inventory, e.g. `c8y_RelayStatus.left` (required).
    pub path: *const c_char,
    /// The value's type, e.g. `BOOLEAN` (required).
    pub value_type: *const c_char,
    /// The value as text (required; may be empty).
    pub value: *const c_char,
}

/// `n` items at `ptr` (NULL allowed only when `n` is 0).
///
/// # Safety
/// `ptr` NULL or `n` readable items.
unsafe fn items<'a, T>(ptr: *const T, n: usize, name: &str) -> Result<&'a [T], Error> {
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Error::null(name));
    }
    // SAFETY: `n` readable items per the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// An optional number behind a pointer (NULL: absent).
///
/// # Safety
/// `ptr` NULL or readable.
unsafe fn opt_value<T: Copy>(ptr: *const T) -> Option<T> {
    // SAFETY: NULL or readable per the caller.
    unsafe { ptr.as_ref() }.copied()
}

/// Advanced software items from C.
///
/// # Safety
/// As for [`items`]; every string NULL or NUL-terminated.
unsafe fn advanced_items(
    list: *const c8y_advanced_software_item,
    n: usize,
) -> Result<Vec<AdvancedSoftwareItem>, Error> {
    // SAFETY: per the caller.
    let list = unsafe { items(list, n, "items") }?;
    let mut out = Vec::with_capacity(n);
    for item in list {
        // SAFETY: per the caller.
        let (name, version, software_type, url) = unsafe {
            (
                str_arg(item.name, "items.name")?,
                str_arg(item.version, "items.version")?,
                opt_str_arg(item.software_type, "items.software_type")?,
                opt_str_arg(item.url, "items.url")?,
            )
        };
        let mut i = AdvancedSoftwareItem::new(name, version)?;
        if let Some(v) = software_type {
            i = i.with_software_type(v);
        }
        if let Some(v) = url {
            i = i.with_url(v);
        }
        out.push(i);
    }
    Ok(out)
}

/// Creates the service `service_id` below `parent` (NULL: the device) with its type (`systemd`,
/// ...), name and status (`up`, `down`, ...) (template 102), once per client: when this client
/// already created it, succeeds and writes 0 to `*msg_id_out` without sending anything.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_create_service(
    client: *const c8y_client,
    parent: *const c_char,
    service_id: *const c_char,
    service_type: *const c_char,
    name: *const c_char,
    status: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        let (parent, id, service_type, name, status) = c_strings!(
            opt parent => "parent",
            req service_id => "service_id",
            req service_type => "service_type",
            req name => "name",
            req status => "status",
        );
        let (_, delivery) = entity(client, parent)?.create_service(id, service_type, name, status)?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_out(msg_id_out, delivery.map_or(0, |d| super::c_delivery_id(d.id()))) };
        Ok(())
    })
}

/// Sets the status of the service `child` (template 104), e.g. `up`, `down` (required).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_service_status(
    client: *const c8y_client,
    child: *const c_char,
    status: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, status) = c_strings!(opt child => "child", req status => "status");
        Ok(entity(client, child)?.publish(ServiceStatusUpdate::new(status)?)?)
    })
}

/// Asks the platform for the child devices of the device or of `child` (template 105); the
/// answer arrives as downstream rows `106`.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_request_child_devices(
    client: *const c8y_client,
    child: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        Ok(entity(client, child)?.publish(GetChildDevices)?)
    })
}

/// Removes these `n` fragments (at least one, e.g. `c8y_Position`) from the managed object
/// (template 107).
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `fragments` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_clear_device_fragments(
    client: *const c8y_client,
    child: *const c_char,
    fragments: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    // SAFETY: the same contract.
    unsafe {
        super::publish_name_list(
            client,
            child,
            fragments,
            n,
            "fragments",
            ClearDeviceFragments::new,
            msg_id_out,
        )
    }
}

/// Sets the `c8y_Mobile` fragment (template 111); each value may be NULL.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_mobile(
    client: *const c8y_client,
    child: *const c_char,
    imei: *const c_char,
    iccid: *const c_char,
    imsi: *const c_char,
    mcc: *const c_char,
    mnc: *const c_char,
    lac: *const c_char,
    cell_id: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, imei, iccid, imsi, mcc, mnc, lac, cell_id) = c_strings!(
            opt child => "child",
            opt imei => "imei",
            opt iccid => "iccid",
            opt imsi => "imsi",
            opt mcc => "mcc",
            opt mnc => "mnc",
            opt lac => "lac",
            opt cell_id => "cell_id",
        );
        let mobile = Mobile::new()
            .with_imei(imei.unwrap_or(""))
            .with_iccid(iccid.unwrap_or(""))
            .with_imsi(imsi.unwrap_or(""))
            .with_mcc(mcc.unwrap_or(""))
            .with_mnc(mnc.unwrap_or(""))
            .with_lac(lac.unwrap_or(""))
            .with_cell_id(cell_id.unwrap_or(""));
        Ok(entity(client, child)?.publish(mobile)?)
    })
}

/// Sets the device's `c8y_Position` (template 112) without an event; each value may be NULL
/// (latitude, longitude and altitude finite).
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; the values NULL or
/// readable; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_position(
    client: *const c8y_client,
    child: *const c_char,
    latitude: *const f64,
    longitude: *const f64,
    altitude: *const f64,
    accuracy: *const i64,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL or readable per the contract.
        let latitude = unsafe { opt_value(latitude) };
        // SAFETY: NULL or readable per the contract.
        let longitude = unsafe { opt_value(longitude) };
        // SAFETY: NULL or readable per the contract.
        let altitude = unsafe { opt_value(altitude) };
        // SAFETY: NULL or readable per the contract.
        let accuracy = unsafe { opt_value(accuracy) };
        let mut position = Position::new();
        if let Some(v) = latitude {
            position = position.with_latitude(number(v, "latitude")?);
        }
        if let Some(v) = longitude {
            position = position.with_longitude(number(v, "longitude")?);
        }
        if let Some(v) = altitude {
            position = position.with_altitude(number(v, "altitude")?);
        }
        if let Some(v) = accuracy {
            position = position.with_accuracy(v);
        }
        Ok(entity(client, child)?.publish(position)?)
    })
}

/// Sets the `c8y_Configuration` text (template 113; required, may be empty).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_configuration(
    client: *const c8y_client,
    child: *const c_char,
    config: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, config) = c_strings!(opt child => "child", req config => "config");
        Ok(entity(client, child)?.publish(Configuration::new(config))?)
    })
}

/// Replaces the `c8y_SoftwareList` with these `n` items (template 116; may be empty).
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `items` NULL (n = 0) or `n` readable
/// items whose strings are NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_software_list(
    client: *const c8y_client,
    child: *const c_char,
    items: *const c8y_software_item,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL (when `n` is 0) or `n` readable items per the contract.
        let list = unsafe { self::items(items, n, "items") }?;
        let mut out = Vec::with_capacity(n);
        for item in list {
            let (name, version, url) = c_strings!(
                req item.name => "items.name",
                opt item.version => "items.version",
                opt item.url => "items.url",
            );
            let mut i = SoftwareListItem::new(name)?;
            if let Some(v) = version {
                i = i.with_version(v);
            }
            if let Some(v) = url {
                i = i.with_url(v);
            }
            out.push(i);
        }
        Ok(entity(client, child)?.publish(SoftwareList::new(out))?)
    })
}

/// Sets the oldest operation of `fragment` (e.g. `c8y_Restart`) on the device or child to
/// EXECUTING (template 501): for operations handled outside the SDK's operation events (the
/// events' own `c8y_event_operation_executing` answers by the operation's id).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_operation_executing(
    client: *const c8y_client,
    child: *const c_char,
    fragment: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, fragment) = c_strings!(opt child => "child", req fragment => "fragment");
        Ok(entity(client, child)?.publish(SetExecuting::new(fragment)?)?)
    })
}

/// Sets the oldest EXECUTING operation of `fragment` to FAILED with `reason` (template 502; the
/// reason is cut to the platform's limit with a `...` marker).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_operation_failed(
    client: *const c8y_client,
    child: *const c_char,
    fragment: *const c_char,
    reason: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, fragment, reason) =
            c_strings!(opt child => "child", req fragment => "fragment", req reason => "reason");
        let failed = SetFailed::new(fragment)?.with_failure_reason(truncate_reason(reason));
        Ok(entity(client, child)?.publish(failed)?)
    })
}

/// Sets the oldest EXECUTING operation of `fragment` to SUCCESSFUL (template 503) with `n`
/// result parameters (NULL when `n` is 0).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `parameters` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_operation_successful(
    client: *const c8y_client,
    child: *const c_char,
    fragment: *const c_char,
    parameters: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, fragment) = c_strings!(opt child => "child", req fragment => "fragment");
        // SAFETY: NULL (when `n` is 0) or `n` readable strings per the contract.
        let parameters = unsafe { str_array(parameters, n, "parameters") }?;
        Ok(entity(client, child)?.publish(SetSuccessful::new(fragment)?.with_parameters(parameters))?)
    })
}

/// Sets the supported log types (template 118, `c8y_SupportedLogs`) to these `n` names; the
/// whole list is replaced.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `log_types` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_supported_logs(
    client: *const c8y_client,
    child: *const c_char,
    log_types: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    // SAFETY: the same contract.
    unsafe {
        super::publish_name_list(
            client,
            child,
            log_types,
            n,
            "log_types",
            SupportedLogs::new,
            msg_id_out,
        )
    }
}

/// Sets the supported configuration types (template 119, `c8y_SupportedConfigurations`) to
/// these `n` names; the whole list is replaced.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `config_types` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_supported_configurations(
    client: *const c8y_client,
    child: *const c_char,
    config_types: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    // SAFETY: the same contract.
    unsafe {
        super::publish_name_list(
            client,
            child,
            config_types,
            n,
            "config_types",
            SupportedConfigurations::new,
            msg_id_out,
        )
    }
}

/// Sets the supported software types (template 143, `c8y_SupportedSoftwareTypes`) to these
/// `n` names; the whole list is replaced.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `software_types` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_supported_software_types(
    client: *const c8y_client,
    child: *const c_char,
    software_types: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    // SAFETY: the same contract.
    unsafe {
        super::publish_name_list(
            client,
            child,
            software_types,
            n,
            "software_types",
            SupportedSoftwareTypes::new,
            msg_id_out,
        )
    }
}

/// Sets the remote access protocols (template 150, e.g. `SSH`, `VNC`) to these `n`
/// names; the whole list is replaced.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `protocols` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_remote_access_protocols(
    client: *const c8y_client,
    child: *const c_char,
    protocols: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    // SAFETY: the same contract.
    unsafe {
        super::publish_name_list(
            client,
            child,
            protocols,
            n,
            "protocols",
            RemoteAccessProtocols::new,
            msg_id_out,
        )
    }
}

/// Sets the currently installed configuration of `config_type` (template 120): its `url`
/// (both required), the `file_name` and `time` (optional).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_current_configuration(
    client: *const c8y_client,
    child: *const c_char,
    config_type: *const c_char,
    url: *const c_char,
    file_name: *const c_char,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, config_type, url, file_name, time_iso) = c_strings!(
            opt child => "child",
            req config_type => "config_type",
            req url => "url",
            opt file_name => "file_name",
            opt time_iso => "time",
        );
        let mut configuration = CurrentConfiguration::new(config_type, url)?;
        if let Some(v) = file_name {
            configuration = configuration.with_file_name(v);
        }
        if let Some(time) = time(time_iso)? {
            configuration = configuration.with_time(time);
        }
        Ok(entity(client, child)?.publish(configuration)?)
    })
}

/// Reports a device profile (template 121): `executed` false when applying starts, true when
/// done; `profile_id` NULL for the one of the oldest EXECUTING device-profile operation.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_device_profile_applied(
    client: *const c8y_client,
    child: *const c_char,
    executed: bool,
    profile_id: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, profile_id) = c_strings!(
            opt child => "child",
            opt profile_id => "profile_id",
        );
        let mut profile = DeviceProfileApplied::new(executed);
        if let Some(v) = profile_id {
            profile = profile.with_profile_id(v);
        }
        Ok(entity(client, child)?.publish(profile)?)
    })
}

/// Sets the agent information (template 122, `c8y_Agent`): `name`, `version` and
/// `maintainer` (required), `url` (optional).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_agent_information(
    client: *const c8y_client,
    child: *const c_char,
    name: *const c_char,
    version: *const c_char,
    maintainer: *const c_char,
    url: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, name, version, maintainer, url) = c_strings!(
            opt child => "child",
            req name => "name",
            req version => "version",
            req maintainer => "maintainer",
            opt url => "url",
        );
        let mut agent = AgentInformation::new(name, version, maintainer)?;
        if let Some(v) = url {
            agent = agent.with_url(v);
        }
        Ok(entity(client, child)?.publish(agent)?)
    })
}

/// Sends a heartbeat (template 125): keeps the availability up without data.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_heartbeat(
    client: *const c8y_client,
    child: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        Ok(entity(client, child)?.publish(Heartbeat)?)
    })
}

/// Replaces the advanced software list (template 140) with these `n` items (may be empty).
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `items` NULL (n = 0) or `n` readable
/// items whose strings are NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_advanced_software_list(
    client: *const c8y_client,
    child: *const c_char,
    items: *const c8y_advanced_software_item,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL (when `n` is 0) or `n` readable items per the contract.
        let items = unsafe { advanced_items(items, n) }?;
        Ok(entity(client, child)?.publish(AdvancedSoftwareList::new(items))?)
    })
}

/// Adds these `n` items (at least one) to the advanced software list (template 141).
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `items` NULL (n = 0) or `n` readable
/// items whose strings are NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_append_advanced_software(
    client: *const c8y_client,
    child: *const c_char,
    items: *const c8y_advanced_software_item,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL (when `n` is 0) or `n` readable items per the contract.
        let items = unsafe { advanced_items(items, n) }?;
        Ok(entity(client, child)?.publish(AppendAdvancedSoftware::new(items)?)?)
    })
}

/// Removes these `n` items (at least one) from the advanced software list (template 142).
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `items` NULL (n = 0) or `n` readable
/// items whose strings are NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_remove_advanced_software(
    client: *const c8y_client,
    child: *const c_char,
    items: *const c8y_software_removal_item,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL (when `n` is 0) or `n` readable items per the contract.
        let list = unsafe { self::items(items, n, "items") }?;
        let mut out = Vec::with_capacity(n);
        for item in list {
            let (name, version) = c_strings!(
                req item.name => "items.name",
                req item.version => "items.version",
            );
            out.push(SoftwareRemovalItem::new(name, version)?);
        }
        Ok(entity(client, child)?.publish(RemoveAdvancedSoftware::new(out)?)?)
    })
}

/// Sends the signal strength (template 210): `rssi`, `ber` or both (at least one
/// non-NULL, finite), `time` optional.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; the values NULL or
/// readable; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_signal_strength(
    client: *const c8y_client,
    child: *const c_char,
    rssi: *const f64,
    ber: *const f64,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, time_iso) = c_strings!(opt child => "child", opt time_iso => "time");
        // SAFETY: NULL or readable per the contract.
        let rssi = unsafe { opt_value(rssi) };
        // SAFETY: NULL or readable per the contract.
        let ber = unsafe { opt_value(ber) };
        let rssi = rssi.map(|v| number(v, "rssi")).transpose()?;
        let ber = ber.map(|v| number(v, "ber")).transpose()?;
        let mut signal = SignalStrength::new(rssi, ber)?;
        if let Some(time) = time(time_iso)? {
            signal = signal.with_time(time);
        }
        Ok(entity(client, child)?.publish(signal)?)
    })
}

/// Sends a temperature in °C (template 211; finite), `time` optional.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_temperature(
    client: *const c8y_client,
    child: *const c_char,
    value: f64,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, time_iso) = c_strings!(opt child => "child", opt time_iso => "time");
        let mut temperature = Temperature::new(number(value, "value")?);
        if let Some(time) = time(time_iso)? {
            temperature = temperature.with_time(time);
        }
        Ok(entity(client, child)?.publish(temperature)?)
    })
}

/// Sends a battery level in % (template 212; finite), `time` optional.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_battery(
    client: *const c8y_client,
    child: *const c_char,
    value: f64,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, time_iso) = c_strings!(opt child => "child", opt time_iso => "time");
        let mut battery = Battery::new(number(value, "value")?);
        if let Some(time) = time(time_iso)? {
            battery = battery.with_time(time);
        }
        Ok(entity(client, child)?.publish(battery)?)
    })
}

/// Sends a location update (template 401: a `c8y_LocationUpdate` event) at `latitude` /
/// `longitude` (finite), `altitude` and `accuracy` optional (NULL); with `update_device` true
/// (template 402) the event also sets the device's `c8y_Position`. `time` optional.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; the values NULL or
/// readable; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_location(
    client: *const c8y_client,
    child: *const c_char,
    latitude: f64,
    longitude: f64,
    altitude: *const f64,
    accuracy: *const f64,
    time_iso: *const c_char,
    update_device: bool,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, time_iso) = c_strings!(opt child => "child", opt time_iso => "time");
        // SAFETY: NULL or readable per the contract.
        let altitude = unsafe { opt_value(altitude) };
        // SAFETY: NULL or readable per the contract.
        let accuracy = unsafe { opt_value(accuracy) };
        let (latitude, longitude) = (number(latitude, "latitude")?, number(longitude, "longitude")?);
        let altitude = altitude.map(|v| number(v, "altitude")).transpose()?;
        let accuracy = accuracy.map(|v| number(v, "accuracy")).transpose()?;
        let time = time(time_iso)?;
        let entity = entity(client, child)?;
        // One shape, two templates: the core's builders are the same for 401 and 402.
        macro_rules! location {
            ($template:ty) => {{
                let mut location = <$template>::new()
                    .with_latitude(latitude)
                    .with_longitude(longitude);
                if let Some(v) = altitude {
                    location = location.with_altitude(v);
                }
                if let Some(v) = accuracy {
                    location = location.with_accuracy(v);
                }
                if let Some(time) = time {
                    location = location.with_time(time);
                }
                entity.publish(location)?
            }};
        }
        Ok(if update_device {
            location!(LocationUpdateWithDevice)
        } else {
            location!(LocationUpdate)
        })
    })
}

/// Changes the severity of the active alarm of `alarm_type` (template 305) to `severity`, a
/// `c8y_severity` value. `C8Y_RESULT_INVALID_ARGUMENT` for an unknown severity.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_alarm_severity(
    client: *const c8y_client,
    child: *const c_char,
    alarm_type: *const c_char,
    severity: u32,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, alarm_type) = c_strings!(opt child => "child", req alarm_type => "alarm_type");
        let severity = Severity::from_number(severity)
            .ok_or_else(|| Error::invalid("severity", format!("{severity} is no c8y_severity")))?;
        Ok(entity(client, child)?.publish(AlarmSeverityUpdate::new(alarm_type, severity)?)?)
    })
}

/// Removes these `n` fragments (at least one) from the active alarm of `alarm_type`
/// (template 307).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `fragments` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_clear_alarm_fragments(
    client: *const c8y_client,
    child: *const c_char,
    alarm_type: *const c_char,
    fragments: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, alarm_type) = c_strings!(opt child => "child", req alarm_type => "alarm_type");
        // SAFETY: NULL (when `n` is 0) or `n` readable strings per the contract.
        let fragments = unsafe { str_array(fragments, n, "fragments") }?;
        Ok(entity(client, child)?.publish(ClearAlarmFragments::new(alarm_type, fragments)?)?)
    })
}

/// Removes these `n` fragments (the list may be empty) from the event of `event_type`
/// (template 407).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `fragments` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_clear_event_fragments(
    client: *const c8y_client,
    child: *const c_char,
    event_type: *const c_char,
    fragments: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, event_type) = c_strings!(opt child => "child", req event_type => "event_type");
        // SAFETY: NULL (when `n` is 0) or `n` readable strings per the contract.
        let fragments = unsafe { str_array(fragments, n, "fragments") }?;
        Ok(entity(client, child)?.publish(ClearEventFragments::new(event_type, fragments)?)?)
    })
}

/// Reports these `n` device parameters (template 408; at least one); the platform records a
/// `c8y_ParameterUpdate` event when they differ from the inventory.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `parameters` NULL (n = 0) or `n`
/// readable items whose strings are NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_device_parameter_update(
    client: *const c8y_client,
    child: *const c_char,
    parameters: *const c8y_device_parameter,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL (when `n` is 0) or `n` readable items per the contract.
        let list = unsafe { items(parameters, n, "parameters") }?;
        let mut out = Vec::with_capacity(n);
        for p in list {
            let (path, value_type, value) = c_strings!(
                req p.path => "parameters.path",
                req p.value_type => "parameters.value_type",
                req p.value => "parameters.value",
            );
            out.push(DeviceParameter::new(path, value_type, value)?);
        }
        Ok(entity(client, child)?.publish(DeviceParameterUpdate::new(out)?)?)
    })
}

#[cfg(test)]
mod tests;
