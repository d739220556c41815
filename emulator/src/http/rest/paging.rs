//! Collections paged as Cumulocity pages them: `pageSize` (default 5, at most 2000) and
//! `currentPage` (from 1), answered as
//! `{"<name>":[…],"self":…,"next":…,"prev":…,"statistics":{"pageSize":…,"currentPage":…}}`,
//! with `totalPages` / `totalElements` in `statistics` when `withTotalPages=true` /
//! `withTotalElements=true`.

use serde_json::{Map, Value};

use super::error::RestError;
use super::request::RequestInfo;

/// Page size when the request names none.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 5;
/// The largest page Cumulocity returns; larger requests get this many.
pub(crate) const MAX_PAGE_SIZE: usize = 2000;

/// The page a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageRequest {
    /// Objects per page.
    pub(crate) page_size: usize,
    /// 1-based page number.
    pub(crate) current_page: usize,
}

impl PageRequest {
    /// Reads `pageSize` and `currentPage` (422 when they are not positive integers).
    pub(crate) fn from_request(info: &RequestInfo) -> Result<Self, RestError> {
        let page_size = positive(info, "pageSize")?
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .min(MAX_PAGE_SIZE);
        let current_page = positive(info, "currentPage")?.unwrap_or(1);
        Ok(Self {
            page_size,
            current_page,
        })
    }
}

fn positive(info: &RequestInfo, name: &str) -> Result<Option<usize>, RestError> {
    match info.param(name) {
        None => Ok(None),
        Some(text) => match text.parse::<usize>() {
            Ok(value) if value > 0 => Ok(Some(value)),
            _ => Err(RestError::invalid(
                "general",
                format!("Invalid value of query parameter {name}: {text}"),
            )),
        },
    }
}

/// The collection document of page `request` of `items` (already filtered and ordered), named
/// `name` (`managedObjects`, `events`, …).
pub(crate) fn collection(info: &RequestInfo, name: &str, items: Vec<Value>) -> Result<Value, RestError> {
    let request = PageRequest::from_request(info)?;
    let total = items.len();
    let skip = request.page_size.saturating_mul(request.current_page - 1);
    let page: Vec<Value> = items.into_iter().skip(skip).take(request.page_size).collect();
    let mut document = Map::new();
    document.insert(name.to_owned(), Value::Array(page));
    document.insert(
        "self".into(),
        Value::String(page_url(info, request.page_size, request.current_page)),
    );
    if skip.saturating_add(request.page_size) < total {
        document.insert(
            "next".into(),
            Value::String(page_url(
                info,
                request.page_size,
                request.current_page.saturating_add(1),
            )),
        );
    }
    if request.current_page > 1 {
        document.insert(
            "prev".into(),
            Value::String(page_url(info, request.page_size, request.current_page - 1)),
        );
    }
    let mut statistics = Map::new();
    statistics.insert("pageSize".into(), request.page_size.into());
    statistics.insert("currentPage".into(), request.current_page.into());
    if info.flag("withTotalPages") {
        statistics.insert("totalPages".into(), total.div_ceil(request.page_size).into());
    }
    if info.flag("withTotalElements") {
        statistics.insert("totalElements".into(), total.into());
    }
    document.insert("statistics".into(), Value::Object(statistics));
    Ok(Value::Object(document))
}

/// The request's URL with its other parameters kept, pointing at page `current_page`.
fn page_url(info: &RequestInfo, page_size: usize, current_page: usize) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &info.params {
        if key != "pageSize" && key != "currentPage" {
            query.append_pair(key, value);
        }
    }
    query.append_pair("pageSize", &page_size.to_string());
    query.append_pair("currentPage", &current_page.to_string());
    format!("{}{}?{}", info.base, info.path, query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(query: &[(&str, &str)]) -> RequestInfo {
        RequestInfo {
            base: "http://h".into(),
            path: "/event/events".into(),
            params: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn items(n: usize) -> Vec<Value> {
        (1..=n).map(|i| json!({ "id": i.to_string() })).collect()
    }

    #[test]
    fn middle_page_has_next_and_prev_and_keeps_filters() {
        let info = info(&[
            ("type", "a b"),
            ("currentPage", "2"),
            ("pageSize", "2"),
            ("withTotalPages", "true"),
        ]);
        assert_eq!(
            collection(&info, "events", items(5)).ok(),
            Some(json!({
                "events": [{"id": "3"}, {"id": "4"}],
                "self": "http://h/event/events?type=a+b&withTotalPages=true&pageSize=2&currentPage=2",
                "next": "http://h/event/events?type=a+b&withTotalPages=true&pageSize=2&currentPage=3",
                "prev": "http://h/event/events?type=a+b&withTotalPages=true&pageSize=2&currentPage=1",
                "statistics": {"pageSize": 2, "currentPage": 2, "totalPages": 3}
            }))
        );
    }

    #[test]
    fn defaults_cap_and_invalid_values() {
        let doc = collection(&info(&[]), "events", items(5)).ok();
        assert_eq!(
            doc,
            Some(json!({
                "events": items(5),
                "self": "http://h/event/events?pageSize=5&currentPage=1",
                "statistics": {"pageSize": 5, "currentPage": 1}
            }))
        );
        assert_eq!(
            PageRequest::from_request(&info(&[("pageSize", "5000")])).map(|p| p.page_size),
            Ok(2000)
        );
        assert!(PageRequest::from_request(&info(&[("pageSize", "0")])).is_err());
        assert!(PageRequest::from_request(&info(&[("currentPage", "x")])).is_err());
    }
}
