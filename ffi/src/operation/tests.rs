//! Operations of several kinds created on the emulator, read through the typed getters; the
//! getters refuse (NULL / 0 / `WRONG_EVENT_KIND`) what the kind does not carry.

use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::client::{c8y_client, c8y_client_free, c8y_client_next_event};
use crate::event::*;
use crate::test_support::{DEVICE, connected, emulator};

const WAIT: Duration = Duration::from_secs(15);

/// The next operation event of `client` (the caller frees it).
fn next_operation(client: *mut c8y_client) -> *mut c8y_event {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let mut event = null_mut();
        // SAFETY: a live client, a valid out-param; events freed once.
        unsafe {
            match c8y_client_next_event(client, 200, &mut event) {
                c8y_result::Ok if c8y_event_kind(event) == c8y_event_kind_t::C8yEventKindOperation => {
                    return event;
                }
                c8y_result::Ok => c8y_event_free(event),
                c8y_result::Timeout => {}
                other => panic!("next_event: {other:?}"),
            }
        }
    }
    panic!("no operation");
}

/// A borrowed C string as `&str` (panics on NULL).
unsafe fn s<'a>(ptr: *const c_char) -> &'a str {
    assert!(!ptr.is_null());
    // SAFETY: a NUL-terminated string borrowed from a live event.
    unsafe { CStr::from_ptr(ptr) }.to_str().unwrap()
}

#[test]
fn typed_getters_read_operations_of_several_kinds() {
    let emulator = emulator();
    let client = connected(&emulator);
    let handle = emulator.handle();
    let create = |fragments: serde_json::Value| {
        handle.create_operation(DEVICE, fragments).unwrap();
    };
    // SAFETY: `client` is live until freed; each event until freed; out-params valid.
    unsafe {
        // 511: the command text; nothing else applies.
        create(json!({"c8y_Command": {"text": "echo \"a, b\"\nuptime"}}));
        let e = next_operation(client);
        assert_eq!(c8y_event_operation_kind(e), c8y_operation_kind::Command);
        assert_eq!(s(c8y_event_operation_command_text(e)), "echo \"a, b\"\nuptime");
        assert!(c8y_event_operation_configuration_text(e).is_null());
        assert!(c8y_event_operation_relay_state(e).is_null());
        assert_eq!(c8y_event_operation_software_count(e), 0);
        let mut fw = MaybeUninit::<c8y_operation_firmware>::uninit();
        assert_eq!(
            c8y_event_operation_firmware(e, fw.as_mut_ptr()),
            c8y_result::WrongEventKind
        );
        c8y_event_free(e);

        // 515: firmware with `$PROVIDED`.
        create(json!({"c8y_Firmware": {"name": "core", "version": "2.1", "url": "$PROVIDED"}}));
        let e = next_operation(client);
        assert_eq!(c8y_event_operation_kind(e), c8y_operation_kind::Firmware);
        assert_eq!(
            c8y_event_operation_firmware(e, null_mut()),
            c8y_result::NullParameter
        );
        assert_eq!(c8y_event_operation_firmware(e, fw.as_mut_ptr()), c8y_result::Ok);
        let fw = fw.assume_init();
        assert_eq!(
            (s(fw.name), s(fw.version), s(fw.url)),
            ("core", "2.1", "$PROVIDED")
        );
        assert!(fw.provided && !fw.is_patch && fw.dependency.is_null());
        assert!(c8y_event_operation_command_text(e).is_null());
        c8y_event_free(e);

        // 528: software items with actions.
        create(json!({"c8y_SoftwareUpdate": [
            {"name": "nginx", "version": "1.24", "url": "http://x/nginx", "action": "install"},
            {"name": "vim", "version": "9", "url": "", "action": "delete"}
        ]}));
        let e = next_operation(client);
        assert_eq!(c8y_event_operation_kind(e), c8y_operation_kind::SoftwareUpdate);
        assert_eq!(c8y_event_operation_software_count(e), 2);
        let mut item = MaybeUninit::<c8y_operation_software>::uninit();
        assert_eq!(
            c8y_event_operation_software(e, 1, item.as_mut_ptr()),
            c8y_result::Ok
        );
        let item = item.assume_init();
        assert_eq!((s(item.name), s(item.version), s(item.url)), ("vim", "9", ""));
        assert_eq!(s(item.action), "delete");
        assert!(item.software_type.is_null());
        let mut out = MaybeUninit::<c8y_operation_software>::uninit();
        assert_eq!(
            c8y_event_operation_software(e, 2, out.as_mut_ptr()),
            c8y_result::InvalidArgument
        );
        c8y_event_free(e);

        // 522: the log request, with times as text and milliseconds.
        create(json!({"c8y_LogfileRequest": {
            "logFile": "syslog",
            "dateFrom": "2026-01-01T00:00:00+02:00",
            "dateTo": "2026-01-02T00:00:00+02:00",
            "searchText": "ERROR",
            "maximumLines": 100
        }}));
        let e = next_operation(client);
        assert_eq!(c8y_event_operation_kind(e), c8y_operation_kind::LogfileRequest);
        let mut log = MaybeUninit::<c8y_operation_log_request>::uninit();
        assert_eq!(
            c8y_event_operation_log_request(e, log.as_mut_ptr()),
            c8y_result::Ok
        );
        let log = log.assume_init();
        assert_eq!(s(log.log_file), "syslog");
        assert_eq!(s(log.search_text), "ERROR");
        assert!(s(log.date_from).starts_with("2026-01-01T00:00:00"));
        assert_eq!(log.date_from_ms, 1_767_218_400_000);
        assert_eq!(log.date_to_ms - log.date_from_ms, 86_400_000);
        assert!(log.has_maximum_lines);
        assert_eq!(log.maximum_lines, 100);
        c8y_event_free(e);

        // 519: relay states as sent.
        create(json!({"c8y_RelayArray": ["OPEN", "CLOSE", "CLOSED"]}));
        let e = next_operation(client);
        assert_eq!(c8y_event_operation_kind(e), c8y_operation_kind::RelayArray);
        assert_eq!(c8y_event_operation_relay_count(e), 3);
        assert_eq!(s(c8y_event_operation_relay(e, 1)), "CLOSE");
        assert!(c8y_event_operation_relay(e, 3).is_null());
        c8y_event_free(e);

        // 524: a typed configuration download.
        create(json!({"c8y_DownloadConfigFile": {"url": "http://x/conf", "type": "agent"}}));
        let e = next_operation(client);
        assert_eq!(
            c8y_event_operation_kind(e),
            c8y_operation_kind::DownloadConfigFileTyped
        );
        let (mut url, mut config_type) = (null(), null());
        assert_eq!(
            c8y_event_operation_config_file(e, &mut url, &mut config_type),
            c8y_result::Ok
        );
        assert_eq!((s(url), s(config_type)), ("http://x/conf", "agent"));
        let mut log = MaybeUninit::<c8y_operation_log_request>::uninit();
        assert_eq!(
            c8y_event_operation_log_request(e, log.as_mut_ptr()),
            c8y_result::WrongEventKind
        );
        c8y_event_free(e);

        // 527: a device profile with firmware, software and a configuration.
        create(json!({"c8y_DeviceProfile": {
            "firmware": {"name": "core", "version": "3", "url": "http://x/fw"},
            "software": [{"name": "app", "version": "1", "url": "http://x/app", "action": "install"}],
            "configuration": [{"url": "http://x/c", "type": "agent"}]
        }}));
        let e = next_operation(client);
        assert_eq!(c8y_event_operation_kind(e), c8y_operation_kind::DeviceProfile);
        let mut fw = MaybeUninit::<c8y_operation_firmware>::uninit();
        assert_eq!(c8y_event_operation_firmware(e, fw.as_mut_ptr()), c8y_result::Ok);
        let fw = fw.assume_init();
        assert_eq!((s(fw.name), s(fw.url)), ("core", "http://x/fw"));
        assert!(!fw.provided);
        assert_eq!(c8y_event_operation_software_count(e), 1);
        assert_eq!(c8y_event_operation_profile_configuration_count(e), 1);
        let (mut url, mut config_type) = (null(), null());
        assert_eq!(
            c8y_event_operation_profile_configuration(e, 0, &mut url, &mut config_type),
            c8y_result::Ok
        );
        assert_eq!((s(url), s(config_type)), ("http://x/c", "agent"));
        c8y_event_free(e);

        // NULL and other events.
        assert_eq!(c8y_event_operation_kind(null()), c8y_operation_kind::None);
        assert!(c8y_event_operation_command_text(null()).is_null());
        assert_eq!(
            c8y_event_operation_config_file(null(), null_mut(), null_mut()),
            c8y_result::NullParameter
        );
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}
