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

/// The module state: owns the registration of the file system and the module notifier.
struct StatsFsModule {
    // Dropped in order: the file system first, then the module notifier.
    _fs: fs::registration::Registration,
    _owners: glue::owners::Registration,
}

impl kernel::Module for StatsFsModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Module init runs once, and this is the first thing it does: no source
        // exists yet and the C API is not reachable before the module is live.
        unsafe { model::init() };
        let owners = glue::owners::Registration::new()?;
        let fs = fs::registration::Registration::new()?;
        c_api::set_initialized(true);
        Ok(Self {
            _fs: fs,
            _owners: owners,
        })
    }
}

impl Drop for StatsFsModule {
    fn drop(&mut self) {
        c_api::set_initialized(false);
        // Every user of statsfs holds a reference on this module, and has put its
        // sources before it unloaded: a source left means one did not.
        model::source::Source::warn_if_registered();
    }
}
