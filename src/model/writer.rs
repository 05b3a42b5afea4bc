// SPDX-License-Identifier: GPL-2.0

//! The writer lock: one mutex that serialises the writers of the tree.
//!
//! Writers are the calls that change what the tree holds: registering sources, adding and
//! removing subordinates and value groups, revoking, the last put, and the revocation of
//! what an unloading module left behind. Each takes [`lock`] and makes its change with it
//! held, so writers never race one another, and state that only writers use sits in
//! [`WriterLocked`] cells that are reachable only through the guard.
//!
//! Readers never take it. What they read is published under short per-source locks
//! ([`super::source`]) and, for aggregates, in member lists they read without a lock
//! ([`super::members`]); the memory a group reads is protected by the group's active
//! references ([`super::active`]). So no reader can hold up a writer: a writer waits only
//! for the short per-source locks, never held across a callback, and, when it takes a group
//! away, for the reads of that group in progress, which it waits for after releasing this
//! lock.
//!
//! Lock order: this lock, then a source's `shape` lock or the roots' lock, then a member
//! list's lock. No task holds two `shape` locks at once, and no callback runs with any of
//! them held.

use core::pin::Pin;
use kernel::{
    alloc::KVVec,
    bindings,
    prelude::*,
    sync::{
        lock::{
            GlobalGuard,
            GlobalLockedBy, //
        },
        Arc,
    },
};

use super::group::Group;

/// The state the writer lock protects directly.
pub(crate) struct WriterState {
    /// Every live value group, for the revocation of what an unloading module left.
    pub(crate) live: KVVec<Arc<Group>>,
    /// The modules loaded since statsfs, each with the live groups that use its memory.
    pub(crate) modules: KVec<Tracked>,
}

/// A module loaded since statsfs, and the live groups that use its memory.
pub(crate) struct Tracked {
    /// The module, for identity; valid from its `MODULE_STATE_COMING` to its
    /// `MODULE_STATE_GOING`, when it leaves this list.
    pub(crate) module: *const bindings::module,
    pub(crate) groups: KVec<Arc<Group>>,
}

// SAFETY: The module pointer is only compared, and passed to C while the module is live.
unsafe impl Send for Tracked {}

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises it at module init, before anything can take it.
    pub(crate) unsafe(uninit) static WRITER: Mutex<WriterState> = WriterState {
        live: KVVec::new(),
        modules: KVec::new(),
    };
}

/// Proof that the writer lock is held.
pub(crate) type WriterGuard = GlobalGuard<WRITER>;

/// State only writers use: reachable only with the writer lock held.
pub(crate) type WriterLocked<T> = GlobalLockedBy<T, WRITER>;

/// Initialises the writer lock.
///
/// # Safety
///
/// Called once, at module init, before anything that could take the lock.
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (safety requirement).
    unsafe { WRITER.init() };
}

/// Takes the writer lock. May sleep.
pub(crate) fn lock() -> WriterGuard {
    WRITER.lock()
}
