//! What the client reports, as Python objects: `Event` (every kind, with the attributes its
//! kind fills) and `Operation` (with `executing`, `succeed`, `fail`), and the iterators behind
//! `client.events()` and `client.operations()`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use c8y_mqtt::client::{
    CollectionState, ConnectionState, DeliveryOutcome, Event as CoreEvent, NextEvent, OperationSource,
    ReceivedOperation,
};
use c8y_mqtt::templates::downstream::{DownstreamLine, TemplateStatus};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::convert;
use crate::delivery::Delivery;
use crate::inner::{Inner, next_core};
use crate::operation_kind;

/// How long one GIL-free wait lasts before signals (Ctrl-C) are checked.
const SLICE: Duration = Duration::from_millis(100);

/// The name of a connection state.
pub(crate) fn state_name(state: &ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connecting { .. } => "connecting",
        ConnectionState::Connected => "connected",
        ConnectionState::Disconnected { .. } => "disconnected",
        ConnectionState::Stopped { .. } => "stopped",
        ConnectionState::Closed => "closed",
        ConnectionState::SubscriptionsRefused { .. } => "subscriptions_refused",
        _ => "unknown",
    }
}

/// Something the client reported. ``kind`` says what; the attributes that do not apply to it
/// are None (or empty).
///
/// Kinds: "connection_state" (``state``, ``error``), "operation" (``operation``),
/// "downstream" (``template``, ``values``), "smartrest_error" (``code``, ``template``,
/// ``text``), "template_status" (``xid``, ``text``), "malformed" / "malformed_message"
/// (``topic``, ``text``, ``payload``), "message" (``topic``, ``payload``), "collection"
/// (``xid``, ``state``, ``text``), "smartrest2_response" (``xid``, ``template``, ``values``),
/// "smartrest1_response" (``xid``, ``values``), "json_error" (``code``, ``text``,
/// ``template``), "subscription_refused" (``topic``), "delivery" (``delivery_id``,
/// ``outcome``), "recovered" (``values``), "outbox_file_skipped" (``topic``, ``text``),
/// "events_lost" (``count``).
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct Event {
    /// What happened.
    #[pyo3(get)]
    kind: &'static str,
    /// Connection or collection state.
    #[pyo3(get)]
    state: Option<String>,
    /// Why (connection errors).
    #[pyo3(get)]
    error: Option<String>,
    /// The operation ("operation" events).
    #[pyo3(get)]
    operation: Option<Py<Operation>>,
    /// The delivery id ("delivery" events).
    #[pyo3(get)]
    delivery_id: Option<u64>,
    /// "acknowledged", "sent", "dropped_overflow", "dropped_closed", "dropped_stopped".
    #[pyo3(get)]
    outcome: Option<&'static str>,
    /// The topic.
    #[pyo3(get)]
    topic: Option<String>,
    /// The payload as received.
    #[pyo3(get)]
    payload: Option<Py<PyBytes>>,
    /// A message id / template id.
    #[pyo3(get)]
    template: Option<String>,
    /// A numeric code (``s/e`` code).
    #[pyo3(get)]
    code: Option<i64>,
    /// A text.
    #[pyo3(get)]
    text: Option<String>,
    /// Values.
    #[pyo3(get)]
    values: Vec<String>,
    /// An X-ID.
    #[pyo3(get)]
    xid: Option<String>,
    /// A count ("events_lost").
    #[pyo3(get)]
    count: Option<u64>,
}

impl Event {
    fn of(kind: &'static str) -> Self {
        Self {
            kind,
            state: None,
            error: None,
            operation: None,
            delivery_id: None,
            outcome: None,
            topic: None,
            payload: None,
            template: None,
            code: None,
            text: None,
            values: Vec::new(),
            xid: None,
            count: None,
        }
    }
}

#[pymethods]
impl Event {
    /// For "smartrest_error" events: the ``SmartRestError`` exception describing the rejection
    /// (to raise or log); None for other kinds.
    fn exception(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.kind != "smartrest_error" && self.kind != "publish_rejected" {
            return Ok(None);
        }
        let class = py.import("c8y_mqtt.errors")?.getattr("SmartRestError")?;
        Ok(Some(
            class
                .call1((
                    self.template.clone().unwrap_or_default(),
                    self.text.clone().unwrap_or_default(),
                    self.code,
                ))?
                .unbind(),
        ))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let mut parts = vec![format!("kind={:?}", self.kind)];
        let mut add = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                parts.push(format!("{name}={v}"));
            }
        };
        add("state", self.state.as_ref().map(|s| format!("{s:?}")));
        add("error", self.error.as_ref().map(|s| format!("{s:?}")));
        add(
            "operation",
            self.operation.as_ref().map(|o| o.get().repr_text(py)),
        );
        add("delivery_id", self.delivery_id.map(|d| d.to_string()));
        add("outcome", self.outcome.map(|s| format!("{s:?}")));
        add("topic", self.topic.as_ref().map(|s| format!("{s:?}")));
        add(
            "payload",
            self.payload
                .as_ref()
                .map(|p| format!("{:?}", String::from_utf8_lossy(p.bind(py).as_bytes()))),
        );
        add("template", self.template.as_ref().map(|s| format!("{s:?}")));
        add("code", self.code.map(|c| c.to_string()));
        add("text", self.text.as_ref().map(|s| format!("{s:?}")));
        add("xid", self.xid.as_ref().map(|s| format!("{s:?}")));
        add("count", self.count.map(|c| c.to_string()));
        if !self.values.is_empty() {
            parts.push(format!("values={:?}", self.values));
        }
        format!("Event({})", parts.join(", "))
    }
}

/// An operation for the device or one of its children, delivered once. Move it to EXECUTING
/// as soon as it arrives (``executing()``), then ``succeed(...)`` or ``fail(reason)``; each
/// returns the ``Delivery`` of the status update.
///
/// Attributes: ``id`` (the platform's operation id when the rendering carries it: JSON and
/// SmartREST 2.0 operations), ``device`` (target external id), ``fragment`` (``c8y_Restart``,
/// ...), ``source`` ("static", "json", "smartrest2"), ``template`` (static template id, e.g.
/// 511, or the SmartREST 2.0 message id), ``values`` (the fields after the device id), and
/// ``json`` (the operation object, for JSON operations).
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct Operation {
    op: ReceivedOperation,
    inner: Arc<Inner>,
    template: Option<String>,
    values: Vec<String>,
}

impl Operation {
    fn new(op: ReceivedOperation, inner: Arc<Inner>) -> Self {
        let template = match &op.source {
            OperationSource::Static(kind) => Some(kind.template_id().to_string()),
            OperationSource::SmartRest2 { msg_id, .. } => Some(msg_id.clone()),
            _ => None,
        };
        let values = op.values();
        Self {
            op,
            inner,
            template,
            values,
        }
    }

    /// The core's operation (for the workflows).
    pub(crate) fn received(&self) -> &ReceivedOperation {
        &self.op
    }

    fn source_name(&self) -> &'static str {
        match self.op.source {
            OperationSource::Static(_) => "static",
            OperationSource::Json(_) => "json",
            OperationSource::SmartRest2 { .. } => "smartrest2",
            _ => "other",
        }
    }

    /// `Operation(fragment=..., device=..., id=..., source=..., template=...` then the typed
    /// kind (`kind=Command(text='ls')`) for static operations, else the values.
    fn repr_text(&self, py: Python<'_>) -> String {
        let mut text = format!(
            "Operation(fragment={:?}, device={:?}, id={}, source={:?}",
            self.op.fragment,
            self.op.device,
            self.op
                .id
                .as_ref()
                .map_or("None".to_owned(), |i| format!("{i:?}")),
            self.source_name(),
        );
        if let Some(t) = &self.template {
            text.push_str(&format!(", template={t:?}"));
        }
        let kind = self
            .kind(py)
            .ok()
            .flatten()
            .and_then(|kind| kind.bind(py).repr().ok().map(|r| r.to_string()));
        if let Some(kind) = kind {
            text.push_str(&format!(", kind={kind}"));
        } else if !self.values.is_empty() {
            text.push_str(&format!(", values={:?}", self.values));
        }
        text.push(')');
        text
    }
}

#[pymethods]
impl Operation {
    /// The platform's operation id, when known.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.op.id.as_deref()
    }

    /// The external id of the target device.
    #[getter]
    fn device(&self) -> &str {
        &self.op.device
    }

    /// The operation fragment (``c8y_Restart``, ``c8y_Command``, ...).
    #[getter]
    fn fragment(&self) -> &str {
        &self.op.fragment
    }

    /// How it arrived: "static", "json" or "smartrest2".
    #[getter]
    fn source(&self) -> &'static str {
        self.source_name()
    }

    /// The static template id (e.g. "511") or SmartREST 2.0 message id; None for JSON.
    #[getter]
    fn template(&self) -> Option<&str> {
        self.template.as_deref()
    }

    /// The values after the device id (static and SmartREST 2.0 operations).
    #[getter]
    fn values(&self) -> Vec<String> {
        self.values.clone()
    }

    /// The typed parameters of a static operation as a plain dict (``{"kind": "Command",
    /// "text": ...}``); None for JSON and SmartREST 2.0 operations. Read ``kind`` instead.
    #[getter]
    fn _kind_fields<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.op
            .kind()
            .map(|kind| operation_kind::kind_fields(py, kind, &self.values))
            .transpose()
    }

    /// The typed parameters of a static operation: a frozen dataclass of
    /// ``c8y_mqtt.operations`` (``Command(text=...)``, ``Restart()``, ...); None for JSON and
    /// SmartREST 2.0 operations (read ``json`` / ``values``).
    #[getter]
    fn kind(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let Some(fields) = self._kind_fields(py)? else {
            return Ok(None);
        };
        let build = py.import("c8y_mqtt.operations")?.getattr("_from_fields")?;
        Ok(Some(build.call1((fields,))?.unbind()))
    }

    /// The operation object (a dict) for JSON operations; None otherwise.
    #[getter]
    fn json(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.op.json().map(|v| convert::from_json(py, v)).transpose()
    }

    /// Sets the operation EXECUTING (504 by id, or 501 by fragment).
    fn executing(&self) -> PyResult<Delivery> {
        self.inner.check_fork()?;
        self.inner.delivered(self.op.executing())
    }

    /// Sets the operation SUCCESSFUL with optional result parameters (506 / 503).
    #[pyo3(signature = (*parameters))]
    fn succeed(&self, parameters: Vec<String>) -> PyResult<Delivery> {
        self.inner.check_fork()?;
        self.inner.delivered(self.op.succeed(parameters))
    }

    /// Sets the operation FAILED with ``reason`` (cut to 500 bytes; 505 / 502).
    #[pyo3(signature = (reason, *))]
    fn fail(&self, reason: &str) -> PyResult<Delivery> {
        self.inner.check_fork()?;
        self.inner.delivered(self.op.fail(reason))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        self.repr_text(py)
    }
}

fn outcome_name(outcome: DeliveryOutcome) -> &'static str {
    use c8y_mqtt::client::DropReason;
    match outcome {
        DeliveryOutcome::Acknowledged => "acknowledged",
        DeliveryOutcome::Sent => "sent",
        DeliveryOutcome::Dropped(DropReason::Overflow) => "dropped_overflow",
        DeliveryOutcome::Dropped(DropReason::Closed) => "dropped_closed",
        DeliveryOutcome::Dropped(DropReason::Stopped) => "dropped_stopped",
        DeliveryOutcome::Dropped(DropReason::CollectionFailed) => "dropped_collection_failed",
        DeliveryOutcome::Rejected { .. } => "rejected",
        _ => "dropped",
    }
}

/// The Python object for a core event: an `Operation` for operations, an `Event` otherwise.
pub(crate) fn to_python(py: Python<'_>, inner: &Arc<Inner>, event: CoreEvent) -> PyResult<Py<PyAny>> {
    let bytes = |b: &[u8]| PyBytes::new(py, b).unbind();
    let e = match event {
        CoreEvent::Operation(op) => {
            let mut e = Event::of("operation");
            e.operation = Some(Py::new(py, Operation::new(*op, Arc::clone(inner)))?);
            e
        }
        CoreEvent::OperationResumed(op) => {
            let mut e = Event::of("operation_resumed");
            e.operation = Some(Py::new(py, Operation::new(*op, Arc::clone(inner)))?);
            e
        }
        CoreEvent::ConnectionState(state) => {
            let mut e = Event::of("connection_state");
            e.state = Some(state_name(&state).to_owned());
            e.error = match &state {
                ConnectionState::Disconnected { error, .. } | ConnectionState::Stopped { error } => {
                    Some(error.to_string())
                }
                _ => None,
            };
            if let ConnectionState::SubscriptionsRefused { topics, .. } = &state {
                e.values.clone_from(topics);
            }
            e
        }
        CoreEvent::Downstream(line) => {
            let mut e = Event::of("downstream");
            let mut fields = line.fields().into_iter();
            e.template = fields.next();
            e.values = fields.collect();
            e
        }
        CoreEvent::SmartRestError(line) => {
            let mut e = Event::of("smartrest_error");
            e.code = Some(i64::from(line.code));
            e.template = Some(line.template);
            e.text = Some(line.text);
            e.values = line.extra;
            e
        }
        CoreEvent::TemplateStatus(status) => {
            let mut e = Event::of("template_status");
            match status {
                TemplateStatus::Exists { x_id, collection_id } => {
                    e.xid = Some(x_id);
                    e.state = Some("exists".into());
                    e.text = Some(collection_id);
                }
                TemplateStatus::Missing { x_id } => {
                    e.xid = Some(x_id);
                    e.state = Some("missing".into());
                }
            }
            e
        }
        CoreEvent::Malformed(error) => {
            let mut e = Event::of("malformed");
            e.text = Some(error.to_string());
            e
        }
        CoreEvent::Message { topic, payload } => {
            let mut e = Event::of("message");
            e.topic = Some(topic);
            e.payload = Some(bytes(&payload));
            e
        }
        CoreEvent::Collection { xid, state } => {
            let mut e = Event::of("collection");
            e.xid = Some(xid);
            let (name, text) = match state {
                CollectionState::Checking => ("checking", None),
                CollectionState::Creating => ("creating", None),
                CollectionState::Ready { collection_id } => ("ready", Some(collection_id)),
                CollectionState::Failed { reason } => ("failed", Some(reason)),
                _ => ("unknown", None),
            };
            e.state = Some(name.into());
            e.text = text;
            e
        }
        CoreEvent::SmartRest2Response(response) => {
            let mut e = Event::of("smartrest2_response");
            e.xid = Some(response.xid);
            e.template = Some(response.msg_id);
            e.values = response.values;
            e
        }
        CoreEvent::SmartRest1Response { xid, fields } => {
            let mut e = Event::of("smartrest1_response");
            e.xid = Some(xid);
            e.values = fields;
            e
        }
        CoreEvent::JsonError(error) => {
            let mut e = Event::of("json_error");
            e.text = Some(error.message);
            e.template = error.message_id;
            e.error = Some(error.error);
            e
        }
        CoreEvent::MalformedMessage {
            topic,
            reason,
            payload,
        } => {
            let mut e = Event::of("malformed_message");
            e.topic = Some(topic);
            e.text = Some(reason);
            e.payload = Some(bytes(&payload));
            e
        }
        CoreEvent::SubscriptionRefused { topic, return_code } => {
            let mut e = Event::of("subscription_refused");
            e.topic = Some(topic);
            e.code = Some(i64::from(return_code));
            e
        }
        CoreEvent::Delivery { id, outcome } => {
            let mut e = Event::of("delivery");
            e.delivery_id = Some(id.0);
            e.outcome = Some(outcome_name(outcome));
            e
        }
        CoreEvent::Recovered { deliveries } => {
            let mut e = Event::of("recovered");
            e.values = deliveries.iter().map(|d| d.0.to_string()).collect();
            e
        }
        CoreEvent::OutboxFileSkipped { path, reason } => {
            let mut e = Event::of("outbox_file_skipped");
            e.topic = Some(path.display().to_string());
            e.text = Some(reason);
            e
        }
        CoreEvent::EventsLost { count } => {
            let mut e = Event::of("events_lost");
            e.count = Some(count);
            e
        }
        CoreEvent::PublishRejected { id, device, line } => {
            let mut e = Event::of("publish_rejected");
            e.delivery_id = Some(id.0);
            e.code = Some(i64::from(line.code));
            e.template = Some(line.template);
            e.text = Some(line.text);
            e.values = vec![device];
            e
        }
        CoreEvent::ManagedObjectId { device, id } => {
            let mut e = Event::of("managed_object_id");
            e.values = vec![device, id];
            e
        }
        other => {
            let mut e = Event::of("other");
            e.text = Some(format!("{other:?}"));
            e
        }
    };
    Ok(Py::new(py, e)?.into_any())
}

/// One pull from the event queue.
pub(crate) enum Next {
    /// An `Event` (or an `Operation` when only operations are asked for).
    Item(Py<PyAny>),
    /// Nothing within the timeout.
    Timeout,
    /// The client is closed and drained.
    Closed,
}

/// Waits for the next event (or operation), the GIL released in short slices so that Ctrl-C
/// interrupts the wait.
pub(crate) fn next(
    py: Python<'_>,
    inner: &Arc<Inner>,
    timeout: Option<f64>,
    operations: bool,
) -> PyResult<Next> {
    let deadline = match timeout {
        Some(t) => Some(Instant::now() + convert::seconds("timeout", t)?),
        None => None,
    };
    loop {
        let slice = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
            None => SLICE,
        };
        let next = py.detach(|| next_core(inner, slice))?;
        match next {
            NextEvent::Event(CoreEvent::Operation(op)) if operations => {
                return Ok(Next::Item(
                    Py::new(py, Operation::new(*op, Arc::clone(inner)))?.into_any(),
                ));
            }
            NextEvent::Event(_) if operations => {}
            NextEvent::Event(event) => return Ok(Next::Item(to_python(py, inner, event)?)),
            NextEvent::Closed => return Ok(Next::Closed),
            NextEvent::Timeout => {}
        }
        py.check_signals()?;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Next::Timeout);
        }
    }
}

/// The iterator of ``client.events()``: yields every ``Event`` until ``timeout`` seconds pass
/// without one (never when None) or the client is closed.
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct EventIterator {
    inner: Arc<Inner>,
    timeout: Option<f64>,
}

impl EventIterator {
    pub(crate) fn new(inner: &Arc<Inner>, timeout: Option<f64>) -> PyResult<Self> {
        if let Some(t) = timeout {
            convert::seconds("timeout", t)?;
        }
        Ok(Self {
            inner: Arc::clone(inner),
            timeout,
        })
    }
}

#[pymethods]
impl EventIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match next(py, &self.inner, self.timeout, false)? {
            Next::Item(item) => Ok(Some(item)),
            Next::Timeout | Next::Closed => Ok(None),
        }
    }
}

/// The iterator of ``client.operations()``: yields every ``Operation`` (other events are
/// skipped) until ``timeout`` seconds pass without one (never when None) or the client is
/// closed.
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct OperationIterator {
    inner: Arc<Inner>,
    timeout: Option<f64>,
}

impl OperationIterator {
    pub(crate) fn new(inner: &Arc<Inner>, timeout: Option<f64>) -> PyResult<Self> {
        if let Some(t) = timeout {
            convert::seconds("timeout", t)?;
        }
        Ok(Self {
            inner: Arc::clone(inner),
            timeout,
        })
    }
}

#[pymethods]
impl OperationIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match next(py, &self.inner, self.timeout, true)? {
            Next::Item(item) => Ok(Some(item)),
            Next::Timeout | Next::Closed => Ok(None),
        }
    }
}
