// SPDX-License-Identifier: GPL-2.0

//! The registration of the `statsfs` file system type and of `/sys/kernel/stats`.

use kernel::{
    error::to_result,
    prelude::*, //
};

use crate::glue::ffi;

/// The registration of the file system type and its mount point.
///
/// # Invariants
///
/// `stats_fs_glue_vfs_init()` succeeded and `stats_fs_glue_vfs_exit()` has not been called.
pub(crate) struct Registration(());

impl Registration {
    /// Creates the mount point and registers the file system type.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No preconditions; called once, at init, and undone only by `Drop`.
        to_result(unsafe { ffi::stats_fs_glue_vfs_init() })?;
        // INVARIANT: The call above succeeded.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: By the type invariant, `stats_fs_glue_vfs_init()` succeeded and this is
        // the only call to `stats_fs_glue_vfs_exit()` for it. Nothing is mounted: a mount
        // holds a reference on the module, so the module (and this value) cannot go away.
        unsafe { ffi::stats_fs_glue_vfs_exit() };
    }
}
