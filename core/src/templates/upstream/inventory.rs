//! Inventory templates that set one fragment of the device's managed object: hardware (110),
//! mobile (111), position (112), configuration (113, 119, 120), supported operations (114),
//! firmware (115), required availability (117), supported logs (118), device profile (121),
//! agent (122) and remote-access protocols (150). docs/protocol.md §5.2, §11.6.

use super::{mandatory, name_list_template, optional_text, read_optional, read_required};
use crate::smartrest::{FieldError, FieldReader, RowBuilder};
use crate::templates::{TemplateError, UpstreamTemplate};
use crate::value::{Number, Timestamp};

/// Template 110: sets `c8y_Hardware` (serial number, model, revision; each optional).
/// Example: `110,1234,Model X,1.0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Hardware {
    serial_number: Option<String>,
    model: Option<String>,
    revision: Option<String>,
}

impl Hardware {
    /// A hardware fragment with no value set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the serial number.
    pub fn with_serial_number(mut self, serial_number: impl Into<String>) -> Self {
        self.serial_number = optional_text(serial_number);
        self
    }

    /// Sets the model.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = optional_text(model);
        self
    }

    /// Sets the revision.
    pub fn with_revision(mut self, revision: impl Into<String>) -> Self {
        self.revision = optional_text(revision);
        self
    }

    /// The serial number, if set.
    pub fn serial_number(&self) -> Option<&str> {
        self.serial_number.as_deref()
    }

    /// The model, if set.
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// The revision, if set.
    pub fn revision(&self) -> Option<&str> {
        self.revision.as_deref()
    }
}

impl UpstreamTemplate for Hardware {
    const ID: u16 = 110;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional(self.serial_number.as_deref())
            .optional(self.model.as_deref())
            .optional(self.revision.as_deref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            serial_number: read_optional(fields),
            model: read_optional(fields),
            revision: read_optional(fields),
        })
    }
}

/// Template 111: sets `c8y_Mobile` (IMEI, ICCID, IMSI, MCC, MNC, LAC, cell id; each optional).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Mobile {
    imei: Option<String>,
    iccid: Option<String>,
    imsi: Option<String>,
    mcc: Option<String>,
    mnc: Option<String>,
    lac: Option<String>,
    cell_id: Option<String>,
}

impl Mobile {
    /// A mobile fragment with no value set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the IMEI.
    pub fn with_imei(mut self, imei: impl Into<String>) -> Self {
        self.imei = optional_text(imei);
        self
    }

    /// Sets the ICCID.
    pub fn with_iccid(mut self, iccid: impl Into<String>) -> Self {
        self.iccid = optional_text(iccid);
        self
    }

    /// Sets the IMSI.
    pub fn with_imsi(mut self, imsi: impl Into<String>) -> Self {
        self.imsi = optional_text(imsi);
        self
    }

    /// Sets the mobile country code.
    pub fn with_mcc(mut self, mcc: impl Into<String>) -> Self {
        self.mcc = optional_text(mcc);
        self
    }

    /// Sets the mobile network code.
    pub fn with_mnc(mut self, mnc: impl Into<String>) -> Self {
        self.mnc = optional_text(mnc);
        self
    }

    /// Sets the location area code.
    pub fn with_lac(mut self, lac: impl Into<String>) -> Self {
        self.lac = optional_text(lac);
        self
    }

    /// Sets the cell id.
    pub fn with_cell_id(mut self, cell_id: impl Into<String>) -> Self {
        self.cell_id = optional_text(cell_id);
        self
    }

    /// The IMEI, if set.
    pub fn imei(&self) -> Option<&str> {
        self.imei.as_deref()
    }

    /// The ICCID, if set.
    pub fn iccid(&self) -> Option<&str> {
        self.iccid.as_deref()
    }

    /// The IMSI, if set.
    pub fn imsi(&self) -> Option<&str> {
        self.imsi.as_deref()
    }

    /// The mobile country code, if set.
    pub fn mcc(&self) -> Option<&str> {
        self.mcc.as_deref()
    }

    /// The mobile network code, if set.
    pub fn mnc(&self) -> Option<&str> {
        self.mnc.as_deref()
    }

    /// The location area code, if set.
    pub fn lac(&self) -> Option<&str> {
        self.lac.as_deref()
    }

    /// The cell id, if set.
    pub fn cell_id(&self) -> Option<&str> {
        self.cell_id.as_deref()
    }
}

impl UpstreamTemplate for Mobile {
    const ID: u16 = 111;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional(self.imei.as_deref())
            .optional(self.iccid.as_deref())
            .optional(self.imsi.as_deref())
            .optional(self.mcc.as_deref())
            .optional(self.mnc.as_deref())
            .optional(self.lac.as_deref())
            .optional(self.cell_id.as_deref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            imei: read_optional(fields),
            iccid: read_optional(fields),
            imsi: read_optional(fields),
            mcc: read_optional(fields),
            mnc: read_optional(fields),
            lac: read_optional(fields),
            cell_id: read_optional(fields),
        })
    }
}

/// Template 112: sets the device's `c8y_Position` (latitude, longitude, altitude as numbers,
/// accuracy as an integer; each optional). To also record a location event, use
/// [`LocationUpdateWithDevice`](super::LocationUpdateWithDevice) (402).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Position {
    latitude: Option<Number>,
    longitude: Option<Number>,
    altitude: Option<Number>,
    accuracy: Option<i64>,
}

impl Position {
    /// A position with no value set.
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
    pub fn with_accuracy(mut self, accuracy: i64) -> Self {
        self.accuracy = Some(accuracy);
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
    pub fn accuracy(&self) -> Option<i64> {
        self.accuracy
    }
}

impl UpstreamTemplate for Position {
    const ID: u16 = 112;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional_display(self.latitude.as_ref())
            .optional_display(self.longitude.as_ref())
            .optional_display(self.altitude.as_ref())
            .optional_display(self.accuracy);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            latitude: fields.optional_number("latitude")?,
            longitude: fields.optional_number("longitude")?,
            altitude: fields.optional_number("altitude")?,
            accuracy: fields.optional_integer("accuracy")?,
        })
    }
}

/// Template 113: sets `c8y_Configuration` to a configuration text (free text, quoted as
/// needed; an empty text is sent as `113`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Configuration {
    config: String,
}

impl Configuration {
    /// The configuration text.
    pub fn new(config: impl Into<String>) -> Self {
        Self {
            config: config.into(),
        }
    }

    /// The configuration text.
    pub fn config(&self) -> &str {
        &self.config
    }
}

impl UpstreamTemplate for Configuration {
    const ID: u16 = 113;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional(Some(self.config.as_str()));
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            config: fields.raw().to_owned(),
        })
    }
}

name_list_template! {
    /// Template 114: sets `c8y_SupportedOperations`, the operations the device handles (the UI
    /// offers only these). It replaces the whole list, so it cannot be split over packets.
    /// Example: `114,c8y_Restart,c8y_Command`.
    SupportedOperations = 114, operations, "operation"
}

/// Template 115: sets `c8y_Firmware` (name, version, URL; each optional).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Firmware {
    name: Option<String>,
    version: Option<String>,
    url: Option<String>,
}

impl Firmware {
    /// A firmware fragment with no value set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the firmware name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = optional_text(name);
        self
    }

    /// Sets the firmware version.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = optional_text(version);
        self
    }

    /// Sets the URL of the firmware image.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = optional_text(url);
        self
    }

    /// The firmware name, if set.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The firmware version, if set.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The URL of the firmware image, if set.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

impl UpstreamTemplate for Firmware {
    const ID: u16 = 115;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional(self.name.as_deref())
            .optional(self.version.as_deref())
            .optional(self.url.as_deref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: read_optional(fields),
            version: read_optional(fields),
            url: read_optional(fields),
        })
    }
}

/// Template 117: sets `c8y_RequiredAvailability.responseInterval`, in **minutes**; zero or less
/// puts the device in maintenance mode. The platform applies it only when the fragment is not set
/// yet (a value set in the UI is never overwritten). Example: `117,60`.
///
/// docs/protocol.md does not mark the interval mandatory, but the template means nothing without it,
/// so it is required here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequiredAvailability {
    interval_minutes: i64,
}

impl RequiredAvailability {
    /// The required response interval in minutes (≤ 0: maintenance mode).
    pub fn new(interval_minutes: i64) -> Self {
        Self { interval_minutes }
    }

    /// The required response interval in minutes.
    pub fn interval_minutes(&self) -> i64 {
        self.interval_minutes
    }
}

impl UpstreamTemplate for RequiredAvailability {
    const ID: u16 = 117;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.display(self.interval_minutes);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            interval_minutes: fields.required_integer("interval")?,
        })
    }
}

name_list_template! {
    /// Template 118: sets `c8y_SupportedLogs`, the log types the device can upload. It replaces
    /// the whole list, so it cannot be split over packets.
    SupportedLogs = 118, log_types, "log type"
}

name_list_template! {
    /// Template 119: sets `c8y_SupportedConfigurations`, the configuration types the device
    /// handles. It replaces the whole list, so it cannot be split over packets.
    SupportedConfigurations = 119, config_types, "configuration type"
}

/// Template 120: sets the currently installed configuration of one type
/// (`c8y_Configuration_<type>`): type and download URL, optionally the file name (default: the
/// type) and the time it was applied (default: now).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CurrentConfiguration {
    config_type: String,
    url: String,
    file_name: Option<String>,
    time: Option<Timestamp>,
}

impl CurrentConfiguration {
    /// The configuration of `config_type`, downloadable from `url`; fails when either is empty.
    pub fn new(config_type: impl Into<String>, url: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            config_type: mandatory(Self::ID, "configuration type", config_type)?,
            url: mandatory(Self::ID, "url", url)?,
            file_name: None,
            time: None,
        })
    }

    /// Sets the file name.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = optional_text(file_name);
        self
    }

    /// Sets the time the configuration was applied.
    pub fn with_time(mut self, time: impl Into<Timestamp>) -> Self {
        self.time = Some(time.into());
        self
    }

    /// The configuration type.
    pub fn config_type(&self) -> &str {
        &self.config_type
    }

    /// The download URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The file name, if set.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The time the configuration was applied, if set.
    pub fn time(&self) -> Option<&Timestamp> {
        self.time.as_ref()
    }
}

impl UpstreamTemplate for CurrentConfiguration {
    const ID: u16 = 120;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.config_type)
            .field(&self.url)
            .optional(self.file_name.as_deref())
            .optional_display(self.time.as_ref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            config_type: read_required(fields, "configuration type")?,
            url: read_required(fields, "url")?,
            file_name: read_optional(fields),
            time: fields.optional_time("time")?,
        })
    }
}

/// Template 121: reports progress of a device profile (`c8y_Profile`): `false` when applying
/// starts, `true` when it is done. The profile id defaults to the one of the oldest EXECUTING
/// device-profile operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceProfileApplied {
    executed: bool,
    profile_id: Option<String>,
}

impl DeviceProfileApplied {
    /// Whether the profile has been applied.
    pub fn new(executed: bool) -> Self {
        Self {
            executed,
            profile_id: None,
        }
    }

    /// Sets the profile id.
    pub fn with_profile_id(mut self, profile_id: impl Into<String>) -> Self {
        self.profile_id = optional_text(profile_id);
        self
    }

    /// Whether the profile has been applied.
    pub fn executed(&self) -> bool {
        self.executed
    }

    /// The profile id, if set.
    pub fn profile_id(&self) -> Option<&str> {
        self.profile_id.as_deref()
    }
}

impl UpstreamTemplate for DeviceProfileApplied {
    const ID: u16 = 121;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.display(self.executed).optional(self.profile_id.as_deref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            executed: fields.required_bool("profile executed")?,
            profile_id: read_optional(fields),
        })
    }
}

/// Template 122: sets `c8y_Agent`, the software agent running on the device: name, version and
/// maintainer (mandatory) and a URL (optional, written between version and maintainer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentInformation {
    name: String,
    version: String,
    url: Option<String>,
    maintainer: String,
}

impl AgentInformation {
    /// The agent's name, version and maintainer; fails when any of them is empty.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        maintainer: impl Into<String>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            name: mandatory(Self::ID, "name", name)?,
            version: mandatory(Self::ID, "version", version)?,
            url: None,
            maintainer: mandatory(Self::ID, "maintainer", maintainer)?,
        })
    }

    /// Sets the agent's URL.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = optional_text(url);
        self
    }

    /// The agent's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The agent's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The agent's URL, if set.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The agent's maintainer.
    pub fn maintainer(&self) -> &str {
        &self.maintainer
    }
}

impl UpstreamTemplate for AgentInformation {
    const ID: u16 = 122;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.name)
            .field(&self.version)
            .optional(self.url.as_deref())
            .field(&self.maintainer);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: read_required(fields, "name")?,
            version: read_required(fields, "version")?,
            url: read_optional(fields),
            maintainer: read_required(fields, "maintainer")?,
        })
    }
}

name_list_template! {
    /// Template 150: sets `c8y_RemoteAccessSupportedProtocols`. Valid protocols are `SSH`,
    /// `TELNET`, `VNC` and `PASSTHROUGH`; the platform's handling of letter case is not known
    /// (examples use `150,ssh,vnc` and `150,SSH,PASSTHROUGH`), so names are kept as given. An
    /// empty list removes the fragment. It replaces the whole list, so it cannot be split over
    /// packets.
    RemoteAccessProtocols = 150, protocols, "protocol"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::FieldErrorKind;
    use crate::templates::upstream::test_support::{record, round_trip};

    fn invalid(
        template: u16,
        position: usize,
        name: &'static str,
        expected: &'static str,
        value: &str,
    ) -> TemplateError {
        TemplateError::Field {
            template,
            error: FieldError {
                position,
                name,
                kind: FieldErrorKind::Invalid {
                    expected,
                    value: value.into(),
                },
            },
        }
    }

    #[test]
    fn hardware_renders_exactly() {
        round_trip(
            &Hardware::new()
                .with_serial_number("1234")
                .with_model("Model X")
                .with_revision("1.0"),
            "110,1234,Model X,1.0",
        );
        round_trip(&Hardware::new().with_revision("B"), "110,,,B");
        round_trip(&Hardware::new(), "110");
    }

    #[test]
    fn mobile_renders_exactly() {
        let mobile = Mobile::new()
            .with_imei("356938035643809")
            .with_iccid("8991101200003204510")
            .with_imsi("262011234567890")
            .with_mcc("262")
            .with_mnc("01")
            .with_lac("5001")
            .with_cell_id("2F2B");
        round_trip(
            &mobile,
            "111,356938035643809,8991101200003204510,262011234567890,262,01,5001,2F2B",
        );
        round_trip(&Mobile::new().with_mcc("262"), "111,,,,262");
        assert_eq!(mobile.cell_id(), Some("2F2B"));
    }

    #[test]
    fn position_renders_exactly_and_checks_types() {
        let position = Position::new()
            .with_latitude(Number::try_from(52.520008).unwrap())
            .with_longitude("13.404954".parse::<Number>().unwrap())
            .with_altitude(34)
            .with_accuracy(5);
        round_trip(&position, "112,52.520008,13.404954,34,5");
        round_trip(&Position::new().with_altitude(-2), "112,,,-2");
        assert_eq!(
            Position::from_record(&record("112,north,13")),
            Err(invalid(112, 1, "latitude", "NUMBER", "north"))
        );
        assert_eq!(
            Position::from_record(&record("112,1,2,3,4.5")),
            Err(invalid(112, 4, "accuracy", "INTEGER", "4.5"))
        );
    }

    #[test]
    fn configuration_quotes_free_text() {
        round_trip(
            &Configuration::new("val1=1\nval2=\"two, too\""),
            "113,\"val1=1\nval2=\"\"two, too\"\"\"",
        );
        round_trip(&Configuration::new("key=value"), "113,key=value");
        round_trip(&Configuration::new(""), "113");
    }

    #[test]
    fn supported_operations_render_exactly() {
        let ops = SupportedOperations::new(["c8y_Restart", "c8y_Command"]).unwrap();
        round_trip(&ops, "114,c8y_Restart,c8y_Command");
        round_trip(&SupportedOperations::new(Vec::<&str>::new()).unwrap(), "114");
        assert_eq!(
            SupportedOperations::from_record(&record("114,c8y_Restart,,c8y_Command,")).unwrap(),
            ops
        );
        assert_eq!(
            SupportedOperations::new(["c8y_Restart", ""]),
            Err(TemplateError::InvalidValue {
                template: 114,
                reason: "operation must not be empty".into()
            })
        );
    }

    #[test]
    fn firmware_renders_exactly() {
        round_trip(
            &Firmware::new()
                .with_name("core-image")
                .with_version("1.2.3")
                .with_url("https://example.com/fw.bin"),
            "115,core-image,1.2.3,https://example.com/fw.bin",
        );
        round_trip(&Firmware::new().with_version("1.2.3"), "115,,1.2.3");
    }

    #[test]
    fn required_availability_renders_exactly() {
        round_trip(&RequiredAvailability::new(60), "117,60");
        round_trip(&RequiredAvailability::new(-1), "117,-1");
        assert_eq!(
            RequiredAvailability::from_record(&record("117,1.5")),
            Err(invalid(117, 1, "interval", "INTEGER", "1.5"))
        );
        assert!(matches!(
            RequiredAvailability::from_record(&record("117")),
            Err(TemplateError::Field { template: 117, .. })
        ));
    }

    #[test]
    fn supported_logs_and_configurations_render_exactly() {
        round_trip(
            &SupportedLogs::new(["syslog", "dmesg"]).unwrap(),
            "118,syslog,dmesg",
        );
        round_trip(
            &SupportedConfigurations::new(["ssh-config", "collectd.conf"]).unwrap(),
            "119,ssh-config,collectd.conf",
        );
        assert_eq!(SupportedLogs::new(["a"]).unwrap().log_types(), ["a".to_owned()]);
    }

    #[test]
    fn current_configuration_renders_exactly() {
        let time: Timestamp = "2016-06-22T17:03:14.000+02:00".parse().unwrap();
        round_trip(
            &CurrentConfiguration::new("ssh-config", "https://t.example/inventory/binaries/1")
                .unwrap()
                .with_file_name("sshd_config")
                .with_time(time.clone()),
            "120,ssh-config,https://t.example/inventory/binaries/1,sshd_config,2016-06-22T17:03:14.000+02:00",
        );
        round_trip(
            &CurrentConfiguration::new("ssh-config", "u")
                .unwrap()
                .with_time(time),
            "120,ssh-config,u,,2016-06-22T17:03:14.000+02:00",
        );
        assert!(CurrentConfiguration::new("ssh-config", "").is_err());
        assert_eq!(
            CurrentConfiguration::from_record(&record("120,t,u,f,22.06.2016")),
            Err(invalid(120, 4, "time", "DATE", "22.06.2016"))
        );
    }

    #[test]
    fn device_profile_applied_renders_exactly() {
        round_trip(&DeviceProfileApplied::new(false), "121,false");
        round_trip(
            &DeviceProfileApplied::new(true).with_profile_id("8012"),
            "121,true,8012",
        );
        assert_eq!(
            DeviceProfileApplied::from_record(&record("121,yes")),
            Err(invalid(121, 1, "profile executed", "BOOLEAN", "yes"))
        );
    }

    #[test]
    fn agent_information_renders_exactly() {
        let agent = AgentInformation::new("thin-edge.io", "1.0.0", "Thin Edge").unwrap();
        round_trip(&agent, "122,thin-edge.io,1.0.0,,Thin Edge");
        round_trip(
            &agent.with_url("https://thin-edge.io"),
            "122,thin-edge.io,1.0.0,https://thin-edge.io,Thin Edge",
        );
        assert!(matches!(
            AgentInformation::from_record(&record("122,a,1.0,url")),
            Err(TemplateError::Field {
                template: 122,
                error: FieldError {
                    position: 4,
                    name: "maintainer",
                    kind: FieldErrorKind::Missing
                }
            })
        ));
    }

    #[test]
    fn remote_access_protocols_keep_their_case() {
        round_trip(
            &RemoteAccessProtocols::new(["ssh", "vnc"]).unwrap(),
            "150,ssh,vnc",
        );
        round_trip(
            &RemoteAccessProtocols::new(["SSH", "PASSTHROUGH"]).unwrap(),
            "150,SSH,PASSTHROUGH",
        );
        round_trip(&RemoteAccessProtocols::default(), "150");
    }
}
