//! The opaque options builder `c8y_options` (host, device id, transport, TLS trust, credentials,
//! persistence, reconnect, outbox limits, batching, subscriptions, SmartREST 2.0 collections,
//! operation handling). Bootstrap registration with these options is in
//! [`registration`](crate::registration).

use std::ffi::c_char;
use std::time::Duration;

use c8y_mqtt::QoS;
use c8y_mqtt::client::{
    Config, ConfigBuilder, Credentials, OutboxLimits, OverflowPolicy, ReconnectPolicy, Secret, TransportKind,
    TrustRoots,
};
use c8y_mqtt::smartrest2::TemplateCollection;
use c8y_mqtt::templates::upstream::DeviceCreation;

use crate::boundary::{c_strings, guard, out_arg, str_arg, str_array, write_out};
use crate::error::{Error, c8y_result};

/// How the client reaches the platform; the values of `c8y_options_set_transport`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_transport {
    /// MQTT over plain TCP (default port 1883). For local development only.
    Tcp = 0,
    /// MQTT over TLS (default port 8883). The default.
    Tls = 1,
    /// MQTT over WebSocket (default port 80, path `/mqtt`).
    Ws = 2,
    /// MQTT over secure WebSocket (default port 443, path `/mqtt`).
    Wss = 3,
}

/// What a publish does when the outbox is full; the values of `c8y_options_set_outbox_limits`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_overflow {
    /// Refuse the new message with `C8Y_RESULT_QUEUE_FULL`. The default.
    Reject = 0,
    /// Drop the oldest queued messages (their deliveries end as dropped).
    DropOldest = 1,
}

/// An MQTT QoS level (0, 1, 2), for `c8y_options_set_qos` and `c8y_client_publish_raw`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_qos {
    /// At most once.
    AtMostOnce = 0,
    /// At least once (acknowledged with PUBACK). The default.
    AtLeastOnce = 1,
    /// Exactly once.
    ExactlyOnce = 2,
}

/// Reads a QoS given as `uint32_t`.
pub(crate) fn qos_from(value: u32) -> Result<QoS, Error> {
    QoS::try_from(value).map_err(|e| Error::invalid("qos", e))
}

/// The client options: an opaque builder. Create with `c8y_options_new`, adjust with the
/// `c8y_options_set_*` functions, pass to `c8y_client_new` (which copies it), free with
/// `c8y_options_free`. Not thread-safe: use one options object from one thread at a time.
pub struct c8y_options {
    /// The core's builder; `None` only while a setter runs.
    pub(crate) builder: Option<ConfigBuilder>,
}

impl c8y_options {
    pub(crate) fn update(&mut self, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) {
        self.builder = self.builder.take().map(f);
    }

    /// The core's builder these options hold.
    pub(crate) fn builder(&self) -> Result<&ConfigBuilder, Error> {
        self.builder
            .as_ref()
            .ok_or_else(|| Error::new(c8y_result::Internal, "options lost"))
    }

    /// The configuration these options describe.
    pub(crate) fn build(&self) -> Result<Config, Error> {
        self.builder()?.clone().build().map_err(Error::from)
    }
}

/// Runs a setter body on non-NULL options.
pub(crate) fn with_options(
    options: *mut c8y_options,
    body: impl FnOnce(&mut c8y_options) -> Result<(), Error>,
) -> c8y_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live `c8y_options` used by no other thread.
        let options = unsafe { options.as_mut() }.ok_or_else(|| Error::null("options"))?;
        body(options)
    })
}

fn millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// Creates options for `host` (name or address) and the device id (the `c8y_Serial` external
/// id, no `:`), with every other setting at its default: TLS on port 8883, the system trust
/// store, QoS 1, keep-alive 60 s, no device creation. Credentials are required before
/// `c8y_client_new` (`c8y_options_set_password`, `c8y_options_set_client_certificate` or
/// `c8y_options_register`).
///
/// Ownership: `*options_out` is written only on success and belongs to the caller, who frees it
/// with `c8y_options_free`. The strings are copied.
///
/// # Safety
/// `host` and `device_id` must be NULL or NUL-terminated strings; `options_out` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_new(
    host: *const c_char,
    device_id: *const c_char,
    options_out: *mut *mut c8y_options,
) -> c8y_result {
    guard(|| {
        let (host, device_id) = c_strings!(req host => "host", req device_id => "device_id");
        out_arg(options_out, "options_out")?;
        let options = Box::new(c8y_options {
            builder: Some(Config::builder(host, device_id)),
        });
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { write_out(options_out, Box::into_raw(options)) };
        Ok(())
    })
}

/// Creates options from the process environment, the same `C8Y_*` variables the Rust
/// (`Config::from_env`) and Python (`Client.from_env`) faces read: `C8Y_HOST`, `C8Y_DEVICE_ID`,
/// `C8Y_TENANT`, `C8Y_USER` and `C8Y_PASSWORD` (or `C8Y_CERT_FILE` and `C8Y_KEY_FILE`), and
/// optionally `C8Y_TRANSPORT`, `C8Y_PORT`, `C8Y_CA_FILE`, `C8Y_XID`, `C8Y_KEEP_ALIVE`, `C8Y_QOS`,
/// `C8Y_PROCESSING_MODE`, `C8Y_HTTP_URL`. A missing or invalid variable is
/// `C8Y_RESULT_INVALID_CONFIG`, with the variable's name in the last error message.
///
/// Ownership: as `c8y_options_new`.
///
/// # Safety
/// `options_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_from_env(options_out: *mut *mut c8y_options) -> c8y_result {
    guard(|| {
        out_arg(options_out, "options_out")?;
        let options = Box::new(c8y_options {
            builder: Some(Config::from_env()?),
        });
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { write_out(options_out, Box::into_raw(options)) };
        Ok(())
    })
}

/// Frees options made by `c8y_options_new`. NULL is ignored. Clients made from them are not
/// affected (they hold a copy).
///
/// # Safety
/// `options` must be NULL or a pointer from `c8y_options_new` not yet freed; no other thread
/// may use it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_free(options: *mut c8y_options) {
    crate::boundary::guard_or((), || {
        if !options.is_null() {
            // SAFETY: from `Box::into_raw` in `c8y_options_new`, freed once per the contract.
            drop(unsafe { Box::from_raw(options) });
        }
        Some(())
    })
}

/// Sets the port (default: the transport's platform port, see `c8y_transport`).
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_port(options: *mut c8y_options, port: u16) -> c8y_result {
    with_options(options, |o| {
        if port == 0 {
            return Err(Error::invalid("port", "must not be 0"));
        }
        o.update(|b| b.port(port));
        Ok(())
    })
}

/// Sets the transport, a `c8y_transport` value (`C8Y_TRANSPORT_TCP`, `_TLS`, `_WS`, `_WSS`);
/// `C8Y_RESULT_INVALID_ARGUMENT` for any other value.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_transport(options: *mut c8y_options, transport: u32) -> c8y_result {
    with_options(options, |o| {
        let transport = match transport {
            0 => TransportKind::Tcp,
            1 => TransportKind::Tls,
            2 => TransportKind::Ws,
            3 => TransportKind::Wss,
            other => {
                return Err(Error::invalid(
                    "transport",
                    format!("{other} is no c8y_transport"),
                ));
            }
        };
        o.update(|b| b.transport(transport));
        Ok(())
    })
}

/// Logs in with the user `<tenant>/<user>` and a password (copied; never logged).
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; the strings NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_password(
    options: *mut c8y_options,
    tenant: *const c_char,
    user: *const c_char,
    password: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let (tenant, user, password) = c_strings!(
            req tenant => "tenant",
            req user => "user",
            req password => "password",
        );
        o.update(|b| b.password(tenant, user, password));
        Ok(())
    })
}

/// Logs in with an X.509 client certificate (TLS only): the PEM certificate chain (leaf first)
/// and the PEM private key, both copied. The certificate's CN must equal the device id.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; the strings NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_client_certificate(
    options: *mut c8y_options,
    chain_pem: *const c_char,
    key_pem: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let (chain, key) = c_strings!(req chain_pem => "chain_pem", req key_pem => "key_pem");
        o.update(|b| {
            b.credentials(Credentials::Certificate {
                chain_pem: chain.to_owned(),
                key_pem: Secret::new(key),
            })
        });
        Ok(())
    })
}

/// Trusts the CA certificates in `ca_pem` (PEM text, copied) for the server: only those, or
/// also the system store when `with_system_roots` is true. Default: the system store.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `ca_pem` NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_ca_pem(
    options: *mut c8y_options,
    ca_pem: *const c_char,
    with_system_roots: bool,
) -> c8y_result {
    with_options(options, |o| {
        // SAFETY: a valid string or NULL per the contract.
        let pem = unsafe { str_arg(ca_pem, "ca_pem") }?.to_owned();
        let trust = if with_system_roots {
            TrustRoots::SystemAndCaPem(pem)
        } else {
            TrustRoots::CaPem(pem)
        };
        o.update(|b| b.trust(trust));
        Ok(())
    })
}

/// With `insecure` true, accepts ANY server certificate (no verification at all): for a local
/// test endpoint only. False restores the system trust store.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_tls_insecure(
    options: *mut c8y_options,
    insecure: bool,
) -> c8y_result {
    with_options(options, |o| {
        let trust = if insecure {
            TrustRoots::InsecureNoVerification
        } else {
            TrustRoots::System
        };
        o.update(|b| b.trust(trust));
        Ok(())
    })
}

/// Sets the default SmartREST 2.0 X-ID: the MQTT client id becomes `d:<device id>:<xid>`.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `xid` NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_default_xid(
    options: *mut c8y_options,
    xid: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let xid = c_strings!(req xid => "xid");
        o.update(|b| b.default_xid(xid));
        Ok(())
    })
}

/// Sets the MQTT keep-alive in seconds (0 = off); default 60.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_keep_alive(options: *mut c8y_options, seconds: u32) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.keep_alive(Duration::from_secs(u64::from(seconds))));
        Ok(())
    })
}

/// Sets how long one connection attempt may take, in milliseconds; default 30 000.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_connect_timeout(options: *mut c8y_options, ms: u32) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.connect_timeout(millis(ms)));
        Ok(())
    })
}

/// Sets the QoS of every publish (a `c8y_qos` value 0, 1 or 2); default 1.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_qos(options: *mut c8y_options, qos: u32) -> c8y_result {
    with_options(options, |o| {
        let qos = qos_from(qos)?;
        o.update(|b| b.default_qos(qos));
        Ok(())
    })
}

/// Sets the reconnect backoff: the first wait after a failure and the cap, in milliseconds
/// (doubling in between, with jitter). Defaults 1 000 and 60 000.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_reconnect(
    options: *mut c8y_options,
    initial_ms: u32,
    max_ms: u32,
) -> c8y_result {
    with_options(options, |o| {
        let policy = ReconnectPolicy {
            initial_delay: millis(initial_ms),
            max_delay: millis(max_ms),
            ..ReconnectPolicy::default()
        };
        policy
            .validate()
            .map_err(|e| Error::chain(c8y_result::InvalidArgument, &e))?;
        o.update(|b| b.reconnect(policy));
        Ok(())
    })
}

/// Bounds the outbox (messages not yet acknowledged): at most `max_messages` messages and
/// `max_bytes` payload bytes; `overflow` is a `c8y_overflow` value. Defaults 10 000 messages,
/// 16 MiB, reject.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_outbox_limits(
    options: *mut c8y_options,
    max_messages: usize,
    max_bytes: usize,
    overflow: u32,
) -> c8y_result {
    with_options(options, |o| {
        let overflow = match overflow {
            0 => OverflowPolicy::Reject,
            1 => OverflowPolicy::DropOldest,
            other => return Err(Error::invalid("overflow", format!("{other} is no c8y_overflow"))),
        };
        if max_messages == 0 || max_bytes == 0 {
            return Err(Error::invalid("outbox limits", "must be > 0"));
        }
        o.update(|b| {
            b.outbox(OutboxLimits {
                max_messages,
                max_bytes,
                overflow,
            })
        });
        Ok(())
    })
}

/// Keeps the outbox on disk in `dir` (created when missing): QoS >= 1 messages survive a crash
/// and are sent by the next client using the directory. One client per directory at a time.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `dir` NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_persistence_dir(
    options: *mut c8y_options,
    dir: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let dir = c_strings!(req dir => "dir");
        o.update(|b| b.persistence_dir(dir));
        Ok(())
    })
}

/// The base URL of the platform's REST API (`http://…` or `https://…`) for file transfer and
/// tokens; default `https://<domain>` for a host `mqtt.<domain>`, else `https://<host>`.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `url` NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_http_base_url(
    options: *mut c8y_options,
    url: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let url = c_strings!(req url => "url");
        o.update(|b| b.http_base_url(url));
        Ok(())
    })
}

/// Turns on auto-batching: rows queued for the same topic go out as one publish after waiting
/// at most `linger_ms` for more. Off by default.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_batching(options: *mut c8y_options, linger_ms: u32) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.batching(millis(linger_ms)));
        Ok(())
    })
}

/// Sets the most QoS >= 1 publishes awaiting acknowledgement at once (default 100, > 0).
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_max_inflight(options: *mut c8y_options, max: u16) -> c8y_result {
    with_options(options, |o| {
        if max == 0 {
            return Err(Error::invalid("max", "must be > 0"));
        }
        o.update(|b| b.max_inflight(max));
        Ok(())
    })
}

/// Publishes the client's statistics (`c8y_client_statistics`) every `interval_ms` as a
/// `c8y_ClientStatistics` measurement of the device, the first one an interval after the start.
/// Off by default; 0 turns it off.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_statistics_measurement(
    options: *mut c8y_options,
    interval_ms: u32,
) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.statistics_measurement(millis(interval_ms)));
        Ok(())
    })
}

/// Whether every finished publish is reported as a `C8Y_EVENT_KIND_DELIVERY` event (default
/// true).
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_delivery_events(options: *mut c8y_options, on: bool) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.delivery_events(on));
        Ok(())
    })
}

/// The device creation (template 100 with this name and type; either may be NULL for the
/// platform's default) sent after every connect, before subscribing. By default the client
/// sends `100` with the device id as name and `c8y_MQTTDevice` as type; see
/// `c8y_options_skip_device_creation`.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; the strings NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_create_device(
    options: *mut c8y_options,
    name: *const c_char,
    device_type: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let (name, device_type) = c_strings!(
            opt name => "name",
            opt device_type => "device_type",
        );
        let mut creation = DeviceCreation::new();
        if let Some(name) = name {
            creation = creation.with_name(name);
        }
        if let Some(device_type) = device_type {
            creation = creation.with_device_type(device_type);
        }
        o.update(|b| b.create_device(creation));
        Ok(())
    })
}

/// Also receives operations as JSON (`devicecontrol/notifications`), which carry the operation
/// id; off by default.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_json_operations(options: *mut c8y_options, on: bool) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.json_operations(on));
        Ok(())
    })
}

/// Tunnels every connection through an HTTP CONNECT proxy; `user` and `password` (both or
/// neither) for basic authentication. Proxy environment variables are never read.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; the strings NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_http_proxy(
    options: *mut c8y_options,
    host: *const c_char,
    port: u16,
    user: *const c_char,
    password: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let (host, user, password) = c_strings!(
            req host => "host",
            opt user => "user",
            opt password => "password",
        );
        let basic_auth = match (user, password) {
            (Some(user), Some(password)) => Some((user.to_owned(), Secret::new(password))),
            (None, None) => None,
            _ => return Err(Error::invalid("user/password", "give both or neither")),
        };
        o.update(|b| b.http_proxy(host, port, basic_auth));
        Ok(())
    })
}

/// Registers a SmartREST 2.0 template collection `xid` from its creation rows (`10,...` and
/// `11,...` lines as published on `s/ut/<xid>`): the client creates it when missing and
/// `c8y_client_send_smartrest2` sends its use lines. `C8Y_RESULT_INVALID_TEMPLATE` when a row
/// is invalid.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; the strings NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_add_collection(
    options: *mut c8y_options,
    xid: *const c_char,
    definition: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let (xid, definition) = c_strings!(req xid => "xid", req definition => "definition");
        let collection = TemplateCollection::parse(xid, definition.as_bytes())
            .map_err(|e| Error::chain(c8y_result::InvalidTemplate, &e))?;
        o.update(|b| b.collection(collection));
        Ok(())
    })
}

/// Declares the response template `msg_id` of collection `xid` as an operation rendering: its
/// lines arrive as `C8Y_EVENT_KIND_OPERATION` events.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; the strings NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_add_operation_response(
    options: *mut c8y_options,
    xid: *const c_char,
    msg_id: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let (xid, msg_id) = c_strings!(req xid => "xid", req msg_id => "msg_id");
        o.update(|b| b.operation_response(xid, msg_id));
        Ok(())
    })
}

/// Subscribes `s/dl/<xid>`: the rows of SmartREST 1.0 responses for the template collection
/// `xid` arrive as `C8Y_EVENT_KIND_SMARTREST1_RESPONSE` events (send its rows with
/// `c8y_client_send_smartrest1`). May be called for several X-IDs. `C8Y_RESULT_INVALID_ARGUMENT`
/// for an X-ID that cannot be a topic level.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `xid` NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_add_smartrest1(
    options: *mut c8y_options,
    xid: *const c_char,
) -> c8y_result {
    with_options(options, |o| {
        let xid = c_strings!(req xid => "xid");
        let xid = c8y_mqtt::topic::XId::new(xid).map_err(|e| Error::invalid("xid", e))?;
        o.update(|b| b.smartrest1(xid));
        Ok(())
    })
}

/// Subscribes the JSON over MQTT `error` topic: errors the platform returns for JSON
/// documents (`c8y_client_send_json`, ...) arrive as `C8Y_EVENT_KIND_JSON_ERROR` events; off
/// by default.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_json_errors(options: *mut c8y_options, on: bool) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.json_errors(on));
        Ok(())
    })
}

/// Fails every operation whose fragment is not one of these `n` fragments automatically
/// (EXECUTING, then FAILED "Unsupported operation") instead of delivering it.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `fragments` NULL (when `n`
/// is 0) or `n` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_fail_unsupported(
    options: *mut c8y_options,
    fragments: *const *const c_char,
    n: usize,
) -> c8y_result {
    with_options(options, |o| {
        // SAFETY: per the contract.
        let fragments = unsafe { str_array(fragments, n, "fragments") }?;
        o.update(|b| b.fail_unsupported(fragments));
        Ok(())
    })
}

/// Sends no device creation (`100`) after connecting: for devices created another way.
/// Subscriptions refused because the device does not exist yet are retried with backoff.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_skip_device_creation(options: *mut c8y_options) -> c8y_result {
    with_options(options, |o| {
        o.update(ConfigBuilder::skip_device_creation);
        Ok(())
    })
}

/// A last will: the static template `template_id` with its `n` fields, executed by the platform
/// as the device's publish on `s/us` when the connection ends without DISCONNECT (for example
/// `400` with `c8y_ConnectionEvent` and a text). `C8Y_RESULT_INVALID_TEMPLATE` when the fields
/// do not fit the template.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `fields` NULL (when `n` is
/// 0) or `n` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_last_will(
    options: *mut c8y_options,
    template_id: u32,
    fields: *const *const c_char,
    n: usize,
) -> c8y_result {
    with_options(options, |o| {
        // SAFETY: per the contract.
        let fields = unsafe { str_array(fields, n, "fields") }?;
        let will = crate::publish::static_template(template_id, &fields)?;
        o.update(|b| b.last_will(will));
        Ok(())
    })
}

/// Asks for the device's managed object id (`123`) after every connect until it is known
/// (`c8y_client_managed_object_id`); off by default.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_request_managed_object_id(
    options: *mut c8y_options,
    on: bool,
) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.request_managed_object_id(on));
        Ok(())
    })
}

/// How many consecutive CONNACK 5 ("not authorized") refusals are retried before the client
/// stops (default 3).
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_not_authorized_retries(
    options: *mut c8y_options,
    retries: u32,
) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.not_authorized_retries(retries));
        Ok(())
    })
}

/// The `n` operation fragments that stay EXECUTING across a restart for the application to
/// finish (default `c8y_Restart`, `c8y_Firmware`, `c8y_SoftwareUpdate`, `c8y_DeviceProfile`);
/// every other operation left EXECUTING is failed after the first connect.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; `fragments` NULL (when `n`
/// is 0) or `n` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_resumable_operations(
    options: *mut c8y_options,
    fragments: *const *const c_char,
    n: usize,
) -> c8y_result {
    with_options(options, |o| {
        // SAFETY: per the contract.
        let fragments = unsafe { str_array(fragments, n, "fragments") }?;
        o.update(|b| b.resumable_operations(fragments));
        Ok(())
    })
}

/// Whether operations an earlier run left EXECUTING are cleaned up after the first connect (on
/// by default): resumable ones stay EXECUTING (handed back as
/// `C8Y_EVENT_KIND_OPERATION_RESUMED` with a persistence directory), the others are failed by
/// id or with a fragment-scoped `507` for the device and each child.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_set_fail_executing_on_start(
    options: *mut c8y_options,
    on: bool,
) -> c8y_result {
    with_options(options, |o| {
        o.update(|b| b.fail_executing_on_start(on));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::c8y_options_register;
    use std::ptr::{null, null_mut};

    fn options() -> *mut c8y_options {
        let mut out = null_mut();
        // SAFETY: valid strings and out-param.
        let rc = unsafe { c8y_options_new(c"localhost".as_ptr(), c"dev1".as_ptr(), &mut out) };
        assert_eq!(rc, c8y_result::Ok);
        out
    }

    #[test]
    fn new_checks_every_argument_and_writes_only_on_success() {
        let mut out = std::ptr::dangling_mut::<c8y_options>();
        // SAFETY: NULL arguments are allowed and reported.
        unsafe {
            assert_eq!(
                c8y_options_new(null(), c"d".as_ptr(), &mut out),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_new(c"h".as_ptr(), null(), &mut out),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_new(c"h".as_ptr(), c"d".as_ptr(), null_mut()),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_new(c"\xff".as_ptr(), c"d".as_ptr(), &mut out),
                c8y_result::InvalidUtf8
            );
        }
        assert_eq!(out, std::ptr::dangling_mut(), "not written on failure");
        // SAFETY: NULL is ignored.
        unsafe { c8y_options_free(null_mut()) };
    }

    #[test]
    fn setters_reject_null_and_out_of_range_values() {
        let o = options();
        // SAFETY: `o` is live; NULL options and arguments are reported.
        unsafe {
            assert_eq!(c8y_options_set_port(null_mut(), 1), c8y_result::NullParameter);
            assert_eq!(c8y_options_set_transport(o, 4), c8y_result::InvalidArgument);
            assert_eq!(
                c8y_options_set_transport(o, u32::MAX),
                c8y_result::InvalidArgument
            );
            assert_eq!(c8y_options_set_qos(o, 3), c8y_result::InvalidArgument);
            assert_eq!(
                c8y_options_set_outbox_limits(o, 10, 10, 2),
                c8y_result::InvalidArgument
            );
            assert_eq!(
                c8y_options_set_password(o, c"t".as_ptr(), null(), c"p".as_ptr()),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_set_http_proxy(o, c"p".as_ptr(), 1, c"u".as_ptr(), null()),
                c8y_result::InvalidArgument
            );
            assert_eq!(
                c8y_options_set_fail_unsupported(o, null(), 1),
                c8y_result::NullParameter
            );
            assert_eq!(c8y_options_set_fail_unsupported(o, null(), 0), c8y_result::Ok);
            assert_eq!(c8y_options_set_reconnect(o, 10, 5), c8y_result::InvalidArgument);
            assert_eq!(
                c8y_options_add_collection(o, c"x".as_ptr(), c"bogus".as_ptr()),
                c8y_result::InvalidTemplate
            );
            // No credentials yet.
            assert_eq!((*o).build().unwrap_err().code, c8y_result::InvalidConfig);
            assert_eq!(
                c8y_options_set_transport(o, c8y_transport::Tcp as u32),
                c8y_result::Ok
            );
            assert_eq!(
                c8y_options_set_password(o, c"t".as_ptr(), c"u".as_ptr(), c"p".as_ptr()),
                c8y_result::Ok
            );
            assert_eq!(c8y_options_set_default_xid(o, c"xid1".as_ptr()), c8y_result::Ok);
            let config = (*o).build().unwrap();
            assert_eq!(config.port(), 1883);
            assert_eq!(config.client_id().to_string(), "d:dev1:xid1");
            c8y_options_free(o);
        }
    }

    #[test]
    fn every_setter_checks_the_options_pointer() {
        let o: *mut c8y_options = null_mut();
        let s = c"x".as_ptr();
        // SAFETY: NULL options are part of the contract.
        let codes = unsafe {
            [
                c8y_options_set_port(o, 1),
                c8y_options_set_transport(o, 0),
                c8y_options_set_password(o, s, s, s),
                c8y_options_set_client_certificate(o, s, s),
                c8y_options_set_ca_pem(o, s, false),
                c8y_options_set_tls_insecure(o, true),
                c8y_options_set_default_xid(o, s),
                c8y_options_set_keep_alive(o, 1),
                c8y_options_set_connect_timeout(o, 1),
                c8y_options_set_qos(o, 1),
                c8y_options_set_reconnect(o, 1, 2),
                c8y_options_set_outbox_limits(o, 1, 1, 0),
                c8y_options_set_persistence_dir(o, s),
                c8y_options_set_batching(o, 1),
                c8y_options_set_max_inflight(o, 1),
                c8y_options_set_delivery_events(o, true),
                c8y_options_set_create_device(o, s, s),
                c8y_options_set_json_operations(o, true),
                c8y_options_set_http_proxy(o, s, 1, null(), null()),
                c8y_options_add_collection(o, s, s),
                c8y_options_add_operation_response(o, s, s),
                c8y_options_set_fail_unsupported(o, null(), 0),
                c8y_options_set_fail_executing_on_start(o, true),
                c8y_options_register(o, s, s, 1),
            ]
        };
        for (i, code) in codes.into_iter().enumerate() {
            assert_eq!(code, c8y_result::NullParameter, "setter {i}");
        }
        // And each required string argument of a live options object.
        let o = options();
        // SAFETY: `o` is live until freed.
        unsafe {
            assert_eq!(
                c8y_options_set_client_certificate(o, null(), s),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_set_client_certificate(o, s, null()),
                c8y_result::NullParameter
            );
            assert_eq!(c8y_options_set_ca_pem(o, null(), true), c8y_result::NullParameter);
            assert_eq!(c8y_options_set_default_xid(o, null()), c8y_result::NullParameter);
            assert_eq!(
                c8y_options_set_persistence_dir(o, null()),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_set_http_proxy(o, null(), 1, null(), null()),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_add_collection(o, null(), s),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_add_collection(o, s, null()),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_add_operation_response(o, null(), s),
                c8y_result::NullParameter
            );
            assert_eq!(
                c8y_options_add_operation_response(o, s, null()),
                c8y_result::NullParameter
            );
            assert_eq!(c8y_options_register(o, s, null(), 1), c8y_result::NullParameter);
            assert_eq!(
                c8y_options_set_create_device(o, null(), null()),
                c8y_result::Ok,
                "both optional"
            );
            assert_eq!(c8y_options_set_port(o, 0), c8y_result::InvalidArgument);
            assert_eq!(c8y_options_set_max_inflight(o, 0), c8y_result::InvalidArgument);
            assert_eq!(
                c8y_options_set_outbox_limits(o, 0, 1, 0),
                c8y_result::InvalidArgument
            );
            c8y_options_free(o);
        }
    }
}
