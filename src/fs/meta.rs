// SPDX-License-Identifier: GPL-2.0

//! The metadata files: a whole subtree in one read.
//!
//! Every directory has three files that readdir does not list and lookup finds by name:
//!
//! - `.values`: every visible value of the subtree, a line each: its path relative to the
//!   directory, a space, and the text a read of its file gives ([`text`]).
//! - `.schema`: the same values in the same order, with what they are ([`text`]).
//! - `.stats`: the same values in the layout of KVM's binary stats fd ([`kvm_stats`]).
//!
//! All three stream from a [`walk::Walk`] of the subtree, one source at a time, with no
//! lock held between sources and memory only for the path to the current source and its
//! values: a source present for the whole read is read exactly once, one added or removed
//! meanwhile may be read or not, and a tree of any size can be read. Running out of memory
//! is an error to the reader (`-ENOMEM`), never a short file.

pub(crate) mod kvm_stats;
pub(crate) mod record;
pub(crate) mod text;
pub(crate) mod walk;
