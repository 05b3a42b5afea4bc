// SPDX-License-Identifier: GPL-2.0

//! Nodes: what a statsfs inode stands for.
//!
//! Every statsfs inode's `i_private`, the root's included, is a [`Node`] in the foreign
//! form of a `KBox`, made by a lookup and owned by the inode. The glue reads its head
//! (`struct stats_fs_node`): the revision of a directory's entries, which it compares in
//! RCU path walk, and the link by which it hands the node back to be dropped in process
//! context, after an RCU grace period ([`stats_fs_core_node_release`]).
//!
//! C header: [`src/glue/stats_fs_internal.h`](srctree/src/glue/stats_fs_internal.h)

use kernel::{
    bindings,
    ffi::c_void,
    prelude::*,
    sync::Arc,
    types::ForeignOwnable, //
};

use crate::model::{
    group::Group,
    roots::{
        self,
        View, //
    },
    source::Source, //
};

/// The three metadata files of every directory.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetaKind {
    /// `.values`: every value of the subtree, a line each.
    Values,
    /// `.schema`: what each of those values is.
    Schema,
    /// `.stats`: the subtree in the layout of KVM's binary stats fd.
    Stats,
}

impl MetaKind {
    /// The metadata file called `name`, if it is one.
    pub(crate) fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b".values" => Some(Self::Values),
            b".schema" => Some(Self::Schema),
            b".stats" => Some(Self::Stats),
            _ => None,
        }
    }
}

/// How the glue makes an inode: `enum stats_fs_file_kind`.
#[repr(u8)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FileKind {
    /// `STATS_FS_FILE_NONE`: nothing was found.
    None = 0,
    /// `STATS_FS_FILE_DIR`: a directory (a source, or a histogram).
    Dir = 1,
    /// `STATS_FS_FILE_VALUE`: a value's file (a number, or a bucket of a histogram).
    Value = 2,
    /// `STATS_FS_FILE_WALK`: `.values` or `.schema`, a `seq_file` over a walk.
    Walk = 3,
    /// `STATS_FS_FILE_STATS`: `.stats`, read at any offset.
    Stats = 4,
}

/// The directory a metadata file describes the subtree of.
#[derive(Clone)]
pub(crate) enum Target {
    /// The top of the file system, as a superblock's view shows it.
    Root(View),
    /// A source's directory.
    Source(Arc<Source>),
    /// A histogram's directory: its source, its group and its index.
    Histogram(Arc<Source>, Arc<Group>, usize),
}

/// What an inode stands for.
pub(crate) enum NodeKind {
    /// The root directory of a superblock: the registered sources its view shows.
    Root(View),
    /// The directory of a source.
    Dir(Arc<Source>),
    /// The directory of a histogram, value `index` of `group`: one file per bucket.
    Histogram(Arc<Source>, Arc<Group>, usize),
    /// The file of value `index` of `group`: a single number (`None`), or a bucket.
    Value(Arc<Group>, usize, Option<usize>),
    /// A metadata file of a directory.
    Meta(MetaKind, Target),
}

/// An inode's `i_private`: `struct stats_fs_node`, then what the inode stands for.
///
/// # Invariants
///
/// `rev` is null or points to the revision of a directory's entries that `kind` keeps
/// alive (a source's, held by its `Arc`, or the roots', static).
#[repr(C)]
pub(crate) struct Node {
    rev: *const u64,
    release: bindings::llist_node,
    kind: NodeKind,
}

impl Node {
    /// A node for `kind`, in a box, with the revision the glue compares for a directory.
    pub(crate) fn new(kind: NodeKind) -> Result<KBox<Self>> {
        let rev = match &kind {
            NodeKind::Root(_) => roots::revision().as_ptr(),
            NodeKind::Dir(source) | NodeKind::Histogram(source, ..) => source.revision().as_ptr(),
            NodeKind::Value(..) | NodeKind::Meta(..) => core::ptr::null(),
        };
        // INVARIANT: `rev` is the roots' static revision, or that of the source `kind` holds.
        Ok(KBox::new(
            Self {
                rev,
                release: bindings::llist_node {
                    next: core::ptr::null_mut(),
                },
                kind,
            },
            GFP_KERNEL,
        )?)
    }

    /// What the node stands for.
    pub(crate) fn kind(&self) -> &NodeKind {
        &self.kind
    }

    /// The node of a live inode.
    ///
    /// # Safety
    ///
    /// `node` is the `i_private` of a live statsfs inode, which keeps it for `'a`: a
    /// `KBox<Node>` from [`ForeignOwnable::into_foreign`], owned by the inode until it is
    /// evicted (after `'a`), or in RCU walk until the grace period ends.
    pub(crate) unsafe fn from_inode<'a>(node: *const Node) -> &'a Node {
        // SAFETY: As required above.
        unsafe { <KBox<Node> as ForeignOwnable>::borrow(node.cast_mut().cast()) }
    }

    /// What the metadata files of this directory describe; `None` if it is not one.
    pub(crate) fn target(&self) -> Option<Target> {
        match &self.kind {
            NodeKind::Root(view) => Some(Target::Root(*view)),
            NodeKind::Dir(source) => Some(Target::Source(source.clone())),
            NodeKind::Histogram(source, group, index) => {
                Some(Target::Histogram(source.clone(), group.clone(), *index))
            }
            NodeKind::Value(..) | NodeKind::Meta(..) => None,
        }
    }
}

/// Makes the node of the root directory of a new superblock, mounted in the network
/// namespace at `view` (never dereferenced; see [`View`]); null without memory or for a
/// null `view`.
#[no_mangle]
pub(crate) extern "C" fn stats_fs_core_root_node(view: *const c_void) -> *mut Node {
    let Some(view) = View::new(view) else {
        return core::ptr::null_mut();
    };
    Node::new(NodeKind::Root(view)).map_or(core::ptr::null_mut(), |node| node.into_foreign().cast())
}

/// Drops the node of an evicted inode. The glue calls it in process context, after the
/// RCU grace period that follows the inode's eviction: RCU path walk may read a directory's
/// node until then, and what a node holds must only be dropped where sleeping is allowed
/// (the last reference of a source or a group may go with it).
///
/// # Safety
///
/// `node` is the `i_private` of an inode that was freed, handed back once.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_node_release(node: *mut Node) {
    #[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
    tests::count_release();
    // SAFETY: From `into_foreign` in a lookup or `stats_fs_core_root_node`, given back once
    // (safety requirement).
    drop(unsafe { <KBox<Node> as ForeignOwnable>::from_foreign(node.cast()) });
}

/// Counts of node releases, for the glue's KUnit test that they happen in process context.
#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
mod tests {
    use kernel::sync::atomic::{
        Atomic,
        Relaxed, //
    };

    use crate::glue::ffi;

    static RELEASED: Atomic<u64> = Atomic::new(0);
    static RELEASED_OUTSIDE_TASK: Atomic<u64> = Atomic::new(0);

    /// Counts one release, and whether it happened outside task context.
    pub(super) fn count_release() {
        RELEASED.add(1, Relaxed);
        // SAFETY: No preconditions.
        if !unsafe { ffi::stats_fs_glue_in_task() } {
            RELEASED_OUTSIDE_TASK.add(1, Relaxed);
        }
    }

    /// How many nodes were released, and how many of them outside task context.
    #[no_mangle]
    pub(crate) extern "C" fn stats_fs_core_test_releases(outside_task: *mut u64) -> u64 {
        // SAFETY: The C test passes a writable `u64`.
        unsafe { outside_task.write(RELEASED_OUTSIDE_TASK.load(Relaxed)) };
        RELEASED.load(Relaxed)
    }
}

/// The layout of the head of [`Node`] and of [`FileKind`], for the KUnit test that checks
/// them against the glue's (`struct stats_fs_node`, `enum stats_fs_file_kind`).
#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
pub(crate) fn layout() -> ([usize; 3], [usize; 4]) {
    use core::mem::offset_of;
    (
        [
            offset_of!(Node, kind),
            offset_of!(Node, rev),
            offset_of!(Node, release),
        ],
        [
            FileKind::Dir as usize,
            FileKind::Value as usize,
            FileKind::Walk as usize,
            FileKind::Stats as usize,
        ],
    )
}
