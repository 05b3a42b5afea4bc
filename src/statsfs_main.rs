// SPDX-License-Identifier: GPL-2.0

//! statsfs: a RAM-based pseudo-filesystem for kernel statistics.
//!
//! Subsystems publish sources (directories) of values (files) that are read
//! straight out of the subsystem's memory; see `Documentation/filesystems/stats_fs.rst`.
//! The VFS glue is C (`stats_fs_vfs.c`); everything else is Rust.

#![crate_name = "statsfs"]

use kernel::prelude::*;

#[path = "../include/rust/stats_fs_abi.rs"]
#[allow(dead_code)]
mod abi;
mod accumulator;
mod bulk;
mod c_api;
mod c_ptr;
mod children;
mod dir;
mod ino;
mod name;
mod owners;
#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
mod rust_api_tests;
mod source;
#[path = "../include/rust/stats_fs.rs"]
#[cfg_attr(
    not(CONFIG_STATS_FS_KUNIT_TEST),
    expect(dead_code, unused_macros, unused_imports)
)]
mod stats_fs;
mod tree;
mod value;
mod vfs;

module! {
    type: StatsFsModule,
    name: "statsfs",
    description: "Pseudo-filesystem for kernel statistics",
    license: "GPL",
}

/// The module state: owns the registration of the file system.
struct StatsFsModule {
    // Dropped in order: the file system first, then the module notifier.
    _fs: vfs::Registration,
    _owners: owners::Registration,
}

impl kernel::Module for StatsFsModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Module init runs once, and this is the first thing it does: no source
        // exists yet and the C API is not reachable before the module is live.
        unsafe { tree::init() };
        let owners = owners::Registration::new()?;
        let fs = vfs::Registration::new()?;
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
        source::Source::warn_if_registered();
    }
}
