//! JSON over MQTT bulk create, update and delete against the emulator.

use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use c8y_mqtt_emulator::model::RecordFilter;

use std::ffi::CString;

use super::*;
use crate::client::c8y_client_free;
use crate::test_support::{connected, emulator};

/// Polls `f` until it returns true (panics after 15 s).
fn until(mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(Instant::now() < deadline, "condition not met in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn json_create_bulk_update_and_delete() {
    let emulator = emulator();
    let client = connected(&emulator);
    let handle = emulator.handle();
    let stored = || handle.platform_events(&RecordFilter::all().of_type("c8y_Bulk"));
    let events = c8y_json_resource::Event as u32;
    // SAFETY: a live client; valid strings and out-params.
    unsafe {
        let bulk = cr#"{"events":[{"type":"c8y_Bulk","text":"a","time":"2026-01-01T00:00:00Z"},{"type":"c8y_Bulk","text":"b","time":"2026-01-01T00:01:00Z"}]}"#;
        let mut id_out = 0;
        assert_eq!(
            c8y_client_json_create_bulk(client, events, bulk.as_ptr(), &mut id_out),
            c8y_result::Ok
        );
        assert_ne!(id_out, 0);
        until(|| stored().len() == 2);
        let first = stored().into_iter().find(|e| e["text"] == "a").unwrap();
        let id = CString::new(first["id"].as_str().unwrap()).unwrap();

        assert_eq!(
            c8y_client_json_update(
                client,
                events,
                id.as_ptr(),
                cr#"{"text":"changed"}"#.as_ptr(),
                null_mut()
            ),
            c8y_result::Ok
        );
        until(|| stored().iter().any(|e| e["text"] == "changed"));
        assert_eq!(
            c8y_client_json_delete(client, events, id.as_ptr(), null_mut()),
            c8y_result::Ok
        );
        until(|| stored().len() == 1);

        // Refused at the call: what the platform does not support, bad JSON, bad ids, NULL.
        let inventory = c8y_json_resource::Inventory as u32;
        let alarms = c8y_json_resource::Alarm as u32;
        let measurements = c8y_json_resource::Measurement as u32;
        assert_eq!(
            c8y_client_json_create_bulk(client, inventory, c"{}".as_ptr(), null_mut()),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_json_create_bulk(client, events, c"{".as_ptr(), null_mut()),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_json_create_bulk(client, 9, c"{}".as_ptr(), null_mut()),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_json_update(client, measurements, c"1".as_ptr(), c"{}".as_ptr(), null_mut()),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_json_delete(client, alarms, c"1".as_ptr(), null_mut()),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_json_delete(client, events, c"a/b".as_ptr(), null_mut()),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_json_delete(client, events, null(), null_mut()),
            c8y_result::NullParameter
        );
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}
