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
mod ffi;
mod fs;
mod name;
mod source;
mod source_tests;
#[path = "../include/rust/stats_fs.rs"]
#[cfg_attr(not(CONFIG_KUNIT = "y"), expect(dead_code))]
mod stats_fs;
mod stats_fs_tests;
mod tree;
mod value;
mod vfs;

module! {
    type: StatsFsModule,
    name: "statsfs",
    authors: ["The statsfs developers"],
    description: "Pseudo-filesystem for kernel statistics",
    license: "GPL",
}

/// The module state: owns the registration of the file system.
struct StatsFsModule {
    _fs: vfs::Registration,
}

impl kernel::Module for StatsFsModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        tree::init();
        let fs = vfs::Registration::new()?;
        ffi::set_initialized(true);
        Ok(Self { _fs: fs })
    }
}

impl Drop for StatsFsModule {
    fn drop(&mut self) {
        ffi::set_initialized(false);
    }
}
