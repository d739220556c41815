//! Upstream static templates (device → platform, published on `s/us` or a child's `s/us/<id>`):
//! one type per template, each implementing [`UpstreamTemplate`], and the [`Upstream`] enum that
//! gathers them for rendering and for parsing what a device publishes (docs/protocol.md §5.1–§5.6).
//!
//! | family | templates |
//! |---|---|
//! | device, children, services | [`DeviceCreation`] 100, [`ChildDeviceCreation`] 101, [`ServiceCreation`] 102, [`ServiceStatusUpdate`] 104, [`GetChildDevices`] 105, [`ClearDeviceFragments`] 107, [`GetManagedObjectId`] 123, [`Heartbeat`] 125 |
//! | inventory fragments | [`Hardware`] 110, [`Mobile`] 111, [`Position`] 112, [`Configuration`] 113, [`SupportedOperations`] 114, [`Firmware`] 115, [`RequiredAvailability`] 117, [`SupportedLogs`] 118, [`SupportedConfigurations`] 119, [`CurrentConfiguration`] 120, [`DeviceProfileApplied`] 121, [`AgentInformation`] 122, [`RemoteAccessProtocols`] 150 |
//! | software | [`SoftwareList`] 116, [`AdvancedSoftwareList`] 140, [`AppendAdvancedSoftware`] 141, [`RemoveAdvancedSoftware`] 142, [`SupportedSoftwareTypes`] 143 |
//! | measurements | [`CustomMeasurement`] 200, [`MultiSeriesMeasurement`] 201, [`SignalStrength`] 210, [`Temperature`] 211, [`Battery`] 212 |
//! | alarms | [`CriticalAlarm`] 301, [`MajorAlarm`] 302, [`MinorAlarm`] 303, [`WarningAlarm`] 304, [`AlarmSeverityUpdate`] 305, [`ClearAlarm`] 306, [`ClearAlarmFragments`] 307 |
//! | events | [`Event`] 400, [`LocationUpdate`] 401, [`LocationUpdateWithDevice`] 402, [`ClearEventFragments`] 407, [`DeviceParameterUpdate`] 408 |
//! | operations | [`GetPendingOperations`] 500, [`SetExecuting`] 501, [`SetFailed`] 502, [`SetSuccessful`] 503, [`SetExecutingById`] 504, [`SetFailedById`] 505, [`SetSuccessfulById`] 506, [`FailAllExecuting`] 507 |
//!
//! Rules shared by every template:
//!
//! * **Building.** Mandatory fields are constructor arguments, optional fields are `with_*`
//!   builder methods, and every field is read back through an accessor of the same name. A
//!   constructor returns [`TemplateError::InvalidValue`] only when it checks something the types
//!   cannot: mandatory text must not be empty, list items must not be empty, and some templates
//!   need at least one item (107, 141, 142, 201, 307, 408) or one of two values (210). An optional
//!   text given as `""` counts as absent.
//! * **Rendering.** [`UpstreamTemplate::to_row`] gives exactly one row; free text is quoted by the
//!   codec where needed, numbers keep their exact text ([`Number`](crate::value::Number)), dates
//!   render through [`Timestamp`](crate::value::Timestamp)'s `Display`, trailing empty optional
//!   fields are left out.
//! * **Packets.** [`UpstreamTemplate::to_payloads`] gives payloads that each fit one PUBLISH on
//!   the topic (Cumulocity's 16 184-byte limit counts header, topic, packet id and payload).
//!   Lists that can be sent in parts are split, every packet as full as fits and items never cut:
//!   140 becomes one 140 row followed by 141 rows; 141, 142, 107, 307 and 407 become several rows
//!   of their own template (appending and removing are per item; removing a fragment twice does no
//!   harm). Everything else, including the whole-list templates 114, 116, 118, 119, 143, 150 and
//!   the single measurement 201, is one payload or [`TemplateError::TooLarge`].
//! * **Parsing.** [`Upstream::parse`] (or [`UpstreamTemplate::from_record`]) is strict on types
//!   (`NUMBER`, `INTEGER`, `DATE`, `BOOLEAN`, severity), on missing mandatory fields and on values
//!   left over, and lenient on trailing empty fields. Empty items inside lists of names (114, 118,
//!   119, 143, 150, and the fragment lists of 107, 307, 407) are skipped, as the platform does for
//!   143 and 150.
//!
//! ```
//! use c8y_mqtt::smartrest::decode;
//! use c8y_mqtt::templates::UpstreamTemplate;
//! use c8y_mqtt::templates::upstream::{CriticalAlarm, Upstream};
//!
//! let alarm = CriticalAlarm::new("c8y_TemperatureAlarm")?.with_text("Too hot, really");
//! assert_eq!(alarm.to_row(), r#"301,c8y_TemperatureAlarm,"Too hot, really""#);
//!
//! let rows = decode(b"211,21.5")?;
//! let parsed = Upstream::parse(&rows[0])?;
//! assert_eq!(parsed.template_id(), 211);
//! assert_eq!(parsed.to_row(), "211,21.5");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod alarm;
mod device;
mod event;
mod inventory;
mod measurement;
mod operation;
mod software;
mod split;
#[cfg(test)]
mod test_support;

pub use alarm::{
    AlarmSeverityUpdate, ClearAlarm, ClearAlarmFragments, CriticalAlarm, MajorAlarm, MinorAlarm,
    WarningAlarm, raise_alarm,
};
pub use device::{
    ChildDeviceCreation, ClearDeviceFragments, DeviceCreation, GetChildDevices, GetManagedObjectId,
    Heartbeat, ServiceCreation, ServiceStatusUpdate,
};
pub use event::{
    ClearEventFragments, DeviceParameter, DeviceParameterUpdate, Event, LocationUpdate,
    LocationUpdateWithDevice,
};
pub use inventory::{
    AgentInformation, Configuration, CurrentConfiguration, DeviceProfileApplied, Firmware, Hardware, Mobile,
    Position, RemoteAccessProtocols, RequiredAvailability, SupportedConfigurations, SupportedLogs,
    SupportedOperations,
};
pub use measurement::{
    Battery, CustomMeasurement, MeasurementSeries, MultiSeriesMeasurement, SignalStrength, Temperature,
};
pub use operation::{
    FailAllExecuting, GetPendingOperations, SetExecuting, SetExecutingById, SetFailed, SetFailedById,
    SetSuccessful, SetSuccessfulById,
};
pub use software::{
    AdvancedSoftwareItem, AdvancedSoftwareList, AppendAdvancedSoftware, RemoveAdvancedSoftware, SoftwareList,
    SoftwareListItem, SoftwareRemovalItem, SupportedSoftwareTypes,
};

use super::{TemplateError, UpstreamTemplate};
use crate::smartrest::{FieldError, FieldErrorKind, FieldReader, QoS, Record};
use crate::topic::ExternalId;

/// A mandatory text value: the empty string is rejected.
fn mandatory(template: u16, name: &str, value: impl Into<String>) -> Result<String, TemplateError> {
    let value = value.into();
    if value.is_empty() {
        Err(TemplateError::InvalidValue {
            template,
            reason: format!("{name} must not be empty"),
        })
    } else {
        Ok(value)
    }
}

/// An external id (child or service) as it will appear in topics: a valid [`ExternalId`].
fn valid_external_id(template: u16, name: &str, value: impl Into<String>) -> Result<String, TemplateError> {
    let value = mandatory(template, name, value)?;
    ExternalId::new(value.as_str()).map_err(|error| TemplateError::InvalidValue {
        template,
        reason: format!("{name}: {error}"),
    })?;
    Ok(value)
}

/// Reads a mandatory external id, which must be a valid [`ExternalId`].
fn read_external_id(fields: &mut FieldReader<'_>, name: &'static str) -> Result<String, FieldError> {
    let value = fields.required(name)?;
    match ExternalId::new(value) {
        Ok(id) => Ok(id.into_string()),
        Err(_) => Err(FieldError {
            position: fields.position() - 1,
            name,
            kind: FieldErrorKind::Invalid {
                expected: "external id",
                value: value.to_owned(),
            },
        }),
    }
}

/// An optional text value: `""` means absent.
fn optional_text(value: impl Into<String>) -> Option<String> {
    Some(value.into()).filter(|v| !v.is_empty())
}

/// A list of names (fragments, operations, log types…): every item must be non-empty.
fn name_list<S: Into<String>>(
    template: u16,
    name: &str,
    items: impl IntoIterator<Item = S>,
) -> Result<Vec<String>, TemplateError> {
    items
        .into_iter()
        .map(|item| mandatory(template, name, item))
        .collect()
}

/// Rejects an empty list where the template needs at least one item.
fn at_least_one<T>(template: u16, name: &str, items: Vec<T>) -> Result<Vec<T>, TemplateError> {
    if items.is_empty() {
        Err(TemplateError::InvalidValue {
            template,
            reason: format!("needs at least one {name}"),
        })
    } else {
        Ok(items)
    }
}

/// Reads all remaining values as a list of names, skipping empty ones.
fn read_names(fields: &mut FieldReader<'_>) -> Vec<String> {
    fields.rest().iter().filter(|v| !v.is_empty()).cloned().collect()
}

/// Reads all remaining values as a list of names that needs at least one item; when there is
/// none, the error names the first item's position and `name`.
fn read_required_names(fields: &mut FieldReader<'_>, name: &'static str) -> Result<Vec<String>, FieldError> {
    let position = fields.position();
    let names = read_names(fields);
    if names.is_empty() {
        Err(missing(position, name))
    } else {
        Ok(names)
    }
}

/// Reads all remaining values as they are, without the trailing empty ones.
fn read_parameters(fields: &mut FieldReader<'_>) -> Vec<String> {
    trim_trailing_empty(fields.rest().to_vec())
}

/// Drops empty values at the end of a list of free parameters (the codec does not write them).
fn trim_trailing_empty(mut values: Vec<String>) -> Vec<String> {
    while values.last().is_some_and(String::is_empty) {
        values.pop();
    }
    values
}

/// A "missing mandatory field" error at `position`.
fn missing(position: usize, name: &'static str) -> FieldError {
    FieldError {
        position,
        name,
        kind: FieldErrorKind::Missing,
    }
}

/// Reads an optional value as an owned string.
fn read_optional(fields: &mut FieldReader<'_>) -> Option<String> {
    fields.optional().map(str::to_owned)
}

/// Reads a mandatory value as an owned string.
fn read_required(fields: &mut FieldReader<'_>, name: &'static str) -> Result<String, FieldError> {
    fields.required(name).map(str::to_owned)
}

/// Defines a template without fields (a request or a signal): a unit struct.
macro_rules! no_field_template {
    ($(#[$doc:meta])* $name:ident = $id:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl $crate::templates::UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, _row: &mut $crate::smartrest::RowBuilder) {}

            fn read_fields(
                _fields: &mut $crate::smartrest::FieldReader<'_>,
            ) -> Result<Self, $crate::smartrest::FieldError> {
                Ok(Self)
            }
        }
    };
}
use no_field_template;

/// Defines a template whose fields are one list of names that replaces a whole list on the
/// device (114, 118, 119, 143, 150): an empty list is allowed and clears it.
macro_rules! name_list_template {
    (
        $(#[$doc:meta])*
        $name:ident = $id:literal, $items:ident, $item_name:literal
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name {
            $items: Vec<String>,
        }

        impl $name {
            #[doc = concat!(
                "The list, in order (may be empty). Fails when an item is empty: each ",
                $item_name,
                " must be named."
            )]
            pub fn new<S: Into<String>>(
                items: impl IntoIterator<Item = S>,
            ) -> Result<Self, $crate::templates::TemplateError> {
                Ok(Self {
                    $items: $crate::templates::upstream::name_list($id, $item_name, items)?,
                })
            }

            #[doc = concat!("Every ", $item_name, ", in order.")]
            pub fn $items(&self) -> &[String] {
                &self.$items
            }
        }

        impl $crate::templates::UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, row: &mut $crate::smartrest::RowBuilder) {
                row.fields(&self.$items);
            }

            fn read_fields(
                fields: &mut $crate::smartrest::FieldReader<'_>,
            ) -> Result<Self, $crate::smartrest::FieldError> {
                Ok(Self {
                    $items: $crate::templates::upstream::read_names(fields),
                })
            }
        }
    };
}
use name_list_template;

/// Defines the [`Upstream`] enum over every template, with its dispatch.
macro_rules! upstream_enum {
    ($($id:literal => $variant:ident),* $(,)?) => {
        /// Any upstream static template, for code that handles them all alike (the client's
        /// outbox, the emulator's validation of what a device publishes).
        ///
        /// Every template type converts into it with `From`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Upstream {
            $(
                #[doc = concat!("Template ", stringify!($id), ": [`", stringify!($variant), "`].")]
                $variant($variant),
            )*
        }

        $(
            const _: () = assert!(<$variant as UpstreamTemplate>::ID == $id);

            impl From<$variant> for Upstream {
                fn from(template: $variant) -> Self {
                    Self::$variant(template)
                }
            }
        )*

        impl Upstream {
            /// Every upstream static template id, in ascending order.
            pub const TEMPLATE_IDS: &'static [u16] = &[$($id),*];

            /// The static template id.
            pub fn template_id(&self) -> u16 {
                match self {
                    $(Self::$variant(_) => $id,)*
                }
            }

            /// Renders the template as one SmartREST row (see [`UpstreamTemplate::to_row`]).
            pub fn to_row(&self) -> String {
                match self {
                    $(Self::$variant(template) => template.to_row(),)*
                }
            }

            /// Whether the template is always one row (see [`UpstreamTemplate::SPLITS`]).
            pub fn is_single_row(&self) -> bool {
                match self {
                    $(Self::$variant(_) => !<$variant as UpstreamTemplate>::SPLITS,)*
                }
            }

            /// Appends the row to `payload` (see [`UpstreamTemplate::append_row`]); only for
            /// templates that are [single rows](Self::is_single_row).
            pub fn append_row(&self, payload: &mut String) {
                match self {
                    $(Self::$variant(template) => template.append_row(payload),)*
                }
            }

            /// Renders the template as payloads that each fit one PUBLISH on `topic`, splitting
            /// the lists that can be split (see [`UpstreamTemplate::to_payloads`]).
            pub fn to_payloads(&self, topic: &str, qos: QoS) -> Result<Vec<String>, TemplateError> {
                match self {
                    $(Self::$variant(template) => template.to_payloads(topic, qos),)*
                }
            }

            /// Parses a decoded row into the template its id names.
            ///
            /// An id that is no upstream static template gives
            /// [`TemplateError::UnknownTemplate`]; a missing mandatory field, a value of the
            /// wrong type or values left over give [`TemplateError::Field`] with the position.
            pub fn parse(record: &Record) -> Result<Self, TemplateError> {
                match record.id() {
                    $(stringify!($id) => $variant::from_record(record).map(Self::$variant),)*
                    other => Err(TemplateError::UnknownTemplate { id: other.to_owned() }),
                }
            }
        }
    };
}

upstream_enum! {
    100 => DeviceCreation,
    101 => ChildDeviceCreation,
    102 => ServiceCreation,
    104 => ServiceStatusUpdate,
    105 => GetChildDevices,
    107 => ClearDeviceFragments,
    110 => Hardware,
    111 => Mobile,
    112 => Position,
    113 => Configuration,
    114 => SupportedOperations,
    115 => Firmware,
    116 => SoftwareList,
    117 => RequiredAvailability,
    118 => SupportedLogs,
    119 => SupportedConfigurations,
    120 => CurrentConfiguration,
    121 => DeviceProfileApplied,
    122 => AgentInformation,
    123 => GetManagedObjectId,
    125 => Heartbeat,
    140 => AdvancedSoftwareList,
    141 => AppendAdvancedSoftware,
    142 => RemoveAdvancedSoftware,
    143 => SupportedSoftwareTypes,
    150 => RemoteAccessProtocols,
    200 => CustomMeasurement,
    201 => MultiSeriesMeasurement,
    210 => SignalStrength,
    211 => Temperature,
    212 => Battery,
    301 => CriticalAlarm,
    302 => MajorAlarm,
    303 => MinorAlarm,
    304 => WarningAlarm,
    305 => AlarmSeverityUpdate,
    306 => ClearAlarm,
    307 => ClearAlarmFragments,
    400 => Event,
    401 => LocationUpdate,
    402 => LocationUpdateWithDevice,
    407 => ClearEventFragments,
    408 => DeviceParameterUpdate,
    500 => GetPendingOperations,
    501 => SetExecuting,
    502 => SetFailed,
    503 => SetSuccessful,
    504 => SetExecutingById,
    505 => SetFailedById,
    506 => SetSuccessfulById,
    507 => FailAllExecuting,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::upstream::test_support::record;

    #[test]
    fn template_ids_are_sorted_and_unique() {
        // Every static upstream template (docs/protocol.md §5) (124 is the downstream reply to 123).
        let mut expected: Vec<u16> = vec![100, 101, 102, 104, 105, 107];
        expected.extend((110..=123).chain([125, 140, 141, 142, 143, 150, 200, 201, 210, 211, 212]));
        expected.extend((301..=307).chain([400, 401, 402, 407, 408]).chain(500..=507));
        assert_eq!(Upstream::TEMPLATE_IDS, expected.as_slice());
    }

    #[test]
    fn unknown_ids_are_reported() {
        for id in ["999", "103", "106", "0100", "", "s"] {
            assert_eq!(
                Upstream::parse(&record(&format!("{id},x"))),
                Err(TemplateError::UnknownTemplate { id: id.to_owned() }),
                "{id:?}"
            );
        }
        let err = Upstream::parse(&record("999,I made this up")).unwrap_err();
        assert_eq!(err.smartrest_code(), 40);
        assert_eq!(err.to_string(), "No static template for this message id: 999");
    }

    #[test]
    fn dispatch_matches_the_template() {
        let up = Upstream::from(Heartbeat);
        assert_eq!(up.template_id(), 125);
        assert_eq!(up.to_row(), "125");
        assert_eq!(up.to_payloads("s/us", QoS::AtLeastOnce).unwrap(), ["125"]);
        assert_eq!(Upstream::parse(&record("125")).unwrap(), up);
    }

    #[test]
    fn helpers_normalise_text() {
        assert_eq!(optional_text(""), None);
        assert_eq!(optional_text("x"), Some("x".to_owned()));
        assert_eq!(
            mandatory(101, "child id", ""),
            Err(TemplateError::InvalidValue {
                template: 101,
                reason: "child id must not be empty".into()
            })
        );
        assert_eq!(
            trim_trailing_empty(vec!["a".into(), String::new(), "b".into(), String::new()]),
            ["a", "", "b"]
        );
        assert_eq!(
            at_least_one::<u8>(107, "fragment", vec![]),
            Err(TemplateError::InvalidValue {
                template: 107,
                reason: "needs at least one fragment".into()
            })
        );
    }
}
