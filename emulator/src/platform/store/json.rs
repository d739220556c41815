//! Small JSON helpers for the model: numbers from SmartREST decimal text, merging REST bodies,
//! reading ids out of documents.

use c8y_mqtt::value::Number;
use serde_json::Value;

use crate::platform::request::Document;

/// A SmartREST number as a JSON number (its exact decimal text when JSON can hold it).
pub(crate) fn number(value: &Number) -> Value {
    match serde_json::from_str::<Value>(value.as_str()) {
        Ok(parsed @ Value::Number(_)) => parsed,
        _ => serde_json::Number::from_f64(value.to_f64()).map_or(Value::Null, Value::Number),
    }
}

/// Merges `body` into `target` as a REST PUT does: every top-level key is replaced, a `null`
/// value removes the key.
pub(crate) fn merge(target: &mut Document, body: Document) {
    for (key, value) in body {
        if value.is_null() {
            target.remove(&key);
        } else {
            target.insert(key, value);
        }
    }
}

/// A document's `id` as text.
pub(crate) fn id_of(document: &Document) -> Option<&str> {
    document.get("id").and_then(Value::as_str)
}

/// The `source.id` of a measurement, event or alarm.
pub(crate) fn source_of(document: &Document) -> Option<&str> {
    document
        .get("source")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
}

/// A string field of a document.
pub(crate) fn text<'a>(document: &'a Document, key: &str) -> Option<&'a str> {
    document.get(key).and_then(Value::as_str)
}

/// An object built from `(key, value)` pairs, skipping `None` values.
pub(crate) fn object<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<Value>)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect(),
    )
}

/// An optional text as a JSON string.
pub(crate) fn opt_str(value: Option<&str>) -> Option<Value> {
    value.map(|v| Value::String(v.to_owned()))
}
