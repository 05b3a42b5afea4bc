// SPDX-License-Identifier: GPL-2.0

//! The glue: the part of the module in C, for the kernel interfaces that have no Rust
//! abstraction yet, and the seam between it and the Rust crate.
//!
//! - `stats_fs_vfs.c`: the VFS shim (file system type, superblock, inode, dentry and file
//!   operations), which asks the file system layer ([`crate::fs`]) every question;
//! - `stats_fs_active.c`: waiting for a group's active references to drain, and lockdep's
//!   view of them ([`crate::model::active`]);
//! - `stats_fs_owners.c`: the module notifier that revokes what an unloading module left
//!   ([`owners`]);
//! - `stats_fs_internal.h`: the contract between the two languages, both directions.
//!
//! Names say the direction: `stats_fs_glue_*` are C functions Rust calls, declared in
//! [`ffi`]; `stats_fs_core_*` are Rust functions the C glue calls (`#[no_mangle]`, beside
//! the code they belong to). The public API (`stats_fs_*` of `<linux/stats_fs.h>`) is
//! [`crate::c_api`]'s.

pub(crate) mod ffi;
pub(crate) mod owners;
