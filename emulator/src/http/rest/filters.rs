//! Query filters and ordering on listings: equality filters (`source`, `type`, `status`, …),
//! `fragmentType`, the `dateFrom`/`dateTo` range on a time field, and time order with `revert`.
//!
//! Unknown parameters are ignored, as Cumulocity does. Ranges include `dateFrom` and exclude
//! `dateTo`; a date without a time means midnight UTC.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::error::RestError;
use super::links::id_of;
use super::request::RequestInfo;
use crate::platform::request::Document;

/// The value at `path` (`["source", "id"]`) of `document` as text.
pub(crate) fn value_at(document: &Document, path: &[&str]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    let mut value = document.get(*first)?;
    for key in rest {
        value = value.get(*key)?;
    }
    id_of(Some(value))
}

/// Keeps the documents whose `path` equals parameter `name`; with `multi`, the parameter may list
/// several accepted values separated by commas (`status=ACTIVE,ACKNOWLEDGED`).
pub(crate) fn equals(
    documents: &mut Vec<Document>,
    info: &RequestInfo,
    name: &str,
    path: &[&str],
    multi: bool,
) {
    let Some(wanted) = info.param(name) else { return };
    let accepted: Vec<&str> = if multi {
        wanted.split(',').map(str::trim).collect()
    } else {
        vec![wanted]
    };
    documents
        .retain(|document| value_at(document, path).is_some_and(|value| accepted.contains(&value.as_str())));
}

/// Keeps the documents that carry the fragment named by parameter `name` (`fragmentType`).
pub(crate) fn fragment(documents: &mut Vec<Document>, info: &RequestInfo, name: &str) {
    if let Some(fragment) = info.param(name) {
        documents.retain(|document| document.contains_key(fragment));
    }
}

/// Parses an ISO-8601 date-time or date (midnight UTC).
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let parse = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .map(|time| time.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()?
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc())
            })
    };
    // An unencoded `+01:00` offset arrives as ` 01:00` after form decoding.
    parse(text).or_else(|| parse(&text.replace(' ', "+")))
}

fn time_param(info: &RequestInfo, name: &str, domain: &str) -> Result<Option<DateTime<Utc>>, RestError> {
    match info.param(name) {
        None => Ok(None),
        Some(text) => parse_time(text)
            .map(Some)
            .ok_or_else(|| RestError::invalid(domain, format!("Invalid date format of {name}: {text}"))),
    }
}

/// The time at `field` of `document`, if it has a parseable one.
fn time_of(document: &Document, field: &str) -> Option<DateTime<Utc>> {
    document.get(field).and_then(Value::as_str).and_then(parse_time)
}

/// Keeps the documents whose `field` lies in `[dateFrom, dateTo)` (422 on an unparseable date).
pub(crate) fn time_range(
    documents: &mut Vec<Document>,
    info: &RequestInfo,
    field: &str,
    domain: &str,
) -> Result<(), RestError> {
    let from = time_param(info, "dateFrom", domain)?;
    let to = time_param(info, "dateTo", domain)?;
    if from.is_none() && to.is_none() {
        return Ok(());
    }
    documents.retain(|document| {
        time_of(document, field)
            .is_some_and(|time| from.is_none_or(|from| time >= from) && to.is_none_or(|to| time < to))
    });
    Ok(())
}

/// Orders by `field`, oldest first unless `newest_first`; `revert=true` flips the order. Objects
/// with equal (or no) times keep the model's order (creation order).
pub(crate) fn order_by_time(documents: &mut [Document], info: &RequestInfo, field: &str, newest_first: bool) {
    documents.sort_by_key(|document| time_of(document, field));
    if newest_first != info.flag("revert") {
        documents.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(query: &[(&str, &str)]) -> RequestInfo {
        RequestInfo {
            base: "http://h".into(),
            path: "/p".into(),
            params: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn doc(value: Value) -> Document {
        match value {
            Value::Object(map) => map,
            _ => Document::new(),
        }
    }

    #[test]
    fn parses_dates_offsets_and_unencoded_plus() {
        let expected = parse_time("2024-01-01T00:00:00Z");
        assert!(expected.is_some());
        assert_eq!(parse_time("2024-01-01"), expected);
        assert_eq!(parse_time("2024-01-01T01:00:00+01:00"), expected);
        assert_eq!(parse_time("2024-01-01T01:00:00 01:00"), expected);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn range_is_half_open_and_rejects_bad_dates() {
        let mut docs: Vec<Document> = [
            "2024-01-01T00:00:00Z",
            "2024-01-02T00:00:00Z",
            "2024-01-03T00:00:00Z",
        ]
        .iter()
        .map(|t| doc(json!({ "time": t })))
        .collect();
        let query = info(&[("dateFrom", "2024-01-02"), ("dateTo", "2024-01-03T00:00:00Z")]);
        assert_eq!(time_range(&mut docs, &query, "time", "event"), Ok(()));
        assert_eq!(docs, vec![doc(json!({"time": "2024-01-02T00:00:00Z"}))]);
        assert!(time_range(&mut docs, &info(&[("dateTo", "soon")]), "time", "event").is_err());
    }

    #[test]
    fn multi_value_equality_on_nested_ids() {
        let mut docs = vec![
            doc(json!({"source": {"id": 1}, "status": "ACTIVE"})),
            doc(json!({"source": {"id": "2"}, "status": "CLEARED"})),
            doc(json!({"status": "ACKNOWLEDGED"})),
        ];
        equals(
            &mut docs,
            &info(&[("status", "ACTIVE, ACKNOWLEDGED")]),
            "status",
            &["status"],
            true,
        );
        assert_eq!(docs.len(), 2);
        equals(
            &mut docs,
            &info(&[("source", "1")]),
            "source",
            &["source", "id"],
            false,
        );
        assert_eq!(docs, vec![doc(json!({"source": {"id": 1}, "status": "ACTIVE"}))]);
    }
}
