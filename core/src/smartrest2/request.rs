//! Request templates: the `10` rows of a SmartREST 2.0 collection (docs/protocol.md §7.5).
//!
//! ```text
//! 10,<msgId>,<method>,<api>,<response>,<selector columns…>,<path>,<type>,<value>,…
//! ```
//!
//! Method comes before API (every documented example; the SmartREST quick-reference page's comment that says
//! otherwise is wrong). [`Request`] has one variant per supported API/method combination (§7.3)
//! holding exactly that combination's selector columns, so an unsupported one (GET EVENT, PUT
//! MEASUREMENT, …) cannot be built and reading one is [`DefinitionError::UnsupportedCombination`].
//! A column is either fixed in the template or left empty to be supplied in each use line:
//! [`Slot`] says which.
//!
//! Rendering writes every positional column, empty or not, so a template built in code gives the
//! documentation's bytes (`10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,`).
//! A template read from a row also remembers how many fields that row had, and writes back the
//! same number of trailing empty fields: rows that differ only there (the docs' EVENT example
//! has one more empty field than EVENT POST has columns; a PERF script leaves out the last empty
//! value) re-render byte for byte, while comparing equal to the canonical template.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::smartrest::{FieldReader, Record, RowBuilder};
use crate::value::{AlarmStatus, Severity, Timestamp};

use super::error::{DefinitionError, check_msg_id};
use super::value_type::ValueType;

/// The row id of a request template definition.
pub const REQUEST_ROW_ID: &str = "10";

crate::value::word_enum!(
    /// The platform API a request template talks to.
    Api, DefinitionError, DefinitionError::UnknownApi; {
        /// Managed objects (devices).
        Inventory = "INVENTORY",
        /// Measurements.
        Measurement = "MEASUREMENT",
        /// Alarms.
        Alarm = "ALARM",
        /// Events.
        Event = "EVENT",
        /// Operations.
        Operation = "OPERATION",
    }
);

crate::value::word_enum!(
    /// The HTTP-like method of a request template.
    Method, DefinitionError, DefinitionError::UnknownMethod; {
        /// Read.
        Get = "GET",
        /// Create.
        Post = "POST",
        /// Update.
        Put = "PUT",
    }
);

/// A template column: fixed in the template, or left empty to be supplied in each use line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Slot<T = String> {
    /// The template fixes the value.
    Fixed(T),
    /// The column is empty in the template; use lines supply the value.
    #[default]
    AtUse,
}

impl<T> Slot<T> {
    /// The fixed value, if any.
    pub fn fixed(&self) -> Option<&T> {
        match self {
            Self::Fixed(v) => Some(v),
            Self::AtUse => None,
        }
    }

    /// True when use lines supply the value.
    pub fn is_at_use(&self) -> bool {
        matches!(self, Self::AtUse)
    }
}

impl<T: fmt::Display> Slot<T> {
    /// The column's text in the template (`""` when supplied at use time).
    fn template_text(&self) -> String {
        self.fixed().map(ToString::to_string).unwrap_or_default()
    }
}

impl Slot<String> {
    /// A text column: fixed to `text`, or supplied at use time when `text` is empty (the
    /// protocol's own rule: an empty column is filled in by use lines).
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.is_empty() {
            Self::AtUse
        } else {
            Self::Fixed(text)
        }
    }

    /// `Fixed("")` means the same as `AtUse` on the wire; make it so.
    fn normalized(self) -> Self {
        match self {
            Self::Fixed(t) => Self::text(t),
            Self::AtUse => Self::AtUse,
        }
    }
}

/// How INVENTORY GET and PUT find the managed object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InventoryLookup {
    /// `byId=true`: use lines give the managed object id.
    ById,
    /// `byId=false`: use lines give an external id, of a type fixed in the template or given
    /// in the use line before the external id.
    ByExternalId {
        /// The external id type (e.g. `c8y_Serial`).
        id_type: Slot,
    },
}

impl InventoryLookup {
    fn normalized(self) -> Self {
        match self {
            Self::ByExternalId { id_type } => Self::ByExternalId {
                id_type: id_type.normalized(),
            },
            Self::ById => Self::ById,
        }
    }

    fn by_id_text(&self) -> &'static str {
        match self {
            Self::ById => "true",
            Self::ByExternalId { .. } => "false",
        }
    }

    fn id_type_text(&self) -> &str {
        match self {
            Self::ByExternalId {
                id_type: Slot::Fixed(t),
            } => t,
            _ => "",
        }
    }
}

/// What a request template does: one variant per supported API/method combination (docs/protocol.md
/// §7.3), each with that combination's selector columns in template order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// POST MEASUREMENT: `type, time`.
    MeasurementPost {
        /// Measurement type.
        measurement_type: Slot,
        /// Measurement time (empty at use time → server time).
        time: Slot<Timestamp>,
    },
    /// POST EVENT: `type, text, time`.
    EventPost {
        /// Event type.
        event_type: Slot,
        /// Event text.
        text: Slot,
        /// Event time (empty at use time → server time).
        time: Slot<Timestamp>,
    },
    /// POST ALARM: `type, text, status, severity, time`.
    AlarmPost {
        /// Alarm type.
        alarm_type: Slot,
        /// Alarm text.
        text: Slot,
        /// Alarm status.
        status: Slot<AlarmStatus>,
        /// Alarm severity.
        severity: Slot<Severity>,
        /// Alarm time (empty at use time → server time).
        time: Slot<Timestamp>,
    },
    /// POST INVENTORY: `externalIdType`. Use lines give the external id first, then the type
    /// when it is not fixed.
    InventoryPost {
        /// Type of the external id created with the object.
        external_id_type: Slot,
    },
    /// GET INVENTORY: `byId[, externalIdType]`. Takes no custom values.
    InventoryGet {
        /// How the object is found.
        lookup: InventoryLookup,
    },
    /// PUT INVENTORY: `byId, externalIdType`, then custom values.
    InventoryPut {
        /// How the object is found.
        lookup: InventoryLookup,
    },
    /// PUT ALARM: `type`, then custom values. Updates the alarm of that type, ACTIVE first,
    /// else ACKNOWLEDGED.
    AlarmPut {
        /// Type of the alarm to update.
        alarm_type: Slot,
    },
    /// PUT OPERATION: `fragment`, then custom values. Updates the operation with that fragment,
    /// EXECUTING first, else PENDING.
    OperationPut {
        /// Fragment of the operation to update.
        fragment: Slot,
    },
}

impl Request {
    /// The API.
    pub fn api(&self) -> Api {
        match self {
            Self::MeasurementPost { .. } => Api::Measurement,
            Self::EventPost { .. } => Api::Event,
            Self::AlarmPost { .. } | Self::AlarmPut { .. } => Api::Alarm,
            Self::InventoryPost { .. } | Self::InventoryGet { .. } | Self::InventoryPut { .. } => {
                Api::Inventory
            }
            Self::OperationPut { .. } => Api::Operation,
        }
    }

    /// The method.
    pub fn method(&self) -> Method {
        match self {
            Self::InventoryGet { .. } => Method::Get,
            Self::InventoryPut { .. } | Self::AlarmPut { .. } | Self::OperationPut { .. } => Method::Put,
            _ => Method::Post,
        }
    }

    /// True when templates of this kind may carry custom values (all but INVENTORY GET).
    pub fn takes_custom_values(&self) -> bool {
        !matches!(self, Self::InventoryGet { .. })
    }

    /// True when the platform supports `method` on `api` (docs/protocol.md §7.3).
    pub fn is_supported(method: Method, api: Api) -> bool {
        matches!(
            (method, api),
            (_, Api::Inventory)
                | (Method::Post, Api::Measurement | Api::Event | Api::Alarm)
                | (Method::Put, Api::Alarm | Api::Operation)
        )
    }

    fn normalized(self) -> Self {
        match self {
            Self::MeasurementPost {
                measurement_type,
                time,
            } => Self::MeasurementPost {
                measurement_type: measurement_type.normalized(),
                time,
            },
            Self::EventPost {
                event_type,
                text,
                time,
            } => Self::EventPost {
                event_type: event_type.normalized(),
                text: text.normalized(),
                time,
            },
            Self::AlarmPost {
                alarm_type,
                text,
                status,
                severity,
                time,
            } => Self::AlarmPost {
                alarm_type: alarm_type.normalized(),
                text: text.normalized(),
                status,
                severity,
                time,
            },
            Self::InventoryPost { external_id_type } => Self::InventoryPost {
                external_id_type: external_id_type.normalized(),
            },
            Self::InventoryGet { lookup } => Self::InventoryGet {
                lookup: lookup.normalized(),
            },
            Self::InventoryPut { lookup } => Self::InventoryPut {
                lookup: lookup.normalized(),
            },
            Self::AlarmPut { alarm_type } => Self::AlarmPut {
                alarm_type: alarm_type.normalized(),
            },
            Self::OperationPut { fragment } => Self::OperationPut {
                fragment: fragment.normalized(),
            },
        }
    }

    /// Appends the selector columns' template texts.
    fn write_columns(&self, out: &mut Vec<String>) {
        match self {
            Self::MeasurementPost {
                measurement_type,
                time,
            } => out.extend([measurement_type.template_text(), time.template_text()]),
            Self::EventPost {
                event_type,
                text,
                time,
            } => out.extend([
                event_type.template_text(),
                text.template_text(),
                time.template_text(),
            ]),
            Self::AlarmPost {
                alarm_type,
                text,
                status,
                severity,
                time,
            } => out.extend([
                alarm_type.template_text(),
                text.template_text(),
                status.template_text(),
                severity.template_text(),
                time.template_text(),
            ]),
            Self::InventoryPost { external_id_type } => out.push(external_id_type.template_text()),
            Self::InventoryGet { lookup } => {
                out.push(lookup.by_id_text().to_owned());
                // The type is the last column of a GET: written only when fixed.
                if let Some(t) = Some(lookup.id_type_text()).filter(|t| !t.is_empty()) {
                    out.push(t.to_owned());
                }
            }
            Self::InventoryPut { lookup } => {
                out.extend([lookup.by_id_text().to_owned(), lookup.id_type_text().to_owned()]);
            }
            Self::AlarmPut { alarm_type } => out.push(alarm_type.template_text()),
            Self::OperationPut { fragment } => out.push(fragment.template_text()),
        }
    }

    /// Reads the selector columns of `method` on `api`.
    fn read(method: Method, api: Api, r: &mut FieldReader<'_>) -> Result<Self, DefinitionError> {
        Ok(match (method, api) {
            (Method::Post, Api::Measurement) => Self::MeasurementPost {
                measurement_type: Slot::text(r.raw()),
                time: typed_slot(r.raw(), "time", ValueType::Date)?,
            },
            (Method::Post, Api::Event) => Self::EventPost {
                event_type: Slot::text(r.raw()),
                text: Slot::text(r.raw()),
                time: typed_slot(r.raw(), "time", ValueType::Date)?,
            },
            (Method::Post, Api::Alarm) => Self::AlarmPost {
                alarm_type: Slot::text(r.raw()),
                text: Slot::text(r.raw()),
                status: typed_slot(r.raw(), "status", ValueType::AlarmStatus)?,
                severity: typed_slot(r.raw(), "severity", ValueType::Severity)?,
                time: typed_slot(r.raw(), "time", ValueType::Date)?,
            },
            (Method::Post, Api::Inventory) => Self::InventoryPost {
                external_id_type: Slot::text(r.raw()),
            },
            (Method::Get, Api::Inventory) => Self::InventoryGet {
                lookup: read_lookup(r)?,
            },
            (Method::Put, Api::Inventory) => Self::InventoryPut {
                lookup: read_lookup(r)?,
            },
            (Method::Put, Api::Alarm) => Self::AlarmPut {
                alarm_type: Slot::text(r.raw()),
            },
            (Method::Put, Api::Operation) => Self::OperationPut {
                fragment: Slot::text(r.raw()),
            },
            (method, api) => return Err(DefinitionError::UnsupportedCombination { method, api }),
        })
    }
}

/// A typed selector column: empty → at use; otherwise the text must parse as `T`.
fn typed_slot<T: FromStr>(
    text: &str,
    column: &'static str,
    value_type: ValueType,
) -> Result<Slot<T>, DefinitionError> {
    if text.is_empty() {
        return Ok(Slot::AtUse);
    }
    text.parse()
        .map(Slot::Fixed)
        .map_err(|_| DefinitionError::InvalidFixedValue {
            column: column.to_owned(),
            value_type,
            value: text.to_owned(),
        })
}

/// `true`/`false` in any letter case, or empty.
fn read_bool(text: &str, column: &'static str) -> Result<Option<bool>, DefinitionError> {
    if text.is_empty() {
        Ok(None)
    } else if text.eq_ignore_ascii_case("true") {
        Ok(Some(true))
    } else if text.eq_ignore_ascii_case("false") {
        Ok(Some(false))
    } else {
        Err(DefinitionError::InvalidBoolean {
            column,
            value: text.to_owned(),
        })
    }
}

/// Reads `byId, externalIdType`.
fn read_lookup(r: &mut FieldReader<'_>) -> Result<InventoryLookup, DefinitionError> {
    let by_id = read_bool(r.raw(), "byId")?.ok_or(DefinitionError::MissingById)?;
    let id_type = r.raw();
    match (by_id, id_type.is_empty()) {
        (true, true) => Ok(InventoryLookup::ById),
        (true, false) => Err(DefinitionError::ExternalIdTypeWithById {
            id_type: id_type.to_owned(),
        }),
        (false, _) => Ok(InventoryLookup::ByExternalId {
            id_type: Slot::text(id_type),
        }),
    }
}

/// A custom value of a request template: the JSON path it sets, its type, and its value (fixed,
/// or supplied at use time). A `FLAG` sets an empty object and never takes a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomValue {
    /// JSON path of the value, e.g. `c8y_MyMeasurement.M.value`.
    pub path: String,
    /// Its type.
    pub value_type: ValueType,
    /// Fixed in the template, or supplied at use time.
    pub value: Slot,
}

impl CustomValue {
    /// A value supplied in each use line.
    pub fn at_use(path: impl Into<String>, value_type: ValueType) -> Self {
        Self {
            path: path.into(),
            value_type,
            value: Slot::AtUse,
        }
    }

    /// A value fixed in the template (checked against `value_type` when added to a template).
    pub fn fixed(path: impl Into<String>, value_type: ValueType, value: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            value_type,
            value: Slot::text(value),
        }
    }

    /// A `FLAG`: the template sets an empty object at `path`.
    pub fn flag(path: impl Into<String>) -> Self {
        Self::at_use(path, ValueType::Flag)
    }

    /// True when use lines give a value for it (left empty and not a `FLAG`).
    pub fn is_at_use(&self) -> bool {
        self.value.is_at_use() && self.value_type.takes_value()
    }

    /// Checks the value against the type; `index` is the value's place in its template.
    fn checked(self, index: usize) -> Result<Self, DefinitionError> {
        let value = self.value.normalized();
        if self.path.is_empty() {
            return Err(DefinitionError::MissingPath { index });
        }
        if let Slot::Fixed(text) = &value {
            if !self.value_type.takes_value() {
                return Err(DefinitionError::FlagWithValue {
                    path: self.path,
                    value: text.clone(),
                });
            }
            if self.value_type.parse_value(text).is_none() {
                return Err(DefinitionError::InvalidFixedValue {
                    column: self.path,
                    value_type: self.value_type,
                    value: text.clone(),
                });
            }
        }
        Ok(Self { value, ..self })
    }
}

/// A request template (`10` row): what a use line with this message id does on the platform.
///
/// ```
/// use c8y_mqtt::smartrest2::{CustomValue, Request, RequestTemplate, Slot, ValueType};
/// let t = RequestTemplate::new(
///     "999",
///     Request::MeasurementPost { measurement_type: Slot::text("c8y_MyMeasurement"), time: Slot::AtUse },
/// )
/// .unwrap()
/// .with_custom_value(CustomValue::at_use("c8y_MyMeasurement.M.value", ValueType::Number))
/// .unwrap();
/// assert_eq!(t.to_row(), "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,");
/// assert_eq!(t.use_line(["", "25"]).unwrap().to_row(), "999,,25");
/// ```
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    msg_id: String,
    response: Option<bool>,
    request: Request,
    custom_values: Vec<CustomValue>,
    /// Number of fields after `10` in the row this template was read from; only shapes the
    /// trailing empty fields when rendering (see the module documentation).
    source_len: Option<usize>,
}

impl PartialEq for RequestTemplate {
    fn eq(&self, other: &Self) -> bool {
        self.msg_id == other.msg_id
            && self.response == other.response
            && self.request == other.request
            && self.custom_values == other.custom_values
    }
}

impl Eq for RequestTemplate {}

impl Hash for RequestTemplate {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.msg_id.hash(state);
        self.response.hash(state);
        self.request.hash(state);
        self.custom_values.hash(state);
    }
}

impl RequestTemplate {
    /// A template with message id `msg_id` doing `request`, with the default `response` column
    /// (empty) and no custom values. Text slots fixed to `""` become [`Slot::AtUse`].
    pub fn new(msg_id: impl Into<String>, request: Request) -> Result<Self, DefinitionError> {
        let msg_id = msg_id.into();
        check_msg_id(&msg_id)?;
        Ok(Self {
            msg_id,
            response: None,
            request: request.normalized(),
            custom_values: Vec::new(),
            source_len: None,
        })
    }

    /// Sets the `response` column: whether response templates are evaluated on the result.
    pub fn with_response(mut self, response: bool) -> Self {
        self.response = Some(response);
        self.source_len = None;
        self
    }

    /// Adds a custom value, checked: a path, a fixed value of the right type, no value on a
    /// `FLAG`, and a method/API that takes custom values.
    pub fn with_custom_value(mut self, value: CustomValue) -> Result<Self, DefinitionError> {
        if !self.request.takes_custom_values() {
            return Err(DefinitionError::CustomValuesNotSupported {
                method: self.method(),
                api: self.api(),
            });
        }
        let value = value.checked(self.custom_values.len())?;
        self.custom_values.push(value);
        self.source_len = None;
        Ok(self)
    }

    /// Adds several custom values, in order.
    pub fn with_custom_values(
        self,
        values: impl IntoIterator<Item = CustomValue>,
    ) -> Result<Self, DefinitionError> {
        values.into_iter().try_fold(self, Self::with_custom_value)
    }

    /// The message id.
    pub fn msg_id(&self) -> &str {
        &self.msg_id
    }

    /// The `response` column as written (`None` when empty).
    pub fn response(&self) -> Option<bool> {
        self.response
    }

    /// Whether response templates are evaluated on the result: the `response` column, or its
    /// default (true for GET, false otherwise).
    pub fn effective_response(&self) -> bool {
        self.response.unwrap_or(self.method() == Method::Get)
    }

    /// What the template does, with its selector columns.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The API.
    pub fn api(&self) -> Api {
        self.request.api()
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.request.method()
    }

    /// The custom values, in template order.
    pub fn custom_values(&self) -> &[CustomValue] {
        &self.custom_values
    }

    /// Every field after `10`, canonical: positional columns always written.
    fn columns(&self) -> Vec<String> {
        let mut out = vec![
            self.msg_id.clone(),
            self.method().as_str().to_owned(),
            self.api().as_str().to_owned(),
            self.response.map(|r| r.to_string()).unwrap_or_default(),
        ];
        self.request.write_columns(&mut out);
        for cv in &self.custom_values {
            out.extend([
                cv.path.clone(),
                cv.value_type.as_str().to_owned(),
                cv.value.template_text(),
            ]);
        }
        out
    }

    fn render(columns: &[String]) -> String {
        let mut row = RowBuilder::new(REQUEST_ROW_ID);
        row.fields(columns);
        row.finish()
    }

    /// The `10` row. A template read with [`from_record`](Self::from_record) keeps the number of
    /// trailing empty fields of its source row; otherwise this is
    /// [`to_canonical_row`](Self::to_canonical_row).
    pub fn to_row(&self) -> String {
        let mut columns = self.columns();
        if let Some(len) = self.source_len {
            while columns.len() > len && columns.last().is_some_and(String::is_empty) {
                columns.pop();
            }
            columns.resize(columns.len().max(len), String::new());
        }
        Self::render(&columns)
    }

    /// The `10` row with every positional column written, empty ones included, and nothing more.
    pub fn to_canonical_row(&self) -> String {
        Self::render(&self.columns())
    }

    /// Reads a `10` row, strictly: every fault is a specific [`DefinitionError`].
    pub fn from_record(record: &Record) -> Result<Self, DefinitionError> {
        if record.id() != REQUEST_ROW_ID {
            return Err(DefinitionError::WrongRow {
                expected: REQUEST_ROW_ID,
                found: record.id().to_owned(),
            });
        }
        let mut r = FieldReader::new(record);
        let msg_id = r.raw();
        check_msg_id(msg_id)?;
        let method: Method = non_empty(r.raw(), DefinitionError::MissingMethod)?.parse()?;
        let api: Api = non_empty(r.raw(), DefinitionError::MissingApi)?.parse()?;
        if !Request::is_supported(method, api) {
            return Err(DefinitionError::UnsupportedCombination { method, api });
        }
        let response = read_bool(r.raw(), "response")?;
        let request = Request::read(method, api, &mut r)?;
        let mut template = Self {
            msg_id: msg_id.to_owned(),
            response,
            request,
            custom_values: Vec::new(),
            source_len: None,
        };
        let mut rest = r.rest();
        while let [head @ .., last] = rest {
            if !last.is_empty() {
                break;
            }
            rest = head;
        }
        if !rest.is_empty() && !template.request.takes_custom_values() {
            return Err(DefinitionError::CustomValuesNotSupported { method, api });
        }
        for (index, triplet) in rest.chunks(3).enumerate() {
            let field = |i: usize| triplet.get(i).map_or("", String::as_str);
            let path = field(0);
            if path.is_empty() {
                return Err(DefinitionError::MissingPath { index });
            }
            // An empty type column means STRING, the documented default type.
            let value_type = match field(1) {
                "" => ValueType::String,
                text => text.parse().map_err(|error| DefinitionError::InvalidValueType {
                    path: path.to_owned(),
                    error,
                })?,
            };
            template = template.with_custom_value(CustomValue {
                path: path.to_owned(),
                value_type,
                value: Slot::text(field(2)),
            })?;
        }
        template.source_len = Some(record.values().len());
        Ok(template)
    }
}

fn non_empty(text: &str, missing: DefinitionError) -> Result<&str, DefinitionError> {
    if text.is_empty() { Err(missing) } else { Ok(text) }
}
