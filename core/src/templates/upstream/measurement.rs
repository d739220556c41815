//! Measurement templates: a custom single value (200), a multi-series measurement (201), and the
//! predefined signal strength (210), temperature (211) and battery (212). Values are
//! [`Number`]s, written with their exact text. docs/protocol.md §5.3.

use super::{at_least_one, mandatory, missing, optional_text, read_optional, read_required};
use crate::smartrest::{FieldError, FieldReader, RowBuilder};
use crate::templates::{TemplateError, UpstreamTemplate};
use crate::value::{Number, Timestamp};

/// Template 200: one value of one series, `{<fragment>: {<series>: {value, unit}}}`, for example
/// `200,c8y_Temperature,T,25.3,C`. Without a time the platform uses its own clock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomMeasurement {
    fragment: String,
    series: String,
    value: Number,
    unit: Option<String>,
    time: Option<Timestamp>,
}

impl CustomMeasurement {
    /// The `value` of `series` in `fragment`; fails when the fragment or series is empty.
    pub fn new(
        fragment: impl Into<String>,
        series: impl Into<String>,
        value: impl Into<Number>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            fragment: mandatory(Self::ID, "fragment", fragment)?,
            series: mandatory(Self::ID, "series", series)?,
            value: value.into(),
            unit: None,
            time: None,
        })
    }

    /// Sets the unit.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = optional_text(unit);
        self
    }

    /// Sets the time of the measurement.
    pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
        self.time = Some(time.into());
        self
    }

    /// The fragment.
    pub fn fragment(&self) -> &str {
        &self.fragment
    }

    /// The series.
    pub fn series(&self) -> &str {
        &self.series
    }

    /// The value.
    pub fn value(&self) -> &Number {
        &self.value
    }

    /// The unit, if set.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }

    /// The time of the measurement, if set.
    pub fn time(&self) -> Option<&Timestamp> {
        self.time.as_ref()
    }
}

impl UpstreamTemplate for CustomMeasurement {
    const ID: u16 = 200;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.fragment)
            .field(&self.series)
            .number(&self.value)
            .optional(self.unit.as_deref())
            .optional_display(self.time.as_ref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            fragment: read_required(fields, "fragment")?,
            series: read_required(fields, "series")?,
            value: fields.required_number("value")?,
            unit: read_optional(fields),
            time: fields.optional_time("time")?,
        })
    }
}

/// One series of a [`MultiSeriesMeasurement`]: fragment, series and value (mandatory) and unit
/// (optional).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeasurementSeries {
    fragment: String,
    series: String,
    value: Number,
    unit: Option<String>,
}

impl MeasurementSeries {
    /// The `value` of `series` in `fragment`; fails when the fragment or series is empty.
    pub fn new(
        fragment: impl Into<String>,
        series: impl Into<String>,
        value: impl Into<Number>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            fragment: mandatory(MultiSeriesMeasurement::ID, "fragment", fragment)?,
            series: mandatory(MultiSeriesMeasurement::ID, "series", series)?,
            value: value.into(),
            unit: None,
        })
    }

    /// Sets the unit.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = optional_text(unit);
        self
    }

    /// The fragment.
    pub fn fragment(&self) -> &str {
        &self.fragment
    }

    /// The series.
    pub fn series(&self) -> &str {
        &self.series
    }

    /// The value.
    pub fn value(&self) -> &Number {
        &self.value
    }

    /// The unit, if set.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.fragment)
            .field(&self.series)
            .number(&self.value)
            .optional(self.unit.as_deref());
    }

    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            fragment: read_required(fields, "fragment")?,
            series: read_required(fields, "series")?,
            value: fields.required_number("value")?,
            unit: read_optional(fields),
        })
    }
}

/// Template 201: one measurement of a given type with several fragments and series, for example
/// `201,KamstrupA220Reading,2022-03-19T12:03:27.845Z,c8y_SinglePhaseEnergyMeasurement,A+:1,1234,kWh,…`.
///
/// It is one measurement, so it cannot be split: over one packet it is
/// [`TemplateError::TooLarge`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MultiSeriesMeasurement {
    measurement_type: String,
    time: Option<Timestamp>,
    series: Vec<MeasurementSeries>,
}

impl MultiSeriesMeasurement {
    /// A measurement of `measurement_type` with these series; fails when the type is empty or
    /// there is no series.
    pub fn new(
        measurement_type: impl Into<String>,
        series: impl IntoIterator<Item = MeasurementSeries>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            measurement_type: mandatory(Self::ID, "measurement type", measurement_type)?,
            time: None,
            series: at_least_one(Self::ID, "series", series.into_iter().collect())?,
        })
    }

    /// Sets the time of the measurement.
    pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
        self.time = Some(time.into());
        self
    }

    /// The measurement type.
    pub fn measurement_type(&self) -> &str {
        &self.measurement_type
    }

    /// The time of the measurement, if set.
    pub fn time(&self) -> Option<&Timestamp> {
        self.time.as_ref()
    }

    /// The series, in order.
    pub fn series(&self) -> &[MeasurementSeries] {
        &self.series
    }
}

impl UpstreamTemplate for MultiSeriesMeasurement {
    const ID: u16 = 201;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.measurement_type)
            .optional_display(self.time.as_ref());
        for series in &self.series {
            series.write(row);
        }
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        let measurement_type = read_required(fields, "measurement type")?;
        let time = fields.optional_time("time")?;
        let mut series = vec![MeasurementSeries::read(fields)?];
        while fields.has_more() {
            series.push(MeasurementSeries::read(fields)?);
        }
        Ok(Self {
            measurement_type,
            time,
            series,
        })
    }
}

/// Template 210: signal strength (measurement type `c8y_SignalStrength`), with RSSI, BER or
/// both; at least one of them is needed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignalStrength {
    rssi: Option<Number>,
    ber: Option<Number>,
    time: Option<Timestamp>,
}

impl SignalStrength {
    /// A signal strength with RSSI, BER or both; fails when both are `None`.
    pub fn new(rssi: Option<Number>, ber: Option<Number>) -> Result<Self, TemplateError> {
        if rssi.is_none() && ber.is_none() {
            return Err(TemplateError::InvalidValue {
                template: Self::ID,
                reason: "needs rssi or ber".into(),
            });
        }
        Ok(Self {
            rssi,
            ber,
            time: None,
        })
    }

    /// A signal strength with only the RSSI.
    pub fn from_rssi(rssi: impl Into<Number>) -> Self {
        Self {
            rssi: Some(rssi.into()),
            ber: None,
            time: None,
        }
    }

    /// A signal strength with only the bit error rate.
    pub fn from_ber(ber: impl Into<Number>) -> Self {
        Self {
            rssi: None,
            ber: Some(ber.into()),
            time: None,
        }
    }

    /// Sets the RSSI.
    pub fn with_rssi(mut self, rssi: impl Into<Number>) -> Self {
        self.rssi = Some(rssi.into());
        self
    }

    /// Sets the bit error rate.
    pub fn with_ber(mut self, ber: impl Into<Number>) -> Self {
        self.ber = Some(ber.into());
        self
    }

    /// Sets the time of the measurement.
    pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
        self.time = Some(time.into());
        self
    }

    /// The RSSI, if set.
    pub fn rssi(&self) -> Option<&Number> {
        self.rssi.as_ref()
    }

    /// The bit error rate, if set.
    pub fn ber(&self) -> Option<&Number> {
        self.ber.as_ref()
    }

    /// The time of the measurement, if set.
    pub fn time(&self) -> Option<&Timestamp> {
        self.time.as_ref()
    }
}

impl UpstreamTemplate for SignalStrength {
    const ID: u16 = 210;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional_display(self.rssi.as_ref())
            .optional_display(self.ber.as_ref())
            .optional_display(self.time.as_ref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        let rssi = fields.optional_number("rssi")?;
        let ber = fields.optional_number("ber")?;
        if rssi.is_none() && ber.is_none() {
            return Err(missing(1, "rssi or ber"));
        }
        Ok(Self {
            rssi,
            ber,
            time: fields.optional_time("time")?,
        })
    }
}

/// Defines a predefined single-value measurement: a mandatory value and an optional time.
macro_rules! value_measurement {
    ($(#[$doc:meta])* $name:ident = $id:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            value: Number,
            time: Option<Timestamp>,
        }

        impl $name {
            /// The measured value.
            pub fn new(value: impl Into<Number>) -> Self {
                Self {
                    value: value.into(),
                    time: None,
                }
            }

            /// Sets the time of the measurement.
            pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
                self.time = Some(time.into());
                self
            }

            /// The measured value.
            pub fn value(&self) -> &Number {
                &self.value
            }

            /// The time of the measurement, if set.
            pub fn time(&self) -> Option<&Timestamp> {
                self.time.as_ref()
            }
        }

        impl UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, row: &mut RowBuilder) {
                row.number(&self.value).optional_display(self.time.as_ref());
            }

            fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
                Ok(Self {
                    value: fields.required_number("value")?,
                    time: fields.optional_time("time")?,
                })
            }
        }
    };
}

value_measurement! {
    /// Template 211: a temperature (measurement type `c8y_TemperatureMeasurement`, unit °C on
    /// the platform side), for example `211,21.5`.
    Temperature = 211
}

value_measurement! {
    /// Template 212: a battery level (measurement type `c8y_Battery`, unit % on the platform
    /// side).
    Battery = 212
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::FieldErrorKind;
    use crate::templates::upstream::test_support::{number, record, round_trip, time};

    fn field_error(
        template: u16,
        position: usize,
        name: &'static str,
        kind: FieldErrorKind,
    ) -> TemplateError {
        TemplateError::Field {
            template,
            error: FieldError { position, name, kind },
        }
    }

    #[test]
    fn custom_measurement_renders_exactly() {
        let m = CustomMeasurement::new("c8y_Temperature", "T", number("25.30")).unwrap();
        round_trip(&m, "200,c8y_Temperature,T,25.30");
        round_trip(
            &m.clone()
                .with_unit("C")
                .with_time(time("2016-06-22T17:03:14.000+02:00")),
            "200,c8y_Temperature,T,25.30,C,2016-06-22T17:03:14.000+02:00",
        );
        round_trip(
            &m.with_time(time("2022-03-19T12:03:27.845Z")),
            "200,c8y_Temperature,T,25.30,,2022-03-19T12:03:27.845Z",
        );
        assert!(CustomMeasurement::new("c8y_Temperature", "", 1).is_err());
    }

    #[test]
    fn custom_measurement_checks_types() {
        assert_eq!(
            CustomMeasurement::from_record(&record("200,c8y_Temperature,T,hot")),
            Err(field_error(
                200,
                3,
                "value",
                FieldErrorKind::Invalid {
                    expected: "NUMBER",
                    value: "hot".into()
                }
            ))
        );
        assert_eq!(
            CustomMeasurement::from_record(&record("200,c8y_Temperature,T,1,C,yesterday")),
            Err(field_error(
                200,
                5,
                "time",
                FieldErrorKind::Invalid {
                    expected: "DATE",
                    value: "yesterday".into()
                }
            ))
        );
        assert_eq!(
            CustomMeasurement::from_record(&record("200,c8y_Temperature,T")),
            Err(field_error(200, 3, "value", FieldErrorKind::Missing))
        );
        assert_eq!(
            CustomMeasurement::from_record(&record("200,c8y_Temperature,T,1,C,2022-03-19T12:03:27.845Z,x")),
            Err(field_error(200, 6, "", FieldErrorKind::Unexpected { count: 1 }))
        );
    }

    #[test]
    fn multi_series_measurement_renders_the_reference_example() {
        let line = "201,KamstrupA220Reading,2022-03-19T12:03:27.845Z,c8y_SinglePhaseEnergyMeasurement,A+:1,1234,kWh,c8y_SinglePhaseEnergyMeasurement,A-:1,2345,kWh";
        let m = MultiSeriesMeasurement::new(
            "KamstrupA220Reading",
            [
                MeasurementSeries::new("c8y_SinglePhaseEnergyMeasurement", "A+:1", 1234)
                    .unwrap()
                    .with_unit("kWh"),
                MeasurementSeries::new("c8y_SinglePhaseEnergyMeasurement", "A-:1", 2345)
                    .unwrap()
                    .with_unit("kWh"),
            ],
        )
        .unwrap()
        .with_time(time("2022-03-19T12:03:27.845Z"));
        round_trip(&m, line);
        round_trip(
            &MultiSeriesMeasurement::new(
                "Reading",
                [
                    MeasurementSeries::new("f", "a", 1).unwrap(),
                    MeasurementSeries::new("f", "b", number("2.5")).unwrap(),
                ],
            )
            .unwrap(),
            "201,Reading,,f,a,1,,f,b,2.5",
        );
    }

    #[test]
    fn multi_series_measurement_needs_a_series() {
        assert!(matches!(
            MultiSeriesMeasurement::new("Reading", []),
            Err(TemplateError::InvalidValue { template: 201, .. })
        ));
        assert_eq!(
            MultiSeriesMeasurement::from_record(&record("201,Reading,2022-03-19T12:03:27.845Z")),
            Err(field_error(201, 3, "fragment", FieldErrorKind::Missing))
        );
        assert_eq!(
            MultiSeriesMeasurement::from_record(&record("201,Reading,,f,a,1,kWh,f,b")),
            Err(field_error(201, 9, "value", FieldErrorKind::Missing))
        );
    }

    #[test]
    fn signal_strength_renders_exactly() {
        round_trip(
            &SignalStrength::from_rssi(-90).with_ber(number("0.1")),
            "210,-90,0.1",
        );
        round_trip(&SignalStrength::from_ber(5), "210,,5");
        round_trip(
            &SignalStrength::new(Some(number("-71")), None)
                .unwrap()
                .with_time(time("2022-03-19T12:03:27.845Z")),
            "210,-71,,2022-03-19T12:03:27.845Z",
        );
        assert_eq!(
            SignalStrength::new(None, None),
            Err(TemplateError::InvalidValue {
                template: 210,
                reason: "needs rssi or ber".into()
            })
        );
        assert_eq!(
            SignalStrength::from_record(&record("210,,,2022-03-19T12:03:27.845Z")),
            Err(field_error(210, 1, "rssi or ber", FieldErrorKind::Missing))
        );
    }

    #[test]
    fn temperature_and_battery_render_exactly() {
        round_trip(&Temperature::new(number("21.5")), "211,21.5");
        round_trip(
            &Temperature::new(Number::try_from(-3.25).unwrap()).with_time(time("2022-03-19T12:03:27.845Z")),
            "211,-3.25,2022-03-19T12:03:27.845Z",
        );
        round_trip(&Battery::new(87), "212,87");
        round_trip(
            &Battery::new(87).with_time(time("2016-06-22T17:03:14.000+02:00")),
            "212,87,2016-06-22T17:03:14.000+02:00",
        );
        assert_eq!(
            Battery::from_record(&record("212,full")),
            Err(field_error(
                212,
                1,
                "value",
                FieldErrorKind::Invalid {
                    expected: "NUMBER",
                    value: "full".into()
                }
            ))
        );
    }
}
