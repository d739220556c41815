//! Cloud Remote Access for C: `c8y_remote_access_new` with the allow-list as `"host:port"`
//! text, `c8y_remote_access_handle` for an operation event, `c8y_remote_access_next_event` for
//! the tunnels' open and close events, `c8y_remote_access_close_all`, `c8y_remote_access_free`.
//! This module only converts and owns: every rule (allow-list, statuses, the relay) lives in the
//! core's `c8y_mqtt::remote_access` (docs/protocol.md §13).

use std::ffi::c_char;
use std::time::Duration;

use c8y_mqtt::remote_access::{
    AllowList, RemoteAccess, RemoteAccessOptions, TunnelEnd, TunnelEvent, TunnelInfo,
};
use tokio::sync::broadcast;

use crate::boundary::{guard, guard_or, out_arg, str_arg, write_out};
use crate::client::{c8y_client, client_ref, not_in_callback};
use crate::error::{Error, c8y_result};
use crate::event::c8y_event;

/// Bytes of `c8y_tunnel_event.host`, with the NUL (a longer host is cut).
pub const C8Y_TUNNEL_HOST_LEN: usize = 256;

/// What happened to a tunnel.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_tunnel_event_kind {
    /// Both connections are open; the relay runs.
    Opened = 1,
    /// The tunnel ended; the counters are final.
    Closed = 2,
}

/// Why a tunnel ended.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum c8y_tunnel_end {
    /// Not ended (an OPENED event).
    None = 0,
    /// The target closed its connection.
    TargetClosed = 1,
    /// The platform closed the WebSocket (the operator left).
    PlatformClosed = 2,
    /// `c8y_remote_access_close_all` or `c8y_remote_access_free`.
    Closed = 3,
    /// A connection failed.
    Error = 4,
}

/// A tunnel event, written by `c8y_remote_access_next_event`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct c8y_tunnel_event {
    /// Opened or closed.
    pub kind: c8y_tunnel_event_kind,
    /// The tunnel's id (from 1, unique per remote access object).
    pub id: u64,
    /// The target host, NUL-terminated.
    pub host: [c_char; C8Y_TUNNEL_HOST_LEN],
    /// The target port.
    pub port: u16,
    /// Bytes relayed from the platform to the target.
    pub bytes_to_target: u64,
    /// Bytes relayed from the target to the platform.
    pub bytes_from_target: u64,
    /// How long the tunnel has been (was) open, in milliseconds.
    pub duration_ms: u64,
    /// Why it ended (CLOSED events).
    pub end: c8y_tunnel_end,
}

impl c8y_tunnel_event {
    fn new(kind: c8y_tunnel_event_kind, tunnel: &TunnelInfo, end: c8y_tunnel_end) -> Self {
        let mut host = [0 as c_char; C8Y_TUNNEL_HOST_LEN];
        let bytes = tunnel.host.as_bytes();
        let n = bytes.len().min(C8Y_TUNNEL_HOST_LEN - 1);
        for (slot, byte) in host.iter_mut().zip(&bytes[..n]) {
            *slot = *byte as c_char;
        }
        Self {
            kind,
            id: tunnel.id,
            host,
            port: tunnel.port,
            bytes_to_target: tunnel.bytes_to_target,
            bytes_from_target: tunnel.bytes_from_target,
            duration_ms: u64::try_from(tunnel.duration.as_millis()).unwrap_or(u64::MAX),
            end,
        }
    }
}

/// Remote access of one client. Create with `c8y_remote_access_new`, free with
/// `c8y_remote_access_free` before the client (which ends its tunnels).
pub struct c8y_remote_access {
    remote: RemoteAccess,
    events: tokio::sync::Mutex<broadcast::Receiver<TunnelEvent>>,
}

/// Remote access (`530` `c8y_RemoteAccessConnect`) for `client`, reaching only the targets of
/// `allow`: `"host:port"` entries separated by commas or spaces (`"[::1]:22"` for IPv6; `""`
/// allows nothing). `connect_timeout_ms` bounds the TCP connection to a target and the
/// WebSocket handshake (0: 30 s); `max_tunnels` limits the tunnels open at once (0: 16). Events
/// are kept from this call on.
///
/// # Safety
/// `client` must be NULL or live; `allow` NULL or a NUL-terminated string; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_remote_access_new(
    client: *const c8y_client,
    allow: *const c_char,
    connect_timeout_ms: u32,
    max_tunnels: usize,
    out: *mut *mut c8y_remote_access,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        out_arg(out, "out")?;
        // SAFETY: NULL or NUL-terminated per the contract.
        let allow = unsafe { str_arg(allow, "allow") }?;
        let allow = AllowList::parse(allow).map_err(|e| Error::invalid("allow", e))?;
        let mut options = RemoteAccessOptions::default();
        if connect_timeout_ms > 0 {
            options.connect_timeout = Duration::from_millis(u64::from(connect_timeout_ms));
        }
        if max_tunnels > 0 {
            options.max_tunnels = max_tunnels;
        }
        let http = client.client().as_async().http()?;
        let remote = RemoteAccess::with_http(http, allow, options);
        let events = tokio::sync::Mutex::new(remote.subscribe());
        let boxed = Box::new(c8y_remote_access { remote, events });
        // SAFETY: checked writable above.
        unsafe { write_out(out, Box::into_raw(boxed)) };
        Ok(())
    })
}

/// Runs the `530` of `event`: EXECUTING, the connections, then SUCCESSFUL with the tunnel
/// running on SDK threads, or FAILED with the reason (also in `c8y_last_error_message` when
/// `*succeeded_out` is false). `*handled_out` is false for another operation (nothing was sent).
/// Returns `C8Y_RESULT_WRONG_EVENT_KIND` for an event that is no operation.
///
/// Thread: any but an event callback; blocks until the status is reported.
///
/// # Safety
/// `remote`, `client` and `event` must be NULL or live (`client` the one `remote` was made
/// for); `handled_out` writable; `succeeded_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_remote_access_handle(
    remote: *const c8y_remote_access,
    client: *const c8y_client,
    event: *const c8y_event,
    handled_out: *mut bool,
    succeeded_out: *mut bool,
) -> c8y_result {
    guard(|| {
        // SAFETY: NULL or live per the contract.
        let remote = unsafe { remote.as_ref() }.ok_or_else(|| Error::null("remote"))?;
        let client = client_ref(client)?;
        not_in_callback()?;
        out_arg(handled_out, "handled_out")?;
        let op = crate::event::operation(event)?.clone();
        let access = remote.remote.clone();
        let outcome = client
            .client()
            .run(async move { access.handle(&op).await })
            .ok_or_else(|| Error::new(c8y_result::Closed, "client closed"))?;
        if let Some(Err(error)) = &outcome {
            crate::error::set_last_error(&error.to_string());
        }
        // SAFETY: writable per the contract (checked / NULL-tolerant).
        unsafe {
            write_out(handled_out, outcome.is_some());
            write_out(succeeded_out, matches!(outcome, Some(Ok(_))));
        }
        Ok(())
    })
}

/// Waits up to `timeout_ms` (0: do not wait) for the next tunnel event and writes it to `out`;
/// `C8Y_RESULT_TIMEOUT` when none came.
///
/// Thread: any but an event callback.
///
/// # Safety
/// `remote` and `client` must be NULL or live; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_remote_access_next_event(
    remote: *const c8y_remote_access,
    client: *const c8y_client,
    timeout_ms: u32,
    out: *mut c8y_tunnel_event,
) -> c8y_result {
    guard(|| {
        // SAFETY: NULL or live per the contract.
        let remote = unsafe { remote.as_ref() }.ok_or_else(|| Error::null("remote"))?;
        let client = client_ref(client)?;
        not_in_callback()?;
        out_arg(out, "out")?;
        let limit = Duration::from_millis(u64::from(timeout_ms));
        let event = client
            .client()
            .run(async {
                let mut events = remote.events.lock().await;
                let next = async {
                    loop {
                        match events.recv().await {
                            Ok(event) => return Some(event),
                            Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => return None,
                        }
                    }
                };
                tokio::time::timeout(limit, next).await.ok().flatten()
            })
            .ok_or_else(|| Error::new(c8y_result::Closed, "client closed"))?
            .ok_or_else(|| Error::new(c8y_result::Timeout, "no tunnel event"))?;
        let written = match &event {
            TunnelEvent::Opened(tunnel) => {
                c8y_tunnel_event::new(c8y_tunnel_event_kind::Opened, tunnel, c8y_tunnel_end::None)
            }
            TunnelEvent::Closed { tunnel, end } => {
                let end = match end {
                    TunnelEnd::TargetClosed => c8y_tunnel_end::TargetClosed,
                    TunnelEnd::PlatformClosed => c8y_tunnel_end::PlatformClosed,
                    TunnelEnd::Closed => c8y_tunnel_end::Closed,
                    TunnelEnd::Error(_) => c8y_tunnel_end::Error,
                };
                c8y_tunnel_event::new(c8y_tunnel_event_kind::Closed, tunnel, end)
            }
        };
        // SAFETY: checked writable above.
        unsafe { write_out(out, written) };
        Ok(())
    })
}

/// The number of open tunnels (0 for NULL).
///
/// # Safety
/// `remote` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_remote_access_open_tunnels(remote: *const c8y_remote_access) -> usize {
    guard_or(0, || {
        // SAFETY: NULL or live per the contract.
        let remote = unsafe { remote.as_ref() }?;
        Some(remote.remote.tunnels().len())
    })
}

/// Ends every open tunnel (NULL is ignored).
///
/// # Safety
/// `remote` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_remote_access_close_all(remote: *const c8y_remote_access) {
    guard_or((), || {
        // SAFETY: NULL or live per the contract.
        unsafe { remote.as_ref() }?.remote.close_all();
        Some(())
    })
}

/// Frees the remote access and ends its tunnels (NULL is ignored).
///
/// # Safety
/// `remote` must be NULL or not used by any other thread and not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_remote_access_free(remote: *mut c8y_remote_access) {
    if !remote.is_null() {
        // SAFETY: made by `Box::into_raw` in `c8y_remote_access_new`, freed once.
        drop(unsafe { Box::from_raw(remote) });
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::ptr::null_mut;

    use super::*;
    use crate::client::{
        c8y_client_close, c8y_client_free, c8y_client_new, c8y_client_next_event, c8y_client_wait_connected,
    };
    use crate::event::{c8y_event_free, c8y_event_kind, c8y_event_kind_t};
    use crate::options::{c8y_options_free, c8y_options_set_http_base_url};
    use crate::test_support::{DEVICE, options};

    /// An echo server on the device's side: one connection, echoed until it ends.
    fn echo_server() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut reader = stream.try_clone().unwrap();
                let _ = std::io::copy(&mut reader, &mut stream);
            }
        });
        port
    }

    #[test]
    fn remote_access_from_c_opens_a_tunnel_and_reports_its_events() {
        let emulator = c8y_mqtt_emulator::Emulator::builder()
            .tenant("t100")
            .user("device_dev1", "secret-1")
            .http_port(Some(0))
            .start_blocking()
            .expect("emulator starts");
        let base =
            std::ffi::CString::new(format!("http://{}", emulator.handle().http_addr().unwrap())).unwrap();
        let port = echo_server();
        let allow = std::ffi::CString::new(format!("127.0.0.1:{port}")).unwrap();
        // SAFETY: live options, clients, events and remote access throughout; valid out-params.
        unsafe {
            let options = options(&emulator);
            assert_eq!(
                c8y_options_set_http_base_url(options, base.as_ptr()),
                c8y_result::Ok
            );
            let mut client = null_mut();
            assert_eq!(c8y_client_new(options, &mut client), c8y_result::Ok);
            c8y_options_free(options);
            assert_eq!(c8y_client_wait_connected(client, 15_000), c8y_result::Ok);
            let mut remote = null_mut();
            assert_eq!(
                c8y_remote_access_new(client, c"bad".as_ptr(), 0, 0, &mut remote),
                c8y_result::InvalidArgument
            );
            assert_eq!(
                c8y_remote_access_new(client, allow.as_ptr(), 0, 0, &mut remote),
                c8y_result::Ok
            );

            let listener = emulator
                .block_on(emulator.handle().open_remote_access(DEVICE, "127.0.0.1", port))
                .unwrap();
            let mut event = null_mut();
            loop {
                assert_eq!(c8y_client_next_event(client, 15_000, &mut event), c8y_result::Ok);
                if c8y_event_kind(event) == c8y_event_kind_t::C8yEventKindOperation {
                    break;
                }
                c8y_event_free(event);
            }
            let (mut handled, mut succeeded) = (false, false);
            assert_eq!(
                c8y_remote_access_handle(remote, client, event, &mut handled, &mut succeeded),
                c8y_result::Ok,
                "{}",
                crate::error::last_error()
            );
            c8y_event_free(event);
            assert!(handled && succeeded, "{}", crate::error::last_error());
            let mut tunnel_event = std::mem::MaybeUninit::<c8y_tunnel_event>::uninit();
            assert_eq!(
                c8y_remote_access_next_event(remote, client, 15_000, tunnel_event.as_mut_ptr()),
                c8y_result::Ok
            );
            let opened = tunnel_event.assume_init();
            assert_eq!(
                (opened.kind, opened.port, opened.end),
                (c8y_tunnel_event_kind::Opened, port, c8y_tunnel_end::None)
            );
            assert_eq!(
                std::ffi::CStr::from_ptr(opened.host.as_ptr()).to_str().unwrap(),
                "127.0.0.1"
            );
            assert_eq!(c8y_remote_access_open_tunnels(remote), 1);

            let mut operator = std::net::TcpStream::connect(listener.addr).unwrap();
            operator.write_all(b"through the tunnel").unwrap();
            let mut echoed = [0u8; 18];
            operator.read_exact(&mut echoed).unwrap();
            assert_eq!(&echoed, b"through the tunnel");
            drop(operator);
            assert_eq!(
                c8y_remote_access_next_event(remote, client, 15_000, tunnel_event.as_mut_ptr()),
                c8y_result::Ok
            );
            let closed = tunnel_event.assume_init();
            assert_eq!(
                (closed.kind, closed.end),
                (c8y_tunnel_event_kind::Closed, c8y_tunnel_end::PlatformClosed)
            );
            assert_eq!((closed.bytes_to_target, closed.bytes_from_target), (18, 18));
            assert_eq!(
                c8y_remote_access_next_event(remote, client, 0, tunnel_event.as_mut_ptr()),
                c8y_result::Timeout
            );

            c8y_remote_access_free(remote);
            assert_eq!(c8y_client_close(client), c8y_result::Ok);
            assert_eq!(c8y_client_free(client), c8y_result::Ok);
        }
        emulator.shutdown();
    }

    #[test]
    fn null_arguments_are_refused() {
        let mut out: *mut c8y_remote_access = null_mut();
        // SAFETY: NULL client and allow-list, a writable out-param.
        let code = unsafe { c8y_remote_access_new(std::ptr::null(), std::ptr::null(), 0, 0, &mut out) };
        assert_eq!(code, c8y_result::NullParameter);
        assert!(out.is_null());
        let mut handled = true;
        // SAFETY: NULL remote, client and event; a writable out-param.
        let code = unsafe {
            c8y_remote_access_handle(
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                &mut handled,
                null_mut(),
            )
        };
        assert_eq!(code, c8y_result::NullParameter);
        // SAFETY: NULL is tolerated.
        unsafe {
            assert_eq!(c8y_remote_access_open_tunnels(std::ptr::null()), 0);
            c8y_remote_access_close_all(std::ptr::null());
            c8y_remote_access_free(null_mut());
        }
    }
}
