// SPDX-License-Identifier: GPL-2.0

//! The VFS boundary: everything that crosses between the Rust core and the C VFS glue in
//! `stats_fs_vfs.c`, in both directions.
//!
//! - Rust to C: [`Registration`] registers the file system type and creates the mount
//!   point (`stats_fs_vfs_init()`), and undoes it when dropped; `stats_fs_vfs_emit()` reports
//!   a directory entry to readdir.
//! - C to Rust: the `stats_fs_rust_*` entry points answer lookup, revalidation, readdir,
//!   reads (a `seq_file` show) and clears, and release an inode's node when it is evicted.
//!
//! Every answer comes from the live tree, under the tree lock, so lookup, revalidation and
//! readdir agree with the tree at every instant and sources come and go without any VFS
//! work. An inode's `i_private` is the [`Node`] it stands for (NULL for the root
//! directory), owned by the inode until it is evicted. A node keeps the memory of what it
//! shows alive, but no reference: a source is torn down when its users are done, whatever
//! is open, and its groups are never freed while their source's memory lives. A revoked
//! or torn down group reads 0.
//!
//! C header: [`src/stats_fs_internal.h`](../src/stats_fs_internal.h)

use core::fmt::Write;
use kernel::{
    bindings,
    error::to_result,
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
    seq_file::SeqFile,
    seq_print,
    str::Formatter,
    sync::Arc,
    types::ForeignOwnable,
};

use crate::{
    bulk::{
        MetaKind,
        Stats,
        Target,
        Walk, //
    },
    source::{
        Revision,
        Source, //
    },
    tree::{
        self,
        Held, //
    },
    value::{
        Desc,
        Group,
        GroupId, //
    },
};

/// `struct stats_fs_node_info`: what a lookup found; `private` is a `KBox<Node>` in foreign
/// form, owned by the new inode. When nothing was found, `rev` is the revision of the
/// directory's entries for the negative dentry (0: do not keep it).
#[repr(C)]
pub(crate) struct NodeInfo {
    is_dir: bool,
    /// 0, or which metadata file (1 `.values`, 2 `.schema`, 3 `.stats`): its mode and
    /// owner are then the directory's, and C gives it the matching file operations.
    meta: u8,
    mode: u16,
    ino: u64,
    rev: u64,
    /// The revision of sources leaving the tree when the entry was found.
    unlinks: u64,
    private: *mut c_void,
}

/// What an inode stands for.
pub(crate) enum Node {
    /// The directory of a source.
    Dir(Arc<Source>),
    /// The directory of a histogram: one file per bucket.
    Histogram(ValueRef),
    /// The file of a value: a single number (`None`), or one bucket of a histogram.
    Value(ValueRef, Option<usize>),
    /// A metadata file of a directory.
    Meta(MetaKind, Target),
}

/// One value of one group of a source, identified the way it stays stable: by the group's
/// identity and the descriptor's index.
pub(crate) struct ValueRef {
    source: Arc<Source>,
    group: GroupId,
    index: usize,
}

impl ValueRef {
    fn new(source: Arc<Source>, group: &Group, index: usize) -> Self {
        Self {
            source,
            group: group.id(),
            index,
        }
    }

    /// The group this value belongs to, if its source still has it.
    fn group<'a>(&'a self, g: &'a impl Held) -> Option<&'a Group> {
        self.source.group(g, self.group)
    }

    /// Whether `group`'s descriptor `index` is this value.
    fn is(&self, group: &Group, index: usize) -> bool {
        group.id() == self.group && index == self.index
    }

    /// The value's group and descriptor if it is still the entry of its source's directory
    /// that has its name, and that directory is in the tree.
    fn current<'a>(&'a self, g: &'a impl Held) -> Option<(&'a Group, Desc<'a>)> {
        let group = self.group(g)?;
        let desc = group.desc(self.index)?;
        let (found, index) = self.source.visible_value(g, desc.name().to_bytes())?;
        (self.source.in_tree(g) && self.is(found, index)).then_some((group, desc))
    }
}

/// The directory a C caller passes: its inode's `i_private`.
enum DirNode<'a> {
    /// The root directory: the registered sources.
    Root,
    /// A source's directory.
    Source(&'a Arc<Source>),
    /// A histogram's directory.
    Histogram(&'a ValueRef),
}

/// The node of an inode other than the root.
///
/// # Safety
///
/// `node` is the `i_private` of a live statsfs inode other than the root: a `KBox<Node>` from
/// [`ForeignOwnable::into_foreign`] that the inode owns until it is evicted, after `'a`.
unsafe fn node_of<'a>(node: *const c_void) -> &'a Node {
    // SAFETY: As required above.
    unsafe { <KBox<Node> as ForeignOwnable>::borrow(node.cast_mut()) }
}

/// The directory an inode's `i_private` stands for.
///
/// # Safety
///
/// `dir` is the `i_private` of a live statsfs directory inode, which keeps it for `'a`.
unsafe fn dir_node<'a>(dir: *const c_void) -> DirNode<'a> {
    if dir.is_null() {
        return DirNode::Root;
    }
    // SAFETY: A directory's `i_private` is NULL (the root, handled above) or a node that the
    // inode owns until it is evicted (safety requirement).
    match unsafe { node_of(dir) } {
        Node::Dir(source) => DirNode::Source(source),
        Node::Histogram(value) => DirNode::Histogram(value),
        // Value and metadata nodes are never directories; answer as an empty one.
        Node::Value(value, _) => DirNode::Histogram(value),
        Node::Meta(..) => DirNode::Root,
    }
}

impl DirNode<'_> {
    /// The revision of the directory's entries, if negative dentries may trust it: not for a
    /// directory that left the tree (it is empty until it comes back, whatever it held).
    fn revision(&self, g: &impl Held) -> Option<Revision> {
        match self {
            DirNode::Root => Some(Source::roots_revision()),
            DirNode::Source(source) => source.in_tree(g).then(|| source.revision()),
            DirNode::Histogram(hist) => hist.current(g).map(|_| hist.source.revision()),
        }
    }

    /// The revision of the directory's entries, read without the tree lock.
    fn revision_now(&self) -> Revision {
        match self {
            DirNode::Root => Source::roots_revision(),
            DirNode::Source(source) => source.revision(),
            DirNode::Histogram(hist) => hist.source.revision(),
        }
    }
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
fn parse_bucket(name: &[u8], buckets: usize) -> Option<usize> {
    let canonical = match name {
        [] => false,
        [b'0'] => true,
        [first, ..] => *first != b'0' && name.len() <= 10,
    };
    if !canonical || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let bucket = name
        .iter()
        .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    (bucket < buckets).then_some(bucket)
}

/// The mode of a value's file.
fn file_mode(desc: &Desc<'_>) -> u16 {
    if desc.clearable() {
        0o644
    } else {
        0o444
    }
}

impl DirNode<'_> {
    /// What the metadata files of this directory describe.
    fn target(&self) -> Target {
        match self {
            DirNode::Root => Target::Root,
            DirNode::Source(source) => Target::Source((*source).clone()),
            DirNode::Histogram(hist) => {
                Target::Histogram(hist.source.clone(), hist.group, hist.index)
            }
        }
    }
}

/// What a lookup found in a directory.
enum Lookup {
    /// An entry: whether it is a directory, its mode, its inode number and its node.
    Found(bool, u16, u64, Node),
    /// Nothing, for as long as the directory's entries keep this revision, if it is known.
    Absent(Option<Revision>),
}

/// What `name` is in directory `dir`.
fn lookup(dir: &DirNode<'_>, g: &impl Held, name: &[u8]) -> Lookup {
    if let Some(kind) = MetaKind::from_name(name) {
        // Not listed, and never a cached entry of the tree: a fresh inode number will do.
        return Lookup::Found(
            false,
            0,
            crate::ino::reserve(1),
            Node::Meta(kind, dir.target()),
        );
    }
    let found = match *dir {
        DirNode::Root => Source::visible_child(None, g, name)
            .map(|child| Lookup::Found(true, 0o555, child.ino(), Node::Dir(child.clone()))),
        // A directory held open after its source left the tree is empty.
        DirNode::Source(source) if !source.in_tree(g) => None,
        DirNode::Source(source) => {
            if let Some(child) = Source::visible_child(Some(source), g, name) {
                Some(Lookup::Found(
                    true,
                    0o555,
                    child.ino(),
                    Node::Dir(child.clone()),
                ))
            } else {
                source.visible_value(g, name).and_then(|(group, index)| {
                    let desc = group.desc(index)?;
                    let ino = group.ino(index, None);
                    let value = ValueRef::new(source.clone(), group, index);
                    Some(if desc.buckets() > 0 {
                        Lookup::Found(true, 0o555, ino, Node::Histogram(value))
                    } else {
                        Lookup::Found(false, file_mode(&desc), ino, Node::Value(value, None))
                    })
                })
            }
        }
        DirNode::Histogram(hist) => hist.current(g).and_then(|(group, desc)| {
            let bucket = parse_bucket(name, desc.buckets())?;
            let ino = group.ino(hist.index, Some(bucket));
            let value = ValueRef::new(hist.source.clone(), group, hist.index);
            Some(Lookup::Found(
                false,
                file_mode(&desc),
                ino,
                Node::Value(value, Some(bucket)),
            ))
        }),
    };
    found.unwrap_or_else(|| Lookup::Absent(dir.revision(g)))
}

/// Looks `name` up in directory `dir`.
///
/// # Safety
///
/// `dir` as for [`dir_node`]; `name` points to `len` bytes; `info` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_lookup(
    dir: *const c_void,
    name: *const u8,
    len: usize,
    info: *mut NodeInfo,
) -> c_int {
    // SAFETY: The caller passes a live directory and its lookup name (safety requirement).
    let (dir, name) = unsafe { (dir_node(dir), name_bytes(name, len)) };
    let (found, rev, unlinks) = {
        let g = tree::read();
        // Read with the lock held: no change can come between them and what was found.
        (
            lookup(&dir, &g, name),
            dir.revision_now(),
            Source::unlinks(),
        )
    };
    let mut made = NodeInfo {
        is_dir: false,
        meta: 0,
        mode: 0,
        ino: 0,
        rev: 0,
        unlinks: 0,
        private: core::ptr::null_mut(),
    };
    // Allocated without the tree lock: nothing that must stay consistent with it is left.
    let result = match found {
        Lookup::Absent(rev) => {
            made.rev = rev.map_or(0, Revision::get);
            Err(ENOENT)
        }
        Lookup::Found(is_dir, mode, ino, node) => KBox::new(node, GFP_KERNEL)
            .map(|node| {
                let meta = match &*node {
                    Node::Meta(MetaKind::Values, _) => 1,
                    Node::Meta(MetaKind::Schema, _) => 2,
                    Node::Meta(MetaKind::Stats, _) => 3,
                    _ => 0,
                };
                made = NodeInfo {
                    is_dir,
                    meta,
                    mode,
                    ino,
                    rev: rev.get(),
                    unlinks: unlinks.get(),
                    private: node.into_foreign(),
                };
            })
            .map_err(Error::from),
    };
    // SAFETY: `info` is writable (safety requirement).
    unsafe { info.write(made) };
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Whether `node` is still the entry `name` of directory `dir`.
fn is_entry(dir: &DirNode<'_>, g: &impl Held, name: &[u8], node: &Node) -> bool {
    match (dir, node) {
        // Every directory has them, for as long as it exists.
        (_, Node::Meta(kind, _)) => MetaKind::from_name(name) == Some(*kind),
        (DirNode::Root, Node::Dir(source)) => source.is_entry_of(None, g, name),
        (DirNode::Source(dir), Node::Dir(source)) => {
            dir.in_tree(g) && source.is_entry_of(Some(dir), g, name)
        }
        (DirNode::Source(dir), Node::Histogram(value) | Node::Value(value, None)) => {
            let is_histogram = matches!(node, Node::Histogram(_));
            Arc::ptr_eq(dir, &value.source)
                && value.current(g).is_some_and(|(_, desc)| {
                    desc.name().to_bytes() == name && (desc.buckets() > 0) == is_histogram
                })
        }
        (DirNode::Histogram(hist), Node::Value(value, bucket)) => {
            Arc::ptr_eq(&hist.source, &value.source)
                && hist.group == value.group
                && hist.index == value.index
                && hist
                    .current(g)
                    .is_some_and(|(_, desc)| parse_bucket(name, desc.buckets()) == *bucket)
        }
        _ => false,
    }
}

/// Whether the inode `node` is still the entry `name` of directory `dir`; if it is, the
/// revisions its dentry keeps from now on are stored in `rev` and `unlinks`.
///
/// # Safety
///
/// `dir` as for [`dir_node`]; `name` points to `len` bytes; `node` is the `i_private` of a
/// live statsfs inode other than the root; `rev` and `unlinks` are writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_revalidate(
    dir: *const c_void,
    name: *const u8,
    len: usize,
    node: *const c_void,
    rev: *mut u64,
    unlinks: *mut u64,
) -> c_int {
    // SAFETY: The caller passes a live directory and the dentry's name (safety requirement).
    let (dir, name) = unsafe { (dir_node(dir), name_bytes(name, len)) };
    // SAFETY: The `i_private` of a live inode other than the root (safety requirement).
    let node = unsafe { node_of(node) };
    let g = tree::read();
    let valid = is_entry(&dir, &g, name, node);
    if valid {
        // SAFETY: Both writable (safety requirement).
        unsafe {
            rev.write(dir.revision_now().get());
            unlinks.write(Source::unlinks().get());
        }
    }
    c_int::from(valid)
}

/// Whether a dentry of directory `dir` is still valid, told without sleeping (RCU path
/// walk): its directory's entries and the sources in the tree are as they were when it
/// was last found valid (`rev`, `unlinks`; a negative dentry only needs `rev`). `false`
/// means "cannot tell": the walk leaves RCU mode and asks [`stats_fs_rust_revalidate`].
///
/// Takes no lock: the revisions are atomics, and `dir`'s node is freed only after an RCU
/// grace period (`free_inode`).
///
/// # Safety
///
/// `dir` as for [`dir_node`], in an RCU read-side critical section that keeps its inode.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_revalidate_rcu(
    dir: *const c_void,
    negative: bool,
    rev: u64,
    unlinks: u64,
) -> bool {
    // SAFETY: A directory whose inode and node the RCU read side keeps (safety requirement).
    let dir = unsafe { dir_node(dir) };
    rev != 0 && dir.revision_now().get() == rev && (negative || Source::unlinks().get() == unlinks)
}

/// Whether a negative dentry of directory `dir` that remembered revision `rev` is still
/// valid: the directory's entries have not changed since.
///
/// # Safety
///
/// `dir` as for [`dir_node`].
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_revalidate_negative(
    dir: *const c_void,
    rev: u64,
) -> c_int {
    // SAFETY: The caller passes a live directory (safety requirement).
    let dir = unsafe { dir_node(dir) };
    let valid = rev != 0 && dir.revision(&tree::read()).is_some_and(|r| r.get() == rev);
    c_int::from(valid)
}

/// Releases an inode's `i_private` when the inode is evicted.
///
/// # Safety
///
/// `node` came from [`stats_fs_rust_lookup`], and is not used again.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_release(node: *mut c_void) {
    // SAFETY: From `into_foreign` in `stats_fs_rust_lookup`, given back once (safety
    // requirement).
    drop(unsafe { <KBox<Node> as ForeignOwnable>::from_foreign(node) });
}

mod c {
    use kernel::bindings::dir_context;

    extern "C" {
        // In `stats_fs_vfs.c`; see `stats_fs_internal.h`.
        pub(super) fn stats_fs_vfs_emit(
            ctx: *mut dir_context,
            name: *const u8,
            len: usize,
            ino: u64,
            is_dir: bool,
        ) -> bool;
    }
}

/// How many entries readdir copies out of the tree per hold of its lock.
const READDIR_BATCH: usize = 64;

/// The names of some directory entries, copied out of the tree so that they can be
/// emitted without its lock.
#[derive(Default)]
struct Entries {
    names: KVec<u8>,
    /// Start in `names`, length, inode number, and whether the entry is a directory.
    entries: KVec<(usize, usize, u64, bool)>,
    error: Option<Error>,
}

impl Entries {
    /// Adds an entry; `false` once the batch is full or memory ran out.
    fn push(&mut self, name: &[u8], ino: u64, is_dir: bool) -> bool {
        let pushed = self
            .entries
            .push((self.names.len(), name.len(), ino, is_dir), GFP_KERNEL)
            .and_then(|()| self.names.extend_from_slice(name, GFP_KERNEL));
        if let Err(e) = pushed {
            self.error = Some(e.into());
            return false;
        }
        self.entries.len() < READDIR_BATCH
    }

    /// Collects a batch of the entries of `dir` whose inode numbers are at least `from`,
    /// in increasing inode order.
    fn collect(dir: &DirNode<'_>, g: &impl Held, from: u64) -> Result<Self> {
        let mut this = Self::default();
        match *dir {
            DirNode::Root => Source::entries_from(None, g, from, |name, ino, is_dir| {
                this.push(name.to_bytes(), ino, is_dir)
            }),
            DirNode::Source(source) if source.in_tree(g) => {
                Source::entries_from(Some(source), g, from, |name, ino, is_dir| {
                    this.push(name.to_bytes(), ino, is_dir)
                })
            }
            DirNode::Source(_) => {}
            DirNode::Histogram(hist) => {
                if let Some((group, desc)) = hist.current(g) {
                    for bucket in 0..desc.buckets() {
                        let ino = group.ino(hist.index, Some(bucket));
                        if ino < from {
                            continue;
                        }
                        let mut buf = [0u8; 12];
                        let mut text = Formatter::new(&mut buf);
                        write!(text, "{bucket}").map_err(|_| EOVERFLOW)?;
                        let len = text.bytes_written();
                        if !this.push(&buf[..len], ino, false) {
                            break;
                        }
                    }
                }
            }
        }
        match this.error.take() {
            Some(e) => Err(e),
            None => Ok(this),
        }
    }
}

/// Emits the entries of directory `dir` whose inode numbers are at least `from`, a batch
/// at a time, until the caller's buffer is full.
///
/// The names are copied out under the tree lock and emitted after it is released: emitting
/// copies to user memory, which may fault. The position C keeps is the inode number after
/// the last entry emitted, so what comes and goes between calls cannot shift the others.
///
/// # Safety
///
/// `dir` as for [`dir_node`]; `ctx` is the `struct dir_context` of the readdir call.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_readdir(
    dir: *const c_void,
    ctx: *mut bindings::dir_context,
    from: u64,
) -> c_int {
    // SAFETY: A live directory (safety requirement).
    let dir = unsafe { dir_node(dir) };
    let mut from = from;
    loop {
        let batch = Entries::collect(&dir, &tree::read(), from);
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => return e.to_errno(),
        };
        for &(start, len, ino, is_dir) in batch.entries.iter() {
            let name = &batch.names[start..start + len];
            // SAFETY: `ctx` is the caller's context; `name` is valid for `len` bytes.
            if !unsafe { c::stats_fs_vfs_emit(ctx, name.as_ptr(), len, ino, is_dir) } {
                return 0;
            }
            from = ino + 1;
        }
        if batch.entries.len() < READDIR_BATCH {
            return 0;
        }
    }
}

/// The number or text value file `node` shows, `None` for a revoked group.
fn value_text<'a>(node: &'a Node, g: &'a impl Held) -> Option<(u64, Option<&'a str>, bool)> {
    let Node::Value(value, bucket) = node else {
        return None;
    };
    let group = value.group(g)?;
    // A revoked group's descriptor may not be touched: `desc` gives `None` then.
    let desc = group.desc(value.index)?;
    let number = value
        .source
        .value_of(g, group, value.index, bucket.unwrap_or(0));
    let text = if desc.buckets() == 0 {
        desc.show(number).and_then(|text| text.to_str().ok())
    } else {
        None
    };
    Some((number, text, desc.signed()))
}

/// Shows value file `node` in `m`: the number in decimal (signed types signed) or the show
/// string, and a newline; `0` for a revoked group.
///
/// The value is read under the tree lock, and printed into the `seq_file` after the lock is
/// released: the show string is the descriptor's, valid while the group is registered, so
/// it is copied out first.
///
/// # Safety
///
/// `m` is the `seq_file` of a `single_open()` read, used by this task only during the call;
/// `node` is the `i_private` of a live value inode.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_show_value(
    m: *mut bindings::seq_file,
    node: *const c_void,
) -> c_int {
    // SAFETY: A live value inode's `i_private` (safety requirement).
    let node = unsafe { node_of(node) };
    // The longest show string printed; longer ones are cut.
    let mut text = [0u8; 128];
    let (number, text_len, signed) = {
        let g = tree::read();
        match value_text(node, &g) {
            None => (0, None, false),
            Some((number, shown, signed)) => {
                let len = shown.map(|t| {
                    let len = t.len().min(text.len());
                    text[..len].copy_from_slice(&t.as_bytes()[..len]);
                    len
                });
                (number, len, signed)
            }
        }
    };
    // SAFETY: `m` is valid and not used by another task during the call (safety requirement).
    let m = unsafe { SeqFile::from_raw(m) };
    match text_len.map(|len| core::str::from_utf8(&text[..len])) {
        Some(Ok(text)) => seq_print!(m, "{text}\n"),
        _ if signed => seq_print!(m, "{}\n", number as i64),
        _ => seq_print!(m, "{number}\n"),
    }
    0
}

/// Clears value file `node` (its whole subtree for an aggregate).
///
/// # Safety
///
/// `node` is the `i_private` of a live value inode.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_clear_value(node: *const c_void) -> c_int {
    // SAFETY: A live value inode's `i_private` (safety requirement).
    let node = unsafe { node_of(node) };
    let Node::Value(value, bucket) = node else {
        return EINVAL.to_errno();
    };
    let g = tree::read();
    let result = match value.group(&g) {
        Some(group) => value
            .source
            .clear_in(&g, group, value.index, bucket.unwrap_or(0)),
        None => Err(ENOENT),
    };
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// A `.values` or `.schema` file being read: the walk and what to print.
pub(crate) struct MetaWalk {
    walk: Walk,
    kind: MetaKind,
}

/// The path of directory `target` from the top of the file system, for `.stats`'s id.
fn dir_path(target: &Target, g: &impl Held) -> Result<KVec<u8>> {
    let mut path = KVec::new();
    let (source, hist) = match target {
        Target::Root => return Ok(path),
        Target::Source(source) => (source, None),
        Target::Histogram(source, group, index) => (
            source,
            source
                .group(g, *group)
                .and_then(|grp| grp.desc(*index))
                .map(|d| d.name()),
        ),
    };
    let mut names = KVec::new();
    for s in crate::source::ancestors(source, g) {
        names.push(s.name(), GFP_KERNEL)?;
    }
    for name in names.iter().rev() {
        if !path.is_empty() {
            path.push(b'/', GFP_KERNEL)?;
        }
        path.extend_from_slice(name.to_bytes(), GFP_KERNEL)?;
    }
    if let Some(name) = hist {
        path.push(b'/', GFP_KERNEL)?;
        path.extend_from_slice(name.to_bytes(), GFP_KERNEL)?;
    }
    Ok(path)
}

/// Opens metadata file `node` (`.values` or `.schema`): its walk, or NULL without memory.
///
/// # Safety
///
/// `node` is the `i_private` of a live `.values` or `.schema` inode.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_walk_new(node: *const c_void) -> *mut c_void {
    // SAFETY: A live metadata inode's `i_private` (safety requirement).
    let Node::Meta(kind, target) = (unsafe { node_of(node) }) else {
        return core::ptr::null_mut();
    };
    let walk = MetaWalk {
        walk: Walk::new(target.clone()),
        kind: *kind,
    };
    KBox::new(walk, GFP_KERNEL).map_or(core::ptr::null_mut(), |w| w.into_foreign())
}

/// Positions walk `walk` on record `pos`; whether there is one.
///
/// # Safety
///
/// `walk` came from [`stats_fs_rust_walk_new`] and is used by one task at a time (the
/// `seq_file`'s lock).
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_walk_seek(walk: *mut c_void, pos: i64) -> bool {
    // SAFETY: From `stats_fs_rust_walk_new`, not shared meanwhile (safety requirement).
    let walk = unsafe { <KBox<MetaWalk> as ForeignOwnable>::borrow_mut(walk) };
    walk.walk.seek(&tree::read(), pos).unwrap_or(false)
}

/// Prints the current record of walk `walk` into `m`.
///
/// # Safety
///
/// As for [`stats_fs_rust_walk_seek`]; `m` is the walk's `seq_file`, used by this task.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_walk_show(
    m: *mut bindings::seq_file,
    walk: *mut c_void,
) -> c_int {
    // SAFETY: From `stats_fs_rust_walk_new`, not shared meanwhile (safety requirement).
    let walk = unsafe { <KBox<MetaWalk> as ForeignOwnable>::borrow(walk) };
    // SAFETY: `m` is valid and used by this task only (safety requirement).
    let m = unsafe { SeqFile::from_raw(m) };
    // A full buffer is no error: the seq_file grows it and shows the record again.
    let _ = walk.walk.show(&tree::read(), m, walk.kind);
    0
}

/// Frees walk `walk`.
///
/// # Safety
///
/// `walk` came from [`stats_fs_rust_walk_new`] and is not used again.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_walk_free(walk: *mut c_void) {
    // SAFETY: From `stats_fs_rust_walk_new`, given back once (safety requirement).
    drop(unsafe { <KBox<MetaWalk> as ForeignOwnable>::from_foreign(walk) });
}

/// Opens `.stats` file `node`: its descriptors, fixed now; or NULL with `*err` set.
///
/// # Safety
///
/// `node` is the `i_private` of a live `.stats` inode; `err` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_stats_new(
    node: *const c_void,
    err: *mut c_int,
) -> *mut c_void {
    // SAFETY: A live metadata inode's `i_private` (safety requirement).
    let Node::Meta(_, target) = (unsafe { node_of(node) }) else {
        return core::ptr::null_mut();
    };
    // The lock is released before `Stats::new` takes it again, source by source.
    let path = dir_path(target, &tree::read());
    let made = path
        .and_then(|path| Stats::new(target.clone(), &path))
        .and_then(|stats| Ok(KBox::new(stats, GFP_KERNEL)?));
    match made {
        Ok(stats) => stats.into_foreign(),
        Err(e) => {
            // SAFETY: Writable (safety requirement).
            unsafe { err.write(e.to_errno()) };
            core::ptr::null_mut()
        }
    }
}

/// Fills `buf` (`size` bytes) with `.stats` file `stats` from offset `pos`; returns how many
/// bytes, 0 at the end.
///
/// # Safety
///
/// `stats` came from [`stats_fs_rust_stats_new`] and is live; `buf` is writable for `size`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_stats_read(
    stats: *mut c_void,
    buf: *mut u8,
    size: usize,
    pos: i64,
) -> isize {
    // SAFETY: From `stats_fs_rust_stats_new` and live (safety requirement).
    let stats = unsafe { <KBox<Stats> as ForeignOwnable>::borrow(stats) };
    // SAFETY: Writable for `size` bytes (safety requirement).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, size) };
    match u64::try_from(pos) {
        Ok(pos) => stats.read(pos, buf) as isize,
        Err(_) => EINVAL.to_errno() as isize,
    }
}

/// Frees `.stats` file `stats`.
///
/// # Safety
///
/// `stats` came from [`stats_fs_rust_stats_new`] and is not used again.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_stats_free(stats: *mut c_void) {
    // SAFETY: From `stats_fs_rust_stats_new`, given back once (safety requirement).
    drop(unsafe { <KBox<Stats> as ForeignOwnable>::from_foreign(stats) });
}

mod registration {
    use kernel::ffi::c_int;

    // In `stats_fs_vfs.c`; see `stats_fs_internal.h`, which is not an input to bindgen.
    extern "C" {
        pub(super) fn stats_fs_vfs_init() -> c_int;
        pub(super) fn stats_fs_vfs_exit();
    }
}

/// The registration of the `statsfs` file system type and of `/sys/kernel/stats`.
///
/// # Invariants
///
/// `stats_fs_vfs_init()` succeeded and `stats_fs_vfs_exit()` has not been called yet.
pub(crate) struct Registration(());

impl Registration {
    /// Creates the mount point and registers the file system type.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `stats_fs_vfs_init()` has no preconditions; it is called once, at module
        // init, and undone only by `Drop` below.
        to_result(unsafe { registration::stats_fs_vfs_init() })?;
        // INVARIANT: The call above succeeded.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: By the type invariant, `stats_fs_vfs_init()` succeeded and this is the
        // only call to `stats_fs_vfs_exit()` for it. Nothing is mounted: a mount holds a
        // reference on the module, so the module (and this value) cannot go away.
        unsafe { registration::stats_fs_vfs_exit() };
    }
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kunit_tests(statsfs_vfs)]
mod tests {
    use super::{
        parse_bucket,
        NodeInfo, //
    };
    use core::mem::{
        offset_of,
        size_of, //
    };

    mod c {
        extern "C" {
            // Defined in `stats_fs_vfs.c` from `stats_fs_internal.h`.
            pub(super) static stats_fs_vfs_layout: [usize; 8];
        }
    }

    #[test]
    fn node_info_has_the_c_layout() {
        // SAFETY: A constant array defined in C, never written.
        let c = unsafe { &c::stats_fs_vfs_layout };
        let rust = [
            size_of::<NodeInfo>(),
            offset_of!(NodeInfo, is_dir),
            offset_of!(NodeInfo, meta),
            offset_of!(NodeInfo, mode),
            offset_of!(NodeInfo, ino),
            offset_of!(NodeInfo, rev),
            offset_of!(NodeInfo, unlinks),
            offset_of!(NodeInfo, private),
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
        assert_eq!(parse_bucket(b"99999999999999999999", 32), None);
    }
}
