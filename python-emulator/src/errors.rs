//! The exception classes the emulator raises: those of the device package (`c8y_mqtt.errors`),
//! imported, so a test catches `C8yError` whichever package raised it.

pyo3::import_exception!(c8y_mqtt.errors, C8yError);
pyo3::import_exception!(c8y_mqtt.errors, DeadlineExceededError);
