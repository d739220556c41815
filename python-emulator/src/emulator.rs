//! `Emulator`: the in-process Cumulocity MQTT emulator (crate `c8y_mqtt_emulator`) for tests
//! written in Python. It listens on an ephemeral loopback port (plain MQTT), accepts one
//! tenant user, creates operations, plays the operator of Cloud Remote Access, accepts
//! bootstrap registrations and exposes the platform state (managed objects, measurements,
//! events, alarms, operations) as dicts.
//! Its exceptions are the device package's (`c8y_mqtt.errors`), so tests catch one family.

use c8y_mqtt_emulator::model::{DeviceRequestStatus, RecordFilter};
use c8y_mqtt_emulator::{BlockingEmulator, Emulator as CoreEmulator, EmulatorHandle};
use parking_lot::RwLock;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::convert::{self, from_json, to_json};
use crate::errors::{C8yError, DeadlineExceededError};

/// An emulated Cumulocity tenant with its MQTT endpoint on 127.0.0.1 (plain TCP, ephemeral
/// port), for tests without a tenant. Use ``client_options(device_id)`` to connect a
/// ``Client`` to it; read what the device sent with ``measurements()``, ``events()``,
/// ``alarms()``, ``managed_object()``, ``operation()``. Stop it with ``stop()`` (or use it as
/// a context manager).
#[pyclass(frozen, module = "c8y_mqtt_emulator._native")]
pub struct Emulator {
    running: RwLock<Option<BlockingEmulator>>,
    tenant: String,
    user: String,
    password: String,
    port: u16,
}

impl Emulator {
    fn with<R>(&self, f: impl FnOnce(&BlockingEmulator) -> R) -> PyResult<R> {
        match self.running.read().as_ref() {
            Some(emulator) => Ok(f(emulator)),
            None => Err(C8yError::new_err("the emulator was stopped")),
        }
    }

    fn records(
        &self,
        py: Python<'_>,
        source: Option<String>,
        record_type: Option<String>,
        read: impl FnOnce(&EmulatorHandle, &RecordFilter) -> Vec<serde_json::Value>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let filter = RecordFilter { source, record_type };
        let values = self.with(|e| read(e.handle(), &filter))?;
        values.iter().map(|v| from_json(py, v)).collect()
    }
}

#[pymethods]
impl Emulator {
    /// Starts an emulator with tenant ``tenant`` and one device user ``user``/``password``.
    #[new]
    #[pyo3(signature = (*, tenant = "t100", user = "device_user", password = "device-secret", bootstrap_password = None))]
    fn new(
        py: Python<'_>,
        tenant: &str,
        user: &str,
        password: &str,
        bootstrap_password: Option<&str>,
    ) -> PyResult<Self> {
        let mut builder = CoreEmulator::builder()
            .tenant(tenant)
            .user(user, password)
            .http_port(Some(0))
            // Tests read every publish back (a 20 000-row burst among them): keep more than the
            // emulator's default journal.
            .limits(c8y_mqtt_emulator::Limits {
                journal_events: 1_000_000,
                journal_bytes: 256 * 1024 * 1024,
                ..c8y_mqtt_emulator::Limits::default()
            });
        if let Some(p) = bootstrap_password {
            builder = builder.bootstrap_password(p);
        }
        let running = py
            .detach(|| builder.start_blocking())
            .map_err(|e| C8yError::new_err(format!("emulator did not start: {e}")))?;
        let port = running
            .handle()
            .mqtt_addr()
            .map(|a| a.port())
            .ok_or_else(|| C8yError::new_err("emulator has no MQTT listener"))?;
        Ok(Self {
            running: RwLock::new(Some(running)),
            tenant: tenant.to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            port,
        })
    }

    /// The host to connect to ("127.0.0.1").
    #[getter]
    fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The MQTT port (plain TCP).
    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    /// The base URL of the emulator's REST API (``http://127.0.0.1:<port>``), Cumulocity's
    /// resource shapes with the device user's basic auth.
    #[getter]
    fn http_url(&self) -> PyResult<String> {
        self.with(|e| e.handle().http_addr().map(|a| format!("http://{a}")))?
            .ok_or_else(|| C8yError::new_err("emulator has no HTTP listener"))
    }

    /// The tenant id.
    #[getter]
    fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The device user name (without the tenant).
    #[getter]
    fn user(&self) -> &str {
        &self.user
    }

    /// The device user's password.
    #[getter]
    fn password(&self) -> &str {
        &self.password
    }

    /// The bootstrap user ("management/devicebootstrap").
    #[getter]
    fn bootstrap_user(&self) -> PyResult<String> {
        self.with(|e| e.handle().bootstrap_username())
    }

    /// The bootstrap password.
    #[getter]
    fn bootstrap_password(&self) -> PyResult<String> {
        self.with(|e| e.handle().bootstrap_password().to_owned())
    }

    /// Keyword arguments for ``Client(**emulator.client_options("dev1"))``: host, device id,
    /// port, plain TCP, the device user's credentials, device creation and a fast reconnect.
    fn client_options<'py>(&self, py: Python<'py>, device_id: &str) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("host", "127.0.0.1")?;
        d.set_item("device_id", device_id)?;
        d.set_item("port", self.port)?;
        d.set_item("transport", "tcp")?;
        d.set_item("tenant", &self.tenant)?;
        d.set_item("user", &self.user)?;
        d.set_item("password", &self.password)?;
        d.set_item("create_device", true)?;
        d.set_item("reconnect_delay", 0.05)?;
        d.set_item("http_base_url", self.http_url()?)?;
        Ok(d)
    }

    /// Creates an operation for the device with this external id and delivers it, e.g.
    /// ``create_operation("dev1", {"c8y_Restart": {}})``; returns the operation (a dict with
    /// its ``id``).
    fn create_operation(
        &self,
        py: Python<'_>,
        device_id: &str,
        fragments: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let fragments = to_json(fragments)?;
        if !fragments.is_object() {
            return Err(PyValueError::new_err("fragments must be a dict"));
        }
        let created = self
            .with(|e| e.handle().create_operation(device_id, fragments))?
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        from_json(py, &created)
    }

    /// Plays the operator of Cloud Remote Access: creates the ``c8y_RemoteAccessConnect``
    /// operation (``530``) for the device with this external id, to reach ``host``:``port`` on
    /// the device's side, with a fresh connection key, and listens on 127.0.0.1 for one
    /// operator connection, relayed to the device's WebSocket for that key. Returns a dict with
    /// ``operationId``, ``connectionKey``, ``address`` and ``port`` (where to connect).
    fn open_remote_access<'py>(
        &self,
        py: Python<'py>,
        device_id: &str,
        host: &str,
        port: u16,
    ) -> PyResult<Bound<'py, PyDict>> {
        let guard = self.running.read();
        let emulator = guard
            .as_ref()
            .ok_or_else(|| C8yError::new_err("the emulator was stopped"))?;
        let opened = py
            .detach(|| emulator.block_on(emulator.handle().open_remote_access(device_id, host, port)))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let d = PyDict::new(py);
        d.set_item("operationId", opened.operation_id)?;
        d.set_item("connectionKey", opened.connection_key)?;
        d.set_item("address", opened.addr.ip().to_string())?;
        d.set_item("port", opened.addr.port())?;
        Ok(d)
    }

    /// The operation with this id (a dict), or None.
    fn operation(&self, py: Python<'_>, id: &str) -> PyResult<Option<Py<PyAny>>> {
        self.with(|e| e.handle().operation(id))?
            .map(|v| from_json(py, &v))
            .transpose()
    }

    /// Waits (GIL released) until the operation has ``status`` ("EXECUTING", "SUCCESSFUL",
    /// "FAILED"); returns it. Raises ``DeadlineExceededError`` after ``timeout`` seconds.
    #[pyo3(signature = (id, status, timeout = 10.0))]
    fn wait_for_operation_status(
        &self,
        py: Python<'_>,
        id: &str,
        status: &str,
        timeout: f64,
    ) -> PyResult<Py<PyAny>> {
        let timeout = convert::seconds("timeout", timeout)?;
        let guard = self.running.read();
        let emulator = guard
            .as_ref()
            .ok_or_else(|| C8yError::new_err("the emulator was stopped"))?;
        let found =
            py.detach(|| emulator.block_on(emulator.handle().wait_for_operation_status(id, status, timeout)));
        match found {
            Ok(v) => from_json(py, &v),
            Err(_) => {
                let last = emulator.handle().operation(id);
                Err(DeadlineExceededError::new_err(format!(
                    "operation {id} not {status} within {timeout:?} (now: {})",
                    last.map_or("unknown".into(), |v| v["status"].to_string())
                )))
            }
        }
    }

    /// Operations (dicts), oldest first, optionally of one device (external id).
    #[pyo3(signature = (source = None))]
    fn operations(&self, py: Python<'_>, source: Option<String>) -> PyResult<Vec<Py<PyAny>>> {
        self.records(py, source, None, |h, f| h.operations(f))
    }

    /// Stored measurements (dicts), oldest first, filtered by source external id and type.
    #[pyo3(signature = (source = None, r#type = None))]
    fn measurements(
        &self,
        py: Python<'_>,
        source: Option<String>,
        r#type: Option<String>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        self.records(py, source, r#type, |h, f| h.measurements(f))
    }

    /// Stored events (dicts), oldest first, filtered by source external id and type.
    #[pyo3(signature = (source = None, r#type = None))]
    fn events(
        &self,
        py: Python<'_>,
        source: Option<String>,
        r#type: Option<String>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        self.records(py, source, r#type, |h, f| h.platform_events(f))
    }

    /// Alarms (dicts), oldest first, filtered by source external id and type.
    #[pyo3(signature = (source = None, r#type = None))]
    fn alarms(
        &self,
        py: Python<'_>,
        source: Option<String>,
        r#type: Option<String>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        self.records(py, source, r#type, |h, f| h.alarms(f))
    }

    /// The managed object (a dict) with this external id (``c8y_Serial``), or None.
    fn managed_object(&self, py: Python<'_>, external_id: &str) -> PyResult<Option<Py<PyAny>>> {
        self.with(|e| e.handle().managed_object_by_external_id(external_id))?
            .map(|v| from_json(py, &v))
            .transpose()
    }

    /// The child devices (dicts) of the device with this external id.
    fn child_devices(&self, py: Python<'_>, external_id: &str) -> PyResult<Vec<Py<PyAny>>> {
        let values = self.with(|e| e.handle().child_devices(external_id))?;
        values.iter().map(|v| from_json(py, v)).collect()
    }

    /// Every message devices published, as (topic, payload) in arrival order.
    fn publishes<'py>(&self, py: Python<'py>) -> PyResult<Vec<(String, Bound<'py, PyBytes>)>> {
        let publishes = self.with(|e| e.handle().publishes())?;
        Ok(publishes
            .into_iter()
            .map(|p| (p.publish.topic, PyBytes::new(py, &p.publish.payload)))
            .collect())
    }

    /// Registers a device id for bootstrap (as an operator does in the Device Management app).
    fn register_device(&self, id: &str) -> PyResult<()> {
        self.with(|e| e.handle().register_device(id))?
            .map(|_| ())
            .ok_or_else(|| C8yError::new_err("no platform model"))
    }

    /// Accepts the device request ``id`` (the device has to have polled once); raises
    /// ``ValueError`` when there is no such pending request.
    fn accept_device_request(&self, id: &str) -> PyResult<()> {
        self.with(|e| e.handle().accept_device_request(id))?
            .map(|_| ())
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The device requests as (id, status) pairs, status "WAITING_FOR_CONNECTION",
    /// "PENDING_ACCEPTANCE" or "ACCEPTED".
    fn device_requests(&self) -> PyResult<Vec<(String, &'static str)>> {
        Ok(self
            .with(|e| e.handle().device_requests())?
            .into_iter()
            .map(|r| (r.id, status_name(r.status)))
            .collect())
    }

    /// Breaks the connection of the next binary download after ``after_bytes`` bytes.
    fn cut_next_download(&self, after_bytes: u64) -> PyResult<()> {
        self.with(|e| e.handle().http_faults().cut_next_download(after_bytes))
    }

    /// Adds a tenant, isolated from the others (users, devices, data); returns whether it is new.
    fn add_tenant(&self, tenant: &str) -> PyResult<bool> {
        self.with(|e| e.handle().add_tenant(tenant))
    }

    /// Adds or replaces a user of ``tenant`` (default: the emulator's tenant); users named
    /// ``device_*`` are device users, the others administrators. Returns ``False`` for an
    /// unknown tenant.
    #[pyo3(signature = (name, password, tenant = None))]
    fn add_user(&self, name: &str, password: &str, tenant: Option<&str>) -> PyResult<bool> {
        let tenant = tenant.unwrap_or(&self.tenant).to_owned();
        self.with(|e| e.handle().set_tenant_user(&tenant, name, password))
    }

    /// Closes the device's connection as a network failure would; returns whether it was
    /// connected.
    fn drop_connection(&self, device_id: &str) -> PyResult<bool> {
        self.with(|e| e.handle().drop_connection(device_id))
    }

    /// Withholds (or resumes) PUBACKs for the device's publishes.
    fn withhold_pubacks(&self, device_id: &str, withhold: bool) -> PyResult<()> {
        self.with(|e| e.handle().withhold_pubacks(device_id, withhold))
    }

    /// Stops the emulator (GIL released); idempotent.
    fn stop(&self, py: Python<'_>) {
        let running = self.running.write().take();
        if let Some(running) = running {
            py.detach(|| running.shutdown());
        }
    }

    /// Whether ``stop()`` was called.
    #[getter]
    fn stopped(&self) -> bool {
        self.running.read().is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.stop(py);
    }

    fn __repr__(&self) -> String {
        format!("<Emulator 127.0.0.1:{} tenant {:?}>", self.port, self.tenant)
    }
}

fn status_name(status: DeviceRequestStatus) -> &'static str {
    status.as_str()
}
