//! Software items of the downstream operations: the desired list of `516`, the changes of `528`
//! (name, version, url, action) and of `529` (with a software type), also used by the device
//! profiles `527` and `531`.

use std::fmt;

use super::group::Group;
use crate::smartrest::{FieldError, FieldReader, RowBuilder};

/// What to do with a software item. Words other than `install` and `delete` are kept as they came
/// (the documented examples use placeholders such as `action1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SoftwareAction {
    /// `install`: install or update to the given version.
    Install,
    /// `delete`: remove the software.
    Delete,
    /// Any other word, kept verbatim.
    Other(String),
}

impl SoftwareAction {
    /// The word as it is sent.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Install => "install",
            Self::Delete => "delete",
            Self::Other(word) => word,
        }
    }
}

impl From<&str> for SoftwareAction {
    fn from(word: &str) -> Self {
        match word {
            "install" => Self::Install,
            "delete" => Self::Delete,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for SoftwareAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the desired software list of `516` (`c8y_SoftwareList`): name, version, url.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SoftwareListItem {
    /// Software name.
    pub name: String,
    /// Version to have installed.
    pub version: String,
    /// Where to download it.
    pub url: String,
}

impl Group for SoftwareListItem {
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: fields.required("name")?.to_owned(),
            version: fields.raw().to_owned(),
            url: fields.raw().to_owned(),
        })
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.name).field(&self.version).field(&self.url);
    }
}

/// One change of `528` (legacy `c8y_SoftwareUpdate`) and of the software section of `527`:
/// name, version, url, action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SoftwareUpdateItem {
    /// Software name.
    pub name: String,
    /// Version to install (or remove).
    pub version: String,
    /// Where to download it (may be empty for a removal).
    pub url: String,
    /// What to do.
    pub action: SoftwareAction,
}

impl Group for SoftwareUpdateItem {
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: fields.required("name")?.to_owned(),
            version: fields.raw().to_owned(),
            url: fields.raw().to_owned(),
            action: fields.required("action")?.into(),
        })
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.name)
            .field(&self.version)
            .field(&self.url)
            .field(self.action.as_str());
    }
}

/// One change of `529` (advanced `c8y_SoftwareUpdate`) and of the software section of `531`:
/// name, version, software type, url, action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AdvancedSoftwareUpdateItem {
    /// Software name.
    pub name: String,
    /// Version to install (or remove).
    pub version: String,
    /// Software type (for example `apt`); empty when the item has none.
    pub software_type: String,
    /// Where to download it (may be empty for a removal).
    pub url: String,
    /// What to do.
    pub action: SoftwareAction,
}

impl Group for AdvancedSoftwareUpdateItem {
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: fields.required("name")?.to_owned(),
            version: fields.raw().to_owned(),
            software_type: fields.raw().to_owned(),
            url: fields.raw().to_owned(),
            action: fields.required("action")?.into(),
        })
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.name)
            .field(&self.version)
            .field(&self.software_type)
            .field(&self.url)
            .field(self.action.as_str());
    }
}
