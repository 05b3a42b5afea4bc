// SPDX-License-Identifier: GPL-2.0

//! The C API: the functions and type objects of `include/linux/stats_fs.h`, over the model.
//!
//! Each function checks what C hands it (NULL and error pointers are rejected as the header
//! documents), turns raw pointers into references, and calls the model. A source handle,
//! `struct stats_fs_source *`, is a [`SourceRef`] in foreign form ([`ForeignOwnable`]): C
//! owns one reference per handle it was given, and the functions here only borrow it.
//! `stats_fs_exports.c` exports them, in the `STATS_FS` symbol namespace.
//!
//! This layer uses the model; the model knows nothing of it.
//!
//! C header: [`include/linux/stats_fs.h`](srctree/include/linux/stats_fs.h)

pub(crate) mod c_ptr;
#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
mod rust_api_tests;
pub(crate) mod types;

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
        ArcBorrow,
    },
    types::ForeignOwnable,
};

use crate::{
    abi::SourceHandle,
    model::{
        group::{
            Snapshot,
            SnapshotFn,
            StatsFsValue, //
        },
        roots::View,
        source::{
            Source,
            SourceRef, //
        },
    },
};
use c_ptr::{
    is_err,
    is_usable, //
};

/// Set while statsfs is up; read by `stats_fs_initialized()`.
static INITIALIZED: Atomic<bool> = Atomic::new(false);

/// Records whether statsfs is up.
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
/// taken with `stats_fs_source_get()`) whose reference the caller holds for `'a`.
unsafe fn borrow<'a>(ptr: *mut SourceHandle) -> Option<ArcBorrow<'a, Source>> {
    if !is_usable(ptr) {
        return None;
    }
    // SAFETY: The handle came from `SourceRef::into_foreign`, and the caller's reference
    // keeps the source alive for `'a` (safety requirement).
    Some(unsafe { <SourceRef as ForeignOwnable>::borrow(ptr.cast()) })
}

/// Creates a source named `name`; the C `stats_fs_source_create()` formats the name first.
///
/// # Safety
///
/// `name` is NULL or a valid NUL-terminated string.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_source_create(
    flags: u32,
    name: *const c_char,
) -> *mut SourceHandle {
    if !is_usable(name) {
        return EINVAL.to_ptr();
    }
    // SAFETY: `name` is a valid C string (safety requirement).
    let name = unsafe { CStr::from_char_ptr(name) };
    let result = CString::try_from(name)
        .map_err(Error::from)
        .and_then(|name| Source::new(name, flags));
    match result {
        Ok(source) => source.into_foreign().cast(),
        Err(e) => e.to_ptr(),
    }
}

/// `stats_fs_source_register()`.
///
/// # Safety
///
/// See [`borrow`] for `source`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_register(source: *mut SourceHandle) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let Some(source) = (unsafe { borrow(source) }) else {
        return EINVAL.to_errno();
    };
    from_result(|| source.register(None).map(|()| 0))
}

/// `stats_fs_source_register_net()`.
///
/// # Safety
///
/// See [`borrow`] for `source`. `net` is only compared, never dereferenced.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_register_net(
    source: *mut SourceHandle,
    net: *const c_void,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let Some(source) = (unsafe { borrow(source) }) else {
        return EINVAL.to_errno();
    };
    let Some(view) = View::new(net).filter(|_| !is_err(net)) else {
        return EINVAL.to_errno();
    };
    from_result(|| source.register(Some(view)).map(|()| 0))
}

/// `stats_fs_source_add_values()`.
///
/// # Safety
///
/// See [`borrow`] for `source`; `val` and `base` as `stats_fs_source_add_values()`
/// documents: NULL or a descriptor array ended by a NULL name that stays valid while
/// added, and memory at `base` valid until the group is revoked or removed.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_add_values(
    source: *mut SourceHandle,
    val: *const StatsFsValue,
    base: *mut c_void,
    flags: u32,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let Some(source) = (unsafe { borrow(source) }) else {
        return EINVAL.to_errno();
    };
    // SAFETY: The caller's promises about `val` and `base` are those of `add_values`.
    from_result(|| unsafe { source.add_values(val, base, flags, types::DEFAULT_TYPES) }.map(|()| 0))
}

/// `stats_fs_source_add_snapshot()`.
///
/// # Safety
///
/// As for [`stats_fs_source_add_values`]; `snapshot`, if not NULL, is a function that
/// stays valid while the group is added and writes at most `size` bytes to its buffer.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_add_snapshot(
    source: *mut SourceHandle,
    val: *const StatsFsValue,
    base: *mut c_void,
    snapshot: Option<SnapshotFn>,
    size: usize,
    flags: u32,
) -> c_int {
    // SAFETY: The caller holds a reference for the duration of the call.
    let Some(source) = (unsafe { borrow(source) }) else {
        return EINVAL.to_errno();
    };
    let Some(take) = snapshot else {
        return EINVAL.to_errno();
    };
    let snapshot = Some(Snapshot { take, size });
    // SAFETY: The caller's promises about `val`, `base` and `snapshot` are those of
    // `add_values_read_by`.
    from_result(|| {
        unsafe { source.add_values_read_by(val, base, flags, types::DEFAULT_TYPES, snapshot) }
            .map(|()| 0)
    })
}

/// `stats_fs_source_remove_values()`.
///
/// # Safety
///
/// See [`borrow`] for `source`. `val` and `base` are only compared.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_remove_values(
    source: *mut SourceHandle,
    val: *const StatsFsValue,
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
    parent: *mut SourceHandle,
    child: *mut SourceHandle,
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
    parent: *mut SourceHandle,
    child: *mut SourceHandle,
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
/// compared, never dereferenced.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_get_value(
    source: *mut SourceHandle,
    val: *const StatsFsValue,
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
    source: *mut SourceHandle,
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
    source: *mut SourceHandle,
    val: *const StatsFsValue,
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
pub(crate) unsafe extern "C" fn stats_fs_source_remove(source: *mut SourceHandle) {
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
pub(crate) unsafe extern "C" fn stats_fs_source_revoke(source: *mut SourceHandle) {
    // SAFETY: The caller holds a reference for the duration of the call.
    if let Some(source) = unsafe { borrow(source) } {
        source.revoke();
    }
}

/// `stats_fs_source_get()`: takes a reference, and returns the handle for it (`source`).
///
/// # Safety
///
/// See [`borrow`] for `source`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_get(
    source: *mut SourceHandle,
) -> *mut SourceHandle {
    // SAFETY: The caller holds a reference for the duration of the call.
    match unsafe { borrow(source) } {
        // The new reference is C's: it comes back through `stats_fs_source_put()`.
        Some(borrowed) => borrowed.new_ref().into_foreign().cast(),
        None => source,
    }
}

/// `stats_fs_source_put()`.
///
/// # Safety
///
/// `source` is NULL, an error pointer, or a handle whose reference the caller gives up.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_source_put(source: *mut SourceHandle) {
    if is_usable(source) {
        // SAFETY: The handle came from `SourceRef::into_foreign` and the caller gives it up.
        drop(unsafe { <SourceRef as ForeignOwnable>::from_foreign(source.cast()) });
    }
}

/// `stats_fs_initialized()`.
#[no_mangle]
pub(crate) extern "C" fn stats_fs_initialized() -> bool {
    INITIALIZED.load(Relaxed)
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kunit_tests(statsfs_abi)]
mod tests {
    use crate::{
        abi::{
            Aggregation,
            StatsFsType,
            StatsFsValue,
            HIST_MAX_BUCKETS,
            SNAPSHOT_MAX, //
        },
        glue::ffi,
    };
    use core::mem::{
        offset_of,
        size_of, //
    };

    #[test]
    fn rust_mirrors_have_the_c_layout() {
        // SAFETY: A constant array defined in C, never written.
        let c = unsafe { &ffi::stats_fs_c_layout };
        let rust = [
            size_of::<StatsFsValue>(),
            offset_of!(StatsFsValue, name),
            offset_of!(StatsFsValue, offset),
            offset_of!(StatsFsValue, type_),
            offset_of!(StatsFsValue, aggr_kind),
            offset_of!(StatsFsValue, value_flag),
            offset_of!(StatsFsValue, show),
            offset_of!(StatsFsValue, kind),
            offset_of!(StatsFsValue, unit),
            offset_of!(StatsFsValue, unit_base),
            offset_of!(StatsFsValue, exponent),
            offset_of!(StatsFsValue, hist_buckets),
            offset_of!(StatsFsValue, hist_bucket_size),
            size_of::<StatsFsType>(),
            offset_of!(StatsFsType, get),
            offset_of!(StatsFsType, clear),
            offset_of!(StatsFsType, sign),
            offset_of!(StatsFsType, size),
            size_of::<Aggregation>(),
            HIST_MAX_BUCKETS as usize,
            SNAPSHOT_MAX,
        ];
        assert_eq!(c, &rust);
    }
}
