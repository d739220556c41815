//! What a workflow hands to the application's step and what it expects back: one plain value
//! per step, built from the typed operation (`templates::downstream`), so a handler never reads
//! SmartREST itself.

use std::path::PathBuf;
use std::pin::Pin;

use crate::templates::downstream::FirmwareUrl;
use crate::value::Timestamp;

/// A boxed future, as the handlers return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A log request (`522`): return the matching lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    /// External id of the target device.
    pub device: String,
    /// The log type (one of the declared `118` types).
    pub log_type: String,
    /// Start of the period.
    pub date_from: Timestamp,
    /// End of the period.
    pub date_to: Timestamp,
    /// Only lines containing this text (empty: all).
    pub search_text: String,
    /// At most this many lines, when given.
    pub maximum_lines: Option<u64>,
}

/// A configuration upload request (`526`, or `520` with an empty type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRequest {
    /// External id of the target device.
    pub device: String,
    /// The configuration type (empty for the untyped `520`).
    pub config_type: String,
}

/// A downloaded configuration to apply (`524`, or `521` with an empty type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigApply {
    /// External id of the target device.
    pub device: String,
    /// The configuration type (empty for the untyped `521`).
    pub config_type: String,
    /// Where it was downloaded from.
    pub url: String,
    /// The downloaded file (removed after the handler returns).
    pub path: PathBuf,
}

/// A firmware image to install (`515`, `525`, or a profile's firmware).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareInstall {
    /// External id of the target device.
    pub device: String,
    /// Firmware name.
    pub name: String,
    /// Firmware version.
    pub version: String,
    /// Where the image came from (`$PROVIDED`: the device gets it itself).
    pub url: FirmwareUrl,
    /// For a patch, the version it applies to.
    pub dependency: Option<String>,
    /// The downloaded image (removed after the handler returns); `None` for `$PROVIDED`.
    pub path: Option<PathBuf>,
}

/// What to do with one software item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoftwareChangeAction {
    /// Install or update; `path` is the downloaded package (removed after the handler
    /// returns), `None` when the item has no URL.
    Install {
        /// The downloaded package.
        path: Option<PathBuf>,
    },
    /// Remove.
    Delete,
    /// Another action word, as sent.
    Other(String),
}

/// One item of a software update (`528`, `529`, or a profile's software).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareChange {
    /// External id of the target device.
    pub device: String,
    /// Software name.
    pub name: String,
    /// Software version.
    pub version: String,
    /// Software type (`529`), if any.
    pub software_type: Option<String>,
    /// Where the package comes from (may be empty).
    pub url: String,
    /// Install or remove.
    pub action: SoftwareChangeAction,
}

/// One installed software item, as the application reports it after an update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstalledSoftware {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Type, if any (reported with `140`).
    pub software_type: Option<String>,
    /// URL, if any.
    pub url: String,
}

impl InstalledSoftware {
    /// An item with name and version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            ..Self::default()
        }
    }
}
