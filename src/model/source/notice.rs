// SPDX-License-Identifier: GPL-2.0

//! Telling the watchers of a directory that a subordinate's directory came or went, as
//! `inotify` reports `IN_CREATE` and `IN_DELETE` for a directory made or removed by hand.
//!
//! A notice is made by a writer under the writer lock and sent after it is released:
//! `fsnotify` may sleep and allocate. Only the directory of a source in the tree that
//! someone has looked up has a dentry, and only such a directory can be watched.

use kernel::sync::Arc;

use super::Source;
use crate::glue::ffi;

/// A visible subordinate that came into, or went out of, its parent's directory.
pub(crate) struct Notice {
    parent: Arc<Source>,
    child: Arc<Source>,
    created: bool,
}

impl Notice {
    /// A notice for `child`, which came into (`created`) or went out of `parent`; `None` if
    /// `child` has no directory.
    pub(crate) fn new(parent: &Arc<Source>, child: &Arc<Source>, created: bool) -> Option<Self> {
        child.is_visible().then(|| Self {
            parent: parent.clone(),
            child: child.clone(),
            created,
        })
    }

    /// Tells the parent directory's watchers. Called without statsfs's locks.
    pub(crate) fn send(self) {
        let name = self.child.name().to_bytes();
        // SAFETY: The slot is an atomic dentry pointer that lives as long as the parent,
        // which `self` holds; the glue only uses the dentry under RCU and a reference it
        // takes. The name is valid for the call.
        unsafe {
            ffi::stats_fs_glue_notify(
                self.parent.dentry_slot().as_ptr(),
                name.as_ptr(),
                name.len(),
                self.created,
            )
        };
    }
}
