//! Device, child-device and service lifecycle templates: creation (100, 101, 102), service
//! status (104), the requests for children and for the own managed-object id (105, 123), fragment
//! removal (107) and the heartbeat (125). docs/protocol.md §5.1, §5.2.

use super::split::ListRows;
use super::{
    at_least_one, mandatory, name_list, no_field_template, optional_text, read_external_id, read_optional,
    read_required, read_required_names, valid_external_id,
};
use crate::smartrest::{FieldError, FieldReader, QoS, RowBuilder};
use crate::templates::{TemplateError, UpstreamTemplate};

/// Template 100: creates the connection's device if it does not exist yet, with the
/// ClientId's device id as `c8y_Serial` external id.
///
/// Without a name the platform uses `MQTT Device <serialNumber>`, without a type
/// `c8y_MQTTDevice`. An existing device is not changed (the platform answers
/// `41,100,Device already existing` on `s/e`), so it is safe on every boot; it must be the first
/// message for a custom name or type to apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DeviceCreation {
    name: Option<String>,
    device_type: Option<String>,
}

impl DeviceCreation {
    /// A creation with the platform's default name and type.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the device name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = optional_text(name);
        self
    }

    /// Sets the device type.
    pub fn with_device_type(mut self, device_type: impl Into<String>) -> Self {
        self.device_type = optional_text(device_type);
        self
    }

    /// The device name, if set.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The device type, if set.
    pub fn device_type(&self) -> Option<&str> {
        self.device_type.as_deref()
    }
}

impl UpstreamTemplate for DeviceCreation {
    const ID: u16 = 100;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional(self.name.as_deref())
            .optional(self.device_type.as_deref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: read_optional(fields),
            device_type: read_optional(fields),
        })
    }
}

/// Template 101: creates a child device under the topic's device if it does not exist yet and
/// links it as a child.
///
/// Defaults: name `MQTT Device <serialNumber>`, type `c8y_MQTTChildDevice`. The device marker
/// (4th field, newest docs) says whether the child gets `c8y_IsDevice`: the platform adds it for
/// `true`, for an absent field and for any value other than `false`, so parsing reads the text
/// `false` as `Some(false)` and any other non-empty text as `Some(true)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildDeviceCreation {
    child_id: String,
    name: Option<String>,
    device_type: Option<String>,
    is_device: Option<bool>,
}

impl ChildDeviceCreation {
    /// A creation of the child with this unique id (its external id); fails when it is empty.
    pub fn new(child_id: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            child_id: valid_external_id(Self::ID, "child id", child_id)?,
            name: None,
            device_type: None,
            is_device: None,
        })
    }

    /// Sets the child's name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = optional_text(name);
        self
    }

    /// Sets the child's type.
    pub fn with_device_type(mut self, device_type: impl Into<String>) -> Self {
        self.device_type = optional_text(device_type);
        self
    }

    /// Sets the device marker: `false` creates the child without `c8y_IsDevice`.
    pub fn with_is_device(mut self, is_device: bool) -> Self {
        self.is_device = Some(is_device);
        self
    }

    /// The child's unique id.
    pub fn child_id(&self) -> &str {
        &self.child_id
    }

    /// The child's name, if set.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The child's type, if set.
    pub fn device_type(&self) -> Option<&str> {
        self.device_type.as_deref()
    }

    /// The device marker, if set (absent means the platform adds `c8y_IsDevice`).
    pub fn is_device(&self) -> Option<bool> {
        self.is_device
    }
}

impl UpstreamTemplate for ChildDeviceCreation {
    const ID: u16 = 101;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.child_id)
            .optional(self.name.as_deref())
            .optional(self.device_type.as_deref())
            .optional_display(self.is_device);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            child_id: read_external_id(fields, "child id")?,
            name: read_optional(fields),
            device_type: read_optional(fields),
            is_device: fields.optional().map(|marker| marker != "false"),
        })
    }
}

/// Template 102: creates a service (a child addition of type `c8y_Service`) under the topic's
/// device, for example `102,myDatabaseDevice,systemd,DatabaseService,up`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceCreation {
    external_id: String,
    service_type: String,
    name: String,
    status: String,
}

impl ServiceCreation {
    /// A service with its unique external id, type (`systemd`, …), name and status (`up`,
    /// `down`, `unknown` or a custom word); fails when any of them is empty.
    pub fn new(
        external_id: impl Into<String>,
        service_type: impl Into<String>,
        name: impl Into<String>,
        status: impl Into<String>,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            external_id: valid_external_id(Self::ID, "external id", external_id)?,
            service_type: mandatory(Self::ID, "service type", service_type)?,
            name: mandatory(Self::ID, "name", name)?,
            status: mandatory(Self::ID, "status", status)?,
        })
    }

    /// The service's unique external id.
    pub fn external_id(&self) -> &str {
        &self.external_id
    }

    /// The service type.
    pub fn service_type(&self) -> &str {
        &self.service_type
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The service status.
    pub fn status(&self) -> &str {
        &self.status
    }
}

impl UpstreamTemplate for ServiceCreation {
    const ID: u16 = 102;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.external_id)
            .field(&self.service_type)
            .field(&self.name)
            .field(&self.status);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            external_id: read_external_id(fields, "external id")?,
            service_type: read_required(fields, "service type")?,
            name: read_required(fields, "name")?,
            status: read_required(fields, "status")?,
        })
    }
}

/// Template 104: updates the status of a service; published on the service's own topic
/// `s/us/<serviceExternalId>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceStatusUpdate {
    status: String,
}

impl ServiceStatusUpdate {
    /// The new status (`up`, `down`, `unknown` or a custom word); fails when it is empty.
    pub fn new(status: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            status: mandatory(Self::ID, "status", status)?,
        })
    }

    /// The new status.
    pub fn status(&self) -> &str {
        &self.status
    }
}

impl UpstreamTemplate for ServiceStatusUpdate {
    const ID: u16 = 104;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.field(&self.status);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            status: read_required(fields, "status")?,
        })
    }
}

no_field_template! {
    /// Template 105: asks for the device's children; the platform answers `106,<child ids…>` on
    /// `s/ds`.
    GetChildDevices = 105
}

/// Template 107: removes fragments from the device.
///
/// A list longer than one packet is sent as several 107 rows (removing is per fragment, so the
/// parts do the same as the whole).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClearDeviceFragments {
    fragments: Vec<String>,
}

impl ClearDeviceFragments {
    /// Removes these fragments; fails when the list is empty or a name is empty.
    pub fn new<S: Into<String>>(fragments: impl IntoIterator<Item = S>) -> Result<Self, TemplateError> {
        Ok(Self {
            fragments: at_least_one(Self::ID, "fragment", name_list(Self::ID, "fragment", fragments)?)?,
        })
    }

    /// The fragments to remove, in order.
    pub fn fragments(&self) -> &[String] {
        &self.fragments
    }
}

impl UpstreamTemplate for ClearDeviceFragments {
    const ID: u16 = 107;
    const SPLITS: bool = true;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.fields(&self.fragments);
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            fragments: read_required_names(fields, "fragment")?,
        })
    }

    fn to_payloads(&self, topic: &str, qos: QoS) -> Result<Vec<String>, TemplateError> {
        ListRows {
            first_id: Self::ID,
            next_id: Self::ID,
            head: &|_| {},
            items: &self.fragments,
            item: &|row, fragment| {
                row.field(fragment);
            },
        }
        .payloads(topic, qos)
    }
}

no_field_template! {
    /// Template 123: asks for the device's own managed-object id; the platform answers
    /// `124,<id>` on `s/ds`.
    GetManagedObjectId = 123
}

no_field_template! {
    /// Template 125: a heartbeat; counts as device traffic for availability monitoring.
    Heartbeat = 125
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::FieldErrorKind;
    use crate::templates::upstream::test_support::record;

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
    fn device_creation_renders_exactly() {
        assert_eq!(DeviceCreation::new().to_row(), "100");
        assert_eq!(
            DeviceCreation::new()
                .with_name("My device")
                .with_device_type("c8y_MQTTDevice")
                .to_row(),
            "100,My device,c8y_MQTTDevice"
        );
        assert_eq!(
            DeviceCreation::new().with_device_type("c8y_Linux").to_row(),
            "100,,c8y_Linux"
        );
        assert_eq!(DeviceCreation::new().with_name("").to_row(), "100");
    }

    #[test]
    fn device_creation_quotes_the_reference_example() {
        let line = "100,\"This value, needs escaping\",This value does not need escaping";
        let parsed = DeviceCreation::from_record(&record(line)).unwrap();
        assert_eq!(parsed.name(), Some("This value, needs escaping"));
        assert_eq!(parsed.device_type(), Some("This value does not need escaping"));
        assert_eq!(parsed.to_row(), line);
        assert_eq!(
            DeviceCreation::from_record(&record("100,,")).unwrap(),
            DeviceCreation::new()
        );
    }

    #[test]
    fn child_device_creation_renders_exactly() {
        let child = ChildDeviceCreation::new("child1").unwrap();
        assert_eq!(child.to_row(), "101,child1");
        assert_eq!(
            child
                .clone()
                .with_name("Child 1")
                .with_device_type("c8y_MQTTChildDevice")
                .with_is_device(false)
                .to_row(),
            "101,child1,Child 1,c8y_MQTTChildDevice,false"
        );
        assert_eq!(child.with_is_device(true).to_row(), "101,child1,,,true");
        assert_eq!(
            ChildDeviceCreation::new(""),
            Err(TemplateError::InvalidValue {
                template: 101,
                reason: "child id must not be empty".into()
            })
        );
    }

    #[test]
    fn child_device_marker_follows_the_platform() {
        let parse = |line| {
            ChildDeviceCreation::from_record(&record(line))
                .unwrap()
                .is_device()
        };
        assert_eq!(parse("101,c,n,t,false"), Some(false));
        assert_eq!(parse("101,c,n,t,true"), Some(true));
        assert_eq!(parse("101,c,n,t,yes"), Some(true));
        assert_eq!(parse("101,c,n,t"), None);
        assert_eq!(parse("101,c,,,"), None);
        assert_eq!(
            ChildDeviceCreation::from_record(&record("101,,name")),
            Err(field_error(101, 1, "child id", FieldErrorKind::Missing))
        );
    }

    #[test]
    fn service_templates_render_exactly() {
        let line = "102,myDatabaseDevice,systemd,DatabaseService,up";
        let service = ServiceCreation::new("myDatabaseDevice", "systemd", "DatabaseService", "up").unwrap();
        assert_eq!(service.to_row(), line);
        assert_eq!(ServiceCreation::from_record(&record(line)).unwrap(), service);
        assert_eq!(
            ServiceCreation::from_record(&record("102,id,systemd,name")),
            Err(field_error(102, 4, "status", FieldErrorKind::Missing))
        );
        assert!(matches!(
            ServiceCreation::new("id", "", "n", "up"),
            Err(TemplateError::InvalidValue { template: 102, .. })
        ));

        let status = ServiceStatusUpdate::new("down").unwrap();
        assert_eq!(status.to_row(), "104,down");
        assert_eq!(
            ServiceStatusUpdate::from_record(&record("104,down")).unwrap(),
            status
        );
        assert!(ServiceStatusUpdate::new("").is_err());
    }

    #[test]
    fn requests_without_fields_render_exactly() {
        assert_eq!(GetChildDevices.to_row(), "105");
        assert_eq!(GetManagedObjectId.to_row(), "123");
        assert_eq!(Heartbeat.to_row(), "125");
        assert_eq!(Heartbeat::from_record(&record("125,,")).unwrap(), Heartbeat);
        assert_eq!(
            Heartbeat::from_record(&record("125,x")),
            Err(field_error(125, 1, "", FieldErrorKind::Unexpected { count: 1 }))
        );
    }

    #[test]
    fn clear_device_fragments_renders_and_parses() {
        let clear = ClearDeviceFragments::new(["c8y_Position", "c8y_Mobile"]).unwrap();
        assert_eq!(clear.to_row(), "107,c8y_Position,c8y_Mobile");
        assert_eq!(
            ClearDeviceFragments::from_record(&record("107,c8y_Position,,c8y_Mobile,")).unwrap(),
            clear
        );
        assert_eq!(
            ClearDeviceFragments::from_record(&record("107,,")),
            Err(field_error(107, 1, "fragment", FieldErrorKind::Missing))
        );
        assert!(ClearDeviceFragments::new(Vec::<String>::new()).is_err());
        assert!(ClearDeviceFragments::new(["a", ""]).is_err());
    }
}

#[cfg(test)]
mod external_id_tests {
    use super::*;
    use crate::smartrest::decode;

    #[test]
    fn child_and_service_ids_must_be_valid_topic_levels() {
        assert!(ChildDeviceCreation::new("main:device:child01").is_ok());
        for bad in ["a/b", "a+b", "a#b", "a\0b", " padded"] {
            assert!(
                matches!(
                    ChildDeviceCreation::new(bad),
                    Err(TemplateError::InvalidValue { template: 101, .. })
                ),
                "{bad:?}"
            );
            assert!(matches!(
                ServiceCreation::new(bad, "systemd", "db", "up"),
                Err(TemplateError::InvalidValue { template: 102, .. })
            ));
        }
        let record = decode(b"101,a/b,name").unwrap().remove(0);
        let err = ChildDeviceCreation::from_record(&record).unwrap_err();
        let TemplateError::Field { template: 101, error } = err else {
            panic!("{err:?}")
        };
        assert_eq!((error.position, error.name), (1, "child id"));
        assert_eq!(
            error.kind,
            crate::smartrest::FieldErrorKind::Invalid {
                expected: "external id",
                value: "a/b".into()
            }
        );
    }
}
