// SPDX-License-Identifier: GPL-2.0

//! The boundary with the C VFS glue in `stats_fs_vfs.c`.
//!
//! C header: [`src/stats_fs_internal.h`](../src/stats_fs_internal.h)

use kernel::{
    error::to_result,
    prelude::*, //
};

mod ffi {
    use kernel::ffi::c_int;

    // These match `stats_fs_internal.h`, which is not an input to bindgen.
    extern "C" {
        pub(super) fn stats_fs_vfs_init() -> c_int;
        pub(super) fn stats_fs_vfs_exit();
    }
}

/// The registration of the `statsfs` file system type and of `/sys/kernel/stats`.
///
/// # Invariants
///
/// `stats_fs_vfs_init()` succeeded and `stats_fs_vfs_exit()` has not been called yet.
pub(crate) struct Registration(());

impl Registration {
    /// Creates the mount point and registers the file system type.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `stats_fs_vfs_init()` has no preconditions; it is called once, at module
        // init, and undone only by `Drop` below.
        to_result(unsafe { ffi::stats_fs_vfs_init() })?;
        // INVARIANT: The call above succeeded.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: By the type invariant, `stats_fs_vfs_init()` succeeded and this is the
        // only call to `stats_fs_vfs_exit()` for it. Nothing is mounted: a mount holds a
        // reference on the module, so the module (and this value) cannot go away.
        unsafe { ffi::stats_fs_vfs_exit() };
    }
}
