// SPDX-License-Identifier: GPL-2.0

//! Revisions: counters that tell readers without a lock that something may have changed.
//!
//! - A directory's revision ([`Source::revision`](super::source::Source::revision), and the
//!   roots' for the top of the file system) changes whenever the set of names it holds may
//!   have changed, and whenever it leaves or rejoins the tree. A dentry keeps the revision
//!   of its directory from when it was last found valid; while it is unchanged the dentry
//!   still is, and a path walk can tell in RCU mode from two loads.
//! - A subtree's generation changes whenever the set of values below a directory may have
//!   changed: a `.stats` file describes a layout that holds only while it is unchanged.
//!
//! Writers change both with the lock that publishes the change held, before releasing it,
//! so a reader that found the old entries under that lock read the old revision with them.
//! Zero is never a revision: a dentry that keeps 0 is never trusted.

use kernel::sync::atomic::{
    Acquire,
    Atomic,
    Release, //
};

/// A revision counter: see the module documentation.
#[repr(transparent)]
pub(crate) struct RevisionCell(Atomic<u64>);

impl RevisionCell {
    /// A new counter, at revision 1.
    pub(crate) const fn new() -> Self {
        Self(Atomic::new(1))
    }

    /// The current revision; readable without any lock.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Acquire)
    }

    /// Changes the revision.
    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Release);
    }

    /// The counter's address, for the VFS glue to read in RCU path walk.
    pub(crate) fn as_ptr(&self) -> *const u64 {
        self.0.as_ptr().cast_const()
    }
}
