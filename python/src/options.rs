//! The keyword options of `Client(...)` and `Client.from_env(...)`: their names, and `apply`,
//! which converts each given option to Python-independent values and hands it to the core's
//! `ConfigBuilder` (the core checks the values when the configuration is built).

use c8y_mqtt::client::{
    ConfigBuilder, OutboxLimits, OverflowPolicy, ReconnectPolicy, Subscriptions, TrustRoots,
};
use c8y_mqtt::smartrest2::TemplateCollection;
use c8y_mqtt::templates::upstream::DeviceCreation;
use c8y_mqtt::topic::ProcessingMode;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::device::static_template;

/// The option names `apply` accepts (any other keyword is a `TypeError`).
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

/// The option `name` converted to `T`; None when absent or None.
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
pub(crate) fn apply(
    mut builder: ConfigBuilder,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<ConfigBuilder> {
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
