// SPDX-License-Identifier: GPL-2.0

//! The C API: the functions of `include/linux/stats_fs.h`, implemented over the core.
//!
//! Each function checks what C hands it (NULL and error pointers are rejected as the header
//! documents), turns raw pointers into references, and calls the safe core. They are
//! exported by `stats_fs_exports.c`.
//!
//! C header: [`include/linux/stats_fs.h`](../include/linux/stats_fs.h)

use kernel::{
    error::from_result,
    ffi::{
        c_char,
        c_int,
        c_void, //
    },
    prelude::*,
    str::{
        CStr,
        CString, //
    },
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        ArcBorrow, //
    },
    types::ForeignOwnable,
};

use crate::{
    c_ptr::{
        is_err,
        is_usable, //
    },
    source::{
        Source,
        SourceRef, //
    },
    value::StatsFsValue,
};

/// Set while the file system is registered; read by `stats_fs_initialized()`.
static INITIALIZED: Atomic<bool> = Atomic::new(false);

/// Records whether the file system is registered.
pub(crate) fn set_initialized(on: bool) {
    INITIALIZED.store(on, Relaxed);
}

/// Borrows the source behind a C handle, without touching its counts.
///
/// Returns `None` for NULL and error pointers.
///
/// # Safety
///
/// `ptr` is NULL, an error pointer, or a handle returned by `stats_fs_source_create()` (or
/// `stats_fs_source_get()`) whose reference the caller holds for the duration of `'a`.
unsafe fn borrow<'a>(ptr: *mut c_void) -> Option<ArcBorrow<'a, Source>> {
    if !is_usable(ptr) {
        return None;
    }
    // SAFETY: The handle came from `SourceRef::into_foreign`, i.e. `Arc::into_foreign`, and
    // the caller's reference keeps the allocation alive for `'a` (safety requirement).
    Some(unsafe { <Arc<Source> as ForeignOwnable>::borrow(ptr) })
}

/// Creates a source named `name`; the C `stats_fs_source_create()` formats the name first.
///
/// # Safety
///
/// `name` is NULL or a valid NUL-terminated string.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_create_named(
    flags: u32,
    name: *const c_char,
) -> *mut c_void {
    if !is_usable(name) {
        return EINVAL.to_ptr();
    }
    // SAFETY: `name` is a valid C string (safety requirement).
    let name = unsafe { CStr::from_char_ptr(name) };
    let result = CString::try_from(name)
        .map_err(Error::from)
        .and_then(|name| Source::new(name, flags));
    match result {
        Ok(source) => source.into_foreign(),
        Err(e) => e.to_ptr(),
    }
}

/// `stats_fs_source_register()`.
///
/// # Safety
///
/// See [`borrow`] for `source`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_register(source: *mut c_void) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let Some(source) = (unsafe { borrow(source) }) else {
        return EINVAL.to_errno();
    };
    from_result(|| source.register().map(|()| 0))
}

/// `stats_fs_source_add_values()`.
///
/// # Safety
///
/// See [`borrow`] for `source`; `val` and `base` as `stats_fs_source_add_values()`
/// documents: NULL or a descriptor array ended by a NULL name that stays valid while
/// registered, and memory at `base` valid until revocation or the last put.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_add_values(
    source: *mut c_void,
    val: *mut StatsFsValue,
    base: *mut c_void,
    flags: u32,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let Some(source) = (unsafe { borrow(source) }) else {
        return EINVAL.to_errno();
    };
    // SAFETY: The caller's promises about `val` and `base` are those of `add_values`.
    from_result(|| unsafe { source.add_values(val, base, flags) }.map(|()| 0))
}

/// `stats_fs_source_remove_values()`.
///
/// # Safety
///
/// See [`borrow`] for `source`. `val` and `base` are only compared.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_remove_values(
    source: *mut c_void,
    val: *mut StatsFsValue,
    base: *mut c_void,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    match unsafe { borrow(source) } {
        Some(source) if is_usable(val) && !is_err(base) => {
            from_result(|| source.remove_values(val, base).map(|()| 0))
        }
        _ => EINVAL.to_errno(),
    }
}

/// `stats_fs_source_add_subordinate()`.
///
/// # Safety
///
/// See [`borrow`] for `parent` and `child`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_add_subordinate(
    parent: *mut c_void,
    child: *mut c_void,
) -> c_int {
    // SAFETY: The caller holds references for the duration of the call.
    let (Some(parent), Some(child)) = (unsafe { borrow(parent) }, unsafe { borrow(child) }) else {
        return EINVAL.to_errno();
    };
    from_result(|| parent.add_subordinate(child).map(|()| 0))
}

/// `stats_fs_source_remove_subordinate()`.
///
/// # Safety
///
/// See [`borrow`] for `parent` and `child`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_remove_subordinate(
    parent: *mut c_void,
    child: *mut c_void,
) {
    // SAFETY: The caller holds references for the duration of the call.
    if let (Some(parent), Some(child)) = (unsafe { borrow(parent) }, unsafe { borrow(child) }) {
        parent.remove_subordinate(&child);
    }
}

/// Stores `result` in `*ret` (0 on error) and returns the C status.
///
/// # Safety
///
/// `ret` is NULL, an error pointer, or valid for writing a `u64`.
unsafe fn store(result: Result<u64>, ret: *mut u64) -> c_int {
    if is_usable(ret) {
        // SAFETY: Neither NULL nor an error pointer, so valid for writing (safety
        // requirement).
        unsafe { ret.write(*result.as_ref().unwrap_or(&0)) };
    }
    match result {
        Ok(_) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `stats_fs_source_get_value()`.
///
/// # Safety
///
/// See [`borrow`] for `source`; `ret` is NULL or valid for writing a `u64`. `val` is only
/// compared, never dereferenced, unless it is one of `source`'s descriptors.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_get_value(
    source: *mut c_void,
    val: *mut StatsFsValue,
    ret: *mut u64,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let result = match unsafe { borrow(source) } {
        Some(source) if is_usable(val) && is_usable(ret) => source.get_value(val),
        _ => Err(EINVAL),
    };
    // SAFETY: `ret` is NULL or writable (safety requirement).
    unsafe { store(result, ret) }
}

/// `stats_fs_source_get_value_by_name()`.
///
/// # Safety
///
/// See [`borrow`] for `source`; `name` is NULL or a valid C string; `ret` is NULL or valid
/// for writing a `u64`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_get_value_by_name(
    source: *mut c_void,
    name: *const c_char,
    ret: *mut u64,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let result = match unsafe { borrow(source) } {
        Some(source) if is_usable(name) && is_usable(ret) => {
            // SAFETY: Neither NULL nor an error pointer, so a valid C string (safety
            // requirement).
            let name = unsafe { CStr::from_char_ptr(name) };
            source.get_value_by_name(name.to_bytes())
        }
        _ => Err(EINVAL),
    };
    // SAFETY: `ret` is NULL or writable (safety requirement).
    unsafe { store(result, ret) }
}

/// `stats_fs_source_clear()`.
///
/// # Safety
///
/// See [`borrow`] for `source`; `val` as for [`stats_fs_source_get_value`].
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_clear(
    source: *mut c_void,
    val: *mut StatsFsValue,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    match unsafe { borrow(source) } {
        Some(source) if is_usable(val) => from_result(|| source.clear(val).map(|()| 0)),
        _ => EINVAL.to_errno(),
    }
}

/// `stats_fs_source_remove()`.
///
/// # Safety
///
/// See [`borrow`] for `source`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_remove(source: *mut c_void) {
    // SAFETY: The caller holds a reference for the duration of the call.
    if let Some(source) = unsafe { borrow(source) } {
        source.remove();
    }
}

/// `stats_fs_source_revoke()`.
///
/// # Safety
///
/// See [`borrow`] for `source`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_revoke(source: *mut c_void) {
    // SAFETY: The caller holds a reference for the duration of the call.
    if let Some(source) = unsafe { borrow(source) } {
        source.revoke();
    }
}

/// `stats_fs_source_get()`.
///
/// # Safety
///
/// See [`borrow`] for `source`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_get(source: *mut c_void) {
    // SAFETY: The caller holds a reference for the duration of the call.
    if let Some(source) = unsafe { borrow(source) } {
        // The new reference is C's: it comes back through `stats_fs_source_put()`.
        let _ = source.new_ref().into_foreign();
    }
}

/// `stats_fs_source_put()`.
///
/// # Safety
///
/// `source` is NULL, an error pointer, or a handle whose reference the caller gives up.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_put(source: *mut c_void) {
    // SAFETY: Checked by `borrow`'s rules: not NULL and not an error pointer.
    if unsafe { borrow(source) }.is_some() {
        // SAFETY: The handle came from `SourceRef::into_foreign` and the caller gives it up.
        drop(unsafe { SourceRef::from_foreign(source) });
    }
}

/// `stats_fs_initialized()`.
#[no_mangle]
pub(crate) extern "C" fn stats_fs_initialized() -> bool {
    INITIALIZED.load(Relaxed)
}
