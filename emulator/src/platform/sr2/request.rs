//! Turning one checked SmartREST 2.0 use line into the [`ApiRequest`] its request template
//! describes (reference §7.5).
//!
//! * Selector columns come from the template when fixed there, else from the use line.
//! * Custom values are written into the body at their dotted path (`c8y_MyMeasurement.M.value`
//!   → `{"c8y_MyMeasurement":{"M":{"value":25}}}`), typed: NUMBER, INTEGER and UNSIGNED as JSON
//!   numbers, FLAG as `{}`, every other type as a string.
//! * An empty `time` is left out of the body: the model stamps server time (the contract of
//!   [`ApiRequest::Create`]). An empty custom DATE value is the server time, stamped here. Any
//!   other empty custom value is left out of the body (the reference leaves this open; the most
//!   lenient reading).
//! * INVENTORY POST with an empty external id type uses `c8y_Serial`; with an empty external id it
//!   registers none.
//! * INVENTORY GET/PUT by external id with an empty type in both template and line cannot happen:
//!   the core requires the line's type column.

use c8y_mqtt::smartrest2::{
    BoundValue, Column, CustomValue, InventoryLookup, Request, RequestTemplate, Slot, UseValue, ValueType,
};
use c8y_mqtt::value::Timestamp;
use serde_json::Value;

use crate::platform::request::{ApiRequest, Document, ObjectRef, Resource};

/// The external id type used when an INVENTORY POST leaves it empty.
pub const DEFAULT_EXTERNAL_ID_TYPE: &str = "c8y_Serial";

/// The request a use line of `template` makes, given the values
/// [`RequestTemplate::read_use_line`] bound.
pub fn build_request(template: &RequestTemplate, bound: &[BoundValue]) -> ApiRequest {
    let values = Values(bound);
    let mut body = Document::new();
    for custom in template.custom_values() {
        if let Some(value) = custom_json(custom, &values) {
            set_path(&mut body, &custom.path, value);
        }
    }
    match template.request() {
        Request::MeasurementPost {
            measurement_type,
            time,
        } => {
            values.put(&mut body, "type", measurement_type, Column::Type);
            values.put(&mut body, "time", time, Column::Time);
            create(Resource::Measurement, body)
        }
        Request::EventPost {
            event_type,
            text,
            time,
        } => {
            values.put(&mut body, "type", event_type, Column::Type);
            values.put(&mut body, "text", text, Column::Text);
            values.put(&mut body, "time", time, Column::Time);
            create(Resource::Event, body)
        }
        Request::AlarmPost {
            alarm_type,
            text,
            status,
            severity,
            time,
        } => {
            values.put(&mut body, "type", alarm_type, Column::Type);
            values.put(&mut body, "text", text, Column::Text);
            values.put(&mut body, "status", status, Column::Status);
            values.put(&mut body, "severity", severity, Column::Severity);
            values.put(&mut body, "time", time, Column::Time);
            create(Resource::Alarm, body)
        }
        Request::InventoryPost { external_id_type } => {
            let external_id = values.text(&Column::ExternalId).map(|value| {
                let id_type = values
                    .slot(external_id_type, Column::ExternalIdType)
                    .unwrap_or_else(|| DEFAULT_EXTERNAL_ID_TYPE.to_owned());
                (id_type, value)
            });
            ApiRequest::Create {
                resource: Resource::ManagedObject,
                body,
                external_id,
            }
        }
        Request::InventoryGet { lookup } => ApiRequest::Get {
            resource: Resource::ManagedObject,
            target: values.lookup(lookup),
        },
        Request::InventoryPut { lookup } => ApiRequest::Update {
            resource: Resource::ManagedObject,
            target: values.lookup(lookup),
            body,
        },
        Request::AlarmPut { alarm_type } => ApiRequest::Update {
            resource: Resource::Alarm,
            target: ObjectRef::AlarmOfType(values.slot(alarm_type, Column::Type).unwrap_or_default()),
            body,
        },
        Request::OperationPut { fragment } => ApiRequest::Update {
            resource: Resource::Operation,
            target: ObjectRef::OperationWithFragment(
                values.slot(fragment, Column::Fragment).unwrap_or_default(),
            ),
            body,
        },
    }
}

fn create(resource: Resource, body: Document) -> ApiRequest {
    ApiRequest::Create {
        resource,
        body,
        external_id: None,
    }
}

/// The bound values of one use line.
struct Values<'a>(&'a [BoundValue]);

impl Values<'_> {
    fn get(&self, column: &Column) -> Option<&UseValue> {
        self.0
            .iter()
            .find(|b| &b.column.column == column)
            .and_then(|b| b.value.as_ref())
    }

    fn text(&self, column: &Column) -> Option<String> {
        self.get(column).map(ToString::to_string)
    }

    /// The template's fixed value, else the line's.
    fn slot<T: ToString>(&self, slot: &Slot<T>, column: Column) -> Option<String> {
        match slot.fixed() {
            Some(fixed) => Some(fixed.to_string()),
            None => self.text(&column),
        }
    }

    fn put<T: ToString>(&self, body: &mut Document, key: &str, slot: &Slot<T>, column: Column) {
        if let Some(value) = self.slot(slot, column) {
            body.insert(key.to_owned(), Value::String(value));
        }
    }

    fn lookup(&self, lookup: &InventoryLookup) -> ObjectRef {
        match lookup {
            InventoryLookup::ById => ObjectRef::Id(self.text(&Column::ManagedObjectId).unwrap_or_default()),
            InventoryLookup::ByExternalId { id_type } => ObjectRef::External {
                id_type: self.slot(id_type, Column::ExternalIdType).unwrap_or_default(),
                value: self.text(&Column::ExternalId).unwrap_or_default(),
            },
        }
    }
}

/// The JSON value of one custom value, or `None` when it is left out.
fn custom_json(custom: &CustomValue, values: &Values<'_>) -> Option<Value> {
    if custom.value_type == ValueType::Flag {
        return Some(Value::Object(Document::new()));
    }
    let typed = match custom.value.fixed() {
        Some(text) => custom.value_type.parse_value(text),
        None => values.get(&Column::Custom(custom.path.clone())).cloned(),
    };
    match typed {
        Some(value) => Some(use_value_json(&value)),
        None if custom.value_type == ValueType::Date => Some(Value::String(Timestamp::now().to_string())),
        None => None,
    }
}

/// A typed use-line value as JSON: numbers as numbers, everything else as its text.
pub fn use_value_json(value: &UseValue) -> Value {
    match value {
        UseValue::Number(n) => serde_json::from_str::<serde_json::Number>(n.as_str())
            .map_or_else(|_| Value::String(n.to_string()), Value::Number),
        UseValue::Integer(i) => Value::from(*i),
        UseValue::Unsigned(u) => Value::from(*u),
        other => Value::String(other.to_string()),
    }
}

/// Sets `value` at the dotted `path` (optional `$.` prefix) in `body`, creating objects on the
/// way and replacing non-objects that are in the way.
pub fn set_path(body: &mut Document, path: &str, value: Value) {
    let path = path.strip_prefix("$.").unwrap_or(path);
    let mut keys = path.split('.').filter(|k| !k.is_empty()).peekable();
    let mut node = body;
    while let Some(key) = keys.next() {
        if keys.peek().is_none() {
            node.insert(key.to_owned(), value);
            return;
        }
        let entry = node
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Document::new()));
        if !entry.is_object() {
            *entry = Value::Object(Document::new());
        }
        let Value::Object(next) = entry else { return };
        node = next;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn set_path_nests_and_replaces() {
        let mut body = Document::new();
        set_path(&mut body, "c8y_MyMeasurement.M.value", json!(25));
        set_path(&mut body, "c8y_MyMeasurement.M.unit", json!("C"));
        set_path(&mut body, "$.top", json!("x"));
        set_path(&mut body, "top.inner", json!(1));
        assert_eq!(
            Value::Object(body),
            json!({"c8y_MyMeasurement":{"M":{"value":25,"unit":"C"}},"top":{"inner":1}})
        );
    }

    #[test]
    fn use_values_keep_their_types() {
        let t = |vt: ValueType, s: &str| use_value_json(&vt.parse_value(s).unwrap());
        assert_eq!(t(ValueType::Number, "25"), json!(25));
        assert_eq!(t(ValueType::Number, "-2.50"), json!(-2.5));
        assert_eq!(t(ValueType::Integer, "-3"), json!(-3));
        assert_eq!(
            t(ValueType::Unsigned, "18446744073709551615"),
            json!(18446744073709551615u64)
        );
        assert_eq!(t(ValueType::String, "25"), json!("25"));
        assert_eq!(t(ValueType::AlarmStatus, "CLEARED"), json!("CLEARED"));
        assert_eq!(
            t(ValueType::Date, "2016-06-22T17:03:14.000+02:00"),
            json!("2016-06-22T17:03:14.000+02:00")
        );
    }
}
