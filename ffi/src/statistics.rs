//! Client statistics in C: `c8y_client_statistics` fills a `c8y_statistics` snapshot (plain
//! counters and the last connection error as a NUL-terminated text), and
//! `c8y_options_set_statistics_measurement` turns on the periodic `c8y_ClientStatistics`
//! measurement. The counting itself lives in the core (`Client::statistics`).

use std::ffi::c_char;

use c8y_mqtt::client::Statistics;

use crate::boundary::{guard, out_arg, write_out};
use crate::client::{c8y_client, client_ref};
use crate::error::c8y_result;

/// Bytes of `c8y_statistics.last_connection_error`, with the NUL (a longer text is cut at a
/// character boundary).
pub const C8Y_STATISTICS_ERROR_LEN: usize = 256;

/// A snapshot of a client's operation statistics since it started (`c8y_client_statistics`).
/// Delivery counts count publish calls (one delivery id each).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_statistics {
    /// Publish calls queued in the outbox.
    pub deliveries_queued: u64,
    /// Outbox entries not yet completed right now (waiting or in flight).
    pub queued_now: u64,
    /// Packets handed to MQTT and not acknowledged yet, right now.
    pub in_flight_now: u64,
    /// Deliveries the platform acknowledged (QoS >= 1).
    pub acknowledged: u64,
    /// Deliveries written to the network at QoS 0.
    pub sent: u64,
    /// Deliveries dropped because the outbox was full (drop-oldest policy).
    pub dropped_overflow: u64,
    /// Deliveries dropped because the client was closed first.
    pub dropped_closed: u64,
    /// Deliveries dropped because the client stopped on a fatal error.
    pub dropped_stopped: u64,
    /// Deliveries dropped because their SmartREST 2.0 collection could not be created.
    pub dropped_collection_failed: u64,
    /// `s/e` lines tied to a delivery (`C8Y_EVENT_KIND_PUBLISH_REJECTED`).
    pub rejected: u64,
    /// Connections tried, the first included.
    pub connection_attempts: u64,
    /// Connections the platform accepted.
    pub connections: u64,
    /// Accepted connections after the first one.
    pub reconnects: u64,
    /// Payload bytes handed to MQTT.
    pub bytes_sent: u64,
    /// Messages received from the platform.
    pub messages_received: u64,
    /// The last connection error, NUL-terminated; empty when there was none. Never holds
    /// credentials.
    pub last_connection_error: [c_char; C8Y_STATISTICS_ERROR_LEN],
}

impl From<&Statistics> for c8y_statistics {
    fn from(s: &Statistics) -> Self {
        let mut error = [0 as c_char; C8Y_STATISTICS_ERROR_LEN];
        let text = s.last_connection_error.as_deref().unwrap_or("");
        let mut n = text.len().min(C8Y_STATISTICS_ERROR_LEN - 1);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        for (slot, byte) in error.iter_mut().zip(&text.as_bytes()[..n]) {
            *slot = *byte as c_char;
        }
        Self {
            deliveries_queued: s.deliveries_queued,
            queued_now: s.queued_now,
            in_flight_now: s.in_flight_now,
            acknowledged: s.acknowledged,
            sent: s.sent,
            dropped_overflow: s.dropped.overflow,
            dropped_closed: s.dropped.closed,
            dropped_stopped: s.dropped.stopped,
            dropped_collection_failed: s.dropped.collection_failed,
            rejected: s.rejected,
            connection_attempts: s.connection_attempts,
            connections: s.connections,
            reconnects: s.reconnects,
            bytes_sent: s.bytes_sent,
            messages_received: s.messages_received,
            last_connection_error: error,
        }
    }
}

/// Writes a snapshot of the client's operation statistics to `*out`. Cheap (no network, no
/// waiting); works after `c8y_client_close` too.
///
/// Thread: any, including callbacks.
///
/// # Safety
/// `client` must be NULL or a live client; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_statistics(
    client: *const c8y_client,
    out: *mut c8y_statistics,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        out_arg(out, "out")?;
        let statistics = c8y_statistics::from(&client.client().statistics());
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { write_out(out, statistics) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::client::{
        c8y_client_close, c8y_client_free, c8y_client_new, c8y_client_next_event, c8y_connection_state,
    };
    use crate::event::{c8y_event_connection_state, c8y_event_free};
    use crate::options::{
        c8y_options_free, c8y_options_set_outbox_limits, c8y_options_set_port, c8y_overflow,
    };
    use crate::publish::c8y_client_send_event;

    fn error_text(s: &c8y_statistics) -> String {
        // SAFETY: the array is NUL-terminated by construction.
        unsafe { CStr::from_ptr(s.last_connection_error.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn null_arguments_are_refused() {
        let mut out = std::mem::MaybeUninit::<c8y_statistics>::uninit();
        // SAFETY: NULL is part of the contract.
        unsafe {
            assert_eq!(
                c8y_client_statistics(null(), out.as_mut_ptr()),
                c8y_result::NullParameter
            );
        }
    }

    #[test]
    fn a_long_error_is_cut_at_a_character_boundary() {
        let mut statistics = Statistics::default();
        statistics.last_connection_error = Some("é".repeat(300));
        let c = c8y_statistics::from(&statistics);
        let text = error_text(&c);
        assert_eq!(text.len(), 254);
        assert!(text.chars().all(|ch| ch == 'é'));
        assert_eq!(error_text(&c8y_statistics::from(&Statistics::default())), "");
    }

    #[test]
    fn the_struct_reads_the_counters_of_a_client() {
        let emulator = crate::test_support::emulator();
        let options = crate::test_support::options(&emulator);
        let mut client = null_mut();
        // SAFETY: live options and client; the port is wrong on purpose (never connects).
        unsafe {
            assert_eq!(c8y_options_set_port(options, 1), c8y_result::Ok);
            assert_eq!(
                c8y_options_set_outbox_limits(options, 1, 1 << 20, c8y_overflow::DropOldest as u32),
                c8y_result::Ok
            );
            assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
            c8y_options_free(options);
            let send = |id: &mut u64| {
                c8y_client_send_event(client, null(), c"c8y_E".as_ptr(), c"e".as_ptr(), null(), id)
            };
            let mut id = 0;
            assert_eq!(send(&mut id), c8y_result::Ok);
            assert_eq!(send(&mut id), c8y_result::Ok);
            let mut stats = std::mem::MaybeUninit::<c8y_statistics>::uninit();
            assert_eq!(
                c8y_client_statistics(client, null_mut()),
                c8y_result::NullParameter
            );
            assert_eq!(c8y_client_statistics(client, stats.as_mut_ptr()), c8y_result::Ok);
            let stats = stats.assume_init();
            assert_eq!(stats.deliveries_queued, 2);
            assert_eq!(stats.dropped_overflow, 1);
            assert_eq!(stats.queued_now, 1);
            assert_eq!(stats.acknowledged, 0);
            assert_eq!(stats.connections, 0);
            // The first failed attempt (port 1 refuses) records the error.
            loop {
                let mut event = null_mut();
                assert_eq!(c8y_client_next_event(client, 15_000, &mut event), c8y_result::Ok);
                let state = c8y_event_connection_state(event);
                c8y_event_free(event);
                if state == c8y_connection_state::Disconnected {
                    break;
                }
            }
            assert_eq!(c8y_client_close(client), c8y_result::Ok);
            let mut after = std::mem::MaybeUninit::<c8y_statistics>::uninit();
            assert_eq!(c8y_client_statistics(client, after.as_mut_ptr()), c8y_result::Ok);
            let after = after.assume_init();
            assert_eq!((after.dropped_overflow, after.dropped_closed), (1, 1));
            assert!(after.connection_attempts >= 1);
            assert!(!error_text(&after).is_empty(), "the refused attempt's error");
            assert_eq!(c8y_client_free(client), c8y_result::Ok);
        }
    }
}
