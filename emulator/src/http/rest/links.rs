//! Absolute `self` links: every `self` in a document the model returns is re-based on the URL the
//! client used (`http://<Host>`), and objects without one get it from their id.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Characters kept as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `value` encoded as one URL path segment.
pub(crate) fn segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// Re-bases every `self` link in `value` on `base`, and gives the top-level object and its
/// `source` a `self` built from their id when they lack one. `collection_path` is the object's
/// collection, e.g. `/event/events`.
pub(crate) fn absolutize(value: &mut Value, base: &str, collection_path: &str) {
    rebase_all(value, base);
    if let Value::Object(object) = value {
        if !object.contains_key("self")
            && let Some(id) = id_of(object.get("id"))
        {
            object.insert(
                "self".into(),
                Value::String(format!("{base}{collection_path}/{}", segment(&id))),
            );
        }
        if let Some(Value::Object(source)) = object.get_mut("source")
            && !source.contains_key("self")
            && let Some(id) = id_of(source.get("id"))
        {
            source.insert(
                "self".into(),
                Value::String(format!("{base}/inventory/managedObjects/{}", segment(&id))),
            );
        }
    }
}

/// An id value as text.
pub(crate) fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

fn rebase_all(value: &mut Value, base: &str) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "self" {
                    if let Value::String(link) = child
                        && let Some(rebased) = rebase(link, base)
                    {
                        *link = rebased;
                    }
                } else {
                    rebase_all(child, base);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rebase_all(item, base)),
        _ => {}
    }
}

/// `link` (absolute, absolute-path or relative) with its scheme and authority replaced by `base`.
fn rebase(link: &str, base: &str) -> Option<String> {
    if link.is_empty() {
        return None;
    }
    let path = match link.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map_or("/", |start| rest.get(start..).unwrap_or("/")),
        None => link,
    };
    if path.starts_with('/') {
        Some(format!("{base}{path}"))
    } else {
        Some(format!("{base}/{path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rebases_absolute_relative_and_nested_links() {
        let mut doc = json!({
            "id": "7",
            "self": "https://example.cumulocity.com/event/events/7",
            "source": {"id": "3"},
            "childDevices": {"self": "inventory/managedObjects/7/childDevices", "references": [
                {"managedObject": {"id": "9", "self": "/inventory/managedObjects/9"}}
            ]}
        });
        absolutize(&mut doc, "http://127.0.0.1:9", "/event/events");
        assert_eq!(
            doc,
            json!({
                "id": "7",
                "self": "http://127.0.0.1:9/event/events/7",
                "source": {"id": "3", "self": "http://127.0.0.1:9/inventory/managedObjects/3"},
                "childDevices": {"self": "http://127.0.0.1:9/inventory/managedObjects/7/childDevices", "references": [
                    {"managedObject": {"id": "9", "self": "http://127.0.0.1:9/inventory/managedObjects/9"}}
                ]}
            })
        );
    }

    #[test]
    fn adds_missing_self_from_id_and_encodes_segments() {
        let mut doc = json!({"id": "a b/c"});
        absolutize(&mut doc, "http://h", "/alarm/alarms");
        assert_eq!(
            doc,
            json!({"id": "a b/c", "self": "http://h/alarm/alarms/a%20b%2Fc"})
        );
        assert_eq!(rebase("http://x", "http://h"), Some("http://h/".into()));
    }
}
