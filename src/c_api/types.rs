// SPDX-License-Identifier: GPL-2.0

//! The default types, `stats_fs_type_{u8,s8,u16,s16,u32,s32,u64,s64,bool}`, exported to C.
//!
//! Each reads a naturally aligned field of its C type with `READ_ONCE()` semantics. statsfs
//! itself never calls their `get` and `clear`: it knows them by address
//! ([`DEFAULT_TYPES`]) and reads their fields inline; the functions are there for C code
//! that calls a type's `get` on its own, as statsfs v3 allowed.

use kernel::{
    ffi::c_void,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

use crate::model::group::{
    DefaultTypes,
    StatsFsType,
    StatsFsValue,
    Width, //
};

/// Reads a `T` field at `base + val->offset` with `READ_ONCE()` semantics.
///
/// # Safety
///
/// `val` points to a valid descriptor whose offset, added to `base`, addresses a live,
/// aligned `T` that other threads only access atomically or with `WRITE_ONCE()`.
unsafe fn field<'a, T: kernel::sync::atomic::AtomicType>(
    val: *mut StatsFsValue,
    base: *mut c_void,
) -> &'a Atomic<T> {
    // SAFETY: `val` is valid (safety requirement).
    let offset = unsafe { (*val).offset } as usize;
    // SAFETY: The field is live, aligned and accessed atomically (safety requirement).
    unsafe { Atomic::from_ptr(base.cast::<u8>().add(offset).cast::<T>()) }
}

macro_rules! default_type {
    ($name:ident, $get:ident, $clear:ident, $atomic:ty, $c:ty, $signed:expr) => {
        /// Reads the field as its C type, widened to u64 (sign-extended if signed).
        ///
        /// # Safety
        ///
        /// As for [`field`].
        unsafe extern "C" fn $get(val: *mut StatsFsValue, base: *mut c_void) -> u64 {
            // SAFETY: Same requirements as this function's.
            let raw = unsafe { field::<$atomic>(val, base) }.load(Relaxed);
            // CAST: Reinterpret the bits as the C type, then widen as C would.
            (raw as $c) as i64 as u64
        }

        /// Sets the field to zero.
        ///
        /// # Safety
        ///
        /// As for [`field`].
        unsafe extern "C" fn $clear(val: *mut StatsFsValue, base: *mut c_void) {
            // SAFETY: Same requirements as this function's.
            unsafe { field::<$atomic>(val, base) }.store(0, Relaxed);
        }

        /// The default type, exported to C.
        #[no_mangle]
        pub(crate) static $name: StatsFsType = StatsFsType {
            get: Some($get),
            clear: Some($clear),
            sign: $signed,
            size: core::mem::size_of::<$c>() as u32,
        };
    };
}

default_type!(stats_fs_type_u8, get_u8, clear_u8, i8, u8, false);
default_type!(stats_fs_type_s8, get_s8, clear_s8, i8, i8, true);
default_type!(stats_fs_type_u16, get_u16, clear_u16, i16, u16, false);
default_type!(stats_fs_type_s16, get_s16, clear_s16, i16, i16, true);
default_type!(stats_fs_type_u32, get_u32, clear_u32, i32, u32, false);
default_type!(stats_fs_type_s32, get_s32, clear_s32, i32, i32, true);
default_type!(stats_fs_type_u64, get_u64, clear_u64, i64, u64, false);
default_type!(stats_fs_type_s64, get_s64, clear_s64, i64, i64, true);

/// Reads a C `bool` field as 0 or 1.
///
/// # Safety
///
/// As for [`field`].
unsafe extern "C" fn get_bool(val: *mut StatsFsValue, base: *mut c_void) -> u64 {
    // SAFETY: Same requirements as this function's.
    let raw = unsafe { field::<i8>(val, base) }.load(Relaxed);
    u64::from(raw != 0)
}

/// The default `bool` type, exported to C. Clearing stores `false`.
#[no_mangle]
pub(crate) static stats_fs_type_bool: StatsFsType = StatsFsType {
    get: Some(get_bool),
    clear: Some(clear_u8),
    sign: false,
    size: core::mem::size_of::<bool>() as u32,
};

/// The default types and how the model reads each: the one list of them.
pub(crate) static DEFAULT_TYPES: &DefaultTypes = &[
    (&stats_fs_type_u8, Width::U8),
    (&stats_fs_type_s8, Width::S8),
    (&stats_fs_type_u16, Width::U16),
    (&stats_fs_type_s16, Width::S16),
    (&stats_fs_type_u32, Width::U32),
    (&stats_fs_type_s32, Width::S32),
    (&stats_fs_type_u64, Width::U64),
    (&stats_fs_type_s64, Width::S64),
    (&stats_fs_type_bool, Width::Bool),
];
