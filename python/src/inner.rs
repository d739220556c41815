//! The native state shared by a client, its device handles, deliveries, operations and the
//! dispatcher ([`Inner`]): the core's `BlockingClient` (taken out on close), the PID that created
//! it (fork check), the dispatcher thread and the event callback; the process id kept current
//! across `fork()` for that check; and the count of clients not yet closed (leak checks in tests).

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use c8y_mqtt::client::{BlockingClient, Delivery as CoreDelivery, NextEvent};
use parking_lot::Mutex;
use pyo3::prelude::*;

use crate::delivery::Delivery;
use crate::dispatch::{Callback, Dispatcher};
use crate::errors::{self, client_error};

/// This process's id, kept current across `fork()` by a `pthread_atfork` child handler, so that
/// the fork check of every call reads an atomic instead of making a `getpid` system call; 0
/// until [`watch_forks`] ran.
static PID: AtomicU32 = AtomicU32::new(0);

/// Runs in the child of every `fork()` (async-signal-safe: one system call, one atomic store).
extern "C" fn after_fork_in_child() {
    PID.store(std::process::id(), Ordering::Relaxed);
}

/// Starts tracking the process id across forks (once, at module import).
pub(crate) fn watch_forks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        PID.store(std::process::id(), Ordering::Relaxed);
        // SAFETY: the handler is a plain `extern "C" fn()` doing only async-signal-safe work; a
        // failed registration (ENOMEM) leaves PID at 0 and `current_pid` asks the kernel.
        if unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) } != 0 {
            PID.store(0, Ordering::Relaxed);
        }
    });
}

/// The id of this process.
fn current_pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => std::process::id(),
        pid => pid,
    }
}

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
    pub(crate) client: Mutex<Option<Arc<BlockingClient>>>,
    pid: u32,
    dispatcher: Mutex<Option<Dispatcher>>,
    pub(crate) callback: Arc<Callback>,
    weak: Weak<Inner>,
}

impl Inner {
    pub(crate) fn new(client: BlockingClient) -> Arc<Self> {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Arc::new_cyclic(|weak| Self {
            client: Mutex::new(Some(Arc::new(client))),
            pid: current_pid(),
            dispatcher: Mutex::new(None),
            callback: Arc::new(Callback::default()),
            weak: weak.clone(),
        })
    }

    /// Fails with `ForkedError` in a process other than the creator.
    pub(crate) fn check_fork(&self) -> PyResult<()> {
        if current_pid() == self.pid {
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
    pub(crate) fn check_not_in_callback(&self, what: &str) -> PyResult<()> {
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
    pub(crate) fn with_dispatcher<R>(&self, f: impl FnOnce(&Dispatcher) -> R) -> PyResult<R> {
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
        Ok(Delivery::new(delivery, inner))
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
    pub(crate) fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.check_fork()?;
        self.check_not_in_callback("close()")?;
        py.detach(|| self.shutdown());
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if current_pid() != self.pid {
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

/// Access for events: the next event from the core client.
pub(crate) fn next_core(inner: &Inner, timeout: Duration) -> PyResult<NextEvent> {
    let client = inner.client();
    match client {
        Ok(client) => Ok(client.next_event(timeout)),
        Err(_) if inner.client.lock().is_none() && current_pid() == inner.pid => Ok(NextEvent::Closed),
        Err(e) => Err(e),
    }
}
