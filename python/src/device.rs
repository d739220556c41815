//! `Device`: the handle of the device or of a child device or service below it, with its typed
//! publish methods (`send_*`, `set_*`, `clear_*`: the core's upstream templates built from
//! Python arguments), and `static_template` (any static template from its id and fields, also
//! the client's `last_will` option).

use std::sync::Arc;

use c8y_mqtt::client::{Entity, PublishOptions};
use c8y_mqtt::smartrest::Record;
use c8y_mqtt::templates::upstream::{
    AdvancedSoftwareItem, AdvancedSoftwareList, AgentInformation, AlarmSeverityUpdate,
    AppendAdvancedSoftware, Battery, ClearAlarm, ClearAlarmFragments, ClearDeviceFragments,
    ClearEventFragments, Configuration, CurrentConfiguration, CustomMeasurement, DeviceParameter,
    DeviceParameterUpdate, DeviceProfileApplied, Event as EventTemplate, GetChildDevices, Heartbeat,
    LocationUpdate, LocationUpdateWithDevice, MeasurementSeries, Mobile, MultiSeriesMeasurement, Position,
    RemoteAccessProtocols, RemoveAdvancedSoftware, ServiceStatusUpdate, SetExecuting, SetFailed,
    SetSuccessful, SignalStrength, SoftwareList, SoftwareListItem, SoftwareRemovalItem,
    SupportedConfigurations, SupportedLogs, SupportedSoftwareTypes, Temperature, Upstream, raise_alarm,
};
use c8y_mqtt::value::Severity;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{self, number, optional_number, timestamp};
use crate::delivery::Delivery;
use crate::errors::client_error;
use crate::inner::Inner;

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
    pub(crate) entity: Entity,
    pub(crate) inner: Arc<Inner>,
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

    pub(crate) fn handle(&self, entity: Entity) -> Self {
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
pub(crate) fn static_template(
    template_id: &Bound<'_, PyAny>,
    fields: &Bound<'_, PyAny>,
) -> PyResult<Upstream> {
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

    /// Sends many single-value measurements (template 200 each) in one call: ``rows`` is an
    /// iterable of ``(fragment, series, value)``, ``(fragment, series, value, unit)`` or
    /// ``(fragment, series, value, unit, time)`` tuples, read as by ``send_measurement``.
    /// Returns one ``Delivery`` per row, in order. Every row is converted before any is queued,
    /// so a bad row raises ``ValueError``/``TypeError`` and nothing is sent. When queueing fails
    /// part-way (e.g. ``QueueFullError``), the rows before stay queued and the exception's
    /// ``deliveries`` attribute lists their ``Delivery`` objects.
    #[pyo3(signature = (rows, *, qos = None))]
    fn send_measurement_rows(
        &self,
        py: Python<'_>,
        rows: &Bound<'_, PyAny>,
        qos: Option<u8>,
    ) -> PyResult<Vec<Delivery>> {
        const SHAPE: &str = "each row is a (fragment, series, value[, unit[, time]]) tuple";
        let mut measurements = Vec::with_capacity(rows.len().unwrap_or(0));
        for row in rows.try_iter()? {
            let row = row?;
            let tuple = row.cast::<PyTuple>().map_err(|_| PyTypeError::new_err(SHAPE))?;
            if !(3..=5).contains(&tuple.len()) {
                return Err(PyValueError::new_err(SHAPE));
            }
            let fragment = tuple.get_borrowed_item(0)?;
            let series = tuple.get_borrowed_item(1)?;
            let value = tuple.get_borrowed_item(2)?;
            let mut m = CustomMeasurement::new(
                fragment.extract::<String>()?,
                series.extract::<String>()?,
                number(&value)?,
            )
            .map_err(invalid)?;
            if tuple.len() >= 4
                && let Some(unit) = tuple.get_borrowed_item(3)?.extract::<Option<String>>()?
            {
                m = m.with_unit(unit);
            }
            if tuple.len() == 5
                && let Some(time) = timestamp(Some(&tuple.get_item(4)?))?
            {
                m = m.with_time(time);
            }
            measurements.push(m);
        }
        self.inner.check_fork()?;
        let options = PublishOptions {
            qos: qos.map(convert::qos).transpose()?,
            mode: None,
        };
        let mut deliveries = Vec::with_capacity(measurements.len());
        for m in measurements {
            match self.inner.delivered(self.entity.publish_with(m, options)) {
                Ok(delivery) => deliveries.push(delivery),
                Err(error) => {
                    let queued = deliveries
                        .into_iter()
                        .map(|d| Py::new(py, d))
                        .collect::<PyResult<Vec<_>>>()?;
                    error.value(py).setattr("deliveries", queued)?;
                    return Err(error);
                }
            }
        }
        Ok(deliveries)
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
    fn set_hardware(
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
    fn set_firmware(
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
    fn set_mobile(
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
    fn set_position(
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
    fn set_configuration(&self, config: &str, qos: Option<u8>) -> PyResult<Delivery> {
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
