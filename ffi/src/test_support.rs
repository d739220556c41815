//! Test helpers: an emulator on ephemeral ports and options for a TCP client logged in to it.

use std::ptr::null_mut;

use c8y_mqtt_emulator::{BlockingEmulator, Emulator};

use crate::client::{c8y_client, c8y_client_new, c8y_client_wait_connected};
use crate::error::c8y_result;
use crate::options::*;

pub const DEVICE: &str = "dev1";

/// An emulator with tenant `t100` and user `device_dev1` / `secret-1`.
pub fn emulator() -> BlockingEmulator {
    Emulator::builder()
        .tenant("t100")
        .user("device_dev1", "secret-1")
        .start_blocking()
        .expect("emulator starts")
}

/// Options for a TCP client of `emulator` that creates its device.
pub fn options(emulator: &BlockingEmulator) -> *mut c8y_options {
    options_for(emulator, c"127.0.0.1")
}

/// [`options`] with another host name.
pub fn options_for(emulator: &BlockingEmulator, host: &std::ffi::CStr) -> *mut c8y_options {
    let port = emulator.handle().mqtt_addr().expect("mqtt").port();
    let mut options = null_mut();
    // SAFETY: valid strings and out-params; `options` is live afterwards.
    unsafe {
        assert_eq!(
            c8y_options_new(host.as_ptr(), c"dev1".as_ptr(), &mut options),
            c8y_result::Ok
        );
        assert_eq!(
            c8y_options_set_transport(options, c8y_transport::Tcp as u32),
            c8y_result::Ok
        );
        assert_eq!(c8y_options_set_port(options, port), c8y_result::Ok);
        assert_eq!(
            c8y_options_set_password(
                options,
                c"t100".as_ptr(),
                c"device_dev1".as_ptr(),
                c"secret-1".as_ptr()
            ),
            c8y_result::Ok
        );
        assert_eq!(c8y_options_set_reconnect(options, 50, 500), c8y_result::Ok);
        assert_eq!(
            c8y_options_set_create_device(options, c"Test device".as_ptr(), std::ptr::null()),
            c8y_result::Ok
        );
    }
    options
}

/// A connected client of `emulator`.
pub fn connected(emulator: &BlockingEmulator) -> *mut c8y_client {
    let options = options(emulator);
    let mut client = null_mut();
    // SAFETY: live options, valid out-param.
    unsafe {
        assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
        c8y_options_free(options);
        assert_eq!(
            c8y_client_wait_connected(client, 15_000),
            c8y_result::Ok,
            "{}",
            crate::error::last_error()
        );
    }
    client
}
