// SPDX-License-Identifier: GPL-2.0

//! The C ABI of statsfs: Rust mirrors of the types of `include/linux/stats_fs.h`.
//!
//! This is the one copy of the ABI on the Rust side. The statsfs core includes it as
//! `crate::abi`, the Rust API (`include/rust/stats_fs.rs`) as `stats_fs::bindings`; a KUnit
//! test of the core checks every mirrored layout against the C compiler's.
//!
//! C header: [`include/linux/stats_fs.h`](../../include/linux/stats_fs.h)

use kernel::{
    ffi::{
        c_char,
        c_int,
        c_void, //
    },
    prelude::*,
};

/// `struct stats_fs_source`: a handle to a source, opaque to its users.
///
/// Only ever behind a pointer: the statsfs core gives out and takes back `*mut
/// SourceHandle`, which stands for one reference to a source.
#[repr(C)]
pub(crate) struct SourceHandle {
    _opaque: [u8; 0],
    /// Not `Send`, `Sync` or `Unpin`: a handle is a pointer C owns.
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// `struct stats_fs_type`.
#[repr(C)]
pub(crate) struct StatsFsType {
    /// Reads the value at `base + val->offset`.
    pub(crate) get: Option<unsafe extern "C" fn(val: *mut StatsFsValue, base: *mut c_void) -> u64>,
    /// Clears it, if the type can be cleared.
    pub(crate) clear: Option<unsafe extern "C" fn(val: *mut StatsFsValue, base: *mut c_void)>,
    /// Whether the value is signed.
    pub(crate) sign: bool,
    /// Size of one value in bytes (0 if unknown); histograms need it.
    pub(crate) size: u32,
}

/// `struct stats_fs_value`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct StatsFsValue {
    /// File name; NULL ends an array.
    pub(crate) name: *const c_char,
    /// Offset of the value from the group's base address.
    pub(crate) offset: c_int,
    /// How to read it.
    pub(crate) type_: *const StatsFsType,
    /// `enum stat_aggr`.
    pub(crate) aggr_kind: c_int,
    /// `enum stat_fs_value_flag` bits.
    pub(crate) value_flag: u32,
    /// Optional text to show instead of the number.
    pub(crate) show: Option<unsafe extern "C" fn(value: u64) -> *mut c_char>,
    /// `enum stats_fs_kind`.
    pub(crate) kind: u8,
    /// `enum stats_fs_unit`.
    pub(crate) unit: u8,
    /// `enum stats_fs_unit_base`.
    pub(crate) unit_base: u8,
    /// Power of `unit_base` the value is counted in.
    pub(crate) exponent: i16,
    /// Number of buckets of a histogram; 0 otherwise.
    pub(crate) hist_buckets: u32,
    /// Width of a bucket of a linear histogram.
    pub(crate) hist_bucket_size: u32,
}

/// The entry that ends an array of descriptors: its `name` is NULL.
#[cfg_attr(not(CONFIG_STATS_FS_KUNIT_TEST), allow(dead_code))]
pub(crate) const END: StatsFsValue = StatsFsValue {
    name: core::ptr::null(),
    offset: 0,
    type_: core::ptr::null(),
    aggr_kind: 0,
    value_flag: 0,
    show: None,
    kind: 0,
    unit: 0,
    unit_base: 0,
    exponent: 0,
    hist_buckets: 0,
    hist_bucket_size: 0,
};

/// `STATS_FS_HIDDEN`: no directory (source) or no files (group).
pub(crate) const HIDDEN: u32 = 0x1;
/// `STATS_FS_FLOATING_VALUE`: the value may go down, so it cannot be cleared.
pub(crate) const FLOATING: u32 = 0x1;
/// `STATS_FS_HIST_MAX_BUCKETS`.
pub(crate) const HIST_MAX_BUCKETS: u32 = 1024;

/// `STATS_FS_SNAPSHOT_MAX`: the largest snapshot, in bytes.
pub(crate) const SNAPSHOT_MAX: usize = 256;

/// Declares a field-less enum mirroring a C enum, with its conversion from the C integer.
macro_rules! c_enum {
    (
        $(#[$meta:meta])*
        $name:ident: $repr:ty {
            $($(#[$vmeta:meta])* $variant:ident = $value:expr,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr($repr)]
        pub(crate) enum $name {
            $($(#[$vmeta])* $variant = $value,)*
        }

        impl TryFrom<$repr> for $name {
            type Error = Error;

            fn try_from(v: $repr) -> Result<Self> {
                match v {
                    $(x if x == $value => Ok(Self::$variant),)*
                    _ => Err(EINVAL),
                }
            }
        }
    };
}

c_enum! {
    /// How an aggregate combines a value over a subtree (`enum stat_aggr`).
    Aggregation: i32 {
        /// `STATS_FS_NONE`: not aggregated (reads 0 in an aggregate group).
        None = 0,
        /// `STATS_FS_SUM`: sum, modulo 2^64.
        Sum = 1,
        /// `STATS_FS_MIN`: minimum.
        Min = 2,
        /// `STATS_FS_MAX`: maximum.
        Max = 3,
        /// `STATS_FS_COUNT_ZERO`: number of values equal to zero.
        CountZero = 4,
        /// `STATS_FS_AVG`: average, signed for signed values.
        Avg = 5,
    }
}

c_enum! {
    /// What kind of statistic a value is (`enum stats_fs_kind`).
    Kind: u8 {
        /// `STATS_FS_KIND_UNKNOWN`.
        Unknown = 0,
        /// `STATS_FS_KIND_CUMULATIVE`: a count that only grows.
        Cumulative = 1,
        /// `STATS_FS_KIND_INSTANT`: a level.
        Instant = 2,
        /// `STATS_FS_KIND_PEAK`: the highest level seen.
        Peak = 3,
        /// `STATS_FS_KIND_LINEAR_HIST`: a histogram of equal-width buckets.
        LinearHist = 4,
        /// `STATS_FS_KIND_LOG_HIST`: a histogram of power-of-two buckets.
        LogHist = 5,
    }
}

impl Kind {
    /// Whether values of this kind are histograms.
    pub(crate) fn is_histogram(self) -> bool {
        matches!(self, Self::LinearHist | Self::LogHist)
    }
}

c_enum! {
    /// The unit of a value (`enum stats_fs_unit`).
    Unit: u8 {
        /// `STATS_FS_UNIT_UNKNOWN`.
        Unknown = 0,
        /// `STATS_FS_UNIT_NONE`: a plain number.
        None = 1,
        /// `STATS_FS_UNIT_BYTES`.
        Bytes = 2,
        /// `STATS_FS_UNIT_SECONDS`.
        Seconds = 3,
        /// `STATS_FS_UNIT_CYCLES`.
        Cycles = 4,
        /// `STATS_FS_UNIT_BOOLEAN`.
        Boolean = 5,
    }
}

c_enum! {
    /// The base of a value's exponent (`enum stats_fs_unit_base`).
    UnitBase: u8 {
        /// `STATS_FS_BASE_UNKNOWN`.
        Unknown = 0,
        /// `STATS_FS_BASE_POW10`.
        Pow10 = 1,
        /// `STATS_FS_BASE_POW2`.
        Pow2 = 2,
    }
}
