//! File transfer and tokens for Python: the bodies of `Client.download`,
//! `Client.upload_event_binary`, `Client.upload_inventory_binary` and `Client.access_token`.
//! They convert arguments, run the core's platform HTTP client (`c8y_mqtt::http`) on the
//! client's runtime with the GIL released, and map `HttpError` to the Python exceptions; every
//! rule (credentials only for the platform, resume, checks, token renewal) lives in the core.

use std::path::PathBuf;
use std::sync::Arc;

use c8y_mqtt::client::BlockingClient;
use c8y_mqtt::http::{DownloadOptions, HttpClient, HttpError, UploadSource};
use pyo3::prelude::*;

use crate::errors;

fn http(client: &BlockingClient) -> PyResult<HttpClient> {
    client.as_async().http().map_err(errors::http_error)
}

/// Runs `future` on the client's runtime with the GIL released.
fn run<T: Send>(
    py: Python<'_>,
    client: &BlockingClient,
    future: impl Future<Output = Result<T, HttpError>> + Send,
) -> PyResult<T> {
    py.detach(|| client.run(future))
        .unwrap_or(Err(HttpError::Closed))
        .map_err(errors::http_error)
}

/// `Client.download`: returns the number of bytes written.
pub(crate) fn download(
    py: Python<'_>,
    client: &BlockingClient,
    url: &str,
    path: PathBuf,
    size: Option<u64>,
    sha256: Option<String>,
    progress: Option<Py<PyAny>>,
) -> PyResult<u64> {
    let http = http(client)?;
    let progress = progress.map(|callback| {
        let callback = Arc::new(callback);
        Arc::new(move |bytes: u64, total: Option<u64>| {
            Python::attach(|py| {
                if let Err(error) = callback.call1(py, (bytes, total)) {
                    error.write_unraisable(py, Some(callback.bind(py)));
                }
            });
        }) as c8y_mqtt::http::Progress
    });
    let options = DownloadOptions {
        size,
        sha256,
        progress,
    };
    let done = run(py, client, async move {
        http.download_to_file(url, &path, &options).await
    })?;
    Ok(done.bytes)
}

/// `Client.upload_event_binary`: returns the binary's URL.
#[allow(clippy::too_many_arguments)]
pub(crate) fn upload_event_binary(
    py: Python<'_>,
    client: &BlockingClient,
    path: PathBuf,
    event_type: &str,
    text: &str,
    file_name: Option<String>,
    content_type: &str,
    device: Option<String>,
) -> PyResult<String> {
    let http = http(client)?;
    let device = device.unwrap_or_else(|| http.device_id().to_owned());
    let name = file_name.unwrap_or_else(|| file_name_of(&path));
    let source = UploadSource::File(path);
    let upload = run(py, client, async move {
        http.upload_as_event(&device, event_type, text, &source, &name, content_type)
            .await
    })?;
    Ok(upload.url)
}

/// `Client.upload_inventory_binary`: returns the binary's URL.
pub(crate) fn upload_inventory_binary(
    py: Python<'_>,
    client: &BlockingClient,
    path: PathBuf,
    file_name: Option<String>,
    content_type: &str,
) -> PyResult<String> {
    let http = http(client)?;
    let name = file_name.unwrap_or_else(|| file_name_of(&path));
    let source = UploadSource::File(path);
    let upload = run(py, client, async move {
        http.upload_inventory_binary(&source, &name, content_type, &serde_json::Map::new())
            .await
    })?;
    Ok(upload.url)
}

/// `Client.access_token`: the current token of a certificate device, `None` for a password
/// device.
pub(crate) fn access_token(py: Python<'_>, client: &BlockingClient) -> PyResult<Option<String>> {
    let http = http(client)?;
    let token = run(py, client, async move { http.access_token().await })?;
    Ok(token.map(|t| t.expose().to_owned()))
}

fn file_name_of(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned())
}
