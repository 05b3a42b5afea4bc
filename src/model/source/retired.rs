// SPDX-License-Identifier: GPL-2.0

//! What a writer took away, to be finished once it has released its locks.
//!
//! A writer that takes groups away deactivates them with the writer lock held, and must
//! then wait for their reads in progress. It waits after releasing its locks, so that it
//! waits for those reads only, and holds up nobody meanwhile: [`Retired`] keeps the groups
//! (and torn-down sources, whose dentries are pruned) until [`Retired::finish`].
//!
//! Keeping them needs memory. Without it, a group is drained (and a dentry pruned) at once,
//! with the locks held: still correct, only not as quick for the other writers.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::{
    super::group::Group,
    Source, //
};
use crate::glue::ffi;

/// Groups to drain and sources whose dentries to prune, once the locks are released.
pub(crate) struct Retired {
    groups: KVec<Arc<Group>>,
    sources: KVec<Arc<Source>>,
}

impl Retired {
    /// Nothing retired yet; allocates nothing.
    pub(crate) fn new() -> Self {
        Self {
            groups: KVec::new(),
            sources: KVec::new(),
        }
    }

    /// Keeps `group`, deactivated, to be drained by [`Retired::finish`]; drains it now if
    /// there is no memory to keep it.
    pub(crate) fn keep(&mut self, group: Arc<Group>) {
        if self.groups.reserve(1, GFP_KERNEL).is_ok() {
            // Cannot fail: room was just made.
            let _ = self.groups.push_within_capacity(group);
        } else {
            group.drain();
        }
    }

    /// Keeps `source`, torn down, so that [`Retired::finish`] prunes its dentry; prunes it
    /// now if there is no memory to keep it.
    pub(crate) fn keep_source(&mut self, source: Arc<Source>) {
        if self.sources.reserve(1, GFP_KERNEL).is_ok() {
            // Cannot fail: room was just made.
            let _ = self.sources.push_within_capacity(source);
        } else {
            prune(&source);
        }
    }

    /// Waits for the reads of the retired groups in progress, and prunes the dentries of
    /// the retired sources. Called without statsfs's locks held; may sleep.
    pub(crate) fn finish(self) {
        for group in self.groups.iter() {
            group.drain();
        }
        for source in self.sources.iter() {
            prune(source);
        }
        // The `Arc`s are dropped here: memory of torn-down sources nobody reads goes now.
    }
}

/// Drops the dentry of `source`'s directory from the dcache, with what is cached below it,
/// so that the inodes of a torn-down source do not stay cached until memory pressure.
fn prune(source: &Source) {
    // SAFETY: The slot is an atomic dentry pointer that lives as long as `source`; the glue
    // takes it with `xchg()` and only uses the dentry under RCU and a reference it takes.
    unsafe { ffi::stats_fs_glue_prune(source.dentry_slot().as_ptr()) };
}
