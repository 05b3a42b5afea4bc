// SPDX-License-Identifier: GPL-2.0

//! How a value is read: the widths of the default types, read and cleared inline.

use kernel::sync::atomic::{
    Atomic,
    Relaxed, //
};

/// How a value is read: one of the default types, inline, or through its type's `get`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Width {
    /// `stats_fs_type_u8`.
    U8,
    /// `stats_fs_type_s8`.
    S8,
    /// `stats_fs_type_u16`.
    U16,
    /// `stats_fs_type_s16`.
    S16,
    /// `stats_fs_type_u32`.
    U32,
    /// `stats_fs_type_s32`.
    S32,
    /// `stats_fs_type_u64`.
    U64,
    /// `stats_fs_type_s64`.
    S64,
    /// `stats_fs_type_bool`.
    Bool,
    /// Any other type: its `get` and `clear` are called.
    Custom,
}

impl Width {
    /// The name `.schema` gives the type.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::U8 => "u8",
            Self::S8 => "s8",
            Self::U16 => "u16",
            Self::S16 => "s16",
            Self::U32 => "u32",
            Self::S32 => "s32",
            Self::U64 => "u64",
            Self::S64 => "s64",
            Self::Bool => "bool",
            Self::Custom => "custom",
        }
    }

    /// The size of a field of a default type.
    pub(super) fn size(self) -> Option<usize> {
        match self {
            Self::U8 | Self::S8 | Self::Bool => Some(1),
            Self::U16 | Self::S16 => Some(2),
            Self::U32 | Self::S32 => Some(4),
            Self::U64 | Self::S64 => Some(8),
            Self::Custom => None,
        }
    }

    /// Reads a field of a default type, widened to u64 as C would (signed types
    /// sign-extended, `bool` as 0 or 1).
    ///
    /// The load is `READ_ONCE()`'s: one volatile access of the field's width, which is a
    /// single, untorn load of a naturally aligned field on every architecture Linux runs
    /// Rust on, and which the compiler inlines (the kernel's `Atomic` loads are calls to C
    /// helpers from a module, and this is the hottest load of an aggregate).
    ///
    /// # Safety
    ///
    /// `addr` is a live, naturally aligned field of this width that other threads only
    /// access atomically or with `WRITE_ONCE()`; the width is not [`Width::Custom`].
    #[inline]
    pub(super) unsafe fn load(self, addr: *const u8) -> u64 {
        // SAFETY (for each arm): The field is live and aligned (safety requirement), and a
        // volatile load of it races only with atomic or `WRITE_ONCE()` stores, as
        // `READ_ONCE()` does.
        // CAST: The bits are those of the C type; they are widened as C widens it.
        unsafe {
            match self {
                Self::U8 => u64::from(addr.read_volatile()),
                Self::S8 => addr.cast::<i8>().read_volatile() as i64 as u64,
                Self::U16 => u64::from(addr.cast::<u16>().read_volatile()),
                Self::S16 => addr.cast::<i16>().read_volatile() as i64 as u64,
                Self::U32 => u64::from(addr.cast::<u32>().read_volatile()),
                Self::S32 => addr.cast::<i32>().read_volatile() as i64 as u64,
                Self::U64 => addr.cast::<u64>().read_volatile(),
                Self::S64 => addr.cast::<i64>().read_volatile() as u64,
                Self::Bool => u64::from(addr.read_volatile() != 0),
                Self::Custom => 0,
            }
        }
    }

    /// Sets a field of a default type to zero.
    ///
    /// # Safety
    ///
    /// As for [`Width::load`].
    pub(super) unsafe fn clear(self, addr: *mut u8) {
        // SAFETY (for each arm): As for `load`.
        unsafe {
            match self {
                Self::U8 | Self::S8 | Self::Bool => {
                    Atomic::<i8>::from_ptr(addr.cast()).store(0, Relaxed)
                }
                Self::U16 | Self::S16 => Atomic::<i16>::from_ptr(addr.cast()).store(0, Relaxed),
                Self::U32 | Self::S32 => Atomic::<i32>::from_ptr(addr.cast()).store(0, Relaxed),
                Self::U64 | Self::S64 => Atomic::<i64>::from_ptr(addr.cast()).store(0, Relaxed),
                Self::Custom => {}
            }
        }
    }
}
