//! Static operation templates `510`–`532` on `s/ds` (docs/protocol.md §5.7): the target device's
//! external id followed by the operation's parameters, as [`Operation`] = device +
//! [`OperationKind`]. Each kind knows its template id and its operation fragment (the name
//! `501`–`503` take).

use std::fmt;

use super::group::{read_groups, without_trailing_empties, write_groups};
use super::profile::{DeviceProfile, read_profile, write_profile};
use super::software::{AdvancedSoftwareUpdateItem, SoftwareListItem, SoftwareUpdateItem};
use super::{Channel, DownstreamError, DownstreamLine, ParameterChange, read_strict};
use crate::smartrest::{FieldError, FieldErrorKind, FieldReader, Record, RowBuilder};
use crate::value::Timestamp;

/// Where a firmware image comes from: a URL, or `$PROVIDED` when the device resolves the binary
/// itself (docs/protocol.md §5.7, `515`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FirmwareUrl {
    /// `$PROVIDED`: the device knows where to get the image.
    Provided,
    /// A download URL (possibly empty).
    Url(String),
}

impl FirmwareUrl {
    /// The marker text for [`FirmwareUrl::Provided`].
    pub const PROVIDED: &'static str = "$PROVIDED";

    /// The field as it is sent.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Provided => Self::PROVIDED,
            Self::Url(url) => url,
        }
    }

    /// The URL, unless the image is provided.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Provided => None,
            Self::Url(url) => Some(url),
        }
    }
}

impl From<&str> for FirmwareUrl {
    fn from(text: &str) -> Self {
        if text == Self::PROVIDED {
            Self::Provided
        } else {
            Self::Url(text.to_owned())
        }
    }
}

impl fmt::Display for FirmwareUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a relay (`518`). Words other than `OPEN` and `CLOSED` are kept as they came.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RelayState {
    /// `OPEN`.
    Open,
    /// `CLOSED`.
    Closed,
    /// Any other word, kept verbatim.
    Other(String),
}

impl RelayState {
    /// The word as it is sent.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Open => "OPEN",
            Self::Closed => "CLOSED",
            Self::Other(word) => word,
        }
    }
}

impl From<&str> for RelayState {
    fn from(word: &str) -> Self {
        match word {
            "OPEN" => Self::Open,
            "CLOSED" => Self::Closed,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for RelayState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an operation asks for: one variant per static operation template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperationKind {
    /// `510` `c8y_Restart`.
    Restart,
    /// `511` `c8y_Command`: a shell command (may hold line breaks and quotes).
    Command {
        /// The command text.
        text: String,
    },
    /// `513` `c8y_Configuration`: configuration text to apply.
    Configuration {
        /// The configuration text.
        text: String,
    },
    /// `515` `c8y_Firmware`: install a full firmware image.
    Firmware {
        /// Firmware name.
        name: String,
        /// Firmware version.
        version: String,
        /// Where to get it (or `$PROVIDED`).
        url: FirmwareUrl,
    },
    /// `516` `c8y_SoftwareList`: the desired full software list.
    SoftwareList(Vec<SoftwareListItem>),
    /// `517` `c8y_MeasurementRequestOperation`: send the named measurements now.
    MeasurementRequest {
        /// The request name (may be empty).
        request_name: String,
    },
    /// `518` `c8y_Relay`: switch the relay.
    Relay {
        /// The target state.
        state: RelayState,
    },
    /// `519` `c8y_RelayArray`: switch several relays; states kept as sent (docs/protocol.md's
    /// examples mix `CLOSE` and `CLOSED`).
    RelayArray(Vec<String>),
    /// `520` `c8y_UploadConfigFile` (legacy, untyped): upload the current configuration.
    UploadConfigFile,
    /// `521` `c8y_DownloadConfigFile` (legacy, untyped): download and apply a configuration.
    DownloadConfigFile {
        /// Where to download it.
        url: String,
    },
    /// `522` `c8y_LogfileRequest`: upload a log excerpt.
    LogfileRequest {
        /// The log type (as in `c8y_SupportedLogs`).
        log_file: String,
        /// Start of the period (the platform writes offsets like `+0200`).
        date_from: Timestamp,
        /// End of the period.
        date_to: Timestamp,
        /// Only lines containing this text (empty: all lines).
        search_text: String,
        /// At most this many lines; `None` when the field is empty.
        maximum_lines: Option<u64>,
    },
    /// `523` `c8y_CommunicationMode`: switch the communication mode.
    CommunicationMode {
        /// The mode, e.g. `SMS` or `IP`.
        mode: String,
    },
    /// `524` `c8y_DownloadConfigFile` (typed): download and apply a configuration of a type.
    DownloadConfigFileTyped {
        /// Where to download it.
        url: String,
        /// The configuration type.
        config_type: String,
    },
    /// `525` `c8y_Firmware` (patch): install a firmware patch.
    FirmwarePatch {
        /// Firmware name.
        name: String,
        /// Firmware version.
        version: String,
        /// Where to get it (or `$PROVIDED`).
        url: FirmwareUrl,
        /// The version the patch applies to (may be empty).
        dependency: String,
    },
    /// `526` `c8y_UploadConfigFile` (typed): upload the configuration of a type.
    UploadConfigFileTyped {
        /// The configuration type.
        config_type: String,
    },
    /// `527` `c8y_DeviceProfile`: apply a device profile.
    DeviceProfile(DeviceProfile<SoftwareUpdateItem>),
    /// `528` `c8y_SoftwareUpdate` (legacy): install or remove software.
    SoftwareUpdate(Vec<SoftwareUpdateItem>),
    /// `529` `c8y_SoftwareUpdate` (advanced): install or remove typed software.
    AdvancedSoftwareUpdate(Vec<AdvancedSoftwareUpdateItem>),
    /// `530` `c8y_RemoteAccessConnect`: open a remote-access tunnel.
    RemoteAccessConnect {
        /// Host to connect to on the device side.
        hostname: String,
        /// Port to connect to.
        port: u16,
        /// Key that identifies the connection to the platform.
        connection_key: String,
    },
    /// `531` `c8y_DeviceProfile` with typed software. The platform sends it **in addition to**
    /// `527` for the same operation when at least one software item has a type, so a device
    /// that handles `531` should ignore the matching `527` (docs/protocol.md §5.7).
    AdvancedDeviceProfile(DeviceProfile<AdvancedSoftwareUpdateItem>),
    /// `532` `c8y_ParameterUpdate`: set device parameters.
    ParameterUpdate(Vec<ParameterChange>),
}

/// The static operation template ids, in order.
const OPERATION_TEMPLATES: [(&str, u16, &str); 21] = [
    ("510", 510, "c8y_Restart"),
    ("511", 511, "c8y_Command"),
    ("513", 513, "c8y_Configuration"),
    ("515", 515, "c8y_Firmware"),
    ("516", 516, "c8y_SoftwareList"),
    ("517", 517, "c8y_MeasurementRequestOperation"),
    ("518", 518, "c8y_Relay"),
    ("519", 519, "c8y_RelayArray"),
    ("520", 520, "c8y_UploadConfigFile"),
    ("521", 521, "c8y_DownloadConfigFile"),
    ("522", 522, "c8y_LogfileRequest"),
    ("523", 523, "c8y_CommunicationMode"),
    ("524", 524, "c8y_DownloadConfigFile"),
    ("525", 525, "c8y_Firmware"),
    ("526", 526, "c8y_UploadConfigFile"),
    ("527", 527, "c8y_DeviceProfile"),
    ("528", 528, "c8y_SoftwareUpdate"),
    ("529", 529, "c8y_SoftwareUpdate"),
    ("530", 530, "c8y_RemoteAccessConnect"),
    ("531", 531, "c8y_DeviceProfile"),
    ("532", 532, "c8y_ParameterUpdate"),
];

impl OperationKind {
    /// Every static operation template id (`510`–`532`; 512 and 514 do not exist).
    pub const TEMPLATE_IDS: [u16; 21] = {
        let mut ids = [0; 21];
        let mut i = 0;
        while i < OPERATION_TEMPLATES.len() {
            ids[i] = OPERATION_TEMPLATES[i].1;
            i += 1;
        }
        ids
    };

    /// The operation fragment a template delivers (`c8y_Restart` for 510, …), or `None` for an
    /// id that is not a static operation template.
    pub fn fragment_for_template(template: u16) -> Option<&'static str> {
        OPERATION_TEMPLATES
            .iter()
            .find(|(_, id, _)| *id == template)
            .map(|(_, _, fragment)| *fragment)
    }

    /// The template id of a row id, when it is exactly a static operation template's id.
    pub(crate) fn template_for_id(id: &str) -> Option<u16> {
        OPERATION_TEMPLATES
            .iter()
            .find(|(text, _, _)| *text == id)
            .map(|(_, template, _)| *template)
    }

    /// The static template id this kind is delivered with.
    pub fn template_id(&self) -> u16 {
        match self {
            Self::Restart => 510,
            Self::Command { .. } => 511,
            Self::Configuration { .. } => 513,
            Self::Firmware { .. } => 515,
            Self::SoftwareList(_) => 516,
            Self::MeasurementRequest { .. } => 517,
            Self::Relay { .. } => 518,
            Self::RelayArray(_) => 519,
            Self::UploadConfigFile => 520,
            Self::DownloadConfigFile { .. } => 521,
            Self::LogfileRequest { .. } => 522,
            Self::CommunicationMode { .. } => 523,
            Self::DownloadConfigFileTyped { .. } => 524,
            Self::FirmwarePatch { .. } => 525,
            Self::UploadConfigFileTyped { .. } => 526,
            Self::DeviceProfile(_) => 527,
            Self::SoftwareUpdate(_) => 528,
            Self::AdvancedSoftwareUpdate(_) => 529,
            Self::RemoteAccessConnect { .. } => 530,
            Self::AdvancedDeviceProfile(_) => 531,
            Self::ParameterUpdate(_) => 532,
        }
    }

    /// The operation fragment (`c8y_Restart`, `c8y_Command`, …): the name to use in `501`–`503`
    /// and in `114` supported operations.
    pub fn fragment(&self) -> &'static str {
        match self {
            Self::Restart => "c8y_Restart",
            Self::Command { .. } => "c8y_Command",
            Self::Configuration { .. } => "c8y_Configuration",
            Self::Firmware { .. } | Self::FirmwarePatch { .. } => "c8y_Firmware",
            Self::SoftwareList(_) => "c8y_SoftwareList",
            Self::MeasurementRequest { .. } => "c8y_MeasurementRequestOperation",
            Self::Relay { .. } => "c8y_Relay",
            Self::RelayArray(_) => "c8y_RelayArray",
            Self::UploadConfigFile | Self::UploadConfigFileTyped { .. } => "c8y_UploadConfigFile",
            Self::DownloadConfigFile { .. } | Self::DownloadConfigFileTyped { .. } => {
                "c8y_DownloadConfigFile"
            }
            Self::LogfileRequest { .. } => "c8y_LogfileRequest",
            Self::CommunicationMode { .. } => "c8y_CommunicationMode",
            Self::DeviceProfile(_) | Self::AdvancedDeviceProfile(_) => "c8y_DeviceProfile",
            Self::SoftwareUpdate(_) | Self::AdvancedSoftwareUpdate(_) => "c8y_SoftwareUpdate",
            Self::RemoteAccessConnect { .. } => "c8y_RemoteAccessConnect",
            Self::ParameterUpdate(_) => "c8y_ParameterUpdate",
        }
    }

    /// The parameters as the row carries them after the device id, one string per field
    /// (`["ls -la"]` for a `511`, `[]` for a `510`): the positional view of the typed fields,
    /// for code that handles every template alike.
    ///
    /// ```
    /// use c8y_mqtt::templates::downstream::{FirmwareUrl, OperationKind};
    /// let kind = OperationKind::Firmware {
    ///     name: "fw".into(),
    ///     version: "1.0".into(),
    ///     url: FirmwareUrl::Provided,
    /// };
    /// assert_eq!(kind.values(), ["fw", "1.0", "$PROVIDED"]);
    /// assert!(OperationKind::Restart.values().is_empty());
    /// ```
    pub fn values(&self) -> Vec<String> {
        let mut row = RowBuilder::with_template(self.template_id());
        self.write(&mut row);
        crate::smartrest::decode(row.finish().as_bytes())
            .ok()
            .and_then(|records| records.into_iter().next())
            .map(|record| record.values().to_vec())
            .unwrap_or_default()
    }

    /// Reads the parameters after the device id of a row of `template`.
    fn read(template: u16, f: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        match template {
            510 => Ok(Self::Restart),
            511 => Ok(Self::Command {
                text: f.raw().to_owned(),
            }),
            513 => Ok(Self::Configuration {
                text: f.raw().to_owned(),
            }),
            515 => Ok(Self::Firmware {
                name: f.required("name")?.to_owned(),
                version: f.raw().to_owned(),
                url: f.raw().into(),
            }),
            516 => read_groups(f).map(Self::SoftwareList),
            517 => Ok(Self::MeasurementRequest {
                request_name: f.raw().to_owned(),
            }),
            518 => Ok(Self::Relay {
                state: f.required("relay state")?.into(),
            }),
            519 => Ok(Self::RelayArray(without_trailing_empties(f.rest()))),
            520 => Ok(Self::UploadConfigFile),
            521 => Ok(Self::DownloadConfigFile {
                url: f.required("url")?.to_owned(),
            }),
            522 => Ok(Self::LogfileRequest {
                log_file: f.required("log file")?.to_owned(),
                date_from: f.required_time("dateFrom")?,
                date_to: f.required_time("dateTo")?,
                search_text: f.raw().to_owned(),
                maximum_lines: f.optional_parsed("maximumLines", "INTEGER")?,
            }),
            523 => Ok(Self::CommunicationMode {
                mode: f.required("mode")?.to_owned(),
            }),
            524 => Ok(Self::DownloadConfigFileTyped {
                url: f.required("url")?.to_owned(),
                config_type: f.required("configuration type")?.to_owned(),
            }),
            525 => Ok(Self::FirmwarePatch {
                name: f.required("name")?.to_owned(),
                version: f.raw().to_owned(),
                url: f.raw().into(),
                dependency: f.raw().to_owned(),
            }),
            526 => Ok(Self::UploadConfigFileTyped {
                config_type: f.required("configuration type")?.to_owned(),
            }),
            527 => read_profile(f).map(Self::DeviceProfile),
            528 => read_groups(f).map(Self::SoftwareUpdate),
            529 => read_groups(f).map(Self::AdvancedSoftwareUpdate),
            530 => Ok(Self::RemoteAccessConnect {
                hostname: f.required("hostname")?.to_owned(),
                port: f.required_parsed("port", "INTEGER")?,
                connection_key: f.required("connectionKey")?.to_owned(),
            }),
            531 => read_profile(f).map(Self::AdvancedDeviceProfile),
            532 => read_groups(f).map(Self::ParameterUpdate),
            // Not reached: callers only pass ids from OPERATION_TEMPLATES.
            other => Err(FieldError {
                position: 0,
                name: "template id",
                kind: FieldErrorKind::Invalid {
                    expected: "OPERATION TEMPLATE",
                    value: other.to_string(),
                },
            }),
        }
    }

    /// Writes the parameters after the device id.
    fn write(&self, row: &mut RowBuilder) {
        match self {
            Self::Restart | Self::UploadConfigFile => {}
            Self::Command { text } | Self::Configuration { text } => {
                row.optional(Some(text));
            }
            Self::Firmware { name, version, url } => {
                row.field(name).field(version).field(url.as_str());
            }
            Self::SoftwareList(items) => write_groups(row, items),
            Self::MeasurementRequest { request_name } => {
                row.optional(Some(request_name));
            }
            Self::Relay { state } => {
                row.field(state.as_str());
            }
            Self::RelayArray(states) => {
                row.fields(states);
            }
            Self::DownloadConfigFile { url } => {
                row.field(url);
            }
            Self::LogfileRequest {
                log_file,
                date_from,
                date_to,
                search_text,
                maximum_lines,
            } => {
                row.field(log_file)
                    .display(date_from)
                    .display(date_to)
                    .optional(Some(search_text))
                    .optional_display(maximum_lines.as_ref());
            }
            Self::CommunicationMode { mode } => {
                row.field(mode);
            }
            Self::DownloadConfigFileTyped { url, config_type } => {
                row.field(url).field(config_type);
            }
            Self::FirmwarePatch {
                name,
                version,
                url,
                dependency,
            } => {
                row.field(name)
                    .field(version)
                    .field(url.as_str())
                    .optional(Some(dependency));
            }
            Self::UploadConfigFileTyped { config_type } => {
                row.field(config_type);
            }
            Self::DeviceProfile(profile) => write_profile(row, profile),
            Self::SoftwareUpdate(items) => write_groups(row, items),
            Self::AdvancedSoftwareUpdate(items) => write_groups(row, items),
            Self::RemoteAccessConnect {
                hostname,
                port,
                connection_key,
            } => {
                row.field(hostname).display(port).field(connection_key);
            }
            Self::AdvancedDeviceProfile(profile) => write_profile(row, profile),
            Self::ParameterUpdate(items) => write_groups(row, items),
        }
    }
}

/// An operation delivered on `s/ds`: the external id (`c8y_Serial`) of the device it targets
/// (the root or one of its children) and what to do.
///
/// ```
/// use c8y_mqtt::templates::downstream::{DownstreamLine, Operation, OperationKind};
/// let op = Operation::new("DeviceSerial", OperationKind::Restart);
/// assert_eq!(op.to_row(), "510,DeviceSerial");
/// assert_eq!(op.fragment(), "c8y_Restart");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operation {
    /// External id of the target device.
    pub device: String,
    /// What to do.
    pub kind: OperationKind,
}

impl Operation {
    /// An operation for `device`.
    pub fn new(device: impl Into<String>, kind: OperationKind) -> Self {
        Self {
            device: device.into(),
            kind,
        }
    }

    /// The static template id of the line.
    pub fn template_id(&self) -> u16 {
        self.kind.template_id()
    }

    /// The operation fragment, for `501`–`503`.
    pub fn fragment(&self) -> &'static str {
        self.kind.fragment()
    }

    /// Parses a row of a known operation template; `None` when the row's id is not one.
    pub(crate) fn parse(record: &Record) -> Option<Result<Self, DownstreamError>> {
        let template = OperationKind::template_for_id(record.id())?;
        Some(read_strict(Channel::Static, record, |f| {
            let device = f.required("device id")?.to_owned();
            let kind = OperationKind::read(template, f)?;
            Ok(Self { device, kind })
        }))
    }
}

impl DownstreamLine for Operation {
    const CHANNEL: Channel = Channel::Static;

    /// Parses a row of a static operation template; other ids are
    /// [`DownstreamError::UnexpectedMessage`] (use [`StaticDownstream`](super::StaticDownstream)
    /// to read everything on `s/ds`).
    fn from_record(record: &Record) -> Result<Self, DownstreamError> {
        Self::parse(record).unwrap_or_else(|| Err(DownstreamError::unexpected(Self::CHANNEL, record)))
    }

    fn to_row(&self) -> String {
        let mut row = RowBuilder::with_template(self.template_id());
        row.field(&self.device);
        self.kind.write(&mut row);
        row.finish()
    }
}
