// SPDX-License-Identifier: GPL-2.0

//! The members of an aggregate group: every live simple group its values combine.
//!
//! An aggregate group of a source combines, for each of its values, the simple groups in
//! the source's subtree that were added from the same descriptor array. Writers keep that
//! set up to date as groups come and go and subtrees move ([`super::source`]), so that a
//! read is one flat pass over the members, with no walk of the tree.
//!
//! The set is a list of versions. Readers take the current version (a reference count,
//! under a spinlock held for just that) and read its slots without any lock; writers
//! append to it and clear slots in place, and make a new, compacted version when it is full
//! or mostly cleared. A version holds a reference to every group ever put in its slots, so
//! a group a reader found in a slot stays in memory while the reader holds the version,
//! even if a writer cleared the slot meanwhile; whether the group may still be *read* is its
//! active reference's business ([`super::active`]). So:
//!
//! - a group present for a whole pass is read exactly once (its slot does not move within
//!   a version);
//! - a group that leaves during a pass may be read or not, and one that joins may be seen
//!   or not;
//! - adding or removing a member costs `O(1)` amortised, and a pass `O(members)`.
//!
//! Each member remembers its memberships (the aggregate and the slot), so that it can leave
//! them in `O(memberships)`; a compaction renumbers the slots and updates those records.

use kernel::{
    alloc::KVVec,
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Relaxed,
            Release, //
        },
        new_spinlock, Arc, SpinLock,
    },
};

use super::{
    group::Group,
    writer::{
        WriterGuard,
        WriterLocked, //
    },
};

/// A membership of a simple group: the aggregate it counts in and its slot there.
#[derive(Clone, Copy)]
pub(crate) struct Membership {
    /// The aggregate group, for identity. It stays valid while the membership exists: an
    /// aggregate ends its members' memberships before it goes ([`clear`]).
    aggregate: *const Group,
    slot: usize,
}

// SAFETY: The aggregate pointer is only compared and dereferenced by writers, under the
// writer lock, while it is valid (see the field).
unsafe impl Send for Membership {}

/// One version of a member list.
///
/// # Invariants
///
/// - `slots` and `held` have the same length, the version's capacity; slots from `len` on
///   are null and their `held` entries `None`.
/// - A non-null slot points to the group that `held` holds at the same index; a cleared
///   slot's group is still held, so a pointer loaded from a slot stays valid for as long as
///   the version lives.
/// - `live` counts the non-null slots.
struct Version {
    slots: KVVec<Atomic<*const Group>>,
    len: Atomic<usize>,
    held: WriterLocked<KVVec<Option<Arc<Group>>>>,
    live: WriterLocked<usize>,
}

// SAFETY: The slots are atomics of pointers to `Group`s, which are `Send` and `Sync`, kept
// alive by `held`; the rest is `Send` and `Sync` on its own.
unsafe impl Send for Version {}
// SAFETY: As for `Send`: shared access only loads the atomics and reads groups through them.
unsafe impl Sync for Version {}

impl Version {
    /// An empty version with room for `cap` members.
    fn new(cap: usize) -> Result<Arc<Self>> {
        Self::from_parts(KVVec::new(), KVVec::new(), cap)
    }

    /// A version whose first slots hold `held`'s groups, with room for `cap` members.
    fn from_parts(
        mut slots: KVVec<Atomic<*const Group>>,
        mut held: KVVec<Option<Arc<Group>>>,
        cap: usize,
    ) -> Result<Arc<Self>> {
        let len = held.len();
        slots.reserve(cap.saturating_sub(slots.len()), GFP_KERNEL)?;
        held.reserve(cap.saturating_sub(held.len()), GFP_KERNEL)?;
        while held.len() < cap {
            slots.push(Atomic::new(core::ptr::null()), GFP_KERNEL)?;
            held.push(None, GFP_KERNEL)?;
        }
        // INVARIANT: The first `len` slots point to the groups `held` holds, the others are
        // null with `None` beside them.
        Ok(Arc::new(
            Self {
                slots,
                len: Atomic::new(len),
                held: WriterLocked::new(held),
                live: WriterLocked::new(len),
            },
            GFP_KERNEL,
        )?)
    }

    fn cap(&self) -> usize {
        self.slots.len()
    }

    /// The groups in the slots, in slot order; cleared slots are skipped.
    fn iter(&self) -> impl Iterator<Item = &Group> {
        let len = self.len.load(Acquire);
        self.slots[..len].iter().filter_map(|slot| {
            let group = slot.load(Acquire);
            // SAFETY: A non-null slot points to a group `held` keeps alive as long as this
            // version, which `self` borrows (type invariant).
            (!group.is_null()).then(|| unsafe { &*group })
        })
    }
}

/// The members of one aggregate group.
#[pin_data]
pub(crate) struct Members {
    #[pin]
    current: SpinLock<Arc<Version>>,
}

/// A reader's view of a member list: a version, kept while the reader holds it.
pub(crate) struct Snapshot(Arc<Version>);

impl Snapshot {
    /// The members, in slot order; each present for the whole pass is met exactly once.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Group> {
        self.0.iter()
    }
}

impl Members {
    /// An empty member list.
    pub(crate) fn new() -> Result<impl PinInit<Self>> {
        let empty = Version::new(0)?;
        Ok(pin_init!(Self {
            current <- new_spinlock!(empty, "Members::current"),
        }))
    }

    /// The members as they are now, for one pass.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(self.current.lock().clone())
    }

    fn version(&self) -> Arc<Version> {
        self.current.lock().clone()
    }

    /// Publishes `version`, compacted from the current one, and tells each member its new
    /// slot.
    fn publish(&self, aggregate: &Group, version: Arc<Version>, w: &mut WriterGuard) {
        for slot in 0..version.len.load(Relaxed) {
            let member = version.held.as_ref(w)[slot].clone();
            if let Some(member) = member {
                member.move_membership(aggregate, slot, w);
            }
        }
        // The old version is dropped here, or by the last reader still holding it.
        drop(core::mem::replace(&mut *self.current.lock(), version));
    }

    /// Makes a version holding the live members of `old`, with room for `cap`.
    fn compacted(old: &Version, cap: usize, w: &WriterGuard) -> Result<Arc<Version>> {
        let live = *old.live.as_ref(w);
        let mut slots = KVVec::with_capacity(cap.max(live), GFP_KERNEL)?;
        let mut held = KVVec::with_capacity(cap.max(live), GFP_KERNEL)?;
        for (slot, member) in old.slots.iter().zip(old.held.as_ref(w).iter()) {
            match member {
                Some(member) if !slot.load(Relaxed).is_null() => {
                    slots.push(Atomic::new(Arc::as_ptr(member)), GFP_KERNEL)?;
                    held.push(Some(member.clone()), GFP_KERNEL)?;
                }
                _ => {}
            }
        }
        Version::from_parts(slots, held, cap)
    }
}

/// Makes room in `aggregate`'s list for `extra` more members, so that as many [`join`]s
/// cannot fail; `aggregate` is an aggregate group.
pub(crate) fn reserve(aggregate: &Group, extra: usize, w: &mut WriterGuard) -> Result {
    let Some(members) = aggregate.members() else {
        return Ok(());
    };
    let current = members.version();
    if current.len.load(Relaxed) + extra <= current.cap() {
        return Ok(());
    }
    let live = *current.live.as_ref(w);
    let cap = (live + extra).saturating_mul(2).max(8);
    let new = Members::compacted(&current, cap, w)?;
    members.publish(aggregate, new, w);
    Ok(())
}

/// Adds `member` to `aggregate`'s list; room was made by [`reserve`], and for the
/// membership by [`Group::reserve_memberships`].
pub(crate) fn join(aggregate: &Group, member: &Arc<Group>, w: &mut WriterGuard) {
    let Some(members) = aggregate.members() else {
        return;
    };
    let current = members.version();
    let slot = current.len.load(Relaxed);
    if slot >= current.cap() {
        // `reserve` was not called: a bug, caught in testing.
        kernel::warn_on!(true);
        return;
    }
    current.held.as_mut(w)[slot] = Some(member.clone());
    current.slots[slot].store(Arc::as_ptr(member), Release);
    current.len.store(slot + 1, Release);
    *current.live.as_mut(w) += 1;
    member.add_membership(Membership { aggregate, slot }, w);
}

/// Takes `member` out of the list of the aggregate its membership `m` is in.
pub(crate) fn leave(member: &Group, m: Membership, w: &mut WriterGuard) {
    // SAFETY: A membership's aggregate is valid while the membership exists (see the field),
    // and the writer lock is held.
    let aggregate = unsafe { &*m.aggregate };
    let Some(members) = aggregate.members() else {
        return;
    };
    let current = members.version();
    if current.slots[m.slot].load(Relaxed) != core::ptr::from_ref(member) {
        kernel::warn_on!(true);
        return;
    }
    current.slots[m.slot].store(core::ptr::null(), Release);
    let live = current.live.as_mut(w);
    *live -= 1;
    let live = *live;
    // Mostly cleared: a compacted version makes passes shorter. Only an optimisation, so
    // without memory the list stays as it is.
    let len = current.len.load(Relaxed);
    if len > 16 && live * 2 < len {
        if let Ok(new) = Members::compacted(&current, (live * 2).max(8), w) {
            members.publish(aggregate, new, w);
        }
    }
}

/// Ends every membership in `aggregate`, which is being taken away, and empties its list.
pub(crate) fn clear(aggregate: &Group, w: &mut WriterGuard) {
    let Some(members) = aggregate.members() else {
        return;
    };
    let current = members.version();
    for slot in 0..current.len.load(Relaxed) {
        let member = current.held.as_ref(w)[slot].clone();
        if let Some(member) = member {
            member.forget_membership(aggregate, w);
        }
    }
    // Readers still holding the old version keep its groups in memory until they are done.
    if let Ok(empty) = Version::new(0) {
        drop(core::mem::replace(&mut *members.current.lock(), empty));
    } else {
        // Without memory for an empty version, clear the slots in place.
        for slot in current.slots.iter() {
            slot.store(core::ptr::null(), Release);
        }
        *current.live.as_mut(w) = 0;
    }
}

impl Membership {
    /// Whether this membership is in `aggregate`.
    pub(crate) fn is_in(&self, aggregate: &Group) -> bool {
        core::ptr::eq(self.aggregate, aggregate)
    }

    /// The aggregate this membership is in. Only writers call it, with the lock held.
    pub(crate) fn aggregate<'a>(&self, _w: &'a WriterGuard) -> &'a Group {
        // SAFETY: The aggregate is valid while the membership exists (see the field); the
        // writer lock, held for `'a`, keeps it from ending.
        unsafe { &*self.aggregate }
    }

    /// Moves the membership to `slot` of the same aggregate.
    pub(crate) fn set_slot(&mut self, slot: usize) {
        self.slot = slot;
    }
}
