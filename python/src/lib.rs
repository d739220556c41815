//! `c8y_mqtt._native`: the Python binding of the c8y-mqtt device SDK (pyo3, abi3 for CPython
//! ≥ 3.9). The typed package around it is `python/py_src/c8y_mqtt` (errors, asyncio wrapper,
//! testing helpers, stubs).
//!
//! Modules: `client` (`Client`), `device` (`Device`: the typed publishes), `delivery`
//! (`Delivery`), `inner` (the native state a client and its handles share), `options` (the
//! client's keyword options to the core configuration), `events` (`Event`,
//! `Operation`, iterators), `operation_kind` (typed operation parameters as dicts), `dispatch`
//! (the one SDK thread that calls Python: futures and the event callback), `errors` (core
//! errors to the Python exception classes), `convert` (values), `registration` (bootstrap),
//! `workflows` (device management), `remote_access` (Cloud Remote Access).
//! The emulator for tests is not linked in here: it is the separate distribution
//! `c8y-mqtt-emulator` (`python-emulator/`), so device installs carry no server code.
//!
//! Threads: every method may be called from any Python thread; waits release the GIL
//! (`py.detach`), and no internal lock is held while Python code runs.

mod client;
mod convert;
mod delivery;
mod device;
mod dispatch;
mod errors;
mod events;
mod http;
mod inner;
mod operation_kind;
mod options;
mod registration;
mod remote_access;
mod statistics;
mod workflows;

use pyo3::prelude::*;

/// The handle that clears pyo3-log's cache of Python loggers and levels.
static LOG_RESET: std::sync::OnceLock<pyo3_log::ResetHandle> = std::sync::OnceLock::new();

/// Forgets the cached Python logging levels: call it after changing the level of a
/// ``c8y_mqtt`` logger (the SDK caches levels so that disabled log calls stay cheap).
#[pyfunction]
fn reset_log_cache() {
    if let Some(handle) = LOG_RESET.get() {
        handle.reset();
    }
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The SDK's logs (tracing, emitted as `log` records) go to Python's `logging` under the
    // "c8y_mqtt" logger names; an application that installed another Rust logger keeps it.
    // Levels are cached: after changing a logger's level call `reset_log_cache()`.
    if let Ok(Ok(handle)) =
        pyo3_log::Logger::new(m.py(), pyo3_log::Caching::LoggersAndLevels).map(|logger| logger.install())
    {
        let _ = LOG_RESET.set(handle);
    }
    inner::watch_forks();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DISPATCHER_THREAD_NAME", dispatch::THREAD_NAME)?;
    m.add_class::<device::Device>()?;
    m.add_class::<client::Client>()?;
    m.add_class::<delivery::Delivery>()?;
    m.add_class::<statistics::ClientStatistics>()?;
    m.add_class::<events::Event>()?;
    m.add_class::<events::Operation>()?;
    m.add_class::<events::EventIterator>()?;
    m.add_class::<events::OperationIterator>()?;
    m.add_class::<registration::DeviceCredentials>()?;
    m.add_class::<workflows::DeviceManagement>()?;
    m.add_class::<remote_access::RemoteAccess>()?;
    m.add_function(wrap_pyfunction!(registration::register, m)?)?;
    m.add_function(wrap_pyfunction!(inner::_live_clients, m)?)?;
    m.add_function(wrap_pyfunction!(reset_log_cache, m)?)?;
    m.add("RESULT_CODE_TABLE", errors::result_code_table(m.py())?)?;
    m.add_function(wrap_pyfunction!(errors::_exception_class, m)?)?;
    m.add("PanicException", m.py().get_type::<pyo3::panic::PanicException>())?;
    Ok(())
}
