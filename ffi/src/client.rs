//! The opaque `c8y_client`: creation from options, waiting for the connection, pulling events,
//! flushing, closing and freeing; the optional event callback on one SDK-owned dispatcher
//! thread (with `C8Y_RESULT_IN_CALLBACK` for blocking calls made from it) and fork detection.
//!
//! Shape: the handle owns an `Arc<Inner>` (the [`BlockingClient`] and the callback slot); the
//! dispatcher thread holds a second `Arc` while it runs. `close` wakes every blocked
//! `next_event` (through [`BlockingClient::close_shared`]); `free` joins the dispatcher, runs the
//! callback's finalizer and shuts the runtime down, so no SDK thread outlives it.

use std::cell::Cell;
use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use c8y_mqtt::client::{BlockingClient, ConnectionState, NextEvent};
use parking_lot::{Condvar, Mutex};

use crate::boundary::{c_strings, copy_to_buffer, guard, guard_or, out_arg, write_out};
use crate::error::{Error, c8y_result};
use crate::event::c8y_event;
use crate::options::c8y_options;

/// A connected (or connecting) device client. Create with `c8y_client_new`; end with
/// `c8y_client_close` then `c8y_client_free`. Every `c8y_client_*` function may be called from
/// any thread, concurrently, except `c8y_client_free`.
pub struct c8y_client {
    inner: Arc<Inner>,
    pid: u32,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
}

/// What the handle and the dispatcher thread share.
struct Inner {
    client: BlockingClient,
    callback: Mutex<Option<Arc<Callback>>>,
    callback_changed: Condvar,
    stop: AtomicBool,
}

/// The connection state, from `c8y_client_state` and `c8y_event_connection_state`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_connection_state {
    /// Not a state (a NULL argument, or an event that is no connection state).
    None = 0,
    /// A connection attempt is running.
    Connecting = 1,
    /// Connected: subscribed, pending operations requested.
    Connected = 2,
    /// The connection failed or ended; the client retries by itself.
    Disconnected = 3,
    /// Stopped on a fatal error (bad credentials, not authorized); no more retries.
    Stopped = 4,
    /// Closed by the application.
    Closed = 5,
    /// Connected, but the platform refused some subscriptions (the device may not exist yet):
    /// data flows, operations cannot arrive; the client subscribes again with backoff.
    SubscriptionsRefused = 6,
}

pub(crate) fn state_code(state: &ConnectionState) -> c8y_connection_state {
    match state {
        ConnectionState::Connecting { .. } => c8y_connection_state::Connecting,
        ConnectionState::Connected => c8y_connection_state::Connected,
        ConnectionState::Disconnected { .. } => c8y_connection_state::Disconnected,
        ConnectionState::Stopped { .. } => c8y_connection_state::Stopped,
        ConnectionState::Closed => c8y_connection_state::Closed,
        ConnectionState::SubscriptionsRefused { .. } => c8y_connection_state::SubscriptionsRefused,
        _ => c8y_connection_state::None,
    }
}

/// An event callback: `userdata` as given to `c8y_client_set_event_callback`, and the event,
/// borrowed for the duration of the call (do not free it; copy what you need). Runs on the
/// client's dispatcher thread.
pub type c8y_event_callback = Option<unsafe extern "C" fn(userdata: *mut c_void, event: *const c8y_event)>;

/// Finalizer of callback userdata: runs exactly once, when the callback is replaced or removed,
/// or in `c8y_client_free`.
pub type c8y_userdata_free = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// An installed callback; dropping the last reference runs the finalizer (exactly once).
struct Callback {
    call: unsafe extern "C" fn(*mut c_void, *const c8y_event),
    userdata: *mut c_void,
    free: c8y_userdata_free,
}

// SAFETY: the C contract of `c8y_client_set_event_callback` requires the callback and userdata
// to be usable from the dispatcher thread (and the finalizer from the thread that frees).
unsafe impl Send for Callback {}
// SAFETY: as above; the library itself never touches `userdata` but to pass it on.
unsafe impl Sync for Callback {}

impl Drop for Callback {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the finalizer given with this userdata, called once (this drop).
            unsafe { free(self.userdata) };
        }
    }
}

thread_local! {
    /// Set on the dispatcher thread while a callback runs.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// `C8Y_RESULT_IN_CALLBACK` on the dispatcher thread (blocking calls would deadlock it).
pub(crate) fn not_in_callback() -> Result<(), Error> {
    if IN_CALLBACK.with(Cell::get) {
        Err(Error::new(
            c8y_result::InCallback,
            "blocking call from inside an event callback (use the pull API or another thread)",
        ))
    } else {
        Ok(())
    }
}

/// Checks a client argument: not NULL, created in this process.
pub(crate) fn client_ref<'a>(client: *const c8y_client) -> Result<&'a c8y_client, Error> {
    // SAFETY: the caller passes NULL or a live client (the contract of every client function).
    let client = unsafe { client.as_ref() }.ok_or_else(|| Error::null("client"))?;
    check_pid(client.pid)?;
    Ok(client)
}

/// `C8Y_RESULT_FORKED` when called in another process than the one that made the object.
pub(crate) fn check_pid(pid: u32) -> Result<(), Error> {
    if std::process::id() == pid {
        Ok(())
    } else {
        Err(Error::new(
            c8y_result::Forked,
            "the client was created in the parent process; create a new one after fork()",
        ))
    }
}

impl c8y_client {
    /// The Rust client.
    pub(crate) fn client(&self) -> &BlockingClient {
        &self.inner.client
    }

    fn ensure_dispatcher(&self) -> Result<(), Error> {
        let mut dispatcher = self.dispatcher.lock();
        if dispatcher.is_none() {
            let inner = Arc::clone(&self.inner);
            let pid = self.pid;
            let handle = std::thread::Builder::new()
                .name("c8y-dispatch".to_owned())
                .spawn(move || dispatch(&inner, pid))
                .map_err(|e| Error::new(c8y_result::Internal, format!("cannot start the dispatcher: {e}")))?;
            *dispatcher = Some(handle);
        }
        Ok(())
    }

    fn stop(&self) {
        self.inner.client.close_shared();
        self.inner.stop.store(true, Ordering::SeqCst);
        let _guard = self.inner.callback.lock();
        self.inner.callback_changed.notify_all();
    }
}

/// The dispatcher thread: pulls events while a callback is installed and calls it with no
/// internal lock held.
fn dispatch(inner: &Inner, pid: u32) {
    loop {
        let callback = {
            let mut slot = inner.callback.lock();
            if slot.is_none() && !inner.stop.load(Ordering::SeqCst) {
                inner
                    .callback_changed
                    .wait_for(&mut slot, Duration::from_millis(200));
            }
            slot.clone()
        };
        let Some(callback) = callback else {
            if inner.stop.load(Ordering::SeqCst) {
                return;
            }
            continue;
        };
        match inner.client.next_event(Duration::from_millis(200)) {
            NextEvent::Event(event) => {
                let event = c8y_event::new(event, pid);
                IN_CALLBACK.with(|flag| flag.set(true));
                // SAFETY: the callback and userdata were given together; the event lives until
                // after the call.
                unsafe { (callback.call)(callback.userdata, &event) };
                IN_CALLBACK.with(|flag| flag.set(false));
            }
            NextEvent::Timeout => {}
            NextEvent::Closed => return,
        }
    }
}

/// Creates a client from `options` (copied: the options may be freed at once) and starts
/// connecting in the background; see `c8y_client_wait_connected` and the connection-state
/// events. Starts the client's own runtime (two threads).
///
/// Errors: `C8Y_RESULT_INVALID_CONFIG` (e.g. no credentials, bad PEM), `C8Y_RESULT_IO` (the
/// persistence directory). Ownership: `*client_out` is written only on success; free it with
/// `c8y_client_free` after `c8y_client_close`.
///
/// # Safety
/// `options` must be NULL or live options; `client_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_new(
    options: *const c8y_options,
    client_out: *mut *mut c8y_client,
) -> c8y_result {
    guard(|| {
        // SAFETY: NULL or live options per the contract.
        let options = unsafe { options.as_ref() }.ok_or_else(|| Error::null("options"))?;
        out_arg(client_out, "client_out")?;
        let config = options.build()?;
        let client = BlockingClient::connect(config)?;
        let client = Box::new(c8y_client {
            inner: Arc::new(Inner {
                client,
                callback: Mutex::new(None),
                callback_changed: Condvar::new(),
                stop: AtomicBool::new(false),
            }),
            pid: std::process::id(),
            dispatcher: Mutex::new(None),
        });
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { write_out(client_out, Box::into_raw(client)) };
        Ok(())
    })
}

/// Blocks up to `timeout_ms` until the client is connected (subscribed, pending operations
/// requested). `C8Y_RESULT_TIMEOUT`, `C8Y_RESULT_AUTH` (the login was refused),
/// `C8Y_RESULT_STOPPED` (another fatal error; the message says why), `C8Y_RESULT_CLOSED`, or
/// `C8Y_RESULT_IN_CALLBACK`.
///
/// Thread: any, but not inside an event callback.
///
/// # Safety
/// `client` must be NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_wait_connected(client: *const c8y_client, timeout_ms: u32) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        not_in_callback()?;
        client
            .client()
            .wait_connected(Duration::from_millis(u64::from(timeout_ms)))
            .map_err(Error::from)
    })
}

/// The current connection state as a `c8y_connection_state`; `C8Y_CONNECTION_STATE_NONE` for
/// a NULL client (or one used after fork).
///
/// Thread: any, including callbacks.
///
/// # Safety
/// `client` must be NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_state(client: *const c8y_client) -> c8y_connection_state {
    guard_or(c8y_connection_state::None, || {
        let client = client_ref(client).ok()?;
        Some(state_code(&client.client().state()))
    })
}

/// Copies the MQTT client id (`<device id>` or `d:<device id>:<default X-ID>`) into `buf` and
/// its length (without NUL) to `*out_n`. `C8Y_RESULT_BUFFER_TOO_SMALL` writes the needed size
/// (with the NUL) to `*out_n` and nothing else.
///
/// # Safety
/// `client` must be NULL or a live client; `buf` NULL or `len` writable bytes; `out_n` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_client_id(
    client: *const c8y_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        let id = client.client().as_async().config().client_id().to_string();
        // SAFETY: per the contract.
        unsafe { copy_to_buffer(&id, buf, len, out_n) }
    })
}

/// Copies the managed object id of the device (`child` NULL) or of the child device `child`
/// into `buf` and its length (without NUL) to `*out_n`: an empty string while it is not known.
/// It becomes known from the platform's answer to `c8y_client_request_managed_object_id` (or
/// `c8y_options_set_request_managed_object_id`), announced by a
/// `C8Y_EVENT_KIND_MANAGED_OBJECT_ID` event. `C8Y_RESULT_BUFFER_TOO_SMALL` writes the needed
/// size (with the NUL) to `*out_n` and nothing else.
///
/// # Safety
/// `client` must be NULL or a live client; `child` NULL or NUL-terminated; `buf` NULL or `len`
/// writable bytes; `out_n` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_managed_object_id(
    client: *const c8y_client,
    child: *const c_char,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        let child = c_strings!(opt child => "child");
        let id = crate::publish::entity(client, child)?
            .managed_object_id()
            .unwrap_or_default();
        // SAFETY: per the contract.
        unsafe { copy_to_buffer(&id, buf, len, out_n) }
    })
}

/// Waits up to `timeout_ms` (0: do not wait) for the next event. `C8Y_RESULT_OK` writes a new
/// event to `*event_out` (the caller owns it: `c8y_event_free`); `C8Y_RESULT_TIMEOUT`: nothing
/// yet; `C8Y_RESULT_CLOSED`: the client is closed and every event was taken, stop looping.
/// `C8Y_RESULT_CALLBACK_INSTALLED` while an event callback is installed (events go there).
///
/// Thread: any, also several at once (each event goes to one caller); not inside a callback.
///
/// # Safety
/// `client` must be NULL or a live client; `event_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_next_event(
    client: *const c8y_client,
    timeout_ms: u32,
    event_out: *mut *mut c8y_event,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        out_arg(event_out, "event_out")?;
        not_in_callback()?;
        if client.inner.callback.lock().is_some() {
            return Err(Error::new(
                c8y_result::CallbackInstalled,
                "an event callback is installed: events are delivered to it",
            ));
        }
        match client
            .client()
            .next_event(Duration::from_millis(u64::from(timeout_ms)))
        {
            NextEvent::Event(event) => {
                let event = Box::new(c8y_event::new(event, client.pid));
                // SAFETY: checked non-NULL; writable per the contract.
                unsafe { write_out(event_out, Box::into_raw(event)) };
                Ok(())
            }
            NextEvent::Timeout => Err(Error::new(
                c8y_result::Timeout,
                format!("no event within {timeout_ms} ms"),
            )),
            NextEvent::Closed => Err(Error::new(c8y_result::Closed, "client closed; no more events")),
        }
    })
}

/// Blocks up to `timeout_ms` until every queued message was acknowledged (or sent, for QoS 0).
/// `C8Y_RESULT_TIMEOUT` when some are still pending (the message says how many).
///
/// Thread: any, but not inside an event callback.
///
/// # Safety
/// `client` must be NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_flush(client: *const c8y_client, timeout_ms: u32) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        not_in_callback()?;
        client
            .client()
            .flush(Duration::from_millis(u64::from(timeout_ms)))
            .map_err(Error::from)
    })
}

/// The number of publishes not yet finished, written to `*count_out`.
///
/// # Safety
/// `client` must be NULL or a live client; `count_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_pending(client: *const c8y_client, count_out: *mut usize) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        out_arg(count_out, "count_out")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { write_out(count_out, client.client().pending().len()) };
        Ok(())
    })
}

/// Closes the client: sends DISCONNECT when connected, drops what is still queued (call
/// `c8y_client_flush` first to avoid that) and wakes every thread blocked in
/// `c8y_client_next_event` (they get the remaining events, then `C8Y_RESULT_CLOSED`). Blocks up
/// to about 5 s. Calling it again returns `C8Y_RESULT_OK` and does nothing.
///
/// Thread: any, but not inside an event callback (`C8Y_RESULT_IN_CALLBACK`).
///
/// # Safety
/// `client` must be NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_close(client: *const c8y_client) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        not_in_callback()?;
        client.stop();
        Ok(())
    })
}

/// Frees the client: closes it if needed, stops the dispatcher thread, runs the callback
/// finalizer, shuts the runtime down (bounded by a few seconds). No SDK thread outlives this
/// call. NULL is ignored (`C8Y_RESULT_OK`). `C8Y_RESULT_IN_CALLBACK` (nothing freed) inside an
/// event callback; `C8Y_RESULT_FORKED` in a fork child (the memory is leaked: the runtime's
/// threads do not exist there).
///
/// Thread: any, but no other thread may use the client during or after this call; events
/// taken from it stay valid until freed.
///
/// # Safety
/// `client` must be NULL or a pointer from `c8y_client_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_free(client: *mut c8y_client) -> c8y_result {
    guard(|| {
        if client.is_null() {
            return Ok(());
        }
        not_in_callback()?;
        client_ref(client)?;
        // SAFETY: from `Box::into_raw` in `c8y_client_new`, freed once per the contract.
        let client = unsafe { Box::from_raw(client) };
        client.stop();
        if let Some(dispatcher) = client.dispatcher.lock().take() {
            let _ = dispatcher.join();
        }
        client.inner.callback.lock().take();
        drop(client);
        Ok(())
    })
}

/// Installs `callback` (or removes it, with NULL): from now on events go to it, on one
/// SDK-owned dispatcher thread (started on first use, never a runtime worker), one at a time,
/// with no internal lock held. `userdata` is passed as the first argument; `userdata_free`
/// (may be NULL) runs exactly once, when this callback is replaced or removed, or in
/// `c8y_client_free`, on the thread doing that (or on the dispatcher thread when it was
/// running this callback at that moment).
///
/// Inside the callback every non-blocking call works (publishing, operation lifecycle calls,
/// getters); blocking calls (`next_event`, `flush`, `close`, `free`, `wait_connected`,
/// `c8y_options_register`) return `C8Y_RESULT_IN_CALLBACK`. On failure the finalizer is not
/// run and the caller keeps `userdata`.
///
/// # Safety
/// `client` must be NULL or a live client; `callback` and `userdata_free` must be callable from
/// another thread with `userdata`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_set_event_callback(
    client: *const c8y_client,
    callback: c8y_event_callback,
    userdata: *mut c_void,
    userdata_free: c8y_userdata_free,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        let new = callback.map(|call| {
            Arc::new(Callback {
                call,
                userdata,
                free: userdata_free,
            })
        });
        if new.is_some() {
            client.ensure_dispatcher()?;
        }
        let old = {
            let mut slot = client.inner.callback.lock();
            let old = std::mem::replace(&mut *slot, new);
            client.inner.callback_changed.notify_all();
            old
        };
        drop(old); // the finalizer runs here unless the dispatcher still holds it
        Ok(())
    })
}

#[cfg(test)]
mod tests;
