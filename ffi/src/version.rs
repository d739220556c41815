//! The library version at runtime (`c8y_version`); the header's `C8Y_VERSION_*` macros carry
//! the same numbers (checked by `tests/header.rs`).

use std::ffi::c_char;

/// `"c8y-mqtt-ffi/<version> rumqttc/<version>"`, NUL-terminated.
const VERSION: &str = concat!(
    "c8y-mqtt-ffi/",
    env!("CARGO_PKG_VERSION"),
    " rumqttc/",
    env!("C8Y_RUMQTTC_VERSION"),
    "\0"
);

/// The library and MQTT stack versions as a static string, e.g.
/// `"c8y-mqtt-ffi/0.1.0 rumqttc/0.25.1"`. Never NULL; never free it. Compare with
/// `C8Y_VERSION_NUMBER` to detect a header/library mismatch.
///
/// Thread: any.
///
/// # Safety
/// None.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_version() -> *const c_char {
    crate::boundary::guard_or(std::ptr::null(), || Some(VERSION.as_ptr().cast()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_both_crates() {
        // SAFETY: a static NUL-terminated string.
        let text = unsafe { std::ffi::CStr::from_ptr(c8y_version()) }
            .to_str()
            .unwrap();
        assert_eq!(
            text,
            format!(
                "c8y-mqtt-ffi/{} rumqttc/{}",
                env!("CARGO_PKG_VERSION"),
                env!("C8Y_RUMQTTC_VERSION")
            )
        );
        assert!(!text.ends_with("unknown"), "{text}");
    }
}
