// SPDX-License-Identifier: GPL-2.0

//! Lookup and revalidation: what a name is in a directory, and whether a cached dentry
//! still is what its name gives.
//!
//! A dentry keeps, in `d_time`, the revision of its directory's entries from when it was
//! found (0: never trust it). While the revision is unchanged it is still valid, which the
//! glue tells in RCU path walk with two loads; otherwise it asks [`stats_fs_core_revalidate`],
//! which looks at the directory again. A directory's revision changes with any change of
//! its entries and whenever it leaves or rejoins the tree, so a path walk below a source
//! that went away finds nothing, whatever is cached. A negative dentry is kept the same
//! way; none is kept in a directory that left the tree.

use core::ptr;
use kernel::{
    bindings,
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
    sync::{
        atomic::Full,
        Arc, //
    },
    types::ForeignOwnable,
};

use super::node::{
    FileKind,
    MetaKind,
    Node,
    NodeKind, //
};
use crate::model::{
    group::Group,
    ino,
    roots,
    source::Source,
    view::DirView, //
};

/// `struct stats_fs_node_info`: what a lookup found. `node` is a `KBox<Node>` in foreign
/// form, to be owned by the new inode; `rev` is what the dentry keeps in `d_time`.
#[repr(C)]
pub(crate) struct NodeInfo {
    kind: FileKind,
    mode: u16,
    ino: u64,
    rev: u64,
    node: *mut Node,
}

/// The name C passes as pointer and length.
///
/// # Safety
///
/// `name` points to `len` readable bytes that stay valid for `'a`.
unsafe fn name_bytes<'a>(name: *const u8, len: usize) -> &'a [u8] {
    // SAFETY: Valid for `len` bytes (safety requirement).
    unsafe { core::slice::from_raw_parts(name, len) }
}

/// The bucket a file of a histogram directory is called `name` for: its index in decimal,
/// without leading zeros.
pub(crate) fn parse_bucket(name: &[u8], buckets: usize) -> Option<usize> {
    let canonical = match name {
        [] => false,
        [b'0'] => true,
        // At most 4 digits: there are at most `HIST_MAX_BUCKETS` (1,024) buckets.
        [first, ..] => *first != b'0' && name.len() <= 4,
    };
    if !canonical || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let bucket = name
        .iter()
        .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    (bucket < buckets).then_some(bucket)
}

/// The mode of value `i` of `group`'s file.
fn file_mode(group: &Group, i: usize) -> u16 {
    if group.clearable(i) {
        0o644
    } else {
        0o444
    }
}

/// What a lookup found.
enum Found {
    /// An entry: how to make its inode, its mode, its inode number and what it stands for.
    Entry(FileKind, u16, u64, NodeKind),
    /// Nothing.
    Absent,
}

/// What `name` is in the source directory `source`, and the revision it holds for.
fn lookup_in_source(source: &Arc<Source>, name: &[u8]) -> (Found, u64) {
    let shape = source.shape();
    // Read with the lock held: a change of the entries bumps it under the same lock.
    let rev = source.revision().get();
    if !shape.in_tree() {
        // A directory held open after its source left the tree is empty; its negative
        // dentries are not kept (it may come back with other entries).
        return (Found::Absent, 0);
    }
    let view = DirView::Source(&shape);
    let found = if let Some(child) = view.child(name) {
        Found::Entry(
            FileKind::Dir,
            0o555,
            child.ino(),
            NodeKind::Dir(child.clone()),
        )
    } else if let Some((group, i)) = view.value(name) {
        let ino = group.ino(i, None);
        if group.buckets(i) > 0 {
            Found::Entry(
                FileKind::Dir,
                0o555,
                ino,
                NodeKind::Histogram(source.clone(), group.clone(), i),
            )
        } else {
            Found::Entry(
                FileKind::Value,
                file_mode(group, i),
                ino,
                NodeKind::Value(group.clone(), i, None),
            )
        }
    } else {
        Found::Absent
    };
    (found, rev)
}

/// What `name` is in histogram directory `index` of `group` of `source`.
fn lookup_in_histogram(
    source: &Source,
    group: &Arc<Group>,
    index: usize,
    name: &[u8],
) -> (Found, u64) {
    let shape = source.shape();
    let rev = source.revision().get();
    // Its buckets are there while it is the entry its name gives in a directory in the tree.
    if !shape.in_tree() || !DirView::Source(&shape).shows(group, index) {
        return (Found::Absent, 0);
    }
    let found = match parse_bucket(name, group.buckets(index)) {
        Some(bucket) => Found::Entry(
            FileKind::Value,
            file_mode(group, index),
            group.ino(index, Some(bucket)),
            NodeKind::Value(group.clone(), index, Some(bucket)),
        ),
        None => Found::Absent,
    };
    (found, rev)
}

/// What `name` is in directory `dir`, and the revision of its entries it holds for.
fn find(dir: &Node, name: &[u8]) -> (Found, u64) {
    if let Some(kind) = MetaKind::from_name(name) {
        // Every directory has them, never listed: a fresh inode number will do.
        let Some(target) = dir.target() else {
            return (Found::Absent, 0);
        };
        let file = if kind == MetaKind::Stats {
            FileKind::Stats
        } else {
            FileKind::Walk
        };
        return (
            Found::Entry(file, 0, ino::reserve(1), NodeKind::Meta(kind, target)),
            meta_rev(dir),
        );
    }
    match dir.kind() {
        NodeKind::Root(view) => {
            let roots = roots::lock();
            let rev = roots::revision().get();
            let found =
                DirView::Roots(roots.as_ref(), *view)
                    .child(name)
                    .map_or(Found::Absent, |child| {
                        Found::Entry(
                            FileKind::Dir,
                            0o555,
                            child.ino(),
                            NodeKind::Dir(child.clone()),
                        )
                    });
            (found, rev)
        }
        NodeKind::Dir(source) => lookup_in_source(source, name),
        NodeKind::Histogram(source, group, index) => {
            lookup_in_histogram(source, group, *index, name)
        }
        NodeKind::Value(..) | NodeKind::Meta(..) => (Found::Absent, 0),
    }
}

/// Looks `name` up in directory `dir`. Returns 0 with `*info` describing the new inode,
/// `-ENOENT` with `info->rev` for the negative dentry, or `-ENOMEM`.
///
/// # Safety
///
/// `dir` is the `i_private` of a live statsfs directory inode; `name` points to `len`
/// bytes; `info` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_lookup(
    dir: *const Node,
    name: *const u8,
    len: usize,
    info: *mut NodeInfo,
) -> c_int {
    // SAFETY: The caller passes a live directory and its lookup name (safety requirement).
    let (dir, name) = unsafe { (Node::from_inode(dir), name_bytes(name, len)) };
    let (found, rev) = find(dir, name);
    let mut made = NodeInfo {
        kind: FileKind::None,
        mode: 0,
        ino: 0,
        rev,
        node: ptr::null_mut(),
    };
    // Allocated with no lock held: nothing that must stay consistent with the tree is left.
    let result = match found {
        Found::Absent => Err(ENOENT),
        Found::Entry(kind, mode, ino, node) => Node::new(node).map(|node| {
            made.kind = kind;
            made.mode = mode;
            made.ino = ino;
            made.node = node.into_foreign().cast();
        }),
    };
    // SAFETY: `info` is writable (safety requirement).
    unsafe { info.write(made) };
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Whether `node` is, right now, the entry `name` of directory `dir` (`None`: whether
/// `dir` has no entry `name`), and the revision of `dir`'s entries it holds for.
fn check(dir: &Node, name: &[u8], node: Option<&Node>) -> (bool, u64) {
    if let Some(kind) = MetaKind::from_name(name) {
        let valid = match node.map(Node::kind) {
            Some(NodeKind::Meta(k, _)) => *k == kind,
            _ => false,
        };
        return (valid, meta_rev(dir));
    }
    match (dir.kind(), node.map(Node::kind)) {
        (NodeKind::Root(view), node) => {
            let roots = roots::lock();
            let rev = roots::revision().get();
            let child = DirView::Roots(roots.as_ref(), *view).child(name);
            let valid = match node {
                None => child.is_none(),
                Some(NodeKind::Dir(source)) => child.is_some_and(|c| Arc::ptr_eq(c, source)),
                Some(_) => false,
            };
            (valid, rev)
        }
        (NodeKind::Dir(dir), node) => {
            let shape = dir.shape();
            let rev = dir.revision().get();
            if !shape.in_tree() {
                return (node.is_none(), 0);
            }
            let view = DirView::Source(&shape);
            let valid = match node {
                None => view.child(name).is_none() && view.value(name).is_none(),
                Some(NodeKind::Dir(source)) => {
                    view.child(name).is_some_and(|c| Arc::ptr_eq(c, source))
                }
                Some(NodeKind::Histogram(_, group, index)) => view
                    .value(name)
                    .is_some_and(|(g, i)| Arc::ptr_eq(g, group) && i == *index && g.buckets(i) > 0),
                Some(NodeKind::Value(group, index, None)) => {
                    view.value(name).is_some_and(|(g, i)| {
                        Arc::ptr_eq(g, group) && i == *index && g.buckets(i) == 0
                    })
                }
                Some(_) => false,
            };
            (valid, rev)
        }
        (NodeKind::Histogram(source, group, index), node) => {
            let shape = source.shape();
            let rev = source.revision().get();
            let current = shape.in_tree() && DirView::Source(&shape).shows(group, *index);
            let bucket = parse_bucket(name, group.buckets(*index));
            let valid = match node {
                None => !current || bucket.is_none(),
                Some(NodeKind::Value(g, i, Some(b))) => {
                    current && Arc::ptr_eq(g, group) && i == index && bucket == Some(*b)
                }
                Some(_) => false,
            };
            (valid, if current { rev } else { 0 })
        }
        _ => (false, 0),
    }
}

/// The revision a metadata file's dentry keeps: that of its directory.
fn meta_rev(dir: &Node) -> u64 {
    match dir.kind() {
        NodeKind::Dir(source) | NodeKind::Histogram(source, ..) => source.revision().get(),
        _ => roots::revision().get(),
    }
}

/// Whether a dentry of directory `dir` called `name` is still valid: for the inode whose
/// `i_private` is `node`, or a negative dentry if `node` is null. If it is, the revision
/// it keeps from now on is stored in `*rev`.
///
/// # Safety
///
/// `dir` is the `i_private` of a live statsfs directory inode; `name` points to `len`
/// bytes; `node` is null or the `i_private` of a live statsfs inode; `rev` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_revalidate(
    dir: *const Node,
    name: *const u8,
    len: usize,
    node: *const Node,
    rev: *mut u64,
) -> bool {
    // SAFETY: The caller passes a live directory and the dentry's name (safety requirement).
    let (dir, name) = unsafe { (Node::from_inode(dir), name_bytes(name, len)) };
    // SAFETY: Null, or the `i_private` of a live inode (safety requirement).
    let node = (!node.is_null()).then(|| unsafe { Node::from_inode(node) });
    let (valid, now) = check(dir, name, node);
    if valid {
        // SAFETY: Writable (safety requirement).
        unsafe { rev.write(now) };
    }
    valid
}

/// Records `dentry`, just made for the inode of `node`, as the dentry of a source's
/// directory, so that it is pruned when the source is torn down. Returns what the dentry
/// keeps in `d_fsdata` until it is released ([`stats_fs_core_dentry_gone`]): a reference
/// to the source's memory, or null for another kind of node.
///
/// # Safety
///
/// `node` is the `i_private` of `dentry`'s live inode; `dentry` is live.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_dentry_made(
    node: *const Node,
    dentry: *mut bindings::dentry,
) -> *mut c_void {
    // SAFETY: The `i_private` of a live inode (safety requirement).
    let NodeKind::Dir(source) = (unsafe { Node::from_inode(node) }).kind() else {
        return ptr::null_mut();
    };
    // A dentry made earlier for the source was invalidated: this one replaces it.
    source.dentry_slot().xchg(dentry, Full);
    source.clone().into_foreign()
}

/// Forgets `dentry`, which is being released, as the dentry of the source `source` (what
/// [`stats_fs_core_dentry_made`] returned for it).
///
/// # Safety
///
/// `source` came from [`stats_fs_core_dentry_made`] for `dentry`, handed back once.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_dentry_gone(
    source: *mut c_void,
    dentry: *mut bindings::dentry,
) {
    // SAFETY: From `Arc::into_foreign` in `stats_fs_core_dentry_made`, given back once
    // (safety requirement).
    let source = unsafe { <Arc<Source> as ForeignOwnable>::from_foreign(source) };
    // Only if it is still this dentry: a newer one may have replaced it.
    let _ = source.dentry_slot().cmpxchg(dentry, ptr::null_mut(), Full);
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kunit_tests(statsfs_vfs)]
mod tests {
    use super::{
        parse_bucket,
        NodeInfo, //
    };
    use crate::{fs::node, glue::ffi};
    use core::mem::{
        offset_of,
        size_of, //
    };

    #[test]
    fn glue_types_have_the_c_layout() {
        // SAFETY: A constant array defined in C, never written.
        let c = unsafe { &ffi::stats_fs_vfs_layout };
        let (head, kinds) = node::layout();
        let rust = [
            head[0],
            head[1],
            head[2],
            size_of::<NodeInfo>(),
            offset_of!(NodeInfo, kind),
            offset_of!(NodeInfo, mode),
            offset_of!(NodeInfo, ino),
            offset_of!(NodeInfo, rev),
            offset_of!(NodeInfo, node),
            kinds[0],
            kinds[1],
            kinds[2],
            kinds[3],
        ];
        assert_eq!(c, &rust);
    }

    #[test]
    fn bucket_names_are_canonical_decimal() {
        assert_eq!(parse_bucket(b"0", 32), Some(0));
        assert_eq!(parse_bucket(b"31", 32), Some(31));
        assert_eq!(parse_bucket(b"32", 32), None);
        assert_eq!(parse_bucket(b"01", 32), None);
        assert_eq!(parse_bucket(b"", 32), None);
        assert_eq!(parse_bucket(b"-1", 32), None);
        assert_eq!(parse_bucket(b"1a", 32), None);
        assert_eq!(parse_bucket(b"1023", 1024), Some(1023));
        assert_eq!(parse_bucket(b"99999999999999999999", 32), None);
    }
}
