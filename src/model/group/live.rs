// SPDX-License-Identifier: GPL-2.0

//! What a live group reads: its descriptors, its values, and an aggregate's values in one
//! pass over its members.

use core::cmp::Ordering;
use kernel::prelude::*;

use super::{
    super::{
        accumulator::Accumulator,
        active, //
    },
    Aggregation,
    Desc,
    Info,
    Live,
    Width,
    SNAPSHOT_MAX, //
};

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

    /// The name of value `i` (empty if `i >= len`), without measuring the C string.
    pub(crate) fn name(&self, i: usize) -> &'a [u8] {
        match (self.desc(i), self.group.info.get(i)) {
            (Some(desc), Some(info)) => desc.name_of_len(info.name_len),
            _ => &[],
        }
    }

    /// The index of the first descriptor called `name`.
    pub(crate) fn index_by_name(&self, name: &[u8]) -> Option<usize> {
        let by_name = &self.group.by_name;
        let key = |i: u16| self.name(usize::from(i));
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

    /// A reader of this simple group: for a group read through a snapshot, the snapshot is
    /// taken now, once, and every read of the reader sees it.
    pub(crate) fn reader(&self) -> Reader<'_, 'a> {
        let snapshot = self.group.snapshot.and_then(|snapshot| {
            if self.group.base.is_null() {
                return None;
            }
            let mut buf = [0u64; SNAPSHOT_MAX / 8];
            // SAFETY: The group is live while `self` holds its active reference, so its base
            // is what the publisher registered with the function, and `buf` has room for
            // the `snapshot.size <= SNAPSHOT_MAX` bytes it writes (checked by `Group::new`).
            active::callback(|| unsafe {
                (snapshot.take)(self.group.base, buf.as_mut_ptr().cast())
            });
            Some(buf)
        });
        Reader {
            live: self,
            snapshot,
        }
    }

    /// Reads element `bucket` (0 for a single number) of value `i` of this simple group.
    #[inline]
    pub(crate) fn read(&self, i: usize, bucket: usize) -> u64 {
        if self.group.snapshot.is_some() {
            return self.reader().read(i, bucket);
        }
        self.read_memory(i, bucket)
    }

    /// Reads element `bucket` of value `i` from the publisher's memory.
    #[inline]
    fn read_memory(&self, i: usize, bucket: usize) -> u64 {
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

    /// Reads every element of value `i` of this simple group from the publisher's memory, in
    /// order, giving each to `f` until it returns `false`; returns `false` then. A value the
    /// group does not have (or whose memory is not there) reads as its elements of zero.
    #[inline]
    fn read_elements_memory(&self, i: usize, mut f: impl FnMut(u64) -> bool) -> bool {
        let Some(&info) = self.group.info.get(i) else {
            return true;
        };
        let elements = usize::from(info.buckets).max(1);
        if info.width == Width::Custom || self.group.base.is_null() {
            return (0..elements).all(|bucket| f(self.read_memory(i, bucket)));
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

    /// [`Reader::read_run`] from the publisher's memory when this simple group is dense:
    /// the elements of values `values`, in order, into the first slots of `out` (no more
    /// than `out` holds), copied in one pass. Returns `false`, having read nothing, when
    /// the group is not dense.
    fn read_dense_run(&self, values: core::ops::Range<usize>, out: &mut [u64]) -> bool {
        let group = self.group;
        if !group.dense || group.base.is_null() {
            return false;
        }
        let Some(first) = group.info.get(values.start) else {
            return true;
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
        true
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
        if info.width == Width::Custom || self.group.snapshot.is_some() {
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
            let reader = self.reader();
            for i in 0..len {
                for bucket in 0..self.elements(i) {
                    out.push(reader.read(i, bucket), GFP_KERNEL)?;
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
                // One snapshot of the member, for a group read through one.
                let reader = member.reader();
                let mut k = 0;
                for i in 0..len {
                    for bucket in 0..group.elements(i) {
                        accs[k].add(reader.read(i, bucket));
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

/// A live simple group, as one read sees it: its values straight from the publisher's
/// memory, or from one snapshot taken when the reader was made ([`Live::reader`]).
pub(crate) struct Reader<'l, 'a> {
    live: &'l Live<'a>,
    snapshot: Option<[u64; SNAPSHOT_MAX / 8]>,
}

impl Reader<'_, '_> {
    /// Element `bucket` of value `i`, read from the snapshot: 0 for an element the value
    /// does not have.
    fn from_snapshot(snapshot: &[u64; SNAPSHOT_MAX / 8], info: Info, bucket: usize) -> u64 {
        if bucket >= usize::from(info.buckets).max(1) {
            return 0;
        }
        let at = info.offset as usize + bucket * info.stride as usize;
        // Checked by `Group::new`: the element lies in the snapshot, naturally aligned.
        let addr = snapshot.as_ptr().cast::<u8>().wrapping_add(at);
        // SAFETY: `addr` is in `snapshot`, which `&self` borrows, naturally aligned for the
        // width (the buffer is 8-byte aligned), and only this task touches the buffer.
        unsafe { info.width.load(addr) }
    }

    /// Element `bucket` (0 for a single number) of value `i`.
    pub(crate) fn read(&self, i: usize, bucket: usize) -> u64 {
        match (&self.snapshot, self.live.group.info.get(i)) {
            (Some(snapshot), Some(&info)) => Self::from_snapshot(snapshot, info, bucket),
            (Some(_), None) => 0,
            (None, _) => self.live.read_memory(i, bucket),
        }
    }

    /// Every element of value `i` in order, given to `f` until it returns `false`; returns
    /// `false` then.
    pub(crate) fn read_elements(&self, i: usize, mut f: impl FnMut(u64) -> bool) -> bool {
        let Some(snapshot) = &self.snapshot else {
            return self.live.read_elements_memory(i, f);
        };
        let Some(&info) = self.live.group.info.get(i) else {
            return true;
        };
        (0..usize::from(info.buckets).max(1))
            .all(|bucket| f(Self::from_snapshot(snapshot, info, bucket)))
    }

    /// The elements of values `values`, in order, into the first slots of `out`.
    pub(crate) fn read_run(&self, values: core::ops::Range<usize>, out: &mut [u64]) {
        if self.snapshot.is_none() && self.live.read_dense_run(values.clone(), out) {
            return;
        }
        let mut slots = out.iter_mut();
        for i in values {
            self.read_elements(i, |v| slots.next().map(|slot| *slot = v).is_some());
        }
    }
}
