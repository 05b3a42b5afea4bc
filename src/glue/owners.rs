// SPDX-License-Identifier: GPL-2.0

//! The module notifier's Rust side: what an unloading module left is revoked
//! ([`crate::model::owners`]) before its memory is freed.
//!
//! C glue: `src/glue/stats_fs_owners.c`.

use kernel::{
    bindings,
    error::to_result,
    prelude::*, //
};

use super::ffi;
use crate::model::owners;

/// Called by the module notifier as `module` comes: groups that use its memory are filed
/// under it from now on, so that its unload finds them at once.
///
/// # Safety
///
/// `module` is the `struct module` coming, live until its `MODULE_STATE_GOING`, which the
/// notifier announces with [`stats_fs_core_module_going`].
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_module_coming(module: *const bindings::module) {
    // SAFETY: The caller's promise is `module_coming`'s requirement.
    unsafe { owners::module_coming(module) }
}

/// Called by the module notifier as `module` unloads, after its exit function and before
/// its memory is freed: revokes every live group that uses memory of `module`, and returns
/// how many it revoked (the C caller warns if that is not zero).
///
/// # Safety
///
/// `module` is the `struct module` being unloaded, live for the duration of the call.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_module_going(module: *const bindings::module) -> u32 {
    // SAFETY: The caller passes the unloading module, live during the call.
    unsafe { owners::revoke_module(module) }
}

/// The registration of the module notifier.
///
/// # Invariants
///
/// `stats_fs_glue_owners_init()` succeeded and `stats_fs_glue_owners_exit()` has not been
/// called.
pub(crate) struct Registration(());

impl Registration {
    /// Registers the module notifier.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No preconditions; called once at module init, undone only by `Drop`.
        to_result(unsafe { ffi::stats_fs_glue_owners_init() })?;
        // INVARIANT: It succeeded.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this undoes the successful registration, once.
        unsafe { ffi::stats_fs_glue_owners_exit() };
    }
}
