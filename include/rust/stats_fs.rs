// SPDX-License-Identifier: GPL-2.0

//! The Rust API of statsfs: publish statistics from Rust kernel code without `unsafe`.
//!
//! Longer than 500 lines because it is a whole API in one file: Rust modules include it
//! with `#[path]`, so it cannot be split into a folder they would all have to name.
//!
//! Rust kernel crates cannot link to each other's items yet, so this file is the Rust
//! "header" of statsfs: a Rust module includes it and it talks to statsfs through the
//! exported C API (`include/linux/stats_fs.h`), whose functions are implemented by the
//! statsfs core.
//!
//! ```ignore
//! #[path = "<statsfs>/include/rust/stats_fs.rs"]
//! mod stats_fs;
//! ```
//!
//! The module must be called `stats_fs` and sit at the crate root: [`stats_fs_value!`] refers
//! to it as `crate::stats_fs`.
//!
//! # Examples
//!
//! ```ignore
//! use crate::stats_fs::{stats_fs_value, Aggregation, Source, Table};
//! use kernel::sync::{atomic::{Atomic, Relaxed}, Arc};
//!
//! struct Counters {
//!     packets: Atomic<u64>,
//!     temperature: Atomic<i32>,
//! }
//!
//! static COUNTERS: Table<Counters, 2> = Table::new([
//!     stats_fs_value!(Counters, packets, Aggregation::Sum),
//!     stats_fs_value!(Counters, temperature, Aggregation::Max).floating(),
//! ]);
//!
//! let data = Arc::new(Counters { packets: Atomic::new(0), temperature: Atomic::new(20) },
//!                     GFP_KERNEL)?;
//! let mut dev = Source::new(c"mydev")?;
//! dev.add_values(&COUNTERS, data.clone())?;
//! dev.register()?;
//! data.packets.add(1, Relaxed); // The hot path stays a plain atomic add.
//! // Dropping `dev` unregisters it; statsfs never reads `data` after that.
//! ```

use core::ptr::NonNull;
use kernel::{
    error::{
        from_err_ptr,
        to_result, //
    },
    ffi::{
        c_char,
        c_int,
        c_void, //
    },
    prelude::*,
    str::CStr,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
    },
};

/// The C types, shared with the statsfs core: one copy of the ABI. A user of the API
/// needs only some of them.
#[path = "stats_fs_abi.rs"]
#[expect(dead_code)]
pub(crate) mod abi;

/// The C interface: the types of `include/linux/stats_fs.h` and the exported functions.
pub(crate) mod bindings {
    use kernel::ffi::{
        c_char,
        c_int,
        c_void, //
    };

    pub(crate) use super::abi::{
        SourceHandle,
        StatsFsType,
        StatsFsValue,
        END,
        FLOATING,
        HIDDEN, //
    };

    extern "C" {
        pub(crate) fn stats_fs_source_create(
            flags: u32,
            fmt: *const c_char,
            ...
        ) -> *mut SourceHandle;
        pub(crate) fn stats_fs_source_register(source: *mut SourceHandle) -> c_int;
        pub(crate) fn stats_fs_source_add_values(
            source: *mut SourceHandle,
            val: *const StatsFsValue,
            base: *mut c_void,
            flags: u32,
        ) -> c_int;
        pub(crate) fn stats_fs_source_add_subordinate(
            parent: *mut SourceHandle,
            child: *mut SourceHandle,
        ) -> c_int;
        pub(crate) fn stats_fs_source_get_value(
            source: *mut SourceHandle,
            val: *const StatsFsValue,
            ret: *mut u64,
        ) -> c_int;
        pub(crate) fn stats_fs_source_get_value_by_name(
            source: *mut SourceHandle,
            name: *const c_char,
            ret: *mut u64,
        ) -> c_int;
        pub(crate) fn stats_fs_source_clear(
            source: *mut SourceHandle,
            val: *const StatsFsValue,
        ) -> c_int;
        pub(crate) fn stats_fs_source_revoke(source: *mut SourceHandle);
        pub(crate) fn stats_fs_source_remove(source: *mut SourceHandle);
        pub(crate) fn stats_fs_source_put(source: *mut SourceHandle);
    }
}

use bindings::{
    SourceHandle,
    StatsFsType,
    StatsFsValue,
    END, //
};

pub(crate) use abi::Aggregation;

/// A statistic statsfs can read as a number.
///
/// Implemented for the kernel's atomics; implement it for your own types to publish them.
/// `get` and `clear` run with statsfs's tree lock held for reading: they may sleep, but must
/// not call statsfs.
pub(crate) trait Stat: Sync {
    /// Whether the value is signed: printed signed; MIN, MAX and AVG compare as `i64`.
    const SIGNED: bool;
    /// Whether writing `0` to the file may reset it.
    const CLEARABLE: bool;
    /// The current value, sign-extended to 64 bits if signed.
    fn get(&self) -> u64;
    /// Resets the value to zero. Only called when [`Stat::CLEARABLE`].
    fn clear(&self) {}
}

macro_rules! impl_stat_for_atomic {
    ($($t:ty => signed: $signed:expr, get: |$v:ident| $get:expr;)*) => {$(
        impl Stat for Atomic<$t> {
            const SIGNED: bool = $signed;
            const CLEARABLE: bool = true;
            fn get(&self) -> u64 {
                let $v = self.load(Relaxed);
                $get
            }
            fn clear(&self) {
                self.store(0, Relaxed);
            }
        }
    )*};
}

// Widened as C would: signed types are sign-extended.
impl_stat_for_atomic! {
    u64 => signed: false, get: |v| v;
    u32 => signed: false, get: |v| u64::from(v);
    i64 => signed: true, get: |v| v as u64;
    i32 => signed: true, get: |v| i64::from(v) as u64;
}

/// The object-safe part of [`Stat`], for reading a field through `&dyn`.
pub(crate) trait ReadStat: Sync {
    /// See [`Stat::get`].
    fn read(&self) -> u64;
    /// See [`Stat::clear`].
    fn reset(&self);
}

impl<S: Stat> ReadStat for S {
    fn read(&self) -> u64 {
        self.get()
    }
    fn reset(&self) {
        self.clear()
    }
}

/// Text to show in a value's file instead of the number.
pub(crate) trait Show {
    /// The text for `value`.
    fn show(value: u64) -> &'static CStr;
}

/// The descriptor of one value of a `T`; build it with [`stats_fs_value!`].
pub(crate) struct Value<T: 'static> {
    name: &'static CStr,
    field: fn(&T) -> &dyn ReadStat,
    signed: bool,
    clearable: bool,
    aggregation: Aggregation,
    floating: bool,
    show: Option<unsafe extern "C" fn(u64) -> *mut c_char>,
}

impl<T: 'static> Clone for Value<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: 'static> Copy for Value<T> {}

/// Whether the field a projection returns is signed and clearable; used by
/// [`stats_fs_value!`] to learn the field's type.
pub(crate) const fn kind_of<T, S: Stat>(_field: fn(&T) -> &S) -> (bool, bool) {
    (S::SIGNED, S::CLEARABLE)
}

impl<T: 'static> Value<T> {
    /// A value called `name` read through `field`. Use [`stats_fs_value!`] instead.
    pub(crate) const fn new(
        name: &'static CStr,
        field: fn(&T) -> &dyn ReadStat,
        kind: (bool, bool),
        aggregation: Aggregation,
    ) -> Self {
        Self {
            name,
            field,
            signed: kind.0,
            clearable: kind.1,
            aggregation,
            floating: false,
            show: None,
        }
    }

    /// Marks the value as one that may go down: it cannot be cleared (its file is 0444).
    pub(crate) const fn floating(mut self) -> Self {
        self.floating = true;
        self
    }

    /// Shows the text `S` gives for the value instead of the number.
    pub(crate) const fn show<S: Show>(mut self) -> Self {
        self.show = Some(show_trampoline::<S>);
        self
    }

    const fn to_c(self, index: usize) -> StatsFsValue {
        StatsFsValue {
            name: kernel::str::as_char_ptr_in_const_context(self.name),
            // Rust groups read through their binding: the "offset" is the index.
            offset: index as c_int,
            type_: match (self.signed, self.clearable) {
                (false, false) => &RUST_UNSIGNED,
                (false, true) => &RUST_UNSIGNED_CLEARABLE,
                (true, false) => &RUST_SIGNED,
                (true, true) => &RUST_SIGNED_CLEARABLE,
            },
            aggr_kind: self.aggregation as c_int,
            value_flag: if self.floating { bindings::FLOATING } else { 0 },
            show: self.show,
            ..END
        }
    }
}

/// Builds the [`Value`] of field `$field` of `$t`, named after the field.
macro_rules! stats_fs_value {
    ($t:ty, $field:ident, $aggr:expr) => {
        $crate::stats_fs::Value::<$t>::new(
            kernel::c_str!(::core::stringify!($field)),
            |s: &$t| -> &dyn $crate::stats_fs::ReadStat { &s.$field },
            $crate::stats_fs::kind_of(|s: &$t| &s.$field),
            $aggr,
        )
    };
}
pub(crate) use stats_fs_value;

/// A table of the values of a `T`, in the form statsfs reads; make it a `static`.
///
/// Aggregates match values by table, so every source publishing a `T` and every aggregate
/// over them should use the same table.
#[repr(C)]
pub(crate) struct Table<T: 'static, const N: usize> {
    c: [StatsFsValue; N],
    end: StatsFsValue,
    values: [Value<T>; N],
}

// SAFETY: A `Table` is immutable: its raw pointers point to `'static` names and types, and
// its function pointers are plain functions. Sharing it between threads is sound.
unsafe impl<T: 'static, const N: usize> Sync for Table<T, N> {}

impl<T: 'static, const N: usize> Table<T, N> {
    /// Builds the table at compile time.
    pub(crate) const fn new(values: [Value<T>; N]) -> Self {
        let mut c = [END; N];
        let mut i = 0;
        while i < N {
            c[i] = values[i].to_c(i);
            i += 1;
        }
        Self {
            c,
            end: END,
            values,
        }
    }

    fn as_c(&'static self) -> *const StatsFsValue {
        // `c` and `end` are adjacent (`repr(C)`, same type): one NULL-terminated array.
        core::ptr::from_ref(&self.c).cast::<StatsFsValue>()
    }

    fn desc(&'static self, index: usize) -> Result<*const StatsFsValue> {
        if index >= N {
            return Err(EINVAL);
        }
        Ok(self.as_c().wrapping_add(index))
    }
}

/// The head of every binding: what the C type trampolines call.
#[repr(C)]
struct BindingHeader {
    get: fn(&BindingHeader, usize) -> u64,
    clear: fn(&BindingHeader, usize),
}

/// The memory a Rust group reads: the table and a reference to the data.
#[repr(C)]
struct Binding<T: 'static, const N: usize> {
    header: BindingHeader,
    table: &'static Table<T, N>,
    data: Arc<T>,
}

impl<T: Send + Sync + 'static, const N: usize> Binding<T, N> {
    /// The binding whose header is `header`.
    ///
    /// # Safety
    ///
    /// `header` is the `header` field of a `Binding<T, N>` of these `T` and `N`.
    unsafe fn from_header(header: &BindingHeader) -> &Self {
        // SAFETY: `header` is the `header` field of a `Binding<T, N>` (safety requirement),
        // which lives at least as long as the borrow of `header`.
        unsafe { &*kernel::container_of!(core::ptr::from_ref(header), Self, header) }
    }

    fn get(header: &BindingHeader, index: usize) -> u64 {
        // SAFETY: `get` is only installed in the header of a `Binding<T, N>` (`add_group`).
        let this = unsafe { Self::from_header(header) };
        this.table
            .values
            .get(index)
            .map_or(0, |v| (v.field)(&this.data).read())
    }

    fn clear(header: &BindingHeader, index: usize) {
        // SAFETY: As for `get`.
        let this = unsafe { Self::from_header(header) };
        if let Some(v) = this.table.values.get(index) {
            (v.field)(&this.data).reset();
        }
    }
}

/// Type-erased bindings owned by a [`Source`].
trait AnyBinding: Send + Sync {}
impl<T: Send + Sync + 'static, const N: usize> AnyBinding for Binding<T, N> {}

/// Reads a value of a Rust group.
///
/// # Safety
///
/// `val` is a descriptor of a [`Table`] and `base` the [`BindingHeader`] of a live binding.
unsafe extern "C" fn rust_get(val: *mut StatsFsValue, base: *mut c_void) -> u64 {
    // SAFETY: Both valid by the safety requirements: statsfs passes the registered
    // descriptor and base, and the binding lives until the source is revoked.
    let (index, header) = unsafe { ((*val).offset as usize, &*base.cast::<BindingHeader>()) };
    (header.get)(header, index)
}

/// Clears a value of a Rust group.
///
/// # Safety
///
/// As for [`rust_get`].
unsafe extern "C" fn rust_clear(val: *mut StatsFsValue, base: *mut c_void) {
    // SAFETY: As for `rust_get`.
    let (index, header) = unsafe { ((*val).offset as usize, &*base.cast::<BindingHeader>()) };
    (header.clear)(header, index)
}

static RUST_UNSIGNED: StatsFsType = StatsFsType {
    get: Some(rust_get),
    clear: None,
    sign: false,
    // A binding is not an array of values: no histograms.
    size: 0,
};
static RUST_UNSIGNED_CLEARABLE: StatsFsType = StatsFsType {
    get: Some(rust_get),
    clear: Some(rust_clear),
    sign: false,
    // A binding is not an array of values: no histograms.
    size: 0,
};
static RUST_SIGNED: StatsFsType = StatsFsType {
    get: Some(rust_get),
    clear: None,
    sign: true,
    // A binding is not an array of values: no histograms.
    size: 0,
};
static RUST_SIGNED_CLEARABLE: StatsFsType = StatsFsType {
    get: Some(rust_get),
    clear: Some(rust_clear),
    sign: true,
    // A binding is not an array of values: no histograms.
    size: 0,
};

/// Calls `S::show` for C; the strings are `'static`, as statsfs requires.
extern "C" fn show_trampoline<S: Show>(value: u64) -> *mut c_char {
    S::show(value).as_char_ptr().cast_mut()
}

/// A statsfs source (a directory), owned from Rust.
///
/// Dropping it revokes it (statsfs never reads its data again), removes it from the file
/// system or its parent, and frees what it holds.
///
/// # Invariants
///
/// `raw` is a live source handle for which this object holds one reference.
pub(crate) struct Source {
    raw: NonNull<SourceHandle>,
    bindings: KVec<KBox<dyn AnyBinding>>,
}

// SAFETY: The statsfs C API may be called from any task; the handle is a reference count.
unsafe impl Send for Source {}
// SAFETY: Every `&self` method is a statsfs call, which does its own locking.
unsafe impl Sync for Source {}

impl Source {
    /// Creates a source called `name`.
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        Self::with_flags(name, 0)
    }

    /// Creates a hidden source: no directory, but its values still count in aggregates.
    pub(crate) fn new_hidden(name: &CStr) -> Result<Self> {
        Self::with_flags(name, bindings::HIDDEN)
    }

    fn with_flags(name: &CStr, flags: u32) -> Result<Self> {
        // SAFETY: The format is a valid C string taking one string argument, and `name` is one.
        let raw = unsafe {
            bindings::stats_fs_source_create(flags, c"%s".as_char_ptr(), name.as_char_ptr())
        };
        let raw = NonNull::new(from_err_ptr(raw)?).ok_or(ENOMEM)?;
        // INVARIANT: `stats_fs_source_create()` returned a handle holding one reference.
        Ok(Self {
            raw,
            bindings: KVec::new(),
        })
    }

    fn raw(&self) -> *mut SourceHandle {
        self.raw.as_ptr()
    }

    /// Shows the source at the top of `/sys/kernel/stats`.
    pub(crate) fn register(&self) -> Result {
        // SAFETY: `raw` is live (type invariant).
        to_result(unsafe { bindings::stats_fs_source_register(self.raw()) })
    }

    /// Makes `child` a subordinate of this source: it appears below it and counts in its
    /// aggregates, until `child` is dropped.
    pub(crate) fn add_subordinate(&self, child: &Source) -> Result {
        // SAFETY: Both handles are live (type invariant).
        to_result(unsafe { bindings::stats_fs_source_add_subordinate(self.raw(), child.raw()) })
    }

    /// Publishes the values of `table` read from `data`; statsfs keeps `data` alive.
    pub(crate) fn add_values<T: Send + Sync + 'static, const N: usize>(
        &mut self,
        table: &'static Table<T, N>,
        data: Arc<T>,
    ) -> Result {
        self.add_group(table, Some(data), 0)
    }

    /// Publishes `table` as aggregates over this source's subtree.
    pub(crate) fn add_aggregates<T: Send + Sync + 'static, const N: usize>(
        &mut self,
        table: &'static Table<T, N>,
    ) -> Result {
        self.add_group(table, None, 0)
    }

    fn add_group<T: Send + Sync + 'static, const N: usize>(
        &mut self,
        table: &'static Table<T, N>,
        data: Option<Arc<T>>,
        flags: u32,
    ) -> Result {
        // Room for the binding first, so that keeping it cannot fail once statsfs reads it.
        self.bindings.reserve(1, GFP_KERNEL)?;
        let binding = match data {
            None => None,
            Some(data) => Some(KBox::new(
                Binding {
                    header: BindingHeader {
                        get: Binding::<T, N>::get,
                        clear: Binding::<T, N>::clear,
                    },
                    table,
                    data,
                },
                GFP_KERNEL,
            )?),
        };
        let base = binding.as_ref().map_or(core::ptr::null_mut(), |b| {
            core::ptr::from_ref(&b.header).cast_mut().cast::<c_void>()
        });
        // SAFETY:
        // - `raw` is live (type invariant).
        // - The table is `'static`, NULL-terminated by `end`, and its descriptors are valid.
        // - `base` is NULL or a binding that `self.bindings` keeps, below, if statsfs took
        //   it; it is only freed in `drop`, after the source is revoked.
        to_result(unsafe {
            bindings::stats_fs_source_add_values(self.raw(), table.as_c(), base, flags)
        })?;
        if let Some(binding) = binding {
            // Cannot fail: room was made above.
            let _ = self.bindings.push_within_capacity(binding);
        }
        Ok(())
    }

    /// Reads value `index` of `table` in this source (an aggregate if added as one).
    pub(crate) fn value<T: 'static, const N: usize>(
        &self,
        table: &'static Table<T, N>,
        index: usize,
    ) -> Result<u64> {
        let mut ret = 0;
        // SAFETY: `raw` is live, the descriptor belongs to `table`, `ret` is writable.
        to_result(unsafe {
            bindings::stats_fs_source_get_value(self.raw(), table.desc(index)?, &mut ret)
        })?;
        Ok(ret)
    }

    /// Reads the newest value called `name` in this source.
    pub(crate) fn value_by_name(&self, name: &CStr) -> Result<u64> {
        let mut ret = 0;
        // SAFETY: `raw` is live, `name` is a C string, `ret` is writable.
        to_result(unsafe {
            bindings::stats_fs_source_get_value_by_name(self.raw(), name.as_char_ptr(), &mut ret)
        })?;
        Ok(ret)
    }

    /// Resets value `index` of `table` (the whole subtree for an aggregate).
    pub(crate) fn clear<T: 'static, const N: usize>(
        &self,
        table: &'static Table<T, N>,
        index: usize,
    ) -> Result {
        // SAFETY: `raw` is live and the descriptor belongs to `table`.
        to_result(unsafe { bindings::stats_fs_source_clear(self.raw(), table.desc(index)?) })
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        // SAFETY: `raw` is live (type invariant) and this is the last use of the reference.
        unsafe {
            // After this returns statsfs never reads the bindings, so they can be freed.
            bindings::stats_fs_source_revoke(self.raw());
            bindings::stats_fs_source_remove(self.raw());
            bindings::stats_fs_source_put(self.raw());
        }
        // `self.bindings` is dropped after this, with the data references it holds.
    }
}
