//! The typed parameters of a static operation (the core's `OperationKind`) on `c8y_event`:
//! `c8y_event_operation_kind` and one getter per kind of parameter (command text, firmware,
//! software items, log request, device profile configurations, parameter changes, ...).
//!
//! The strings are copied from the core's typed fields when the event is made and borrowed
//! from the event: valid until `c8y_event_free`. A getter that does not apply to the event's
//! operation kind returns NULL / 0, or `C8Y_RESULT_WRONG_EVENT_KIND` when it returns a result.

use std::ffi::{CString, c_char};
use std::ptr::null;

use c8y_mqtt::templates::downstream::{DeviceProfile, FirmwareUrl, OperationKind, ProfileFirmware};
use c8y_mqtt::value::Timestamp;

use crate::boundary::{guard, guard_or, write_out};
use crate::error::{Error, c8y_result};
use crate::event::{c_string, c8y_event};

/// What a static operation asks for; from `c8y_event_operation_kind`. The values are the
/// static template ids, so they compare equal to the numbers of earlier versions. New kinds
/// may be added: treat unknown values like `C8Y_OPERATION_KIND_OTHER`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_operation_kind {
    /// Not a static operation (no event, another event kind, or an operation that came as
    /// JSON or SmartREST 2.0: read its fragment and fields).
    None = 0,
    /// A static operation this header does not know: read `c8y_event_field`.
    Other = 1,
    /// `510` `c8y_Restart`: no parameters.
    Restart = 510,
    /// `511` `c8y_Command`: `c8y_event_operation_command_text`.
    Command = 511,
    /// `513` `c8y_Configuration`: `c8y_event_operation_configuration_text`.
    Configuration = 513,
    /// `515` `c8y_Firmware`: `c8y_event_operation_firmware`.
    Firmware = 515,
    /// `516` `c8y_SoftwareList`: the software items (`c8y_event_operation_software_count`).
    SoftwareList = 516,
    /// `517` `c8y_MeasurementRequestOperation`: `c8y_event_operation_measurement_request_name`.
    MeasurementRequest = 517,
    /// `518` `c8y_Relay`: `c8y_event_operation_relay_state`.
    Relay = 518,
    /// `519` `c8y_RelayArray`: `c8y_event_operation_relay_count` / `_relay`.
    RelayArray = 519,
    /// `520` `c8y_UploadConfigFile` (untyped): no parameters.
    UploadConfigFile = 520,
    /// `521` `c8y_DownloadConfigFile` (untyped): `c8y_event_operation_config_file` (url).
    DownloadConfigFile = 521,
    /// `522` `c8y_LogfileRequest`: `c8y_event_operation_log_request`.
    LogfileRequest = 522,
    /// `523` `c8y_CommunicationMode`: `c8y_event_operation_communication_mode`.
    CommunicationMode = 523,
    /// `524` `c8y_DownloadConfigFile` (typed): `c8y_event_operation_config_file` (url, type).
    DownloadConfigFileTyped = 524,
    /// `525` `c8y_Firmware` (patch): `c8y_event_operation_firmware` (with a dependency).
    FirmwarePatch = 525,
    /// `526` `c8y_UploadConfigFile` (typed): `c8y_event_operation_config_file` (type).
    UploadConfigFileTyped = 526,
    /// `527` `c8y_DeviceProfile`: `c8y_event_operation_firmware` (when the profile has
    /// firmware), the software items, `c8y_event_operation_profile_configuration_count`.
    DeviceProfile = 527,
    /// `528` `c8y_SoftwareUpdate`: the software items, with actions.
    SoftwareUpdate = 528,
    /// `529` `c8y_SoftwareUpdate` (advanced): the software items, with actions and types.
    AdvancedSoftwareUpdate = 529,
    /// `530` `c8y_RemoteAccessConnect`: `c8y_event_operation_remote_access`.
    RemoteAccessConnect = 530,
    /// `531` `c8y_DeviceProfile` with typed software, sent in addition to the `527` of the
    /// same operation: read like `C8Y_OPERATION_KIND_DEVICE_PROFILE`.
    AdvancedDeviceProfile = 531,
    /// `532` `c8y_ParameterUpdate`: `c8y_event_operation_parameter_count` / `_parameter`.
    ParameterUpdate = 532,
}

/// A firmware to install: of `515` and `525`, and of a device profile (`527`, `531`). The
/// strings are borrowed from the event.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_operation_firmware {
    /// Firmware name.
    pub name: *const c_char,
    /// Firmware version.
    pub version: *const c_char,
    /// Where to get it: a URL (possibly empty), or `$PROVIDED` (then `provided` is true).
    pub url: *const c_char,
    /// The device resolves the image itself (`url` is `$PROVIDED`).
    pub provided: bool,
    /// A patch (`525`, or a profile's firmware marked as patch).
    pub is_patch: bool,
    /// The version a patch applies to (may be empty); NULL when not given.
    pub dependency: *const c_char,
}

/// One software item of `516`, `528`, `529` or a device profile. The strings are borrowed
/// from the event.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_operation_software {
    /// Software name.
    pub name: *const c_char,
    /// Version.
    pub version: *const c_char,
    /// Download URL (possibly empty).
    pub url: *const c_char,
    /// `install` or `delete`; NULL for `516` (a desired list has no actions).
    pub action: *const c_char,
    /// The software type; NULL unless the kind is `529` or `531`.
    pub software_type: *const c_char,
}

/// The request of a `522` `c8y_LogfileRequest`. The strings are borrowed from the event.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_operation_log_request {
    /// The log type (as in `c8y_SupportedLogs`).
    pub log_file: *const c_char,
    /// Start of the period, ISO-8601 with the platform's offset.
    pub date_from: *const c_char,
    /// End of the period, ISO-8601.
    pub date_to: *const c_char,
    /// Start of the period in milliseconds since the Unix epoch.
    pub date_from_ms: i64,
    /// End of the period in milliseconds since the Unix epoch.
    pub date_to_ms: i64,
    /// Only lines containing this text (empty: all lines).
    pub search_text: *const c_char,
    /// At most this many lines (when `has_maximum_lines`).
    pub maximum_lines: u64,
    /// Whether the request limits the lines.
    pub has_maximum_lines: bool,
}

/// One parameter change of a `532` `c8y_ParameterUpdate`. The strings are borrowed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_operation_parameter {
    /// The parameter path, e.g. `network.apn`.
    pub path: *const c_char,
    /// Its value type, e.g. `STRING`.
    pub value_type: *const c_char,
    /// The new value.
    pub value: *const c_char,
}

/// A firmware, as C strings.
#[derive(Debug)]
struct Firmware {
    name: CString,
    version: CString,
    url: CString,
    provided: bool,
    is_patch: bool,
    dependency: Option<CString>,
}

impl Firmware {
    fn new(name: &str, version: &str, url: &FirmwareUrl, is_patch: bool, dependency: Option<&str>) -> Self {
        Self {
            name: c_string(name),
            version: c_string(version),
            url: c_string(url.as_str()),
            provided: matches!(url, FirmwareUrl::Provided),
            is_patch,
            dependency: dependency.map(c_string),
        }
    }

    fn of_profile(firmware: &ProfileFirmware) -> Self {
        Self::new(
            &firmware.name,
            &firmware.version,
            &firmware.url,
            firmware.is_patch,
            firmware.dependency.as_deref(),
        )
    }
}

/// A software item, as C strings.
#[derive(Debug)]
struct Software {
    name: CString,
    version: CString,
    url: CString,
    action: Option<CString>,
    software_type: Option<CString>,
}

/// A log request, as C strings.
#[derive(Debug)]
struct LogRequest {
    log_file: CString,
    date_from: CString,
    date_to: CString,
    date_from_ms: i64,
    date_to_ms: i64,
    search_text: CString,
    maximum_lines: Option<u64>,
}

/// The typed fields of a static operation, copied as C strings when the event is made.
#[derive(Debug, Default)]
pub(crate) struct TypedOperation {
    kind: Option<c8y_operation_kind>,
    /// Command text, configuration text, request name, relay state or mode.
    text: Option<CString>,
    firmware: Option<Firmware>,
    software: Vec<Software>,
    relays: Vec<CString>,
    config_url: Option<CString>,
    config_type: Option<CString>,
    configurations: Vec<(CString, CString)>,
    log: Option<LogRequest>,
    remote: Option<(CString, u16, CString)>,
    parameters: Vec<[CString; 3]>,
}

fn time(t: &Timestamp) -> (CString, i64) {
    (c_string(t.to_string()), t.as_datetime().timestamp_millis())
}

impl TypedOperation {
    /// The typed fields of `kind`.
    pub(crate) fn new(kind: &OperationKind) -> Self {
        use c8y_operation_kind as K;
        let mut t = Self::default();
        let kind_code = match kind {
            OperationKind::Restart => K::Restart,
            OperationKind::Command { text } => {
                t.text = Some(c_string(text.as_str()));
                K::Command
            }
            OperationKind::Configuration { text } => {
                t.text = Some(c_string(text.as_str()));
                K::Configuration
            }
            OperationKind::Firmware { name, version, url } => {
                t.firmware = Some(Firmware::new(name, version, url, false, None));
                K::Firmware
            }
            OperationKind::FirmwarePatch {
                name,
                version,
                url,
                dependency,
            } => {
                t.firmware = Some(Firmware::new(name, version, url, true, Some(dependency)));
                K::FirmwarePatch
            }
            OperationKind::SoftwareList(items) => {
                t.software = items
                    .iter()
                    .map(|i| Software {
                        name: c_string(i.name.as_str()),
                        version: c_string(i.version.as_str()),
                        url: c_string(i.url.as_str()),
                        action: None,
                        software_type: None,
                    })
                    .collect();
                K::SoftwareList
            }
            OperationKind::MeasurementRequest { request_name } => {
                t.text = Some(c_string(request_name.as_str()));
                K::MeasurementRequest
            }
            OperationKind::Relay { state } => {
                t.text = Some(c_string(state.as_str()));
                K::Relay
            }
            OperationKind::RelayArray(states) => {
                t.relays = states.iter().map(|s| c_string(s.as_str())).collect();
                K::RelayArray
            }
            OperationKind::UploadConfigFile => K::UploadConfigFile,
            OperationKind::DownloadConfigFile { url } => {
                t.config_url = Some(c_string(url.as_str()));
                K::DownloadConfigFile
            }
            OperationKind::DownloadConfigFileTyped { url, config_type } => {
                t.config_url = Some(c_string(url.as_str()));
                t.config_type = Some(c_string(config_type.as_str()));
                K::DownloadConfigFileTyped
            }
            OperationKind::UploadConfigFileTyped { config_type } => {
                t.config_type = Some(c_string(config_type.as_str()));
                K::UploadConfigFileTyped
            }
            OperationKind::LogfileRequest {
                log_file,
                date_from,
                date_to,
                search_text,
                maximum_lines,
            } => {
                let (from, from_ms) = time(date_from);
                let (to, to_ms) = time(date_to);
                t.log = Some(LogRequest {
                    log_file: c_string(log_file.as_str()),
                    date_from: from,
                    date_to: to,
                    date_from_ms: from_ms,
                    date_to_ms: to_ms,
                    search_text: c_string(search_text.as_str()),
                    maximum_lines: *maximum_lines,
                });
                K::LogfileRequest
            }
            OperationKind::CommunicationMode { mode } => {
                t.text = Some(c_string(mode.as_str()));
                K::CommunicationMode
            }
            OperationKind::DeviceProfile(profile) => {
                t.profile(profile, |i| Software {
                    name: c_string(i.name.as_str()),
                    version: c_string(i.version.as_str()),
                    url: c_string(i.url.as_str()),
                    action: Some(c_string(i.action.as_str())),
                    software_type: None,
                });
                K::DeviceProfile
            }
            OperationKind::AdvancedDeviceProfile(profile) => {
                t.profile(profile, |i| Software {
                    name: c_string(i.name.as_str()),
                    version: c_string(i.version.as_str()),
                    url: c_string(i.url.as_str()),
                    action: Some(c_string(i.action.as_str())),
                    software_type: Some(c_string(i.software_type.as_str())),
                });
                K::AdvancedDeviceProfile
            }
            OperationKind::SoftwareUpdate(items) => {
                t.software = items
                    .iter()
                    .map(|i| Software {
                        name: c_string(i.name.as_str()),
                        version: c_string(i.version.as_str()),
                        url: c_string(i.url.as_str()),
                        action: Some(c_string(i.action.as_str())),
                        software_type: None,
                    })
                    .collect();
                K::SoftwareUpdate
            }
            OperationKind::AdvancedSoftwareUpdate(items) => {
                t.software = items
                    .iter()
                    .map(|i| Software {
                        name: c_string(i.name.as_str()),
                        version: c_string(i.version.as_str()),
                        url: c_string(i.url.as_str()),
                        action: Some(c_string(i.action.as_str())),
                        software_type: Some(c_string(i.software_type.as_str())),
                    })
                    .collect();
                K::AdvancedSoftwareUpdate
            }
            OperationKind::RemoteAccessConnect {
                hostname,
                port,
                connection_key,
            } => {
                t.remote = Some((
                    c_string(hostname.as_str()),
                    *port,
                    c_string(connection_key.as_str()),
                ));
                K::RemoteAccessConnect
            }
            OperationKind::ParameterUpdate(changes) => {
                t.parameters = changes
                    .iter()
                    .map(|c| {
                        [
                            c_string(c.path.as_str()),
                            c_string(c.value_type.as_str()),
                            c_string(c.value.as_str()),
                        ]
                    })
                    .collect();
                K::ParameterUpdate
            }
            _ => K::Other,
        };
        t.kind = Some(kind_code);
        t
    }

    fn profile<S>(&mut self, profile: &DeviceProfile<S>, item: impl Fn(&S) -> Software) {
        self.firmware = profile.firmware.as_ref().map(Firmware::of_profile);
        self.software = profile.software.iter().map(item).collect();
        self.configurations = profile
            .configurations
            .iter()
            .map(|c| (c_string(c.url.as_str()), c_string(c.config_type.as_str())))
            .collect();
    }

    /// The text slot, when the kind is `kind`.
    fn text_of(&self, kind: c8y_operation_kind) -> Option<*const c_char> {
        (self.kind == Some(kind)).then(|| self.text.as_ref().map(|s| s.as_ptr()))?
    }
}

/// The typed operation of a non-NULL event, or None.
fn typed<T>(event: *const c8y_event, default: T, body: impl FnOnce(&TypedOperation) -> Option<T>) -> T {
    guard_or(default, || {
        // SAFETY: the caller passes NULL or a live event (every getter's contract).
        let event = unsafe { event.as_ref() }?;
        body(event.typed()?)
    })
}

/// The typed operation of an event for a getter with a result.
fn typed_or_err<'a>(event: *const c8y_event) -> Result<&'a TypedOperation, Error> {
    // SAFETY: NULL or a live event per the getter's contract.
    let event = unsafe { event.as_ref() }.ok_or_else(|| Error::null("event"))?;
    event
        .typed()
        .ok_or_else(|| Error::new(c8y_result::WrongEventKind, "not a static operation event"))
}

fn wrong(what: &str) -> Error {
    Error::new(c8y_result::WrongEventKind, format!("the operation has no {what}"))
}

fn index_error(index: usize, count: usize) -> Error {
    Error::invalid("index", format!("{index} is not below {count}"))
}

fn opt(text: &Option<CString>) -> *const c_char {
    text.as_ref().map_or(null(), |s| s.as_ptr())
}

/// The kind of a static operation event (`C8Y_EVENT_KIND_OPERATION` or
/// `C8Y_EVENT_KIND_OPERATION_RESUMED` delivered on `s/ds`): its template id as a
/// `c8y_operation_kind`. `C8Y_OPERATION_KIND_NONE` for operations that came as JSON or
/// SmartREST 2.0 (use the fragment), for other events and for NULL.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_kind(event: *const c8y_event) -> c8y_operation_kind {
    typed(event, c8y_operation_kind::None, |t| t.kind)
}

/// The shell command of a `C8Y_OPERATION_KIND_COMMAND` operation (may hold line breaks and
/// quotes), or NULL for other kinds. Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_command_text(event: *const c8y_event) -> *const c_char {
    typed(event, null(), |t| t.text_of(c8y_operation_kind::Command))
}

/// The configuration text of a `C8Y_OPERATION_KIND_CONFIGURATION` operation, or NULL.
/// Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_configuration_text(event: *const c8y_event) -> *const c_char {
    typed(event, null(), |t| t.text_of(c8y_operation_kind::Configuration))
}

/// The request name of a `C8Y_OPERATION_KIND_MEASUREMENT_REQUEST` operation (may be empty), or
/// NULL. Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_measurement_request_name(
    event: *const c8y_event,
) -> *const c_char {
    typed(event, null(), |t| {
        t.text_of(c8y_operation_kind::MeasurementRequest)
    })
}

/// The target state of a `C8Y_OPERATION_KIND_RELAY` operation (`OPEN`, `CLOSED`, or another
/// word as sent), or NULL. Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_relay_state(event: *const c8y_event) -> *const c_char {
    typed(event, null(), |t| t.text_of(c8y_operation_kind::Relay))
}

/// The mode of a `C8Y_OPERATION_KIND_COMMUNICATION_MODE` operation (e.g. `SMS`), or NULL.
/// Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_communication_mode(event: *const c8y_event) -> *const c_char {
    typed(event, null(), |t| {
        t.text_of(c8y_operation_kind::CommunicationMode)
    })
}

/// How many relay states a `C8Y_OPERATION_KIND_RELAY_ARRAY` operation has; 0 otherwise.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_relay_count(event: *const c8y_event) -> usize {
    typed(event, 0, |t| Some(t.relays.len()))
}

/// Relay state `index` (from 0) of a `C8Y_OPERATION_KIND_RELAY_ARRAY` operation, kept as sent;
/// NULL when out of range. Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_relay(event: *const c8y_event, index: usize) -> *const c_char {
    typed(event, null(), |t| t.relays.get(index).map(|s| s.as_ptr()))
}

/// The firmware of a `C8Y_OPERATION_KIND_FIRMWARE` or `_FIRMWARE_PATCH` operation, or of a
/// device profile (`_DEVICE_PROFILE`, `_ADVANCED_DEVICE_PROFILE`) that has one, written to
/// `*out`. `C8Y_RESULT_WRONG_EVENT_KIND` when the event has no firmware (a profile without
/// firmware too); `C8Y_RESULT_NULL_PARAMETER` for a NULL argument.
///
/// # Safety
/// `event` must be NULL or a live event; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_firmware(
    event: *const c8y_event,
    out: *mut c8y_operation_firmware,
) -> c8y_result {
    guard(|| {
        let t = typed_or_err(event)?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let f = t.firmware.as_ref().ok_or_else(|| wrong("firmware"))?;
        let value = c8y_operation_firmware {
            name: f.name.as_ptr(),
            version: f.version.as_ptr(),
            url: f.url.as_ptr(),
            provided: f.provided,
            is_patch: f.is_patch,
            dependency: opt(&f.dependency),
        };
        // SAFETY: non-NULL and writable per the contract.
        unsafe { write_out(out, value) };
        Ok(())
    })
}

/// How many software items the operation has: of `C8Y_OPERATION_KIND_SOFTWARE_LIST`,
/// `_SOFTWARE_UPDATE`, `_ADVANCED_SOFTWARE_UPDATE`, or the software of a device profile; 0
/// otherwise.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_software_count(event: *const c8y_event) -> usize {
    typed(event, 0, |t| Some(t.software.len()))
}

/// Software item `index` (from 0), written to `*out`. `C8Y_RESULT_INVALID_ARGUMENT` when
/// `index` is not below `c8y_event_operation_software_count`; `C8Y_RESULT_WRONG_EVENT_KIND`
/// for an event that is no static operation.
///
/// # Safety
/// `event` must be NULL or a live event; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_software(
    event: *const c8y_event,
    index: usize,
    out: *mut c8y_operation_software,
) -> c8y_result {
    guard(|| {
        let t = typed_or_err(event)?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let s = t
            .software
            .get(index)
            .ok_or_else(|| index_error(index, t.software.len()))?;
        let value = c8y_operation_software {
            name: s.name.as_ptr(),
            version: s.version.as_ptr(),
            url: s.url.as_ptr(),
            action: opt(&s.action),
            software_type: opt(&s.software_type),
        };
        // SAFETY: non-NULL and writable per the contract.
        unsafe { write_out(out, value) };
        Ok(())
    })
}

/// The configuration file of `C8Y_OPERATION_KIND_UPLOAD_CONFIG_FILE` (both NULL),
/// `_DOWNLOAD_CONFIG_FILE` (url), `_DOWNLOAD_CONFIG_FILE_TYPED` (url and type) and
/// `_UPLOAD_CONFIG_FILE_TYPED` (type): `*url_out` and `*type_out` (either may be NULL) receive
/// the borrowed strings, NULL for what the kind does not carry. `C8Y_RESULT_WRONG_EVENT_KIND`
/// for other kinds.
///
/// # Safety
/// `event` must be NULL or a live event; `url_out`, `type_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_config_file(
    event: *const c8y_event,
    url_out: *mut *const c_char,
    type_out: *mut *const c_char,
) -> c8y_result {
    guard(|| {
        let t = typed_or_err(event)?;
        use c8y_operation_kind as K;
        if !matches!(
            t.kind,
            Some(
                K::UploadConfigFile
                    | K::DownloadConfigFile
                    | K::DownloadConfigFileTyped
                    | K::UploadConfigFileTyped
            )
        ) {
            return Err(wrong("configuration file"));
        }
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_out(url_out, opt(&t.config_url));
            write_out(type_out, opt(&t.config_type));
        }
        Ok(())
    })
}

/// How many configurations a device profile operation has; 0 otherwise.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_profile_configuration_count(event: *const c8y_event) -> usize {
    typed(event, 0, |t| Some(t.configurations.len()))
}

/// Configuration `index` (from 0) of a device profile: `*url_out` and `*type_out` (either may
/// be NULL) receive the borrowed strings. `C8Y_RESULT_INVALID_ARGUMENT` when `index` is out of
/// range; `C8Y_RESULT_WRONG_EVENT_KIND` for an event that is no static operation.
///
/// # Safety
/// `event` must be NULL or a live event; `url_out`, `type_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_profile_configuration(
    event: *const c8y_event,
    index: usize,
    url_out: *mut *const c_char,
    type_out: *mut *const c_char,
) -> c8y_result {
    guard(|| {
        let t = typed_or_err(event)?;
        let (url, config_type) = t
            .configurations
            .get(index)
            .ok_or_else(|| index_error(index, t.configurations.len()))?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_out(url_out, url.as_ptr());
            write_out(type_out, config_type.as_ptr());
        }
        Ok(())
    })
}

/// The request of a `C8Y_OPERATION_KIND_LOGFILE_REQUEST` operation, written to `*out`.
/// `C8Y_RESULT_WRONG_EVENT_KIND` for other kinds.
///
/// # Safety
/// `event` must be NULL or a live event; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_log_request(
    event: *const c8y_event,
    out: *mut c8y_operation_log_request,
) -> c8y_result {
    guard(|| {
        let t = typed_or_err(event)?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let l = t.log.as_ref().ok_or_else(|| wrong("log request"))?;
        let value = c8y_operation_log_request {
            log_file: l.log_file.as_ptr(),
            date_from: l.date_from.as_ptr(),
            date_to: l.date_to.as_ptr(),
            date_from_ms: l.date_from_ms,
            date_to_ms: l.date_to_ms,
            search_text: l.search_text.as_ptr(),
            maximum_lines: l.maximum_lines.unwrap_or(0),
            has_maximum_lines: l.maximum_lines.is_some(),
        };
        // SAFETY: non-NULL and writable per the contract.
        unsafe { write_out(out, value) };
        Ok(())
    })
}

/// The tunnel of a `C8Y_OPERATION_KIND_REMOTE_ACCESS_CONNECT` operation: `*host_out`,
/// `*port_out` and `*key_out` (each may be NULL) receive the device-side host, its port and the
/// connection key (borrowed strings). `C8Y_RESULT_WRONG_EVENT_KIND` for other kinds.
///
/// # Safety
/// `event` must be NULL or a live event; the out-params NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_remote_access(
    event: *const c8y_event,
    host_out: *mut *const c_char,
    port_out: *mut u16,
    key_out: *mut *const c_char,
) -> c8y_result {
    guard(|| {
        let t = typed_or_err(event)?;
        let (host, port, key) = t.remote.as_ref().ok_or_else(|| wrong("remote access"))?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_out(host_out, host.as_ptr());
            write_out(port_out, *port);
            write_out(key_out, key.as_ptr());
        }
        Ok(())
    })
}

/// How many parameter changes a `C8Y_OPERATION_KIND_PARAMETER_UPDATE` operation has; 0
/// otherwise.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_parameter_count(event: *const c8y_event) -> usize {
    typed(event, 0, |t| Some(t.parameters.len()))
}

/// Parameter change `index` (from 0), written to `*out`. `C8Y_RESULT_INVALID_ARGUMENT` when
/// `index` is out of range; `C8Y_RESULT_WRONG_EVENT_KIND` for an event that is no static
/// operation.
///
/// # Safety
/// `event` must be NULL or a live event; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_parameter(
    event: *const c8y_event,
    index: usize,
    out: *mut c8y_operation_parameter,
) -> c8y_result {
    guard(|| {
        let t = typed_or_err(event)?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let [path, value_type, value] = t
            .parameters
            .get(index)
            .ok_or_else(|| index_error(index, t.parameters.len()))?;
        let change = c8y_operation_parameter {
            path: path.as_ptr(),
            value_type: value_type.as_ptr(),
            value: value.as_ptr(),
        };
        // SAFETY: non-NULL and writable per the contract.
        unsafe { write_out(out, change) };
        Ok(())
    })
}

#[cfg(test)]
mod tests;
