//! `c8y_set_log_callback`: the library's logs (the core logs through `tracing`) delivered to a
//! C callback. A process-global `tracing` subscriber is installed on first use (when the host
//! has not installed one already: then `C8Y_RESULT_LOGGER_INSTALLED`); formatted records go
//! through a queue to one SDK-owned log thread, which calls the callback with no lock held.

use std::ffi::{CString, c_char, c_void};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use parking_lot::Mutex;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::boundary::guard;
use crate::error::{Error, c8y_result};

/// A log level for `c8y_set_log_callback` and the callback's `level` argument.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_log_level {
    /// Logging off.
    Off = 0,
    /// Errors.
    Error = 1,
    /// Warnings (e.g. a refused connection).
    Warn = 2,
    /// Information (connection lost, reconnecting).
    Info = 3,
    /// Debugging details.
    Debug = 4,
    /// Everything.
    Trace = 5,
}

/// A log callback: `userdata`, the record's level (`c8y_log_level`) and its text (target and
/// message with fields), borrowed for the call. Runs on the SDK's log thread.
pub type c8y_log_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, level: u32, message: *const c_char)>;

struct LogCallback {
    call: unsafe extern "C" fn(*mut c_void, u32, *const c_char),
    userdata: *mut c_void,
}

// SAFETY: the contract of `c8y_set_log_callback` makes the callback and userdata usable from
// the log thread.
unsafe impl Send for LogCallback {}
// SAFETY: as above; the library only passes `userdata` on.
unsafe impl Sync for LogCallback {}

/// The most verbose level forwarded (0: off).
static MAX_LEVEL: AtomicU32 = AtomicU32::new(0);
static CALLBACK: Mutex<Option<Arc<LogCallback>>> = Mutex::new(None);
/// The queue to the log thread, once the subscriber is installed.
static QUEUE: Mutex<Option<Sender<(u32, String)>>> = Mutex::new(None);

fn level_number(level: &Level) -> u32 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        _ => 5,
    }
}

/// Collects an event's message and fields into one line.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

/// The subscriber: filters by level and queues formatted events; spans are ignored.
struct CLogger {
    queue: Sender<(u32, String)>,
}

impl Subscriber for CLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        level_number(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line(event.metadata().target().to_owned());
        line.0.push(':');
        event.record(&mut line);
        let _ = self.queue.send((level_number(event.metadata().level()), line.0));
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// The log thread: calls the current callback for each record.
fn deliver(records: Receiver<(u32, String)>) {
    for (level, text) in records {
        let callback = CALLBACK.lock().clone();
        if let Some(callback) = callback {
            let mut text = text;
            text.retain(|c| c != '\0');
            let text = CString::new(text).unwrap_or_default();
            // SAFETY: the callback and userdata were given together; the text lives until after
            // the call.
            unsafe { (callback.call)(callback.userdata, level, text.as_ptr()) };
        }
    }
}

/// Installs the subscriber and the log thread once.
fn install() -> Result<(), Error> {
    let mut queue = QUEUE.lock();
    if queue.is_some() {
        return Ok(());
    }
    let (sender, receiver) = channel();
    tracing::subscriber::set_global_default(CLogger {
        queue: sender.clone(),
    })
    .map_err(|_| {
        Error::new(
            c8y_result::LoggerInstalled,
            "a tracing subscriber is already installed in this process; the logs go there",
        )
    })?;
    std::thread::Builder::new()
        .name("c8y-log".to_owned())
        .spawn(move || deliver(receiver))
        .map_err(|e| Error::new(c8y_result::Internal, format!("cannot start the log thread: {e}")))?;
    *queue = Some(sender);
    Ok(())
}

/// Sends the library's log records up to `level` (a `c8y_log_level`: 1 error ... 5 trace) to
/// `callback` with `userdata`; `C8Y_LOG_LEVEL_OFF` or a NULL callback stops logging.
/// Process-global (not per client): the last call wins. The callback runs on one SDK-owned log
/// thread (started on first use; it lives until the process ends), one record at a time, never
/// while the library holds a lock. Returns `C8Y_RESULT_LOGGER_INSTALLED` when the process
/// already has another `tracing` subscriber (the library's logs go there; nothing changes),
/// `C8Y_RESULT_INVALID_ARGUMENT` for a level above 5.
///
/// Thread: any.
///
/// # Safety
/// `callback` must be callable from another thread with `userdata` for as long as it is
/// installed (and until a record being delivered when it is replaced has been delivered).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_set_log_callback(
    callback: c8y_log_callback,
    userdata: *mut c_void,
    level: u32,
) -> c8y_result {
    guard(|| {
        if level > c8y_log_level::Trace as u32 {
            return Err(Error::invalid("level", format!("{level} is no c8y_log_level")));
        }
        let callback = callback.map(|call| Arc::new(LogCallback { call, userdata }));
        if callback.is_some() && level > 0 {
            install()?;
        }
        let level = if callback.is_some() { level } else { 0 };
        *CALLBACK.lock() = callback;
        MAX_LEVEL.store(level, Ordering::Relaxed);
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    static LINES: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());

    unsafe extern "C" fn collect(userdata: *mut c_void, level: u32, message: *const c_char) {
        assert_eq!(userdata as usize, 42);
        // SAFETY: a NUL-terminated string borrowed for the call.
        let text = unsafe { std::ffi::CStr::from_ptr(message) }
            .to_string_lossy()
            .into_owned();
        LINES.lock().push((level, text));
    }

    #[test]
    fn records_reach_the_callback_filtered_by_level() {
        // SAFETY: `collect` is callable from any thread; userdata is a plain number.
        unsafe {
            assert_eq!(
                c8y_set_log_callback(Some(collect), 42 as *mut c_void, 6),
                c8y_result::InvalidArgument
            );
            assert_eq!(
                c8y_set_log_callback(Some(collect), 42 as *mut c_void, 2),
                c8y_result::Ok
            );
        }
        tracing::info!("not wanted");
        tracing::warn!(topic = "s/ds", "subscription refused");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !LINES
            .lock()
            .iter()
            .any(|(_, t)| t.contains("subscription refused"))
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        // SAFETY: NULL stops logging.
        let rc = unsafe { c8y_set_log_callback(None, std::ptr::null_mut(), 5) };
        assert_eq!(rc, c8y_result::Ok);
        tracing::warn!("after removal");
        std::thread::sleep(Duration::from_millis(50));
        // Other tests of this process may log too: look at this test's records only.
        let lines = LINES.lock().clone();
        let ours: Vec<_> = lines
            .iter()
            .filter(|(_, text)| {
                ["not wanted", "subscription refused", "after removal"]
                    .iter()
                    .any(|m| text.contains(m))
            })
            .collect();
        assert_eq!(ours.len(), 1, "{lines:?}");
        assert_eq!(ours[0].0, 2);
        assert!(
            ours[0].1.contains("subscription refused") && ours[0].1.contains("topic=s/ds"),
            "{lines:?}"
        );
    }
}
