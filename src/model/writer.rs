// SPDX-License-Identifier: GPL-2.0

//! The lock over the statistics tree.
//!
//! One read-write semaphore protects the shape of the whole tree: which sources are
//! registered at the root, each source's subordinates and parent, each source's value
//! groups and whether they are revoked. Data protected by it is wrapped in [`TreeLocked`]
//! and reachable only through a guard, so the compiler checks the locking.
//!
//! - Readers (value reads, aggregation, clear, lookups, `readdir`) take it shared, so any
//!   number run in parallel. A reader holds it while it touches a value group's memory;
//!   that is what makes revocation safe (see below).
//! - Writers (register, add values or subordinates, remove, revoke, the final put) take
//!   it exclusively. Revocation marks groups revoked under the write lock, so when
//!   [`write`] returns no reader is still inside a group being revoked, and no later
//!   reader will enter it.
//!
//! It is a sleeping lock: every holder may sleep and may allocate with `GFP_KERNEL`, and it
//! must not be taken from atomic context. It is the innermost statsfs lock: nothing else
//! of statsfs is taken under it, and a value's `get`/`clear`/`show` callbacks run under it
//! (shared), so they must not call back into statsfs, and may take only locks that are
//! never held across a call into statsfs (the rule `struct stats_fs_type` documents, which
//! `tests/selftests/statsfs/92-callback-locks.c` shows to lockdep). VFS locks (a
//! directory's `i_rwsem`) may be held when it is taken, never taken while it is held.
//!
//! C header: [`include/linux/rwsem.h`](srctree/include/linux/rwsem.h)

use core::{
    cell::UnsafeCell,
    marker::PhantomData, //
};
use kernel::{
    bindings,
    prelude::*,
    static_lock_class,
    types::Opaque, //
};

/// The tree's read-write semaphore.
///
/// # Invariants
///
/// `sem` is initialised by [`init`] before any other function of this module runs.
struct TreeSem {
    sem: Opaque<bindings::rw_semaphore>,
}

// SAFETY: A `rw_semaphore` may be used from any thread; all access goes through the C
// rwsem API, which does its own synchronisation.
unsafe impl Sync for TreeSem {}

static TREE: TreeSem = TreeSem {
    sem: Opaque::uninit(),
};

/// Initialises the tree lock.
///
/// # Safety
///
/// Called once, before any other function of this module and before anything that could
/// call one (module init, first thing).
pub(crate) unsafe fn init() {
    // SAFETY:
    // - `TREE.sem` is valid, static memory for a `rw_semaphore`; by the safety requirements
    //   this runs once and before any user of the lock, so nobody uses it meanwhile.
    // - The name is a `'static` C string and the lock class key is static and pinned.
    unsafe {
        bindings::__init_rwsem(
            TREE.sem.get(),
            c"stats_fs_tree".as_char_ptr(),
            static_lock_class!().as_ptr(),
        )
    };
}

/// Shared access to the tree; dropping it releases the lock.
///
/// # Invariants
///
/// The tree lock is held for reading by the current task.
pub(crate) struct ReadGuard(PhantomData<*mut ()>);

/// Exclusive access to the tree; dropping it releases the lock.
///
/// # Invariants
///
/// The tree lock is held for writing by the current task, so no other guard exists.
pub(crate) struct WriteGuard(PhantomData<*mut ()>);

/// Takes the tree lock for reading. May sleep.
pub(crate) fn read() -> ReadGuard {
    // SAFETY: `TREE.sem` was initialised by `init()` (type invariant of `TreeSem`).
    unsafe { bindings::down_read(TREE.sem.get()) };
    // INVARIANT: We just took the lock for reading.
    ReadGuard(PhantomData)
}

/// Takes the tree lock for writing. May sleep.
pub(crate) fn write() -> WriteGuard {
    // SAFETY: `TREE.sem` was initialised by `init()` (type invariant of `TreeSem`).
    unsafe { bindings::down_write(TREE.sem.get()) };
    // INVARIANT: We just took the lock for writing.
    WriteGuard(PhantomData)
}

impl Drop for ReadGuard {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this task holds the lock for reading.
        unsafe { bindings::up_read(TREE.sem.get()) };
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this task holds the lock for writing.
        unsafe { bindings::up_write(TREE.sem.get()) };
    }
}

/// A guard that proves the tree lock is held, shared or exclusive.
pub(crate) trait Held: private::Sealed {}
impl Held for ReadGuard {}
impl Held for WriteGuard {}

mod private {
    pub(crate) trait Sealed {}
    impl Sealed for super::ReadGuard {}
    impl Sealed for super::WriteGuard {}
}

/// Data protected by the tree lock.
///
/// Readable with any guard, writable only with the write guard, like
/// [`kernel::sync::lock::GlobalLockedBy`] for a read-write lock.
pub(crate) struct TreeLocked<T> {
    data: UnsafeCell<T>,
}

// SAFETY: `TreeLocked` only hands out references while the tree lock is held: shared ones
// under a read or write guard, a unique one under the (unique) write guard. So sending it
// to another thread is sound when `T: Send`, ...
unsafe impl<T: Send> Send for TreeLocked<T> {}
// SAFETY: ... and sharing it is sound when `T: Send + Sync`: several readers may hold
// `&T` at once (`Sync`) and a writer on another thread may get `&mut T` (`Send`).
unsafe impl<T: Send + Sync> Sync for TreeLocked<T> {}

impl<T> TreeLocked<T> {
    /// Wraps `data`, which from now on is only reachable with the tree lock held.
    pub(crate) const fn new(data: T) -> Self {
        Self {
            data: UnsafeCell::new(data),
        }
    }

    /// Reads the data; the guard proves the tree lock is held.
    pub(crate) fn get<'a>(&'a self, _guard: &'a impl Held) -> &'a T {
        // SAFETY: The guard proves the lock is held, so no `&mut T` exists: that needs the
        // write guard borrowed mutably, and while it is, `_guard` cannot be borrowed.
        unsafe { &*self.data.get() }
    }

    /// Changes the data; the write guard proves the tree lock is held exclusively.
    #[expect(clippy::mut_from_ref)]
    pub(crate) fn get_mut<'a>(&'a self, _guard: &'a mut WriteGuard) -> &'a mut T {
        // SAFETY: The write guard is unique (type invariant) and borrowed mutably for `'a`,
        // so no other reference to the data can be made for `'a`.
        unsafe { &mut *self.data.get() }
    }
}
