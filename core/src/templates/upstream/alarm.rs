//! Alarm templates: raising an alarm of each severity (301 critical, 302 major, 303 minor, 304
//! warning), changing its severity (305), clearing it (306) and removing fragments from it (307).
//! An alarm is identified by its source device and type. docs/protocol.md §5.4.

use super::split::ListRows;
use super::{
    at_least_one, mandatory, name_list, optional_text, read_optional, read_required, read_required_names,
};
use crate::smartrest::{FieldError, FieldReader, QoS, RowBuilder};
use crate::templates::{TemplateError, UpstreamTemplate};
use crate::value::{Severity, Timestamp};

/// Defines the alarm of one severity: a mandatory type, optional text and time.
macro_rules! alarm_template {
    ($(#[$doc:meta])* $name:ident = $id:literal, $severity:ident) => {
        $(#[$doc])*
        ///
        /// Without a text the platform writes "Alarm of type `<type>` raised"; without a time it
        /// uses its own clock. A device has at most one active alarm per type.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            alarm_type: String,
            text: Option<String>,
            time: Option<Timestamp>,
        }

        impl $name {
            /// The severity this template raises.
            pub const SEVERITY: Severity = Severity::$severity;

            /// An alarm of `alarm_type`; fails when it is empty.
            pub fn new(alarm_type: impl Into<String>) -> Result<Self, TemplateError> {
                Ok(Self {
                    alarm_type: mandatory($id, "alarm type", alarm_type)?,
                    text: None,
                    time: None,
                })
            }

            /// Sets the alarm text (free text, quoted as needed).
            pub fn with_text(mut self, text: impl Into<String>) -> Self {
                self.text = optional_text(text);
                self
            }

            /// Sets the time the alarm was raised.
            pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
                self.time = Some(time.into());
                self
            }

            /// The alarm type.
            pub fn alarm_type(&self) -> &str {
                &self.alarm_type
            }

            /// The alarm text, if set.
            pub fn text(&self) -> Option<&str> {
                self.text.as_deref()
            }

            /// The time the alarm was raised, if set.
            pub fn time(&self) -> Option<&Timestamp> {
                self.time.as_ref()
            }
        }

        impl UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, row: &mut RowBuilder) {
                row.field(&self.alarm_type)
                    .optional(self.text.as_deref())
                    .optional_display(self.time.as_ref());
            }

            fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
                Ok(Self {
                    alarm_type: read_required(fields, "alarm type")?,
                    text: read_optional(fields),
                    time: fields.optional_time("time")?,
                })
            }
        }
    };
}

alarm_template! {
    /// Template 301: raises an ACTIVE CRITICAL alarm.
    CriticalAlarm = 301, Critical
}

alarm_template! {
    /// Template 302: raises an ACTIVE MAJOR alarm.
    MajorAlarm = 302, Major
}

alarm_template! {
    /// Template 303: raises an ACTIVE MINOR alarm.
    MinorAlarm = 303, Minor
}

alarm_template! {
    /// Template 304: raises an ACTIVE WARNING alarm.
    WarningAlarm = 304, Warning
}

/// Raises an alarm of `severity`: the template of that severity (301-304) with `alarm_type`, the
/// optional text and time. Fails when `alarm_type` is empty.
pub fn raise_alarm(
    severity: Severity,
    alarm_type: impl Into<String>,
    text: Option<&str>,
    time: Option<Timestamp>,
) -> Result<super::Upstream, TemplateError> {
    macro_rules! alarm {
        ($t:ty) => {{
            let mut alarm = <$t>::new(alarm_type)?;
            if let Some(text) = text {
                alarm = alarm.with_text(text);
            }
            if let Some(time) = time {
                alarm = alarm.with_time(time);
            }
            super::Upstream::from(alarm)
        }};
    }
    Ok(match severity {
        Severity::Critical => alarm!(CriticalAlarm),
        Severity::Major => alarm!(MajorAlarm),
        Severity::Minor => alarm!(MinorAlarm),
        Severity::Warning => alarm!(WarningAlarm),
    })
}

/// Template 305: changes the severity of the device's existing alarm of a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AlarmSeverityUpdate {
    alarm_type: String,
    severity: Severity,
}

impl AlarmSeverityUpdate {
    /// Sets the alarm of `alarm_type` to `severity`; fails when the type is empty.
    pub fn new(alarm_type: impl Into<String>, severity: Severity) -> Result<Self, TemplateError> {
        Ok(Self {
            alarm_type: mandatory(Self::ID, "alarm type", alarm_type)?,
            severity,
        })
    }

    /// The alarm type.
    pub fn alarm_type(&self) -> &str {
        &self.alarm_type
    }

    /// The new severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }
}

impl UpstreamTemplate for AlarmSeverityUpdate {
    const ID: u16 = 305;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.alarm_type).display(self.severity);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            alarm_type: read_required(fields, "alarm type")?,
            // The platform's words in any letter case; rendered back in capitals.
            severity: fields.required_parsed("severity", "SEVERITY")?,
        })
    }
}

/// Template 306: clears (sets to CLEARED) the device's alarm of a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClearAlarm {
    alarm_type: String,
}

impl ClearAlarm {
    /// Clears the alarm of `alarm_type`; fails when it is empty.
    pub fn new(alarm_type: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            alarm_type: mandatory(Self::ID, "alarm type", alarm_type)?,
        })
    }

    /// The alarm type.
    pub fn alarm_type(&self) -> &str {
        &self.alarm_type
    }
}

impl UpstreamTemplate for ClearAlarm {
    const ID: u16 = 306;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.alarm_type);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            alarm_type: read_required(fields, "alarm type")?,
        })
    }
}

/// Template 307: removes fragments from the device's alarm of a type.
///
/// A list longer than one packet is sent as several 307 rows for the same alarm type (removing is
/// per fragment, so the parts do the same as the whole).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClearAlarmFragments {
    alarm_type: String,
    fragments: Vec<String>,
}

impl ClearAlarmFragments {
    /// Removes `fragments` from the alarm of `alarm_type`; fails when the type is empty, the list
    /// is empty or a fragment name is empty.
    pub fn new<S: Into<String>>(
        alarm_type: impl Into<String>,
        fragments: impl IntoIterator<Item = S>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            alarm_type: mandatory(Self::ID, "alarm type", alarm_type)?,
            fragments: at_least_one(Self::ID, "fragment", name_list(Self::ID, "fragment", fragments)?)?,
        })
    }

    /// The alarm type.
    pub fn alarm_type(&self) -> &str {
        &self.alarm_type
    }

    /// The fragments to remove, in order.
    pub fn fragments(&self) -> &[String] {
        &self.fragments
    }
}

impl UpstreamTemplate for ClearAlarmFragments {
    const ID: u16 = 307;
    const SPLITS: bool = true;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.alarm_type).fields(&self.fragments);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            alarm_type: read_required(fields, "alarm type")?,
            fragments: read_required_names(fields, "fragment")?,
        })
    }

    fn to_payloads(&self, topic: &str, qos: QoS) -> Result<Vec<String>, TemplateError> {
        ListRows {
            first_id: Self::ID,
            next_id: Self::ID,
            head: &|row| {
                row.field(&self.alarm_type);
            },
            items: &self.fragments,
            item: &|row, fragment| {
                row.field(fragment);
            },
        }
        .payloads(topic, qos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::FieldErrorKind;
    use crate::templates::upstream::test_support::{record, round_trip, time};

    #[test]
    fn raise_alarm_picks_the_template_of_the_severity() {
        for (severity, row) in [
            (Severity::Critical, "301,t,hot"),
            (Severity::Major, "302,t,hot"),
            (Severity::Minor, "303,t,hot"),
            (Severity::Warning, "304,t,hot"),
        ] {
            assert_eq!(
                raise_alarm(severity, "t", Some("hot"), None).unwrap().to_row(),
                row
            );
        }
        assert_eq!(
            raise_alarm(Severity::Major, "t", None, None).unwrap().to_row(),
            "302,t"
        );
        assert!(raise_alarm(Severity::Major, "", None, None).is_err());
    }

    #[test]
    fn alarms_of_every_severity_render_exactly() {
        round_trip(
            &CriticalAlarm::new("c8y_TemperatureAlarm")
                .unwrap()
                .with_text("Too hot, really")
                .with_time(time("2022-03-19T12:03:27.845Z")),
            "301,c8y_TemperatureAlarm,\"Too hot, really\",2022-03-19T12:03:27.845Z",
        );
        round_trip(
            &MajorAlarm::new("c8y_BatteryAlarm")
                .unwrap()
                .with_text("Low battery"),
            "302,c8y_BatteryAlarm,Low battery",
        );
        round_trip(
            &MinorAlarm::new("c8y_DoorAlarm")
                .unwrap()
                .with_time(time("2016-06-22T17:03:14.000+02:00")),
            "303,c8y_DoorAlarm,,2016-06-22T17:03:14.000+02:00",
        );
        round_trip(&WarningAlarm::new("c8y_Fan").unwrap(), "304,c8y_Fan");
        assert_eq!(CriticalAlarm::SEVERITY, Severity::Critical);
        assert_eq!(WarningAlarm::SEVERITY, Severity::Warning);
        assert_eq!(
            MinorAlarm::new(""),
            Err(TemplateError::InvalidValue {
                template: 303,
                reason: "alarm type must not be empty".into()
            })
        );
    }

    #[test]
    fn alarm_text_is_quoted_and_escaped() {
        round_trip(
            &MajorAlarm::new("c8y_Log")
                .unwrap()
                .with_text("line 1: \"disk\" full\nline 2"),
            "302,c8y_Log,\"line 1: \"\"disk\"\" full\nline 2\"",
        );
        // The platform's backslash escape is read too.
        let parsed = MajorAlarm::from_record(&record("302,c8y_Log,\"say \\\"hi\\\"\"")).unwrap();
        assert_eq!(parsed.text(), Some("say \"hi\""));
        assert_eq!(parsed.to_row(), "302,c8y_Log,\"say \"\"hi\"\"\"");
    }

    #[test]
    fn severity_update_renders_exactly() {
        round_trip(
            &AlarmSeverityUpdate::new("c8y_TemperatureAlarm", Severity::Minor).unwrap(),
            "305,c8y_TemperatureAlarm,MINOR",
        );
        let parsed = AlarmSeverityUpdate::from_record(&record("305,c8y_TemperatureAlarm,major")).unwrap();
        assert_eq!(parsed.severity(), Severity::Major);
        assert_eq!(
            AlarmSeverityUpdate::from_record(&record("305,c8y_TemperatureAlarm,SEVERE")),
            Err(TemplateError::Field {
                template: 305,
                error: FieldError {
                    position: 2,
                    name: "severity",
                    kind: FieldErrorKind::Invalid {
                        expected: "SEVERITY",
                        value: "SEVERE".into()
                    }
                }
            })
        );
    }

    #[test]
    fn clear_alarm_renders_exactly() {
        round_trip(
            &ClearAlarm::new("c8y_TemperatureAlarm").unwrap(),
            "306,c8y_TemperatureAlarm",
        );
        assert_eq!(
            ClearAlarm::from_record(&record("306")),
            Err(TemplateError::Field {
                template: 306,
                error: FieldError {
                    position: 1,
                    name: "alarm type",
                    kind: FieldErrorKind::Missing
                }
            })
        );
    }

    #[test]
    fn clear_alarm_fragments_renders_exactly() {
        round_trip(
            &ClearAlarmFragments::new("c8y_TemperatureAlarm", ["c8y_Details", "c8y_Extra"]).unwrap(),
            "307,c8y_TemperatureAlarm,c8y_Details,c8y_Extra",
        );
        assert!(ClearAlarmFragments::new("c8y_TemperatureAlarm", Vec::<String>::new()).is_err());
        assert_eq!(
            ClearAlarmFragments::from_record(&record("307,c8y_TemperatureAlarm")),
            Err(TemplateError::Field {
                template: 307,
                error: FieldError {
                    position: 2,
                    name: "fragment",
                    kind: FieldErrorKind::Missing
                }
            })
        );
    }
}
