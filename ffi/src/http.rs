//! File transfer and tokens for C: `c8y_client_download`, `c8y_client_upload_event_binary`,
//! `c8y_client_upload_inventory_binary`, `c8y_client_access_token`. Each converts its
//! arguments, runs the core's platform HTTP client (`c8y_mqtt::http`) on the client's runtime
//! and maps the error; every rule (credentials only for the platform's host, resume, checks,
//! private temporary files, token renewal) lives in the core.
//!
//! These calls block the calling thread until the transfer ends; they are refused inside an
//! event callback (`C8Y_RESULT_IN_CALLBACK`).

use std::ffi::{c_char, c_void};
use std::path::PathBuf;
use std::sync::Arc;

use c8y_mqtt::http::{DownloadOptions, HttpClient, UploadSource};

use crate::boundary::{c_strings, copy_to_buffer, guard, out_arg, write_out};
use crate::client::{c8y_client, client_ref, not_in_callback};
use crate::error::{Error, c8y_result};

/// Progress of a download: `bytes` received so far and the `total` (0 when unknown). Called on
/// an SDK thread while `c8y_client_download` runs; it must not call back into the client.
pub type c8y_progress_callback = Option<unsafe extern "C" fn(userdata: *mut c_void, bytes: u64, total: u64)>;

/// The progress callback and its userdata, handed to an SDK thread.
struct ProgressTarget {
    call: unsafe extern "C" fn(*mut c_void, u64, u64),
    userdata: *mut c_void,
}

// SAFETY: the contract of `c8y_client_download` requires the callback and userdata to be usable
// from an SDK thread for the duration of the call, which outlives every use.
unsafe impl Send for ProgressTarget {}
// SAFETY: as above; the library only passes `userdata` on, from one thread at a time.
unsafe impl Sync for ProgressTarget {}

impl ProgressTarget {
    fn report(&self, bytes: u64, total: u64) {
        // SAFETY: the caller's callback with its userdata, per the contract of
        // `c8y_client_download`.
        unsafe { (self.call)(self.userdata, bytes, total) }
    }
}

fn http(client: &c8y_client) -> Result<HttpClient, Error> {
    client.client().as_async().http().map_err(Error::from)
}

/// Runs `future` on the client's runtime.
fn run<T>(client: &c8y_client, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    client
        .client()
        .run(future)
        .unwrap_or_else(|| Err(Error::new(c8y_result::Closed, "client closed")))
}

/// Downloads `url` (absolute, or a path on the platform such as `/inventory/binaries/12`) to
/// the file `path`: streamed, resumed after a broken connection, written to a private temporary
/// file next to `path` and renamed over it only when complete and checked. The device's
/// credentials go only to the platform's host. `expected_size` (0: not checked) and `sha256`
/// (hex, NULL: not checked) are verified; `progress` (may be NULL) gets the bytes received.
/// On success `*bytes_out` (may be NULL) receives the size.
///
/// Returns `C8Y_RESULT_OK`, `C8Y_RESULT_HTTP` (an error status, a size or checksum mismatch),
/// `C8Y_RESULT_NETWORK`, `C8Y_RESULT_AUTH`, `C8Y_RESULT_IO`, `C8Y_RESULT_INVALID_ARGUMENT` (URL)
/// and the usual argument codes; details in `c8y_last_error_message`.
///
/// Thread: any, but not inside an event callback; blocks until the download ends.
///
/// # Safety
/// `client` must be NULL or a live client; the strings NULL or NUL-terminated; `progress` and
/// `userdata` usable from another thread until this call returns; `bytes_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_download(
    client: *const c8y_client,
    url: *const c_char,
    path: *const c_char,
    expected_size: u64,
    sha256: *const c_char,
    progress: c8y_progress_callback,
    userdata: *mut c_void,
    bytes_out: *mut u64,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        not_in_callback()?;
        let (url, path, sha256) = c_strings!(
            req url => "url",
            req path => "path",
            opt sha256 => "sha256",
        );
        let progress = progress.map(|call| {
            let target = ProgressTarget { call, userdata };
            Arc::new(move |bytes: u64, total: Option<u64>| target.report(bytes, total.unwrap_or(0)))
                as c8y_mqtt::http::Progress
        });
        let options = DownloadOptions {
            size: (expected_size > 0).then_some(expected_size),
            sha256: sha256.map(str::to_owned),
            progress,
        };
        let http = http(client)?;
        let path = PathBuf::from(path);
        let done = run(client, async {
            http.download_to_file(url, &path, &options)
                .await
                .map_err(Error::from)
        })?;
        if !bytes_out.is_null() {
            // SAFETY: non-NULL and writable per the contract.
            unsafe { write_out(bytes_out, done.bytes) };
        }
        Ok(())
    })
}

/// Uploads the file `path` as the binary of a new event: creates an event of `event_type`
/// with `text` for the device `device_id` (its external id; NULL: the client's device) over
/// REST, attaches the file (multipart, named `file_name`, of `content_type`) and copies the
/// binary's URL, the one to report in `503`, into `url_buf` (`len` bytes, NUL-terminated;
/// `*url_len_out` gets the size needed, with `C8Y_RESULT_BUFFER_TOO_SMALL` when it does not
/// fit; the upload is not repeated then, the URL is lost).
///
/// Thread: any, but not inside an event callback; blocks until the upload ends.
///
/// # Safety
/// `client` must be NULL or a live client; the strings NULL (only `device_id` may be) or
/// NUL-terminated; `url_buf` NULL or `len` writable bytes; `url_len_out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_upload_event_binary(
    client: *const c8y_client,
    device_id: *const c_char,
    event_type: *const c_char,
    text: *const c_char,
    path: *const c_char,
    file_name: *const c_char,
    content_type: *const c_char,
    url_buf: *mut c_char,
    len: usize,
    url_len_out: *mut usize,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        not_in_callback()?;
        out_arg(url_len_out, "url_len_out")?;
        let (device_id, event_type, text, path, file_name, content_type) = c_strings!(
            opt device_id => "device_id",
            req event_type => "event_type",
            req text => "text",
            req path => "path",
            req file_name => "file_name",
            req content_type => "content_type",
        );
        let http = http(client)?;
        let device = device_id.unwrap_or(http.device_id()).to_owned();
        let source = UploadSource::File(PathBuf::from(path));
        let upload = run(client, async {
            http.upload_as_event(&device, event_type, text, &source, file_name, content_type)
                .await
                .map_err(Error::from)
        })?;
        // SAFETY: buffer and out-param per the contract.
        unsafe { copy_to_buffer(&upload.url, url_buf, len, url_len_out) }
    })
}

/// Uploads the file `path` as an inventory binary (`POST /inventory/binaries`, named
/// `file_name`, of `content_type`) and copies its URL into `url_buf` as
/// `c8y_client_upload_event_binary` does.
///
/// Thread: any, but not inside an event callback; blocks until the upload ends.
///
/// # Safety
/// `client` must be NULL or a live client; the strings NULL or NUL-terminated; `url_buf` NULL
/// or `len` writable bytes; `url_len_out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_upload_inventory_binary(
    client: *const c8y_client,
    path: *const c_char,
    file_name: *const c_char,
    content_type: *const c_char,
    url_buf: *mut c_char,
    len: usize,
    url_len_out: *mut usize,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        not_in_callback()?;
        out_arg(url_len_out, "url_len_out")?;
        let (path, file_name, content_type) = c_strings!(
            req path => "path",
            req file_name => "file_name",
            req content_type => "content_type",
        );
        let http = http(client)?;
        let source = UploadSource::File(PathBuf::from(path));
        let upload = run(client, async {
            http.upload_inventory_binary(&source, file_name, content_type, &serde_json::Map::new())
                .await
                .map_err(Error::from)
        })?;
        // SAFETY: buffer and out-param per the contract.
        unsafe { copy_to_buffer(&upload.url, url_buf, len, url_len_out) }
    })
}

/// Copies the device's current access token (the JWT a certificate device gets over MQTT,
/// cached and renewed before it expires) into `buf` as `c8y_client_upload_event_binary` copies
/// URLs. A password device has none: `C8Y_RESULT_INVALID_ARGUMENT`. The token is a secret: do
/// not log it.
///
/// Thread: any, but not inside an event callback; blocks until a token arrives (at most 30 s).
///
/// # Safety
/// `client` must be NULL or a live client; `buf` NULL or `len` writable bytes; `len_out`
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn c8y_client_access_token(
    client: *const c8y_client,
    buf: *mut c_char,
    len: usize,
    len_out: *mut usize,
) -> c8y_result {
    guard(|| {
        let client = client_ref(client)?;
        not_in_callback()?;
        out_arg(len_out, "len_out")?;
        let http = http(client)?;
        let token =
            run(client, async { http.access_token().await.map_err(Error::from) })?.ok_or_else(|| {
                Error::new(
                    c8y_result::InvalidArgument,
                    "a password device has no access token",
                )
            })?;
        // SAFETY: buffer and out-param per the contract.
        unsafe { copy_to_buffer(token.expose(), buf, len, len_out) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_arguments_are_refused() {
        // SAFETY: NULL client and strings, as the contract allows.
        let code = unsafe {
            c8y_client_download(
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        assert_eq!(code, c8y_result::NullParameter);
        let mut n = 0usize;
        // SAFETY: NULL client; a writable out-param.
        let code = unsafe { c8y_client_access_token(std::ptr::null(), std::ptr::null_mut(), 0, &mut n) };
        assert_eq!(code, c8y_result::NullParameter);
    }
}
