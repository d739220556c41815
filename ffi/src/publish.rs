//! Publishing from C: typed functions for the static templates (device, child and service
//! creation, measurements, events, alarms, inventory fragments; the rest in [`templates`]), the generic
//! `c8y_client_send_static` for every other static template, SmartREST 2.0 use lines, JSON over
//! MQTT and raw publishes. Every row is encoded by the core codec (typed templates, or
//! `Upstream::parse` on a record built from the fields); nothing here writes SmartREST text.
//!
//! Common rules: `child` is the external id of a child device (or service) of the device, NULL
//! for the device itself. Optional strings may be NULL (or empty: the same). Times are ISO-8601
//! texts (`2026-01-01T12:00:00.000+01:00`), NULL for "now" as the platform sees it. Publishing
//! never blocks: it checks the size, queues and returns; `*msg_id_out` (may be NULL) receives
//! the delivery id (never 0) whose outcome comes as a `C8Y_EVENT_KIND_DELIVERY` event. Thread: any,
//! including the event callback. These rules are stated once, in the header's conventions
//! (`cbindgen.toml`), not on each function; string arguments are read through
//! `c_strings!` (in `boundary`), the one reader relying on their contract.

use std::ffi::c_char;

use c8y_mqtt::client::{Delivery, Entity};
use c8y_mqtt::smartrest::Record;
use c8y_mqtt::templates::TemplateError;
use c8y_mqtt::templates::upstream::{
    ClearAlarm, CustomMeasurement, Event, Firmware, Hardware, MeasurementSeries, MultiSeriesMeasurement,
    RequiredAvailability, SupportedOperations, Upstream, raise_alarm,
};
use c8y_mqtt::value::{Number, Severity, Timestamp};

use crate::boundary::{c_strings, guard, str_array, write_out};
use crate::client::{c8y_client, client_ref};
use crate::error::{Error, c8y_result};
use crate::options::qos_from;

pub mod templates;

/// An alarm severity, for `c8y_client_send_alarm` and `c8y_client_set_alarm_severity`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_severity {
    /// Critical (template 301).
    Critical = 1,
    /// Major (302).
    Major = 2,
    /// Minor (303).
    Minor = 3,
    /// Warning (304).
    Warning = 4,
}

/// A JSON over MQTT resource, for `c8y_client_send_json` and the `c8y_client_json_*` calls.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_json_resource {
    /// `measurement/measurements/create`.
    Measurement = 1,
    /// `event/events/create`.
    Event = 2,
    /// `alarm/alarms/create`.
    Alarm = 3,
    /// `inventory/managedObjects`: `c8y_client_send_json` updates `<id>` (needs the id).
    Inventory = 4,
}

/// One series of a multi-series measurement (`c8y_client_send_measurements`). The strings are
/// read during the call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_measurement_series {
    /// Fragment, e.g. `c8y_Temperature` (required).
    pub fragment: *const c_char,
    /// Series, e.g. `T` (required).
    pub series: *const c_char,
    /// The value (finite).
    pub value: f64,
    /// Unit, e.g. `C`; NULL for none.
    pub unit: *const c_char,
}

/// The delivery id C sees: the core's id, the number Rust and Python show too (never 0).
pub(crate) fn c_delivery_id(id: c8y_mqtt::client::DeliveryId) -> u64 {
    id.0
}

/// The target entity: the device, or its child `child`.
pub(crate) fn entity(client: &c8y_client, child: Option<&str>) -> Result<Entity, Error> {
    Ok(match child {
        None | Some("") => client.client().device(),
        Some(id) => client.client().child(id)?,
    })
}

fn number(value: f64, name: &str) -> Result<Number, Error> {
    Number::try_from(value).map_err(|e| Error::invalid(name, e))
}

fn time(text: Option<&str>) -> Result<Option<Timestamp>, Error> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|e| Error::invalid("time", e)),
    }
}

/// Parses a static template row from its id and fields (the codec's strict validation).
pub(crate) fn static_template(template_id: u32, fields: &[&str]) -> Result<Upstream, Error> {
    let record: Record = std::iter::once(template_id.to_string())
        .chain(fields.iter().map(|f| (*f).to_owned()))
        .collect();
    Ok(Upstream::parse(&record)?)
}

/// The common shape of a publish: checked client, the body's delivery, its id written out.
fn publish(
    client: *const c8y_client,
    msg_id_out: *mut u64,
    body: impl FnOnce(&c8y_client) -> Result<Delivery, Error>,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        let delivery = body(client)?;
        // SAFETY: NULL or writable per every publish function's contract.
        unsafe { write_out(msg_id_out, c_delivery_id(delivery.id())) };
        Ok(())
    })
}

/// The body of the functions that publish one list of names (114, 107, 118, 119, 143, 150).
/// The functions themselves are written out, not generated, so that cbindgen declares them.
///
/// # Safety
/// As each of those functions' contract.
pub(crate) unsafe fn publish_name_list<T: Into<Upstream>>(
    client: *const c8y_client,
    child: *const c_char,
    names: *const *const c_char,
    n: usize,
    what: &str,
    template: impl FnOnce(Vec<String>) -> Result<T, TemplateError>,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL (when `n` is 0) or `n` readable strings per the contract.
        let names = unsafe { str_array(names, n, what) }?;
        let names = names.into_iter().map(str::to_owned).collect();
        Ok(entity(client, child)?.publish(template(names)?)?)
    })
}

/// Asks the platform for the managed object id of the device (`child` NULL) or of the child
/// device `child` (`123` on its topic); the answer arrives as a
/// `C8Y_EVENT_KIND_MANAGED_OBJECT_ID` event and then from `c8y_client_managed_object_id`.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_request_managed_object_id(
    client: *const c8y_client,
    child: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        Ok(entity(client, child)?.request_managed_object_id()?)
    })
}

/// Creates the child device `child_id` below `parent` (NULL: the device) with a name and a type
/// (template 101), once per client: when this client already created it, succeeds and writes
/// 0 to `*msg_id_out` without sending anything.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_create_child(
    client: *const c8y_client,
    parent: *const c_char,
    child_id: *const c_char,
    name: *const c_char,
    device_type: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        let (parent, id, name, device_type) = c_strings!(
            opt parent => "parent",
            req child_id => "child_id",
            req name => "name",
            req device_type => "device_type",
        );
        let (_, delivery) = entity(client, parent)?.create_child(id, name, device_type)?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_out(msg_id_out, delivery.map_or(0, |d| c_delivery_id(d.id()))) };
        Ok(())
    })
}

/// Sends one measurement value (template 200): `fragment` / `series` (required), `value`
/// (finite; sent in its shortest exact decimal form), `unit` and `time` optional.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_measurement(
    client: *const c8y_client,
    child: *const c_char,
    fragment: *const c_char,
    series: *const c_char,
    value: f64,
    unit: *const c_char,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, fragment, series, unit, time_iso) = c_strings!(
            opt child => "child",
            req fragment => "fragment",
            req series => "series",
            opt unit => "unit",
            opt time_iso => "time",
        );
        let mut measurement = CustomMeasurement::new(fragment, series, number(value, "value")?)?;
        if let Some(unit) = unit {
            measurement = measurement.with_unit(unit);
        }
        if let Some(time) = time(time_iso)? {
            measurement = measurement.with_time(time);
        }
        Ok(entity(client, child)?.publish(measurement)?)
    })
}

/// Sends one measurement with `n` series (template 201) of type `measurement_type`.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `series` NULL or `n` readable
/// items; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_measurements(
    client: *const c8y_client,
    child: *const c_char,
    measurement_type: *const c_char,
    series: *const c8y_measurement_series,
    n: usize,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, measurement_type, time_iso) = c_strings!(
            opt child => "child",
            req measurement_type => "measurement_type",
            opt time_iso => "time",
        );
        if series.is_null() {
            return Err(Error::null("series"));
        }
        // SAFETY: `n` readable items per the contract (n == 0 gives an empty slice).
        let items = unsafe { std::slice::from_raw_parts(series, n) };
        let mut list = Vec::with_capacity(n);
        for item in items {
            let (fragment, name, unit) = c_strings!(
                req item.fragment => "series.fragment",
                req item.series => "series.series",
                opt item.unit => "series.unit",
            );
            let mut s = MeasurementSeries::new(fragment, name, number(item.value, "series.value")?)?;
            if let Some(unit) = unit {
                s = s.with_unit(unit);
            }
            list.push(s);
        }
        let mut measurement = MultiSeriesMeasurement::new(measurement_type, list)?;
        if let Some(time) = time(time_iso)? {
            measurement = measurement.with_time(time);
        }
        Ok(entity(client, child)?.publish(measurement)?)
    })
}

/// Sends an event (template 400) of `event_type` with `text` (both required).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_event(
    client: *const c8y_client,
    child: *const c_char,
    event_type: *const c_char,
    text: *const c_char,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, event_type, text, time_iso) = c_strings!(
            opt child => "child",
            req event_type => "event_type",
            req text => "text",
            opt time_iso => "time",
        );
        let mut event = Event::new(event_type, text)?;
        if let Some(time) = time(time_iso)? {
            event = event.with_time(time);
        }
        Ok(entity(client, child)?.publish(event)?)
    })
}

/// Raises an alarm (templates 301-304 by `severity`, a `c8y_severity` value) of `alarm_type`
/// with an optional text. `C8Y_RESULT_INVALID_ARGUMENT` for an unknown severity.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_alarm(
    client: *const c8y_client,
    child: *const c_char,
    severity: u32,
    alarm_type: *const c_char,
    text: *const c_char,
    time_iso: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, alarm_type, text, time_iso) = c_strings!(
            opt child => "child",
            req alarm_type => "alarm_type",
            opt text => "text",
            opt time_iso => "time",
        );
        let severity = Severity::from_number(severity)
            .ok_or_else(|| Error::invalid("severity", format!("{severity} is no c8y_severity")))?;
        let template = raise_alarm(severity, alarm_type, text, time(time_iso)?)?;
        Ok(entity(client, child)?.publish(template)?)
    })
}

/// Clears the active alarm of `alarm_type` (template 306).
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_clear_alarm(
    client: *const c8y_client,
    child: *const c_char,
    alarm_type: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, alarm_type) = c_strings!(opt child => "child", req alarm_type => "alarm_type");
        Ok(entity(client, child)?.publish(ClearAlarm::new(alarm_type)?)?)
    })
}

/// Sets the `c8y_Hardware` fragment (template 110); each value may be NULL.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_hardware(
    client: *const c8y_client,
    child: *const c_char,
    serial: *const c_char,
    model: *const c_char,
    revision: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, serial, model, revision) = c_strings!(
            opt child => "child",
            opt serial => "serial",
            opt model => "model",
            opt revision => "revision",
        );
        let hardware = Hardware::new()
            .with_serial_number(serial.unwrap_or(""))
            .with_model(model.unwrap_or(""))
            .with_revision(revision.unwrap_or(""));
        Ok(entity(client, child)?.publish(hardware)?)
    })
}

/// Sets the `c8y_Firmware` fragment (template 115): name, version, URL; each may be NULL.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_firmware(
    client: *const c8y_client,
    child: *const c_char,
    name: *const c_char,
    version: *const c_char,
    url: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (child, name, version, url) = c_strings!(
            opt child => "child",
            opt name => "name",
            opt version => "version",
            opt url => "url",
        );
        let firmware = Firmware::new()
            .with_name(name.unwrap_or(""))
            .with_version(version.unwrap_or(""))
            .with_url(url.unwrap_or(""));
        Ok(entity(client, child)?.publish(firmware)?)
    })
}

/// Sets the supported operations (template 114, `c8y_SupportedOperations`) to these `n`
/// fragments (`c8y_Restart`, ...). The whole list is replaced.
///
/// # Safety
/// `client` NULL or live; `fragments` NULL (n = 0) or `n` strings; `msg_id_out` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_supported_operations(
    client: *const c8y_client,
    child: *const c_char,
    fragments: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    // SAFETY: the same contract.
    unsafe {
        publish_name_list(
            client,
            child,
            fragments,
            n,
            "fragments",
            SupportedOperations::new,
            msg_id_out,
        )
    }
}

/// Sets the required interval (template 117, `c8y_RequiredAvailability`) in minutes.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_required_interval(
    client: *const c8y_client,
    child: *const c_char,
    minutes: i64,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        Ok(entity(client, child)?.publish(RequiredAvailability::new(minutes))?)
    })
}

/// Sends any static upstream template (100-507, see the Cumulocity reference) from its id and
/// its `n` field values, validated like the platform does (types, mandatory fields, no values
/// left over; empty strings are empty fields) and encoded by the SmartREST codec (quoting is
/// automatic). Long lists the platform accepts in parts are split. `C8Y_RESULT_INVALID_TEMPLATE`
/// (the message names the field) when the values do not fit the template or the id is unknown.
///
/// # Safety
/// `client` NULL or live; `child` NULL or NUL-terminated; `fields` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_static(
    client: *const c8y_client,
    child: *const c_char,
    template_id: u32,
    fields: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let child = c_strings!(opt child => "child");
        // SAFETY: NULL (when `n` is 0) or `n` readable strings per the contract.
        let fields = unsafe { str_array(fields, n, "fields") }?;
        Ok(entity(client, child)?.publish(static_template(template_id, &fields)?)?)
    })
}

/// Sends a SmartREST 2.0 use line of request template `msg_id` in the collection `xid`
/// (registered with `c8y_options_add_collection`) with `n` values, checked against the
/// template's columns, on `s/uc/<xid>`. `C8Y_RESULT_UNKNOWN_TEMPLATE` for an unregistered
/// collection or message id; `C8Y_RESULT_INVALID_TEMPLATE` when the values do not fit.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `values` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_smartrest2(
    client: *const c8y_client,
    xid: *const c_char,
    msg_id: *const c_char,
    values: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (xid, msg_id) = c_strings!(req xid => "xid", req msg_id => "msg_id");
        // SAFETY: NULL (when `n` is 0) or `n` readable strings per the contract.
        let values = unsafe { str_array(values, n, "values") }?;
        Ok(client.client().smartrest2(xid)?.send(msg_id, values)?)
    })
}

/// Sends a SmartREST 1.0 row `<msg_id>,<values...>` (quoted as needed) of the template
/// collection `xid` on `s/ul/<xid>`. The platform's response rows arrive as
/// `C8Y_EVENT_KIND_SMARTREST1_RESPONSE` events when `c8y_options_add_smartrest1` subscribed
/// `s/dl/<xid>`. `C8Y_RESULT_INVALID_ARGUMENT` for an X-ID that cannot be a topic level.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `values` NULL (n = 0) or `n`
/// strings; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_smartrest1(
    client: *const c8y_client,
    xid: *const c_char,
    msg_id: *const c_char,
    values: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (xid, msg_id) = c_strings!(req xid => "xid", req msg_id => "msg_id");
        // SAFETY: NULL (when `n` is 0) or `n` readable strings per the contract.
        let values = unsafe { str_array(values, n, "values") }?;
        Ok(client.client().smartrest1(xid)?.send(msg_id, values)?)
    })
}

/// Publishes a JSON document over MQTT to `resource` (a `c8y_json_resource` value); `id` is
/// the managed object id for `C8Y_JSON_RESOURCE_INVENTORY` (NULL otherwise). The JSON is parsed
/// first: `C8Y_RESULT_INVALID_ARGUMENT` when it is not valid JSON, when `id` is missing for the
/// inventory or given for another resource.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_send_json(
    client: *const c8y_client,
    resource: u32,
    id: *const c_char,
    json: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (id, json) = c_strings!(opt id => "id", req json => "json");
        let resource = json_resource(resource)?;
        let value = json_arg(json)?;
        Ok(client.client().json().send(resource, id, &value)?)
    })
}

/// The JSON over MQTT resource of a `c8y_json_resource` value.
fn json_resource(resource: u32) -> Result<c8y_mqtt::topic::JsonResource, Error> {
    use c8y_mqtt::topic::JsonResource;
    Ok(match resource {
        1 => JsonResource::Measurements,
        2 => JsonResource::Events,
        3 => JsonResource::Alarms,
        4 => JsonResource::ManagedObjects,
        other => {
            return Err(Error::invalid(
                "resource",
                format!("{other} is no c8y_json_resource"),
            ));
        }
    })
}

/// Parses a JSON argument.
fn json_arg(json: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(json).map_err(|e| Error::invalid("json", e))
}

/// Creates several objects of `resource` (a `c8y_json_resource`: measurements, events or
/// alarms) in one message on `<api>/<resource>/createBulk`; `json` is the REST collection, e.g.
/// `{"events":[...]}`. `C8Y_RESULT_INVALID_ARGUMENT` when it is not valid JSON or for
/// `C8Y_JSON_RESOURCE_INVENTORY` (the platform has no bulk create for managed objects).
///
/// # Safety
/// `client` NULL or live; `json` NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_json_create_bulk(
    client: *const c8y_client,
    resource: u32,
    json: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let json = json_arg(c_strings!(req json => "json"))?;
        Ok(client
            .client()
            .json()
            .create_bulk(json_resource(resource)?, &json)?)
    })
}

/// Updates the object `id` of `resource` (events, alarms, or managed objects, where `id` may
/// be an external id) on `<api>/<resource>/update/<id>` with the fragments of `json` (a
/// fragment set to `null` is removed). `C8Y_RESULT_INVALID_ARGUMENT` when `json` is not valid
/// JSON, `id` cannot be a topic level, or for `C8Y_JSON_RESOURCE_MEASUREMENT`.
///
/// # Safety
/// `client` NULL or live; strings NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_json_update(
    client: *const c8y_client,
    resource: u32,
    id: *const c_char,
    json: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let (id, json) = c_strings!(req id => "id", req json => "json");
        let json = json_arg(json)?;
        Ok(client
            .client()
            .json()
            .update(json_resource(resource)?, id, &json)?)
    })
}

/// Deletes the object `id` of `resource` (events or measurements) on
/// `<api>/<resource>/delete/<id>` (empty payload). `C8Y_RESULT_INVALID_ARGUMENT` when `id`
/// cannot be a topic level, or for alarms and managed objects.
///
/// # Safety
/// `client` NULL or live; `id` NULL or NUL-terminated; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_json_delete(
    client: *const c8y_client,
    resource: u32,
    id: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let id = c_strings!(req id => "id");
        Ok(client.client().json().delete(json_resource(resource)?, id)?)
    })
}

/// Publishes `payload` (`len` bytes of UTF-8 text; NULL when `len` is 0) as it is on a
/// Cumulocity upstream `topic` (`s/uc/<xid>`, `s/ul/<xid>`, JSON topics, ...) with QoS `qos`
/// (0, 1 or 2). Size-checked; never batched. `C8Y_RESULT_INVALID_ARGUMENT` for a topic that is
/// not upstream.
///
/// # Safety
/// `client` NULL or live; `topic` NULL or NUL-terminated; `payload` NULL or `len` readable
/// bytes; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_publish_raw(
    client: *const c8y_client,
    topic: *const c_char,
    payload: *const u8,
    len: usize,
    qos: u32,
    msg_id_out: *mut u64,
) -> c8y_result {
    publish(client, msg_id_out, |client| {
        let topic = c_strings!(req topic => "topic");
        let bytes: &[u8] = if len == 0 {
            &[]
        } else if payload.is_null() {
            return Err(Error::null("payload"));
        } else {
            // SAFETY: `len` readable bytes per the contract.
            unsafe { std::slice::from_raw_parts(payload, len) }
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|e| Error::new(c8y_result::InvalidUtf8, format!("payload: {e}")))?;
        Ok(client.client().publish_raw(topic, text, qos_from(qos)?)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_severities_are_the_cores() {
        let c = [
            c8y_severity::Critical,
            c8y_severity::Major,
            c8y_severity::Minor,
            c8y_severity::Warning,
        ];
        assert_eq!(c.len(), Severity::ALL.len());
        for (c, core) in c.into_iter().zip(Severity::ALL) {
            assert_eq!(Severity::from_number(c as u32), Some(*core), "{c:?}");
        }
        assert_eq!(Severity::from_number(0), None);
    }

    #[test]
    fn static_templates_are_validated_by_the_codec() {
        assert_eq!(static_template(211, &["21.5"]).unwrap().to_row(), "211,21.5");
        assert_eq!(
            static_template(400, &["c8y_Boot", "Booted, ok"])
                .unwrap()
                .to_row(),
            "400,c8y_Boot,\"Booted, ok\""
        );
        assert_eq!(static_template(110, &["s1", "", ""]).unwrap().to_row(), "110,s1");
        let error = static_template(211, &["warm"]).unwrap_err();
        assert_eq!(error.code, c8y_result::InvalidTemplate);
        assert_eq!(
            static_template(999, &[]).unwrap_err().code,
            c8y_result::InvalidTemplate
        );
        assert_eq!(
            static_template(u32::MAX, &[]).unwrap_err().code,
            c8y_result::InvalidTemplate
        );
    }
}

#[cfg(test)]
mod null_tests {
    //! NULL in every required argument of every publish function, with a live client (not
    //! connected: arguments are checked before anything is queued).
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::client::{c8y_client_free, c8y_client_new};
    use crate::options::*;

    fn offline_client() -> *mut c8y_client {
        let mut options = null_mut();
        let mut client = null_mut();
        // SAFETY: valid strings and out-params; the options are freed once.
        unsafe {
            assert_eq!(
                c8y_options_new(c"127.0.0.1".as_ptr(), c"dev1".as_ptr(), &mut options),
                c8y_result::Ok
            );
            assert_eq!(c8y_options_set_transport(options, 0), c8y_result::Ok);
            assert_eq!(c8y_options_set_port(options, 1), c8y_result::Ok);
            assert_eq!(
                c8y_options_set_password(options, c"t".as_ptr(), c"u".as_ptr(), c"p".as_ptr()),
                c8y_result::Ok
            );
            assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
            c8y_options_free(options);
        }
        client
    }

    /// Calls `call` with each of `n` string arguments replaced by NULL in turn (the others
    /// valid) and expects `NULL_PARAMETER` naming it, and `OK` with all of them valid.
    fn each_null(n: usize, call: impl Fn(&[*const c_char]) -> c8y_result) {
        let valid = [c"c8y_X".as_ptr(); 8];
        for i in 0..n {
            let mut args = valid;
            args[i] = null();
            assert_eq!(call(&args[..n]), c8y_result::NullParameter, "argument {i}");
        }
        assert_eq!(
            call(&valid[..n]),
            c8y_result::Ok,
            "{}",
            crate::error::last_error()
        );
    }

    #[test]
    fn every_required_argument_is_checked() {
        let c = offline_client();
        let mut id = 0u64;
        let id_out = &mut id as *mut u64;
        // SAFETY: `c` is live until freed; the argument arrays hold valid strings or NULL.
        unsafe {
            each_null(3, |a| {
                c8y_client_create_child(c, null(), a[0], a[1], a[2], id_out)
            });
            each_null(2, |a| {
                c8y_client_send_measurement(c, null(), a[0], a[1], 1.5, null(), null(), id_out)
            });
            each_null(2, |a| {
                c8y_client_send_event(c, null(), a[0], a[1], null(), id_out)
            });
            each_null(1, |a| {
                c8y_client_send_alarm(c, null(), 1, a[0], null(), null(), id_out)
            });
            each_null(1, |a| c8y_client_clear_alarm(c, null(), a[0], id_out));
            each_null(1, |a| {
                c8y_client_set_supported_operations(c, null(), a.as_ptr(), 1, id_out)
            });
            each_null(1, |a| {
                c8y_client_send_static(c, null(), 400, [a[0], c"text".as_ptr()].as_ptr(), 2, id_out)
            });
            let or_null = |a: *const c_char, valid: *const c_char| if a.is_null() { null() } else { valid };
            each_null(1, |a| {
                c8y_client_send_json(c, 1, null(), or_null(a[0], c"{}".as_ptr()), id_out)
            });
            each_null(1, |a| {
                c8y_client_publish_raw(c, or_null(a[0], c"s/uc/x".as_ptr()), b"1".as_ptr(), 1, 1, id_out)
            });
            // Multi-series: NULL array, NULL strings inside an item.
            let item = |fragment, series| c8y_measurement_series {
                fragment,
                series,
                value: 1.0,
                unit: null(),
            };
            assert_eq!(
                c8y_client_send_measurements(c, null(), c"t".as_ptr(), null(), 1, null(), id_out),
                c8y_result::NullParameter
            );
            let items = [item(null(), c"s".as_ptr())];
            assert_eq!(
                c8y_client_send_measurements(c, null(), c"t".as_ptr(), items.as_ptr(), 1, null(), id_out),
                c8y_result::NullParameter
            );
            let items = [item(c"f".as_ptr(), null())];
            assert_eq!(
                c8y_client_send_measurements(c, null(), c"t".as_ptr(), items.as_ptr(), 1, null(), id_out),
                c8y_result::NullParameter
            );
            let items = [item(c"f".as_ptr(), c"s".as_ptr())];
            assert_eq!(
                c8y_client_send_measurements(c, null(), null(), items.as_ptr(), 1, null(), id_out),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_client_send_measurements(c, null(), c"t".as_ptr(), items.as_ptr(), 1, null(), id_out),
                c8y_result::Ok
            );
            // An empty series list is refused by the codec (201 needs one).
            assert_eq!(
                c8y_client_send_measurements(c, null(), c"t".as_ptr(), items.as_ptr(), 0, null(), id_out),
                c8y_result::InvalidTemplate
            );
            // SmartREST 2.0: NULL xid / message id before the registry is consulted.
            assert_eq!(
                c8y_client_send_smartrest2(c, null(), c"1".as_ptr(), null(), 0, id_out),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_client_send_smartrest2(c, c"x".as_ptr(), null(), null(), 0, id_out),
                c8y_result::NullParameter
            );
            // Optional arguments may be NULL: child, unit, time, text, msg_id_out.
            let rc = c8y_client_send_alarm(c, null(), 4, c"c8y_A".as_ptr(), null(), null(), null_mut());
            assert_eq!(rc, c8y_result::Ok);
            let rc = c8y_client_set_hardware(c, null(), null(), null(), null(), null_mut());
            assert_eq!(rc, c8y_result::Ok, "110 with every field empty");
            let rc = c8y_client_set_firmware(
                c,
                c"dev1:child".as_ptr(),
                c"fw".as_ptr(),
                null(),
                null(),
                null_mut(),
            );
            assert_eq!(rc, c8y_result::Ok);
            assert_eq!(
                c8y_client_set_required_interval(c, null(), 10, null_mut()),
                c8y_result::Ok
            );
            // Invalid UTF-8 and an invalid child id.
            let rc = c8y_client_send_event(c, null(), c"\xff".as_ptr(), c"t".as_ptr(), null(), id_out);
            assert_eq!(rc, c8y_result::InvalidUtf8);
            let rc = c8y_client_send_event(c, c"a/b#".as_ptr(), c"t".as_ptr(), c"t".as_ptr(), null(), id_out);
            assert_eq!(rc, c8y_result::InvalidArgument, "{}", crate::error::last_error());
            assert_eq!(c8y_client_free(c), c8y_result::Ok);
        }
    }
}

#[cfg(test)]
mod json_tests;
