// SPDX-License-Identifier: GPL-2.0

//! statsfs: a RAM-based pseudo-filesystem for kernel statistics.
//!
//! Subsystems publish sources (directories) of values (files) that are read straight out
//! of the subsystem's memory; see `Documentation/filesystems/stats_fs.rst`. The crate is
//! laid out by layer, each depending only on those below it:
//!
//! - [`model`]: sources, value groups, aggregates, and how readers and writers share them;
//! - [`fs`]: the file system's answers to the VFS, from the model;
//! - [`c_api`]: the C API of `<linux/stats_fs.h>`, over the model;
//! - [`glue`]: the C parts (the VFS shim, waiting for readers, the module notifier) and
//!   the declarations that cross to them.

#![crate_name = "statsfs"]

use kernel::prelude::*;

#[path = "../include/rust/stats_fs_abi.rs"]
mod abi;
mod c_api;
mod fs;
mod glue;
mod model;
#[path = "../include/rust/stats_fs.rs"]
#[cfg_attr(
    not(CONFIG_STATS_FS_KUNIT_TEST),
    expect(dead_code, unused_macros, unused_imports)
)]
mod stats_fs;

module! {
    type: StatsFsModule,
    name: "statsfs",
    authors: ["statsfs developers"],
    description: "Pseudo-filesystem for kernel statistics",
    license: "GPL",
}

/// What statsfs sets up when it starts: the module notifier and the file system.
struct Started {
    // Dropped in order: the file system first, then the module notifier.
    _fs: fs::registration::Registration,
    _owners: glue::owners::Registration,
}

/// Starts statsfs: the model, the module notifier, the file system; then the C API says
/// it is ready.
fn start() -> Result<Started> {
    // SAFETY: statsfs starts once (at load as a module, at `fs_initcall` built in), and
    // this is the first thing it does: no source exists yet and no user of the C API can
    // run before `stats_fs_initialized()` says so or before the module is live.
    unsafe { model::init() };
    let owners = glue::owners::Registration::new()?;
    let fs = fs::registration::Registration::new()?;
    c_api::set_initialized(true);
    Ok(Started {
        _fs: fs,
        _owners: owners,
    })
}

/// Built in, statsfs starts at `fs_initcall` (from `src/glue/stats_fs_builtin.c`): before
/// the subsystems that publish in it, which start at `device_initcall` and may link
/// before `fs/` (KVM does). It never stops: what it set up is kept for good.
#[cfg(not(MODULE))]
#[no_mangle]
pub(crate) extern "C" fn stats_fs_core_builtin_init() -> kernel::ffi::c_int {
    match start() {
        Ok(started) => {
            core::mem::forget(started);
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// The module: as a module, it owns what [`start`] set up until it unloads; built in, it
/// is empty (see [`stats_fs_core_builtin_init`]).
struct StatsFsModule {
    #[cfg(MODULE)]
    _started: Started,
}

impl kernel::Module for StatsFsModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            #[cfg(MODULE)]
            _started: start()?,
        })
    }
}

#[cfg(MODULE)]
impl Drop for StatsFsModule {
    fn drop(&mut self) {
        c_api::set_initialized(false);
        // Every user of statsfs holds a reference on this module, and has put its
        // sources before it unloaded: a source left means one did not.
        model::source::Source::warn_if_registered();
    }
}
