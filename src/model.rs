// SPDX-License-Identifier: GPL-2.0

//! The model: sources, value groups, aggregates, and how readers and writers share them.
//!
//! - [`source`]: the tree of sources, their references and teardown, and the writers'
//!   operations on it; [`roots`]: the registered ones.
//! - [`group`]: value groups and how their values are read; [`members`]: what an
//!   aggregate group combines; [`accumulator`]: how it combines them.
//! - [`writer`], [`active`], [`revision`]: the concurrency model (writers serialised,
//!   readers protected per group, revisions for lockless revalidation).
//! - [`view`]: the rules of what a directory holds, shared by every reader.
//! - [`children`], [`name`], [`ino`], [`owners`]: indexes, names, inode numbers, and the
//!   modules groups depend on.
//!
//! The model imports nothing from the file system or the C API. The only C it calls is
//! the glue's ([`crate::glue::ffi`]): waiting for readers, and module addresses.

pub(crate) mod accumulator;
pub(crate) mod active;
pub(crate) mod children;
pub(crate) mod group;
pub(crate) mod ino;
pub(crate) mod members;
pub(crate) mod name;
pub(crate) mod owners;
pub(crate) mod revision;
pub(crate) mod roots;
pub(crate) mod source;
pub(crate) mod view;
pub(crate) mod writer;

/// The flags of what the model allocates for a publisher and keeps (a source, its groups,
/// their places in the tree, in aggregates and in the module index): charged to the
/// memory cgroup of the task that calls the API, as the publisher's own memory for the
/// same object is (KVM's for a VM). Scratch memory a call frees before it returns, and
/// readers' memory, are not.
pub(crate) const GFP_PUBLISHER: kernel::alloc::Flags = kernel::alloc::flags::GFP_KERNEL_ACCOUNT;

/// Initialises the model's global locks.
///
/// # Safety
///
/// Called once, at init, before anything that could use the model.
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (safety requirement).
    unsafe {
        writer::init();
        roots::init();
    }
}
