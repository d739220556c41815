//! The operation workflows for Python: `DeviceManagement(client, log=..., firmware=..., ...)`
//! wraps the core's `c8y_mqtt::workflows::DeviceManagement`. Each Python handler becomes a core
//! handler that runs the callable on a blocking thread with the GIL (the workflow awaits it);
//! the request is passed as a dict and an exception becomes the failure reason. Every rule
//! (EXECUTING, downloads, uploads, what is reported, `502` on failure) lives in the core.

use std::path::PathBuf;
use std::sync::Arc;

use c8y_mqtt::client::BlockingClient;
use c8y_mqtt::http::UploadSource;
use c8y_mqtt::workflows::{
    DeviceManagement as CoreManagement, DeviceManagementBuilder, InstalledSoftware, SoftwareChangeAction,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::client::Client;
use crate::errors;
use crate::events::Operation;

/// Calls `callback(request)` on a blocking thread with the GIL; an exception is the failure
/// reason.
async fn call<T: Send + 'static>(
    callback: Arc<Py<PyAny>>,
    request: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyDict>> + Send + 'static,
    convert: impl for<'py> FnOnce(&Bound<'py, PyAny>) -> PyResult<T> + Send + 'static,
) -> Result<T, String> {
    let joined = tokio::task::spawn_blocking(move || {
        Python::attach(|py| {
            let request = request(py).map_err(|e| e.to_string())?;
            let answer = callback
                .call1(py, (request,))
                .map_err(|e| e.value(py).to_string())?;
            convert(answer.bind(py)).map_err(|e| e.value(py).to_string())
        })
    })
    .await;
    joined.map_err(|e| format!("handler panicked: {e}"))?
}

/// A handler's answer as the file to upload: `bytes`, `str` (text) or a path (`os.PathLike`).
fn upload_source(answer: &Bound<'_, PyAny>) -> PyResult<UploadSource> {
    if let Ok(bytes) = answer.cast::<PyBytes>() {
        return Ok(UploadSource::Bytes(bytes.as_bytes().to_vec().into()));
    }
    if answer.cast::<PyString>().is_ok() {
        let text: String = answer.extract()?;
        return Ok(UploadSource::Bytes(text.into_bytes().into()));
    }
    answer
        .extract::<PathBuf>()
        .map(UploadSource::File)
        .map_err(|_| PyTypeError::new_err("expected bytes, str or a path"))
}

fn path_text(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Runs device-management operations end to end with the application's handlers.
///
/// Handlers (each optional; an operation without its handler is left to the application):
/// ``log(request) -> bytes | str | path`` with ``log_types``; ``config_upload(request)`` and
/// ``config_apply(request)`` with ``config_types``; ``firmware(request)``;
/// ``software(request)`` with ``software_list(device) -> [(name, version, type, url), ...]``.
/// Requests are dicts; a handler raising an exception fails the operation with its message.
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct DeviceManagement {
    management: CoreManagement,
    client: Arc<BlockingClient>,
}

#[pymethods]
impl DeviceManagement {
    #[new]
    #[pyo3(signature = (client, *, log_types = None, log = None, config_types = None, config_upload = None, config_apply = None, firmware = None, software = None, software_list = None, download_dir = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        client: PyRef<'_, Client>,
        log_types: Option<Vec<String>>,
        log: Option<Py<PyAny>>,
        config_types: Option<Vec<String>>,
        config_upload: Option<Py<PyAny>>,
        config_apply: Option<Py<PyAny>>,
        firmware: Option<Py<PyAny>>,
        software: Option<Py<PyAny>>,
        software_list: Option<Py<PyAny>>,
        download_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let blocking = client.blocking()?;
        let mut builder: DeviceManagementBuilder =
            CoreManagement::builder(blocking.as_async()).map_err(errors::http_error)?;
        if let Some(dir) = download_dir {
            builder = builder.download_dir(dir);
        }
        if let Some(log) = log {
            let log = Arc::new(log);
            builder = builder.logs(log_types.unwrap_or_default(), move |r| {
                call(
                    Arc::clone(&log),
                    move |py| {
                        let d = PyDict::new(py);
                        d.set_item("device", r.device)?;
                        d.set_item("log_type", r.log_type)?;
                        d.set_item("date_from", r.date_from.to_string())?;
                        d.set_item("date_to", r.date_to.to_string())?;
                        d.set_item("search_text", r.search_text)?;
                        d.set_item("maximum_lines", r.maximum_lines)?;
                        Ok(d)
                    },
                    upload_source,
                )
            });
        }
        if let (Some(upload), Some(apply)) = (config_upload, config_apply) {
            let (upload, apply) = (Arc::new(upload), Arc::new(apply));
            builder = builder.configurations(
                config_types.unwrap_or_default(),
                move |r| {
                    call(
                        Arc::clone(&upload),
                        move |py| {
                            let d = PyDict::new(py);
                            d.set_item("device", r.device)?;
                            d.set_item("config_type", r.config_type)?;
                            Ok(d)
                        },
                        upload_source,
                    )
                },
                move |r| {
                    call(
                        Arc::clone(&apply),
                        move |py| {
                            let d = PyDict::new(py);
                            d.set_item("device", r.device)?;
                            d.set_item("config_type", r.config_type)?;
                            d.set_item("url", r.url)?;
                            d.set_item("path", path_text(&r.path))?;
                            Ok(d)
                        },
                        |_| Ok(()),
                    )
                },
            );
        }
        if let Some(firmware) = firmware {
            let firmware = Arc::new(firmware);
            builder = builder.firmware(move |r| {
                call(
                    Arc::clone(&firmware),
                    move |py| {
                        let d = PyDict::new(py);
                        d.set_item("device", r.device)?;
                        d.set_item("name", r.name)?;
                        d.set_item("version", r.version)?;
                        d.set_item("url", r.url.as_str())?;
                        d.set_item("dependency", r.dependency)?;
                        d.set_item("path", r.path.as_deref().map(path_text))?;
                        Ok(d)
                    },
                    |_| Ok(()),
                )
            });
        }
        if let Some(software) = software {
            let software = Arc::new(software);
            let list = software_list.map(Arc::new);
            builder = builder.software(
                move |r| {
                    call(
                        Arc::clone(&software),
                        move |py| {
                            let d = PyDict::new(py);
                            d.set_item("device", r.device)?;
                            d.set_item("name", r.name)?;
                            d.set_item("version", r.version)?;
                            d.set_item("software_type", r.software_type)?;
                            d.set_item("url", r.url)?;
                            let (action, path) = match r.action {
                                SoftwareChangeAction::Install { path } => ("install".to_owned(), path),
                                SoftwareChangeAction::Delete => ("delete".to_owned(), None),
                                SoftwareChangeAction::Other(word) => (word, None),
                            };
                            d.set_item("action", action)?;
                            d.set_item("path", path.as_deref().map(path_text))?;
                            Ok(d)
                        },
                        |_| Ok(()),
                    )
                },
                move |device| {
                    let list = list.clone();
                    async move {
                        let Some(list) = list else { return Ok(Vec::new()) };
                        call(
                            list,
                            move |py| {
                                let d = PyDict::new(py);
                                d.set_item("device", device)?;
                                Ok(d)
                            },
                            |answer| {
                                let items: Vec<(String, String, Option<String>, Option<String>)> =
                                    answer.extract()?;
                                Ok(items
                                    .into_iter()
                                    .map(|(name, version, software_type, url)| InstalledSoftware {
                                        software_type,
                                        url: url.unwrap_or_default(),
                                        ..InstalledSoftware::new(name, version)
                                    })
                                    .collect())
                            },
                        )
                        .await
                    }
                },
            );
        }
        Ok(Self {
            management: builder.build(),
            client: blocking,
        })
    }

    /// The operation fragments the registered handlers cover (for ``114``).
    fn supported_operations(&self) -> Vec<&'static str> {
        self.management.supported_operations()
    }

    /// Publishes the supported log (``118``) and configuration (``119``) types.
    fn declare(&self) -> PyResult<()> {
        self.management.declare().map(drop).map_err(errors::client_error)
    }

    /// Whether a workflow handles ``op``.
    fn supports(&self, op: PyRef<'_, Operation>) -> bool {
        self.management.supports(op.received())
    }

    /// Runs ``op`` to its end (GIL released): ``None`` when no workflow handles it (nothing is
    /// sent), else ``("SUCCESSFUL", None)`` or ``("FAILED", reason)``, as reported.
    fn handle(
        &self,
        py: Python<'_>,
        op: PyRef<'_, Operation>,
    ) -> PyResult<Option<(&'static str, Option<String>)>> {
        let op = op.received().clone();
        let management = self.management.clone();
        let outcome = py
            .detach(|| self.client.run(async move { management.handle(&op).await }))
            .ok_or_else(errors::closed)?;
        Ok(outcome.map(|result| match result {
            Ok(()) => ("SUCCESSFUL", None),
            Err(error) => ("FAILED", Some(error.0)),
        }))
    }
}
