// SPDX-License-Identifier: GPL-2.0

//! Active references: who is reading a value group's memory or running its callbacks.
//!
//! A group reads memory and calls code that belong to its publisher. Every reader takes an
//! active reference on the group for as long as it touches either ([`Active::get`]); a
//! writer that takes the group away (revoke, removal, the last put, a module's unload)
//! first deactivates it, so that no new reference can be taken, and then drains it: it waits
//! until the references taken before are dropped ([`Active::drain`]). After that, nothing
//! of statsfs touches the group's memory or code again.
//!
//! This is what kernfs does with `kernfs_get_active()` and `kernfs_drain()`, and debugfs
//! with `active_users`: a writer waits only for the reads of the group it removes, never
//! for anything else, and a reader may sleep (a `get` callback may). Unlike a grace period,
//! draining a group nobody reads costs one atomic operation.
//!
//! Lockdep sees active references as a read lock, taken around every callback, and a
//! drain as the write side: a callback that takes a lock its publisher holds while it
//! revokes or puts a source is reported the first time both are seen, before it deadlocks.
//!
//! C glue: `src/glue/stats_fs_active.c` (`wait_var_event()` and the lockdep map have no
//! Rust abstraction yet).

use kernel::{
    ffi::c_int,
    sync::atomic::{
        Acquire,
        Atomic,
        Full,
        Release, //
    },
};

use crate::glue::ffi;

/// The count of a deactivated group with no reader left, as in kernfs.
const DRAINED: i32 = i32::MIN + 1;

/// The active references of one value group.
///
/// # Invariants
///
/// The count is the number of [`ActiveRef`]s alive (and of readers about to find the group
/// deactivated), plus [`DRAINED`] once the group is deactivated. It is never decremented
/// below [`DRAINED`].
pub(crate) struct Active(Atomic<i32>);

/// One active reference: while it lives, the group's memory and code may be used.
///
/// # Invariants
///
/// It is counted in `self.0`.
pub(crate) struct ActiveRef<'a>(&'a Active);

impl Active {
    /// A live group with no reader.
    pub(crate) const fn new() -> Self {
        // INVARIANT: No reference exists yet.
        Self(Atomic::new(0))
    }

    /// Takes an active reference, unless the group is deactivated.
    ///
    /// One atomic operation: the count goes up whatever it was, and back down if the
    /// group turned out to be deactivated (the drain then sees it at [`DRAINED`] again).
    #[inline]
    pub(crate) fn get(&self) -> Option<ActiveRef<'_>> {
        // Acquire: what the publisher wrote before adding the group is visible.
        if self.0.fetch_add(1, Acquire) >= 0 {
            // INVARIANT: The new reference is counted.
            return Some(ActiveRef(self));
        }
        // INVARIANT: Not counted after all: this takes it back, as dropping it would.
        drop(ActiveRef(self));
        None
    }

    /// Whether the group is live: not deactivated.
    ///
    /// `READ_ONCE()` of the count: inline, for the member loop of an aggregate, where the
    /// ordering with a deactivation comes from the section around it ([`super::members`]).
    #[inline]
    pub(crate) fn is_live(&self) -> bool {
        // SAFETY: The count is an aligned `i32` that lives as long as `self`; a volatile
        // load of it races only with atomic updates, as `READ_ONCE()` does.
        unsafe { self.0.as_ptr().read_volatile() >= 0 }
    }

    /// Deactivates the group: from now on [`Active::get`] fails. Returns `false` if it was
    /// deactivated already. Called by writers, with the writer lock held.
    pub(crate) fn deactivate(&self) -> bool {
        if !self.is_live() {
            return false;
        }
        // Only writers deactivate, and they are serialised: the count is not negative, and
        // adding the bias keeps the readers' references counted.
        // INVARIANT: From now on the count is `DRAINED` plus the references alive.
        self.0.fetch_add(DRAINED, Full);
        true
    }

    /// Waits until every active reference taken before the group was deactivated is
    /// dropped. Must be called without statsfs's locks held; may sleep.
    pub(crate) fn drain(&self) {
        // Always through the glue, readers or not: lockdep learns what a drain waits for
        // from every drain, not only from those that found a reader.
        // SAFETY: `self.0` is an `atomic_t`-sized counter that lives as long as `self`, and
        // the C side only reads it until it is `DRAINED`.
        unsafe { ffi::stats_fs_glue_drain(self.0.as_ptr().cast(), DRAINED as c_int) };
    }
}

impl Drop for ActiveRef<'_> {
    #[inline]
    fn drop(&mut self) {
        // Release: the reads done under the reference happen before the drain sees it gone.
        let before = self.0 .0.fetch_sub(1, Release);
        if before - 1 == DRAINED {
            // SAFETY: The counter is live: the group it belongs to is borrowed for `'a`.
            unsafe { ffi::stats_fs_glue_wake_drainer(self.0 .0.as_ptr().cast()) };
        }
    }
}

/// Runs `f`, a publisher's callback, under lockdep's view of active references.
#[inline]
pub(crate) fn callback<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: No preconditions: it tells lockdep a callback starts.
    unsafe { ffi::stats_fs_glue_callback_enter() };
    let r = f();
    // SAFETY: Paired with the call above, on the same task.
    unsafe { ffi::stats_fs_glue_callback_exit() };
    r
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
mod tests;
