// SPDX-License-Identifier: GPL-2.0

//! Which modules a value group depends on, so that a module that unloads with groups still
//! added has them revoked as it goes, instead of leaving statsfs to call into freed memory.
//!
//! A group uses code and data that usually belong to the module that added it: the
//! descriptor array, the names, the types and their callbacks, the show functions, and the
//! counters at the base. When the group is made, [`Owners`] keeps the addresses that tell
//! which module that is. When a module unloads (a module notifier, in the glue),
//! [`revoke_module`] revokes every live group with an address in that module's memory, and
//! the glue warns, naming the module: it is a bug of that module (it should have called
//! `stats_fs_source_remove_values()` or `stats_fs_source_revoke()`), or of a Rust module
//! that leaked its handle with `mem::forget`, which is safe code.
//!
//! The live groups are kept in a list under the writer lock ([`register`], [`unregister`]);
//! an unload looks through it with the writer lock held, which holds up other writers but
//! no reader.

use kernel::{
    ffi::c_void,
    prelude::*,
    sync::Arc, //
};

use super::{
    group::Group,
    source::{
        self,
        Retired, //
    },
    writer::{
        self,
        WriterGuard, //
    },
};
use crate::glue::ffi;

/// The addresses of a group that may lie in a module, compared with an unloading module's
/// memory and never dereferenced: the descriptor array, the base, the first descriptor's
/// name (the names of an array come from one place), and every distinct type, `get`,
/// `clear` and show function.
pub(crate) struct Owners(KVec<usize>);

impl Owners {
    /// No address yet, with room for the usual few.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self(KVec::with_capacity(8, GFP_KERNEL)?))
    }

    /// Keeps `addr` (NULL is ignored, and so is an address already kept).
    pub(crate) fn add(&mut self, addr: usize) -> Result {
        if addr != 0 && !self.0.contains(&addr) {
            self.0.push(addr, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Whether one of the addresses lies in the memory of `module`.
    ///
    /// # Safety
    ///
    /// `module` is a `struct module` that is live for the duration of the call.
    pub(crate) unsafe fn within(&self, module: *const c_void) -> bool {
        self.0.iter().any(|&addr| {
            // SAFETY: `module` is live (safety requirement); `addr` is only compared.
            unsafe { ffi::stats_fs_glue_within_module(addr as _, module.cast()) }
        })
    }
}

/// Makes room to [`register`] one more group, so that it cannot fail.
pub(crate) fn reserve(w: &mut WriterGuard) -> Result {
    Ok(w.live.reserve(1, GFP_KERNEL)?)
}

/// Lists `group`, which is being added, among the live groups; room was made by
/// [`reserve`].
pub(crate) fn register(group: &Arc<Group>, w: &mut WriterGuard) {
    let index = w.live.len();
    if w.live.push_within_capacity(group.clone()).is_err() {
        // No room was made: a bug, caught in testing. The group is then not revoked if
        // its module unloads without taking it back.
        kernel::warn_on!(true);
        return;
    }
    group.set_listed(Some(index), w);
}

/// Takes `group`, which is being revoked, out of the live groups.
pub(crate) fn unregister(group: &Group, w: &mut WriterGuard) {
    let Some(index) = group.listed(w) else {
        return;
    };
    group.set_listed(None, w);
    let Some(last) = w.live.pop() else {
        return;
    };
    if index < w.live.len() {
        // The last group takes the place of the one leaving.
        last.set_listed(Some(index), w);
        w.live[index] = last;
    }
    // Otherwise `last` was the group leaving: dropping this `Arc` is not its last, its
    // source's list or the revoker's `Retired` holds another.
}

/// Revokes every live group that uses memory of `module`, which is unloading, and returns
/// how many it revoked. Waits for their reads in progress before it returns.
///
/// # Safety
///
/// `module` is a `struct module` that is live for the duration of the call.
pub(crate) unsafe fn revoke_module(module: *const c_void) -> u32 {
    let mut retired = Retired::new();
    let mut revoked = 0;
    {
        let mut w = writer::lock();
        let mut i = 0;
        while i < w.live.len() {
            let group = w.live[i].clone();
            // SAFETY: `module` is live (safety requirement).
            if unsafe { group.uses_module(module) } {
                // Takes it out of `live`: the group now at `i` is another.
                source::revoke_group(&group, &mut retired, &mut w);
                revoked += 1;
            } else {
                i += 1;
            }
        }
    }
    retired.finish();
    revoked
}
