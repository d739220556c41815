//! `Delivery`: what every publish returns. It holds the core's delivery handle; the Python
//! `concurrent.futures.Future` of its outcome is created only on the first `future()` or `await`,
//! and is then completed by the dispatcher thread.

use std::sync::Arc;

use c8y_mqtt::client::Delivery as CoreDelivery;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

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
