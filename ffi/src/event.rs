//! The opaque `c8y_event` (one thing the client reports), its typed getters and the operation
//! lifecycle calls (`c8y_event_operation_executing` / `_succeed` / `_fail`).
//!
//! Every string a getter returns is NUL-terminated UTF-8 borrowed from the event: valid until
//! `c8y_event_free`. What each getter returns per kind is listed on the getter; a getter that
//! does not apply returns NULL / 0.

use std::ffi::{CString, c_char};

use c8y_mqtt::client::{ConnectionState, DeliveryOutcome, DropReason, Event, OperationSource};
use c8y_mqtt::templates::downstream::{DownstreamLine, StaticDownstream};

use crate::boundary::{guard, guard_or, opt_str_arg, str_array, write_out};
use crate::client::{c8y_connection_state, check_pid, state_code};
use crate::error::{Error, c8y_result};
use crate::operation::TypedOperation;
use crate::publish::c_delivery_id;

/// What an event is; from `c8y_event_kind`. New kinds may be added: treat unknown values like
/// `C8Y_EVENT_KIND_OTHER`. The kind of an event, named like its constants (`C8Y_EVENT_KIND_*`);
/// the `_t` suffix only because C gives a type and a function one namespace, and
/// `c8y_event_kind` is the getter.
///
/// cbindgen:prefix-with-name=false
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_event_kind_t {
    /// Not an event (a NULL argument).
    C8yEventKindNone = 0,
    /// The connection state changed: `c8y_event_connection_state`; `c8y_event_text` says why
    /// for disconnected / stopped.
    C8yEventKindConnectionState = 1,
    /// An operation for the device or a child: `c8y_event_operation_kind`,
    /// `_operation_fragment`, `_operation_id`, `_device_id`, fields; answer it with the
    /// lifecycle calls.
    C8yEventKindOperation = 2,
    /// Another static line on `s/ds` (106 child devices, 124 managed object id, an unknown
    /// template): `c8y_event_error_code` is its template id, fields are its values.
    C8yEventKindDownstream = 3,
    /// An error line on `s/e`: `c8y_event_error_code` (40, 41, 45, 50, ...), `c8y_event_text`,
    /// fields `[offending template id, text, extra...]`.
    C8yEventKindSmartrestError = 4,
    /// A template collection status on `s/dt`: fields are the row's fields.
    C8yEventKindTemplateStatus = 5,
    /// A downstream row that could not be parsed: `c8y_event_text` says why.
    C8yEventKindMalformed = 6,
    /// A message on a topic without a typed parser: `c8y_event_topic`, `c8y_event_payload`.
    C8yEventKindMessage = 7,
    /// A registered SmartREST 2.0 collection changed state: fields `[xid, state, detail]`
    /// (`checking`, `creating`, `ready` + managed object id, `failed` + reason).
    C8yEventKindCollection = 8,
    /// A SmartREST 2.0 response line: fields `[xid, message id, values...]`.
    C8yEventKindSmartrest2Response = 9,
    /// A SmartREST 1.0 response row: fields `[xid, message id, values...]`.
    C8yEventKindSmartrest1Response = 10,
    /// A JSON over MQTT error: `c8y_event_text` (message), fields `[error, message, message id]`.
    C8yEventKindJsonError = 11,
    /// A message that could not be read: `c8y_event_topic`, `c8y_event_payload`,
    /// `c8y_event_text` (why).
    C8yEventKindMalformedMessage = 12,
    /// A subscription was refused: `c8y_event_topic`; field 0 is the SUBACK return code
    /// (`"128"`). The client subscribes again with backoff.
    C8yEventKindSubscriptionRefused = 13,
    /// A publish finished: `c8y_event_delivery_id`, `c8y_event_delivery_outcome`.
    C8yEventKindDelivery = 14,
    /// Deliveries loaded from the persistence directory at start: fields are their ids.
    C8yEventKindRecovered = 15,
    /// A file in the persistence directory was skipped: fields `[path]`, `c8y_event_text`.
    C8yEventKindOutboxFileSkipped = 16,
    /// The event queue was full: fields `[count of lost events]`.
    C8yEventKindEventsLost = 17,
    /// The managed object id of the device or a child (`124`): `c8y_event_device_id` is its
    /// external id, field 0 the managed object id.
    C8yEventKindManagedObjectId = 18,
    /// An operation an earlier run set EXECUTING that can finish across a restart
    /// (`c8y_Restart`, `c8y_Firmware`, ...), handed back after the first connect (needs a
    /// persistence directory): read and answer it like `C8Y_EVENT_KIND_OPERATION`.
    C8yEventKindOperationResumed = 19,
    /// The platform refused a row this client sent, tied to its publish:
    /// `c8y_event_delivery_id`, `c8y_event_device_id`, and the `s/e` line as in
    /// `C8Y_EVENT_KIND_SMARTREST_ERROR` (code, text, fields). Its delivery ends
    /// `C8Y_DELIVERY_OUTCOME_REJECTED` unless it had ended before.
    C8yEventKindPublishRejected = 20,
    /// A kind this version of the header does not know.
    C8yEventKindOther = 99,
}

/// How a publish ended; from `c8y_event_delivery_outcome`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_delivery_outcome {
    /// Not a delivery event.
    None = 0,
    /// The platform acknowledged every packet.
    Acknowledged = 1,
    /// QoS 0: written to the network (no acknowledgement exists).
    Sent = 2,
    /// Dropped: the outbox overflowed (drop-oldest policy).
    DroppedOverflow = 3,
    /// Dropped: the client was closed first.
    DroppedClosed = 4,
    /// Dropped: the client stopped on a fatal error.
    DroppedStopped = 5,
    /// Dropped for another reason.
    DroppedOther = 6,
    /// The platform refused the row (`s/e`); the `C8Y_EVENT_KIND_PUBLISH_REJECTED` event with
    /// the same delivery id has the line.
    Rejected = 7,
}

/// One event. Take it from `c8y_client_next_event` (yours: free with `c8y_event_free`) or
/// receive it in a callback (borrowed for the call). Immutable: getters may run on any thread.
pub struct c8y_event {
    event: Event,
    kind: c8y_event_kind_t,
    pid: u32,
    text: Option<CString>,
    fields: Vec<CString>,
    topic: Option<CString>,
    payload: Vec<u8>,
    device: Option<CString>,
    fragment: Option<CString>,
    operation_id: Option<CString>,
    typed: Option<TypedOperation>,
    code: u32,
}

/// A C string from text that may hold NUL bytes (they are dropped).
pub(crate) fn c_string(text: impl Into<String>) -> CString {
    let mut text = text.into();
    text.retain(|c| c != '\0');
    CString::new(text).unwrap_or_default()
}

impl c8y_event {
    /// Wraps an event and prepares its C strings.
    pub(crate) fn new(event: Event, pid: u32) -> Self {
        let mut e = Self {
            kind: c8y_event_kind_t::C8yEventKindOther,
            pid,
            text: None,
            fields: Vec::new(),
            topic: None,
            payload: Vec::new(),
            device: None,
            fragment: None,
            operation_id: None,
            typed: None,
            code: 0,
            event: Event::EventsLost { count: 0 },
        };
        let strings = |items: &[String]| items.iter().map(|s| c_string(s.as_str())).collect::<Vec<_>>();
        match &event {
            Event::ConnectionState(state) => {
                e.kind = c8y_event_kind_t::C8yEventKindConnectionState;
                match state {
                    ConnectionState::Disconnected { error, .. } | ConnectionState::Stopped { error } => {
                        e.text = Some(c_string(error.to_string()));
                    }
                    ConnectionState::SubscriptionsRefused { topics, .. } => {
                        e.fields = strings(topics);
                    }
                    _ => {}
                }
            }
            Event::Operation(op) | Event::OperationResumed(op) => {
                e.kind = if matches!(event, Event::Operation(_)) {
                    c8y_event_kind_t::C8yEventKindOperation
                } else {
                    c8y_event_kind_t::C8yEventKindOperationResumed
                };
                e.device = Some(c_string(op.device.as_str()));
                e.fragment = Some(c_string(op.fragment.as_str()));
                e.operation_id = op.id.as_deref().map(c_string);
                match &op.source {
                    OperationSource::Static(kind) => {
                        e.typed = Some(TypedOperation::new(kind));
                        e.fields = strings(&op.values());
                    }
                    OperationSource::Json(value) => e.fields = vec![c_string(value.to_string())],
                    _ => e.fields = strings(&op.values()),
                }
            }
            Event::Downstream(line) => {
                e.kind = c8y_event_kind_t::C8yEventKindDownstream;
                let fields = line.fields();
                e.code = fields.first().and_then(|id| id.parse().ok()).unwrap_or(0);
                e.fields = strings(fields.get(1..).unwrap_or_default());
                if let StaticDownstream::Unknown { id, .. } = line {
                    e.text = Some(c_string(format!("unknown template {id}")));
                }
            }
            Event::PublishRejected { device, line, .. } => {
                e.kind = c8y_event_kind_t::C8yEventKindPublishRejected;
                e.device = Some(c_string(device.as_str()));
                e.set_error_line(line);
            }
            Event::SmartRestError(line) => {
                e.kind = c8y_event_kind_t::C8yEventKindSmartrestError;
                e.set_error_line(line);
            }
            Event::TemplateStatus(status) => {
                e.kind = c8y_event_kind_t::C8yEventKindTemplateStatus;
                e.fields = strings(&status.fields());
            }
            Event::Malformed(error) => {
                e.kind = c8y_event_kind_t::C8yEventKindMalformed;
                e.text = Some(c_string(error.to_string()));
            }
            Event::Message { topic, payload } => {
                e.kind = c8y_event_kind_t::C8yEventKindMessage;
                e.topic = Some(c_string(topic.as_str()));
                e.payload = payload.to_vec();
            }
            Event::Collection { xid, state } => {
                e.kind = c8y_event_kind_t::C8yEventKindCollection;
                use c8y_mqtt::client::CollectionState;
                let (name, detail) = match state {
                    CollectionState::Checking => ("checking", String::new()),
                    CollectionState::Creating => ("creating", String::new()),
                    CollectionState::Ready { collection_id } => ("ready", collection_id.clone()),
                    CollectionState::Failed { reason } => ("failed", reason.clone()),
                    _ => ("other", String::new()),
                };
                e.fields = strings(&[xid.clone(), name.to_owned(), detail]);
            }
            Event::SmartRest2Response(response) => {
                e.kind = c8y_event_kind_t::C8yEventKindSmartrest2Response;
                let mut items = vec![response.xid.clone(), response.msg_id.clone()];
                items.extend(response.values.iter().cloned());
                e.fields = strings(&items);
            }
            Event::SmartRest1Response { xid, fields } => {
                e.kind = c8y_event_kind_t::C8yEventKindSmartrest1Response;
                let mut items = vec![xid.clone()];
                items.extend(fields.iter().cloned());
                e.fields = strings(&items);
            }
            Event::JsonError(error) => {
                e.kind = c8y_event_kind_t::C8yEventKindJsonError;
                e.text = Some(c_string(error.message.as_str()));
                e.fields = strings(&[
                    error.error.clone(),
                    error.message.clone(),
                    error.message_id.clone().unwrap_or_default(),
                ]);
            }
            Event::MalformedMessage {
                topic,
                reason,
                payload,
            } => {
                e.kind = c8y_event_kind_t::C8yEventKindMalformedMessage;
                e.topic = Some(c_string(topic.as_str()));
                e.text = Some(c_string(reason.as_str()));
                e.payload = payload.to_vec();
            }
            Event::SubscriptionRefused { topic, return_code } => {
                e.kind = c8y_event_kind_t::C8yEventKindSubscriptionRefused;
                e.topic = Some(c_string(topic.as_str()));
                e.fields = vec![c_string(return_code.to_string())];
            }
            Event::Delivery { .. } => e.kind = c8y_event_kind_t::C8yEventKindDelivery,
            Event::Recovered { deliveries } => {
                e.kind = c8y_event_kind_t::C8yEventKindRecovered;
                e.fields = deliveries
                    .iter()
                    .map(|id| c_string(c_delivery_id(*id).to_string()))
                    .collect();
            }
            Event::OutboxFileSkipped { path, reason } => {
                e.kind = c8y_event_kind_t::C8yEventKindOutboxFileSkipped;
                e.text = Some(c_string(reason.as_str()));
                e.fields = vec![c_string(path.display().to_string())];
            }
            Event::ManagedObjectId { device, id } => {
                e.kind = c8y_event_kind_t::C8yEventKindManagedObjectId;
                e.device = Some(c_string(device.as_str()));
                e.fields = vec![c_string(id.as_str())];
            }
            Event::EventsLost { count } => {
                e.kind = c8y_event_kind_t::C8yEventKindEventsLost;
                e.fields = vec![c_string(count.to_string())];
            }
            _ => {}
        }
        e.event = event;
        e
    }

    /// Code, text and fields `[template, text, extra...]` of an `s/e` line.
    fn set_error_line(&mut self, line: &c8y_mqtt::templates::downstream::ErrorLine) {
        self.code = u32::from(line.code);
        self.text = Some(c_string(line.text.as_str()));
        self.fields = [line.template.as_str(), line.text.as_str()]
            .into_iter()
            .chain(line.extra.iter().map(String::as_str))
            .map(c_string)
            .collect();
    }

    /// The typed parameters of a static operation event.
    pub(crate) fn typed(&self) -> Option<&TypedOperation> {
        self.typed.as_ref()
    }

    /// The Rust event.
    pub fn event(&self) -> &Event {
        &self.event
    }
}

/// Runs a getter on a non-NULL event.
fn get<T>(event: *const c8y_event, default: T, body: impl FnOnce(&c8y_event) -> Option<T>) -> T {
    guard_or(default, || {
        // SAFETY: the caller passes NULL or a live event (every getter's contract).
        let event = unsafe { event.as_ref() }?;
        body(event)
    })
}

fn ptr(text: &Option<CString>) -> Option<*const c_char> {
    text.as_ref().map(|s| s.as_ptr())
}

/// Frees an event from `c8y_client_next_event`. NULL is ignored. Never free an event received
/// in a callback.
///
/// # Safety
/// `event` must be NULL or an event from `c8y_client_next_event` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_free(event: *mut c8y_event) {
    guard_or((), || {
        if !event.is_null() {
            // SAFETY: from `Box::into_raw` in `c8y_client_next_event`, freed once.
            drop(unsafe { Box::from_raw(event) });
        }
        Some(())
    })
}

/// The event's kind (`c8y_event_kind`); `C8Y_EVENT_KIND_NONE` for NULL.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_kind(event: *const c8y_event) -> c8y_event_kind_t {
    get(event, c8y_event_kind_t::C8yEventKindNone, |e| Some(e.kind))
}

/// The new state of a `C8Y_EVENT_KIND_CONNECTION_STATE` event; `C8Y_CONNECTION_STATE_NONE`
/// for other kinds.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_connection_state(event: *const c8y_event) -> c8y_connection_state {
    get(event, c8y_connection_state::None, |e| match &e.event {
        Event::ConnectionState(state) => Some(state_code(state)),
        _ => None,
    })
}

/// A human-readable text of the event (see each kind), or NULL. Borrowed: valid until the
/// event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_text(event: *const c8y_event) -> *const c_char {
    get(event, std::ptr::null(), |e| ptr(&e.text))
}

/// The operation fragment (`c8y_Restart`, `c8y_Command`, ...) of an operation event, or NULL.
/// Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_fragment(event: *const c8y_event) -> *const c_char {
    get(event, std::ptr::null(), |e| ptr(&e.fragment))
}

/// The platform's operation id, or NULL when the rendering carries none (static lines) or for
/// other kinds. Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_id(event: *const c8y_event) -> *const c_char {
    get(event, std::ptr::null(), |e| ptr(&e.operation_id))
}

/// The external id of the device an operation is for (the device itself or a child), or NULL.
/// Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_device_id(event: *const c8y_event) -> *const c_char {
    get(event, std::ptr::null(), |e| ptr(&e.device))
}

/// How many fields the event has (see each kind; for a static operation the values after the
/// device id, e.g. the command text of 511; for a JSON operation one field, the JSON text).
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_field_count(event: *const c8y_event) -> usize {
    get(event, 0, |e| Some(e.fields.len()))
}

/// Field `index` (from 0), or NULL when out of range. Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_field(event: *const c8y_event, index: usize) -> *const c_char {
    get(event, std::ptr::null(), |e| {
        e.fields.get(index).map(|f| f.as_ptr())
    })
}

/// The numeric code: the error code of an `s/e` line, the template id of a downstream line; 0
/// otherwise.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_error_code(event: *const c8y_event) -> u32 {
    get(event, 0, |e| Some(e.code))
}

/// The topic of a message, malformed message or refused subscription, or NULL. Borrowed.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_topic(event: *const c8y_event) -> *const c_char {
    get(event, std::ptr::null(), |e| ptr(&e.topic))
}

/// The payload bytes of a message or malformed message (not NUL-terminated), with its length in
/// `*len_out` (0 and NULL for other kinds). Borrowed: valid until the event is freed.
///
/// # Safety
/// `event` must be NULL or a live event; `len_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_payload(event: *const c8y_event, len_out: *mut usize) -> *const u8 {
    let (payload, len) = get(event, (std::ptr::null(), 0), |e| {
        (!e.payload.is_empty()).then_some((e.payload.as_ptr(), e.payload.len()))
    });
    // SAFETY: NULL or writable per the contract.
    unsafe { write_out(len_out, len) };
    payload
}

/// The delivery id of a `C8Y_EVENT_KIND_DELIVERY` event (as returned by the publish call in
/// `*msg_id_out`), or 0.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_delivery_id(event: *const c8y_event) -> u64 {
    get(event, 0, |e| match &e.event {
        Event::Delivery { id, .. } | Event::PublishRejected { id, .. } => Some(c_delivery_id(*id)),
        _ => None,
    })
}

/// How a delivery ended (`c8y_delivery_outcome`); `C8Y_DELIVERY_OUTCOME_NONE` for other kinds.
///
/// # Safety
/// `event` must be NULL or a live event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_delivery_outcome(event: *const c8y_event) -> c8y_delivery_outcome {
    get(event, c8y_delivery_outcome::None, |e| match &e.event {
        Event::Delivery { outcome, .. } => Some(match outcome {
            DeliveryOutcome::Acknowledged => c8y_delivery_outcome::Acknowledged,
            DeliveryOutcome::Sent => c8y_delivery_outcome::Sent,
            DeliveryOutcome::Dropped(DropReason::Overflow) => c8y_delivery_outcome::DroppedOverflow,
            DeliveryOutcome::Dropped(DropReason::Closed) => c8y_delivery_outcome::DroppedClosed,
            DeliveryOutcome::Dropped(DropReason::Stopped) => c8y_delivery_outcome::DroppedStopped,
            DeliveryOutcome::Rejected { .. } => c8y_delivery_outcome::Rejected,
            _ => c8y_delivery_outcome::DroppedOther,
        }),
        _ => None,
    })
}

/// The operation of an event, checked.
pub(crate) fn operation<'a>(
    event: *const c8y_event,
) -> Result<&'a c8y_mqtt::client::ReceivedOperation, Error> {
    // SAFETY: NULL or a live event per the lifecycle calls' contract.
    let event = unsafe { event.as_ref() }.ok_or_else(|| Error::null("event"))?;
    check_pid(event.pid)?;
    match &event.event {
        Event::Operation(op) | Event::OperationResumed(op) => Ok(op),
        _ => Err(Error::new(c8y_result::WrongEventKind, "not an operation event")),
    }
}

/// Sets the operation EXECUTING (`504,<id>` when the id is known, else `501,<fragment>`, on the
/// target device's topic). Does not block; `*msg_id_out` (may be NULL) receives the delivery
/// id. `C8Y_RESULT_WRONG_EVENT_KIND` for other events; `C8Y_RESULT_CLOSED` once the client is
/// closed.
///
/// Thread: any, including the event callback.
///
/// # Safety
/// `event` must be NULL or a live event; `msg_id_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_executing(
    event: *const c8y_event,
    msg_id_out: *mut u64,
) -> c8y_result {
    guard(|| {
        let delivery = operation(event)?.executing()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_out(msg_id_out, c_delivery_id(delivery.id())) };
        Ok(())
    })
}

/// Sets the operation SUCCESSFUL with `n` result parameters (`506,<id>,...` or
/// `503,<fragment>,...`); `params` may be NULL when `n` is 0. Like
/// `c8y_event_operation_executing` otherwise.
///
/// # Safety
/// `event` must be NULL or a live event; `params` NULL or `n` strings; `msg_id_out` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_succeed(
    event: *const c8y_event,
    params: *const *const c_char,
    n: usize,
    msg_id_out: *mut u64,
) -> c8y_result {
    guard(|| {
        let op = operation(event)?;
        // SAFETY: per the contract.
        let params = unsafe { str_array(params, n, "params") }?;
        let delivery = op.succeed(params)?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_out(msg_id_out, c_delivery_id(delivery.id())) };
        Ok(())
    })
}

/// Sets the operation FAILED with `reason` (cut to 500 bytes; NULL for none) (`505,<id>,...`
/// or `502,<fragment>,...`). Like `c8y_event_operation_executing` otherwise.
///
/// # Safety
/// `event` must be NULL or a live event; `reason` NULL or NUL-terminated; `msg_id_out` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_event_operation_fail(
    event: *const c8y_event,
    reason: *const c_char,
    msg_id_out: *mut u64,
) -> c8y_result {
    guard(|| {
        let op = operation(event)?;
        // SAFETY: per the contract.
        let reason = unsafe { opt_str_arg(reason, "reason") }?.unwrap_or("");
        let delivery = op.fail(reason)?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_out(msg_id_out, c_delivery_id(delivery.id())) };
        Ok(())
    })
}

#[cfg(test)]
mod tests;
