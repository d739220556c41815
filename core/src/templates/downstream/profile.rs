//! Device profiles, `527` and `531` (`c8y_DeviceProfile`, docs/protocol.md §5.7): three sections, each
//! opened by a marker field, `$FW` (name, version, url, isPatch, dependency), `$SW` (repeated
//! software items) and `$CONF` (repeated url, type pairs).
//!
//! Parsing is lenient about what the platform does with parts a profile lacks: a `$FW` section
//! with no fields or only empty ones is "no firmware", a missing marker is an empty section, and
//! the sections may come in any order. Values before the first marker, or a marker given twice,
//! are errors. Rendering always writes the three markers in the documented order, and a profile
//! without firmware as a bare `$FW`.

use super::group::{Group, read_groups, write_groups};
use super::operation::FirmwareUrl;
use crate::smartrest::{FieldError, FieldErrorKind, FieldReader, RowBuilder};

/// The firmware section marker.
const FIRMWARE_MARKER: &str = "$FW";
/// The software section marker.
const SOFTWARE_MARKER: &str = "$SW";
/// The configuration section marker.
const CONFIGURATION_MARKER: &str = "$CONF";

/// The target firmware of a device profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileFirmware {
    /// Firmware name.
    pub name: String,
    /// Firmware version.
    pub version: String,
    /// Where to get the image (or `$PROVIDED`).
    pub url: FirmwareUrl,
    /// True when the image is a patch on top of [`ProfileFirmware::dependency`]. An empty field
    /// reads as `false`.
    pub is_patch: bool,
    /// The version a patch applies to; `None` when the field is empty.
    pub dependency: Option<String>,
}

impl ProfileFirmware {
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: fields.required("firmware name")?.to_owned(),
            version: fields.raw().to_owned(),
            url: fields.raw().into(),
            is_patch: fields.optional_bool("firmware isPatch")?.unwrap_or(false),
            dependency: fields.optional().map(str::to_owned),
        })
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.name)
            .field(&self.version)
            .field(self.url.as_str())
            .display(self.is_patch)
            .field(self.dependency.as_deref().unwrap_or(""));
    }
}

/// A configuration file of a device profile: where to get it and its type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileConfiguration {
    /// Where to download the file.
    pub url: String,
    /// The configuration type (as in `c8y_SupportedConfigurations`).
    pub config_type: String,
}

impl Group for ProfileConfiguration {
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            url: fields.raw().to_owned(),
            config_type: fields.required("configuration type")?.to_owned(),
        })
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.url).field(&self.config_type);
    }
}

/// A device profile to apply: install the firmware first, then the software, then the
/// configurations (docs/protocol.md §11.2).
///
/// `S` is the software item: [`SoftwareUpdateItem`](super::SoftwareUpdateItem) in `527`,
/// [`AdvancedSoftwareUpdateItem`](super::AdvancedSoftwareUpdateItem) (with a software type) in
/// `531`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceProfile<S> {
    /// The target firmware, if the profile has one.
    pub firmware: Option<ProfileFirmware>,
    /// Software changes, in order.
    pub software: Vec<S>,
    /// Configuration files, in order.
    pub configurations: Vec<ProfileConfiguration>,
}

impl<S> Default for DeviceProfile<S> {
    fn default() -> Self {
        Self {
            firmware: None,
            software: Vec::new(),
            configurations: Vec::new(),
        }
    }
}

/// Which section a marker opens.
#[derive(Clone, Copy)]
enum Section {
    Firmware = 0,
    Software = 1,
    Configuration = 2,
}

impl Section {
    fn from_marker(value: &str) -> Option<Self> {
        match value {
            FIRMWARE_MARKER => Some(Self::Firmware),
            SOFTWARE_MARKER => Some(Self::Software),
            CONFIGURATION_MARKER => Some(Self::Configuration),
            _ => None,
        }
    }
}

/// Moves a field error found in a section reader to its position in the whole row.
fn shifted(mut error: FieldError, by: usize) -> FieldError {
    error.position += by;
    error
}

/// Reads a section's values with `read`, strictly, reporting positions in the whole row.
fn read_section<T>(
    values: &[String],
    shift: usize,
    read: impl FnOnce(&mut FieldReader<'_>) -> Result<T, FieldError>,
) -> Result<T, FieldError> {
    let mut fields = FieldReader::from_values(values);
    read(&mut fields)
        .and_then(|value| fields.finish().map(|()| value))
        .map_err(|e| shifted(e, shift))
}

/// Reads a profile's sections from the reader's position to the end of the row.
pub(crate) fn read_profile<S: Group>(fields: &mut FieldReader<'_>) -> Result<DeviceProfile<S>, FieldError> {
    // Row position of values[0].
    let base = fields.position();
    let values = fields.rest();
    let mut ranges: [Option<(usize, usize)>; 3] = [None; 3];
    let mut open: Option<(Section, usize)> = None;
    for (i, value) in values.iter().enumerate() {
        if let Some(section) = Section::from_marker(value) {
            if let Some((previous, start)) = open {
                ranges[previous as usize] = Some((start, i));
            }
            if ranges[section as usize].is_some() {
                return Err(FieldError {
                    position: base + i,
                    name: "section marker",
                    kind: FieldErrorKind::Unexpected {
                        count: values.len() - i,
                    },
                });
            }
            open = Some((section, i + 1));
        } else if open.is_none() && !value.is_empty() {
            return Err(FieldError {
                position: base + i,
                name: "section marker",
                kind: FieldErrorKind::Unexpected {
                    count: values.len() - i,
                },
            });
        }
    }
    if let Some((section, start)) = open {
        ranges[section as usize] = Some((start, values.len()));
    }
    let section = |s: Section| -> (&[String], usize) {
        match ranges[s as usize] {
            Some((start, end)) => (values.get(start..end).unwrap_or(&[]), base + start - 1),
            None => (&[], 0),
        }
    };

    let (fw, fw_shift) = section(Section::Firmware);
    let firmware = if fw.iter().all(String::is_empty) {
        None
    } else {
        Some(read_section(fw, fw_shift, ProfileFirmware::read)?)
    };
    let (sw, sw_shift) = section(Section::Software);
    let software = read_section(sw, sw_shift, read_groups)?;
    let (conf, conf_shift) = section(Section::Configuration);
    let configurations = read_section(conf, conf_shift, read_groups)?;
    Ok(DeviceProfile {
        firmware,
        software,
        configurations,
    })
}

/// Writes a profile's three sections.
pub(crate) fn write_profile<S: Group>(row: &mut RowBuilder, profile: &DeviceProfile<S>) {
    row.field(FIRMWARE_MARKER);
    if let Some(firmware) = &profile.firmware {
        firmware.write(row);
    }
    row.field(SOFTWARE_MARKER);
    write_groups(row, &profile.software);
    row.field(CONFIGURATION_MARKER);
    write_groups(row, &profile.configurations);
}
