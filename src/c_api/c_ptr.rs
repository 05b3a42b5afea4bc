// SPDX-License-Identifier: GPL-2.0

//! Pointers handed over by C callers: NULL and error pointers (`ERR_PTR()`) are told apart
//! from pointers that may be used, so that a caller's error pointer gives `-EINVAL` rather
//! than an oops.

use kernel::error::from_err_ptr;

/// Whether `ptr` is an error pointer, in the range `ERR_PTR()` makes (NULL is not one).
pub(crate) fn is_err<T>(ptr: *const T) -> bool {
    from_err_ptr(ptr.cast_mut()).is_err()
}

/// Whether `ptr` is neither NULL nor an error pointer: whether it may be used, if the
/// caller's contract says it is valid.
pub(crate) fn is_usable<T>(ptr: *const T) -> bool {
    !ptr.is_null() && !is_err(ptr)
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kernel::prelude::kunit_tests(statsfs_c_ptr)]
mod tests {
    use super::*;
    use kernel::error::code::EINVAL;

    #[test]
    fn null_error_and_valid_pointers() {
        let x = 5u64;
        let err: *const u64 = EINVAL.to_ptr();
        assert!(is_usable(&x as *const u64));
        assert!(!is_usable(core::ptr::null::<u64>()));
        assert!(!is_usable(err));
        assert!(is_err(err));
        assert!(!is_err(core::ptr::null::<u64>()));
    }
}
