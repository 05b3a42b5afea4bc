// SPDX-License-Identifier: GPL-2.0

//! The file system: the answers the VFS glue (`src/glue/stats_fs_vfs.c`) asks for.
//!
//! The glue owns the VFS objects (file system type, superblock, inodes, dentries, file
//! operations); this layer answers its questions from the live model, in Rust: what a name
//! is in a directory ([`lookup`]), whether a cached dentry still is it, what a directory
//! lists ([`readdir`]), what a value file reads and what clearing it does ([`value_file`]),
//! and the metadata files that give a whole subtree in one read ([`meta`]).
//!
//! Every answer comes from the live tree, under the short lock of the one directory it is
//! about, so sources and values come and go without any VFS work. An inode's `i_private`
//! is the [`node::Node`] it stands for, owned by the inode; a node holds the memory of what
//! it shows (a source, a group), never a reference, so a source is torn down when its
//! users are done, whatever is open. What a node shows is read only while its group is
//! live: a revoked or removed group reads 0.
//!
//! This layer uses the model ([`crate::model`]) and the glue's declarations
//! ([`crate::glue::ffi`]); the model knows nothing of it.

mod decimal;
pub(crate) mod lookup;
pub(crate) mod meta;
pub(crate) mod node;
pub(crate) mod readdir;
pub(crate) mod registration;
mod sink;
pub(crate) mod value_file;
