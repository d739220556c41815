//! Cloud Remote Access for Python: `RemoteAccess(client, allow=[...])` wraps the core's
//! `c8y_mqtt::remote_access::RemoteAccess` (docs/protocol.md §13). This module only converts:
//! the allow-list from `"host:port"` strings, outcomes to `(status, reason)` tuples, tunnels and
//! their events to dicts. Every rule (allow-list, statuses, relay) lives in the core.

use std::sync::Arc;
use std::time::Duration;

use c8y_mqtt::client::BlockingClient;
use c8y_mqtt::remote_access::{
    AllowList, RemoteAccess as CoreRemoteAccess, RemoteAccessOptions, TunnelEnd, TunnelEvent, TunnelInfo,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokio::sync::broadcast;

use crate::client::Client;
use crate::errors;
use crate::events::Operation;

fn tunnel_dict<'py>(py: Python<'py>, tunnel: &TunnelInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", tunnel.id)?;
    d.set_item("device", &tunnel.device)?;
    d.set_item("operation_id", &tunnel.operation_id)?;
    d.set_item("host", &tunnel.host)?;
    d.set_item("port", tunnel.port)?;
    d.set_item("bytes_to_target", tunnel.bytes_to_target)?;
    d.set_item("bytes_from_target", tunnel.bytes_from_target)?;
    d.set_item("duration", tunnel.duration.as_secs_f64())?;
    Ok(d)
}

fn end_text(end: &TunnelEnd) -> (&'static str, Option<String>) {
    match end {
        TunnelEnd::TargetClosed => ("target_closed", None),
        TunnelEnd::PlatformClosed => ("platform_closed", None),
        TunnelEnd::Closed => ("closed", None),
        TunnelEnd::Error(reason) => ("error", Some(reason.clone())),
    }
}

/// Opens Cloud Remote Access tunnels (``530``) to the allowed targets only.
///
/// ``allow`` lists ``"host:port"`` targets (``"[::1]:22"`` for IPv6); nothing else is reached.
/// ``handle(op)`` answers ``("SUCCESSFUL", None)`` once the tunnel runs, or
/// ``("FAILED", reason)``; ``next_event(timeout)`` returns the tunnels' ``opened`` and
/// ``closed`` events as dicts (subscribed when the object is made).
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct RemoteAccess {
    remote: CoreRemoteAccess,
    client: Arc<BlockingClient>,
    events: tokio::sync::Mutex<broadcast::Receiver<TunnelEvent>>,
}

#[pymethods]
impl RemoteAccess {
    #[new]
    #[pyo3(signature = (client, allow, *, connect_timeout = 30.0, max_tunnels = 16))]
    fn new(
        client: PyRef<'_, Client>,
        allow: Vec<String>,
        connect_timeout: f64,
        max_tunnels: usize,
    ) -> PyResult<Self> {
        let blocking = client.blocking()?;
        let allow = AllowList::parse(&allow.join(",")).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let timeout = Duration::try_from_secs_f64(connect_timeout)
            .map_err(|_| PyValueError::new_err("connect_timeout must be a positive number of seconds"))?;
        let http = blocking.as_async().http().map_err(errors::http_error)?;
        let remote = CoreRemoteAccess::with_http(
            http,
            allow,
            RemoteAccessOptions {
                connect_timeout: timeout,
                max_tunnels,
            },
        );
        let events = tokio::sync::Mutex::new(remote.subscribe());
        Ok(Self {
            remote,
            client: blocking,
            events,
        })
    }

    /// The allowed targets as ``(host, port)`` pairs.
    fn allow_list(&self) -> Vec<(String, u16)> {
        self.remote.allow_list().targets().to_vec()
    }

    /// Whether ``op`` is a remote-access operation (``530``).
    fn supports(&self, op: PyRef<'_, Operation>) -> bool {
        self.remote.supports(op.received())
    }

    /// Runs ``op`` (GIL released): ``None`` when it is not a ``530`` (nothing is sent), else
    /// ``("SUCCESSFUL", None)`` with the tunnel running, or ``("FAILED", reason)``.
    fn handle(
        &self,
        py: Python<'_>,
        op: PyRef<'_, Operation>,
    ) -> PyResult<Option<(&'static str, Option<String>)>> {
        let op = op.received().clone();
        let remote = self.remote.clone();
        let outcome = py
            .detach(|| self.client.run(async move { remote.handle(&op).await }))
            .ok_or_else(errors::closed)?;
        Ok(outcome.map(|result| match result {
            Ok(_) => ("SUCCESSFUL", None),
            Err(error) => ("FAILED", Some(error.to_string())),
        }))
    }

    /// The open tunnels as dicts (``id``, ``device``, ``operation_id``, ``host``, ``port``,
    /// ``bytes_to_target``, ``bytes_from_target``, ``duration`` in seconds).
    fn tunnels<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.remote.tunnels().iter().map(|t| tunnel_dict(py, t)).collect()
    }

    /// Ends every open tunnel.
    fn close_all(&self) {
        self.remote.close_all();
    }

    /// The next tunnel event (GIL released), or ``None`` after ``timeout`` seconds (``None``:
    /// wait without limit): a tunnel dict with ``event`` (``"opened"`` or ``"closed"``) and, for
    /// ``closed``, ``end`` (``"target_closed"``, ``"platform_closed"``, ``"closed"`` or
    /// ``"error"``) and ``reason``.
    #[pyo3(signature = (timeout = None))]
    fn next_event<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let timeout = timeout
            .map(Duration::try_from_secs_f64)
            .transpose()
            .map_err(|_| PyValueError::new_err("timeout must be a positive number of seconds"))?;
        let event = py
            .detach(|| {
                self.client.run(async {
                    let mut events = self.events.lock().await;
                    let next = async {
                        loop {
                            match events.recv().await {
                                Ok(event) => return Some(event),
                                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                                Err(broadcast::error::RecvError::Closed) => return None,
                            }
                        }
                    };
                    match timeout {
                        Some(limit) => tokio::time::timeout(limit, next).await.ok().flatten(),
                        None => next.await,
                    }
                })
            })
            .ok_or_else(errors::closed)?;
        let Some(event) = event else { return Ok(None) };
        let d = match &event {
            TunnelEvent::Opened(tunnel) => {
                let d = tunnel_dict(py, tunnel)?;
                d.set_item("event", "opened")?;
                d
            }
            TunnelEvent::Closed { tunnel, end } => {
                let d = tunnel_dict(py, tunnel)?;
                let (end, reason) = end_text(end);
                d.set_item("event", "closed")?;
                d.set_item("end", end)?;
                d.set_item("reason", reason)?;
                d
            }
        };
        Ok(Some(d))
    }
}
