//! `Client`: the connected device (the blocking API), a `Device` subclass for the device itself.
//! It owns the shared native state ([`Inner`]) and adds what is not bound to one entity:
//! connecting from options or the environment, waits (GIL released), raw, JSON and SmartREST
//! publishes, HTTP transfers, events and the event callback, statistics, close.
//!
//! Every publish only enqueues and returns a `Delivery` (its id; its outcome as a
//! `concurrent.futures.Future` or by `await`, created on demand). Every call that waits
//! releases the GIL.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use c8y_mqtt::client::{BlockingClient, Config};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::delivery::Delivery;
use crate::device::Device;
use crate::errors::{self, client_error, config_error};
use crate::events::{self, EventIterator, OperationIterator};
use crate::inner::Inner;
use crate::options::apply;

/// The JSON over MQTT resource of a ``kind`` ("measurement", "event", "alarm", "inventory").
fn json_resource(kind: &str) -> PyResult<c8y_mqtt::topic::JsonResource> {
    c8y_mqtt::topic::JsonResource::from_api(kind).ok_or_else(|| {
        PyValueError::new_err(format!(
            "kind must be measurement, event, alarm or inventory, not {kind:?}"
        ))
    })
}

/// A device client connected to Cumulocity over MQTT (the blocking API; see
/// ``c8y_mqtt.aio.AsyncClient`` for asyncio).
///
/// ``Client(host, device_id, **options)`` starts connecting in the background and returns at
/// once; use ``wait_connected()`` to wait. Options (keyword only; their types and defaults are
/// in the type stub): ``port``, ``transport`` ("tls" default, "tcp", "ws", "wss"),
/// ``tenant``/``user``/``password`` or ``cert_pem``/``key_pem``, ``ca_pem``, ``insecure``
/// (default False; True accepts any server certificate, for a local test endpoint only, and
/// logs a warning), ``xid``, ``keep_alive`` (s), ``connect_timeout`` (s), ``qos`` (default 1),
/// ``processing_mode`` ("s", "t", "q", "c"; measurements and events only), ``create_device``
/// (default True: ``100`` after every connect; False turns it off), ``device_name``,
/// ``device_type``, ``batching`` (linger in s), ``max_inflight``, ``max_queued``,
/// ``max_queued_bytes``, ``overflow`` ("reject" default, or "drop_oldest"),
/// ``delivery_events``, ``persistence_dir``, ``http_base_url``, ``fail_unsupported`` (list of
/// fragments), ``fail_executing_on_start`` (default True), ``resumable_operations`` (list of
/// fragments), ``json_operations``, ``json_errors``, ``smartrest1`` (X-IDs whose SmartREST 1.0
/// responses to receive), ``collections`` ({X-ID: creation rows}),
/// ``operation_responses`` ([(X-ID, msg id)]), ``reconnect_delay`` (s), ``last_will``
/// ((template id, fields)), ``request_managed_object_id``, ``not_authorized_retries``,
/// ``rejection_window`` (s), ``statistics_measurement`` (s; publishes ``statistics()`` as a
/// ``c8y_ClientStatistics`` measurement at that interval; off by default).
///
/// The client is also the device's ``Device`` handle: ``client.send_measurement(...)``.
/// Use it as a context manager: leaving the block flushes (up to 10 s) and closes.
#[pyclass(extends = Device, frozen, module = "c8y_mqtt._native")]
pub struct Client {
    inner: Arc<Inner>,
    device_id: String,
}

impl Client {
    /// The blocking core client (for the workflows); fails once closed.
    pub(crate) fn blocking(&self) -> PyResult<Arc<BlockingClient>> {
        self.inner.client()
    }

    /// The JSON over MQTT publisher, with `qos` when given.
    fn json_api(&self, qos: Option<u8>) -> PyResult<c8y_mqtt::client::JsonApi> {
        let json = self.inner.client()?.json();
        Ok(match qos {
            Some(q) => json.with_qos(convert::qos(q)?),
            None => json,
        })
    }

    fn start(config: Config) -> PyResult<PyClassInitializer<Self>> {
        let device_id = config.device_id().to_string();
        let client = BlockingClient::connect(config).map_err(client_error)?;
        let entity = client.device();
        let inner = Inner::new(client);
        Ok(PyClassInitializer::from(Device {
            entity,
            inner: Arc::clone(&inner),
        })
        .add_subclass(Client { inner, device_id }))
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (host, device_id, **options))]
    fn new(
        host: &str,
        device_id: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let builder = apply(Config::builder(host, device_id), options)?;
        Self::start(builder.build().map_err(config_error)?)
    }

    /// A client configured from the ``C8Y_*`` environment variables (``C8Y_HOST``,
    /// ``C8Y_DEVICE_ID``, ``C8Y_TENANT``, ``C8Y_USER``, ``C8Y_PASSWORD``, ...); keyword options
    /// as for the constructor override them. Raises ``ConfigError`` when a variable is missing
    /// or invalid.
    #[staticmethod]
    #[pyo3(signature = (**options))]
    fn from_env(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Py<Client>> {
        let builder = apply(Config::from_env().map_err(config_error)?, options)?;
        Py::new(py, Self::start(builder.build().map_err(config_error)?)?)
    }

    /// The device id.
    #[getter]
    fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The connection state: "connecting", "connected", "disconnected", "stopped" or "closed".
    #[getter]
    fn state(&self) -> PyResult<&'static str> {
        self.inner.check_fork()?;
        match self.inner.client.lock().as_ref() {
            None => Ok("closed"),
            Some(client) => Ok(events::state_name(&client.state())),
        }
    }

    /// The client as the ``Device`` handle of its device.
    #[getter]
    fn device(slf: &Bound<'_, Self>) -> Device {
        let base = slf.as_super().get();
        base.handle(base.entity.clone())
    }

    /// Waits (GIL released) until connected. Raises ``DeadlineExceededError`` after
    /// ``timeout`` seconds, ``AuthError`` when the login was refused, ``StoppedError`` when the
    /// client stopped on another fatal error, ``ClientClosedError`` when closed.
    #[pyo3(signature = (timeout = 30.0))]
    fn wait_connected(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let timeout = convert::seconds("timeout", timeout)?;
        self.inner.check_not_in_callback("wait_connected()")?;
        let client = self.inner.client()?;
        py.detach(|| client.wait_connected(timeout)).map_err(client_error)
    }

    /// Waits (GIL released) until every queued message was acknowledged; raises
    /// ``DeadlineExceededError`` after ``timeout`` seconds.
    #[pyo3(signature = (timeout = 30.0))]
    fn flush(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let timeout = convert::seconds("timeout", timeout)?;
        self.inner.check_not_in_callback("flush()")?;
        let client = self.inner.client()?;
        py.detach(|| client.flush(timeout)).map_err(errors::flush_timeout)
    }

    /// Downloads ``url`` (absolute, or a path on the platform such as
    /// ``/inventory/binaries/12``) to ``path`` (GIL released): streamed, resumed after a broken
    /// connection, checked against ``size`` and ``sha256`` (hex) when given, written to a
    /// private temporary file and renamed when complete. The device's credentials go only to
    /// the platform's host. ``progress(bytes, total)`` (total None when unknown) is called from
    /// an SDK thread. Returns the number of bytes. Raises ``HttpError`` (status, size or
    /// checksum), ``ConnectError`` (network), ``AuthError``.
    #[pyo3(signature = (url, path, *, size = None, sha256 = None, progress = None))]
    fn download(
        &self,
        py: Python<'_>,
        url: &str,
        path: std::path::PathBuf,
        size: Option<u64>,
        sha256: Option<String>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        self.inner.check_not_in_callback("download()")?;
        let client = self.inner.client()?;
        crate::http::download(py, &client, url, path, size, sha256, progress)
    }

    /// Uploads the file ``path`` as the binary of a new event of ``event_type`` (created over
    /// REST for ``device``, default the client's device) and returns the binary's URL, the one
    /// to report for a log request.
    #[pyo3(signature = (path, *, event_type = "c8y_Logfile", text = "", file_name = None, content_type = "text/plain", device = None))]
    #[allow(clippy::too_many_arguments)]
    fn upload_event_binary(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        event_type: &str,
        text: &str,
        file_name: Option<String>,
        content_type: &str,
        device: Option<String>,
    ) -> PyResult<String> {
        self.inner.check_not_in_callback("upload_event_binary()")?;
        let client = self.inner.client()?;
        crate::http::upload_event_binary(
            py,
            &client,
            path,
            event_type,
            text,
            file_name,
            content_type,
            device,
        )
    }

    /// Uploads the file ``path`` as an inventory binary and returns its URL.
    #[pyo3(signature = (path, *, file_name = None, content_type = "application/octet-stream"))]
    fn upload_inventory_binary(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        file_name: Option<String>,
        content_type: &str,
    ) -> PyResult<String> {
        self.inner.check_not_in_callback("upload_inventory_binary()")?;
        let client = self.inner.client()?;
        crate::http::upload_inventory_binary(py, &client, path, file_name, content_type)
    }

    /// The current access token (JWT) of a certificate device, asked for over MQTT when needed
    /// and renewed before it expires; None for a password device. A secret: do not log it.
    fn access_token(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.inner.check_not_in_callback("access_token()")?;
        let client = self.inner.client()?;
        crate::http::access_token(py, &client)
    }

    /// A snapshot of the client's operation statistics since it started (counters, the last
    /// connection error); raises ``ClientClosedError`` once closed.
    fn statistics(&self) -> PyResult<crate::statistics::ClientStatistics> {
        Ok(self.inner.client()?.statistics().into())
    }

    /// Number of publishes not yet completed (acknowledged or dropped).
    fn pending(&self) -> PyResult<usize> {
        Ok(self.inner.client()?.pending().len())
    }

    /// Waits (GIL released) until at most ``count`` publishes are pending; returns whether
    /// that happened within ``timeout`` seconds.
    #[pyo3(signature = (count, timeout = 30.0))]
    fn wait_pending(&self, py: Python<'_>, count: usize, timeout: f64) -> PyResult<bool> {
        let timeout = convert::seconds("timeout", timeout)?;
        self.inner.check_not_in_callback("wait_pending()")?;
        let client = self.inner.client()?;
        Ok(py.detach(|| client.wait_pending(count, timeout)))
    }

    /// Publishes a payload (``str``, or ``bytes`` of UTF-8 text) as it is on a Cumulocity
    /// upstream topic (``s/uc/<X-ID>``, JSON topics, ...). Returns the ``Delivery``.
    #[pyo3(signature = (topic, payload, *, qos = None))]
    fn publish_raw(&self, topic: &str, payload: &Bound<'_, PyAny>, qos: Option<u8>) -> PyResult<Delivery> {
        let payload = convert::text_payload(payload)?;
        let client = self.inner.client()?;
        let qos = match qos {
            Some(q) => convert::qos(q)?,
            None => client.as_async().config().default_qos(),
        };
        let delivery = client.publish_raw(topic, payload, qos);
        self.inner.delivered(delivery)
    }

    /// Sends a JSON document over MQTT: ``kind`` is "measurement", "event", "alarm" or
    /// "inventory" (the latter needs the managed object ``id``); ``qos`` overrides the client's
    /// default QoS.
    #[pyo3(signature = (kind, document, *, id = None, qos = None))]
    #[allow(clippy::too_many_arguments)]
    fn send_json(
        &self,
        kind: &str,
        document: &Bound<'_, PyAny>,
        id: Option<&str>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let client = self.inner.client()?;
        let value = convert::to_json(document)?;
        let json = match qos {
            Some(q) => client.json().with_qos(convert::qos(q)?),
            None => client.json(),
        };
        let delivery = json.send(json_resource(kind)?, id, &value);
        self.inner.delivered(delivery)
    }

    /// Creates several objects in one message (``<api>/<resource>/createBulk``): ``kind`` is
    /// "measurement", "event" or "alarm", ``collection`` the REST collection (e.g.
    /// ``{"events": [...]}``); ``qos`` overrides the client's default QoS.
    #[pyo3(signature = (kind, collection, *, qos = None))]
    fn json_create_bulk(
        &self,
        kind: &str,
        collection: &Bound<'_, PyAny>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let value = convert::to_json(collection)?;
        let resource = json_resource(kind)?;
        let delivery = self.json_api(qos)?.create_bulk(resource, &value);
        self.inner.delivered(delivery)
    }

    /// Updates the object ``id`` (``<api>/<resource>/update/<id>``): ``kind`` is "event",
    /// "alarm" or "inventory" (where ``id`` may be an external id); a fragment set to None is
    /// removed. ``qos`` overrides the client's default QoS.
    #[pyo3(signature = (kind, id, document, *, qos = None))]
    fn json_update(
        &self,
        kind: &str,
        id: &str,
        document: &Bound<'_, PyAny>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let value = convert::to_json(document)?;
        let resource = json_resource(kind)?;
        let delivery = self.json_api(qos)?.update(resource, id, &value);
        self.inner.delivered(delivery)
    }

    /// Deletes the object ``id`` (``<api>/<resource>/delete/<id>``): ``kind`` is "event" or
    /// "measurement". ``qos`` overrides the client's default QoS.
    #[pyo3(signature = (kind, id, *, qos = None))]
    fn json_delete(&self, kind: &str, id: &str, qos: Option<u8>) -> PyResult<Delivery> {
        let resource = json_resource(kind)?;
        let delivery = self.json_api(qos)?.delete(resource, id);
        self.inner.delivered(delivery)
    }

    /// Sends a SmartREST 2.0 use line of request template ``msg_id`` of the registered
    /// collection ``xid`` (see the ``collections`` option), values checked against the template;
    /// ``qos`` overrides the client's default QoS.
    #[pyo3(signature = (xid, msg_id, values, *, qos = None))]
    fn send_smartrest2(
        &self,
        xid: &str,
        msg_id: &str,
        values: Vec<String>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let qos = qos.map(convert::qos).transpose()?;
        let client = self.inner.client()?;
        let delivery = client.smartrest2(xid).and_then(|sr| match qos {
            Some(qos) => sr.with_qos(qos).send(msg_id, values),
            None => sr.send(msg_id, values),
        });
        self.inner.delivered(delivery)
    }

    /// Sends a SmartREST 1.0 row ``msg_id,values...`` of the template collection ``xid`` on
    /// ``s/ul/<xid>``; its response rows arrive as "smartrest1_response" events when ``xid`` is
    /// in the ``smartrest1`` option.
    fn send_smartrest1(&self, xid: &str, msg_id: &str, values: Vec<String>) -> PyResult<Delivery> {
        let client = self.inner.client()?;
        let delivery = client.smartrest1(xid).and_then(|sr| sr.send(msg_id, values));
        self.inner.delivered(delivery)
    }

    /// Waits up to ``timeout`` seconds (forever when None) for the next event (GIL released);
    /// returns None on timeout. Raises ``ClientClosedError`` once closed and drained.
    #[pyo3(signature = (timeout = None))]
    fn next_event(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Py<PyAny>>> {
        self.inner.check_not_in_callback("next_event()")?;
        match events::next(py, &self.inner, timeout, false)? {
            events::Next::Item(item) => Ok(Some(item)),
            events::Next::Timeout => Ok(None),
            events::Next::Closed => Err(errors::closed()),
        }
    }

    /// Iterates over every event; ends after ``timeout`` seconds without one (never when None)
    /// or when the client is closed.
    #[pyo3(signature = (timeout = None))]
    fn events(&self, timeout: Option<f64>) -> PyResult<EventIterator> {
        self.inner.check_fork()?;
        EventIterator::new(&self.inner, timeout)
    }

    /// Iterates over the operations (other events are skipped); ends after ``timeout`` seconds
    /// without one (never when None) or when the client is closed.
    #[pyo3(signature = (timeout = None))]
    fn operations(&self, timeout: Option<f64>) -> PyResult<OperationIterator> {
        self.inner.check_fork()?;
        OperationIterator::new(&self.inner, timeout)
    }

    /// Sets (or, with None, removes) the event callback: ``callback(event)`` then runs for every
    /// event on the SDK's dispatcher thread, instead of events reaching ``next_event``/iterators.
    /// An exception it raises goes to ``sys.unraisablehook``; blocking calls from it raise
    /// ``InCallbackError``.
    fn on_event(&self, callback: Option<Py<PyAny>>) -> PyResult<()> {
        self.inner.check_fork()?;
        if let Some(cb) = &callback {
            Python::attach(|py| {
                if !cb.bind(py).is_callable() {
                    return Err(PyTypeError::new_err("callback must be callable"));
                }
                Ok(())
            })?;
        }
        let on = callback.is_some();
        *self.inner.callback.function.lock() = callback;
        self.inner.callback.on.store(on, Ordering::Release);
        self.inner.with_dispatcher(|_| ())?;
        self.inner.callback.changed.notify_one();
        Ok(())
    }

    /// Closes the client (GIL released): sends DISCONNECT, drops what is still queued (their
    /// futures fail with ``ClientClosedError``; call ``flush()`` first) and stops every SDK
    /// thread. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.inner.close(py)
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.client.lock().is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type = None, _exc = None, _tb = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        if exc_type.is_none_or(|t| t.is_none())
            && let Ok(client) = self.inner.client()
        {
            let _ = py.detach(|| client.flush(Duration::from_secs(10)));
        }
        self.inner.close(py)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("<Client {:?} {}>", self.device_id, self.state()?))
    }
}
