// SPDX-License-Identifier: GPL-2.0

//! Value files: the number (signed types signed) or the show string, and a newline.
//!
//! A value file keeps no state: opening it allocates nothing, and every read makes the text
//! afresh and copies the part from the reader's position on, so a read from offset 0 always
//! shows a fresh value. A revoked or removed group's file reads `0`. Writing `0` clears the
//! value (every member's, for an aggregate).

use kernel::{
    bindings,
    ffi::c_int,
    iov::IovIterDest,
    prelude::*, //
};

use super::{
    decimal::decimal,
    node::{
        Node,
        NodeKind, //
    },
    sink::Sink,
};

/// Copies the text of value file `node` from file offset `pos` into `sink`.
fn read(node: &Node, sink: &mut Sink<'_, '_>) {
    let NodeKind::Value(group, index, bucket) = node.kind() else {
        return;
    };
    let mut buf = [0u8; 21];
    let Some(live) = group.live() else {
        sink.put(b"0\n");
        return;
    };
    let number = live.value(*index, bucket.unwrap_or(0));
    if bucket.is_none() {
        let text = live.desc(*index).and_then(|d| d.show(number));
        if let Some(text) = text {
            // The descriptor's string, valid while the group is live: copied with it held.
            if sink.put(text.to_bytes()) {
                sink.put(b"\n");
            }
            return;
        }
    }
    if sink.put(decimal(&mut buf, number, group.signed(*index))) {
        sink.put(b"\n");
    }
}

/// `read_iter` of a value file: copies its text from `*pos` on into `iter`, and moves
/// `*pos` past what was copied. Returns how many bytes that was.
///
/// # Safety
///
/// `node` is the `i_private` of a live statsfs value inode; `iter` is a valid destination
/// iterator used by this task only; `pos` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_value_read(
    node: *const Node,
    iter: *mut bindings::iov_iter,
    pos: *mut i64,
) -> isize {
    // SAFETY: As required above.
    let (node, dest, at) = unsafe { (Node::from_inode(node), IovIterDest::from_raw(iter), *pos) };
    let Ok(start) = u64::try_from(at) else {
        return EINVAL.to_errno() as isize;
    };
    let mut sink = Sink::new(dest, start, 0);
    read(node, &mut sink);
    let copied = sink.finish();
    // SAFETY: Writable (safety requirement). `copied` is at most a few hundred bytes.
    unsafe { *pos = at + copied as i64 };
    copied as isize
}

/// Clears value file `node`: every element the file shows (its whole subtree for an
/// aggregate). `-EPERM` for a value that cannot be cleared, `-ENOENT` for one whose group
/// was revoked or removed.
///
/// # Safety
///
/// `node` is the `i_private` of a live statsfs value inode.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_value_clear(node: *const Node) -> c_int {
    // SAFETY: A live value inode's `i_private` (safety requirement).
    let NodeKind::Value(group, index, bucket) = (unsafe { Node::from_inode(node) }).kind() else {
        return EINVAL.to_errno();
    };
    let result = match group.live() {
        Some(live) => live.clear_value(*index, bucket.unwrap_or(0)),
        None => Err(ENOENT),
    };
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
