// SPDX-License-Identifier: GPL-2.0

//! Every C function of the glue that Rust calls (`stats_fs_glue_*`), declared by hand:
//! `stats_fs_internal.h` is not an input to bindgen. The two must be kept in step.
//!
//! C header: [`src/glue/stats_fs_internal.h`](srctree/src/glue/stats_fs_internal.h)

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_ulong, //
    },
};

// bindgen's `struct dentry` and `struct module` end in empty arrays, which the lint
// flags; only pointers to them cross here.
#[expect(improper_ctypes)]
extern "C" {
    // stats_fs_vfs.c

    /// Creates `/sys/kernel/stats` and registers the file system type.
    pub(crate) fn stats_fs_glue_vfs_init() -> c_int;
    /// Undoes [`stats_fs_glue_vfs_init`], and waits for the inodes' nodes to be released.
    pub(crate) fn stats_fs_glue_vfs_exit();
    /// Reports one directory entry to readdir; `false` when the caller's buffer is full.
    pub(crate) fn stats_fs_glue_emit(
        ctx: *mut bindings::dir_context,
        name: *const u8,
        len: usize,
        ino: u64,
        is_dir: bool,
    ) -> bool;
    /// Takes the dentry recorded in `slot`, if any, and drops it and what is cached below it
    /// from the dcache.
    pub(crate) fn stats_fs_glue_prune(slot: *mut *mut bindings::dentry);
    /// Tells the watchers of the directory recorded in `slot`, if it has a dentry, that the
    /// directory `name` (`len` bytes) came (`created`) or went.
    pub(crate) fn stats_fs_glue_notify(
        slot: *mut *mut bindings::dentry,
        name: *const u8,
        len: usize,
        created: bool,
    );
    /// Whether the caller runs in task context (`in_task()`).
    #[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
    pub(crate) fn stats_fs_glue_in_task() -> bool;

    // stats_fs_active.c

    /// `preempt_disable()`: a reader enters a section of an aggregate's members.
    pub(crate) fn stats_fs_glue_preempt_disable();
    /// `preempt_enable()`: it leaves it.
    pub(crate) fn stats_fs_glue_preempt_enable();

    // stats_fs_active.c

    /// Waits until the active references counted in `active` are down to `drained`.
    pub(crate) fn stats_fs_glue_drain(active: *mut bindings::atomic_t, drained: c_int);
    /// Wakes the task waiting in [`stats_fs_glue_drain`] on `active`.
    pub(crate) fn stats_fs_glue_wake_drainer(active: *mut bindings::atomic_t);
    /// Tells lockdep that a publisher's callback starts, under an active reference.
    pub(crate) fn stats_fs_glue_callback_enter();
    /// Tells lockdep that the callback ended.
    pub(crate) fn stats_fs_glue_callback_exit();

    // stats_fs_owners.c

    /// Registers the module notifier.
    pub(crate) fn stats_fs_glue_owners_init() -> c_int;
    /// Unregisters it.
    pub(crate) fn stats_fs_glue_owners_exit();
    /// Whether `addr` lies in the memory of `module`.
    pub(crate) fn stats_fs_glue_within_module(
        addr: c_ulong,
        module: *const bindings::module,
    ) -> bool;
}

// The layouts the C compiler gives the glue's and the API's types, for the KUnit tests
// that check the Rust mirrors against them.
#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
extern "C" {
    /// In `stats_fs_exports.c`: `struct stats_fs_value` and `struct stats_fs_type`.
    pub(crate) static stats_fs_c_layout: [usize; 21];
    /// In `stats_fs_vfs.c`: `struct stats_fs_node`, `struct stats_fs_node_info` and
    /// `enum stats_fs_file_kind`.
    pub(crate) static stats_fs_vfs_layout: [usize; 13];
}
