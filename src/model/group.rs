// SPDX-License-Identifier: GPL-2.0

//! Value descriptors, value groups, and how values are read, cleared and aggregated.
//!
//! Descriptors have the C layout of `struct stats_fs_value` so that C arrays are used as
//! they are; the Rust API builds arrays of the same layout.
//!
//! C header: [`include/linux/stats_fs.h`](../include/linux/stats_fs.h)

use core::{
    num::{
        NonZeroU64,
        NonZeroUsize, //
    },
    ptr, //
};
use kernel::{
    ffi::c_void,
    prelude::*,
    str::CStr,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

use crate::{
    c_ptr::{
        is_err,
        is_usable, //
    },
    name,
    owners::Owners,
};

pub(crate) use crate::abi::{
    Aggregation,
    Kind,
    StatsFsType,
    StatsFsValue,
    Unit,
    UnitBase,
    FLOATING,
    HIDDEN,
    HIST_MAX_BUCKETS, //
};

/// Upper bound on the length of one descriptor array, to stop a runaway scan of an array
/// whose terminator is missing before it walks off into unrelated memory for long.
const MAX_VALUES_PER_GROUP: usize = 4096;

/// A checked view of one descriptor.
///
/// # Invariants
///
/// The descriptor passed [`Group::new`]'s checks: `name` is a valid name, `type_` points to
/// a `StatsFsType` whose `get` is set, and `aggr_kind` is a known aggregation. Like the
/// array it is in, it stays valid and unchanged while its group exists.
#[derive(Clone, Copy)]
pub(crate) struct Desc<'a>(&'a StatsFsValue);

impl<'a> Desc<'a> {
    /// The value's name.
    pub(crate) fn name(&self) -> &'a CStr {
        // SAFETY: By the type invariant `name` is a valid NUL-terminated string that lives
        // as long as the descriptor.
        unsafe { CStr::from_char_ptr(self.0.name) }
    }

    fn ty(&self) -> &'a StatsFsType {
        // SAFETY: By the type invariant `type_` is valid for as long as the descriptor.
        unsafe { &*self.0.type_ }
    }

    /// Whether the value is signed.
    pub(crate) fn signed(&self) -> bool {
        self.ty().sign
    }

    /// How aggregates combine this value.
    pub(crate) fn aggregation(&self) -> Aggregation {
        // `Group::new` checked the kind (type invariant), so the fallback is never taken.
        Aggregation::try_from(self.0.aggr_kind).unwrap_or(Aggregation::None)
    }

    /// The value's type, by address (the default types are told apart by it).
    pub(crate) fn type_ptr(&self) -> *const StatsFsType {
        self.0.type_
    }

    /// Whether the value may go down (`STATS_FS_FLOATING_VALUE`).
    pub(crate) fn floating(&self) -> bool {
        self.0.value_flag & FLOATING != 0
    }

    /// Whether the value's file shows text from a show function.
    pub(crate) fn has_show(&self) -> bool {
        self.0.show.is_some()
    }

    /// What kind of statistic the value is.
    pub(crate) fn kind(&self) -> Kind {
        // Checked by `Group::new` (type invariant).
        Kind::try_from(self.0.kind).unwrap_or(Kind::Unknown)
    }

    /// The value's unit, the base of its exponent, and the exponent.
    pub(crate) fn unit(&self) -> (Unit, UnitBase, i16) {
        // Checked by `Group::new` (type invariant).
        (
            Unit::try_from(self.0.unit).unwrap_or(Unit::Unknown),
            UnitBase::try_from(self.0.unit_base).unwrap_or(UnitBase::Unknown),
            self.0.exponent,
        )
    }

    /// The width of a bucket of a linear histogram.
    pub(crate) fn bucket_size(&self) -> u32 {
        self.0.hist_bucket_size
    }

    /// The number of buckets if the value is a histogram, 0 if it is a single number.
    pub(crate) fn buckets(&self) -> usize {
        self.0.hist_buckets as usize
    }

    /// Whether the value can be cleared: not floating, and the type has a `clear`.
    pub(crate) fn clearable(&self) -> bool {
        self.0.value_flag & FLOATING == 0 && self.ty().clear.is_some()
    }

    /// The text to show instead of `value`, if the descriptor has a show function.
    pub(crate) fn show(&self, value: u64) -> Option<&'a CStr> {
        let show = self.0.show?;
        // SAFETY: `show` is a function of the registered descriptor; the header requires
        // it to return NULL or a string that stays valid while the descriptor is registered.
        let text = unsafe { show(value) };
        if text.is_null() {
            return None;
        }
        // SAFETY: Non-NULL, and valid as just said.
        Some(unsafe { CStr::from_char_ptr(text) })
    }

    fn as_ptr(&self) -> *mut StatsFsValue {
        ptr::from_ref(self.0).cast_mut()
    }
}

/// The identity of a value group ([`Group::id`]): files and bulk readers name their group
/// by it, so that a group added again after revocation, from the same array and base, is
/// another group.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct GroupId(u64);

/// A value group: an array of descriptors and the base address its values are read at.
///
/// # Invariants
///
/// - `values` points to `len` descriptors that passed the checks of [`Group::new`] and, by
///   the contract of `stats_fs_source_add_values()`, stay valid and unchanged until the
///   group is revoked. The descriptors belong to the publisher like the values do (they
///   often live in its module's memory), so after revocation they are never touched again:
///   only their address is compared.
/// - If `base` is not null and `revoked` is false, the memory at `base` that the
///   descriptors read is valid (the registration contract, until revocation).
pub(crate) struct Group {
    values: *const StatsFsValue,
    len: usize,
    base: *mut c_void,
    flags: u32,
    revoked: bool,
    first_ino: u64,
    ino_stride: NonZeroU64,
    owners: Owners,
}

// SAFETY: A `Group` is a description of memory owned elsewhere; by the registration
// contract that memory may be read and cleared from any thread, so the group may be moved to
// and shared with any thread. Access to `revoked` is serialised by the tree lock.
unsafe impl Send for Group {}
// SAFETY: See `Send`: `&Group` only reads the descriptors and the registered values.
unsafe impl Sync for Group {}

impl Group {
    /// Checks the descriptor array at `values` and makes a group of it.
    ///
    /// # Safety
    ///
    /// `values` is null or points to an array of descriptors ended by one whose `name` is
    /// null. The array, the names, types and show functions it points to stay valid and
    /// unchanged while the group exists; if `base` is not null, so does the memory each
    /// descriptor reads at `base`, until the group is revoked.
    pub(crate) unsafe fn new(
        values: *const StatsFsValue,
        base: *mut c_void,
        flags: u32,
    ) -> Result<Self> {
        if !is_usable(values) || is_err(base) || flags & !HIDDEN != 0 {
            return Err(EINVAL);
        }
        let mut len = 0;
        let mut max_buckets = 0;
        let mut owners = Owners::new()?;
        owners.add(values as usize)?;
        owners.add(base as usize)?;
        loop {
            if len == MAX_VALUES_PER_GROUP {
                return Err(EINVAL);
            }
            // SAFETY: The array is ended by a null name (safety requirement) and we stop at
            // it, so entry `len` is in bounds.
            let v = unsafe { &*values.add(len) };
            if v.name.is_null() {
                break;
            }
            if is_err(v.name)
                || !is_usable(v.type_)
                || v.show.is_some_and(|f| is_err(f as *const u8))
            {
                return Err(EINVAL);
            }
            // SAFETY: A non-null name is a valid C string (safety requirement).
            let name = unsafe { CStr::from_char_ptr(v.name) };
            name::validate(name.to_bytes())?;
            if v.offset < 0 {
                return Err(EINVAL);
            }
            // SAFETY: Usable (checked above), and valid by the safety requirement.
            let ty = unsafe { &*v.type_ };
            if ty.get.map_or(true, |f| is_err(f as *const u8))
                || ty.clear.is_some_and(|f| is_err(f as *const u8))
            {
                return Err(EINVAL);
            }
            // The default types read through atomics, which need natural alignment.
            if is_default_type(v.type_) {
                let addr = (base as usize).wrapping_add(v.offset as usize);
                if NonZeroUsize::new(ty.size as usize).is_some_and(|size| addr % size != 0) {
                    return Err(EINVAL);
                }
            }
            Aggregation::try_from(v.aggr_kind)?;
            Unit::try_from(v.unit)?;
            UnitBase::try_from(v.unit_base)?;
            let histogram = Kind::try_from(v.kind)?.is_histogram();
            let buckets_ok = if histogram {
                (1..=HIST_MAX_BUCKETS).contains(&v.hist_buckets) && ty.size != 0
            } else {
                v.hist_buckets == 0
            };
            if !buckets_ok {
                return Err(EINVAL);
            }
            max_buckets = max_buckets.max(u64::from(v.hist_buckets));
            if len == 0 {
                owners.add(v.name as usize)?;
            }
            owners.add(v.type_ as usize)?;
            owners.add(ty.get.map_or(0, |f| f as usize))?;
            owners.add(ty.clear.map_or(0, |f| f as usize))?;
            owners.add(v.show.map_or(0, |f| f as usize))?;
            len += 1;
        }
        // INVARIANT: Every descriptor was checked above; validity is the caller's promise.
        // Each value takes one inode number, and each bucket of a histogram one more.
        let ino_stride = NonZeroU64::MIN.saturating_add(max_buckets);
        Ok(Self {
            values,
            len,
            base,
            flags,
            revoked: false,
            // Numbered by `number` when the group is added to its source.
            first_ino: 0,
            ino_stride,
            owners,
        })
    }

    /// The group's identity: fixed when it is added to its source, never reused.
    pub(crate) fn id(&self) -> GroupId {
        GroupId(self.first_ino)
    }

    /// The address of the descriptor array: aggregates match groups by it.
    pub(crate) fn array(&self) -> *const StatsFsValue {
        self.values
    }

    /// The base address the group was added with (null for aggregates).
    pub(crate) fn base(&self) -> *mut c_void {
        self.base
    }

    /// Whether this is a group of simple values (it has a base address).
    pub(crate) fn is_simple(&self) -> bool {
        !self.base.is_null()
    }

    /// Whether the group has files (it is not hidden).
    pub(crate) fn is_visible(&self) -> bool {
        self.flags & HIDDEN == 0
    }

    /// Whether the group was revoked: its memory must not be touched any more.
    pub(crate) fn is_revoked(&self) -> bool {
        self.revoked
    }

    /// Whether the group uses memory of `module`.
    ///
    /// # Safety
    ///
    /// `module` is a `struct module` that is live for the duration of the call.
    pub(crate) unsafe fn uses_module(&self, module: *const c_void) -> bool {
        // SAFETY: Same requirement.
        unsafe { self.owners.within(module) }
    }

    /// Marks the group revoked. Called with the tree lock held for writing.
    pub(crate) fn revoke(&mut self) {
        self.revoked = true;
    }

    /// The number of descriptors.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Gives the group its inode numbers; called once, under the tree lock held for writing,
    /// as the group is added to its source, so that a source's groups number in order.
    pub(crate) fn number(&mut self) {
        // At least one number, so that an empty group's identity is its own too.
        let count = (self.len as u64 * self.ino_stride.get()).max(1);
        self.first_ino = crate::ino::reserve(count);
    }

    /// The index of the first value whose inode number is at least `ino`.
    pub(crate) fn index_from(&self, ino: u64) -> usize {
        match ino.checked_sub(self.first_ino) {
            None | Some(0) => 0,
            // Rounded up; the divisor is not zero, so this cannot panic.
            Some(d) => {
                let stride = self.ino_stride;
                usize::try_from(d / stride + u64::from(d % stride != 0)).unwrap_or(usize::MAX)
            }
        }
    }

    /// The inode number of value `i` (its file, or its directory for a histogram), or of
    /// bucket `bucket` of histogram `i`: fixed for the group's life, never reused.
    pub(crate) fn ino(&self, i: usize, bucket: Option<usize>) -> u64 {
        let value = self.first_ino + i as u64 * self.ino_stride.get();
        bucket.map_or(value, |b| value + 1 + b as u64)
    }

    /// Descriptor `i`, if `i < len` and the group is not revoked.
    pub(crate) fn desc(&self, i: usize) -> Option<Desc<'_>> {
        if i >= self.len || self.revoked {
            return None;
        }
        // SAFETY: `i < len`, and the array is valid until revocation (type invariant); the
        // caller holds the tree lock (it has `&self` from a `TreeLocked`), so the group
        // cannot be revoked while the returned reference lives.
        // INVARIANT: It was checked by `Group::new`.
        Some(Desc(unsafe { &*self.values.add(i) }))
    }

    /// The index of the descriptor at address `val` in this group's array, if it is one.
    pub(crate) fn index_of(&self, val: *const StatsFsValue) -> Option<usize> {
        let size = core::mem::size_of::<StatsFsValue>();
        let off = (val as usize).checked_sub(self.values as usize)?;
        (off % size == 0 && off / size < self.len).then_some(off / size)
    }

    /// The index of the first descriptor called `name`.
    pub(crate) fn index_by_name(&self, name: &[u8]) -> Option<usize> {
        (0..self.len).find(|&i| self.desc(i).is_some_and(|d| d.name().to_bytes() == name))
    }

    /// The address that bucket `bucket` of descriptor `desc` is read at, as a base address
    /// for the type's `get` and `clear`: the group's base for a single number, shifted by
    /// whole elements for a histogram. `None` for a bucket the value does not have.
    fn element_base(&self, desc: &Desc<'_>, bucket: usize) -> Option<*mut c_void> {
        if bucket >= desc.buckets().max(1) {
            return None;
        }
        let stride = desc.ty().size as usize;
        // Cannot overflow: `bucket < HIST_MAX_BUCKETS` and `stride <= u32::MAX`.
        Some(self.base.wrapping_byte_add(bucket * stride))
    }

    /// Reads element `bucket` of simple value `i` (0 for a single number): 0 if revoked,
    /// without touching the descriptor.
    ///
    /// The tree lock must be held (shared is enough); that is what keeps revocation from
    /// completing while the value is read.
    pub(crate) fn read(&self, i: usize, bucket: usize) -> u64 {
        let Some(desc) = self.desc(i) else { return 0 };
        if self.revoked || self.base.is_null() {
            return 0;
        }
        let Some(base) = self.element_base(&desc, bucket) else {
            return 0;
        };
        // PANIC: `Group::new` checked that `get` is set (invariant of `Desc`).
        let Some(get) = desc.ty().get else { return 0 };
        // SAFETY: `base` is valid and not revoked (type invariant, checked just above), and
        // for a histogram the registration covers all its buckets; the caller holds the
        // tree lock, so revocation cannot complete before this returns.
        unsafe { get(desc.as_ptr(), base) }
    }

    /// Clears element `bucket` of simple value `i`; nothing if revoked or not clearable.
    pub(crate) fn clear(&self, i: usize, bucket: usize) {
        let Some(desc) = self.desc(i) else { return };
        if self.revoked || self.base.is_null() || !desc.clearable() {
            return;
        }
        let Some(base) = self.element_base(&desc, bucket) else {
            return;
        };
        if let Some(clear) = desc.ty().clear {
            // SAFETY: As for `read`.
            unsafe { clear(desc.as_ptr(), base) };
        }
    }
}

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

default_type!(stats_fs_type_u8, get_u8, clear_8, i8, u8, false);
default_type!(stats_fs_type_s8, get_s8, clear_s8, i8, i8, true);
default_type!(stats_fs_type_u16, get_u16, clear_16, i16, u16, false);
default_type!(stats_fs_type_s16, get_s16, clear_s16, i16, i16, true);
default_type!(stats_fs_type_u32, get_u32, clear_32, i32, u32, false);
default_type!(stats_fs_type_s32, get_s32, clear_s32, i32, i32, true);
default_type!(stats_fs_type_u64, get_u64, clear_64, i64, u64, false);
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
    clear: Some(clear_8),
    sign: false,
    size: core::mem::size_of::<bool>() as u32,
};

/// Whether `ty` is one of the default types, which read through atomics.
fn is_default_type(ty: *const StatsFsType) -> bool {
    [
        &stats_fs_type_u8,
        &stats_fs_type_s8,
        &stats_fs_type_u16,
        &stats_fs_type_s16,
        &stats_fs_type_u32,
        &stats_fs_type_s32,
        &stats_fs_type_u64,
        &stats_fs_type_s64,
        &stats_fs_type_bool,
    ]
    .into_iter()
    .any(|default| ptr::eq(default, ty))
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kunit_tests(statsfs_value)]
mod tests {
    use super::*;
    use core::mem::{
        offset_of,
        size_of, //
    };

    mod c {
        // Defined in `stats_fs_exports.c` from the C header's own declarations.
        extern "C" {
            pub(super) static stats_fs_c_layout: [usize; 20];
        }
    }

    #[test]
    fn rust_mirrors_have_the_c_layout() {
        // SAFETY: A constant array defined in C, never written.
        let c = unsafe { &c::stats_fs_c_layout };
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
        ];
        assert_eq!(c, &rust);
    }
}
