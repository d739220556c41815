//! Bootstrap registration from C (`c8y_options_register`): the core's registration, run with
//! the connection settings the options already hold (the core builds the bootstrap
//! configuration from them; see `docs/protocol.md` §3).

use std::ffi::c_char;
use std::time::Duration;

use c8y_mqtt::client::register_blocking;

use crate::boundary::c_strings;
use crate::client::not_in_callback;
use crate::error::c8y_result;
use crate::options::{c8y_options, with_options};

/// Bootstrap registration: when `credentials_file` holds credentials, uses them at once;
/// otherwise logs in as the bootstrap user with `bootstrap_password`, polls until the device
/// request is accepted in Cumulocity (at most `timeout_ms`), writes the credentials to the file
/// (mode 0600) and uses them. Host, port, transport, trust and proxy come from these options.
/// Blocks up to `timeout_ms`; `C8Y_RESULT_IN_CALLBACK` inside an event callback.
///
/// # Safety
/// `options` must be NULL or live options used by no other thread; the strings NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_options_register(
    options: *mut c8y_options,
    bootstrap_password: *const c_char,
    credentials_file: *const c_char,
    timeout_ms: u32,
) -> c8y_result {
    with_options(options, |o| {
        not_in_callback()?;
        let (password, file) = c_strings!(
            req bootstrap_password => "bootstrap_password",
            req credentials_file => "credentials_file",
        );
        let config = o
            .builder()?
            .bootstrap_config(password, file)
            .with_timeout(Duration::from_millis(u64::from(timeout_ms)));
        let credentials = register_blocking(config)?;
        o.update(|b| b.credentials_from(&credentials));
        Ok(())
    })
}
