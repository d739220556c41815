//! Calls the client's C functions from Rust: NULL in every argument, double close, free(NULL),
//! buffer sizing, out-of-range enum values, fork detection, operations, and callbacks (one that
//! publishes, `IN_CALLBACK` detection, the finalizer running exactly once).

use std::ffi::{CStr, c_void};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::*;
use crate::event::*;
use crate::operation::*;
use crate::publish::*;
use crate::test_support::{DEVICE, connected, emulator};

const WAIT: Duration = Duration::from_secs(15);

/// Takes events until `pred` accepts one (which the caller frees); panics on timeout or close.
fn next_matching(client: *mut c8y_client, pred: impl Fn(*const c8y_event) -> bool) -> *mut c8y_event {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let mut event = null_mut();
        // SAFETY: a live client and a valid out-param.
        match unsafe { c8y_client_next_event(client, 200, &mut event) } {
            c8y_result::Ok if pred(event) => return event,
            // SAFETY: an event from next_event, freed once.
            c8y_result::Ok => unsafe { c8y_event_free(event) },
            c8y_result::Timeout => {}
            other => panic!("next_event: {other:?}"),
        }
    }
    panic!("no matching event");
}

#[test]
fn null_in_every_argument() {
    let mut event = null_mut();
    let mut n = 0usize;
    let mut id = 0u64;
    // SAFETY: NULL everywhere is part of the contract.
    unsafe {
        assert_eq!(c8y_client_new(null(), &mut null_mut()), c8y_result::NullParameter);
        assert_eq!(c8y_client_wait_connected(null(), 1), c8y_result::NullParameter);
        assert_eq!(c8y_client_state(null()), c8y_connection_state::None);
        assert_eq!(
            c8y_client_next_event(null(), 1, &mut event),
            c8y_result::NullParameter
        );
        assert_eq!(c8y_client_flush(null(), 1), c8y_result::NullParameter);
        assert_eq!(c8y_client_pending(null(), &mut n), c8y_result::NullParameter);
        assert_eq!(c8y_client_close(null()), c8y_result::NullParameter);
        assert_eq!(
            c8y_client_free(null_mut()),
            c8y_result::Ok,
            "free(NULL) is a no-op"
        );
        assert_eq!(
            c8y_client_client_id(null(), null_mut(), 0, &mut n),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_client_set_event_callback(null(), None, null_mut(), None),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_client_send_measurement(
                null(),
                null(),
                c"f".as_ptr(),
                c"s".as_ptr(),
                1.0,
                null(),
                null(),
                &mut id
            ),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_client_send_static(null(), null(), 211, null(), 0, &mut id),
            c8y_result::NullParameter
        );
        assert!(event.is_null() && id == 0, "outputs untouched on failure");
        // Event getters return neutral defaults; lifecycle calls report NULL.
        assert_eq!(c8y_event_kind(null()), c8y_event_kind_t::C8yEventKindNone);
        assert!(c8y_event_text(null()).is_null());
        assert!(c8y_event_field(null(), 0).is_null());
        assert_eq!(c8y_event_field_count(null()), 0);
        assert_eq!(c8y_event_delivery_id(null()), 0);
        assert!(c8y_event_payload(null(), &mut n).is_null());
        assert_eq!(n, 0);
        assert_eq!(
            c8y_event_operation_executing(null(), &mut id),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_event_operation_succeed(null(), null(), 0, &mut id),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_event_operation_fail(null(), null(), &mut id),
            c8y_result::NullParameter
        );
        c8y_event_free(null_mut());
    }
}

#[test]
fn session_with_null_arguments_buffers_enums_and_double_close() {
    let emulator = emulator();
    let client = connected(&emulator);
    let mut id = 0u64;
    let mut n = 0usize;
    // SAFETY: `client` is live until freed at the end.
    unsafe {
        assert_eq!(c8y_client_state(client), c8y_connection_state::Connected);
        // NULL in each argument of a publish.
        assert_eq!(
            c8y_client_send_measurement(
                client,
                null(),
                null(),
                c"T".as_ptr(),
                1.0,
                null(),
                null(),
                &mut id
            ),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_client_send_measurement(
                client,
                null(),
                c"c8y_T".as_ptr(),
                null(),
                1.0,
                null(),
                null(),
                &mut id
            ),
            c8y_result::NullParameter
        );
        assert!(crate::error::last_error().contains("series is NULL"));
        assert_eq!(
            c8y_client_send_measurement(
                client,
                null(),
                c"c8y_T".as_ptr(),
                c"T".as_ptr(),
                f64::NAN,
                null(),
                null(),
                &mut id
            ),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_send_measurement(
                client,
                null(),
                c"c8y_T".as_ptr(),
                c"T".as_ptr(),
                1.0,
                null(),
                c"yesterday".as_ptr(),
                &mut id
            ),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_send_measurements(client, null(), c"t".as_ptr(), null(), 0, null(), &mut id),
            c8y_result::NullParameter
        );
        assert_eq!(id, 0);
        // Out-of-range enum values.
        assert_eq!(
            c8y_client_send_alarm(client, null(), 0, c"a".as_ptr(), null(), null(), &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_send_alarm(client, null(), 5, c"a".as_ptr(), null(), null(), &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_send_json(client, 0, null(), c"{}".as_ptr(), &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_send_json(client, 4, null(), c"{}".as_ptr(), &mut id),
            c8y_result::InvalidArgument,
            "an inventory update needs the id"
        );
        assert_eq!(
            c8y_client_send_json(client, 1, c"42".as_ptr(), c"{}".as_ptr(), &mut id),
            c8y_result::InvalidArgument,
            "an id is only for inventory updates"
        );
        assert_eq!(
            c8y_client_send_json(client, 1, null(), c"{".as_ptr(), &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_publish_raw(client, c"s/uc/x".as_ptr(), b"1".as_ptr(), 1, 3, &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_publish_raw(client, c"s/ds".as_ptr(), b"1".as_ptr(), 1, 1, &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_publish_raw(client, c"s/uc/x".as_ptr(), null(), 1, 1, &mut id),
            c8y_result::NullParameter
        );
        // Codec validation through the generic function.
        let fields = [c"warm".as_ptr()];
        assert_eq!(
            c8y_client_send_static(client, null(), 211, fields.as_ptr(), 1, &mut id),
            c8y_result::InvalidTemplate
        );
        assert_eq!(
            c8y_client_send_smartrest2(client, c"nope".as_ptr(), c"1".as_ptr(), null(), 0, &mut id),
            c8y_result::UnknownTemplate
        );
        assert_eq!(id, 0);
        // Buffer sizing.
        let mut buf = [0 as c_char; 2];
        assert_eq!(
            c8y_client_client_id(client, buf.as_mut_ptr(), buf.len(), &mut n),
            c8y_result::BufferTooSmall
        );
        assert_eq!(n, DEVICE.len() + 1);
        assert_eq!(
            c8y_client_client_id(client, buf.as_mut_ptr(), buf.len(), null_mut()),
            c8y_result::NullParameter
        );
        let mut buf = [0 as c_char; 16];
        assert_eq!(
            c8y_client_client_id(client, buf.as_mut_ptr(), buf.len(), &mut n),
            c8y_result::Ok
        );
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), DEVICE);
        // Typed publishes get delivery ids confirmed by delivery events.
        let mut m1 = 0u64;
        assert_eq!(
            c8y_client_send_measurement(
                client,
                null(),
                c"c8y_Temperature".as_ptr(),
                c"T".as_ptr(),
                21.5,
                c"C".as_ptr(),
                null(),
                &mut m1
            ),
            c8y_result::Ok
        );
        assert_ne!(m1, 0);
        let series = [
            c8y_measurement_series {
                fragment: c"c8y_A".as_ptr(),
                series: c"x".as_ptr(),
                value: 1.0,
                unit: null(),
            },
            c8y_measurement_series {
                fragment: c"c8y_B".as_ptr(),
                series: c"y".as_ptr(),
                value: 2.5,
                unit: c"V".as_ptr(),
            },
        ];
        let mut m2 = 0u64;
        assert_eq!(
            c8y_client_send_measurements(
                client,
                null(),
                c"c8y_Multi".as_ptr(),
                series.as_ptr(),
                2,
                null(),
                &mut m2
            ),
            c8y_result::Ok
        );
        assert_eq!(
            c8y_client_send_event(
                client,
                null(),
                c"c8y_Boot".as_ptr(),
                c"Booted, ok".as_ptr(),
                null(),
                null_mut()
            ),
            c8y_result::Ok
        );
        assert_eq!(
            c8y_client_send_alarm(
                client,
                null(),
                2,
                c"c8y_Hot".as_ptr(),
                c"hot".as_ptr(),
                null(),
                null_mut()
            ),
            c8y_result::Ok
        );
        assert_eq!(
            c8y_client_set_hardware(client, null(), c"S1".as_ptr(), null(), null(), null_mut()),
            c8y_result::Ok
        );
        let ops = [c"c8y_Restart".as_ptr()];
        assert_eq!(
            c8y_client_set_supported_operations(client, null(), ops.as_ptr(), 1, null_mut()),
            c8y_result::Ok
        );
        assert_eq!(
            c8y_client_send_json(
                client,
                2,
                null(),
                c"{\"type\":\"c8y_J\",\"text\":\"j\"}".as_ptr(),
                null_mut()
            ),
            c8y_result::Ok
        );
        assert_eq!(c8y_client_flush(client, 15_000), c8y_result::Ok);
        let delivery = next_matching(client, |e| c8y_event_delivery_id(e) == m2);
        assert_eq!(c8y_event_kind(delivery), c8y_event_kind_t::C8yEventKindDelivery);
        assert_eq!(
            c8y_event_delivery_outcome(delivery),
            c8y_delivery_outcome::Acknowledged
        );
        c8y_event_free(delivery);
        let handle = emulator.handle();
        emulator
            .block_on(handle.wait_for_publish(
                |p| p.publish.payload[..] == b"201,c8y_Multi,,c8y_A,x,1,,c8y_B,y,2.5,V"[..],
                WAIT,
            ))
            .expect("201 sent");
        // A lifecycle call on a non-operation event.
        let mut event = null_mut();
        assert_eq!(
            c8y_client_send_event(client, null(), c"c8y_X".as_ptr(), c"x".as_ptr(), null(), &mut id),
            c8y_result::Ok
        );
        assert_eq!(c8y_client_next_event(client, 5_000, &mut event), c8y_result::Ok);
        assert_ne!(c8y_event_kind(event), c8y_event_kind_t::C8yEventKindOperation);
        assert_eq!(
            c8y_event_operation_executing(event, &mut id),
            c8y_result::WrongEventKind
        );
        c8y_event_free(event);
        // Close twice; events drain, then CLOSED; publishing is refused.
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        let closed = next_matching(client, |e| {
            c8y_event_connection_state(e) == c8y_connection_state::Closed
        });
        c8y_event_free(closed);
        let mut event = null_mut();
        assert_eq!(c8y_client_next_event(client, 100, &mut event), c8y_result::Closed);
        assert!(event.is_null());
        assert_eq!(
            c8y_client_send_event(client, null(), c"t".as_ptr(), c"x".as_ptr(), null(), &mut id),
            c8y_result::Closed
        );
        assert_eq!(c8y_client_state(client), c8y_connection_state::Closed);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}

#[test]
fn operations_from_static_lines_with_lifecycle() {
    let emulator = emulator();
    let client = connected(&emulator);
    let handle = emulator.handle();
    let op = handle
        .create_operation(
            DEVICE,
            serde_json::json!({"c8y_Command": {"text": "uptime, now"}}),
        )
        .unwrap();
    let op_id = op["id"].as_str().unwrap().to_owned();
    // SAFETY: `client` is live until freed; the event until freed.
    unsafe {
        let event = next_matching(client, |e| {
            c8y_event_kind(e) == c8y_event_kind_t::C8yEventKindOperation
        });
        assert_eq!(c8y_event_operation_kind(event), c8y_operation_kind::Command);
        assert_eq!(
            CStr::from_ptr(c8y_event_operation_command_text(event)),
            c"uptime, now"
        );
        assert_eq!(
            CStr::from_ptr(c8y_event_operation_fragment(event)),
            c"c8y_Command"
        );
        assert_eq!(
            CStr::from_ptr(c8y_event_device_id(event)).to_str().unwrap(),
            DEVICE
        );
        assert!(
            c8y_event_operation_id(event).is_null(),
            "static lines carry no id"
        );
        assert_eq!(c8y_event_field_count(event), 1);
        assert_eq!(CStr::from_ptr(c8y_event_field(event, 0)), c"uptime, now");
        assert!(c8y_event_field(event, 1).is_null());
        let mut id = 0u64;
        assert_eq!(c8y_event_operation_executing(event, &mut id), c8y_result::Ok);
        assert_ne!(id, 0);
        let params = [c"up 3 days".as_ptr()];
        assert_eq!(
            c8y_event_operation_succeed(event, params.as_ptr(), 1, null_mut()),
            c8y_result::Ok
        );
        c8y_event_free(event);
        emulator
            .block_on(handle.wait_for_operation_status(&op_id, "SUCCESSFUL", WAIT))
            .expect("SUCCESSFUL");
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}

#[test]
fn fork_child_is_refused() {
    let emulator = emulator();
    let client = connected(&emulator);
    // SAFETY: `client` is live; its pid is changed to simulate a call after fork().
    unsafe {
        let real = (*client).pid;
        (*client).pid = real.wrapping_add(1);
        assert_eq!(c8y_client_flush(client, 1), c8y_result::Forked);
        assert_eq!(c8y_client_close(client), c8y_result::Forked);
        assert_eq!(c8y_client_free(client), c8y_result::Forked);
        assert_eq!(c8y_client_state(client), c8y_connection_state::None);
        (*client).pid = real;
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}

/// What the test callback records.
#[derive(Default)]
struct Seen {
    text: &'static CStr,
    client: AtomicUsize,
    events: AtomicU32,
    published: AtomicU32,
    blocking: [AtomicU32; 5],
    finalized: AtomicU32,
    thread: Mutex<Option<String>>,
}

unsafe extern "C" fn on_event(userdata: *mut c_void, event: *const c8y_event) {
    // SAFETY: userdata is the `Seen` the test keeps alive until after free.
    let seen = unsafe { &*(userdata as *const Seen) };
    let client = seen.client.load(Ordering::SeqCst) as *mut c8y_client;
    seen.events.fetch_add(1, Ordering::SeqCst);
    *seen.thread.lock() = std::thread::current().name().map(str::to_owned);
    // SAFETY: the client outlives its callbacks (freed after they stop); the event is borrowed.
    unsafe {
        // Once per callback (a publish makes a delivery event: no endless loop).
        if c8y_event_kind(event) != c8y_event_kind_t::C8yEventKindNone
            && seen.published.load(Ordering::SeqCst) == 0
        {
            let mut id = 0;
            if c8y_client_send_event(
                client,
                null(),
                c"c8y_FromCallback".as_ptr(),
                seen.text.as_ptr(),
                null(),
                &mut id,
            ) == c8y_result::Ok
            {
                seen.published.fetch_add(1, Ordering::SeqCst);
            }
            let mut out = null_mut();
            let codes = [
                c8y_client_flush(client, 10),
                c8y_client_next_event(client, 10, &mut out),
                c8y_client_close(client),
                c8y_client_free(client),
                c8y_client_wait_connected(client, 10),
            ];
            for (slot, code) in seen.blocking.iter().zip(codes) {
                if code == c8y_result::InCallback {
                    slot.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }
}

unsafe extern "C" fn finalize(userdata: *mut c_void) {
    // SAFETY: userdata is the `Seen` the test keeps alive.
    let seen = unsafe { &*(userdata as *const Seen) };
    seen.finalized.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn callback_publishes_blocking_calls_are_refused_finalizer_runs_once() {
    let emulator = emulator();
    let options = crate::test_support::options(&emulator);
    let mut client = null_mut();
    let first = Box::new(Seen {
        text: c"first",
        ..Seen::default()
    });
    let second = Box::new(Seen {
        text: c"second",
        ..Seen::default()
    });
    // SAFETY: live options and client; `first`/`second` outlive the client.
    unsafe {
        assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
        crate::options::c8y_options_free(options);
        // A first callback, replaced before it saw much: its finalizer runs once.
        let first_ptr = &*first as *const Seen as *mut c_void;
        assert_eq!(
            c8y_client_set_event_callback(client, Some(on_event), first_ptr, Some(finalize)),
            c8y_result::Ok
        );
        first.client.store(client as usize, Ordering::SeqCst);
        second.client.store(client as usize, Ordering::SeqCst);
        let mut event = null_mut();
        assert_eq!(
            c8y_client_next_event(client, 10, &mut event),
            c8y_result::CallbackInstalled
        );
        let second_ptr = &*second as *const Seen as *mut c_void;
        assert_eq!(
            c8y_client_set_event_callback(client, Some(on_event), second_ptr, Some(finalize)),
            c8y_result::Ok
        );
        let deadline = Instant::now() + WAIT;
        while first.finalized.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(first.finalized.load(Ordering::SeqCst), 1, "replaced: finalized");
        // An event the second callback sees for sure: a delivery of this publish.
        let mut id = 0;
        let rc = c8y_client_send_event(
            client,
            null(),
            c"c8y_Trigger".as_ptr(),
            c"t".as_ptr(),
            null(),
            &mut id,
        );
        assert_eq!(rc, c8y_result::Ok);
        // The second publishes from inside the callback.
        let handle = emulator.handle();
        emulator
            .block_on(handle.wait_for_publish(
                |p| p.publish.payload[..] == b"400,c8y_FromCallback,second"[..],
                WAIT,
            ))
            .unwrap_or_else(|_| {
                panic!(
                    "events {} / {}, published {} / {}: {} {:?}",
                    first.events.load(Ordering::SeqCst),
                    second.events.load(Ordering::SeqCst),
                    first.published.load(Ordering::SeqCst),
                    second.published.load(Ordering::SeqCst),
                    crate::error::last_error(),
                    emulator
                        .handle()
                        .publishes()
                        .iter()
                        .map(|p| (
                            p.publish.topic.clone(),
                            String::from_utf8_lossy(&p.publish.payload).into_owned()
                        ))
                        .collect::<Vec<_>>()
                )
            });
        let deadline = Instant::now() + WAIT;
        while second.blocking[4].load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            second.published.load(Ordering::SeqCst) >= 1,
            "events {} / {}, published {} / {}",
            first.events.load(Ordering::SeqCst),
            second.events.load(Ordering::SeqCst),
            first.published.load(Ordering::SeqCst),
            second.published.load(Ordering::SeqCst)
        );
        for (i, slot) in second.blocking.iter().enumerate() {
            assert!(slot.load(Ordering::SeqCst) >= 1, "blocking call {i} not refused");
        }
        assert_eq!(second.thread.lock().as_deref(), Some("c8y-dispatch"));
        assert_eq!(second.finalized.load(Ordering::SeqCst), 0);
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
        assert_eq!(
            second.finalized.load(Ordering::SeqCst),
            1,
            "freed: finalized once"
        );
        assert_eq!(first.finalized.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn close_from_another_thread_wakes_next_event() {
    let emulator = emulator();
    let client = connected(&emulator);
    let address = client as usize;
    let puller = std::thread::spawn(move || {
        let client = address as *mut c8y_client;
        loop {
            let mut event = null_mut();
            // SAFETY: the client stays alive until this thread is joined.
            match unsafe { c8y_client_next_event(client, 60_000, &mut event) } {
                // SAFETY: an event from next_event, freed once.
                c8y_result::Ok => unsafe { c8y_event_free(event) },
                other => return other,
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    // SAFETY: `client` is live; freed after the puller returned.
    unsafe {
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        assert_eq!(puller.join().unwrap(), c8y_result::Closed);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}

#[test]
fn smartrest2_use_lines_from_a_registered_collection() {
    let emulator = emulator();
    let options = crate::test_support::options(&emulator);
    let definition = c"10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,";
    let mut client = null_mut();
    // SAFETY: live options and client.
    unsafe {
        let rc = crate::options::c8y_options_add_collection(options, c"c_xid".as_ptr(), definition.as_ptr());
        assert_eq!(rc, c8y_result::Ok);
        assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
        crate::options::c8y_options_free(options);
        assert_eq!(c8y_client_wait_connected(client, 15_000), c8y_result::Ok);
        let values = [c"".as_ptr(), c"25".as_ptr()];
        let mut id = 0;
        let rc = c8y_client_send_smartrest2(
            client,
            c"c_xid".as_ptr(),
            c"999".as_ptr(),
            values.as_ptr(),
            2,
            &mut id,
        );
        assert_eq!(rc, c8y_result::Ok);
        assert_ne!(id, 0);
        let rc = c8y_client_send_smartrest2(
            client,
            c"c_xid".as_ptr(),
            c"998".as_ptr(),
            values.as_ptr(),
            2,
            &mut id,
        );
        assert_eq!(rc, c8y_result::UnknownTemplate);
        let too_many = [c"".as_ptr(), c"25".as_ptr(), c"x".as_ptr()];
        let rc = c8y_client_send_smartrest2(
            client,
            c"c_xid".as_ptr(),
            c"999".as_ptr(),
            too_many.as_ptr(),
            3,
            &mut id,
        );
        assert_eq!(rc, c8y_result::InvalidTemplate);
        let handle = emulator.handle();
        emulator
            .block_on(handle.wait_for_publish(
                |p| p.publish.topic == "s/uc/c_xid" && p.publish.payload[..] == b"999,,25"[..],
                WAIT,
            ))
            .expect("use line published");
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}

#[test]
fn registration_times_out_until_the_device_is_accepted() {
    let emulator = c8y_mqtt_emulator::Emulator::builder()
        .tenant("t100")
        .bootstrap_password("boot-pw")
        .start_blocking()
        .expect("emulator starts");
    let options = crate::test_support::options(&emulator);
    let file = std::env::temp_dir().join(format!("c8y-ffi-credentials-{}", std::process::id()));
    let file = std::ffi::CString::new(file.to_str().unwrap()).unwrap();
    // SAFETY: live options, valid strings.
    unsafe {
        let rc = crate::registration::c8y_options_register(options, null(), file.as_ptr(), 100);
        assert_eq!(rc, c8y_result::NullParameter);
        let rc =
            crate::registration::c8y_options_register(options, c"boot-pw".as_ptr(), file.as_ptr(), 1_500);
        assert_eq!(rc, c8y_result::Registration, "{}", crate::error::last_error());
        assert!(
            crate::error::last_error().contains("no credentials"),
            "{}",
            crate::error::last_error()
        );
        crate::options::c8y_options_free(options);
    }
}

#[test]
fn tls_with_the_emulator_ca_and_wss() {
    let emulator = emulator();
    let handle = emulator.handle();
    let ca = std::ffi::CString::new(handle.ca_pem().expect("generated CA")).unwrap();
    let tls_port = handle.mqtts_addr().expect("mqtts").port();
    let wss_port = handle.addrs().wss.expect("wss").port();
    for (transport, host, port) in [
        (crate::options::c8y_transport::Tls, c"localhost", tls_port),
        (crate::options::c8y_transport::Wss, c"127.0.0.1", wss_port),
    ] {
        // The certificate names localhost.
        let options = crate::test_support::options_for(&emulator, host);
        let mut client = null_mut();
        // SAFETY: live options and client.
        unsafe {
            use crate::options::*;
            assert_eq!(
                c8y_options_set_transport(options, transport as u32),
                c8y_result::Ok
            );
            assert_eq!(c8y_options_set_port(options, port), c8y_result::Ok);
            assert_eq!(
                c8y_options_set_ca_pem(options, ca.as_ptr(), false),
                c8y_result::Ok
            );
            assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
            c8y_options_free(options);
            let rc = c8y_client_wait_connected(client, 15_000);
            assert_eq!(
                rc,
                c8y_result::Ok,
                "{transport:?}: {}",
                crate::error::last_error()
            );
            assert_eq!(c8y_client_close(client), c8y_result::Ok);
            assert_eq!(c8y_client_free(client), c8y_result::Ok);
        }
    }
}

#[test]
fn full_outbox_and_dropped_deliveries() {
    let emulator = emulator();
    let options = crate::test_support::options(&emulator);
    let mut client = null_mut();
    // SAFETY: live options and client; the port is wrong on purpose (never connects).
    unsafe {
        use crate::options::*;
        assert_eq!(c8y_options_set_port(options, 1), c8y_result::Ok);
        assert_eq!(
            c8y_options_set_outbox_limits(options, 1, 1 << 20, c8y_overflow::Reject as u32),
            c8y_result::Ok
        );
        assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
        c8y_options_free(options);
        let mut first = 0;
        let mut second = 0;
        let send = |id: &mut u64| {
            c8y_client_send_event(client, null(), c"c8y_E".as_ptr(), c"e".as_ptr(), null(), id)
        };
        assert_eq!(send(&mut first), c8y_result::Ok);
        assert_eq!(send(&mut second), c8y_result::QueueFull);
        assert_eq!(second, 0);
        let mut pending = 0;
        assert_eq!(c8y_client_pending(client, &mut pending), c8y_result::Ok);
        assert_eq!(pending, 1);
        assert_eq!(c8y_client_flush(client, 50), c8y_result::Timeout);
        assert!(
            crate::error::last_error().contains("1 message"),
            "{}",
            crate::error::last_error()
        );
        assert_eq!(c8y_client_wait_connected(client, 50), c8y_result::Timeout);
        assert_eq!(c8y_client_close(client), c8y_result::Ok);
        let dropped = next_matching(client, |e| {
            c8y_event_kind(e) == c8y_event_kind_t::C8yEventKindDelivery
        });
        assert_eq!(c8y_event_delivery_id(dropped), first);
        assert_eq!(
            c8y_event_delivery_outcome(dropped),
            c8y_delivery_outcome::DroppedClosed
        );
        c8y_event_free(dropped);
        assert_eq!(c8y_client_free(client), c8y_result::Ok);
    }
}
