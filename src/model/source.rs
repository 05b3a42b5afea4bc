// SPDX-License-Identifier: GPL-2.0

//! Sources: the nodes of the statistics tree.
//!
//! About 540 lines: every writer of the model starts here (its helpers are in
//! [`links`], [`teardown`] and [`retired`]), with the reference rules they share.
//!
//! # References
//!
//! A source has two counts, as in statsfs v3:
//!
//! - Its *references* ([`SourceRef`]): held by the users of the API (C or Rust) and by the
//!   parent of a subordinate. When the last one goes, the source is torn down: removed
//!   from the root or its parent, its groups revoked, its references to its subordinates
//!   put ([`teardown`]).
//! - The `Arc` count of its memory: every [`SourceRef`] holds one, and so do the roots'
//!   list, its subordinates (for their parent) and whoever reads it without owning it (a
//!   file system node). So memory outlives teardown for as long as anybody can still look
//!   at it, and is only ever freed in process context ([`crate::fs`] defers it).
//!
//! # Shape, and who may touch what
//!
//! What readers need of a source sits in its [`Shape`], behind a mutex that is only ever
//! held for a lookup or an update of the shape itself, never across a callback or a
//! walk: its subordinates (by name and inode number), its value groups, its parent and
//! whether it has a directory. What only writers need (where it hangs) sits in a
//! [`WriterLocked`] cell. Writers are serialised by the writer lock ([`super::writer`]),
//! so the two views agree whenever a writer looks.
//!
//! Walks over a subtree are iterative (parent plus position among the siblings), so a
//! chain of any depth costs no kernel stack.

use core::ptr;
use kernel::{
    bindings,
    ffi::c_void,
    prelude::*,
    str::{
        CStr,
        CString, //
    },
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        new_mutex,
        Arc,
        ArcBorrow,
        Mutex,
        Refcount, //
    },
    types::ForeignOwnable,
};

use super::{
    children::{
        Children,
        Reservation, //
    },
    group::{
        DefaultTypes,
        Group,
        Snapshot,
        StatsFsValue,
        HIDDEN, //
    },
    name,
    revision::RevisionCell,
    roots::{
        self,
        View, //
    },
    view::DirView,
    writer::{
        self,
        WriterGuard,
        WriterLocked, //
    },
};
use crate::model::GFP_PUBLISHER;

mod links;
mod notice;
mod retired;
mod teardown;

pub(crate) use retired::Retired;

/// Where a source hangs in the forest.
#[derive(Clone)]
enum Place {
    /// Not registered and nobody's subordinate.
    Detached,
    /// Registered: in the roots' list.
    Root,
    /// A subordinate: in the parent's children, which hold a reference to it.
    Child(Arc<Source>),
}

/// The state of a source that only writers use.
///
/// # Invariants
///
/// - `place` says where the source hangs: if `Root`, the roots' list holds it; if
///   `Child(p)`, `p`'s children hold it and its shape's `parent` is `p`.
/// - `dead_next` is only used during teardown, by the task tearing the source down.
struct SourceWriter {
    place: Place,
    dead_next: Option<Arc<Source>>,
}

/// What readers need of a source, under its `shape` lock.
pub(crate) struct Shape {
    children: Children<SourceRef>,
    groups: KVec<Arc<Group>>,
    parent: Option<Arc<Source>>,
    in_tree: bool,
    /// Whether two entries of the directory share a name, so that one hides the other:
    /// without that, every value of every visible live group is an entry, and listings
    /// need not check each name ([`crate::model::view`]).
    shadowed: bool,
}

impl Shape {
    /// The source's subordinates, by inode number (creation order) and by name.
    pub(crate) fn children(&self) -> &Children<SourceRef> {
        &self.children
    }

    /// The source's value groups, by inode number (oldest first); revoked ones included.
    pub(crate) fn groups(&self) -> &[Arc<Group>] {
        &self.groups
    }

    /// The source's parent, if it is a subordinate.
    pub(crate) fn parent(&self) -> Option<&Arc<Source>> {
        self.parent.as_ref()
    }

    /// Whether the source has a directory: it and its ancestors are visible, and the
    /// topmost is registered.
    pub(crate) fn in_tree(&self) -> bool {
        self.in_tree
    }

    /// Whether two entries of the directory share a name.
    pub(crate) fn shadowed(&self) -> bool {
        self.shadowed
    }
}

/// A source of statistics: a directory of values and subordinate sources.
#[pin_data]
pub(crate) struct Source {
    name: CString,
    flags: u32,
    ino: u64,
    refs: Refcount,
    rev: RevisionCell,
    gen: RevisionCell,
    /// The dentry of the source's directory, if the VFS made one: set and cleared by the
    /// VFS glue, which prunes it when the source is torn down.
    dentry: Atomic<*mut bindings::dentry>,
    /// The view a root is registered in ([`View`]), 0 for every view. Written by the
    /// writer that registers the source, before it enters the roots' list, and read under
    /// that list's lock.
    view: Atomic<usize>,
    #[pin]
    shape: Mutex<Shape>,
    writer: WriterLocked<SourceWriter>,
}

/// One reference to a [`Source`] (the C API's `struct stats_fs_source *`).
///
/// Dropping the last reference tears the source down (see the module documentation).
/// Never drop one with the writer lock held: teardown takes it.
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
        let source = Arc::pin_init(
            pin_init!(Source {
                name,
                flags,
                ino: super::ino::reserve(1),
                refs: Refcount::new(1),
                rev: RevisionCell::new(),
                gen: RevisionCell::new(),
                dentry: Atomic::new(ptr::null_mut()),
                view: Atomic::new(0),
                shape <- new_mutex!(
                    Shape {
                        children: Children::new(),
                        groups: KVec::new(),
                        parent: None,
                        in_tree: false,
                        shadowed: false,
                    },
                    "Source::shape"
                ),
                writer: WriterLocked::new(SourceWriter {
                    place: Place::Detached,
                    dead_next: None,
                }),
            }),
            GFP_PUBLISHER,
        )?;
        // INVARIANT: `refs` starts at 1, for this reference.
        Ok(SourceRef(source))
    }

    /// The source's name.
    pub(crate) fn name(&self) -> &CStr {
        &self.name
    }

    /// Whether a root shows in view `view` (see [`View`]): it was registered for every view,
    /// or for that one.
    pub(crate) fn shows_in(&self, view: View) -> bool {
        let own = self.view.load(Relaxed);
        own == 0 || own == view.0
    }

    /// Whether two roots show in a common view.
    pub(crate) fn overlaps(&self, other: &Source) -> bool {
        let (a, b) = (self.view.load(Relaxed), other.view.load(Relaxed));
        a == 0 || b == 0 || a == b
    }

    /// The inode number of the source's directory.
    pub(crate) fn ino(&self) -> u64 {
        self.ino
    }

    /// Whether the source has a directory when its parent has (it is not hidden).
    pub(crate) fn is_visible(&self) -> bool {
        self.flags & HIDDEN == 0
    }

    /// Locks the source's shape, for a short look; never hold it across a callback.
    pub(crate) fn shape(&self) -> kernel::sync::MutexGuard<'_, Shape> {
        self.shape.lock()
    }

    /// The revision of the source's directory entries; readable without any lock.
    pub(crate) fn revision(&self) -> &RevisionCell {
        &self.rev
    }

    /// The generation of the values below the source; readable without any lock.
    pub(crate) fn generation(&self) -> u64 {
        self.gen.get()
    }

    /// Where the VFS glue keeps the dentry of the source's directory.
    pub(crate) fn dentry_slot(&self) -> &Atomic<*mut bindings::dentry> {
        &self.dentry
    }

    /// Marks a change of the directory's entries: its revision changes, and whether names
    /// shadow one another is found again, looking only at what `change` added (taking
    /// entries away cannot make two share a name). Called by writers, with `shape` the
    /// source's own, locked.
    fn entries_changed(&self, shape: &mut Shape, change: EntriesChange<'_>) {
        let dir = DirView::Source(shape);
        shape.shadowed = match change {
            EntriesChange::Removed => shape.shadowed && dir.any_shadowed(),
            EntriesChange::Group(group) => shape.shadowed || dir.group_shadows(group),
            EntriesChange::Child(child) => shape.shadowed || dir.child_shadows(child),
        };
        self.rev.bump();
    }

    /// The visible subordinate with the lowest inode number at least `ino`.
    pub(crate) fn child_from(&self, ino: u64) -> Option<Arc<Source>> {
        self.shape()
            .children
            .first_visible_from(ino)
            .map(|c| c.0.clone())
    }

    /// Takes a new reference.
    pub(crate) fn new_ref(self: ArcBorrow<'_, Self>) -> SourceRef {
        self.refs.inc();
        // INVARIANT: We just counted the new reference.
        SourceRef(self.into())
    }

    /// The source's parent, as writers see it.
    fn parent_of<'a>(&'a self, w: &'a WriterGuard) -> Option<&'a Arc<Source>> {
        match &self.writer.as_ref(w).place {
            Place::Child(parent) => Some(parent),
            _ => None,
        }
    }

    /// Registers the source at the top of the file system: in every view, or in `view`
    /// only. See `stats_fs_source_register()` and `stats_fs_source_register_net()`.
    pub(crate) fn register(self: ArcBorrow<'_, Self>, view: Option<View>) -> Result {
        let reservation = Reservation::new()?;
        let mut w = writer::lock();
        if !matches!(self.writer.as_ref(&w).place, Place::Detached) {
            return Err(EBUSY);
        }
        // Not in the roots' list: no reader looks at it (see the field).
        self.view.store(view.map_or(0, |v| v.0), Relaxed);
        let this: Arc<Source> = self.into();
        roots::insert(&this, reservation)?;
        // INVARIANT: The roots' list holds the source.
        self.writer.as_mut(&mut w).place = Place::Root;
        if self.is_visible() {
            links::set_in_tree(&this, true, &mut w);
        }
        links::bump_generations(&this, &w);
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
        defaults: &DefaultTypes,
    ) -> Result {
        // SAFETY: The caller's promise.
        unsafe { self.add_values_read_by(values, base, flags, defaults, None) }
    }

    /// Adds a group of values read through `snapshot`, if given. See
    /// `stats_fs_source_add_values()` and `stats_fs_source_add_snapshot()`.
    ///
    /// # Safety
    ///
    /// As for [`Group::new`].
    pub(crate) unsafe fn add_values_read_by(
        self: ArcBorrow<'_, Self>,
        values: *const StatsFsValue,
        base: *mut c_void,
        flags: u32,
        defaults: &DefaultTypes,
        snapshot: Option<Snapshot>,
    ) -> Result {
        // SAFETY: The caller's promise is `Group::new`'s requirement.
        let group = unsafe { Group::new(values, base, flags, defaults, snapshot) }?;
        let mut w = writer::lock();
        let this: Arc<Source> = self.into();
        {
            let shape = self.shape();
            // A revoked pair may be added again (a new group); a live one only once.
            if shape
                .groups
                .iter()
                .any(|g| g.array() == values && g.base() == base && g.is_live())
            {
                return Err(EEXIST);
            }
        }
        links::add_group(&this, group, &mut w)
    }

    /// Makes `child` a subordinate of `self`, which takes a reference to it.
    pub(crate) fn add_subordinate(
        self: ArcBorrow<'_, Self>,
        child: ArcBorrow<'_, Source>,
    ) -> Result {
        let child_ref = child.new_ref();
        let reservation = match Reservation::new() {
            Ok(reservation) => reservation,
            Err(e) => {
                // Not the last reference: the caller holds one.
                drop(child_ref);
                return Err(e);
            }
        };
        let result = links::attach(&self.into(), child_ref, reservation, &mut writer::lock());
        // With the writer lock released: on failure the child's new reference comes back
        // and is dropped here (not the last: the caller holds one); on success the parent
        // directory's watchers hear of the child.
        match result {
            Ok(notice) => {
                if let Some(notice) = notice {
                    notice.send();
                }
                Ok(())
            }
            Err((e, _child_ref)) => Err(e),
        }
    }

    /// Removes `child` from `self`'s subordinates, if it is one, and puts the reference.
    pub(crate) fn remove_subordinate(&self, child: &Source) {
        let removed = {
            let mut w = writer::lock();
            match child.parent_of(&w) {
                Some(parent) if ptr::eq(&**parent, self) => links::detach(child, &mut w),
                _ => None,
            }
        };
        // Without the writer lock: the watchers hear of it, and the last reference tears
        // the child down.
        if let Some(removed) = removed {
            removed.finish();
        }
    }

    /// Removes the source from where it is published: unregisters it if it is a root, or
    /// removes it from its parent, putting the parent's reference. See
    /// `stats_fs_source_remove()`.
    pub(crate) fn remove(&self) {
        let removed = links::detach(self, &mut writer::lock());
        // Without the writer lock: the watchers hear of it, and the parent's reference may
        // be the last.
        if let Some(removed) = removed {
            removed.finish();
        }
    }

    /// Revokes all of the source's groups: once this returns, their memory is never
    /// touched again. See `stats_fs_source_revoke()`.
    pub(crate) fn revoke(&self) {
        let mut retired = Retired::new();
        {
            let mut w = writer::lock();
            let mut shape = self.shape();
            for group in shape.groups.iter() {
                links::retire_group(group, &mut retired, &mut w);
            }
            teardown::keep_one_revoked_per_array(&mut shape.groups);
            // The revoked groups' files leave the directory.
            self.entries_changed(&mut shape, EntriesChange::Removed);
            drop(shape);
            links::bump_generations(self, &w);
        }
        // Without the writer lock: this waits only for the reads of these groups.
        retired.finish();
    }

    /// Takes back the live group added from `values` with `base`. See
    /// `stats_fs_source_remove_values()`.
    pub(crate) fn remove_values(&self, values: *const StatsFsValue, base: *mut c_void) -> Result {
        let mut retired = Retired::new();
        {
            let mut w = writer::lock();
            let mut shape = self.shape();
            let i = shape
                .groups
                .iter()
                .position(|g| g.array() == values && g.base() == base && g.is_live())
                .ok_or(ENOENT)?;
            let group = shape.groups.remove(i).map_err(|_| EINVAL)?;
            links::retire_group(&group, &mut retired, &mut w);
            // Its files leave the directory; open ones read 0.
            self.entries_changed(&mut shape, EntriesChange::Removed);
            drop(shape);
            links::bump_generations(self, &w);
        }
        retired.finish();
        Ok(())
    }

    /// The newest group of this source for which `f` finds a value, and its index.
    fn find(&self, mut f: impl FnMut(&Group) -> Option<usize>) -> Option<(Arc<Group>, usize)> {
        let shape = self.shape();
        shape
            .groups
            .iter()
            .rev()
            .find_map(|g| f(g).map(|i| (g.clone(), i)))
    }

    /// Reads the value described by `val`. See `stats_fs_source_get_value()`.
    pub(crate) fn get_value(&self, val: *const StatsFsValue) -> Result<u64> {
        let (group, i) = self.find(|g| g.index_of(val)).ok_or(ENOENT)?;
        Ok(group.live().map_or(0, |live| live.total(i)))
    }

    /// Reads the newest value called `name`. See `stats_fs_source_get_value_by_name()`.
    pub(crate) fn get_value_by_name(&self, name: &[u8]) -> Result<u64> {
        let (group, i) = self.find(|g| g.live()?.index_by_name(name)).ok_or(ENOENT)?;
        Ok(group.live().map_or(0, |live| live.total(i)))
    }

    /// Clears the value described by `val` (every bucket of a histogram). See
    /// `stats_fs_source_clear()`.
    pub(crate) fn clear(&self, val: *const StatsFsValue) -> Result {
        let (group, i) = self.find(|g| g.index_of(val)).ok_or(ENOENT)?;
        // A revoked group may not be touched, and nothing is left to clear.
        let Some(live) = group.live() else {
            return Ok(());
        };
        (0..group.elements(i)).try_for_each(|bucket| live.clear_value(i, bucket))
    }

    /// Warns if a source is still registered: called as the module unloads, when every
    /// user of statsfs (each holds a reference on the module) has put its sources.
    #[cfg(MODULE)]
    pub(crate) fn warn_if_registered() {
        kernel::warn_on!(!roots::is_empty());
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

    /// Gives up the reference without the teardown that dropping the last one does, and
    /// returns the memory reference with whether it was the last one.
    fn into_arc_and_put(self) -> (Arc<Source>, bool) {
        let this = core::mem::ManuallyDrop::new(self);
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
            teardown::teardown(self.0.clone());
        }
    }
}

// SAFETY: `into_foreign` gives C the `Arc` of the reference in `Arc`'s foreign form, so the
// alignment is `Arc`'s, and every other method takes it back or borrows it as `Arc` does.
unsafe impl ForeignOwnable for SourceRef {
    const FOREIGN_ALIGN: usize = <Arc<Source> as ForeignOwnable>::FOREIGN_ALIGN;

    type Borrowed<'a> = ArcBorrow<'a, Source>;
    type BorrowedMut<'a> = ArcBorrow<'a, Source>;

    fn into_foreign(self) -> *mut c_void {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out once;
        // the reference it stands for now belongs to the foreign pointer.
        unsafe { ptr::read(&this.0) }.into_foreign()
    }

    unsafe fn from_foreign(ptr: *mut c_void) -> Self {
        // SAFETY: `ptr` came from `into_foreign` above, i.e. `Arc::into_foreign`, and is
        // given back once (safety requirement).
        // INVARIANT: The reference was counted when it was made and has not been dropped.
        SourceRef(unsafe { Arc::from_foreign(ptr) })
    }

    unsafe fn borrow<'a>(ptr: *mut c_void) -> ArcBorrow<'a, Source> {
        // SAFETY: `ptr` came from `into_foreign` above and its reference is held for `'a`
        // (safety requirement), which keeps the `Arc` alive.
        unsafe { <Arc<Source> as ForeignOwnable>::borrow(ptr) }
    }

    unsafe fn borrow_mut<'a>(ptr: *mut c_void) -> ArcBorrow<'a, Source> {
        // SAFETY: As for `borrow`.
        unsafe { <Self as ForeignOwnable>::borrow(ptr) }
    }
}

/// What changed in a directory's entries ([`Source::entries_changed`]).
pub(crate) enum EntriesChange<'a> {
    /// Entries left: groups were taken back or revoked, or a subordinate left.
    Removed,
    /// This group was added.
    Group(&'a Group),
    /// This subordinate was added.
    Child(&'a Source),
}

/// Revokes `group`, live in the source it was added to, as its module unloads without
/// having taken it back; the group is kept in `retired` to be drained.
pub(crate) fn revoke_group(group: &Arc<Group>, retired: &mut Retired, w: &mut WriterGuard) {
    let owner = group.owner(w).cast::<Source>();
    links::retire_group(group, retired, w);
    if owner.is_null() {
        return;
    }
    // SAFETY: A live group is in its owner's list, and a source's memory is only freed
    // after its teardown, which revokes its groups first: the owner is live while the
    // writer lock is held.
    let owner = unsafe { &*owner };
    let mut shape = owner.shape();
    teardown::keep_one_revoked_per_array(&mut shape.groups);
    // Its files leave the directory.
    owner.entries_changed(&mut shape, EntriesChange::Removed);
    drop(shape);
    links::bump_generations(owner, w);
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
mod tests;
