// SPDX-License-Identifier: GPL-2.0

//! Value groups: an array of value descriptors and the base address its values are read at.
//!
//! A group with a base address is *simple*: each value reads the publisher's memory. A
//! group without one is an *aggregate*: each value combines the same value over its
//! members, the simple groups added from the same array in its source's subtree
//! ([`super::members`]).
//!
//! What a read needs of a descriptor (where the value is, its width, its buckets) is
//! copied into the group when it is made, so that the default types are read inline, with
//! no call and without touching the descriptor. Everything that does touch the publisher's
//! memory or code (the values, the descriptors, their names, custom types and show
//! functions) goes through [`Live`], which holds an active reference ([`super::active`]).
//!
//! C header: [`include/linux/stats_fs.h`](srctree/include/linux/stats_fs.h)

use core::{
    cmp::Ordering,
    num::NonZeroU64,
    ptr, //
};
use kernel::{
    bindings,
    ffi::c_void,
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

use super::{
    accumulator::Accumulator,
    active::{
        self,
        Active,
        ActiveRef, //
    },
    members::{
        Members,
        Membership, //
    },
    name,
    owners::{
        Filing,
        Owners, //
    },
    writer::{
        WriterGuard,
        WriterLocked, //
    },
};
use crate::c_api::c_ptr::{
    is_err,
    is_usable, //
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
    fn size(self) -> Option<usize> {
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
    unsafe fn load(self, addr: *const u8) -> u64 {
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
    unsafe fn clear(self, addr: *mut u8) {
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

/// The default types, by address: which objects the C API exports as `stats_fs_type_*` and
/// how each is read. The model reads values of these types inline.
pub(crate) type DefaultTypes = [(&'static StatsFsType, Width)];

/// What reads need of one descriptor, copied out of it when the group is made.
#[derive(Clone, Copy)]
struct Info {
    /// Offset of the value (its first bucket) from the base.
    offset: u32,
    /// Bytes from one bucket to the next: the type's size.
    stride: u32,
    /// Number of buckets of a histogram, 0 for a single number.
    buckets: u16,
    width: Width,
    aggregation: Aggregation,
    signed: bool,
    clearable: bool,
}

/// How an aggregate group whose values are all of default types combines them over its
/// members, inline: for each element of each value (a value's buckets, or the value),
/// its index in the group's elements and its byte offset from a member's base.
#[derive(Default)]
struct Plan {
    /// Elements summed from 8-byte fields (`u64`, `s64`): most statistics.
    sum64: KVec<(usize, usize)>,
    /// Every other element, with its width.
    other: KVec<(usize, usize, Width)>,
}

/// A checked view of one descriptor, valid while the group is live.
///
/// # Invariants
///
/// The descriptor passed [`Group::new`]'s checks, and stays valid and unchanged for `'a`:
/// it is only made through a [`Live`] group.
#[derive(Clone, Copy)]
pub(crate) struct Desc<'a>(&'a StatsFsValue);

impl<'a> Desc<'a> {
    /// The value's name.
    pub(crate) fn name(&self) -> &'a CStr {
        // SAFETY: By the type invariant `name` is a valid NUL-terminated string that lives
        // as long as the descriptor.
        unsafe { CStr::from_char_ptr(self.0.name) }
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

    /// The text to show instead of `value`, if the descriptor has a show function.
    pub(crate) fn show(&self, value: u64) -> Option<&'a CStr> {
        let show = self.0.show?;
        // SAFETY: `show` is a function of the live descriptor; the header requires it to
        // return NULL or a string that stays valid while the descriptor is registered.
        let text = active::callback(|| unsafe { show(value) });
        if text.is_null() {
            return None;
        }
        // SAFETY: Non-NULL, and valid as just said.
        Some(unsafe { CStr::from_char_ptr(text) })
    }

    fn ty(&self) -> &'a StatsFsType {
        // SAFETY: By the type invariant `type_` is valid for as long as the descriptor.
        unsafe { &*self.0.type_ }
    }

    fn as_ptr(&self) -> *mut StatsFsValue {
        ptr::from_ref(self.0).cast_mut()
    }
}

/// The state of a group that only writers use.
struct GroupWriter {
    /// The aggregates this simple group counts in.
    memberships: KVec<Membership>,
    /// The source the group was added to, for identity; null before it is added.
    owner: *const c_void,
    /// Where the group is filed for module unloads ([`super::owners`]).
    filing: Filing,
}

/// A value group.
///
/// # Invariants
///
/// - `values` points to `len` descriptors that passed the checks of [`Group::new`] and, by
///   the contract of `stats_fs_source_add_values()`, stay valid and unchanged until the
///   group is deactivated and drained; `info` and `by_name` were derived from them.
/// - If `base` is not null, the memory the descriptors read at `base` is valid until then.
/// - After the drain, neither is touched again: only the addresses are compared.
/// - `members` is `Some` exactly for aggregate groups (`base` null).
pub(crate) struct Group {
    values: *const StatsFsValue,
    len: usize,
    base: *mut c_void,
    flags: u32,
    first_ino: u64,
    ino_stride: NonZeroU64,
    info: KVec<Info>,
    /// The indices of the descriptors, sorted by name and then by index.
    by_name: KVec<u16>,
    owners: Owners,
    active: Active,
    members: Option<KBox<Members>>,
    plan: Plan,
    /// Whether the elements of the values, in order, are consecutive 8-byte fields, as in
    /// KVM's stats structs ([`Group::is_dense`]).
    dense: bool,
    writer: WriterLocked<GroupWriter>,
}

// SAFETY: A `Group` describes memory owned elsewhere; by the registration contract that
// memory may be read and cleared from any thread while the group is live, which its active
// references ensure. The rest of the group is `Send`.
unsafe impl Send for Group {}
// SAFETY: See `Send`: `&Group` only reads the descriptors and the registered values under an
// active reference, and writer state under the writer lock.
unsafe impl Sync for Group {}

/// A group known to be live: an active reference to it, and access to what it reads.
pub(crate) struct Live<'a> {
    group: &'a Group,
    _active: ActiveRef<'a>,
}

impl core::ops::Deref for Live<'_> {
    type Target = Group;

    fn deref(&self) -> &Group {
        self.group
    }
}

impl Group {
    /// Checks the descriptor array at `values` and makes a group of it, with its inode
    /// numbers. `defaults` tells which types are read inline.
    ///
    /// # Safety
    ///
    /// `values` is null or points to an array of descriptors ended by one whose `name` is
    /// null. The array, the names, types and show functions it points to stay valid and
    /// unchanged while the group is live; if `base` is not null, so does the memory each
    /// descriptor reads at `base`.
    pub(crate) unsafe fn new(
        values: *const StatsFsValue,
        base: *mut c_void,
        flags: u32,
        defaults: &DefaultTypes,
    ) -> Result<Arc<Self>> {
        if !is_usable(values) || is_err(base) || flags & !HIDDEN != 0 {
            return Err(EINVAL);
        }
        let mut info = KVec::new();
        let mut max_buckets = 0;
        let mut owners = Owners::new()?;
        owners.add(values as usize)?;
        owners.add(base as usize)?;
        loop {
            let len = info.len();
            if len == MAX_VALUES_PER_GROUP {
                return Err(EINVAL);
            }
            // SAFETY: The array is ended by a null name (safety requirement) and we stop at
            // it, so entry `len` is in bounds.
            let v = unsafe { &*values.add(len) };
            if v.name.is_null() {
                break;
            }
            let entry = Self::check(v, base, defaults)?;
            max_buckets = max_buckets.max(u64::from(entry.buckets));
            if len == 0 {
                owners.add(v.name as usize)?;
            }
            // SAFETY: `check` found the type usable; it is valid (safety requirement).
            let ty = unsafe { &*v.type_ };
            owners.add(v.type_ as usize)?;
            owners.add(ty.get.map_or(0, |f| f as usize))?;
            owners.add(ty.clear.map_or(0, |f| f as usize))?;
            owners.add(v.show.map_or(0, |f| f as usize))?;
            info.push(entry, GFP_KERNEL)?;
        }
        let len = info.len();
        let mut by_name = KVec::with_capacity(len, GFP_KERNEL)?;
        // SAFETY: Every index below is below `len`, a checked descriptor of the array.
        let name_of = |i: u16| unsafe { CStr::from_char_ptr((*values.add(usize::from(i))).name) };
        // An insertion sort, by name and then by index: a few dozen names, once per group
        // (and no panicking path, which `sort_unstable_by` has).
        for i in 0..len {
            // `len <= MAX_VALUES_PER_GROUP`, which fits.
            let i = i as u16;
            let at = by_name.partition_point(|&j: &u16| {
                name_of(j).to_bytes().cmp(name_of(i).to_bytes()) != Ordering::Greater
            });
            by_name.insert_within_capacity(at, i).map_err(|_| ENOMEM)?;
        }
        let dense = Self::is_dense(&info);
        let (members, plan) = if base.is_null() {
            (
                Some(KBox::new(Members::new(), GFP_KERNEL)?),
                Self::plan(&info)?,
            )
        } else {
            (None, Plan::default())
        };
        // Each value takes one inode number, and each bucket of a histogram one more; at
        // least one number, so that an empty group's identity is its own too.
        let ino_stride = NonZeroU64::MIN.saturating_add(max_buckets);
        let first_ino = super::ino::reserve((len as u64 * ino_stride.get()).max(1));
        // INVARIANT: Every descriptor was checked above; validity is the caller's promise.
        Ok(Arc::new(
            Self {
                values,
                len,
                base,
                flags,
                first_ino,
                ino_stride,
                info,
                by_name,
                owners,
                active: Active::new(),
                members,
                plan,
                dense,
                writer: WriterLocked::new(GroupWriter {
                    memberships: KVec::new(),
                    owner: ptr::null(),
                    filing: Filing::default(),
                }),
            },
            GFP_KERNEL,
        )?)
    }

    /// Checks one descriptor of a group with base `base`; returns what reads need of it.
    fn check(v: &StatsFsValue, base: *mut c_void, defaults: &DefaultTypes) -> Result<Info> {
        if is_err(v.name) || !is_usable(v.type_) || v.show.is_some_and(|f| is_err(f as *const u8)) {
            return Err(EINVAL);
        }
        // SAFETY: A non-null name is a valid C string (safety requirement of `new`).
        let name = unsafe { CStr::from_char_ptr(v.name) };
        name::validate(name.to_bytes())?;
        let offset = u32::try_from(v.offset).map_err(|_| EINVAL)?;
        // SAFETY: Usable (checked above), and valid by the safety requirement of `new`.
        let ty = unsafe { &*v.type_ };
        if ty.get.map_or(true, |f| is_err(f as *const u8))
            || ty.clear.is_some_and(|f| is_err(f as *const u8))
        {
            return Err(EINVAL);
        }
        let width = defaults
            .iter()
            .find(|(default, _)| ptr::eq(*default, ty))
            .map_or(Width::Custom, |&(_, width)| width);
        // The default types are read through atomics, which need natural alignment.
        if let Some(size) = width.size() {
            let addr = (base as usize).wrapping_add(offset as usize);
            if addr % size != 0 {
                return Err(EINVAL);
            }
        }
        let aggregation = Aggregation::try_from(v.aggr_kind)?;
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
        Ok(Info {
            offset,
            stride: ty.size,
            // At most `HIST_MAX_BUCKETS`, checked above.
            buckets: v.hist_buckets as u16,
            width,
            aggregation,
            signed: ty.sign,
            clearable: v.value_flag & FLOATING == 0 && ty.clear.is_some(),
        })
    }

    /// Whether the elements of values `info`, in order, are consecutive 8-byte fields of
    /// the default types: value `i`'s bucket `b` is element `k`, at `8 * k` bytes from the
    /// first.
    fn is_dense(info: &[Info]) -> bool {
        let Some(first) = info.first() else {
            return false;
        };
        let mut next = first.offset as usize;
        for i in info {
            let wide = matches!(i.width, Width::U64 | Width::S64);
            if !wide || i.offset as usize != next || (i.buckets > 0 && i.stride != 8) {
                return false;
            }
            next += 8 * usize::from(i.buckets).max(1);
        }
        true
    }

    /// The plan of an aggregate group of values `info` (empty unless all are default types).
    fn plan(info: &[Info]) -> Result<Plan> {
        let mut plan = Plan::default();
        if info.iter().any(|i| i.width == Width::Custom) {
            return Ok(plan);
        }
        let mut element = 0;
        for i in info {
            for bucket in 0..usize::from(i.buckets).max(1) {
                let offset = i.offset as usize + bucket * i.stride as usize;
                let wide = matches!(i.width, Width::U64 | Width::S64);
                if wide && i.aggregation == Aggregation::Sum {
                    plan.sum64.push((element, offset), GFP_KERNEL)?;
                } else {
                    plan.other.push((element, offset, i.width), GFP_KERNEL)?;
                }
                element += 1;
            }
        }
        Ok(plan)
    }

    /// An active reference to the group, if it is live.
    #[inline]
    pub(crate) fn live(&self) -> Option<Live<'_>> {
        Some(Live {
            group: self,
            _active: self.active.get()?,
        })
    }

    /// Whether the group is live: not revoked or removed.
    pub(crate) fn is_live(&self) -> bool {
        self.active.is_live()
    }

    /// Deactivates the group (see [`Active::deactivate`]); `false` if it was already.
    pub(crate) fn deactivate(&self, _w: &WriterGuard) -> bool {
        self.active.deactivate()
    }

    /// Waits for the reads of the group that started before it was deactivated.
    pub(crate) fn drain(&self) {
        self.active.drain()
    }

    /// The group's identity: its first inode number, never reused.
    pub(crate) fn id(&self) -> u64 {
        self.first_ino
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

    /// The number of descriptors.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The number of buckets of value `i` if it is a histogram, 0 if it is a single number.
    pub(crate) fn buckets(&self, i: usize) -> usize {
        self.info.get(i).map_or(0, |info| usize::from(info.buckets))
    }

    /// The number of elements of value `i`: its buckets, or 1.
    pub(crate) fn elements(&self, i: usize) -> usize {
        self.buckets(i).max(1)
    }

    /// Whether value `i` is signed.
    pub(crate) fn signed(&self, i: usize) -> bool {
        self.info.get(i).is_some_and(|info| info.signed)
    }

    /// Whether value `i` can be cleared: not floating, and its type has a `clear`.
    pub(crate) fn clearable(&self, i: usize) -> bool {
        self.info.get(i).is_some_and(|info| info.clearable)
    }

    /// How value `i` is read.
    pub(crate) fn width(&self, i: usize) -> Width {
        self.info.get(i).map_or(Width::Custom, |info| info.width)
    }

    /// How aggregates combine value `i`.
    pub(crate) fn aggregation(&self, i: usize) -> Aggregation {
        self.info
            .get(i)
            .map_or(Aggregation::None, |info| info.aggregation)
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

    /// The index of the descriptor at address `val` in this group's array, if it is one.
    pub(crate) fn index_of(&self, val: *const StatsFsValue) -> Option<usize> {
        let size = core::mem::size_of::<StatsFsValue>();
        let off = (val as usize).checked_sub(self.values as usize)?;
        (off % size == 0 && off / size < self.len).then_some(off / size)
    }

    /// Whether the group uses memory of `module`.
    ///
    /// # Safety
    ///
    /// `module` is a `struct module` that is live for the duration of the call.
    pub(crate) unsafe fn uses_module(&self, module: *const bindings::module) -> bool {
        // SAFETY: Same requirement.
        unsafe { self.owners.within(module) }
    }

    /// The aggregate group's member list; `None` for a simple group.
    pub(crate) fn members(&self) -> Option<&Members> {
        self.members.as_deref()
    }

    /// Whether every value of the group is of a default type, read inline.
    fn all_inline(&self) -> bool {
        self.info.iter().all(|info| info.width != Width::Custom)
    }

    /// Reads element `bucket` of value `i` of a default type, inline, without an active
    /// reference; 0 for a custom type or an element the value does not have.
    ///
    /// # Safety
    ///
    /// The group is simple and its memory stays valid until this returns: the caller
    /// holds an active reference to it, or is in a section of an aggregate it is a member
    /// of, entered before the caller found it live ([`super::members`]).
    #[inline]
    pub(crate) unsafe fn read_inline(&self, i: usize, bucket: usize) -> u64 {
        let Some(info) = self.info.get(i) else {
            return 0;
        };
        if info.width == Width::Custom || bucket >= usize::from(info.buckets).max(1) {
            return 0;
        }
        // Cannot overflow: `bucket < HIST_MAX_BUCKETS` and `stride <= u32::MAX`.
        let addr = self
            .base
            .wrapping_byte_add(bucket * info.stride as usize + info.offset as usize);
        // SAFETY: The memory is valid (safety requirement), and the field was checked
        // naturally aligned by `Group::new` and is read atomically by the registration
        // contract.
        unsafe { info.width.load(addr.cast_const().cast()) }
    }

    /// The source the group was added to (for identity), null before.
    pub(crate) fn owner(&self, w: &WriterGuard) -> *const c_void {
        self.writer.as_ref(w).owner
    }

    /// Records the source the group is added to.
    pub(crate) fn set_owner(&self, owner: *const c_void, w: &mut WriterGuard) {
        self.writer.as_mut(w).owner = owner;
    }

    /// Makes room for `extra` more memberships, so that as many joins cannot fail.
    pub(crate) fn reserve_memberships(&self, extra: usize, w: &mut WriterGuard) -> Result {
        Ok(self
            .writer
            .as_mut(w)
            .memberships
            .reserve(extra, GFP_KERNEL)?)
    }

    /// Records a membership; room was made by [`Group::reserve_memberships`].
    pub(crate) fn add_membership(&self, m: Membership, w: &mut WriterGuard) {
        let memberships = &mut self.writer.as_mut(w).memberships;
        if memberships.push_within_capacity(m).is_err() {
            // No room was made: a bug, caught in testing; the membership is not kept, so
            // leaving it later finds nothing to take out of the aggregate's list.
            kernel::warn_on!(true);
        }
    }

    /// Forgets the membership in `aggregate`, whose list is being emptied.
    pub(crate) fn forget_membership(&self, aggregate: &Group, w: &mut WriterGuard) {
        self.writer
            .as_mut(w)
            .memberships
            .retain(|m| !m.is_in(aggregate));
    }

    /// Leaves the aggregates for which `leave` returns true.
    pub(crate) fn leave_where(
        &self,
        w: &mut WriterGuard,
        mut leave: impl FnMut(&Group, &WriterGuard) -> bool,
    ) {
        let mut i = 0;
        while i < self.writer.as_ref(w).memberships.len() {
            let m = self.writer.as_ref(w).memberships[i];
            if leave(m.aggregate(w), w) {
                super::members::leave(self, m, w);
                let _ = self.writer.as_mut(w).memberships.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Where the group is filed for module unloads.
    pub(crate) fn filing<'a>(&'a self, w: &'a mut WriterGuard) -> &'a mut Filing {
        &mut self.writer.as_mut(w).filing
    }
}

impl<'a> Live<'a> {
    /// Descriptor `i`, if `i < len`.
    pub(crate) fn desc(&self, i: usize) -> Option<Desc<'a>> {
        if i >= self.group.len {
            return None;
        }
        // SAFETY: `i < len`, and the array is valid while the group is live (type
        // invariant), which the active reference held for `'a` ensures.
        // INVARIANT: It was checked by `Group::new`.
        Some(Desc(unsafe { &*self.group.values.add(i) }))
    }

    /// The index of the first descriptor called `name`.
    pub(crate) fn index_by_name(&self, name: &[u8]) -> Option<usize> {
        let by_name = &self.group.by_name;
        let key = |i: u16| {
            self.desc(usize::from(i))
                .map_or(&[][..], |d| d.name().to_bytes())
        };
        // The first entry not below `name`: entries with equal names sort by index.
        let at = by_name.partition_point(|&i| key(i).cmp(name) == Ordering::Less);
        let i = *by_name.get(at)?;
        (key(i) == name).then_some(usize::from(i))
    }

    /// The base `get` and `clear` are given for element `bucket` of value `i`: the group's
    /// base, shifted by whole elements for a histogram.
    fn element(&self, i: usize, bucket: usize) -> Option<(Info, *mut c_void)> {
        let info = *self.group.info.get(i)?;
        if bucket >= usize::from(info.buckets).max(1) || self.group.base.is_null() {
            return None;
        }
        // Cannot overflow: `bucket < HIST_MAX_BUCKETS` and `stride <= u32::MAX`.
        let base = self
            .group
            .base
            .wrapping_byte_add(bucket * info.stride as usize);
        Some((info, base))
    }

    /// Reads element `bucket` (0 for a single number) of value `i` of this simple group.
    #[inline]
    pub(crate) fn read(&self, i: usize, bucket: usize) -> u64 {
        let Some((info, base)) = self.element(i, bucket) else {
            return 0;
        };
        if info.width != Width::Custom {
            // SAFETY: The group is live while `self` holds its active reference.
            return unsafe { self.group.read_inline(i, bucket) };
        }
        let Some(desc) = self.desc(i) else { return 0 };
        // PANIC: `Group::new` checked that `get` is set.
        let Some(get) = desc.ty().get else { return 0 };
        // SAFETY: The descriptor and `base` are valid while the group is live, and for a
        // histogram the registration covers all its buckets.
        active::callback(|| unsafe { get(desc.as_ptr(), base) })
    }

    /// Reads every element of value `i` of this simple group in order, giving each to `f`
    /// until it returns `false`; returns `false` then. A value the group does not have (or
    /// whose memory is not there) reads as its elements of zero.
    #[inline]
    pub(crate) fn read_elements(&self, i: usize, mut f: impl FnMut(u64) -> bool) -> bool {
        let Some(&info) = self.group.info.get(i) else {
            return true;
        };
        let elements = usize::from(info.buckets).max(1);
        if info.width == Width::Custom || self.group.base.is_null() {
            return (0..elements).all(|bucket| f(self.read(i, bucket)));
        }
        let first = self.group.base.wrapping_byte_add(info.offset as usize);
        (0..elements).all(|bucket| {
            // Cannot overflow: `bucket < HIST_MAX_BUCKETS` and `stride <= u32::MAX`.
            let addr = first.wrapping_byte_add(bucket * info.stride as usize);
            // SAFETY: The group is live while `self` holds its active reference, so its
            // memory is valid; `Group::new` checked the field naturally aligned, and the
            // registration contract has it written atomically.
            f(unsafe { info.width.load(addr.cast_const().cast()) })
        })
    }

    /// Reads the elements of values `values` of this simple group, in order, into the
    /// first slots of `out` (no more than `out` holds).
    pub(crate) fn read_run(&self, values: core::ops::Range<usize>, out: &mut [u64]) {
        let group = self.group;
        if group.dense && !group.base.is_null() {
            let Some(first) = group.info.get(values.start) else {
                return;
            };
            let n: usize = values.map(|i| group.elements(i)).sum();
            let fields = group
                .base
                .wrapping_byte_add(first.offset as usize)
                .cast::<u64>();
            for (k, slot) in out.iter_mut().take(n).enumerate() {
                // SAFETY: The group is live while `self` holds its active reference, so its
                // memory is valid. The group is dense: element `k` of the run is the
                // naturally aligned `u64` `k` fields after the run's first (checked aligned
                // by `Group::new`), written atomically by the registration contract.
                *slot = unsafe { fields.add(k).read_volatile() };
            }
            return;
        }
        let mut slots = out.iter_mut();
        for i in values {
            self.read_elements(i, |v| slots.next().map(|slot| *slot = v).is_some());
        }
    }

    /// Clears element `bucket` of value `i` of this simple group, if it can be cleared.
    pub(crate) fn clear(&self, i: usize, bucket: usize) {
        let Some((info, base)) = self.element(i, bucket) else {
            return;
        };
        if !info.clearable {
            return;
        }
        if info.width != Width::Custom {
            // SAFETY: The group is live while `self` holds its active reference, the field
            // is naturally aligned and written atomically by the registration contract.
            unsafe {
                info.width
                    .clear(base.wrapping_byte_add(info.offset as usize).cast())
            };
            return;
        }
        let Some(desc) = self.desc(i) else { return };
        if let Some(clear) = desc.ty().clear {
            // SAFETY: As for `read`.
            active::callback(|| unsafe { clear(desc.as_ptr(), base) });
        }
    }

    /// Element `bucket` of value `i`: read, or combined over the members for an aggregate
    /// in one pass.
    pub(crate) fn value(&self, i: usize, bucket: usize) -> u64 {
        if self.is_simple() {
            return self.read(i, bucket);
        }
        let Some(members) = self.group.members() else {
            return 0;
        };
        let Some(info) = self.group.info.get(i).copied() else {
            return 0;
        };
        if bucket >= usize::from(info.buckets).max(1) {
            return 0;
        }
        let mut acc = Accumulator::new(info.signed);
        if info.width == Width::Custom {
            members.pass_outside(|member| acc.add(member.read(i, bucket)));
            return acc.result(info.aggregation);
        }
        let offset = info.offset as usize + bucket * info.stride as usize;
        if info.aggregation == Aggregation::Sum && matches!(info.width, Width::U64 | Width::S64) {
            let mut sum = 0u64;
            // SAFETY: Each base is a member's, in a section (see `Members::pass_bases`);
            // the field at `offset` is a naturally aligned `u64` read atomically.
            members.pass_bases(|base| {
                sum = sum.wrapping_add(unsafe { base.add(offset).cast::<u64>().read_volatile() })
            });
            return sum;
        }
        // SAFETY: As above, for a field of this width.
        members.pass_bases(|base| acc.add(unsafe { info.width.load(base.wrapping_add(offset)) }));
        acc.result(info.aggregation)
    }

    /// Value `i` as the C API reads it: a single number, or the sum of a histogram's
    /// buckets (its number of samples), each bucket combined in the same pass.
    pub(crate) fn total(&self, i: usize) -> u64 {
        if self.buckets(i) == 0 {
            return self.value(i, 0);
        }
        if self.is_simple() {
            return (0..self.buckets(i)).fold(0u64, |sum, b| sum.wrapping_add(self.read(i, b)));
        }
        let mut values = KVec::new();
        if self.values(&mut values).is_err() {
            // Without memory for one pass, a pass per bucket.
            return (0..self.buckets(i)).fold(0u64, |sum, b| sum.wrapping_add(self.value(i, b)));
        }
        let first: usize = (0..i).map(|j| self.elements(j)).sum();
        values[first..first + self.buckets(i)]
            .iter()
            .fold(0u64, |sum, &v| sum.wrapping_add(v))
    }

    /// Every element of every value of this group, in one pass over the members for an
    /// aggregate: `out[k]` is element `k` of the group, values in order, each with
    /// [`Group::elements`] elements.
    pub(crate) fn values(&self, out: &mut KVec<u64>) -> Result {
        out.clear();
        let len = self.len;
        let elements: usize = (0..len).map(|i| self.elements(i)).sum();
        out.reserve(elements, GFP_KERNEL)?;
        if self.is_simple() {
            for i in 0..len {
                for bucket in 0..self.elements(i) {
                    out.push(self.read(i, bucket), GFP_KERNEL)?;
                }
            }
            return Ok(());
        }
        let group = self.group;
        let Some(members) = group.members() else {
            return Ok(());
        };
        let mut aggregation = KVec::with_capacity(elements, GFP_KERNEL)?;
        let mut signed = KVec::with_capacity(elements, GFP_KERNEL)?;
        for info in group.info.iter() {
            for _ in 0..usize::from(info.buckets).max(1) {
                aggregation.push(info.aggregation, GFP_KERNEL)?;
                signed.push(info.signed, GFP_KERNEL)?;
            }
        }
        if !group.all_inline() {
            let mut accs = KVec::with_capacity(elements, GFP_KERNEL)?;
            for &signed in signed.iter() {
                accs.push(Accumulator::new(signed), GFP_KERNEL)?;
            }
            members.pass_outside(|member| {
                let mut k = 0;
                for i in 0..len {
                    for bucket in 0..group.elements(i) {
                        accs[k].add(member.read(i, bucket));
                        k += 1;
                    }
                }
            });
            for (acc, &kind) in accs.iter().zip(aggregation.iter()) {
                out.push(acc.result(kind), GFP_KERNEL)?;
            }
            return Ok(());
        }
        // The plan: the summed 8-byte fields in a tight loop, the rest accumulated.
        let plan = &group.plan;
        let mut sums = KVec::with_capacity(plan.sum64.len(), GFP_KERNEL)?;
        sums.extend_with(plan.sum64.len(), 0u64, GFP_KERNEL)?;
        let mut accs = KVec::with_capacity(plan.other.len(), GFP_KERNEL)?;
        for &(element, _, _) in plan.other.iter() {
            accs.push(Accumulator::new(signed[element]), GFP_KERNEL)?;
        }
        members.pass_bases(|base| {
            for (sum, &(_, offset)) in sums.iter_mut().zip(plan.sum64.iter()) {
                // SAFETY: A member's base, in a section (see `Members::pass_bases`); the
                // field at `offset` is a naturally aligned `u64` read atomically.
                *sum = sum.wrapping_add(unsafe { base.add(offset).cast::<u64>().read_volatile() });
            }
            for (acc, &(_, offset, width)) in accs.iter_mut().zip(plan.other.iter()) {
                // SAFETY: As above, for a field of this width.
                acc.add(unsafe { width.load(base.wrapping_add(offset)) });
            }
        });
        out.extend_with(elements, 0, GFP_KERNEL)?;
        for (&sum, &(element, _)) in sums.iter().zip(plan.sum64.iter()) {
            out[element] = sum;
        }
        for (acc, &(element, _, _)) in accs.iter().zip(plan.other.iter()) {
            out[element] = acc.result(aggregation[element]);
        }
        Ok(())
    }

    /// Clears element `bucket` of value `i`: of every member for an aggregate.
    pub(crate) fn clear_value(&self, i: usize, bucket: usize) -> Result {
        if !self.clearable(i) {
            return Err(EPERM);
        }
        if self.is_simple() {
            self.clear(i, bucket);
            return Ok(());
        }
        if let Some(members) = self.group.members() {
            members.pass_outside(|member| member.clear(i, bucket));
        }
        Ok(())
    }
}
