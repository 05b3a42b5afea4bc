// SPDX-License-Identifier: GPL-2.0

//! Value groups: an array of value descriptors and the base address its values are read at.
//!
//! About 580 lines: most of it is [`Group::new`]'s check of every field of every
//! descriptor a publisher hands in, which is kept in one place on purpose.
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
//! Here: making and checking a group, and what writers keep in it. What a read does is in
//! [`live`], a descriptor's view in [`desc`], the inline widths in [`width`].
//!
//! C header: [`include/linux/stats_fs.h`](srctree/include/linux/stats_fs.h)

use core::{
    cmp::Ordering,
    num::NonZeroU64,
    ptr, //
};
use kernel::{bindings, ffi::c_void, prelude::*, str::CStr, sync::Arc};

use super::{
    active::{
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
use crate::model::GFP_PUBLISHER;

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

mod desc;
mod live;
mod width;

pub(crate) use desc::Desc;
pub(crate) use width::Width;

/// Upper bound on the length of one descriptor array, to stop a runaway scan of an array
/// whose terminator is missing before it walks off into unrelated memory for long.
const MAX_VALUES_PER_GROUP: usize = 4096;

/// The default types, by address: which objects the C API exports as `stats_fs_type_*` and
/// how each is read. The model reads values of these types inline.
pub(crate) type DefaultTypes = [(&'static StatsFsType, Width)];

/// The publisher's function that copies a group's values, at one moment, into a buffer:
/// given the group's base and the buffer. See `stats_fs_source_add_snapshot()`.
pub(crate) type SnapshotFn = unsafe extern "C" fn(base: *mut c_void, buf: *mut c_void);

/// The largest snapshot, in bytes: a buffer on a reader's stack.
pub(crate) use crate::abi::SNAPSHOT_MAX;

/// How the values of a group are read at one moment: `take` copies them into a buffer of
/// `size` bytes, where they are read as from the publisher's memory, at their offsets.
#[derive(Clone, Copy)]
pub(crate) struct Snapshot {
    pub(crate) take: SnapshotFn,
    pub(crate) size: usize,
}

impl Snapshot {
    /// Whether two groups are read through the same function.
    fn same(a: Option<Snapshot>, b: Option<Snapshot>) -> bool {
        a.map(|s| s.take as usize) == b.map(|s| s.take as usize)
    }
}

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
    /// The length of the value's name: at most [`name::NAME_MAX`], checked, so that name
    /// lookups compare bytes without measuring the C string each time.
    name_len: u8,
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
    /// How the values are read at one moment, for a group added with a snapshot function
    /// (and for its aggregates).
    snapshot: Option<Snapshot>,
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
        snapshot: Option<Snapshot>,
    ) -> Result<Arc<Self>> {
        if !is_usable(values) || is_err(base) || flags & !HIDDEN != 0 {
            return Err(EINVAL);
        }
        if snapshot
            .is_some_and(|s| !(1..=SNAPSHOT_MAX).contains(&s.size) || is_err(s.take as *const u8))
        {
            return Err(EINVAL);
        }
        let mut info = KVec::new();
        let mut max_buckets = 0;
        let mut owners = Owners::new()?;
        owners.add(values as usize)?;
        owners.add(snapshot.map_or(0, |s| s.take as usize))?;
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
            let entry = match snapshot {
                // Read from the snapshot: checked against its buffer, not `base`.
                Some(snapshot) => Self::check_in_snapshot(v, snapshot, defaults)?,
                None => Self::check(v, base, defaults)?,
            };
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
            info.push(entry, GFP_PUBLISHER)?;
        }
        let len = info.len();
        let mut by_name = KVec::with_capacity(len, GFP_PUBLISHER)?;
        let name_of = |i: u16| -> &[u8] {
            let i = usize::from(i);
            let Some(checked) = info.get(i) else {
                return &[];
            };
            // SAFETY: Descriptor `i` was checked above (it has an `Info`), so its name is a
            // valid string of `name_len` bytes, which outlives the group (safety requirement).
            unsafe {
                core::slice::from_raw_parts(
                    (*values.add(i)).name.cast::<u8>(),
                    usize::from(checked.name_len),
                )
            }
        };
        // An insertion sort, by name and then by index: a few dozen names, once per group
        // (and no panicking path, which `sort_unstable_by` has).
        for i in 0..len {
            // `len <= MAX_VALUES_PER_GROUP`, which fits.
            let i = i as u16;
            let at =
                by_name.partition_point(|&j: &u16| name_of(j).cmp(name_of(i)) != Ordering::Greater);
            by_name.insert_within_capacity(at, i).map_err(|_| ENOMEM)?;
        }
        let dense = Self::is_dense(&info);
        let (members, plan) = if base.is_null() {
            (
                Some(KBox::new(Members::new(), GFP_PUBLISHER)?),
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
                snapshot,
                writer: WriterLocked::new(GroupWriter {
                    memberships: KVec::new(),
                    owner: ptr::null(),
                    filing: Filing::default(),
                }),
            },
            GFP_PUBLISHER,
        )?)
    }

    /// Checks one descriptor of a group read through `snapshot`: a default type, whose
    /// elements lie in the snapshot, naturally aligned in it (the buffer is 8-byte aligned);
    /// it cannot be cleared.
    fn check_in_snapshot(
        v: &StatsFsValue,
        snapshot: Snapshot,
        defaults: &DefaultTypes,
    ) -> Result<Info> {
        let mut info = Self::check(v, ptr::null_mut(), defaults)?;
        let size = info.width.size().ok_or(EINVAL)?;
        let elements = usize::from(info.buckets).max(1);
        let end = (elements - 1)
            .checked_mul(info.stride as usize)
            .and_then(|last| last.checked_add(info.offset as usize + size))
            .ok_or(EINVAL)?;
        if end > snapshot.size || (info.stride as usize) % size != 0 {
            return Err(EINVAL);
        }
        info.clearable = false;
        Ok(info)
    }

    /// Checks one descriptor of a group with base `base`; returns what reads need of it.
    fn check(v: &StatsFsValue, base: *mut c_void, defaults: &DefaultTypes) -> Result<Info> {
        if is_err(v.name) || !is_usable(v.type_) || v.show.is_some_and(|f| is_err(f as *const u8)) {
            return Err(EINVAL);
        }
        // SAFETY: A non-null name is a valid C string (safety requirement of `new`).
        let name = unsafe { CStr::from_char_ptr(v.name) };
        name::validate(name.to_bytes())?;
        // `validate` allows at most `NAME_MAX` (255) bytes.
        let name_len = u8::try_from(name.to_bytes().len()).map_err(|_| EINVAL)?;
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
            name_len,
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
                    plan.sum64.push((element, offset), GFP_PUBLISHER)?;
                } else {
                    plan.other.push((element, offset, i.width), GFP_PUBLISHER)?;
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

    /// Whether every value of the group is of a default type, read inline: not through a
    /// custom type, nor from a snapshot.
    fn all_inline(&self) -> bool {
        self.snapshot.is_none() && self.info.iter().all(|info| info.width != Width::Custom)
    }

    /// Whether this aggregate group combines `member`: a simple group added from the same
    /// descriptor array, read the same way (through the same snapshot function, or none).
    pub(crate) fn combines(&self, member: &Group) -> bool {
        self.values == member.values && Snapshot::same(self.snapshot, member.snapshot)
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
            .reserve(extra, GFP_PUBLISHER)?)
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
