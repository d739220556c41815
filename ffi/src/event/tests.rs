//! SmartREST 1.0 responses and JSON over MQTT errors from the emulator, read as events.

use std::ffi::CStr;
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use super::*;
use crate::client::{
    c8y_client, c8y_client_free, c8y_client_new, c8y_client_next_event, c8y_client_wait_connected,
};
use crate::options::*;
use crate::publish::{c8y_client_send_json, c8y_client_send_smartrest1, c8y_json_resource};
use crate::test_support::{emulator, options};

const WAIT: Duration = Duration::from_secs(15);

/// The next event of `kind` (the caller frees it).
fn next_of(client: *mut c8y_client, kind: c8y_event_kind_t) -> *mut c8y_event {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let mut event = null_mut();
        // SAFETY: a live client, a valid out-param; events freed once.
        unsafe {
            match c8y_client_next_event(client, 200, &mut event) {
                c8y_result::Ok if c8y_event_kind(event) == kind => return event,
                c8y_result::Ok => c8y_event_free(event),
                c8y_result::Timeout => {}
                other => panic!("next_event: {other:?}"),
            }
        }
    }
    panic!("no {kind:?} event");
}

/// Field `i` of `event` as text.
fn field(event: *const c8y_event, i: usize) -> String {
    // SAFETY: a live event; the field is NUL-terminated and borrowed from it.
    unsafe { CStr::from_ptr(c8y_event_field(event, i)) }
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn smartrest1_responses_and_json_errors_are_events() {
    let emulator = emulator();
    let templates = concat!(
        "10,100,POST,/inventory/managedObjects,application/json,application/json,%%,STRING,",
        "\"{\"\"name\"\":\"\"%%\"\",\"\"c8y_IsDevice\"\":{}}\"\n",
        "11,800,,$.c8y_IsDevice,$.id\n",
    );
    emulator
        .handle()
        .cumulocity()
        .unwrap()
        .engines()
        .sr1
        .register("t100", "com.acme-v1", templates.as_bytes())
        .unwrap();
    let options = options(&emulator);
    let mut client = null_mut();
    // SAFETY: live options and client; valid strings and out-params; events freed once.
    unsafe {
        assert_eq!(
            c8y_options_add_smartrest1(options, c"com.acme-v1".as_ptr()),
            c8y_result::Ok
        );
        assert_eq!(
            c8y_options_add_smartrest1(options, c"a/b".as_ptr()),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_options_add_smartrest1(options, null()),
            c8y_result::NullParameter
        );
        assert_eq!(c8y_options_set_json_errors(options, true), c8y_result::Ok);
        assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
        c8y_options_free(options);
        assert_eq!(c8y_client_wait_connected(client, 15_000), c8y_result::Ok);

        let values = [c"My \"device\", 1".as_ptr()];
        let mut id = 0;
        assert_eq!(
            c8y_client_send_smartrest1(
                client,
                c"com.acme-v1".as_ptr(),
                c"100".as_ptr(),
                values.as_ptr(),
                1,
                &mut id
            ),
            c8y_result::Ok
        );
        assert_ne!(id, 0);
        let event = next_of(client, c8y_event_kind_t::C8yEventKindSmartrest1Response);
        // [xid, 800, the request row's number, the created object's id]
        assert_eq!(c8y_event_field_count(event), 4);
        assert_eq!(field(event, 0), "com.acme-v1");
        assert_eq!((field(event, 1), field(event, 2)), ("800".into(), "1".into()));
        let created = emulator
            .handle()
            .cumulocity()
            .unwrap()
            .managed_object(&field(event, 3));
        assert_eq!(created.expect("object created")["name"], "My \"device\", 1");
        c8y_event_free(event);

        // A JSON document the platform refuses comes back on `error`.
        assert_eq!(
            c8y_client_send_json(
                client,
                c8y_json_resource::Alarm as u32,
                null(),
                c"{\"type\":\"c8y_Bad\"}".as_ptr(),
                null_mut()
            ),
            c8y_result::Ok
        );
        let event = next_of(client, c8y_event_kind_t::C8yEventKindJsonError);
        assert_eq!(c8y_event_field_count(event), 3);
        assert!(!field(event, 0).is_empty(), "error code");
        let text = CStr::from_ptr(c8y_event_text(event)).to_str().unwrap();
        assert!(!text.is_empty());
        assert_eq!(field(event, 1), text);
        c8y_event_free(event);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}

#[test]
fn downstream_lines_have_their_template_id_and_fields() {
    let emulator = emulator();
    let client = crate::test_support::connected(&emulator);
    emulator
        .handle()
        .publish_to(
            crate::test_support::DEVICE,
            "s/ds",
            &b"106,child1,\"a,b\""[..],
            c8y_mqtt::QoS::AtLeastOnce,
        )
        .expect("delivered");
    // SAFETY: a live client and event, freed once.
    unsafe {
        let event = next_of(client, c8y_event_kind_t::C8yEventKindDownstream);
        assert_eq!(c8y_event_error_code(event), 106);
        assert_eq!(c8y_event_field_count(event), 2);
        assert_eq!(
            (field(event, 0), field(event, 1)),
            ("child1".into(), "a,b".into())
        );
        c8y_event_free(event);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}
