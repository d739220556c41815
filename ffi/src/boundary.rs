//! The panic boundary every exported function runs in ([`guard`], [`guard_or`]) and the
//! argument checks (NULL, UTF-8, arrays, out-params) they share.

use std::any::Any;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{Error, c8y_result, set_last_error};

fn panic_message(panic: &(dyn Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("panic in c8y-mqtt: {text}")
}

/// Runs the body of a fallible function: its error (or a caught panic) becomes the thread's last
/// error message and the returned code.
pub fn guard(body: impl FnOnce() -> Result<(), Error>) -> c8y_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => c8y_result::Ok,
        Ok(Err(error)) => {
            set_last_error(&error.message);
            error.code
        }
        Err(panic) => {
            set_last_error(&panic_message(panic.as_ref()));
            c8y_result::Panic
        }
    }
}

/// Runs the body of an infallible function (a getter): `default` on `None` or on a panic (the
/// panic's message becomes the thread's last error).
pub fn guard_or<T>(default: T, body: impl FnOnce() -> Option<T>) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Some(value)) => value,
        Ok(None) => default,
        Err(panic) => {
            set_last_error(&panic_message(panic.as_ref()));
            default
        }
    }
}

/// Reads the string arguments of an exported function, each `req ptr => "name"` (required) or
/// `opt ptr => "name"` (NULL is `None`): one value for one argument, a tuple for several.
/// Returns early from the enclosing body with the first argument's error.
///
/// This is the one place that relies on the string contract every exported function states
/// in its `# Safety` section (its strings are NULL or NUL-terminated and outlive the call), in
/// the manner of rustls-ffi's `try_str!`: the functions themselves hold no `unsafe` for it.
macro_rules! c_strings {
    (@read req $ptr:expr, $name:expr) => {
        $crate::boundary::str_arg($ptr, $name)
    };
    (@read opt $ptr:expr, $name:expr) => {
        $crate::boundary::opt_str_arg($ptr, $name)
    };
    ($kind:ident $ptr:expr => $name:literal) => {{
        // SAFETY: the exported function's contract: NULL or NUL-terminated, alive for the call.
        unsafe { c_strings!(@read $kind $ptr, $name) }?
    }};
    ($($kind:ident $ptr:expr => $name:literal),+ $(,)?) => {{
        // SAFETY: the exported function's contract: NULL or NUL-terminated, alive for the call.
        unsafe { ($(c_strings!(@read $kind $ptr, $name)?,)+) }
    }};
}
pub(crate) use c_strings;

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that outlives `'a`.
pub unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    // SAFETY: forwarded to the caller.
    unsafe { opt_str_arg(ptr, name) }?.ok_or_else(|| Error::null(name))
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that outlives `'a`.
pub unsafe fn opt_str_arg<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, NUL-terminated and alive for `'a` per the caller.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map(Some)
        .map_err(|e| Error::new(c8y_result::InvalidUtf8, format!("{name}: {e}")))
}

/// An array of `n` required strings; NULL is accepted when `n` is 0.
///
/// # Safety
/// `ptr` must be NULL or point to `n` readable pointers, each valid for [`str_arg`].
pub unsafe fn str_array<'a>(ptr: *const *const c_char, n: usize, name: &str) -> Result<Vec<&'a str>, Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(Error::null(name));
    }
    // SAFETY: `n` readable pointers per the caller.
    let items = unsafe { std::slice::from_raw_parts(ptr, n) };
    items
        .iter()
        .enumerate()
        // SAFETY: each item is valid for `str_arg` per the caller.
        .map(|(i, item)| unsafe { str_arg(*item, &format!("{name}[{i}]")) })
        .collect()
}

/// Checks that a required out-param is not NULL (before any work is done).
pub fn out_arg<T>(ptr: *mut T, name: &str) -> Result<(), Error> {
    if ptr.is_null() {
        Err(Error::null(name))
    } else {
        Ok(())
    }
}

/// Writes an output when the pointer is not NULL.
///
/// # Safety
/// `ptr` must be NULL or valid for writing a `T`.
pub unsafe fn write_out<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: non-NULL and writable per the caller.
        unsafe { ptr.write(value) };
    }
}

/// Copies `text` with a NUL into `(buf, len)` and writes its length (without NUL) to `out_n`;
/// `BUFFER_TOO_SMALL` (with the needed size including the NUL in `out_n`) when it does not fit.
///
/// # Safety
/// `buf` must be NULL or point to `len` writable bytes; `out_n` NULL or writable.
pub unsafe fn copy_to_buffer(
    text: &str,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> Result<(), Error> {
    out_arg(out_n, "out_n")?;
    if buf.is_null() || len < text.len() + 1 {
        // SAFETY: checked non-NULL above; writable per the caller.
        unsafe { write_out(out_n, text.len() + 1) };
        return Err(Error::new(
            c8y_result::BufferTooSmall,
            format!("{} bytes needed, {len} given", text.len() + 1),
        ));
    }
    // SAFETY: `len > text.len()` writable bytes at `buf` per the caller.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        *buf.add(text.len()) = 0;
        write_out(out_n, text.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::last_error;

    #[test]
    fn panics_become_a_code_and_a_message() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, c8y_result::Panic);
        assert!(last_error().contains("boom"), "{}", last_error());
        assert_eq!(guard_or(7, || panic!("again")), 7);
    }

    #[test]
    fn strings_are_checked() {
        // SAFETY: NULL is allowed.
        let null = unsafe { str_arg(std::ptr::null(), "x") };
        assert_eq!(null.unwrap_err().code, c8y_result::NullParameter);
        let bad = c"\xff\xfe";
        // SAFETY: a valid C string.
        let bad = unsafe { str_arg(bad.as_ptr(), "x") };
        assert_eq!(bad.unwrap_err().code, c8y_result::InvalidUtf8);
        // SAFETY: NULL with n = 0 is allowed.
        assert!(unsafe { str_array(std::ptr::null(), 0, "a") }.unwrap().is_empty());
        // SAFETY: NULL with n > 0 is reported.
        let missing = unsafe { str_array(std::ptr::null(), 2, "a") };
        assert_eq!(missing.unwrap_err().code, c8y_result::NullParameter);
        let items = [c"a".as_ptr(), std::ptr::null()];
        // SAFETY: two readable pointers.
        let error = unsafe { str_array(items.as_ptr(), 2, "a") }.unwrap_err();
        assert_eq!(
            (error.code, error.message.as_str()),
            (c8y_result::NullParameter, "a[1] is NULL")
        );
    }

    #[test]
    fn buffer_too_small_reports_the_size() {
        let mut n = 0usize;
        let mut buf = [0 as c_char; 4];
        // SAFETY: 4 writable bytes.
        let error = unsafe { copy_to_buffer("hello", buf.as_mut_ptr(), buf.len(), &mut n) }.unwrap_err();
        assert_eq!((error.code, n), (c8y_result::BufferTooSmall, 6));
        let mut buf = [0 as c_char; 6];
        // SAFETY: 6 writable bytes.
        unsafe { copy_to_buffer("hello", buf.as_mut_ptr(), buf.len(), &mut n) }.unwrap();
        // SAFETY: NUL-terminated by the call.
        assert_eq!((unsafe { CStr::from_ptr(buf.as_ptr()) }, n), (c"hello", 5));
    }
}
