//! `register()`: bootstrap registration (the device polls with the bootstrap user until an
//! operator accepts it, then keeps its credentials in a file) and `DeviceCredentials`.

use c8y_mqtt::client::{BootstrapConfig, TrustRoots, register_blocking};
use pyo3::prelude::*;

use crate::errors::registration_error;

/// The device's own credentials (from bootstrap or the credentials file). ``repr`` hides the
/// password.
#[pyclass(frozen, module = "c8y_mqtt._native")]
pub struct DeviceCredentials {
    /// Tenant id.
    #[pyo3(get)]
    tenant: String,
    /// User name (without the tenant).
    #[pyo3(get)]
    user: String,
    /// Password.
    #[pyo3(get)]
    password: String,
}

#[pymethods]
impl DeviceCredentials {
    /// Keyword arguments for ``Client``: ``tenant``, ``user``, ``password``.
    fn as_options(&self) -> std::collections::HashMap<&'static str, String> {
        [
            ("tenant", self.tenant.clone()),
            ("user", self.user.clone()),
            ("password", self.password.clone()),
        ]
        .into()
    }

    fn __repr__(&self) -> String {
        format!(
            "DeviceCredentials(tenant={:?}, user={:?}, password=***)",
            self.tenant, self.user
        )
    }
}

/// Registers the device by bootstrap and returns its credentials (GIL released while
/// waiting). When ``credentials_file`` already holds credentials they are returned at once;
/// otherwise the device polls (every ``poll_interval`` s) until an operator accepts it, and
/// the credentials are written to the file (mode 0600). Raises ``RegistrationError`` (code 305,
/// as C's ``c8y_register``) after ``timeout`` seconds, when the bootstrap login is refused or
/// the file cannot be written; ``ConfigError`` for an unusable configuration.
#[pyfunction]
#[pyo3(signature = (host, device_id, bootstrap_password, credentials_file, *, port = None, transport = "tls", ca_pem = None, bootstrap_user = None, poll_interval = 5.0, timeout = 600.0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn register(
    py: Python<'_>,
    host: &str,
    device_id: &str,
    bootstrap_password: &str,
    credentials_file: std::path::PathBuf,
    port: Option<u16>,
    transport: &str,
    ca_pem: Option<String>,
    bootstrap_user: Option<String>,
    poll_interval: f64,
    timeout: f64,
) -> PyResult<DeviceCredentials> {
    let mut config = BootstrapConfig::new(host, device_id, bootstrap_password, credentials_file);
    config.port = port;
    config.transport = crate::convert::transport(transport)?;
    if let Some(ca) = ca_pem {
        config.trust = TrustRoots::CaPem(ca);
    }
    if let Some(user) = bootstrap_user {
        config.bootstrap_user = user;
    }
    config.poll_interval = duration("poll_interval", poll_interval)?;
    config.timeout = duration("timeout", timeout)?;
    let credentials = py
        .detach(|| register_blocking(config))
        .map_err(registration_error)?;
    Ok(DeviceCredentials {
        tenant: credentials.tenant,
        user: credentials.user,
        password: credentials.password.expose().to_owned(),
    })
}

/// Seconds as a Duration; a bad value is a configuration error.
fn duration(name: &str, seconds: f64) -> PyResult<std::time::Duration> {
    crate::convert::seconds(name, seconds)
        .map_err(|_| crate::errors::config_error(format!("{name}: invalid duration")))
}
