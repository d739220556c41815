//! Binaries over REST (docs/protocol.md §5.7, §5.8), shaped like Cumulocity's:
//!
//! * `POST /inventory/binaries`: multipart `object` (JSON: `name`, `type`, any fragments) and
//!   `file`; answers 201 with the binary's managed object, whose `self` is
//!   `<base>/inventory/binaries/{id}`. `GET` streams the bytes (with `Range`), `PUT` replaces them
//!   (raw body, its `Content-Type`), `DELETE` removes the binary and its managed object.
//! * `POST /event/events/{id}/binaries`: multipart `file`, or the raw body with its
//!   `Content-Type`; 409 when the event has an attachment already (as on Cumulocity); `GET` and
//!   `DELETE` as above.
//!
//! Downloads honour `Range: bytes=<start>-[<end>]` with 206 and `Content-Range` (416 past the
//! end), stream 64 KiB slices of the stored `Bytes`, and obey the download faults
//! ([`HttpFaults`](super::faults::HttpFaults): a cut connection, a slow transfer). Uploads may
//! be up to [`MAX_UPLOAD`] bytes.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::AppState;
use super::error::RestError;
use super::media;
use super::request::{RequestInfo, RestPath};
use super::resource::{EVENTS, MANAGED_OBJECTS};
use crate::platform::binaries::{BinaryStore, StoredBinary};
use crate::platform::request::{ApiRequest, Document};

/// Largest accepted upload.
pub const MAX_UPLOAD: usize = 1 << 30;

/// Size of the slices a download is streamed in.
const CHUNK: usize = 64 * 1024;

const DOMAIN: &str = "inventory";

fn store(shared: &AppState) -> Result<&BinaryStore, RestError> {
    shared
        .state
        .binaries
        .as_deref()
        .ok_or_else(|| RestError::not_supported(DOMAIN, "Binaries are not supported"))
}

/// A multipart body's `object` JSON and `file`.
struct Upload {
    object: Document,
    file: Option<StoredBinary>,
}

async fn read_multipart(request: Request, shared: &AppState) -> Result<Upload, RestError> {
    let mut multipart = Multipart::from_request(request, shared)
        .await
        .map_err(|e| RestError::bad_request(e.body_text()))?;
    let mut upload = Upload {
        object: Document::new(),
        file: None,
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| RestError::bad_request(e.body_text()))?
    {
        match field.name() {
            Some("object") => {
                let text = field
                    .bytes()
                    .await
                    .map_err(|e| RestError::bad_request(e.body_text()))?;
                upload.object = super::request::json_object(&text)?;
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("file").to_owned();
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| RestError::bad_request(e.body_text()))?;
                upload.file = Some(StoredBinary {
                    name,
                    content_type,
                    data,
                });
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// A raw body with its content type.
async fn read_raw(request: Request, name: String) -> Result<StoredBinary, RestError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let data = axum::body::to_bytes(request.into_body(), MAX_UPLOAD)
        .await
        .map_err(|e| RestError::bad_request(e.to_string()))?;
    Ok(StoredBinary {
        name,
        content_type,
        data,
    })
}

/// The managed object of an inventory binary as the API shows it.
fn binary_document(info: &RequestInfo, mut object: Value, id: &str) -> Value {
    object = MANAGED_OBJECTS.present(info, object);
    object["self"] = Value::String(info.url(&format!("/inventory/binaries/{}", super::links::segment(id))));
    object
}

/// `POST /inventory/binaries`.
pub(crate) async fn create_inventory(
    State(shared): State<AppState>,
    info: RequestInfo,
    request: Request,
) -> Result<Response, RestError> {
    store(&shared)?;
    let Upload { mut object, file } = read_multipart(request, &shared).await?;
    let file = file.ok_or_else(|| RestError::invalid(DOMAIN, "Missing the file part"))?;
    object
        .entry("name")
        .or_insert_with(|| Value::String(file.name.clone()));
    object
        .entry("type")
        .or_insert_with(|| Value::String(file.content_type.clone()));
    object.insert("length".into(), json!(file.data.len()));
    object.insert("contentType".into(), Value::String(file.content_type.clone()));
    object.insert("c8y_IsBinary".into(), json!({}));
    object.insert(
        "lastUpdated".into(),
        Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    let created = MANAGED_OBJECTS.execute(
        &shared,
        ApiRequest::Create {
            resource: crate::platform::request::Resource::ManagedObject,
            body: object,
            external_id: None,
        },
    )?;
    let id = super::links::id_of(created.get("id")).unwrap_or_default();
    store(&shared)?.put_inventory(&id, file);
    Ok(media::json(
        StatusCode::CREATED,
        media::MANAGED_OBJECT,
        &binary_document(&info, created, &id),
    ))
}

/// `GET /inventory/binaries/{id}`.
pub(crate) async fn get_inventory(
    State(shared): State<AppState>,
    RestPath(id): RestPath<String>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let binary = store(&shared)?
        .inventory(&id)
        .ok_or_else(|| RestError::not_found(DOMAIN, format!("Binary {id} not found")))?;
    download(&shared, &binary, &headers)
}

/// `PUT /inventory/binaries/{id}`: replaces the bytes (raw body).
pub(crate) async fn replace_inventory(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    request: Request,
) -> Result<Response, RestError> {
    let old = store(&shared)?
        .inventory(&id)
        .ok_or_else(|| RestError::not_found(DOMAIN, format!("Binary {id} not found")))?;
    let binary = read_raw(request, old.name).await?;
    let mut changes = Document::new();
    changes.insert("length".into(), json!(binary.data.len()));
    changes.insert("contentType".into(), Value::String(binary.content_type.clone()));
    let updated = MANAGED_OBJECTS.execute(
        &shared,
        ApiRequest::Update {
            resource: crate::platform::request::Resource::ManagedObject,
            target: crate::platform::request::ObjectRef::Id(id.clone()),
            body: changes,
        },
    )?;
    store(&shared)?.put_inventory(&id, binary);
    Ok(media::ok(
        media::MANAGED_OBJECT,
        &binary_document(&info, updated, &id),
    ))
}

/// `DELETE /inventory/binaries/{id}`.
pub(crate) async fn delete_inventory(
    State(shared): State<AppState>,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    if !store(&shared)?.remove_inventory(&id) {
        return Err(RestError::not_found(DOMAIN, format!("Binary {id} not found")));
    }
    let _ = MANAGED_OBJECTS.delete(&shared, id);
    Ok(media::no_content())
}

/// `POST /event/events/{id}/binaries`: multipart `file` or a raw body.
pub(crate) async fn attach_event(
    State(shared): State<AppState>,
    info: RequestInfo,
    RestPath(id): RestPath<String>,
    request: Request,
) -> Result<Response, RestError> {
    store(&shared)?;
    EVENTS.fetch(&shared, id.clone())?;
    let binary = if is_multipart(request.headers()) {
        read_multipart(request, &shared)
            .await?
            .file
            .ok_or_else(|| RestError::invalid("event", "Missing the file part"))?
    } else {
        read_raw(request, "file".to_owned()).await?
    };
    let answer = json!({
        "self": info.url(&format!("/event/events/{}/binaries", super::links::segment(&id))),
        "source": {"id": id},
        "name": binary.name,
        "type": binary.content_type,
        "length": binary.data.len(),
    });
    if !store(&shared)?.attach_event(&id, binary) {
        return Err(RestError::conflict(
            "event",
            format!("Event {id} has a binary already"),
        ));
    }
    Ok(media::json(StatusCode::CREATED, "eventbinary", &answer))
}

/// `GET /event/events/{id}/binaries`.
pub(crate) async fn get_event(
    State(shared): State<AppState>,
    RestPath(id): RestPath<String>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let binary = store(&shared)?
        .event(&id)
        .ok_or_else(|| RestError::not_found("event", format!("Binary of event {id} not found")))?;
    download(&shared, &binary, &headers)
}

/// `DELETE /event/events/{id}/binaries`.
pub(crate) async fn delete_event(
    State(shared): State<AppState>,
    RestPath(id): RestPath<String>,
) -> Result<Response, RestError> {
    if !store(&shared)?.remove_event(&id) {
        return Err(RestError::not_found(
            "event",
            format!("Binary of event {id} not found"),
        ));
    }
    Ok(media::no_content())
}

/// `bytes=<start>-[<end>]` as an inclusive range within `len`; `Err(())` when unsatisfiable.
fn range(headers: &HeaderMap, len: u64) -> Option<Result<(u64, u64), ()>> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    let spec = value.trim().strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end = match end.trim() {
        "" => len.saturating_sub(1),
        end => end.parse::<u64>().ok()?.min(len.saturating_sub(1)),
    };
    Some(if start >= len || end < start {
        Err(())
    } else {
        Ok((start, end))
    })
}

/// The bytes of `binary`, whole or the requested range, with the armed download faults.
fn download(shared: &AppState, binary: &StoredBinary, headers: &HeaderMap) -> Result<Response, RestError> {
    let len = binary.data.len() as u64;
    let (status, start, end) = match range(headers, len) {
        None => (StatusCode::OK, 0, len),
        Some(Ok((start, end))) => (StatusCode::PARTIAL_CONTENT, start, end + 1),
        Some(Err(())) => {
            return Ok(Response::builder()
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .body(Body::empty())
                .unwrap_or_default());
        }
    };
    let body = binary.data.slice(start as usize..end as usize);
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, binary.content_type.as_str())
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", binary.name.replace('"', "")),
        );
    if status == StatusCode::PARTIAL_CONTENT {
        response = response.header(header::CONTENT_RANGE, format!("bytes {start}-{}/{len}", end - 1));
    }
    let faults = &shared.state.faults;
    let cut = faults.take_cut();
    Ok(response
        .body(stream(body, cut, faults.pause()))
        .unwrap_or_default())
}

/// The body in 64 KiB slices, cut after `cut` bytes (the stream then ends short of the
/// announced length, so the server closes the connection), pausing between slices.
fn stream(body: Bytes, cut: Option<u64>, pause: Option<Duration>) -> Body {
    let limit = cut.map_or(body.len(), |c| (c as usize).min(body.len()));
    let slices: Vec<Bytes> = (0..limit)
        .step_by(CHUNK)
        .map(|at| body.slice(at..(at + CHUNK).min(limit)))
        .collect();
    let chunks = futures_util::stream::iter(slices).then(move |slice| async move {
        if let Some(pause) = pause {
            tokio::time::sleep(pause).await;
        }
        Ok::<_, std::io::Error>(slice)
    });
    // After the last slice the stream is pending once, so hyper flushes what it holds before
    // it notices a cut body and closes the connection.
    let flush = futures_util::stream::once(tokio::task::yield_now())
        .filter_map(|()| async { None::<Result<Bytes, std::io::Error>> });
    Body::from_stream(chunks.chain(flush))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_range(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, value.parse().unwrap());
        headers
    }

    #[test]
    fn ranges() {
        assert_eq!(range(&HeaderMap::new(), 10), None);
        assert_eq!(range(&with_range("bytes=4-"), 10), Some(Ok((4, 9))));
        assert_eq!(range(&with_range("bytes=2-5"), 10), Some(Ok((2, 5))));
        assert_eq!(range(&with_range("bytes=2-50"), 10), Some(Ok((2, 9))));
        assert_eq!(range(&with_range("bytes=10-"), 10), Some(Err(())));
        assert_eq!(range(&with_range("items=1-"), 10), None);
    }
}
