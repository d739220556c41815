//! The one SDK thread per client that calls into Python: it completes delivery futures
//! (`concurrent.futures.Future`, on PUBACK) and runs the optional event callback. It is a plain
//! thread (never a tokio worker of the client) running a current-thread runtime; it takes the
//! GIL only to call out, skips calls once the interpreter is shutting down, and reports a
//! callback's exception to `sys.unraisablehook`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread::{JoinHandle, ThreadId};

use c8y_mqtt::client::Delivery;
use c8y_mqtt::client::{BlockingClient, DeliveryOutcome, NextEvent};
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::sync::{Notify, mpsc};

use crate::events;
use crate::inner::Inner;

/// Name of the dispatcher thread (`/proc/self/task/*/comm` shows its first 15 bytes).
pub(crate) const THREAD_NAME: &str = "c8y-mqtt-dispatch";

/// Work for the dispatcher.
pub(crate) enum Job {
    /// Complete this future when the delivery ends.
    Watch(Delivery, Py<PyAny>),
}

/// The event callback slot, shared with the dispatcher.
#[derive(Default)]
pub(crate) struct Callback {
    pub(crate) function: Mutex<Option<Py<PyAny>>>,
    pub(crate) on: AtomicBool,
    pub(crate) changed: Notify,
}

/// A running dispatcher.
pub(crate) struct Dispatcher {
    jobs: mpsc::UnboundedSender<Job>,
    thread: JoinHandle<()>,
    id: ThreadId,
}

impl Dispatcher {
    /// Starts the dispatcher thread for `client`.
    pub(crate) fn start(
        client: Arc<BlockingClient>,
        inner: Weak<Inner>,
        callback: Arc<Callback>,
    ) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || runtime.block_on(run(client, inner, callback, rx)))?;
        let id = thread.thread().id();
        Ok(Self { jobs, thread, id })
    }

    /// Queues a job; false when the dispatcher has ended.
    pub(crate) fn send(&self, job: Job) -> bool {
        self.jobs.send(job).is_ok()
    }

    /// The dispatcher thread's id.
    pub(crate) fn thread_id(&self) -> ThreadId {
        self.id
    }

    /// Stops taking jobs and waits until every watched delivery completed (call with the GIL
    /// released: completing futures needs it) and the thread ended.
    pub(crate) fn finish(self) {
        drop(self.jobs);
        if std::thread::current().id() != self.id {
            let _ = self.thread.join();
        }
    }
}

async fn run(
    client: Arc<BlockingClient>,
    inner: Weak<Inner>,
    callback: Arc<Callback>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    let mut watchers = tokio::task::JoinSet::new();
    let mut events_open = true;
    loop {
        let pulling = events_open && callback.on.load(Ordering::Acquire);
        tokio::select! {
            job = jobs.recv() => match job {
                Some(Job::Watch(delivery, future)) => {
                    watchers.spawn(async move {
                        let outcome = delivery.outcome().await;
                        complete(future, outcome);
                    });
                }
                None => break,
            },
            next = client.as_async().next_event(), if pulling => match next {
                NextEvent::Event(event) => call_back(&inner, &callback, event),
                NextEvent::Closed => events_open = false,
                NextEvent::Timeout => {}
            },
            _ = callback.changed.notified() => {}
            Some(_) = watchers.join_next(), if !watchers.is_empty() => {}
        }
    }
    while watchers.join_next().await.is_some() {}
}

/// Runs the callback with the event; its exception goes to `sys.unraisablehook`.
fn call_back(inner: &Weak<Inner>, callback: &Callback, event: c8y_mqtt::client::Event) {
    let Some(inner) = inner.upgrade() else { return };
    Python::try_attach(|py| {
        let function = callback.function.lock().as_ref().map(|f| f.clone_ref(py));
        let Some(function) = function else { return };
        let result = events::to_python(py, &inner, event).and_then(|e| function.call1(py, (e,)));
        if let Err(error) = result {
            error.write_unraisable(py, Some(function.bind(py)));
        }
    });
}

static FUTURE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A new `concurrent.futures.Future`.
pub(crate) fn new_future(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let class = FUTURE.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("concurrent.futures")?.getattr("Future")?.unbind())
    })?;
    class.call0(py)
}

/// A delivery outcome as Python sees it: `"acknowledged"` or `"sent"`, or the exception of a
/// dropped (`QueueFullError`, `ClientClosedError`, ...) or refused (`SmartRestError`) message.
pub(crate) fn outcome_result(py: Python<'_>, outcome: DeliveryOutcome) -> PyResult<String> {
    match outcome {
        DeliveryOutcome::Acknowledged => Ok("acknowledged".to_owned()),
        DeliveryOutcome::Sent => Ok("sent".to_owned()),
        DeliveryOutcome::Dropped(reason) => Err(crate::errors::dropped(reason)),
        DeliveryOutcome::Rejected { code } => {
            let error = py.import("c8y_mqtt.errors")?.getattr("SmartRestError")?.call1((
                "",
                format!("refused by the platform (s/e code {code})"),
                code,
            ))?;
            Err(PyErr::from_value(error))
        }
        _ => Ok(format!("{outcome:?}").to_lowercase()),
    }
}

/// The future's result (`"acknowledged"` or `"sent"`) or exception for a delivery outcome.
pub(crate) fn complete(future: Py<PyAny>, outcome: DeliveryOutcome) {
    Python::try_attach(|py| {
        let future = future.bind(py);
        if future
            .call_method0("done")
            .and_then(|d| d.is_truthy())
            .unwrap_or(true)
        {
            return; // cancelled by the application
        }
        let result = match outcome_result(py, outcome) {
            Ok(text) => future.call_method1("set_result", (text,)),
            Err(error) => future.call_method1("set_exception", (error.value(py),)),
        };
        if let Err(error) = result {
            error.write_unraisable(py, Some(future));
        }
    });
}
