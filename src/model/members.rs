// SPDX-License-Identifier: GPL-2.0

//! The members of an aggregate group: every live simple group its values combine.
//!
//! An aggregate group of a source combines, for each of its values, the simple groups in
//! the source's subtree that were added from the same descriptor array. Writers keep that
//! set up to date as groups come and go and subtrees move ([`super::source`]), so that a
//! read is one flat pass over the members, with no walk of the tree.
//!
//! # Slots
//!
//! The members sit in slots, in chunks of [`CHUNK`] that are linked once and never move
//! nor go until the aggregate does: a member keeps its slot while it is a member, a
//! freed slot is reused, and a pass over the chunks meets a member present for the whole
//! pass exactly once. Adding or removing a member is `O(1)`, a pass `O(slots)`.
//!
//! # Sections
//!
//! A reader reads the members of one chunk inside a *section*: preemption off, and counted
//! in the aggregate's [`Sections`]. Inside a section it reads the default types inline,
//! with plain loads, after checking that the member is live; it never calls a callback
//! there (a custom type's members are read outside, each under its own active reference).
//! A writer that takes a member out of a slot, or deactivates it, then waits for the
//! sections in progress on that aggregate (as SRCU does, with two counters and two flips),
//! before the slot's reference to the member is dropped: a section is at most
//! [`CHUNK`] loads, so that wait is short and bounded, and it is the only wait for
//! readers a member's removal has besides the member's own active references.
//!
//! This costs a reader two atomic operations per chunk rather than two per member (which
//! an active reference per member would cost), so that a sum over 10,000 groups costs
//! about what the same loop over a list costs in C.

use core::ptr;
use kernel::{
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Full,
            Relaxed,
            Release, //
        },
        Arc, ArcBorrow,
    },
};

use super::{
    group::{
        Group,
        Live, //
    },
    writer::{
        WriterGuard,
        WriterLocked, //
    },
};
use crate::glue::ffi;
use crate::model::GFP_PUBLISHER;

/// The slots of a chunk.
pub(crate) const CHUNK: usize = 64;

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

/// A chunk of slots, linked after the previous one. A slot is two pointers: the member,
/// and the base address of its values, which is all an inline read needs.
struct Chunk {
    slots: [Atomic<*const Group>; CHUNK],
    bases: [Atomic<*const u8>; CHUNK],
    next: Atomic<*const Chunk>,
}

/// The counts of readers inside a section, by the parity of the epoch they entered in.
struct Sections {
    epoch: Atomic<u32>,
    inside: [Atomic<i32>; 2],
}

/// The state of a member list that only writers use.
///
/// # Invariants
///
/// - `chunks` are the chunks linked from `head`, in order; slot `s` is slot `s % CHUNK` of
///   chunk `s / CHUNK`.
/// - A slot that is not null points to the group `held` holds for it; `free` lists the
///   null slots.
struct MembersWriter {
    chunks: KVec<KBox<Chunk>>,
    held: KVec<Option<Arc<Group>>>,
    free: KVec<usize>,
}

/// The members of one aggregate group.
///
/// # Invariants
///
/// A group a reader finds in a slot inside a section stays in memory until the reader
/// leaves the section: a writer that empties the slot waits for the sections in progress
/// ([`Members::sync`]) before it drops the slot's reference to the group.
pub(crate) struct Members {
    head: Atomic<*const Chunk>,
    sections: Sections,
    writer: WriterLocked<MembersWriter>,
}

// SAFETY: The raw pointers are to chunks the members own and to groups the slots hold
// references to (type invariants); groups are `Send` and `Sync`.
unsafe impl Send for Members {}
// SAFETY: As for `Send`: shared access only loads the atomics and reads groups through them.
unsafe impl Sync for Members {}

/// A reader inside a section of an aggregate's members.
///
/// # Invariants
///
/// While `index` is `Some(i)`, the reader is counted in `members.sections.inside[i]`, and
/// preemption is off.
pub(crate) struct Section<'a> {
    members: &'a Members,
    index: Option<usize>,
}

impl<'a> Section<'a> {
    /// Enters a section of `members`.
    fn enter(members: &'a Members) -> Self {
        let mut section = Self {
            members,
            index: None,
        };
        section.reenter();
        section
    }

    fn reenter(&mut self) {
        // SAFETY: No preconditions; paired with the enable in `leave`.
        unsafe { ffi::stats_fs_glue_preempt_disable() };
        let sections = &self.members.sections;
        let index = (sections.epoch.load(Relaxed) & 1) as usize;
        // Full: the member loads that follow are ordered after the count, which a writer
        // that deactivated a member before it looked at the count relies on.
        sections.inside[index].fetch_add(1, Full);
        // INVARIANT: Counted, with preemption off.
        self.index = Some(index);
    }

    fn leave(&mut self) {
        if let Some(index) = self.index.take() {
            // Release: the member loads of the section happen before a writer sees it over.
            self.members.sections.inside[index].fetch_sub(1, Release);
            // SAFETY: Paired with the disable in `reenter`.
            unsafe { ffi::stats_fs_glue_preempt_enable() };
        }
    }

    /// Runs `f` outside the section (for a callback, which may sleep), and enters a new
    /// one afterwards.
    fn outside<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.leave();
        let r = f();
        self.reenter();
        r
    }
}

impl Drop for Section<'_> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl Members {
    /// An empty member list. Allocates nothing.
    pub(crate) fn new() -> Self {
        Self {
            head: Atomic::new(ptr::null()),
            sections: Sections {
                epoch: Atomic::new(0),
                inside: [Atomic::new(0), Atomic::new(0)],
            },
            writer: WriterLocked::new(MembersWriter {
                chunks: KVec::new(),
                held: KVec::new(),
                free: KVec::new(),
            }),
        }
    }

    /// Calls `f` on every member, each inside a section, in slot order: a member present
    /// for the whole pass is met exactly once. `f` only reads inline; for a callback it
    /// calls [`Section::outside`].
    #[inline]
    pub(crate) fn pass(&self, mut f: impl FnMut(&Group, &mut Section<'_>)) {
        let mut chunk = self.head.load(Acquire);
        while !chunk.is_null() {
            // SAFETY: Linked chunks stay until the members are dropped, after every reader
            // (readers borrow them).
            let c = unsafe { &*chunk };
            let mut section = Section::enter(self);
            for slot in c.slots.iter() {
                // SAFETY: `READ_ONCE()` of the slot: an aligned pointer, which writers only
                // store atomically. The group it points to was made before it was stored
                // there (with release order), and what the reader then loads of it
                // depends on this pointer, which orders those loads after it (an address
                // dependency) on every architecture; the kernel's `Atomic` load would be a
                // call per member.
                let group = unsafe { slot.as_ptr().read_volatile() };
                if !group.is_null() {
                    // SAFETY: Found in a slot inside a section: in memory until the
                    // section ends (type invariant).
                    f(unsafe { &*group }, &mut section);
                }
            }
            drop(section);
            chunk = c.next.load(Acquire);
        }
    }

    /// Calls `f` with the base address of every member, inside sections, in slot order: the
    /// inline reads of an aggregate. The memory there stays valid until `f` returns: a
    /// member that is revoked or leaves is taken out of its slot, and the sections in
    /// progress are waited for, before the revocation returns.
    #[inline]
    pub(crate) fn pass_bases(&self, mut f: impl FnMut(*const u8)) {
        let mut chunk = self.head.load(Acquire);
        while !chunk.is_null() {
            // SAFETY: Linked chunks stay until the members are dropped, after every reader
            // (readers borrow them).
            let c = unsafe { &*chunk };
            let section = Section::enter(self);
            for base in c.bases.iter() {
                // SAFETY: `READ_ONCE()` of the slot, as in `pass`.
                let base = unsafe { base.as_ptr().read_volatile() };
                if !base.is_null() {
                    f(base);
                }
            }
            drop(section);
            chunk = c.next.load(Acquire);
        }
    }

    /// Calls `f` on every member that is live, outside any section and under the member's
    /// active reference, with a reference to its memory: for callbacks, which may sleep.
    pub(crate) fn pass_outside(&self, mut f: impl FnMut(&Live<'_>)) {
        self.pass(|member, section| {
            if !member.is_live() {
                return;
            }
            // SAFETY: `member` came from a slot, which holds a reference to it through
            // an `Arc`, and the section keeps that reference (type invariant): the count
            // is not zero, so a new reference may be taken.
            let member: Arc<Group> = unsafe { ArcBorrow::from_raw(ptr::from_ref(member)) }.into();
            section.outside(|| {
                if let Some(live) = member.live() {
                    f(&live);
                }
            });
        });
    }

    /// Waits until no reader is in a section that may have found a member before the
    /// caller took it out of its slot or deactivated it: after this, no reader reaches it
    /// through this list. Sections are a chunk of plain loads with preemption off, so this
    /// is short.
    fn sync(&self) {
        // Two flips, as SRCU: a reader that read the epoch before a flip and counted
        // itself after the wait saw that counter empty is found by the second one, or saw
        // what the caller did before it (the increment and the deactivation are both
        // fully ordered).
        for _ in 0..2 {
            let old = (self.sections.epoch.fetch_add(1, Full) & 1) as usize;
            while self.sections.inside[old].load(Acquire) != 0 {
                core::hint::spin_loop();
            }
        }
    }
}

/// Makes room in `aggregate`'s list for `extra` more members, so that as many [`join`]s
/// cannot fail; `aggregate` is an aggregate group.
pub(crate) fn reserve(aggregate: &Group, extra: usize, w: &mut WriterGuard) -> Result {
    let Some(members) = aggregate.members() else {
        return Ok(());
    };
    let state = members.writer.as_mut(w);
    while state.free.len() < extra {
        let chunk = KBox::new(
            Chunk {
                slots: [const { Atomic::new(ptr::null()) }; CHUNK],
                bases: [const { Atomic::new(ptr::null()) }; CHUNK],
                next: Atomic::new(ptr::null()),
            },
            GFP_PUBLISHER,
        )?;
        let first = state.chunks.len() * CHUNK;
        state.chunks.reserve(1, GFP_PUBLISHER)?;
        state.held.reserve(CHUNK, GFP_PUBLISHER)?;
        state.free.reserve(CHUNK, GFP_PUBLISHER)?;
        // Link it: readers may walk into it at once; its slots are null.
        let at: *const Chunk = &*chunk;
        match state.chunks.last() {
            Some(last) => last.next.store(at, Release),
            None => members.head.store(at, Release),
        }
        // Cannot fail: room was made above.
        let _ = state.chunks.push_within_capacity(chunk);
        for s in (first..first + CHUNK).rev() {
            let _ = state.held.push_within_capacity(None);
            let _ = state.free.push_within_capacity(s);
        }
    }
    Ok(())
}

/// Adds `member` to `aggregate`'s list; room was made by [`reserve`], and for the
/// membership by [`Group::reserve_memberships`].
pub(crate) fn join(aggregate: &Group, member: &Arc<Group>, w: &mut WriterGuard) {
    let Some(members) = aggregate.members() else {
        return;
    };
    let state = members.writer.as_mut(w);
    let Some(slot) = state.free.pop() else {
        // `reserve` was not called: a bug, caught in testing.
        kernel::warn_on!(true);
        return;
    };
    state.held[slot] = Some(member.clone());
    let chunk = &state.chunks[slot / CHUNK];
    chunk.slots[slot % CHUNK].store(Arc::as_ptr(member), Release);
    chunk.bases[slot % CHUNK].store(member.base().cast_const().cast(), Release);
    member.add_membership(Membership { aggregate, slot }, w);
}

/// Takes `member` out of the list of the aggregate its membership `m` is in, and waits
/// until no reader can still reach it through it.
pub(crate) fn leave(member: &Group, m: Membership, w: &mut WriterGuard) {
    // SAFETY: A membership's aggregate is valid while the membership exists (see the field),
    // and the writer lock is held.
    let aggregate = unsafe { &*m.aggregate };
    let Some(members) = aggregate.members() else {
        return;
    };
    let state = members.writer.as_mut(w);
    let chunk = &state.chunks[m.slot / CHUNK];
    let slot = &chunk.slots[m.slot % CHUNK];
    if slot.load(Relaxed) != ptr::from_ref(member) {
        kernel::warn_on!(true);
        return;
    }
    chunk.bases[m.slot % CHUNK].store(ptr::null(), Release);
    slot.store(ptr::null(), Release);
    members.sync();
    let held = state.held[m.slot].take();
    // Cannot fail: `free` has room for every slot.
    let _ = state.free.push_within_capacity(m.slot);
    // Not the member's last reference: its source's list or the revoker's `Retired` holds
    // another.
    drop(held);
}

/// Ends every membership in `aggregate`, which is being taken away, and empties its list.
pub(crate) fn clear(aggregate: &Group, w: &mut WriterGuard) {
    let Some(members) = aggregate.members() else {
        return;
    };
    let slots = members.writer.as_ref(w).held.len();
    for slot in 0..slots {
        let held = members.writer.as_mut(w).held[slot].clone();
        if let Some(member) = held {
            member.forget_membership(aggregate, w);
            let state = members.writer.as_mut(w);
            let chunk = &state.chunks[slot / CHUNK];
            chunk.bases[slot % CHUNK].store(ptr::null(), Release);
            chunk.slots[slot % CHUNK].store(ptr::null(), Release);
        }
    }
    members.sync();
    let state = members.writer.as_mut(w);
    for slot in 0..slots {
        if state.held[slot].take().is_some() {
            let _ = state.free.push_within_capacity(slot);
        }
    }
}

impl Membership {
    /// Whether this membership is in `aggregate`.
    pub(crate) fn is_in(&self, aggregate: &Group) -> bool {
        ptr::eq(self.aggregate, aggregate)
    }

    /// The aggregate this membership is in. Only writers call it, with the lock held.
    pub(crate) fn aggregate<'a>(&self, _w: &'a WriterGuard) -> &'a Group {
        // SAFETY: The aggregate is valid while the membership exists (see the field); the
        // writer lock, held for `'a`, keeps it from ending.
        unsafe { &*self.aggregate }
    }
}
