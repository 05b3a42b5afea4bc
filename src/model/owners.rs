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
//! The groups are indexed by module, so that an unload looks only at the groups of the
//! module that goes: statsfs learns of every module loaded after it ([`module_coming`]),
//! and files each group, as it is added, under the ones whose memory it uses. A module
//! loaded before statsfs cannot be known that way (the kernel exports no address-to-module
//! lookup); its unload looks through every live group instead, all of them being listed
//! too. A module that uses statsfs is always loaded after it (its symbols come from it), so
//! only a module loaded before statsfs whose addresses another one passed to statsfs is
//! found the slow way. Either way it is done under the writer lock, which holds up other
//! writers but no reader.

use kernel::{
    bindings,
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
        Tracked,
        WriterGuard, //
    },
};
use crate::glue::ffi;
use crate::model::GFP_PUBLISHER;

/// The addresses of a group that may lie in a module, compared with a module's memory and
/// never dereferenced: the descriptor array, the base, the first descriptor's name (the
/// names of an array come from one place), and every distinct type, `get`, `clear` and
/// show function.
pub(crate) struct Owners(KVec<usize>);

impl Owners {
    /// No address yet, with room for the usual few.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self(KVec::with_capacity(8, GFP_PUBLISHER)?))
    }

    /// Keeps `addr` (NULL is ignored, and so is an address already kept).
    pub(crate) fn add(&mut self, addr: usize) -> Result {
        if addr != 0 && !self.0.contains(&addr) {
            self.0.push(addr, GFP_PUBLISHER)?;
        }
        Ok(())
    }

    /// Whether one of the addresses lies in the memory of `module`.
    ///
    /// # Safety
    ///
    /// `module` is a `struct module` that is live for the duration of the call.
    pub(crate) unsafe fn within(&self, module: *const bindings::module) -> bool {
        self.0.iter().any(|&addr| {
            // SAFETY: `module` is live (safety requirement); `addr` is only compared.
            unsafe { ffi::stats_fs_glue_within_module(addr as _, module) }
        })
    }
}

/// Where a group is filed: in the live groups, and in each module whose memory it uses.
#[derive(Default)]
pub(crate) struct Filing {
    /// Its index in the live groups, if it is there.
    live: Option<usize>,
    /// The modules it is filed under, and its index in each's list.
    modules: KVec<(*const bindings::module, usize)>,
}

/// Makes room to [`register`] `group`, so that it cannot fail: in the live groups, and
/// under each tracked module whose memory it uses.
pub(crate) fn reserve(group: &Group, w: &mut WriterGuard) -> Result {
    w.live.reserve(1, GFP_PUBLISHER)?;
    let mut using = 0;
    for i in 0..w.modules.len() {
        // SAFETY: A tracked module is live until its `MODULE_STATE_GOING`, which takes it
        // out of the list with the writer lock held.
        if unsafe { group.uses_module(w.modules[i].module) } {
            w.modules[i].groups.reserve(1, GFP_PUBLISHER)?;
            using += 1;
        }
    }
    group.filing(w).modules.reserve(using, GFP_PUBLISHER)?;
    Ok(())
}

/// Files `group`, which is being added, among the live groups and under the tracked
/// modules whose memory it uses; room was made by [`reserve`].
pub(crate) fn register(group: &Arc<Group>, w: &mut WriterGuard) {
    let index = w.live.len();
    if w.live.push_within_capacity(group.clone()).is_err() {
        // No room was made: a bug, caught in testing. The group is then not revoked if
        // its module unloads without taking it back.
        kernel::warn_on!(true);
        return;
    }
    group.filing(w).live = Some(index);
    for i in 0..w.modules.len() {
        let module = w.modules[i].module;
        // SAFETY: As in `reserve`: the module is live while it is tracked.
        if !unsafe { group.uses_module(module) } {
            continue;
        }
        let at = w.modules[i].groups.len();
        if w.modules[i]
            .groups
            .push_within_capacity(group.clone())
            .is_ok()
        {
            let _ = group.filing(w).modules.push_within_capacity((module, at));
        }
    }
}

/// Takes `group`, which is being revoked, out of the live groups and of its modules'.
pub(crate) fn unregister(group: &Group, w: &mut WriterGuard) {
    if let Some(index) = group.filing(w).live.take() {
        if let Some(last) = w.live.pop() {
            if index < w.live.len() {
                // The last group takes the place of the one leaving.
                last.filing(w).live = Some(index);
                w.live[index] = last;
            }
        }
    }
    let mut filed = core::mem::take(&mut group.filing(w).modules);
    for &(module, index) in filed.iter() {
        let Some(m) = w.modules.iter().position(|t| t.module == module) else {
            continue;
        };
        let Some(last) = w.modules[m].groups.pop() else {
            continue;
        };
        if index < w.modules[m].groups.len() {
            for entry in last.filing(w).modules.iter_mut() {
                if entry.0 == module {
                    entry.1 = index;
                }
            }
            w.modules[m].groups[index] = last;
        }
        // Dropped `Arc`s here are not the group's last: its source or the revoker's
        // `Retired` holds another.
    }
    filed.clear();
    group.filing(w).modules = filed;
}

/// Starts tracking `module`, which is coming: groups that use its memory are filed under
/// it from now on. Without memory it is not tracked, and its unload is slower.
///
/// # Safety
///
/// `module` is a `struct module` in `MODULE_STATE_COMING`, live until its
/// `MODULE_STATE_GOING` is announced with [`revoke_module`].
pub(crate) unsafe fn module_coming(module: *const bindings::module) {
    let mut w = writer::lock();
    let _ = w.modules.push(
        Tracked {
            module,
            groups: KVec::new(),
        },
        GFP_PUBLISHER,
    );
}

/// Revokes every live group that uses memory of `module`, which is unloading, stops
/// tracking it, and returns how many groups it revoked. Waits for their reads in progress
/// before it returns.
///
/// # Safety
///
/// `module` is a `struct module` that is live for the duration of the call.
pub(crate) unsafe fn revoke_module(module: *const bindings::module) -> u32 {
    let mut retired = Retired::new();
    let mut revoked = 0;
    {
        let mut w = writer::lock();
        match w.modules.iter().position(|t| t.module == module) {
            Some(m) => {
                // Each revocation takes the group out of the module's list.
                while let Some(group) = w.modules[m].groups.last().cloned() {
                    source::revoke_group(&group, &mut retired, &mut w);
                    revoked += 1;
                }
                let _ = w.modules.remove(m);
            }
            None => {
                // Loaded before statsfs: look through every live group.
                let mut i = 0;
                while i < w.live.len() {
                    let group = w.live[i].clone();
                    #[cfg(all(CONFIG_STATS_FS_KUNIT_TEST, CONFIG_MODULES))]
                    tests::EXAMINED.fetch_add(1, kernel::sync::atomic::Relaxed);
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
        }
    }
    retired.finish();
    revoked
}

// Without module support there is no module to file groups under (`within_module()` is
// always false): the suite's stand-in modules would own nothing.
#[cfg(all(CONFIG_STATS_FS_KUNIT_TEST, CONFIG_MODULES))]
#[kunit_tests(statsfs_owners)]
mod tests {
    use core::mem::size_of_val;
    use kernel::{
        bindings,
        ffi::{
            c_int,
            c_void, //
        },
        prelude::*,
        str::CString,
        sync::atomic::{
            Atomic,
            Relaxed, //
        },
    };

    use super::{
        module_coming,
        revoke_module,
        writer, //
    };
    use crate::{
        abi::{
            Aggregation,
            END, //
        },
        c_api::types::{
            stats_fs_type_u64,
            DEFAULT_TYPES, //
        },
        model::{
            group::StatsFsValue,
            source::{
                Source,
                SourceRef, //
            },
        },
    };

    /// How many groups the unload of a module statsfs did not see coming looked at.
    pub(super) static EXAMINED: Atomic<usize> = Atomic::new(0);

    /// How many groups are filed under `module`; `None` if it is not tracked.
    fn filed_under(module: *const bindings::module) -> Option<usize> {
        let w = writer::lock();
        w.modules
            .iter()
            .find(|t| t.module == module)
            .map(|t| t.groups.len())
    }

    fn descs() -> [StatsFsValue; 2] {
        [
            StatsFsValue {
                name: c"v".as_char_ptr(),
                offset: 0,
                type_: &stats_fs_type_u64,
                aggr_kind: Aggregation::Sum as c_int,
                ..END
            },
            END,
        ]
    }

    /// A stand-in `struct module` whose data is the memory of `array`.
    fn fake_module(array: &[StatsFsValue; 2]) -> Result<KBox<bindings::module>> {
        let mut module = KBox::new(bindings::module::default(), GFP_KERNEL)?;
        let data = &mut module.mem[bindings::mod_mem_type_MOD_DATA as usize];
        data.base = core::ptr::from_ref(array).cast_mut().cast::<c_void>();
        data.size = size_of_val(array) as u32;
        Ok(module)
    }

    fn add(s: &SourceRef, values: &[StatsFsValue; 2], base: *mut u64) -> Result {
        // SAFETY: The arrays and `base` outlive the groups: the test revokes or puts them
        // before they go.
        unsafe {
            s.borrow()
                .add_values(values.as_ptr(), base.cast(), 0, DEFAULT_TYPES)
        }
    }

    /// Groups are filed under the modules whose memory they use, so an unload looks at
    /// its module's groups only; a module statsfs did not see coming is looked for in
    /// every live group.
    #[test]
    fn an_unload_looks_only_at_its_modules_groups() -> Result {
        let inside = KBox::new(descs(), GFP_KERNEL)?;
        let outside = KBox::new(descs(), GFP_KERNEL)?;
        let mut data = KBox::new([1u64; 8], GFP_KERNEL)?;
        let tracked = fake_module(&inside)?;
        let untracked = fake_module(&outside)?;
        // SAFETY: The stand-in lives until it has been announced gone, below.
        unsafe { module_coming(&*tracked) };
        let mut sources = KVec::new();
        for i in 0..8 {
            let s = Source::new(CString::try_from_fmt(fmt!("owners{i}"))?, 0)?;
            let values = if i < 3 { &inside } else { &outside };
            add(&s, values, &raw mut data[i])?;
            sources.push(s, GFP_KERNEL)?;
        }
        assert_eq!(filed_under(&*tracked), Some(3));

        let examined = EXAMINED.load(Relaxed);
        // SAFETY: The stand-in is live for the call.
        assert_eq!(unsafe { revoke_module(&*tracked) }, 3);
        assert_eq!(EXAMINED.load(Relaxed), examined);
        assert_eq!(filed_under(&*tracked), None);
        assert_eq!(sources[0].get_value(&inside[0])?, 0);
        assert_eq!(sources[3].get_value(&outside[0])?, 1);

        // SAFETY: The stand-in is live for the call.
        assert_eq!(unsafe { revoke_module(&*untracked) }, 5);
        assert!(EXAMINED.load(Relaxed) >= examined + 5);
        assert_eq!(sources[3].get_value(&outside[0])?, 0);
        drop(sources);
        Ok(())
    }
}
