//! `Client` (the connected device, blocking API) and `Device` (the device or a child: typed
//! publishes), with the shared native state [`Inner`]: the core's `BlockingClient`, the PID that
//! created it (fork check), the dispatcher thread and the event callback.
//!
//! Every publish only enqueues and returns a `Delivery` (its id; its outcome as a
//! `concurrent.futures.Future` or by `await`, created on demand). Every call that waits
//! releases the GIL.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use c8y_mqtt::client::{
    BlockingClient, Config, ConfigBuilder, Delivery as CoreDelivery, Entity, NextEvent, OutboxLimits,
    OverflowPolicy, PublishOptions, ReconnectPolicy, Subscriptions, TrustRoots,
};
use c8y_mqtt::smartrest::Record;
use c8y_mqtt::smartrest2::TemplateCollection;
use c8y_mqtt::templates::upstream::{
    AdvancedSoftwareItem, AdvancedSoftwareList, AgentInformation, AlarmSeverityUpdate,
    AppendAdvancedSoftware, Battery, ClearAlarm, ClearAlarmFragments, ClearDeviceFragments,
    ClearEventFragments, Configuration, CurrentConfiguration, CustomMeasurement, DeviceCreation,
    DeviceParameter, DeviceParameterUpdate, DeviceProfileApplied, Event as EventTemplate, GetChildDevices,
    Heartbeat, LocationUpdate, LocationUpdateWithDevice, MeasurementSeries, Mobile, MultiSeriesMeasurement,
    Position, RemoteAccessProtocols, RemoveAdvancedSoftware, ServiceStatusUpdate, SetExecuting, SetFailed,
    SetSuccessful, SignalStrength, SoftwareList, SoftwareListItem, SoftwareRemovalItem,
    SupportedConfigurations, SupportedLogs, SupportedSoftwareTypes, Temperature, Upstream, raise_alarm,
};
use c8y_mqtt::topic::ProcessingMode;
use c8y_mqtt::value::Severity;
use parking_lot::Mutex;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

use crate::convert::{self, number, optional_number, timestamp};
use crate::dispatch::{Callback, Dispatcher, Job, new_future};
use crate::errors::{self, client_error, config_error};
use crate::events::{self, EventIterator, OperationIterator};

/// Native clients not yet closed (tests check that none leaks).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The number of native clients not yet closed (explicitly, or by being freed); for leak
/// checks in tests.
#[pyfunction]
pub(crate) fn _live_clients() -> usize {
    LIVE.load(Ordering::SeqCst)
}

/// The state shared by a client, its device handles, operations and the dispatcher.
pub(crate) struct Inner {
    client: Mutex<Option<Arc<BlockingClient>>>,
    pid: u32,
    dispatcher: Mutex<Option<Dispatcher>>,
    callback: Arc<Callback>,
    weak: Weak<Inner>,
}

impl Inner {
    fn new(client: BlockingClient) -> Arc<Self> {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Arc::new_cyclic(|weak| Self {
            client: Mutex::new(Some(Arc::new(client))),
            pid: std::process::id(),
            dispatcher: Mutex::new(None),
            callback: Arc::new(Callback::default()),
            weak: weak.clone(),
        })
    }

    /// Fails with `ForkedError` in a process other than the creator.
    pub(crate) fn check_fork(&self) -> PyResult<()> {
        if std::process::id() == self.pid {
            Ok(())
        } else {
            Err(errors::forked())
        }
    }

    /// The core client, unless closed.
    pub(crate) fn client(&self) -> PyResult<Arc<BlockingClient>> {
        self.check_fork()?;
        self.client.lock().clone().ok_or_else(errors::closed)
    }

    /// Fails with `InCallbackError` on the dispatcher thread.
    fn check_not_in_callback(&self, what: &str) -> PyResult<()> {
        let on_dispatcher = self
            .dispatcher
            .lock()
            .as_ref()
            .is_some_and(|d| d.thread_id() == std::thread::current().id());
        if on_dispatcher {
            Err(errors::in_callback(what))
        } else {
            Ok(())
        }
    }

    /// Runs `f` with the dispatcher, starting it first when needed.
    fn with_dispatcher<R>(&self, f: impl FnOnce(&Dispatcher) -> R) -> PyResult<R> {
        let client = self.client()?;
        let mut slot = self.dispatcher.lock();
        if slot.is_none() {
            let started = Dispatcher::start(client, self.weak.clone(), Arc::clone(&self.callback))
                .map_err(|e| errors::internal(format!("cannot start the dispatcher: {e}")))?;
            *slot = Some(started);
        }
        match slot.as_ref() {
            Some(dispatcher) => Ok(f(dispatcher)),
            None => Err(errors::closed()),
        }
    }

    /// What a publish returns: its `Delivery`.
    pub(crate) fn delivered(
        &self,
        delivery: Result<CoreDelivery, c8y_mqtt::client::ClientError>,
    ) -> PyResult<Delivery> {
        let delivery = delivery.map_err(client_error)?;
        let inner = self.weak.upgrade().ok_or_else(errors::closed)?;
        Ok(Delivery {
            id: delivery.id().0,
            handle: delivery,
            inner,
            future: PyOnceLock::new(),
        })
    }

    /// Closes the client (call with the GIL released) through the core's close: DISCONNECT,
    /// queued messages dropped, every waiting call woken; then ends the dispatcher once every
    /// watched future completed. The last reference to the core client stops its runtime: this
    /// one when no other call holds it, otherwise that call's when it returns.
    fn shutdown(&self) {
        let Some(client) = self.client.lock().take() else {
            return;
        };
        LIVE.fetch_sub(1, Ordering::SeqCst);
        client.close_shared();
        self.callback.changed.notify_one();
        if let Some(dispatcher) = self.dispatcher.lock().take() {
            dispatcher.finish();
        }
        if let Ok(client) = Arc::try_unwrap(client) {
            client.close();
        }
    }

    /// Closes with the GIL released; refused on the dispatcher thread.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.check_fork()?;
        self.check_not_in_callback("close()")?;
        py.detach(|| self.shutdown());
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if std::process::id() != self.pid {
            // After fork() the runtime's threads do not exist here: never join them.
            if let Some(client) = self.client.get_mut().take() {
                LIVE.fetch_sub(1, Ordering::SeqCst);
                std::mem::forget(client);
            }
            if let Some(dispatcher) = self.dispatcher.get_mut().take() {
                std::mem::forget(dispatcher);
            }
        } else if self.client.get_mut().is_some() {
            let on_dispatcher = self
                .dispatcher
                .get_mut()
                .as_ref()
                .is_some_and(|d| d.thread_id() == std::thread::current().id());
            if on_dispatcher {
                // Dropped from a callback: the dispatcher cannot wait for itself.
                if let Some(client) = self.client.get_mut().take() {
                    LIVE.fetch_sub(1, Ordering::SeqCst);
                    std::thread::spawn(move || drop(client));
                }
            } else {
                match Python::try_attach(|py| py.detach(|| self.shutdown())) {
                    Some(()) => {}
                    None => self.shutdown(),
                }
            }
        }
    }
}

/// A queued publish: ``id`` is its delivery id (the one "delivery" events carry), and its
/// outcome is ``future()``, a ``concurrent.futures.Future`` completing with ``"acknowledged"``
/// on PUBACK (``"sent"`` at QoS 0) or failing with the reason the message was dropped, or
/// ``await delivery`` in asyncio (the same outcome). Creating the future is deferred to the
/// first ``future()``/``await``, so publishing stays cheap when the outcome is not needed.
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct Delivery {
    id: u64,
    handle: CoreDelivery,
    inner: Arc<Inner>,
    future: PyOnceLock<Py<PyAny>>,
}

#[pymethods]
impl Delivery {
    /// The delivery id (increasing from 1 per client; "delivery" events name it).
    #[getter]
    fn id(&self) -> u64 {
        self.id
    }

    /// The outcome as a ``concurrent.futures.Future`` (the same one on every call): its result
    /// is ``"acknowledged"`` or ``"sent"``; it fails with ``QueueFullError`` (dropped for a full
    /// outbox), ``ClientClosedError``, ``StoppedError`` or ``SmartRestError`` (refused by the
    /// platform).
    fn future(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner.check_fork()?;
        self.future
            .get_or_try_init(py, || {
                let fut = new_future(py)?;
                let job = Job::Watch(self.handle.clone(), fut.clone_ref(py));
                if !self.inner.with_dispatcher(|d| d.send(job)).unwrap_or(false) {
                    // Closed: the outcome is already known (closing completes every delivery).
                    let outcome = self.handle.try_outcome().ok_or_else(errors::closed)?;
                    crate::dispatch::complete(fut.clone_ref(py), outcome);
                }
                Ok(fut)
            })
            .map(|fut| fut.clone_ref(py))
    }

    /// ``await delivery``: waits (in asyncio) for the outcome of ``future()``.
    fn __await__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let fut = self.future(py)?;
        let wrapped = py.import("asyncio")?.call_method1("wrap_future", (fut,))?;
        Ok(wrapped.call_method0("__await__")?.unbind())
    }

    fn __repr__(&self) -> String {
        format!("<Delivery {}>", self.id)
    }
}

/// The device, or a child device or service of it: typed publishes go to its topic (`s/us`,
/// `s/us/<child>`).
///
/// Every ``send_*`` method only queues the message and returns its ``Delivery``: ``.id`` is
/// the delivery id, ``.future()`` a ``concurrent.futures.Future`` that completes with
/// ``"acknowledged"`` on PUBACK (``"sent"`` at QoS 0) or fails with the reason it was dropped,
/// and ``await delivery`` waits for the same outcome in asyncio.
/// Bad values raise ``ValueError``/``TypeError`` and nothing is sent.
#[pyclass(subclass, frozen, module = "c8y_mqtt._native")]
pub struct Device {
    entity: Entity,
    inner: Arc<Inner>,
}

impl Device {
    fn publish(&self, template: impl Into<Upstream>, qos: Option<u8>) -> PyResult<Delivery> {
        self.inner.check_fork()?;
        let options = PublishOptions {
            qos: qos.map(convert::qos).transpose()?,
            mode: None,
        };
        let delivery = self.entity.publish_with(template, options);
        self.inner.delivered(delivery)
    }

    fn handle(&self, entity: Entity) -> Self {
        Self {
            entity,
            inner: Arc::clone(&self.inner),
        }
    }
}

/// A `ValueError` from a core error (an invalid template value).
fn invalid(error: impl ToString) -> PyErr {
    PyValueError::new_err(error.to_string())
}

/// A tuple of `min..=N` texts (each may be `None`), padded with `None` to `N`.
fn text_tuple<const N: usize>(
    item: &Bound<'_, PyAny>,
    min: usize,
    shape: &str,
) -> PyResult<[Option<String>; N]> {
    let tuple = item
        .cast::<PyTuple>()
        .map_err(|_| PyTypeError::new_err(format!("each item is a {shape} tuple")))?;
    if !(min..=N).contains(&tuple.len()) {
        return Err(PyValueError::new_err(format!("each item is a {shape} tuple")));
    }
    let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
    for (slot, value) in out.iter_mut().zip(tuple.iter()) {
        *slot = value.extract()?;
    }
    Ok(out)
}

/// Advanced software items from `(name, version[, software_type[, url]])` tuples.
fn advanced_software(items: &Bound<'_, PyAny>) -> PyResult<Vec<AdvancedSoftwareItem>> {
    let mut list = Vec::new();
    for item in items.try_iter()? {
        let [name, version, software_type, url] =
            text_tuple::<4>(&item?, 2, "(name, version, software_type, url)")?;
        let mut i = AdvancedSoftwareItem::new(name.unwrap_or_default(), version.unwrap_or_default())
            .map_err(invalid)?;
        if let Some(v) = software_type {
            i = i.with_software_type(v);
        }
        if let Some(v) = url {
            i = i.with_url(v);
        }
        list.push(i);
    }
    Ok(list)
}

/// A template from its id and fields, read strictly by the core codec.
fn static_template(template_id: &Bound<'_, PyAny>, fields: &Bound<'_, PyAny>) -> PyResult<Upstream> {
    let id: String = if let Ok(n) = template_id.extract::<u16>() {
        n.to_string()
    } else if let Ok(s) = template_id.extract::<String>() {
        s
    } else {
        return Err(PyTypeError::new_err("template_id must be an int or str"));
    };
    if fields.is_instance_of::<pyo3::types::PyString>() {
        return Err(PyTypeError::new_err(
            "fields must be a sequence of values, not a str",
        ));
    }
    let mut row = vec![id];
    for field in fields.try_iter()? {
        let field = field?;
        row.push(if field.is_none() {
            String::new()
        } else if let Ok(s) = field.extract::<String>() {
            s
        } else {
            number(&field)?.to_string()
        });
    }
    Upstream::parse(&Record::new(row)).map_err(|e| PyValueError::new_err(e.to_string()))
}

#[pymethods]
impl Device {
    /// The external id of this entity (the device id for the device itself).
    #[getter]
    fn id(&self) -> PyResult<String> {
        match self.entity.path().last() {
            Some(id) => Ok(id.to_string()),
            None => Ok(self.inner.client()?.as_async().config().device_id().to_string()),
        }
    }

    /// The external ids from the device down to this entity (empty for the device).
    #[getter]
    fn path(&self) -> Vec<String> {
        self.entity.path().iter().map(ToString::to_string).collect()
    }

    /// This entity's managed object id, once the platform told it (after
    /// ``request_managed_object_id()``, or the ``request_managed_object_id`` option); None
    /// before.
    #[getter]
    fn managed_object_id(&self) -> Option<String> {
        self.entity.managed_object_id()
    }

    /// Asks the platform for this entity's managed object id (``123``); the answer arrives as a
    /// "managed_object_id" event (values ``[external id, managed object id]``) and then in
    /// ``managed_object_id``. Returns the ``Delivery``.
    fn request_managed_object_id(&self) -> PyResult<Delivery> {
        self.inner.check_fork()?;
        let delivery = self.entity.request_managed_object_id();
        self.inner.delivered(delivery)
    }

    /// A handle for the child device or service ``id`` below this entity; nothing is sent.
    fn child(&self, id: &str) -> PyResult<Device> {
        self.inner.check_fork()?;
        Ok(self.handle(self.entity.child(id).map_err(client_error)?))
    }

    /// Creates the child device ``id`` (template 101, once per client) and returns its handle.
    #[pyo3(signature = (id, name, device_type = "c8y_MQTTChildDevice"))]
    fn create_child(&self, id: &str, name: &str, device_type: &str) -> PyResult<Device> {
        self.inner.check_fork()?;
        let (child, _) = self
            .entity
            .create_child(id, name, device_type)
            .map_err(client_error)?;
        Ok(self.handle(child))
    }

    /// Creates the service ``id`` (template 102, once per client) and returns its handle.
    fn create_service(&self, id: &str, service_type: &str, name: &str, status: &str) -> PyResult<Device> {
        self.inner.check_fork()?;
        let (service, _) = self
            .entity
            .create_service(id, service_type, name, status)
            .map_err(client_error)?;
        Ok(self.handle(service))
    }

    /// Sends one measurement value (template 200), e.g. ``send_measurement("c8y_Temperature",
    /// "T", 21.5, "C")``. ``value`` is an int, a finite float or decimal text; ``time`` a
    /// timezone-aware datetime or ISO-8601 text (default: the platform's clock).
    #[pyo3(signature = (fragment, series, value, unit = None, time = None, *, qos = None))]
    #[allow(clippy::too_many_arguments)]
    fn send_measurement(
        &self,
        fragment: &str,
        series: &str,
        value: &Bound<'_, PyAny>,
        unit: Option<&str>,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut m = CustomMeasurement::new(fragment, series, number(value)?)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        if let Some(unit) = unit {
            m = m.with_unit(unit);
        }
        if let Some(time) = timestamp(time)? {
            m = m.with_time(time);
        }
        self.publish(m, qos)
    }

    /// Sends a measurement with several series (template 201): ``series`` is a sequence of
    /// ``(fragment, series, value)`` or ``(fragment, series, value, unit)`` tuples.
    #[pyo3(signature = (measurement_type, series, time = None, *, qos = None))]
    fn send_measurements(
        &self,
        measurement_type: &str,
        series: &Bound<'_, PyAny>,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut items = Vec::new();
        for item in series.try_iter()? {
            let item = item?;
            let tuple = item.cast::<PyTuple>().map_err(|_| {
                PyTypeError::new_err("each series is a (fragment, series, value[, unit]) tuple")
            })?;
            if !(3..=4).contains(&tuple.len()) {
                return Err(PyValueError::new_err(
                    "each series is a (fragment, series, value[, unit]) tuple",
                ));
            }
            let fragment: String = tuple.get_item(0)?.extract()?;
            let name: String = tuple.get_item(1)?.extract()?;
            let mut s = MeasurementSeries::new(fragment, name, number(&tuple.get_item(2)?)?)
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            if tuple.len() == 4 {
                let unit: Option<String> = tuple.get_item(3)?.extract()?;
                if let Some(unit) = unit {
                    s = s.with_unit(unit);
                }
            }
            items.push(s);
        }
        let mut m = MultiSeriesMeasurement::new(measurement_type, items)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        if let Some(time) = timestamp(time)? {
            m = m.with_time(time);
        }
        self.publish(m, qos)
    }

    /// Sends a temperature in °C (template 211).
    #[pyo3(signature = (value, time = None, *, qos = None))]
    fn send_temperature(
        &self,
        value: &Bound<'_, PyAny>,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut m = Temperature::new(number(value)?);
        if let Some(time) = timestamp(time)? {
            m = m.with_time(time);
        }
        self.publish(m, qos)
    }

    /// Sends a battery level in % (template 212).
    #[pyo3(signature = (value, time = None, *, qos = None))]
    fn send_battery(
        &self,
        value: &Bound<'_, PyAny>,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut m = Battery::new(number(value)?);
        if let Some(time) = timestamp(time)? {
            m = m.with_time(time);
        }
        self.publish(m, qos)
    }

    /// Sends an event (template 400) of ``event_type`` with ``text``.
    #[pyo3(signature = (event_type, text, time = None, *, qos = None))]
    #[allow(clippy::too_many_arguments)]
    fn send_event(
        &self,
        event_type: &str,
        text: &str,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut e = EventTemplate::new(event_type, text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        if let Some(time) = timestamp(time)? {
            e = e.with_time(time);
        }
        self.publish(e, qos)
    }

    /// Sends a location update (template 401: a ``c8y_LocationUpdate`` event); with
    /// ``update_device=True`` (template 402) the event also sets the device's ``c8y_Position``.
    #[pyo3(signature = (latitude, longitude, altitude = None, accuracy = None, time = None, *, update_device = false, qos = None))]
    #[allow(clippy::too_many_arguments)]
    fn send_location(
        &self,
        latitude: &Bound<'_, PyAny>,
        longitude: &Bound<'_, PyAny>,
        altitude: Option<&Bound<'_, PyAny>>,
        accuracy: Option<&Bound<'_, PyAny>>,
        time: Option<&Bound<'_, PyAny>>,
        update_device: bool,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let (latitude, longitude) = (number(latitude)?, number(longitude)?);
        let (altitude, accuracy, time) = (
            optional_number(altitude)?,
            optional_number(accuracy)?,
            timestamp(time)?,
        );
        // One shape, two templates: the core's builders are the same for 401 and 402.
        macro_rules! location {
            ($template:ty) => {{
                let mut l = <$template>::new()
                    .with_latitude(latitude)
                    .with_longitude(longitude);
                if let Some(a) = altitude {
                    l = l.with_altitude(a);
                }
                if let Some(a) = accuracy {
                    l = l.with_accuracy(a);
                }
                if let Some(time) = time {
                    l = l.with_time(time);
                }
                self.publish(l, qos)
            }};
        }
        if update_device {
            location!(LocationUpdateWithDevice)
        } else {
            location!(LocationUpdate)
        }
    }

    /// Raises an alarm (templates 301-304 by ``severity``: "critical", "major", "minor",
    /// "warning").
    #[pyo3(signature = (alarm_type, text = None, severity = "major", time = None, *, qos = None))]
    #[allow(clippy::too_many_arguments)]
    fn send_alarm(
        &self,
        alarm_type: &str,
        text: Option<&str>,
        severity: &str,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let severity = severity
            .parse::<Severity>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let template = raise_alarm(severity, alarm_type, text, timestamp(time)?)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.publish(template, qos)
    }

    /// Clears the active alarm of ``alarm_type`` (template 306).
    #[pyo3(signature = (alarm_type, *, qos = None))]
    fn clear_alarm(&self, alarm_type: &str, qos: Option<u8>) -> PyResult<Delivery> {
        let c = ClearAlarm::new(alarm_type).map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.publish(c, qos)
    }

    /// Updates the hardware fragment (template 110).
    #[pyo3(signature = (serial_number = None, model = None, revision = None, *, qos = None))]
    fn update_hardware(
        &self,
        serial_number: Option<&str>,
        model: Option<&str>,
        revision: Option<&str>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut h = c8y_mqtt::templates::upstream::Hardware::new();
        if let Some(v) = serial_number {
            h = h.with_serial_number(v);
        }
        if let Some(v) = model {
            h = h.with_model(v);
        }
        if let Some(v) = revision {
            h = h.with_revision(v);
        }
        self.publish(h, qos)
    }

    /// Updates the firmware fragment (template 115).
    #[pyo3(signature = (name = None, version = None, url = None, *, qos = None))]
    fn update_firmware(
        &self,
        name: Option<&str>,
        version: Option<&str>,
        url: Option<&str>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut f = c8y_mqtt::templates::upstream::Firmware::new();
        if let Some(v) = name {
            f = f.with_name(v);
        }
        if let Some(v) = version {
            f = f.with_version(v);
        }
        if let Some(v) = url {
            f = f.with_url(v);
        }
        self.publish(f, qos)
    }

    /// Sets the required interval in minutes (template 117).
    #[pyo3(signature = (minutes, *, qos = None))]
    fn set_required_interval(&self, minutes: i64, qos: Option<u8>) -> PyResult<Delivery> {
        let r = c8y_mqtt::templates::upstream::RequiredAvailability::new(minutes);
        self.publish(r, qos)
    }

    /// Sets the supported operations (template 114), e.g. ``["c8y_Restart", "c8y_Command"]``.
    #[pyo3(signature = (fragments, *, qos = None))]
    fn set_supported_operations(
        &self,
        py: Python<'_>,
        fragments: &Bound<'_, PyAny>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let template = static_template(&114u16.into_pyobject(py)?.into_any(), fragments)?;
        self.publish(template, qos)
    }

    /// Sets the operation of ``fragment`` EXECUTING (template 501).
    #[pyo3(signature = (fragment, *, qos = None))]
    fn set_operation_executing(&self, fragment: &str, qos: Option<u8>) -> PyResult<Delivery> {
        let t = SetExecuting::new(fragment).map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.publish(t, qos)
    }

    /// Sets the operation of ``fragment`` FAILED with ``reason`` (template 502).
    #[pyo3(signature = (fragment, reason, *, qos = None))]
    fn set_operation_failed(&self, fragment: &str, reason: &str, qos: Option<u8>) -> PyResult<Delivery> {
        let t = SetFailed::new(fragment)
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .with_failure_reason(c8y_mqtt::client::operations::truncate_reason(reason));
        self.publish(t, qos)
    }

    /// Sets the operation of ``fragment`` SUCCESSFUL with optional parameters (template 503).
    #[pyo3(signature = (fragment, *parameters, qos = None))]
    fn set_operation_successful(
        &self,
        fragment: &str,
        parameters: Vec<String>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let t = SetSuccessful::new(fragment)
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .with_parameters(parameters);
        self.publish(t, qos)
    }

    /// Sets the status of this service (template 104), e.g. ``"up"``, ``"down"``.
    #[pyo3(signature = (status, *, qos = None))]
    fn set_service_status(&self, status: &str, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(ServiceStatusUpdate::new(status).map_err(invalid)?, qos)
    }

    /// Asks the platform for the child devices of this entity (template 105); the answer
    /// arrives as downstream rows ``106``.
    #[pyo3(signature = (*, qos = None))]
    fn request_child_devices(&self, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(GetChildDevices, qos)
    }

    /// Removes fragments from this entity's managed object (template 107), e.g.
    /// ``["c8y_Position"]``.
    #[pyo3(signature = (fragments, *, qos = None))]
    fn clear_device_fragments(&self, fragments: Vec<String>, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(ClearDeviceFragments::new(fragments).map_err(invalid)?, qos)
    }

    /// Updates the mobile fragment ``c8y_Mobile`` (template 111); every value is optional.
    #[pyo3(signature = (imei = None, iccid = None, imsi = None, mcc = None, mnc = None, lac = None, cell_id = None, *, qos = None))]
    #[allow(clippy::too_many_arguments)]
    fn update_mobile(
        &self,
        imei: Option<&str>,
        iccid: Option<&str>,
        imsi: Option<&str>,
        mcc: Option<&str>,
        mnc: Option<&str>,
        lac: Option<&str>,
        cell_id: Option<&str>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut m = Mobile::new();
        if let Some(v) = imei {
            m = m.with_imei(v);
        }
        if let Some(v) = iccid {
            m = m.with_iccid(v);
        }
        if let Some(v) = imsi {
            m = m.with_imsi(v);
        }
        if let Some(v) = mcc {
            m = m.with_mcc(v);
        }
        if let Some(v) = mnc {
            m = m.with_mnc(v);
        }
        if let Some(v) = lac {
            m = m.with_lac(v);
        }
        if let Some(v) = cell_id {
            m = m.with_cell_id(v);
        }
        self.publish(m, qos)
    }

    /// Updates the device's position ``c8y_Position`` (template 112) without an event.
    #[pyo3(signature = (latitude = None, longitude = None, altitude = None, accuracy = None, *, qos = None))]
    fn update_position(
        &self,
        latitude: Option<&Bound<'_, PyAny>>,
        longitude: Option<&Bound<'_, PyAny>>,
        altitude: Option<&Bound<'_, PyAny>>,
        accuracy: Option<i64>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut p = Position::new();
        if let Some(v) = optional_number(latitude)? {
            p = p.with_latitude(v);
        }
        if let Some(v) = optional_number(longitude)? {
            p = p.with_longitude(v);
        }
        if let Some(v) = optional_number(altitude)? {
            p = p.with_altitude(v);
        }
        if let Some(v) = accuracy {
            p = p.with_accuracy(v);
        }
        self.publish(p, qos)
    }

    /// Updates the configuration text ``c8y_Configuration`` (template 113).
    #[pyo3(signature = (config, *, qos = None))]
    fn update_configuration(&self, config: &str, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(Configuration::new(config), qos)
    }

    /// Replaces the software list ``c8y_SoftwareList`` (template 116): ``items`` is a sequence
    /// of ``(name, version, url)`` tuples (version and url may be ``None``); may be empty.
    #[pyo3(signature = (items, *, qos = None))]
    fn set_software_list(&self, items: &Bound<'_, PyAny>, qos: Option<u8>) -> PyResult<Delivery> {
        let mut list = Vec::new();
        for item in items.try_iter()? {
            let [name, version, url] = text_tuple::<3>(&item?, 1, "(name, version, url)")?;
            let mut i = SoftwareListItem::new(name.unwrap_or_default()).map_err(invalid)?;
            if let Some(v) = version {
                i = i.with_version(v);
            }
            if let Some(v) = url {
                i = i.with_url(v);
            }
            list.push(i);
        }
        self.publish(SoftwareList::new(list), qos)
    }

    /// Sets the supported log types ``c8y_SupportedLogs`` (template 118); the whole list is
    /// replaced (an empty list clears it).
    #[pyo3(signature = (log_types, *, qos = None))]
    fn set_supported_logs(&self, log_types: Vec<String>, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(SupportedLogs::new(log_types).map_err(invalid)?, qos)
    }

    /// Sets the supported configuration types ``c8y_SupportedConfigurations`` (template 119);
    /// the whole list is replaced (an empty list clears it).
    #[pyo3(signature = (config_types, *, qos = None))]
    fn set_supported_configurations(&self, config_types: Vec<String>, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(SupportedConfigurations::new(config_types).map_err(invalid)?, qos)
    }

    /// Sets the currently installed configuration of ``config_type`` (template 120): its URL,
    /// optionally a file name and a time.
    #[pyo3(signature = (config_type, url, file_name = None, time = None, *, qos = None))]
    fn set_current_configuration(
        &self,
        config_type: &str,
        url: &str,
        file_name: Option<&str>,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut c = CurrentConfiguration::new(config_type, url).map_err(invalid)?;
        if let Some(v) = file_name {
            c = c.with_file_name(v);
        }
        if let Some(time) = timestamp(time)? {
            c = c.with_time(time);
        }
        self.publish(c, qos)
    }

    /// Reports a device profile (template 121): ``executed`` False when applying starts, True
    /// when done; ``profile_id`` defaults (on the platform) to the EXECUTING profile operation's.
    #[pyo3(signature = (executed, profile_id = None, *, qos = None))]
    fn set_device_profile_applied(
        &self,
        executed: bool,
        profile_id: Option<&str>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut p = DeviceProfileApplied::new(executed);
        if let Some(v) = profile_id {
            p = p.with_profile_id(v);
        }
        self.publish(p, qos)
    }

    /// Sets the agent information ``c8y_Agent`` (template 122): name, version, maintainer and
    /// an optional URL.
    #[pyo3(signature = (name, version, maintainer, url = None, *, qos = None))]
    fn set_agent_information(
        &self,
        name: &str,
        version: &str,
        maintainer: &str,
        url: Option<&str>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut a = AgentInformation::new(name, version, maintainer).map_err(invalid)?;
        if let Some(v) = url {
            a = a.with_url(v);
        }
        self.publish(a, qos)
    }

    /// Sends a heartbeat (template 125): keeps the availability up without data.
    #[pyo3(signature = (*, qos = None))]
    fn send_heartbeat(&self, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(Heartbeat, qos)
    }

    /// Replaces the advanced software list (template 140): ``items`` is a sequence of
    /// ``(name, version, software_type, url)`` tuples (type and url may be ``None`` or left
    /// out); may be empty.
    #[pyo3(signature = (items, *, qos = None))]
    fn set_advanced_software_list(&self, items: &Bound<'_, PyAny>, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(AdvancedSoftwareList::new(advanced_software(items)?), qos)
    }

    /// Adds to the advanced software list (template 141): items as for
    /// ``set_advanced_software_list`` (at least one).
    #[pyo3(signature = (items, *, qos = None))]
    fn append_advanced_software(&self, items: &Bound<'_, PyAny>, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(
            AppendAdvancedSoftware::new(advanced_software(items)?).map_err(invalid)?,
            qos,
        )
    }

    /// Removes from the advanced software list (template 142): ``items`` is a sequence of
    /// ``(name, version)`` tuples (at least one).
    #[pyo3(signature = (items, *, qos = None))]
    fn remove_advanced_software(&self, items: &Bound<'_, PyAny>, qos: Option<u8>) -> PyResult<Delivery> {
        let mut list = Vec::new();
        for item in items.try_iter()? {
            let [name, version] = text_tuple::<2>(&item?, 2, "(name, version)")?;
            list.push(
                SoftwareRemovalItem::new(name.unwrap_or_default(), version.unwrap_or_default())
                    .map_err(invalid)?,
            );
        }
        self.publish(RemoveAdvancedSoftware::new(list).map_err(invalid)?, qos)
    }

    /// Sets the supported software types ``c8y_SupportedSoftwareTypes`` (template 143); the
    /// whole list is replaced (an empty list clears it).
    #[pyo3(signature = (software_types, *, qos = None))]
    fn set_supported_software_types(
        &self,
        software_types: Vec<String>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        self.publish(SupportedSoftwareTypes::new(software_types).map_err(invalid)?, qos)
    }

    /// Sets the remote access protocols ``c8y_RemoteAccessSupportedProtocols`` (template 150),
    /// e.g. ``["SSH", "VNC"]``; the whole list is replaced (an empty list clears it).
    #[pyo3(signature = (protocols, *, qos = None))]
    fn set_remote_access_protocols(&self, protocols: Vec<String>, qos: Option<u8>) -> PyResult<Delivery> {
        self.publish(RemoteAccessProtocols::new(protocols).map_err(invalid)?, qos)
    }

    /// Sends the signal strength (template 210): RSSI, BER or both (at least one).
    #[pyo3(signature = (rssi = None, ber = None, time = None, *, qos = None))]
    fn send_signal_strength(
        &self,
        rssi: Option<&Bound<'_, PyAny>>,
        ber: Option<&Bound<'_, PyAny>>,
        time: Option<&Bound<'_, PyAny>>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut s = SignalStrength::new(optional_number(rssi)?, optional_number(ber)?).map_err(invalid)?;
        if let Some(time) = timestamp(time)? {
            s = s.with_time(time);
        }
        self.publish(s, qos)
    }

    /// Changes the severity of the active alarm of ``alarm_type`` (template 305): "critical",
    /// "major", "minor" or "warning".
    #[pyo3(signature = (alarm_type, severity, *, qos = None))]
    fn set_alarm_severity(&self, alarm_type: &str, severity: &str, qos: Option<u8>) -> PyResult<Delivery> {
        let severity = severity.parse::<Severity>().map_err(invalid)?;
        self.publish(
            AlarmSeverityUpdate::new(alarm_type, severity).map_err(invalid)?,
            qos,
        )
    }

    /// Removes fragments from the active alarm of ``alarm_type`` (template 307; at least one).
    #[pyo3(signature = (alarm_type, fragments, *, qos = None))]
    fn clear_alarm_fragments(
        &self,
        alarm_type: &str,
        fragments: Vec<String>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        self.publish(
            ClearAlarmFragments::new(alarm_type, fragments).map_err(invalid)?,
            qos,
        )
    }

    /// Removes fragments from the event of ``event_type`` (template 407; the list may be empty).
    #[pyo3(signature = (event_type, fragments, *, qos = None))]
    fn clear_event_fragments(
        &self,
        event_type: &str,
        fragments: Vec<String>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        self.publish(
            ClearEventFragments::new(event_type, fragments).map_err(invalid)?,
            qos,
        )
    }

    /// Reports device parameters (template 408): ``parameters`` is a sequence of
    /// ``(path, value_type, value)`` tuples, e.g. ``("c8y_RelayStatus.left", "BOOLEAN",
    /// "true")`` (at least one); the platform records a ``c8y_ParameterUpdate`` event when they
    /// differ from the inventory.
    #[pyo3(signature = (parameters, *, qos = None))]
    fn send_device_parameter_update(
        &self,
        parameters: &Bound<'_, PyAny>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let mut list = Vec::new();
        for item in parameters.try_iter()? {
            let [path, value_type, value] = text_tuple::<3>(&item?, 3, "(path, value_type, value)")?;
            list.push(
                DeviceParameter::new(
                    path.unwrap_or_default(),
                    value_type.unwrap_or_default(),
                    value.unwrap_or_default(),
                )
                .map_err(invalid)?,
            );
        }
        self.publish(DeviceParameterUpdate::new(list).map_err(invalid)?, qos)
    }

    /// Sends any static template by id with its fields (strings, numbers or ``None`` for empty),
    /// validated by the core codec exactly as the platform would read it, e.g.
    /// ``send_static(200, ["c8y_Temperature", "T", 25, "C"])``.
    #[pyo3(signature = (template_id, fields, *, qos = None))]
    fn send_static(
        &self,
        template_id: &Bound<'_, PyAny>,
        fields: &Bound<'_, PyAny>,
        qos: Option<u8>,
    ) -> PyResult<Delivery> {
        let template = static_template(template_id, fields)?;
        self.publish(template, qos)
    }

    fn __repr__(&self) -> String {
        match self.entity.path().last() {
            Some(id) => format!("<Device {:?}>", id.to_string()),
            None => "<Device (the client's device)>".to_owned(),
        }
    }
}

const OPTION_NAMES: &[&str] = &[
    "port",
    "transport",
    "tenant",
    "user",
    "password",
    "cert_pem",
    "key_pem",
    "ca_pem",
    "insecure",
    "xid",
    "keep_alive",
    "connect_timeout",
    "qos",
    "processing_mode",
    "create_device",
    "request_managed_object_id",
    "not_authorized_retries",
    "last_will",
    "resumable_operations",
    "rejection_window",
    "statistics_measurement",
    "device_name",
    "device_type",
    "batching",
    "max_inflight",
    "max_queued",
    "max_queued_bytes",
    "overflow",
    "delivery_events",
    "persistence_dir",
    "fail_unsupported",
    "fail_executing_on_start",
    "json_operations",
    "json_errors",
    "smartrest1",
    "collections",
    "operation_responses",
    "reconnect_delay",
    "http_base_url",
];

/// The JSON over MQTT resource of a ``kind`` ("measurement", "event", "alarm", "inventory").
fn json_resource(kind: &str) -> PyResult<c8y_mqtt::topic::JsonResource> {
    use c8y_mqtt::topic::JsonResource;
    Ok(match kind {
        "measurement" => JsonResource::Measurements,
        "event" => JsonResource::Events,
        "alarm" => JsonResource::Alarms,
        "inventory" => JsonResource::ManagedObjects,
        other => {
            return Err(PyValueError::new_err(format!(
                "kind must be measurement, event, alarm or inventory, not {other:?}"
            )));
        }
    })
}

fn get<'py, T: FromPyObjectOwned<'py>>(
    options: Option<&Bound<'py, PyDict>>,
    name: &str,
) -> PyResult<Option<T>> {
    let Some(options) = options else { return Ok(None) };
    match options.get_item(name)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v.extract::<T>().map(Some).map_err(|e| {
            let e: PyErr = e.into();
            PyTypeError::new_err(format!("option {name}: {e}"))
        }),
    }
}

/// Applies keyword options to a builder.
fn apply(mut builder: ConfigBuilder, options: Option<&Bound<'_, PyDict>>) -> PyResult<ConfigBuilder> {
    if let Some(options) = options {
        for key in options.keys() {
            let key: String = key.extract()?;
            if !OPTION_NAMES.contains(&key.as_str()) {
                return Err(PyTypeError::new_err(format!(
                    "unexpected keyword argument {key:?}"
                )));
            }
        }
    }
    if let Some(port) = get::<u16>(options, "port")? {
        builder = builder.port(port);
    }
    if let Some(transport) = get::<String>(options, "transport")? {
        builder = builder.transport(convert::transport(&transport)?);
    }
    let tenant = get::<String>(options, "tenant")?;
    let user = get::<String>(options, "user")?;
    let password = get::<String>(options, "password")?;
    match (tenant, user, password) {
        (Some(t), Some(u), Some(p)) => builder = builder.password(t, u, p),
        (None, None, None) => {}
        _ => {
            return Err(PyValueError::new_err(
                "tenant, user and password are given together",
            ));
        }
    }
    match (
        get::<String>(options, "cert_pem")?,
        get::<String>(options, "key_pem")?,
    ) {
        (Some(chain_pem), Some(key)) => {
            builder = builder.credentials(c8y_mqtt::client::Credentials::Certificate {
                chain_pem,
                key_pem: key.into(),
            })
        }
        (None, None) => {}
        _ => return Err(PyValueError::new_err("cert_pem and key_pem are given together")),
    }
    match (
        get::<String>(options, "ca_pem")?,
        get::<bool>(options, "insecure")?,
    ) {
        (Some(_), Some(true)) => {
            return Err(PyValueError::new_err(
                "ca_pem and insecure=True are not given together",
            ));
        }
        (Some(ca), _) => builder = builder.trust(TrustRoots::CaPem(ca)),
        (None, Some(true)) => builder = builder.trust(TrustRoots::InsecureNoVerification),
        (None, _) => {}
    }
    if let Some(xid) = get::<String>(options, "xid")? {
        builder = builder.default_xid(xid);
    }
    if let Some(s) = get::<f64>(options, "keep_alive")? {
        builder = builder.keep_alive(convert::seconds("keep_alive", s)?);
    }
    if let Some(s) = get::<f64>(options, "connect_timeout")? {
        builder = builder.connect_timeout(convert::seconds("connect_timeout", s)?);
    }
    if let Some(q) = get::<u8>(options, "qos")? {
        builder = builder.default_qos(convert::qos(q)?);
    }
    if let Some(mode) = get::<String>(options, "processing_mode")? {
        let mode: ProcessingMode = mode
            .parse()
            .map_err(|_| PyValueError::new_err("processing_mode must be s, t, q or c"))?;
        builder = builder.processing_mode(mode);
    }
    let name = get::<String>(options, "device_name")?;
    let device_type = get::<String>(options, "device_type")?;
    // Device creation is on by default in the core; `create_device=False` turns it off.
    if get::<bool>(options, "create_device")? == Some(false) {
        builder = builder.skip_device_creation();
    } else if name.is_some() || device_type.is_some() {
        let mut creation = DeviceCreation::new();
        if let Some(name) = name {
            creation = creation.with_name(name);
        }
        if let Some(t) = device_type {
            creation = creation.with_device_type(t);
        }
        builder = builder.create_device(creation);
    }
    if let Some(on) = get::<bool>(options, "request_managed_object_id")? {
        builder = builder.request_managed_object_id(on);
    }
    if let Some(n) = get::<u32>(options, "not_authorized_retries")? {
        builder = builder.not_authorized_retries(n);
    }
    if let Some(options) = options
        && let Some(will) = options.get_item("last_will")?
        && !will.is_none()
    {
        let (template_id, fields): (Bound<'_, PyAny>, Bound<'_, PyAny>) = will
            .extract()
            .map_err(|_| PyTypeError::new_err("option last_will: a (template_id, fields) pair"))?;
        builder = builder.last_will(static_template(&template_id, &fields)?);
    }
    if let Some(s) = get::<f64>(options, "batching")? {
        builder = builder.batching(convert::seconds("batching", s)?);
    }
    if let Some(n) = get::<u16>(options, "max_inflight")? {
        builder = builder.max_inflight(n);
    }
    let max_messages = get::<usize>(options, "max_queued")?;
    let max_bytes = get::<usize>(options, "max_queued_bytes")?;
    let overflow = get::<String>(options, "overflow")?
        .map(|name| name.parse::<OverflowPolicy>())
        .transpose()
        .map_err(|e| PyValueError::new_err(format!("overflow: {e}")))?;
    if max_messages.is_some() || max_bytes.is_some() || overflow.is_some() {
        let default = OutboxLimits::default();
        builder = builder.outbox(OutboxLimits {
            max_messages: max_messages.unwrap_or(default.max_messages),
            max_bytes: max_bytes.unwrap_or(default.max_bytes),
            overflow: overflow.unwrap_or(default.overflow),
        });
    }
    if let Some(on) = get::<bool>(options, "delivery_events")? {
        builder = builder.delivery_events(on);
    }
    if let Some(url) = get::<String>(options, "http_base_url")? {
        builder = builder.http_base_url(url);
    }
    if let Some(dir) = get::<std::path::PathBuf>(options, "persistence_dir")? {
        builder = builder.persistence_dir(dir);
    }
    if let Some(list) = get::<Vec<String>>(options, "fail_unsupported")? {
        builder = builder.fail_unsupported(list);
    }
    if let Some(s) = get::<f64>(options, "rejection_window")? {
        builder = builder.rejection_window(convert::seconds("rejection_window", s)?);
    }
    if let Some(s) = get::<f64>(options, "statistics_measurement")? {
        builder = builder.statistics_measurement(convert::seconds("statistics_measurement", s)?);
    }
    if let Some(list) = get::<Vec<String>>(options, "resumable_operations")? {
        builder = builder.resumable_operations(list);
    }
    if let Some(on) = get::<bool>(options, "fail_executing_on_start")? {
        builder = builder.fail_executing_on_start(on);
    }
    if get::<bool>(options, "json_operations")?.unwrap_or(false) {
        builder = builder.subscriptions(Subscriptions {
            json_operations: true,
            ..Subscriptions::default()
        });
    }
    if let Some(on) = get::<bool>(options, "json_errors")? {
        builder = builder.json_errors(on);
    }
    if let Some(xids) = get::<Vec<String>>(options, "smartrest1")? {
        for xid in xids {
            let xid = c8y_mqtt::topic::XId::new(xid)
                .map_err(|e| PyValueError::new_err(format!("smartrest1: {e}")))?;
            builder = builder.smartrest1(xid);
        }
    }
    if let Some(collections) = get::<std::collections::BTreeMap<String, String>>(options, "collections")? {
        for (xid, payload) in collections {
            let collection = TemplateCollection::parse(xid, payload.as_bytes())
                .map_err(|e| PyValueError::new_err(format!("collection: {e}")))?;
            builder = builder.collection(collection);
        }
    }
    if let Some(pairs) = get::<Vec<(String, String)>>(options, "operation_responses")? {
        for (xid, msg_id) in pairs {
            builder = builder.operation_response(&xid, &msg_id);
        }
    }
    if let Some(s) = get::<f64>(options, "reconnect_delay")? {
        let initial = convert::seconds("reconnect_delay", s)?;
        builder = builder.reconnect(ReconnectPolicy {
            initial_delay: initial,
            max_delay: initial.saturating_mul(10),
            ..ReconnectPolicy::default()
        });
    }
    Ok(builder)
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
    fn pending_count(&self) -> PyResult<usize> {
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
    fn publish(&self, topic: &str, payload: &Bound<'_, PyAny>, qos: Option<u8>) -> PyResult<Delivery> {
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
        let delivery = match (kind, id) {
            ("measurement", None) => json.create_measurement(&value),
            ("event", None) => json.create_event(&value),
            ("alarm", None) => json.create_alarm(&value),
            ("inventory", Some(id)) => json.update_inventory(id, &value),
            ("inventory", None) => return Err(PyValueError::new_err("inventory updates need id=")),
            (_, Some(_)) if ["measurement", "event", "alarm"].contains(&kind) => {
                return Err(PyValueError::new_err("id= is only for inventory updates"));
            }
            (other, _) => {
                return Err(PyValueError::new_err(format!(
                    "kind must be measurement, event, alarm or inventory, not {other:?}"
                )));
            }
        };
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

/// Access for events: the next event from the core client.
pub(crate) fn next_core(inner: &Inner, timeout: Duration) -> PyResult<NextEvent> {
    let client = inner.client();
    match client {
        Ok(client) => Ok(client.next_event(timeout)),
        Err(_) if inner.client.lock().is_none() && std::process::id() == inner.pid => Ok(NextEvent::Closed),
        Err(e) => Err(e),
    }
}
