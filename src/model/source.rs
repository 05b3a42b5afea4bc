// SPDX-License-Identifier: GPL-2.0

//! Sources: the nodes of the statistics tree.
//!
//! # References
//!
//! A source has two counts, as in statsfs v3:
//!
//! - Its *references* ([`SourceRef`]): held by the users of the API (C or Rust) and by the
//!   parent of a subordinate. When the last one goes, the source is torn down: revoked,
//!   removed from the root or its parent, and its references to its subordinates are put.
//! - The `Arc` count of its memory: every [`SourceRef`] holds one, and so do the root list
//!   and, later, whoever reads the source without owning it (an open file). So memory
//!   outlives teardown for as long as anybody can still look at it.
//!
//! # Shape
//!
//! Sources form a forest: a source hangs at the root (registered), under one parent, or
//! nowhere. All of that, and every source's groups, is protected by the tree lock
//! ([`crate::tree`]). Walks over a subtree are iterative (parent pointer plus position
//! among the siblings), so a chain of any depth costs no kernel stack.

use core::{
    mem::ManuallyDrop,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    ffi::c_void,
    prelude::*,
    rbtree::{
        RBTree,
        RBTreeNodeReservation, //
    },
    str::{
        CStr,
        CString, //
    },
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Release, //
        },
        Arc,
        ArcBorrow,
        Refcount, //
    },
    types::ForeignOwnable,
};

use crate::{
    accumulator::Accumulator,
    children::{
        Children,
        Reservation, //
    },
    name,
    tree::{
        self,
        Held,
        TreeLocked,
        WriteGuard, //
    },
    value::{
        Group,
        GroupId,
        StatsFsValue,
        HIDDEN, //
    },
};

/// The sources registered at the top of the file system; `None` until the first one.
///
/// Holds memory (`Arc`) but no reference: a registered source stays until its last
/// reference is put. An empty set holds no memory, so nothing is left when the module
/// unloads.
static ROOTS: TreeLocked<Option<Children<Arc<Source>>>> = TreeLocked::new(None);

/// Every source that has had value groups and is not torn down, by inode number: where a
/// module's unload looks for the groups it left behind ([`revoke_module`]).
static WITH_GROUPS: TreeLocked<Option<RBTree<u64, Arc<Source>>>> = TreeLocked::new(None);

/// The revision of the top of the file system's entries (see [`RevisionCell`]).
static ROOTS_REV: RevisionCell = RevisionCell::new();

/// Changes whenever a source leaves the tree (unregistered, removed from its parent, torn
/// down): the directories below it leave too, without their own revisions changing.
static UNLINKS: RevisionCell = RevisionCell::new();

/// A revision: see [`RevisionCell`]. Zero is never one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Revision(u64);

impl Revision {
    /// The value C keeps in a dentry (`d_time`, `d_fsdata`).
    pub(crate) fn get(self) -> u64 {
        self.0
    }
}

/// The revision of a directory's entries: it changes whenever the set of names the
/// directory holds may have changed (a subordinate or group added, removed or revoked).
///
/// A dentry remembers the revision of its directory, and of [`UNLINKS`], from when it was
/// last found valid; while both are unchanged it still is, and path walks can tell
/// without the tree lock, in RCU mode. The revision changes with the tree lock held for
/// writing, before it is released, so a lookup that starts after a change returns sees it.
pub(crate) struct RevisionCell(Atomic<u64>);

impl RevisionCell {
    const fn new() -> Self {
        Self(Atomic::new(1))
    }

    /// The current revision; readable without the tree lock.
    pub(crate) fn get(&self) -> Revision {
        Revision(self.0.load(Acquire))
    }

    /// Changes the revision. Called with the tree lock held for writing.
    fn bump(&self) {
        self.0.fetch_add(1, Release);
    }
}

/// What [`Source::unlink`] took out: the root list's `Arc`, or the parent's reference.
///
/// Only held to be dropped later, without the tree lock, hence the leading underscores.
#[derive(Default)]
struct Unlinked {
    _root: Option<Arc<Source>>,
    _child: Option<SourceRef>,
}

/// Where a source hangs in the forest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Not registered and nobody's subordinate.
    Detached,
    /// Registered: in [`ROOTS`].
    Root,
    /// A subordinate: in the parent's `children`.
    Child(NonNull<Source>),
}

/// The parts of a [`Source`] protected by the tree lock.
///
/// # Invariants
///
/// - If `place` is `Root`, [`ROOTS`] holds this source under its inode number; if it is
///   `Child(p)`, `p` points to a live source whose `children` hold it. A source's children
///   are detached (their `place` reset) before the source's last reference is dropped, so
///   `p` stays valid for as long as it is stored here.
/// - `dead_next` is only used during teardown, by the task tearing the source down.
struct SourceInner {
    groups: KVec<Group>,
    children: Children<SourceRef>,
    place: Place,
    dead_next: Option<Arc<Source>>,
    /// Whether [`WITH_GROUPS`] holds the source.
    listed: bool,
}

// SAFETY: The raw parent pointer in `place` is only dereferenced with the tree lock held,
// and is valid then (type invariant); everything else in `SourceInner` is `Send`.
unsafe impl Send for SourceInner {}
// SAFETY: As for `Send`: shared access to the parent pointer only happens under the tree
// lock, where the pointee is a live `Source`, which is `Sync`.
unsafe impl Sync for SourceInner {}

/// A source of statistics: a directory of values and subordinate sources.
pub(crate) struct Source {
    name: CString,
    flags: u32,
    ino: u64,
    rev: RevisionCell,
    refs: Refcount,
    inner: TreeLocked<SourceInner>,
}

/// One reference to a [`Source`] (the C API's `struct stats_fs_source *`).
///
/// Dropping the last reference tears the source down (see the module documentation).
/// Never drop one with the tree lock held: teardown takes it.
///
/// # Invariants
///
/// The reference is counted in `self.0.refs`.
pub(crate) struct SourceRef(Arc<Source>);

impl Source {
    /// Creates a detached source with one reference.
    pub(crate) fn new(name: CString, flags: u32) -> Result<SourceRef> {
        name::validate(name.to_bytes())?;
        if flags & !HIDDEN != 0 {
            return Err(EINVAL);
        }
        let source = Arc::new(
            Source {
                name,
                flags,
                ino: crate::ino::reserve(1),
                rev: RevisionCell::new(),
                refs: Refcount::new(1),
                inner: TreeLocked::new(SourceInner {
                    groups: KVec::new(),
                    children: Children::new(),
                    place: Place::Detached,
                    dead_next: None,
                    listed: false,
                }),
            },
            GFP_KERNEL,
        )?;
        // INVARIANT: `refs` starts at 1, for this reference.
        Ok(SourceRef(source))
    }

    /// The source's name.
    pub(crate) fn name(&self) -> &CStr {
        &self.name
    }

    /// Whether the source has a directory when its parent has (it is not hidden).
    pub(crate) fn is_visible(&self) -> bool {
        self.flags & HIDDEN == 0
    }

    /// Takes a new reference.
    pub(crate) fn new_ref(self: ArcBorrow<'_, Self>) -> SourceRef {
        self.refs.inc();
        // INVARIANT: We just counted the new reference.
        SourceRef(self.into())
    }

    /// Registers the source at the top of the file system.
    pub(crate) fn register(self: ArcBorrow<'_, Self>) -> Result {
        let reservation = Reservation::new()?;
        let mut guard = tree::write();
        let g = &mut guard;
        if self.inner.get(g).place != Place::Detached {
            return Err(EBUSY);
        }
        if self.is_visible()
            && Self::roots(g).is_some_and(|r| r.visible(self.name().to_bytes()).is_some())
        {
            return Err(EEXIST);
        }
        ROOTS
            .get_mut(g)
            .get_or_insert_with(Children::new)
            .insert(reservation, self.into());
        ROOTS_REV.bump();
        // INVARIANT: `ROOTS` holds this source.
        self.inner.get_mut(g).place = Place::Root;
        Ok(())
    }

    /// Adds a group of values. See `stats_fs_source_add_values()`.
    ///
    /// # Safety
    ///
    /// As for [`Group::new`].
    pub(crate) unsafe fn add_values(
        self: ArcBorrow<'_, Self>,
        values: *const StatsFsValue,
        base: *mut c_void,
        flags: u32,
    ) -> Result {
        // SAFETY: The caller's promise is `Group::new`'s requirement.
        let mut group = unsafe { Group::new(values, base, flags) }?;
        let listing = RBTreeNodeReservation::new(GFP_KERNEL)?;
        let mut guard = tree::write();
        let g = &mut guard;
        let inner = self.inner.get_mut(g);
        // A revoked pair may be added again (a new group); a live one only once.
        if inner
            .groups
            .iter()
            .any(|g| g.array() == values && g.base() == base && !g.is_revoked())
        {
            return Err(EEXIST);
        }
        inner.groups.reserve(1, GFP_KERNEL)?;
        group.number();
        inner.groups.push(group, GFP_KERNEL)?;
        if !inner.listed {
            inner.listed = true;
            let listed = WITH_GROUPS.get_mut(g).get_or_insert_with(RBTree::new);
            // Inode numbers are unique: nothing is replaced.
            listed.insert(listing.into_node(self.ino, self.into()));
        }
        self.rev.bump();
        Ok(())
    }

    /// Makes `child` a subordinate of `self`, which takes a reference to it.
    pub(crate) fn add_subordinate(
        self: ArcBorrow<'_, Self>,
        child: ArcBorrow<'_, Source>,
    ) -> Result {
        let child_ref = child.new_ref();
        let result = self.add_subordinate_ref(child_ref);
        // On failure the reference is dropped here, with the tree lock released.
        result.map_err(|(e, _child_ref)| e)
    }

    fn add_subordinate_ref(
        self: ArcBorrow<'_, Self>,
        child: SourceRef,
    ) -> core::result::Result<(), (Error, SourceRef)> {
        let reservation = match Reservation::new() {
            Ok(reservation) => reservation,
            Err(e) => return Err((e, child)),
        };
        let mut guard = tree::write();
        let g = &mut guard;
        if child.0.inner.get(g).place != Place::Detached {
            return Err((EBUSY, child));
        }
        // No cycles: `child` must not be `self` or one of its ancestors.
        if ancestors(&self, g).any(|s| ptr::eq(s, &*child)) {
            return Err((EINVAL, child));
        }
        if child.is_visible()
            && self
                .inner
                .get(g)
                .children
                .visible(child.name().to_bytes())
                .is_some()
        {
            return Err((EEXIST, child));
        }
        let child_arc = child.0.clone();
        let inner = self.inner.get_mut(g);
        inner.children.insert(reservation, child);
        self.rev.bump();
        // INVARIANT: `self.children` holds the child, and `self` stays live while it does
        // (it holds a reference only dropped after detaching its children).
        child_arc.inner.get_mut(g).place = Place::Child(NonNull::from(&*self));
        drop(guard);
        // Not the last `Arc`: `self.children` holds another.
        drop(child_arc);
        Ok(())
    }

    /// Removes `child` from `self`'s subordinates, if it is one, and puts the reference.
    pub(crate) fn remove_subordinate(&self, child: &Source) {
        let removed = {
            let mut guard = tree::write();
            match child.inner.get(&guard).place {
                Place::Child(p) if ptr::eq(p.as_ptr(), self) => child.unlink(&mut guard),
                _ => Unlinked::default(),
            }
        };
        // Dropped here, without the tree lock: the last reference tears the child down.
        drop(removed);
    }

    /// Removes the source from where it is published: unregisters it if it is a root, or
    /// removes it from its parent, putting the parent's reference. See
    /// `stats_fs_source_remove()`.
    pub(crate) fn remove(&self) {
        let removed = self.unlink(&mut tree::write());
        // Dropped here, without the tree lock: the parent's reference may be the last.
        drop(removed);
    }

    /// Takes the source out of the root list or its parent. What comes out must be dropped
    /// after the tree lock is released.
    fn unlink(&self, g: &mut WriteGuard) -> Unlinked {
        match self.inner.get(g).place {
            Place::Root => Unlinked {
                _root: take_root(g, self.ino),
                _child: None,
            },
            Place::Child(p) => {
                // SAFETY: By the invariant of `SourceInner` the parent is live while `place`
                // says so, and we hold the tree lock.
                let parent = unsafe { p.as_ref() };
                Unlinked {
                    _root: None,
                    _child: take_child(parent, g, self.ino),
                }
            }
            Place::Detached => Unlinked::default(),
        }
    }

    /// Revokes all of the source's groups: their memory is never touched again.
    pub(crate) fn revoke(&self) {
        let mut guard = tree::write();
        let inner = self.inner.get_mut(&mut guard);
        for group in inner.groups.iter_mut() {
            group.revoke();
        }
        keep_one_revoked_per_array(&mut inner.groups);
        // The revoked groups' files leave the directory.
        self.rev.bump();
        // Readers take the lock shared, so none is reading a revoked group now, and none
        // will: they check `revoked` under the lock.
    }

    /// Reads the value described by `val`. See `stats_fs_source_get_value()`.
    pub(crate) fn get_value(&self, val: *const StatsFsValue) -> Result<u64> {
        let guard = tree::read();
        let (group, i) = self.find(&guard, |grp| grp.index_of(val)).ok_or(ENOENT)?;
        Ok(self.total_of(&guard, group, i))
    }

    /// Reads the newest value called `name`. See `stats_fs_source_get_value_by_name()`.
    pub(crate) fn get_value_by_name(&self, name: &[u8]) -> Result<u64> {
        let guard = tree::read();
        let (group, i) = self
            .find(&guard, |grp| grp.index_by_name(name))
            .ok_or(ENOENT)?;
        Ok(self.total_of(&guard, group, i))
    }

    /// Clears the value described by `val` (every bucket of a histogram). See
    /// `stats_fs_source_clear()`.
    pub(crate) fn clear(&self, val: *const StatsFsValue) -> Result {
        let guard = tree::read();
        let (group, i) = self.find(&guard, |grp| grp.index_of(val)).ok_or(ENOENT)?;
        let buckets = group.desc(i).map_or(1, |d| d.buckets().max(1));
        (0..buckets).try_for_each(|bucket| self.clear_in(&guard, group, i, bucket))
    }

    /// The value of descriptor `i` of `group` as the C API reads it: a single number, or
    /// the sum of a histogram's buckets (its number of samples).
    fn total_of(&self, g: &impl Held, group: &Group, i: usize) -> u64 {
        match group.desc(i).map(|d| d.buckets()) {
            Some(buckets) if buckets > 0 => (0..buckets).fold(0u64, |sum, bucket| {
                sum.wrapping_add(self.value_of(g, group, i, bucket))
            }),
            _ => self.value_of(g, group, i, 0),
        }
    }

    /// This source's group `id`, if it still has it.
    pub(crate) fn group<'a>(&'a self, g: &'a impl Held, id: GroupId) -> Option<&'a Group> {
        self.inner.get(g).groups.iter().find(|grp| grp.id() == id)
    }

    /// Takes back the live group added from `values` with `base`. See
    /// `stats_fs_source_remove_values()`.
    pub(crate) fn remove_values(&self, values: *const StatsFsValue, base: *mut c_void) -> Result {
        let mut guard = tree::write();
        let inner = self.inner.get_mut(&mut guard);
        let i = inner
            .groups
            .iter()
            .position(|g| g.array() == values && g.base() == base && !g.is_revoked())
            .ok_or(ENOENT)?;
        // Out of the list under the lock held for writing: no reader is in the group, and
        // none finds it from now on. Its files leave the directory; open ones read 0.
        inner.groups.remove(i).map_err(|_| EINVAL)?;
        self.rev.bump();
        Ok(())
    }

    /// The inode number of the source's directory.
    pub(crate) fn ino(&self) -> u64 {
        self.ino
    }

    /// The revision of the source's directory entries; readable without the tree lock.
    pub(crate) fn revision(&self) -> Revision {
        self.rev.get()
    }

    /// The revision of the sources leaving the tree; readable without the tree lock.
    pub(crate) fn unlinks() -> Revision {
        UNLINKS.get()
    }

    /// Warns if a source is still registered: called as the module unloads, when every
    /// user of statsfs (each holds a reference on the module) has put its sources.
    pub(crate) fn warn_if_registered() {
        let guard = tree::read();
        let left = Self::roots(&guard).is_some_and(|roots| !roots.is_empty());
        kernel::warn_on!(left);
    }

    /// The revision of the entries of the top of the file system; readable without the
    /// tree lock.
    pub(crate) fn roots_revision() -> Revision {
        ROOTS_REV.get()
    }

    /// The source's value groups, oldest first.
    pub(crate) fn groups<'a>(&'a self, g: &'a impl Held) -> &'a [Group] {
        &self.inner.get(g).groups
    }

    /// The source's subordinates, by inode number (creation order).
    pub(crate) fn children<'a>(&'a self, g: &'a impl Held) -> &'a Children<SourceRef> {
        &self.inner.get(g).children
    }

    /// The registered sources, the entries of the top of the file system; `None` before
    /// the first registration.
    pub(crate) fn roots<'a>(g: &'a impl Held) -> Option<&'a Children<Arc<Source>>> {
        ROOTS.get(g).as_ref()
    }

    /// Whether the source is registered at the top of the file system.
    pub(crate) fn is_root(&self, g: &impl Held) -> bool {
        self.inner.get(g).place == Place::Root
    }

    /// Whether the source is a subordinate of `dir`.
    pub(crate) fn is_child_of(&self, dir: &Source, g: &impl Held) -> bool {
        matches!(self.inner.get(g).place, Place::Child(p) if ptr::eq(p.as_ptr(), dir))
    }

    /// The newest group for which `f` finds a descriptor, and that descriptor's index.
    fn find<'a>(
        &'a self,
        g: &'a impl Held,
        mut f: impl FnMut(&Group) -> Option<usize>,
    ) -> Option<(&'a Group, usize)> {
        self.inner
            .get(g)
            .groups
            .iter()
            .rev()
            .find_map(|grp| f(grp).map(|i| (grp, i)))
    }

    /// Element `bucket` (0 for a single number) of descriptor `i` of `group`, one of this
    /// source's groups; an aggregate combines that element over the subtree.
    pub(crate) fn value_of(&self, g: &impl Held, group: &Group, i: usize, bucket: usize) -> u64 {
        if group.is_simple() || group.is_revoked() {
            return group.read(i, bucket);
        }
        let Some(desc) = group.desc(i) else { return 0 };
        let mut acc = Accumulator::new(desc.signed());
        self.for_each_matching(g, group, |grp| acc.add(grp.read(i, bucket)));
        acc.result(desc.aggregation())
    }

    /// Clears element `bucket` of descriptor `i` of `group`, one of this source's groups.
    pub(crate) fn clear_in(&self, g: &impl Held, group: &Group, i: usize, bucket: usize) -> Result {
        if group.is_revoked() {
            // Nothing of it may be touched, and nothing is left to clear.
            return Ok(());
        }
        let desc = group.desc(i).ok_or(ENOENT)?;
        if !desc.clearable() {
            return Err(EPERM);
        }
        if group.is_simple() {
            group.clear(i, bucket);
        } else {
            self.for_each_matching(g, group, |grp| grp.clear(i, bucket));
        }
        Ok(())
    }

    /// Calls `f` on every live simple group in this subtree added from `aggregate`'s array.
    fn for_each_matching(&self, g: &impl Held, aggregate: &Group, mut f: impl FnMut(&Group)) {
        for_each_in_subtree(self, g, |source| {
            for grp in source.inner.get(g).groups.iter() {
                if grp.is_simple() && !grp.is_revoked() && grp.array() == aggregate.array() {
                    f(grp);
                }
            }
        });
    }
}

impl SourceRef {
    /// The source this reference is to.
    pub(crate) fn source(&self) -> &Arc<Source> {
        &self.0
    }

    /// Borrows the source's `Arc`, for the methods that take one.
    #[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
    pub(crate) fn borrow(&self) -> ArcBorrow<'_, Source> {
        self.0.as_arc_borrow()
    }

    /// Gives the reference to C as a `struct stats_fs_source *`: the source's `Arc` in
    /// foreign form, which C code borrows with `<Arc<Source> as ForeignOwnable>::borrow`.
    pub(crate) fn into_foreign(self) -> *mut c_void {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out once.
        let arc = unsafe { ptr::read(&this.0) };
        arc.into_foreign()
    }

    /// Takes back a reference given to C by [`SourceRef::into_foreign`].
    ///
    /// # Safety
    ///
    /// `ptr` came from [`SourceRef::into_foreign`], and the reference it stands for is not
    /// used again by whoever gave it.
    pub(crate) unsafe fn from_foreign(ptr: *mut c_void) -> Self {
        // SAFETY: `ptr` came from `Arc::into_foreign` in `into_foreign`, and is given back
        // once (safety requirement).
        // INVARIANT: The reference was counted when it was made and has not been dropped.
        SourceRef(unsafe { Arc::from_foreign(ptr) })
    }

    /// Gives up the reference without the teardown that dropping the last one does, and
    /// returns the memory reference with whether it was the last one.
    fn into_arc_and_put(self) -> (Arc<Source>, bool) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out once.
        let arc = unsafe { ptr::read(&this.0) };
        let last = arc.refs.dec_and_test();
        (arc, last)
    }
}

impl core::ops::Deref for SourceRef {
    type Target = Source;

    fn deref(&self) -> &Source {
        &self.0
    }
}

impl Drop for SourceRef {
    fn drop(&mut self) {
        if self.0.refs.dec_and_test() {
            let mut guard = tree::write();
            teardown(&mut guard, self.0.clone());
        }
    }
}

/// Revokes every live group that uses memory of `module`, which is unloading, and returns
/// how many it revoked.
///
/// # Safety
///
/// `module` is a `struct module` that is live for the duration of the call.
pub(crate) unsafe fn revoke_module(module: *const c_void) -> u32 {
    let mut guard = tree::write();
    let g = &mut guard;
    let mut revoked = 0;
    let mut from = 0;
    loop {
        let Some(source) = WITH_GROUPS
            .get(g)
            .as_ref()
            .and_then(|t| t.cursor_lower_bound(&from))
            .map(|c| c.current().1.clone())
        else {
            break;
        };
        from = source.ino + 1;
        let inner = source.inner.get_mut(g);
        let mut here = 0;
        for group in inner.groups.iter_mut() {
            // SAFETY: `module` is live (safety requirement).
            if !group.is_revoked() && unsafe { group.uses_module(module) } {
                group.revoke();
                here += 1;
            }
        }
        if here > 0 {
            keep_one_revoked_per_array(&mut inner.groups);
            // Their files leave the directory.
            source.rev.bump();
            revoked += here;
        }
        // Not the last `Arc`: `WITH_GROUPS` holds another.
        drop(source);
    }
    revoked
}

/// Drops revoked groups that another revoked group of the same descriptor array stands for:
/// one is enough for lookups by descriptor to find the array and read 0, so revoking and
/// adding a pair again, any number of times, does not grow the list.
fn keep_one_revoked_per_array(groups: &mut KVec<Group>) {
    // The arrays of the revoked groups, in order. Allocating under the tree lock is fine
    // (it sleeps); out of memory, every group is kept, which is only less compact.
    let mut arrays = KVec::new();
    for grp in groups.iter().filter(|grp| grp.is_revoked()) {
        if arrays.push(grp.array(), GFP_KERNEL).is_err() {
            return;
        }
    }
    let mut revoked_seen = 0;
    groups.retain(|grp| {
        if !grp.is_revoked() {
            return true;
        }
        let k = revoked_seen;
        revoked_seen += 1;
        // Kept if it is the first revoked group of its array.
        !arrays[..k].contains(&grp.array())
    });
}

/// Tears down a source whose last reference was just dropped, and the subordinates whose
/// last reference it held, iteratively.
///
/// Only `Arc`s that are provably not the last are dropped here, except that of a torn down
/// source, whose `Drop` frees memory and takes no lock.
fn teardown(g: &mut WriteGuard, first: Arc<Source>) {
    let mut work = Some(first);
    while let Some(source) = work.take() {
        let inner = source.inner.get_mut(g);
        work = inner.dead_next.take();
        for group in inner.groups.iter_mut() {
            group.revoke();
        }
        keep_one_revoked_per_array(&mut inner.groups);
        source.rev.bump();
        UNLINKS.bump();
        let place = inner.place;
        let listed = core::mem::replace(&mut inner.listed, false);
        let mut children = core::mem::replace(&mut inner.children, Children::new());
        inner.place = Place::Detached;
        if listed {
            let unlisted = WITH_GROUPS
                .get_mut(g)
                .as_mut()
                .and_then(|t| t.remove(&source.ino));
            // Not the last `Arc`: `source` is another.
            drop(unlisted);
        }
        // A source with references left in a parent is not torn down, so it is at most a root.
        if place == Place::Root {
            let root = take_root(g, source.ino);
            // Not the last `Arc`: `source` is another.
            drop(root);
        }
        while let Some(child) = children.pop_first() {
            child.0.inner.get_mut(g).place = Place::Detached;
            let (arc, last) = child.into_arc_and_put();
            if last {
                arc.inner.get_mut(g).dead_next = work.take();
                work = Some(arc);
            }
            // Otherwise dropping `arc` is not the last: somebody still holds a reference.
        }
        // Possibly the last `Arc`: `Source` has no `Drop` of its own, and its fields' drops
        // only free memory (its children were moved out above).
        drop(source);
    }
}

/// Takes the root with inode number `ino` out of [`ROOTS`] and detaches it.
fn take_root(g: &mut WriteGuard, ino: u64) -> Option<Arc<Source>> {
    let removed = ROOTS.get_mut(g).as_mut()?.remove(ino)?;
    ROOTS_REV.bump();
    UNLINKS.bump();
    removed.inner.get_mut(g).place = Place::Detached;
    Some(removed)
}

/// Takes the subordinate with inode number `ino` out of `parent` and detaches it.
fn take_child(parent: &Source, g: &mut WriteGuard, ino: u64) -> Option<SourceRef> {
    let inner = parent.inner.get_mut(g);
    let removed = inner.children.remove(ino)?;
    parent.rev.bump();
    UNLINKS.bump();
    removed.0.inner.get_mut(g).place = Place::Detached;
    Some(removed)
}

/// `source`'s parent, if it is a subordinate.
fn parent<'a>(source: &'a Source, g: &'a impl Held) -> Option<&'a Source> {
    match source.inner.get(g).place {
        // SAFETY: By the invariant of `SourceInner` the parent is live while `place` says
        // so, and `place` cannot change while `g` shows the tree lock held.
        Place::Child(p) => Some(unsafe { p.as_ref() }),
        _ => None,
    }
}

/// `source` and then each of its ancestors.
pub(crate) fn ancestors<'a>(
    source: &'a Source,
    g: &'a impl Held,
) -> impl Iterator<Item = &'a Source> {
    core::iter::successors(Some(source), move |s| parent(s, g))
}

/// Calls `f` on every source in the subtree of `root`, `root` first, in depth-first order
/// (children by inode number).
///
/// Iterative: it keeps no stack, moving down to the first child, across to the next
/// sibling (`O(log n)` in the parent's children), or back up, so any depth is fine.
pub(crate) fn for_each_in_subtree<'a, H: Held>(
    root: &'a Source,
    g: &'a H,
    mut f: impl FnMut(&'a Source),
) {
    let mut node = root;
    'down: loop {
        f(node);
        if let Some(first) = node.inner.get(g).children.first_from(0) {
            node = &**first;
            continue;
        }
        while !ptr::eq(node, root) {
            let Some(up) = parent(node, g) else { return };
            if let Some(sibling) = up.inner.get(g).children.first_from(node.ino + 1) {
                node = &**sibling;
                continue 'down;
            }
            node = up;
        }
        return;
    }
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
mod tests;
