//! Uploads: a file or bytes as an **event binary** (`POST /event/events/{id}/binaries`, the
//! attachment a log request's answer points to, docs/protocol.md §5.8) or as an **inventory
//! binary** (`POST /inventory/binaries`, a managed object of its own, as configuration dumps
//! use). Both return the URL the operation reports.
//!
//! Choices:
//! * Multipart bodies (`file` part; plus the `object` JSON part for inventory binaries), as
//!   Cumulocity's own clients send them. Files are streamed from disk with their length, never
//!   read into memory.
//! * The event an event binary hangs on is created over REST (`POST /event/events`, source =
//!   the device's managed object id from the identity API) because its id is needed for the
//!   upload; an event created over MQTT (`400`) would not tell the device its id.
//! * A retry (5xx, network, 401 with a token) re-opens the file and sends it again from the
//!   start: a binary upload is not resumable on the platform.

use std::path::PathBuf;

use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::error::shown;
use super::{HttpClient, HttpError, json_id, read_json};

/// What to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadSource {
    /// A file, streamed from disk.
    File(PathBuf),
    /// Bytes in memory.
    Bytes(Bytes),
}

/// An uploaded binary: its id and the URL to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryUpload {
    /// The binary's id (inventory binaries) or the event's id (event binaries).
    pub id: String,
    /// The URL to download it from.
    pub url: String,
}

impl UploadSource {
    /// The multipart `file` part, with its file name and content type.
    fn part(&self, name: &str, content_type: &str) -> Result<Part, HttpError> {
        let part = match self {
            Self::Bytes(bytes) => {
                Part::stream_with_length(reqwest::Body::from(bytes.clone()), bytes.len() as u64)
            }
            Self::File(path) => {
                let file = std::fs::File::open(path).map_err(|e| HttpError::io(path, e))?;
                let length = file.metadata().map_err(|e| HttpError::io(path, e))?.len();
                Part::stream_with_length(reqwest::Body::from(tokio::fs::File::from_std(file)), length)
            }
        };
        part.file_name(name.to_owned())
            .mime_str(content_type)
            .map_err(|e| HttpError::Answer {
                url: String::new(),
                reason: format!("content type {content_type:?}: {e}"),
            })
    }
}

impl HttpClient {
    /// Creates an event for the device with this external id over REST and returns its id
    /// (`POST /event/events` with `source.id` from the identity API, `time` now).
    pub async fn create_event(
        &self,
        external_id: &str,
        event_type: &str,
        text: &str,
    ) -> Result<String, HttpError> {
        let source = self.managed_object_id(external_id).await?;
        let url = self.url("/event/events")?;
        let body = json!({
            "source": {"id": source},
            "type": event_type,
            "text": text,
            "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        let answer = self.post_json(&url, &body).await?;
        answer
            .get("id")
            .and_then(json_id)
            .ok_or_else(|| HttpError::Answer {
                url: shown(&url),
                reason: "no event id".to_owned(),
            })
    }

    /// Attaches `source` to the event `event_id` (`POST /event/events/{id}/binaries`, multipart
    /// `file`) and returns the binary's URL, `<base>/event/events/{id}/binaries`.
    pub async fn upload_event_binary(
        &self,
        event_id: &str,
        source: &UploadSource,
        file_name: &str,
        content_type: &str,
    ) -> Result<BinaryUpload, HttpError> {
        let url = self.path_url(&["event", "events", event_id, "binaries"])?;
        let response = self
            .send(&url, |http| {
                let form = Form::new().part("file", source.part(file_name, content_type)?);
                Ok(http
                    .post(url.clone())
                    .header("Accept", "application/json")
                    .multipart(form))
            })
            .await?;
        read_json(&url, response).await?;
        Ok(BinaryUpload {
            id: event_id.to_owned(),
            url: url.to_string(),
        })
    }

    /// Creates an event of `event_type` for the device `external_id` and attaches `source`
    /// to it: the two steps of a log upload. Returns the binary's URL.
    pub async fn upload_as_event(
        &self,
        external_id: &str,
        event_type: &str,
        text: &str,
        source: &UploadSource,
        file_name: &str,
        content_type: &str,
    ) -> Result<BinaryUpload, HttpError> {
        let event = self.create_event(external_id, event_type, text).await?;
        self.upload_event_binary(&event, source, file_name, content_type)
            .await
    }

    /// Uploads `source` as an inventory binary (`POST /inventory/binaries`, multipart `object`
    /// = `{"name","type"}` plus `extra` members, and `file`) and returns its id and URL (the
    /// answer's `self`).
    pub async fn upload_inventory_binary(
        &self,
        source: &UploadSource,
        file_name: &str,
        content_type: &str,
        extra: &serde_json::Map<String, Value>,
    ) -> Result<BinaryUpload, HttpError> {
        let url = self.url("/inventory/binaries")?;
        let mut object = extra.clone();
        object.insert("name".to_owned(), Value::String(file_name.to_owned()));
        object.insert("type".to_owned(), Value::String(content_type.to_owned()));
        let object = Value::Object(object).to_string();
        let response = self
            .send(&url, |http| {
                let object = Part::text(object.clone())
                    .mime_str("application/json")
                    .map_err(|e| HttpError::Answer {
                        url: String::new(),
                        reason: e.to_string(),
                    })?;
                let form = Form::new()
                    .part("object", object)
                    .part("file", source.part(file_name, content_type)?);
                Ok(http
                    .post(url.clone())
                    .header("Accept", "application/json")
                    .multipart(form))
            })
            .await?;
        let answer = read_json(&url, response).await?;
        let id = answer
            .get("id")
            .and_then(json_id)
            .ok_or_else(|| HttpError::Answer {
                url: shown(&url),
                reason: "no binary id".to_owned(),
            })?;
        let link = answer
            .get("self")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                format!(
                    "{}/inventory/binaries/{id}",
                    self.base_url().as_str().trim_end_matches('/')
                )
            });
        Ok(BinaryUpload { id, url: link })
    }
}
