// SPDX-License-Identifier: GPL-2.0

//! The registered sources: the entries of the top of the file system.
//!
//! The list holds the sources' memory (`Arc`) but no reference: a registered source stays
//! until its last reference is put. It is a set of [`Children`], under its own short lock,
//! which plays for the top of the file system the part a source's shape lock plays for its
//! directory. An empty set holds no memory, so nothing is left when the module unloads.

use core::pin::Pin;
use kernel::{
    prelude::*,
    sync::{
        lock::GlobalGuard,
        Arc, //
    },
};

use super::{
    children::{
        Children,
        Reservation, //
    },
    revision::RevisionCell,
    source::Source,
};

/// A view of the top of the file system: the roots a superblock shows besides those
/// registered for every view. It is the address of the network namespace the superblock
/// was mounted in, and statsfs never dereferences it: it is a key, whose namespace outlives
/// the superblocks of that view (each holds a reference on it) and the roots registered in
/// it (their publisher removes them as the namespace goes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct View(pub(crate) usize);

impl View {
    /// The view of the namespace at `key`; `None` for a null key.
    pub(crate) fn new(key: *const core::ffi::c_void) -> Option<Self> {
        (!key.is_null()).then(|| Self(key as usize))
    }
}

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises it at module init, before any source exists.
    pub(crate) unsafe(uninit) static ROOTS: Mutex<Option<Children<Arc<Source>>>> = None;
}

/// The revision of the top of the file system's entries.
static REVISION: RevisionCell = RevisionCell::new();

/// The generation of every value of the tree: changes with any of them.
static GENERATION: RevisionCell = RevisionCell::new();

/// Initialises the roots' lock.
///
/// # Safety
///
/// Called once, at module init, before anything that could take the lock.
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (safety requirement).
    unsafe { ROOTS.init() };
}

/// The registered sources, locked for a short look; `None` before the first one.
pub(crate) fn lock() -> GlobalGuard<ROOTS> {
    ROOTS.lock()
}

/// The revision of the top of the file system's entries.
pub(crate) fn revision() -> &'static RevisionCell {
    &REVISION
}

/// The generation of the whole tree's values.
pub(crate) fn generation() -> u64 {
    GENERATION.get()
}

/// Marks a change of the values somewhere in the tree.
pub(crate) fn bump_generation() {
    GENERATION.bump();
}

/// Adds `source`, whose view is set; fails with `EEXIST` if a visible root that shows in a
/// view where `source` shows has its name.
pub(crate) fn insert(source: &Arc<Source>, reservation: Reservation<Arc<Source>>) -> Result {
    let mut roots = lock();
    let roots = roots.get_or_insert_with(Children::new);
    let overlaps = |other: &Source| other.overlaps(source);
    if source.is_visible()
        && roots
            .visible_where(source.name().to_bytes(), overlaps)
            .is_some()
    {
        return Err(EEXIST);
    }
    roots.insert(reservation, source.clone());
    REVISION.bump();
    Ok(())
}

/// Takes out the source with inode number `ino`.
pub(crate) fn remove(ino: u64) -> Option<Arc<Source>> {
    let removed = lock().as_mut()?.remove(ino);
    if removed.is_some() {
        REVISION.bump();
    }
    removed
}

/// Whether no source is registered.
#[cfg(MODULE)]
pub(crate) fn is_empty() -> bool {
    lock().as_ref().is_none_or(|roots| roots.is_empty())
}
