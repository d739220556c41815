//! Event templates: a basic event (400), location updates (401, and 402 which also moves the
//! device), removing fragments from an event (407) and the device parameter update event (408).
//! docs/protocol.md §5.5.

use super::split::ListRows;
use super::{mandatory, missing, name_list, optional_text, read_names, read_optional, read_required};
use crate::smartrest::{FieldError, FieldReader, QoS, RowBuilder};
use crate::templates::{TemplateError, UpstreamTemplate};
use crate::value::{Number, Timestamp};

/// Template 400: creates an event of a type with a text, for example
/// `400,c8y_ConnectionEvent,"Device connection was lost."` (a typical last will).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    event_type: String,
    text: String,
    time: Option<Timestamp>,
}

impl Event {
    /// An event of `event_type` with `text` (free text, quoted as needed); fails when either is
    /// empty.
    pub fn new(event_type: impl Into<String>, text: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            event_type: mandatory(Self::ID, "event type", event_type)?,
            text: mandatory(Self::ID, "text", text)?,
            time: None,
        })
    }

    /// Sets the time of the event.
    pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
        self.time = Some(time.into());
        self
    }

    /// The event type.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The time of the event, if set.
    pub fn time(&self) -> Option<&Timestamp> {
        self.time.as_ref()
    }
}

impl UpstreamTemplate for Event {
    const ID: u16 = 400;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.event_type)
            .field(&self.text)
            .optional_display(self.time.as_ref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            event_type: read_required(fields, "event type")?,
            text: read_required(fields, "text")?,
            time: fields.optional_time("time")?,
        })
    }
}

/// Defines a location update event: latitude, longitude, altitude, accuracy (optional numbers)
/// and time.
macro_rules! location_template {
    ($(#[$doc:meta])* $name:ident = $id:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name {
            latitude: Option<Number>,
            longitude: Option<Number>,
            altitude: Option<Number>,
            accuracy: Option<Number>,
            time: Option<Timestamp>,
        }

        impl $name {
            /// A location update with no value set.
            pub fn new() -> Self {
                Self::default()
            }

            /// Sets the latitude.
            pub fn with_latitude(mut self, latitude: impl Into<Number>) -> Self {
                self.latitude = Some(latitude.into());
                self
            }

            /// Sets the longitude.
            pub fn with_longitude(mut self, longitude: impl Into<Number>) -> Self {
                self.longitude = Some(longitude.into());
                self
            }

            /// Sets the altitude.
            pub fn with_altitude(mut self, altitude: impl Into<Number>) -> Self {
                self.altitude = Some(altitude.into());
                self
            }

            /// Sets the accuracy.
            pub fn with_accuracy(mut self, accuracy: impl Into<Number>) -> Self {
                self.accuracy = Some(accuracy.into());
                self
            }

            /// Sets the time of the event.
            pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
                self.time = Some(time.into());
                self
            }

            /// The latitude, if set.
            pub fn latitude(&self) -> Option<&Number> {
                self.latitude.as_ref()
            }

            /// The longitude, if set.
            pub fn longitude(&self) -> Option<&Number> {
                self.longitude.as_ref()
            }

            /// The altitude, if set.
            pub fn altitude(&self) -> Option<&Number> {
                self.altitude.as_ref()
            }

            /// The accuracy, if set.
            pub fn accuracy(&self) -> Option<&Number> {
                self.accuracy.as_ref()
            }

            /// The time of the event, if set.
            pub fn time(&self) -> Option<&Timestamp> {
                self.time.as_ref()
            }
        }

        impl UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, row: &mut RowBuilder) {
                row.optional_display(self.latitude.as_ref())
                    .optional_display(self.longitude.as_ref())
                    .optional_display(self.altitude.as_ref())
                    .optional_display(self.accuracy.as_ref())
                    .optional_display(self.time.as_ref());
            }

            fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
                Ok(Self {
                    latitude: fields.optional_number("latitude")?,
                    longitude: fields.optional_number("longitude")?,
                    altitude: fields.optional_number("altitude")?,
                    accuracy: fields.optional_number("accuracy")?,
                    time: fields.optional_time("time")?,
                })
            }
        }
    };
}

location_template! {
    /// Template 401: a location event (type `c8y_LocationUpdate` with `c8y_Position`); the
    /// device's own position is not changed (see [`LocationUpdateWithDevice`]).
    LocationUpdate = 401
}

location_template! {
    /// Template 402: a location event like [`LocationUpdate`] that also sets the device's
    /// `c8y_Position`.
    LocationUpdateWithDevice = 402
}

/// Template 407: removes fragments from the device's event of a type. docs/protocol.md marks the
/// fragments optional, so the list may be empty (`407,<type>`).
///
/// A list longer than one packet is sent as several 407 rows for the same event type (removing
/// is per fragment, so the parts do the same as the whole).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClearEventFragments {
    event_type: String,
    fragments: Vec<String>,
}

impl ClearEventFragments {
    /// Removes `fragments` from the event of `event_type`; fails when the type or a fragment
    /// name is empty.
    pub fn new<S: Into<String>>(
        event_type: impl Into<String>,
        fragments: impl IntoIterator<Item = S>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            event_type: mandatory(Self::ID, "event type", event_type)?,
            fragments: name_list(Self::ID, "fragment", fragments)?,
        })
    }

    /// The event type.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The fragments to remove, in order.
    pub fn fragments(&self) -> &[String] {
        &self.fragments
    }
}

impl UpstreamTemplate for ClearEventFragments {
    const ID: u16 = 407;
    const SPLITS: bool = true;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.event_type).fields(&self.fragments);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            event_type: read_required(fields, "event type")?,
            fragments: read_names(fields),
        })
    }

    fn to_payloads(&self, topic: &str, qos: QoS) -> Result<Vec<String>, TemplateError> {
        ListRows {
            first_id: Self::ID,
            next_id: Self::ID,
            head: &|row| {
                row.field(&self.event_type);
            },
            items: &self.fragments,
            item: &|row, fragment| {
                row.field(fragment);
            },
        }
        .payloads(topic, qos)
    }
}

/// One reported device parameter of a [`DeviceParameterUpdate`]: the path of the value in the
/// inventory (`c8y_RelayStatus.left`), its type (`BOOLEAN`, …) and the value as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceParameter {
    path: String,
    value_type: String,
    value: String,
}

impl DeviceParameter {
    /// The `value` at `path`, of `value_type`; fails when the path or type is empty (the value may
    /// be empty).
    pub fn new(
        path: impl Into<String>,
        value_type: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            path: mandatory(DeviceParameterUpdate::ID, "path", path)?,
            value_type: mandatory(DeviceParameterUpdate::ID, "type", value_type)?,
            value: value.into(),
        })
    }

    /// The path in the inventory.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value's type.
    pub fn value_type(&self) -> &str {
        &self.value_type
    }

    /// The value, as text.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// Template 408: reports device parameters; the platform creates a `c8y_ParameterUpdate` event
/// only when the values differ from the inventory. Examples:
/// `408,,,,c8y_RelayStatus.left,BOOLEAN,true,c8y_RelayStatus.right,BOOLEAN,false` and
/// `408,,,true,c8y_RelayStatus.left,BOOLEAN,false,…`.
///
/// The three leading fields are optional and their meaning is not documented (docs/protocol.md §12,
/// question 10), so they are kept as text. At least one parameter is needed. It is one event, so
/// it cannot be split over packets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceParameterUpdate {
    leading_fields: [Option<String>; 3],
    parameters: Vec<DeviceParameter>,
}

impl DeviceParameterUpdate {
    /// Reports `parameters`; fails when there is none.
    pub fn new(parameters: impl IntoIterator<Item = DeviceParameter>) -> Result<Self, TemplateError> {
        let parameters: Vec<_> = parameters.into_iter().collect();
        if parameters.is_empty() {
            return Err(TemplateError::InvalidValue {
                template: Self::ID,
                reason: "needs at least one parameter".into(),
            });
        }
        Ok(Self {
            leading_fields: Default::default(),
            parameters,
        })
    }

    /// Sets the three leading fields of undocumented meaning (`""` counts as absent).
    pub fn with_leading_fields(mut self, fields: [Option<String>; 3]) -> Self {
        self.leading_fields = fields.map(|f| f.and_then(optional_text));
        self
    }

    /// The three leading fields of undocumented meaning.
    pub fn leading_fields(&self) -> [Option<&str>; 3] {
        self.leading_fields.each_ref().map(Option::as_deref)
    }

    /// The reported parameters, in order.
    pub fn parameters(&self) -> &[DeviceParameter] {
        &self.parameters
    }
}

impl UpstreamTemplate for DeviceParameterUpdate {
    const ID: u16 = 408;

    fn write_fields(&self, row: &mut RowBuilder) {
        for field in &self.leading_fields {
            row.optional(field.as_deref());
        }
        for parameter in &self.parameters {
            row.field(&parameter.path)
                .field(&parameter.value_type)
                .field(&parameter.value);
        }
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        let leading_fields = [
            read_optional(fields),
            read_optional(fields),
            read_optional(fields),
        ];
        let first = fields.position();
        let mut parameters = Vec::new();
        while fields.has_more() {
            parameters.push(DeviceParameter {
                path: read_required(fields, "path")?,
                value_type: read_required(fields, "type")?,
                value: fields.raw().to_owned(),
            });
        }
        if parameters.is_empty() {
            return Err(missing(first, "path"));
        }
        Ok(Self {
            leading_fields,
            parameters,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::FieldErrorKind;
    use crate::templates::upstream::test_support::{number, record, round_trip, time};

    fn relay(side: &str, value: &str) -> DeviceParameter {
        DeviceParameter::new(format!("c8y_RelayStatus.{side}"), "BOOLEAN", value).unwrap()
    }

    #[test]
    fn event_renders_exactly() {
        round_trip(
            &Event::new("c8y_MyEvent", "Something happened")
                .unwrap()
                .with_time(time("2022-03-19T12:03:27.845Z")),
            "400,c8y_MyEvent,Something happened,2022-03-19T12:03:27.845Z",
        );
        round_trip(
            &Event::new("c8y_Log", "a, \"b\"\nc").unwrap(),
            "400,c8y_Log,\"a, \"\"b\"\"\nc\"",
        );
        assert_eq!(
            Event::new("c8y_MyEvent", ""),
            Err(TemplateError::InvalidValue {
                template: 400,
                reason: "text must not be empty".into()
            })
        );
        assert_eq!(
            Event::from_record(&record("400,c8y_MyEvent")),
            Err(TemplateError::Field {
                template: 400,
                error: FieldError {
                    position: 2,
                    name: "text",
                    kind: FieldErrorKind::Missing
                }
            })
        );
    }

    #[test]
    fn location_updates_render_exactly() {
        round_trip(
            &LocationUpdate::new()
                .with_latitude(number("52.520008"))
                .with_longitude(number("13.404954"))
                .with_altitude(34)
                .with_accuracy(number("2.5"))
                .with_time(time("2022-03-19T12:03:27.845Z")),
            "401,52.520008,13.404954,34,2.5,2022-03-19T12:03:27.845Z",
        );
        round_trip(
            &LocationUpdateWithDevice::new()
                .with_latitude(number("-33.8688"))
                .with_longitude(number("151.2093")),
            "402,-33.8688,151.2093",
        );
        round_trip(&LocationUpdate::new().with_altitude(5), "401,,,5");
        round_trip(&LocationUpdateWithDevice::new(), "402");
        assert!(matches!(
            LocationUpdateWithDevice::from_record(&record("402,1,2,3,4,now")),
            Err(TemplateError::Field {
                template: 402,
                error: FieldError {
                    position: 5,
                    name: "time",
                    ..
                }
            })
        ));
    }

    #[test]
    fn clear_event_fragments_renders_exactly() {
        round_trip(
            &ClearEventFragments::new("c8y_MyEvent", ["c8y_Details", "c8y_Extra"]).unwrap(),
            "407,c8y_MyEvent,c8y_Details,c8y_Extra",
        );
        round_trip(
            &ClearEventFragments::new("c8y_MyEvent", Vec::<String>::new()).unwrap(),
            "407,c8y_MyEvent",
        );
        assert!(ClearEventFragments::new("", ["x"]).is_err());
        assert!(ClearEventFragments::new("t", [""]).is_err());
    }

    #[test]
    fn device_parameter_update_renders_the_reference_examples() {
        round_trip(
            &DeviceParameterUpdate::new([relay("left", "true"), relay("right", "false")]).unwrap(),
            "408,,,,c8y_RelayStatus.left,BOOLEAN,true,c8y_RelayStatus.right,BOOLEAN,false",
        );
        let flagged = DeviceParameterUpdate::new([relay("left", "false"), relay("right", "true")])
            .unwrap()
            .with_leading_fields([None, None, Some("true".into())]);
        round_trip(
            &flagged,
            "408,,,true,c8y_RelayStatus.left,BOOLEAN,false,c8y_RelayStatus.right,BOOLEAN,true",
        );
        assert_eq!(flagged.leading_fields(), [None, None, Some("true")]);
        round_trip(
            &DeviceParameterUpdate::new([DeviceParameter::new("c8y_Label.text", "STRING", "").unwrap()])
                .unwrap(),
            "408,,,,c8y_Label.text,STRING,",
        );
    }

    #[test]
    fn device_parameter_update_needs_a_parameter() {
        assert!(DeviceParameterUpdate::new([]).is_err());
        assert_eq!(
            DeviceParameterUpdate::from_record(&record("408,,,true")),
            Err(TemplateError::Field {
                template: 408,
                error: FieldError {
                    position: 4,
                    name: "path",
                    kind: FieldErrorKind::Missing
                }
            })
        );
        assert_eq!(
            DeviceParameterUpdate::from_record(&record("408,,,,c8y_RelayStatus.left")),
            Err(TemplateError::Field {
                template: 408,
                error: FieldError {
                    position: 5,
                    name: "type",
                    kind: FieldErrorKind::Missing
                }
            })
        );
    }
}
