
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_arguments_are_refused() {
        let mut out: *mut c8y_device_management = std::ptr::null_mut();
        // SAFETY: NULL client and handlers, a writable out-param.
        let code = unsafe { c8y_device_management_new(std::ptr::null(), std::ptr::null(), std::ptr::null(), &mut out) };
        assert_eq!(code, c8y_result::NullParameter);
        assert!(out.is_null());
        // SAFETY: NULL management.
        assert_eq!(
            unsafe { c8y_device_management_declare(std::ptr::null()) },
            c8y_result::NullParameter
        );
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
