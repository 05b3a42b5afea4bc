// SPDX-License-Identifier: GPL-2.0

//! readdir: the entries of a directory, a batch at a time.
//!
//! A batch is copied out under the directory's short lock into memory allocated before it
//! is taken, and emitted after it is released: emitting copies to user memory, which may
//! fault. The position the glue keeps is the inode number after the last entry emitted, so
//! what comes and goes between batches cannot shift the others: an entry present for a
//! whole listing is listed exactly once.

use core::fmt::Write;
use kernel::{
    bindings,
    ffi::c_int,
    prelude::*,
    str::Formatter, //
};

use super::node::{
    Node,
    NodeKind, //
};
use crate::{
    glue::ffi,
    model::{
        roots,
        view::{
            DirView,
            Entry, //
        },
    },
};

/// How many entries a batch holds at most.
const BATCH: usize = 64;

/// The bytes of names a batch holds at most; any one name fits (`NAME_MAX` is 255).
const BATCH_NAMES: usize = 4096;

/// Some directory entries, copied out of the tree.
struct Batch {
    names: KVec<u8>,
    /// Start in `names`, length, inode number, and whether the entry is a directory.
    entries: KVec<(usize, usize, u64, bool)>,
}

impl Batch {
    /// An empty batch, with all its memory.
    fn new() -> Result<Self> {
        Ok(Self {
            names: KVec::with_capacity(BATCH_NAMES, GFP_KERNEL)?,
            entries: KVec::with_capacity(BATCH, GFP_KERNEL)?,
        })
    }

    /// Adds an entry; `false` once the batch is full. Allocates nothing.
    fn push(&mut self, entry: &Entry<'_>) -> bool {
        let start = self.names.len();
        if self.entries.len() == BATCH || BATCH_NAMES - start < entry.name.len() {
            return false;
        }
        for &b in entry.name {
            // Cannot fail: room was checked above.
            let _ = self.names.push_within_capacity(b);
        }
        let _ =
            self.entries
                .push_within_capacity((start, entry.name.len(), entry.ino, entry.is_dir));
        true
    }

    /// Fills the batch with the entries of `dir` from inode number `from` on.
    fn fill(&mut self, dir: &Node, from: u64) {
        self.names.clear();
        self.entries.clear();
        match dir.kind() {
            NodeKind::Root(view) => {
                let roots = roots::lock();
                DirView::Roots(roots.as_ref(), *view).entries_from(from, |e| self.push(&e));
            }
            NodeKind::Dir(source) => {
                let shape = source.shape();
                // A directory held open after its source left the tree is empty.
                if shape.in_tree() {
                    DirView::Source(&shape).entries_from(from, |e| self.push(&e));
                }
            }
            NodeKind::Histogram(source, group, index) => {
                let current = {
                    let shape = source.shape();
                    shape.in_tree() && DirView::Source(&shape).shows(group, *index)
                };
                if !current {
                    return;
                }
                for bucket in 0..group.buckets(*index) {
                    let ino = group.ino(*index, Some(bucket));
                    if ino < from {
                        continue;
                    }
                    let mut buf = [0u8; 8];
                    let mut text = Formatter::new(&mut buf);
                    // At most 4 digits: there are at most 1,024 buckets.
                    if write!(text, "{bucket}").is_err() {
                        return;
                    }
                    let len = text.bytes_written();
                    let entry = Entry {
                        name: &buf[..len],
                        ino,
                        is_dir: false,
                    };
                    if !self.push(&entry) {
                        return;
                    }
                }
            }
            NodeKind::Value(..) | NodeKind::Meta(..) => {}
        }
    }
}

/// Emits the entries of directory `dir` whose inode numbers are at least `from`, a batch
/// at a time, until the caller's buffer is full.
///
/// # Safety
///
/// `dir` is the `i_private` of a live statsfs directory inode; `ctx` is the `struct
/// dir_context` of the readdir call.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_readdir(
    dir: *const Node,
    ctx: *mut bindings::dir_context,
    from: u64,
) -> c_int {
    // SAFETY: A live directory (safety requirement).
    let dir = unsafe { Node::from_inode(dir) };
    let mut batch = match Batch::new() {
        Ok(batch) => batch,
        Err(e) => return e.to_errno(),
    };
    let mut from = from;
    loop {
        batch.fill(dir, from);
        for &(start, len, ino, is_dir) in batch.entries.iter() {
            let name = &batch.names[start..start + len];
            // SAFETY: `ctx` is the caller's context; `name` is valid for `len` bytes.
            if !unsafe { ffi::stats_fs_glue_emit(ctx, name.as_ptr(), len, ino, is_dir) } {
                return 0;
            }
            from = ino + 1;
        }
        if batch.entries.len() < BATCH && batch.names.len() + 256 < BATCH_NAMES {
            return 0;
        }
    }
}
