//! Software templates: the legacy software list (116), Advanced Software Management's installed
//! list (140 set, 141 append, 142 remove) and the supported software types (143). docs/protocol.md §5.2,
//! §11.7 (long lists are sent as a 140 row followed by 141 rows).

use super::split::ListRows;
use super::{at_least_one, mandatory, name_list_template, optional_text, read_optional, read_required};
use crate::smartrest::{FieldError, FieldReader, QoS, RowBuilder};
use crate::templates::{TemplateError, UpstreamTemplate};

/// One entry of the legacy software list (116): a name, and optionally a version and a URL.
///
/// docs/protocol.md marks none of the three fields mandatory; an entry without a name means nothing,
/// so the name is required here and the other two may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SoftwareListItem {
    name: String,
    version: Option<String>,
    url: Option<String>,
}

impl SoftwareListItem {
    /// An entry for the software `name`; fails when it is empty.
    pub fn new(name: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            name: mandatory(SoftwareList::ID, "software name", name)?,
            version: None,
            url: None,
        })
    }

    /// Sets the version.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = optional_text(version);
        self
    }

    /// Sets the URL.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = optional_text(url);
        self
    }

    /// The software name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version, if set.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The URL, if set.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.name)
            .optional(self.version.as_deref())
            .optional(self.url.as_deref());
    }

    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: read_required(fields, "software name")?,
            version: read_optional(fields),
            url: read_optional(fields),
        })
    }
}

/// Template 116: sets the legacy `c8y_SoftwareList`, repeated triples name, version, URL. It
/// replaces the whole list, so it cannot be split over packets; an empty list clears it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SoftwareList {
    items: Vec<SoftwareListItem>,
}

impl SoftwareList {
    /// The installed software, in order (may be empty).
    pub fn new(items: impl IntoIterator<Item = SoftwareListItem>) -> Self {
        Self {
            items: items.into_iter().collect(),
        }
    }

    /// The installed software, in order.
    pub fn items(&self) -> &[SoftwareListItem] {
        &self.items
    }
}

impl UpstreamTemplate for SoftwareList {
    const ID: u16 = 116;

    fn write_fields(&self, row: &mut RowBuilder) {
        for item in &self.items {
            item.write(row);
        }
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        let mut items = Vec::new();
        while fields.has_more() {
            items.push(SoftwareListItem::read(fields)?);
        }
        Ok(Self { items })
    }
}

/// One installed software item of Advanced Software Management (140, 141): name and version
/// (mandatory), software type and URL (optional).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AdvancedSoftwareItem {
    name: String,
    version: String,
    software_type: Option<String>,
    url: Option<String>,
}

impl AdvancedSoftwareItem {
    /// The software `name` in `version`; fails when either is empty (the error names template
    /// 140, whichever list the item is meant for).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            name: mandatory(AdvancedSoftwareList::ID, "software name", name)?,
            version: mandatory(AdvancedSoftwareList::ID, "software version", version)?,
            software_type: None,
            url: None,
        })
    }

    /// Sets the software type (`apt`, `docker`, …).
    pub fn with_software_type(mut self, software_type: impl Into<String>) -> Self {
        self.software_type = optional_text(software_type);
        self
    }

    /// Sets the URL.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = optional_text(url);
        self
    }

    /// The software name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The software type, if set.
    pub fn software_type(&self) -> Option<&str> {
        self.software_type.as_deref()
    }

    /// The URL, if set.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

/// An item of the Advanced Software Management lists (140, 141, 142): how it is written into
/// and read from a row.
trait ListItem: Sized {
    fn write(&self, row: &mut RowBuilder);
    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError>;
}

impl ListItem for AdvancedSoftwareItem {
    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.name)
            .field(&self.version)
            .optional(self.software_type.as_deref())
            .optional(self.url.as_deref());
    }

    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: read_required(fields, "software name")?,
            version: read_required(fields, "software version")?,
            software_type: read_optional(fields),
            url: read_optional(fields),
        })
    }
}

/// Reads list items up to the end of the row; `at_least_one` makes the first one mandatory.
fn read_items<T: ListItem>(fields: &mut FieldReader<'_>, at_least_one: bool) -> Result<Vec<T>, FieldError> {
    let mut items = Vec::new();
    while (at_least_one && items.is_empty()) || fields.has_more() {
        items.push(T::read(fields)?);
    }
    Ok(items)
}

/// Defines an Advanced Software Management list template (140, 141, 142): a list of items
/// that may be empty (it replaces the stored list) or needs at least one (it changes it), and
/// is split over packets as a first row followed by `next` rows (docs/protocol.md §11.7).
macro_rules! software_list_template {
    (@template $name:ident = $id:literal, $item:ty, next $next:expr, $at_least_one:literal) => {
        impl UpstreamTemplate for $name {
            const ID: u16 = $id;
            const SPLITS: bool = true;

            fn write_fields(&self, row: &mut RowBuilder) {
                for item in &self.items {
                    ListItem::write(item, row);
                }
            }

            fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
                Ok(Self {
                    items: read_items(fields, $at_least_one)?,
                })
            }

            fn to_payloads(&self, topic: &str, qos: QoS) -> Result<Vec<String>, TemplateError> {
                ListRows {
                    first_id: Self::ID,
                    next_id: $next,
                    head: &|_| {},
                    items: &self.items,
                    item: &|row, item| ListItem::write(item, row),
                }
                .payloads(topic, qos)
            }
        }
    };
    ($(#[$doc:meta])* $name:ident = $id:literal, $item:ty, next $next:expr, may be empty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name {
            items: Vec<$item>,
        }

        impl $name {
            /// The items, in order (may be empty).
            pub fn new(items: impl IntoIterator<Item = $item>) -> Self {
                Self {
                    items: items.into_iter().collect(),
                }
            }

            /// The items, in order.
            pub fn items(&self) -> &[$item] {
                &self.items
            }
        }

        software_list_template!(@template $name = $id, $item, next $next, false);
    };
    ($(#[$doc:meta])* $name:ident = $id:literal, $item:ty, next $next:expr, at least one) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            items: Vec<$item>,
        }

        impl $name {
            /// The items, in order; fails when there is none.
            pub fn new(items: impl IntoIterator<Item = $item>) -> Result<Self, TemplateError> {
                Ok(Self {
                    items: at_least_one(Self::ID, "software item", items.into_iter().collect())?,
                })
            }

            /// The items, in order.
            pub fn items(&self) -> &[$item] {
                &self.items
            }
        }

        software_list_template!(@template $name = $id, $item, next $next, true);
    };
}

software_list_template! {
    /// Template 140: sets the installed software of Advanced Software Management, replacing the
    /// stored list (an empty list clears it).
    ///
    /// A list longer than one packet is sent as a 140 row with the first items followed by 141
    /// (append) rows with the rest, as thin-edge does.
    AdvancedSoftwareList = 140, AdvancedSoftwareItem, next AppendAdvancedSoftware::ID, may be empty
}

software_list_template! {
    /// Template 141: appends items to the installed software of Advanced Software Management. A
    /// list longer than one packet is sent as several 141 rows.
    AppendAdvancedSoftware = 141, AdvancedSoftwareItem, next Self::ID, at least one
}

/// One item to remove from the installed software (142): name and version, both mandatory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SoftwareRemovalItem {
    name: String,
    version: String,
}

impl SoftwareRemovalItem {
    /// The software `name` in `version`; fails when either is empty.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Result<Self, TemplateError> {
        Ok(Self {
            name: mandatory(RemoveAdvancedSoftware::ID, "software name", name)?,
            version: mandatory(RemoveAdvancedSoftware::ID, "software version", version)?,
        })
    }

    /// The software name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }
}

impl ListItem for SoftwareRemovalItem {
    fn write(&self, row: &mut RowBuilder) {
        row.field(&self.name).field(&self.version);
    }

    fn read(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: read_required(fields, "software name")?,
            version: read_required(fields, "software version")?,
        })
    }
}

software_list_template! {
    /// Template 142: removes items from the installed software of Advanced Software Management. A
    /// list longer than one packet is sent as several 142 rows.
    RemoveAdvancedSoftware = 142, SoftwareRemovalItem, next Self::ID, at least one
}

name_list_template! {
    /// Template 143: sets `c8y_SupportedSoftwareTypes`. The platform ignores empty elements and
    /// removes the fragment for an empty list. It replaces the whole list, so it cannot be split
    /// over packets.
    SupportedSoftwareTypes = 143, software_types, "software type"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::FieldErrorKind;
    use crate::templates::upstream::Upstream;
    use crate::templates::upstream::test_support::{record, round_trip};

    fn advanced(name: &str, version: &str) -> AdvancedSoftwareItem {
        AdvancedSoftwareItem::new(name, version).unwrap()
    }

    #[test]
    fn software_list_renders_exactly() {
        let list = SoftwareList::new([
            SoftwareListItem::new("nginx")
                .unwrap()
                .with_version("1.18.0")
                .with_url("https://example.com/nginx"),
            SoftwareListItem::new("curl").unwrap().with_version("7.74.0"),
            SoftwareListItem::new("jq").unwrap(),
        ]);
        round_trip(
            &list,
            "116,nginx,1.18.0,https://example.com/nginx,curl,7.74.0,,jq",
        );
        round_trip(&SoftwareList::default(), "116");
        assert_eq!(list.items()[1].version(), Some("7.74.0"));
        assert!(SoftwareListItem::new("").is_err());
    }

    #[test]
    fn advanced_software_list_renders_exactly() {
        let list = AdvancedSoftwareList::new([
            advanced("nginx", "1.18.0")
                .with_software_type("apt")
                .with_url("https://example.com/nginx"),
            advanced("collectd", "5.12").with_software_type("apt"),
            advanced("app", "2.0"),
        ]);
        round_trip(
            &list,
            "140,nginx,1.18.0,apt,https://example.com/nginx,collectd,5.12,apt,,app,2.0",
        );
        round_trip(&AdvancedSoftwareList::default(), "140");
        assert_eq!(
            AdvancedSoftwareList::from_record(&record("140,nginx,1.18.0,apt,,app")),
            Err(TemplateError::Field {
                template: 140,
                error: FieldError {
                    position: 6,
                    name: "software version",
                    kind: FieldErrorKind::Missing
                }
            })
        );
        assert!(AdvancedSoftwareItem::new("nginx", "").is_err());
    }

    #[test]
    fn append_and_remove_render_exactly() {
        round_trip(
            &AppendAdvancedSoftware::new([advanced("vim", "9.0").with_software_type("apt")]).unwrap(),
            "141,vim,9.0,apt",
        );
        round_trip(
            &RemoveAdvancedSoftware::new([
                SoftwareRemovalItem::new("vim", "9.0").unwrap(),
                SoftwareRemovalItem::new("nano", "7.2").unwrap(),
            ])
            .unwrap(),
            "142,vim,9.0,nano,7.2",
        );
        assert!(AppendAdvancedSoftware::new([]).is_err());
        assert!(RemoveAdvancedSoftware::new([]).is_err());
        for (line, template) in [("141", 141), ("142,,", 142)] {
            let err = Upstream::parse(&record(line)).unwrap_err();
            assert_eq!(
                err,
                TemplateError::Field {
                    template,
                    error: FieldError {
                        position: 1,
                        name: "software name",
                        kind: FieldErrorKind::Missing
                    }
                }
            );
        }
        assert!(matches!(
            RemoveAdvancedSoftware::from_record(&record("142,vim")),
            Err(TemplateError::Field {
                template: 142,
                error: FieldError { position: 2, .. }
            })
        ));
    }

    #[test]
    fn supported_software_types_render_exactly() {
        round_trip(
            &SupportedSoftwareTypes::new(["apt", "docker"]).unwrap(),
            "143,apt,docker",
        );
        assert_eq!(
            SupportedSoftwareTypes::from_record(&record("143,,apt,,docker"))
                .unwrap()
                .software_types(),
            ["apt", "docker"]
        );
        round_trip(&SupportedSoftwareTypes::default(), "143");
    }
}
