//! The operation workflows for C: `c8y_device_management_new` with a `c8y_workflow_handlers`
//! table of function pointers (one userdata for all), `c8y_device_management_handle` for an
//! operation event, `c8y_device_management_declare`, `c8y_device_management_free`. Each C
//! handler becomes a core handler (`c8y_mqtt::workflows`) that calls it on a blocking SDK
//! thread; every rule (EXECUTING, downloads, uploads, what is reported, `502` on failure) lives
//! in the core.
//!
//! Handlers return 0 for success; any other value fails the operation with the text they wrote
//! into `reason` (`reason_len` bytes, NUL-terminated). Files to upload (a log, a configuration)
//! are written by the handler into `out_path`, a new private file the SDK made and removes
//! after the upload; files to install are at `path` until the handler returns.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::PathBuf;

use c8y_mqtt::http::UploadSource;
use c8y_mqtt::workflows::{DeviceManagement, SoftwareChangeAction};

use crate::boundary::{guard, opt_str_arg, out_arg, str_array, write_out};
use crate::client::{c8y_client, client_ref, not_in_callback};
use crate::error::{Error, c8y_result};
use crate::event::c8y_event;

/// Writes the log of `log_type` (period, search text, at most `maximum_lines` lines, -1: no
/// limit) into `out_path`.
pub type c8y_log_handler = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        device: *const c_char,
        log_type: *const c_char,
        date_from: *const c_char,
        date_to: *const c_char,
        search_text: *const c_char,
        maximum_lines: i64,
        out_path: *const c_char,
        reason: *mut c_char,
        reason_len: usize,
    ) -> i32,
>;

/// Writes the configuration of `config_type` (empty for the untyped `520`) into `out_path`.
pub type c8y_config_upload_handler = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        device: *const c_char,
        config_type: *const c_char,
        out_path: *const c_char,
        reason: *mut c_char,
        reason_len: usize,
    ) -> i32,
>;

/// Applies the configuration downloaded from `url` to `path`.
pub type c8y_config_apply_handler = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        device: *const c_char,
        config_type: *const c_char,
        url: *const c_char,
        path: *const c_char,
        reason: *mut c_char,
        reason_len: usize,
    ) -> i32,
>;

/// Installs firmware `name` `version` from `path` (NULL for `$PROVIDED` images); `dependency`
/// is the base version of a patch (NULL otherwise).
pub type c8y_firmware_handler = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        device: *const c_char,
        name: *const c_char,
        version: *const c_char,
        url: *const c_char,
        dependency: *const c_char,
        path: *const c_char,
        reason: *mut c_char,
        reason_len: usize,
    ) -> i32,
>;

/// Installs (`action` "install", package at `path`, NULL without URL) or removes ("delete")
/// one software item.
pub type c8y_software_handler = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        device: *const c_char,
        name: *const c_char,
        version: *const c_char,
        software_type: *const c_char,
        url: *const c_char,
        action: *const c_char,
        path: *const c_char,
        reason: *mut c_char,
        reason_len: usize,
    ) -> i32,
>;

/// The handlers of `c8y_device_management_new`; a NULL handler leaves its operation to the
/// application. `userdata` is passed to every handler, on SDK threads.
#[repr(C)]
pub struct c8y_workflow_handlers {
    /// Log types for `118` (`n_log_types` strings).
    pub log_types: *const *const c_char,
    /// Number of log types.
    pub n_log_types: usize,
    /// `522` `c8y_LogfileRequest`.
    pub log: c8y_log_handler,
    /// Configuration types for `119` (`n_config_types` strings).
    pub config_types: *const *const c_char,
    /// Number of configuration types.
    pub n_config_types: usize,
    /// `526`/`520` `c8y_UploadConfigFile` (needs `config_apply` too).
    pub config_upload: c8y_config_upload_handler,
    /// `524`/`521` `c8y_DownloadConfigFile`.
    pub config_apply: c8y_config_apply_handler,
    /// `515`/`525` `c8y_Firmware`.
    pub firmware: c8y_firmware_handler,
    /// `528`/`529` `c8y_SoftwareUpdate`.
    pub software: c8y_software_handler,
    /// Passed to every handler.
    pub userdata: *mut c_void,
}

/// The workflows of one client. Create with `c8y_device_management_new`, free with
/// `c8y_device_management_free` before the client.
pub struct c8y_device_management {
    management: DeviceManagement,
}

/// The handler table, shared with SDK threads.
#[derive(Clone, Copy)]
struct Table {
    log: c8y_log_handler,
    config_upload: c8y_config_upload_handler,
    config_apply: c8y_config_apply_handler,
    firmware: c8y_firmware_handler,
    software: c8y_software_handler,
    userdata: *mut c_void,
}

// SAFETY: the contract of `c8y_device_management_new` requires the handlers and userdata to be
// usable from SDK threads while the management lives.
unsafe impl Send for Table {}
// SAFETY: as above; the library only passes `userdata` on.
unsafe impl Sync for Table {}

impl Table {
    /// The userdata (a method, so closures capture the whole `Send` table).
    fn userdata(&self) -> *mut c_void {
        self.userdata
    }
}

const REASON_LEN: usize = 512;

fn cstring(text: &str) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}

fn opt_ptr(text: &Option<CString>) -> *const c_char {
    text.as_ref().map_or(std::ptr::null(), |t| t.as_ptr())
}

/// Calls a C handler on a blocking thread: `call(reason buffer, len)` returns its code.
async fn invoke(
    step: &'static str,
    call: impl FnOnce(*mut c_char, usize) -> i32 + Send + 'static,
) -> Result<(), String> {
    tokio::task::spawn_blocking(move || {
        let mut reason = vec![0 as c_char; REASON_LEN];
        let code = call(reason.as_mut_ptr(), REASON_LEN);
        if code == 0 {
            return Ok(());
        }
        reason[REASON_LEN - 1] = 0;
        // SAFETY: NUL-terminated (the last byte is forced to NUL).
        let text = unsafe { CStr::from_ptr(reason.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        Err(if text.is_empty() {
            format!("{step} handler returned {code}")
        } else {
            text
        })
    })
    .await
    .map_err(|e| format!("{step} handler panicked: {e}"))?
}

/// A new private file for a handler to write an upload into.
fn upload_file(dir: &std::path::Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("c8y-upload-{:016x}", fastrand::u64(..)));
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    open.open(&path).map_err(|e| e.to_string())?;
    Ok(path)
}

/// The file a handler wrote: uploaded from disk, then removed by the core.
fn written(path: PathBuf) -> UploadSource {
    UploadSource::TemporaryFile(path)
}

/// Creates the workflows of `client` with the handlers in `handlers` (copied; the type lists
/// too). Downloads and handler output files go to `download_dir` (NULL: the system temp
/// directory).
///
/// # Safety
/// `client` must be NULL or a live client that outlives the management; `handlers` NULL or a
/// valid table whose handlers and userdata are usable from SDK threads until
/// `c8y_device_management_free`; `download_dir` NULL or NUL-terminated; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_device_management_new(
    client: *const c8y_client,
    handlers: *const c8y_workflow_handlers,
    download_dir: *const c_char,
    out: *mut *mut c8y_device_management,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        out_arg(out, "out")?;
        // SAFETY: NULL or a valid table per the contract.
        let handlers = unsafe { handlers.as_ref() }.ok_or_else(|| Error::null("handlers"))?;
        // SAFETY: arrays of valid strings per the contract.
        let (log_types, config_types, dir) = unsafe {
            (
                str_array(handlers.log_types, handlers.n_log_types, "log_types")?,
                str_array(handlers.config_types, handlers.n_config_types, "config_types")?,
                opt_str_arg(download_dir, "download_dir")?,
            )
        };
        let dir = dir.map_or_else(std::env::temp_dir, PathBuf::from);
        let table = Table {
            log: handlers.log,
            config_upload: handlers.config_upload,
            config_apply: handlers.config_apply,
            firmware: handlers.firmware,
            software: handlers.software,
            userdata: handlers.userdata,
        };
        let mut builder = DeviceManagement::builder(client.client().as_async())
            .map_err(Error::from)?
            .download_dir(dir.clone());
        if let Some(log) = table.log {
            let dir = dir.clone();
            builder = builder.logs(log_types, move |r| {
                let dir = dir.clone();
                async move {
                    let path = upload_file(&dir)?;
                    let args = [
                        &r.device,
                        &r.log_type,
                        &r.date_from.to_string(),
                        &r.date_to.to_string(),
                        &r.search_text,
                    ]
                    .map(|s| cstring(s));
                    let out_path = cstring(&path.display().to_string());
                    let lines = r
                        .maximum_lines
                        .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
                    let result = invoke("log", move |reason, len| {
                        // SAFETY: the application's handler with its userdata and valid strings.
                        unsafe {
                            log(
                                table.userdata(),
                                args[0].as_ptr(),
                                args[1].as_ptr(),
                                args[2].as_ptr(),
                                args[3].as_ptr(),
                                args[4].as_ptr(),
                                lines,
                                out_path.as_ptr(),
                                reason,
                                len,
                            )
                        }
                    })
                    .await;
                    match result {
                        Ok(()) => Ok(written(path)),
                        Err(e) => {
                            let _ = std::fs::remove_file(&path);
                            Err(e)
                        }
                    }
                }
            });
        }
        if let (Some(upload), Some(apply)) = (table.config_upload, table.config_apply) {
            let dir = dir.clone();
            builder = builder.configurations(
                config_types,
                move |r| {
                    let dir = dir.clone();
                    async move {
                        let path = upload_file(&dir)?;
                        let (device, config_type) = (cstring(&r.device), cstring(&r.config_type));
                        let out_path = cstring(&path.display().to_string());
                        let result = invoke("configuration upload", move |reason, len| {
                            // SAFETY: the application's handler with its userdata and valid strings.
                            unsafe {
                                upload(
                                    table.userdata(),
                                    device.as_ptr(),
                                    config_type.as_ptr(),
                                    out_path.as_ptr(),
                                    reason,
                                    len,
                                )
                            }
                        })
                        .await;
                        match result {
                            Ok(()) => Ok(written(path)),
                            Err(e) => {
                                let _ = std::fs::remove_file(&path);
                                Err(e)
                            }
                        }
                    }
                },
                move |r| {
                    let args = [&r.device, &r.config_type, &r.url, &r.path.display().to_string()]
                        .map(|s| cstring(s));
                    invoke("configuration", move |reason, len| {
                        // SAFETY: the application's handler with its userdata and valid strings.
                        unsafe {
                            apply(
                                table.userdata(),
                                args[0].as_ptr(),
                                args[1].as_ptr(),
                                args[2].as_ptr(),
                                args[3].as_ptr(),
                                reason,
                                len,
                            )
                        }
                    })
                },
            );
        }
        if let Some(firmware) = table.firmware {
            builder = builder.firmware(move |r| {
                let args = [&r.device, &r.name, &r.version, &r.url.as_str().to_owned()].map(|s| cstring(s));
                let dependency = r.dependency.as_deref().map(cstring);
                let path = r.path.as_ref().map(|p| cstring(&p.display().to_string()));
                invoke("firmware", move |reason, len| {
                    // SAFETY: the application's handler with its userdata and valid strings.
                    unsafe {
                        firmware(
                            table.userdata(),
                            args[0].as_ptr(),
                            args[1].as_ptr(),
                            args[2].as_ptr(),
                            args[3].as_ptr(),
                            opt_ptr(&dependency),
                            opt_ptr(&path),
                            reason,
                            len,
                        )
                    }
                })
            });
        }
        if let Some(software) = table.software {
            builder = builder.software(
                move |r| {
                    let (action, path) = match &r.action {
                        SoftwareChangeAction::Install { path } => ("install".to_owned(), path.clone()),
                        SoftwareChangeAction::Delete => ("delete".to_owned(), None),
                        SoftwareChangeAction::Other(word) => (word.clone(), None),
                    };
                    let args = [&r.device, &r.name, &r.version, &r.url, &action].map(|s| cstring(s));
                    let software_type = r.software_type.as_deref().map(cstring);
                    let path = path.map(|p| cstring(&p.display().to_string()));
                    invoke("software", move |reason, len| {
                        // SAFETY: the application's handler with its userdata and valid strings.
                        unsafe {
                            software(
                                table.userdata(),
                                args[0].as_ptr(),
                                args[1].as_ptr(),
                                args[2].as_ptr(),
                                opt_ptr(&software_type),
                                args[3].as_ptr(),
                                args[4].as_ptr(),
                                opt_ptr(&path),
                                reason,
                                len,
                            )
                        }
                    })
                },
                |_device| async { Ok(Vec::new()) },
            );
        }
        let management = Box::new(c8y_device_management {
            management: builder.build(),
        });
        // SAFETY: checked writable above.
        unsafe { write_out(out, Box::into_raw(management)) };
        Ok(())
    })
}

/// Publishes the supported log (`118`) and configuration (`119`) types.
///
/// # Safety
/// `management` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_device_management_declare(
    management: *const c8y_device_management,
) -> c8y_result {
    guard(|| {
        // SAFETY: NULL or live per the contract.
        let management = unsafe { management.as_ref() }.ok_or_else(|| Error::null("management"))?;
        management.management.declare().map(drop).map_err(Error::from)
    })
}

/// Runs the workflow of the operation `event` to its end (EXECUTING, the work with the
/// handlers, SUCCESSFUL or FAILED with the reason). `*handled_out` is false when no workflow
/// handles it (nothing was sent; handle it yourself); `*succeeded_out` (may be NULL) tells the
/// outcome. Returns `C8Y_RESULT_WRONG_EVENT_KIND` for an event that is no operation.
///
/// Thread: any but an event callback; blocks until the workflow ends.
///
/// # Safety
/// `management`, `client` and `event` must be NULL or live (`client` the one the management
/// was made for); `handled_out` writable; `succeeded_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_device_management_handle(
    management: *const c8y_device_management,
    client: *const c8y_client,
    event: *const c8y_event,
    handled_out: *mut bool,
    succeeded_out: *mut bool,
) -> c8y_result {
    guard(|| {
        // SAFETY: NULL or live per the contract.
        let management = unsafe { management.as_ref() }.ok_or_else(|| Error::null("management"))?;
        let client = client_ref(client)?;
        not_in_callback()?;
        out_arg(handled_out, "handled_out")?;
        let op = crate::event::operation(event)?.clone();
        let workflows = management.management.clone();
        let outcome = client
            .client()
            .run(async move { workflows.handle(&op).await })
            .ok_or_else(|| Error::new(c8y_result::Closed, "client closed"))?;
        // SAFETY: writable per the contract (checked / NULL-tolerant).
        unsafe {
            write_out(handled_out, outcome.is_some());
            write_out(succeeded_out, matches!(outcome, Some(Ok(()))));
        }
        Ok(())
    })
}

/// Frees the workflows (NULL is ignored).
///
/// # Safety
/// `management` must be NULL or a management not used by any other thread and not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_device_management_free(management: *mut c8y_device_management) {
    if !management.is_null() {
        // SAFETY: made by `Box::into_raw` in `c8y_device_management_new`, freed once.
        drop(unsafe { Box::from_raw(management) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_arguments_are_refused() {
        let mut out: *mut c8y_device_management = std::ptr::null_mut();
        // SAFETY: NULL client and handlers, a writable out-param.
        let code = unsafe {
            c8y_device_management_new(std::ptr::null(), std::ptr::null(), std::ptr::null(), &mut out)
        };
        assert_eq!(code, c8y_result::NullParameter);
        assert!(out.is_null());
        // SAFETY: NULL management.
        let code = unsafe { c8y_device_management_declare(std::ptr::null()) };
        assert_eq!(code, c8y_result::NullParameter);
        let mut handled = true;
        // SAFETY: NULL management, client and event; a writable out-param.
        let code = unsafe {
            c8y_device_management_handle(
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                &mut handled,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(code, c8y_result::NullParameter);
        // SAFETY: NULL is ignored.
        unsafe { c8y_device_management_free(std::ptr::null_mut()) };
    }
}
