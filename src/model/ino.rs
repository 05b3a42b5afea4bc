// SPDX-License-Identifier: GPL-2.0

//! Inode numbers: every directory and file statsfs shows has one for its whole life.
//!
//! A source takes one when it is created, a value group one per value and one per bucket
//! of each histogram. lookup gives the inode that number and readdir reports it, so
//! `ls -i` and `stat` agree, and two entries never share one. Numbers are 64-bit and never
//! reused; the root directory is 1.

use kernel::sync::atomic::{
    Atomic,
    Relaxed, //
};

/// The next free inode number.
static NEXT: Atomic<u64> = Atomic::new(2);

/// Reserves `count` consecutive inode numbers and returns the first.
pub(crate) fn reserve(count: u64) -> u64 {
    NEXT.fetch_add(count, Relaxed)
}
