//! `c8y_mqtt_emulator._native`: the local Cumulocity MQTT emulator (crate `c8y-mqtt-emulator`)
//! for Python tests (pyo3, abi3 for CPython ≥ 3.9). It is a distribution of its own
//! (`c8y-mqtt-emulator`, pulled by `c8y-mqtt[testing]`) so that the device wheel links no server
//! code. The typed package around it is `python-emulator/py_src/c8y_mqtt_emulator` (pytest
//! fixtures, `wait_until`, the `c8y-emulator` command, stubs).
//!
//! Modules: `emulator` (the `Emulator` class), `convert` (JSON and durations), `errors` (the
//! device package's exception classes, imported).

mod convert;
mod emulator;
mod errors;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<emulator::Emulator>()?;
    Ok(())
}
