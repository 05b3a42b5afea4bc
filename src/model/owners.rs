// SPDX-License-Identifier: GPL-2.0

//! Which modules a value group depends on, so that a module that unloads with groups still
//! added has them revoked as it goes, instead of leaving statsfs to call into freed memory.
//!
//! A group uses code and data that usually belong to the module that added it: the
//! descriptor array, the names, the types and their callbacks, the show functions, and the
//! counters at the base. When the group is made, [`Owners`] keeps the addresses that tell
//! which module that is. When a module unloads (a module notifier, in
//! `stats_fs_owners.c`), statsfs revokes every live group with an address in that module's
//! memory, and warns, naming the module: it is a bug of that module (it should have called
//! `stats_fs_source_remove_values()` or `stats_fs_source_revoke()`), or of a Rust module
//! that leaked its handle with `mem::forget`, which is safe code.
//!
//! C glue: `src/stats_fs_owners.c`.

use kernel::{
    error::to_result,
    ffi::c_void,
    prelude::*, //
};

mod c {
    use kernel::ffi::{
        c_int,
        c_ulong,
        c_void, //
    };

    extern "C" {
        // In `stats_fs_owners.c`; see `stats_fs_internal.h`.
        pub(super) fn stats_fs_owners_init() -> c_int;
        pub(super) fn stats_fs_owners_exit();
        pub(super) fn stats_fs_within_module(addr: c_ulong, module: *const c_void) -> bool;
    }
}

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
            unsafe { c::stats_fs_within_module(addr as _, module) }
        })
    }
}

/// Called by the module notifier as `module` unloads, after its exit function and before
/// its memory is freed: revokes every live group that uses memory of `module`, and returns
/// how many it revoked (the C caller warns if that is not zero).
///
/// # Safety
///
/// `module` is the `struct module` being unloaded, live for the duration of the call.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_rust_module_going(module: *const c_void) -> u32 {
    // SAFETY: The caller passes the unloading module, live during the call.
    unsafe { crate::source::revoke_module(module) }
}

/// The registration of the module notifier.
///
/// # Invariants
///
/// `stats_fs_owners_init()` succeeded and `stats_fs_owners_exit()` has not been called.
pub(crate) struct Registration(());

impl Registration {
    /// Registers the module notifier.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No preconditions; called once at module init, undone only by `Drop`.
        to_result(unsafe { c::stats_fs_owners_init() })?;
        // INVARIANT: It succeeded.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this undoes the successful registration, once.
        unsafe { c::stats_fs_owners_exit() };
    }
}
