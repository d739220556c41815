//! `Delivery`: what every publish returns. It holds the core's delivery handle; the Python
//! `concurrent.futures.Future` of its outcome is created only on the first `future()` or `await`,
//! and is then completed by the dispatcher thread; `wait()` blocks on the handle itself.

use std::sync::Arc;
use std::time::Duration;

use c8y_mqtt::client::Delivery as CoreDelivery;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::convert;
use crate::dispatch::{Job, new_future};
use crate::errors;
use crate::inner::Inner;

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

    /// Waits (GIL released) up to ``timeout`` seconds for the outcome, without a future or the
    /// dispatcher thread: returns ``"acknowledged"`` or ``"sent"``, or None when the message is
    /// still pending; raises what ``future()`` would fail with when it was dropped or refused.
    /// Raises ``InCallbackError`` in an event callback.
    #[pyo3(signature = (timeout = 30.0))]
    fn wait(&self, py: Python<'_>, timeout: f64) -> PyResult<Option<String>> {
        // At most a year: the core adds the timeout to the current instant.
        let timeout = convert::seconds("timeout", timeout)?.min(Duration::from_secs(365 * 24 * 3600));
        self.inner.check_fork()?;
        self.inner.check_not_in_callback("Delivery.wait()")?;
        match py.detach(|| self.handle.wait(timeout)) {
            Some(outcome) => crate::dispatch::outcome_result(py, outcome).map(Some),
            None => Ok(None),
        }
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

impl Delivery {
    /// The `Delivery` of a queued publish of the client `inner`.
    pub(crate) fn new(handle: CoreDelivery, inner: Arc<Inner>) -> Self {
        Self {
            id: handle.id().0,
            handle,
            inner,
            future: PyOnceLock::new(),
        }
    }
}
