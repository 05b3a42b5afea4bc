// SPDX-License-Identifier: GPL-2.0

//! The file system's view of the tree: what the C VFS glue (`stats_fs_vfs.c`) asks.
//!
//! Every answer comes from the live tree, under the tree lock, so lookup, revalidation and
//! readdir agree with the tree at every instant and sources come and go without any VFS
//! work. An inode's `i_private` keeps the memory of what it stands for alive:
//!
//! - a directory holds an `Arc<Source>` (memory only: no reference, so the source is torn
//!   down when its users are done, whatever is open);
//! - a file holds a [`ValueNode`]: the source's `Arc` and which value of which group it
//!   shows. Groups are never freed while their source is, and a revoked or torn down one
//!   reads 0.
//!
//! C header: [`src/stats_fs_internal.h`](../src/stats_fs_internal.h)

use core::fmt::Write;
use kernel::{
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
    sync::Arc,
};

use crate::{
    source::Source,
    tree::{
        self,
        Held, //
    },
    value::{
        Group,
        StatsFsValue, //
    },
};

/// `STATS_FS_NODE_DIR`: `i_private` is an `Arc<Source>` from `Arc::into_raw`.
const NODE_DIR: c_int = 1;
/// `STATS_FS_NODE_VALUE`: `i_private` is a `KBox<ValueNode>` from `KBox::into_raw`.
const NODE_VALUE: c_int = 2;

/// `struct stats_fs_node_info`: what a lookup found.
#[repr(C)]
pub(crate) struct NodeInfo {
    kind: c_int,
    mode: u16,
    private: *mut c_void,
}

/// What a value file stands for.
pub(crate) struct ValueNode {
    source: Arc<Source>,
    array: *const StatsFsValue,
    base: *mut c_void,
    index: usize,
}

// SAFETY: `array` and `base` are only compared, or used through the source's group, which
// owns the right to read them under the tree lock; `Arc<Source>` is `Send`.
unsafe impl Send for ValueNode {}
// SAFETY: As for `Send`.
unsafe impl Sync for ValueNode {}

impl ValueNode {
    /// The group this file shows, if its source still has it.
    fn group<'a>(&'a self, g: &'a impl Held) -> Option<&'a Group> {
        self.source.group(g, self.array, self.base)
    }
}

mod c {
    use kernel::ffi::c_void;

    extern "C" {
        // In `stats_fs_vfs.c`; see `stats_fs_internal.h`.
        pub(super) fn stats_fs_vfs_emit(
            ctx: *mut c_void,
            name: *const u8,
            len: usize,
            is_dir: bool,
        ) -> bool;
    }
}

/// The source a directory inode stands for: `None` for the root directory.
///
/// # Safety
///
/// `dir` is the `i_private` of a live statsfs directory inode.
unsafe fn dir_source<'a>(dir: *const c_void) -> Option<&'a Source> {
    // SAFETY: A directory's `i_private` is NULL (the root) or an `Arc<Source>` from
    // `Arc::into_raw` that the inode keeps until it is evicted (safety requirement).
    unsafe { dir.cast::<Source>().as_ref() }
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

/// Looks `name` up in directory `dir`.
///
/// # Safety
///
/// `dir` as for [`dir_source`]; `name` points to `len` bytes; `info` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_lookup(
    dir: *const c_void,
    name: *const u8,
    len: usize,
    info: *mut NodeInfo,
) -> c_int {
    // SAFETY: The caller passes a live directory and its lookup name (safety requirement).
    let (dir, name) = unsafe { (dir_source(dir), name_bytes(name, len)) };
    let found = {
        let g = tree::read();
        if dir.is_some_and(|d| !d.in_tree(&g)) {
            // A directory held open after its source left the tree: it is empty.
            Err(ENOENT)
        } else if let Some(child) = Source::visible_child(dir, &g, name) {
            Ok((
                NODE_DIR,
                0o555,
                Arc::into_raw(child.clone()).cast_mut().cast::<c_void>(),
            ))
        } else if let Some((grp, index)) = dir.and_then(|d| d.visible_value(&g, name)) {
            let clearable = grp.desc(index).is_some_and(|d| d.clearable());
            // The lookup path holds the directory inode, and so the `Arc` in it.
            let source = dir.map(|d| {
                // SAFETY: `d` came from `Arc::into_raw` (see `dir_source`) and is live.
                unsafe { kernel::sync::ArcBorrow::from_raw(d) }.into()
            });
            match source {
                Some(source) => KBox::new(
                    ValueNode {
                        source,
                        array: grp.array(),
                        base: grp.base(),
                        index,
                    },
                    GFP_KERNEL,
                )
                .map(|node| {
                    let mode = if clearable { 0o644 } else { 0o444 };
                    (NODE_VALUE, mode, KBox::into_raw(node).cast::<c_void>())
                })
                .map_err(Error::from),
                None => Err(ENOENT),
            }
        } else {
            Err(ENOENT)
        }
    };
    match found {
        Ok((kind, mode, private)) => {
            // SAFETY: `info` is writable (safety requirement).
            unsafe {
                info.write(NodeInfo {
                    kind,
                    mode,
                    private,
                })
            };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// Whether the inode `node` (of `kind`) is still the entry `name` of directory `dir`.
///
/// # Safety
///
/// `dir` as for [`dir_source`]; `name` points to `len` bytes; `node` is the `i_private` of
/// a live statsfs inode of `kind`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_revalidate(
    dir: *const c_void,
    name: *const u8,
    len: usize,
    node: *const c_void,
    kind: c_int,
) -> c_int {
    // SAFETY: The caller passes a live directory and the dentry's name (safety requirement).
    let (dir, name) = unsafe { (dir_source(dir), name_bytes(name, len)) };
    let g = tree::read();
    let valid = dir.is_none_or(|d| d.in_tree(&g))
        && match kind {
            NODE_DIR => {
                // SAFETY: A live directory inode's `i_private` (safety requirement).
                let source = unsafe { &*node.cast::<Source>() };
                source.is_entry_of(dir, &g, name)
            }
            _ => {
                // SAFETY: A live value inode's `i_private` (safety requirement).
                let node = unsafe { &*node.cast::<ValueNode>() };
                dir.is_some_and(|d| core::ptr::eq(d, &*node.source))
                    && node.source.visible_value(&g, name).is_some_and(|(grp, i)| {
                        grp.array() == node.array && grp.base() == node.base && i == node.index
                    })
            }
        };
    c_int::from(valid)
}

/// Releases an inode's `i_private` when the inode is evicted.
///
/// # Safety
///
/// `node` came from [`stats_fs_rust_lookup`] as `kind`, and is not used again.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_release(node: *mut c_void, kind: c_int) {
    if kind == NODE_DIR {
        // SAFETY: From `Arc::into_raw` in `stats_fs_rust_lookup` (safety requirement).
        drop(unsafe { Arc::from_raw(node.cast::<Source>()) });
    } else {
        // SAFETY: From `KBox::into_raw` in `stats_fs_rust_lookup` (safety requirement).
        drop(unsafe { KBox::from_raw(node.cast::<ValueNode>()) });
    }
}

/// Emits the entries of directory `dir` from index `first` on.
///
/// The names are copied out under the tree lock and emitted after it is released: emitting
/// copies to user memory, which may fault.
///
/// # Safety
///
/// `dir` as for [`dir_source`]; `ctx` is the `struct dir_context` of the readdir call.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_readdir(
    dir: *const c_void,
    ctx: *mut c_void,
    first: i64,
) -> c_int {
    // SAFETY: A live directory (safety requirement).
    let dir = unsafe { dir_source(dir) };
    let first = usize::try_from(first).unwrap_or(0);
    let mut names: KVec<u8> = KVec::new();
    let mut entries: KVec<(usize, usize, bool)> = KVec::new();
    let collected = {
        let g = tree::read();
        let mut index = 0;
        if dir.is_some_and(|d| !d.in_tree(&g)) {
            return 0;
        }
        Source::for_each_entry(dir, &g, |name, is_dir| {
            if index >= first {
                let bytes = name.to_bytes();
                entries.push((names.len(), bytes.len(), is_dir), GFP_KERNEL)?;
                names.extend_from_slice(bytes, GFP_KERNEL)?;
            }
            index += 1;
            Ok(())
        })
    };
    if let Err(e) = collected {
        return e.to_errno();
    }
    for &(start, len, is_dir) in entries.iter() {
        let name = &names[start..start + len];
        // SAFETY: `ctx` is the caller's context; `name` is valid for `len` bytes.
        if !unsafe { c::stats_fs_vfs_emit(ctx, name.as_ptr(), len, is_dir) } {
            break;
        }
    }
    0
}

/// A fixed buffer that formatted text goes into.
struct TextBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for TextBuf<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes the text of value file `node` into `buf`: the number in decimal (signed types
/// signed) or the show string, and a newline. Returns the length.
///
/// # Safety
///
/// `node` is the `i_private` of a live value inode; `buf` is writable for `size` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_read_value(
    node: *const c_void,
    buf: *mut u8,
    size: usize,
) -> isize {
    // SAFETY: A live value inode's `i_private` (safety requirement).
    let node = unsafe { &*node.cast::<ValueNode>() };
    // SAFETY: Writable for `size` bytes (safety requirement).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, size) };
    let mut out = TextBuf { buf, len: 0 };
    let written = {
        let g = tree::read();
        match node
            .group(&g)
            .and_then(|grp| grp.desc(node.index).map(|d| (grp, d)))
        {
            // Cannot happen (groups live as long as their source), but read as revoked.
            None => out.write_str("0\n"),
            Some((grp, desc)) => {
                let value = node.source.value_of(&g, grp, node.index);
                match desc.show(value) {
                    Some(text) => match text.to_str() {
                        Ok(text) => writeln!(out, "{text}"),
                        Err(_) => writeln!(out, "{value}"),
                    },
                    None if desc.signed() => writeln!(out, "{}", value as i64),
                    None => writeln!(out, "{value}"),
                }
            }
        }
    };
    match written {
        Ok(()) => out.len as isize,
        Err(_) => EOVERFLOW.to_errno() as isize,
    }
}

/// Clears value file `node` (its whole subtree for an aggregate).
///
/// # Safety
///
/// `node` is the `i_private` of a live value inode.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_clear_value(node: *const c_void) -> c_int {
    // SAFETY: A live value inode's `i_private` (safety requirement).
    let node = unsafe { &*node.cast::<ValueNode>() };
    let g = tree::read();
    let result = match node.group(&g) {
        Some(grp) => node.source.clear_in(&g, grp, node.index),
        None => Err(ENOENT),
    };
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
