// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the statistics model: sources, value groups, aggregation, clear, revoke
//! and references, through the core's Rust interface.
//!
//! One suite (`statsfs_core`) of about 1,000 lines: its tests share the fixtures at the
//! top (descriptor arrays of every type, memory the tests own), one test per rule.

use kernel::prelude::*;

#[kunit_tests(statsfs_core)]
mod tests {
    use core::{
        cell::UnsafeCell,
        mem::offset_of,
        ptr, //
    };
    use kernel::{
        ffi::{
            c_int,
            c_void, //
        },
        prelude::*,
        str::{
            CStr,
            CString, //
        },
        sync::atomic::{
            Atomic,
            Relaxed, //
        },
        sync::Arc,
        time::{
            delay::fsleep,
            Delta, //
        },
        workqueue,
    };

    use crate::{
        abi::{
            Aggregation,
            Kind,
            Unit,
            UnitBase,
            END, //
        },
        c_api::types::{
            stats_fs_type_bool, stats_fs_type_s16, stats_fs_type_s32, stats_fs_type_s64,
            stats_fs_type_s8, stats_fs_type_u16, stats_fs_type_u32, stats_fs_type_u64,
            stats_fs_type_u8, DEFAULT_TYPES,
        },
        model::{
            group::{
                Snapshot,
                StatsFsType,
                StatsFsValue,
                FLOATING,
                HIDDEN,
                SNAPSHOT_MAX, //
            },
            source::{
                Source,
                SourceRef, //
            },
            view::DirView,
        },
    };

    const NONE: c_int = Aggregation::None as c_int;
    const SUM: c_int = Aggregation::Sum as c_int;
    const MIN: c_int = Aggregation::Min as c_int;
    const MAX: c_int = Aggregation::Max as c_int;
    const COUNT_ZERO: c_int = Aggregation::CountZero as c_int;
    const AVG: c_int = Aggregation::Avg as c_int;

    /// The memory the test values live in, as a subsystem's stats struct would be.
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    struct Stats {
        u64_: u64,
        s64_: i64,
        u32_: u32,
        s32_: i32,
        u16_: u16,
        s16_: i16,
        u8_: u8,
        s8_: i8,
        bool_: bool,
    }

    fn desc(
        name: &'static CStr,
        offset: usize,
        ty: &'static StatsFsType,
        aggr: c_int,
    ) -> StatsFsValue {
        StatsFsValue {
            name: name.as_char_ptr(),
            offset: offset as c_int,
            type_: ty,
            aggr_kind: aggr,
            value_flag: 0,
            show: None,
            ..END
        }
    }

    /// An array of every default type, one aggregation each.
    fn all_types() -> Result<KBox<[StatsFsValue; 10]>> {
        Ok(KBox::new(
            [
                desc(c"u64", offset_of!(Stats, u64_), &stats_fs_type_u64, SUM),
                desc(c"s64", offset_of!(Stats, s64_), &stats_fs_type_s64, MIN),
                desc(c"u32", offset_of!(Stats, u32_), &stats_fs_type_u32, MAX),
                desc(c"s32", offset_of!(Stats, s32_), &stats_fs_type_s32, AVG),
                desc(
                    c"u16",
                    offset_of!(Stats, u16_),
                    &stats_fs_type_u16,
                    COUNT_ZERO,
                ),
                desc(c"s16", offset_of!(Stats, s16_), &stats_fs_type_s16, SUM),
                desc(c"u8", offset_of!(Stats, u8_), &stats_fs_type_u8, MIN),
                desc(c"s8", offset_of!(Stats, s8_), &stats_fs_type_s8, MAX),
                desc(c"bool", offset_of!(Stats, bool_), &stats_fs_type_bool, NONE),
                END,
            ],
            GFP_KERNEL,
        )?)
    }

    fn source(name: &CStr, flags: u32) -> Result<SourceRef> {
        Source::new(CString::try_from(name)?, flags)
    }

    /// The memory of a [`Stats`], shared between the test and statsfs.
    struct Mem(UnsafeCell<Stats>);

    impl Mem {
        fn new(stats: Stats) -> Self {
            Self(UnsafeCell::new(stats))
        }

        /// The base address to register.
        fn base(&self) -> *mut c_void {
            self.0.get().cast()
        }

        fn get(&self) -> Stats {
            // SAFETY: Tests are single-threaded and statsfs only touches the memory during
            // the test's own calls into it, so nothing writes it concurrently.
            unsafe { *self.0.get() }
        }

        fn set(&self, f: impl FnOnce(&mut Stats)) {
            // SAFETY: As for `get`: no other access runs while `f` does.
            f(unsafe { &mut *self.0.get() })
        }
    }

    fn by_name(s: &Source, name: &CStr) -> Result<u64> {
        s.get_value_by_name(name.to_bytes())
    }

    /// Adds a simple group; the arrays and stats outlive every source in these tests.
    fn add(s: &SourceRef, values: &[StatsFsValue], stats: *mut c_void, flags: u32) -> Result {
        // SAFETY: Every test keeps `values` and the memory at `stats` alive until it has put
        // all its sources, which revokes them.
        unsafe {
            s.borrow()
                .add_values(values.as_ptr(), stats, flags, DEFAULT_TYPES)
        }
    }

    #[test]
    fn default_types_read_with_sign_extension() -> Result {
        let values = all_types()?;
        let stats = Mem::new(Stats {
            u64_: u64::MAX - 1,
            s64_: -9,
            u32_: 0xffff_fff0,
            s32_: -7,
            u16_: 0xfff0,
            s16_: -300,
            u8_: 200,
            s8_: -5,
            bool_: true,
        });
        let s = source(c"core_types", 0)?;
        add(&s, &*values, stats.base(), 0)?;
        assert_eq!(by_name(&s, c"u64")?, u64::MAX - 1);
        assert_eq!(by_name(&s, c"s64")? as i64, -9);
        assert_eq!(by_name(&s, c"u32")?, 0xffff_fff0);
        assert_eq!(by_name(&s, c"s32")? as i64, -7);
        assert_eq!(by_name(&s, c"u16")?, 0xfff0);
        assert_eq!(by_name(&s, c"s16")? as i64, -300);
        assert_eq!(by_name(&s, c"u8")?, 200);
        assert_eq!(by_name(&s, c"s8")? as i64, -5);
        assert_eq!(by_name(&s, c"bool")?, 1);
        // By descriptor, and values are read live.
        stats.set(|s| s.u8_ = 7);
        assert_eq!(s.get_value(&values[6])?, 7);
        drop(s);
        Ok(())
    }

    #[test]
    fn same_array_and_base_twice_is_eexist() -> Result {
        let values = all_types()?;
        let a = Mem::new(Stats::default());
        let b = Mem::new(Stats::default());
        let s = source(c"core_eexist", 0)?;
        add(&s, &*values, a.base(), 0)?;
        assert_eq!(add(&s, &*values, a.base(), 0), Err(EEXIST));
        add(&s, &*values, b.base(), 0)?;
        add(&s, &*values, core::ptr::null_mut(), 0)?;
        assert_eq!(add(&s, &*values, core::ptr::null_mut(), 0), Err(EEXIST));
        Ok(())
    }

    #[test]
    fn revoked_pair_can_be_added_again_without_growing() -> Result {
        let values = all_types()?;
        let a = Mem::new(Stats {
            u64_: 7,
            ..Default::default()
        });
        let s = source(c"core_readd", 0)?;
        add(&s, &*values, a.base(), 0)?;
        // 2,000 revoke and add cycles of one pair: each add works, and the list holds the
        // live group and one revoked one that stands for the array, never more.
        for cycle in 0..2_000 {
            s.revoke();
            add(&s, &*values, a.base(), 0)?;
            if cycle % 200 == 0 {
                assert_eq!(s.get_value(&values[0])?, 7);
                assert!(s.shape().groups().len() <= 2);
            }
        }
        s.revoke();
        assert_eq!(s.get_value(&values[0])?, 0);
        add(&s, &*values, a.base(), 0)?;
        // Still one live pair: adding it again is refused.
        assert_eq!(add(&s, &*values, a.base(), 0), Err(EEXIST));
        Ok(())
    }

    #[test]
    fn remove_values_takes_back_one_group() -> Result {
        let values = all_types()?;
        let a = Mem::new(Stats {
            u64_: 3,
            ..Default::default()
        });
        let b = Mem::new(Stats {
            u64_: 5,
            ..Default::default()
        });
        let parent = source(c"core_remove_values", 0)?;
        let child = source(c"child", 0)?;
        add(&parent, &*values, core::ptr::null_mut(), 0)?;
        add(&child, &*values, a.base(), 0)?;
        add(&child, &*values, b.base(), 0)?;
        parent.borrow().add_subordinate(child.borrow())?;
        assert_eq!(by_name(&parent, c"u64")?, 8);
        child.remove_values(values.as_ptr(), a.base())?;
        // Out of the aggregate, out of the child, and its memory no longer touched.
        assert_eq!(by_name(&parent, c"u64")?, 5);
        assert_eq!(by_name(&child, c"u64")?, 5);
        parent.clear(&values[0])?;
        assert_eq!(a.get().u64_, 3);
        assert_eq!(b.get().u64_, 0);
        assert_eq!(child.remove_values(values.as_ptr(), a.base()), Err(ENOENT));
        // The aggregate group itself can go too, and the pair can come back.
        parent.remove_values(values.as_ptr(), core::ptr::null_mut())?;
        assert_eq!(by_name(&parent, c"u64"), Err(ENOENT));
        add(&child, &*values, a.base(), 0)?;
        assert_eq!(by_name(&child, c"u64")?, 3);
        Ok(())
    }

    #[test]
    fn invalid_names_and_descriptors_are_einval() -> Result {
        assert!(matches!(source(c"a/b", 0), Err(e) if e == EINVAL));
        assert!(matches!(source(c".hidden", 0), Err(e) if e == EINVAL));
        assert!(matches!(source(c"", 0), Err(e) if e == EINVAL));
        assert!(matches!(source(c"flags", 0x80), Err(e) if e == EINVAL));
        let s = source(c"core_einval", 0)?;
        let stats = Mem::new(Stats::default());
        let bad_name = KBox::new([desc(c"..", 0, &stats_fs_type_u64, SUM), END], GFP_KERNEL)?;
        assert_eq!(add(&s, &*bad_name, stats.base(), 0), Err(EINVAL));
        let mut bad_aggr = KBox::new([desc(c"x", 0, &stats_fs_type_u64, SUM), END], GFP_KERNEL)?;
        bad_aggr[0].aggr_kind = 6;
        assert_eq!(add(&s, &*bad_aggr, stats.base(), 0), Err(EINVAL));
        let mut no_type = KBox::new([desc(c"x", 0, &stats_fs_type_u64, SUM), END], GFP_KERNEL)?;
        no_type[0].type_ = core::ptr::null();
        assert_eq!(add(&s, &*no_type, stats.base(), 0), Err(EINVAL));
        let no_get = KBox::new(
            StatsFsType {
                get: None,
                clear: None,
                sign: false,
                size: 0,
            },
            GFP_KERNEL,
        )?;
        let mut typeless = KBox::new([desc(c"x", 0, &stats_fs_type_u64, SUM), END], GFP_KERNEL)?;
        typeless[0].type_ = &*no_get;
        assert_eq!(add(&s, &*typeless, stats.base(), 0), Err(EINVAL));
        assert_eq!(add(&s, &*bad_name, stats.base(), 0x4), Err(EINVAL));
        Ok(())
    }

    #[test]
    fn lookup_is_this_source_newest_group_first() -> Result {
        let values = all_types()?;
        let other = KBox::new(
            [
                desc(c"u64", offset_of!(Stats, u32_), &stats_fs_type_u32, SUM),
                END,
            ],
            GFP_KERNEL,
        )?;
        let old = Mem::new(Stats {
            u64_: 1,
            ..Default::default()
        });
        let new = Mem::new(Stats {
            u32_: 2,
            ..Default::default()
        });
        let kid = Mem::new(Stats {
            s8_: 3,
            ..Default::default()
        });
        let parent = source(c"core_lookup", 0)?;
        let child = source(c"child", 0)?;
        add(&parent, &*values, old.base(), 0)?;
        add(&parent, &*other, new.base(), 0)?;
        let only_in_child = KBox::new(
            [
                desc(c"kidonly", offset_of!(Stats, s8_), &stats_fs_type_s8, SUM),
                END,
            ],
            GFP_KERNEL,
        )?;
        add(&child, &*only_in_child, kid.base(), 0)?;
        parent.borrow().add_subordinate(child.borrow())?;
        // Newest group first: `other` was added last.
        assert_eq!(by_name(&parent, c"u64")?, 2);
        // By descriptor: that exact descriptor, wherever it is.
        assert_eq!(parent.get_value(&values[0])?, 1);
        // This source only: not the child's values.
        assert_eq!(by_name(&parent, c"kidonly"), Err(ENOENT));
        assert_eq!(parent.get_value(&only_in_child[0]), Err(ENOENT));
        assert_eq!(by_name(&child, c"kidonly")?, 3);
        // Not a descriptor at all (inside the array, misaligned).
        let inside = values
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(4)
            .cast::<StatsFsValue>();
        assert_eq!(parent.get_value(inside), Err(ENOENT));
        Ok(())
    }

    /// Whether the names of `s`'s entries shadow one another, as the writers found it
    /// change by change and as the whole directory says; the two must agree.
    fn shadowed(s: &Source) -> bool {
        let shape = s.shape();
        let found = shape.shadowed();
        assert_eq!(found, DirView::Source(&shape).any_shadowed());
        found
    }

    #[test]
    fn shadowing_follows_each_change() -> Result {
        let mem = Mem::new(Stats::default());
        let values = all_types()?;
        let more = KBox::new(
            [
                desc(c"extra", offset_of!(Stats, u64_), &stats_fs_type_u64, SUM),
                END,
            ],
            GFP_KERNEL,
        )?;
        let twice = KBox::new(
            [
                desc(c"twice", offset_of!(Stats, u64_), &stats_fs_type_u64, SUM),
                desc(c"twice", offset_of!(Stats, u32_), &stats_fs_type_u32, SUM),
                END,
            ],
            GFP_KERNEL,
        )?;
        let again = KBox::new(
            [
                desc(c"s8", offset_of!(Stats, s8_), &stats_fs_type_s8, SUM),
                END,
            ],
            GFP_KERNEL,
        )?;
        let parent = source(c"core_shadowing", 0)?;
        let plain = source(c"plain", 0)?;
        let named_u8 = source(c"u8", 0)?;
        let hidden_u16 = source(c"u16", HIDDEN)?;

        // Distinct names: groups, then subordinates.
        add(&parent, &*values, mem.base(), 0)?;
        add(&parent, &*more, mem.base(), 0)?;
        parent.borrow().add_subordinate(plain.borrow())?;
        assert!(!shadowed(&parent));
        // A hidden subordinate is no entry, whatever its name.
        parent.borrow().add_subordinate(hidden_u16.borrow())?;
        assert!(!shadowed(&parent));
        // A subordinate named like a value; gone again, nothing shadows.
        parent.borrow().add_subordinate(named_u8.borrow())?;
        assert!(shadowed(&parent));
        named_u8.remove();
        assert!(!shadowed(&parent));
        // Two values of one group with one name; one of two shadowings taken away leaves
        // the other.
        add(&parent, &*twice, mem.base(), 0)?;
        assert!(shadowed(&parent));
        let named_s64 = source(c"s64", 0)?;
        parent.borrow().add_subordinate(named_s64.borrow())?;
        assert!(shadowed(&parent));
        parent.remove_values(twice.as_ptr(), mem.base())?;
        assert!(shadowed(&parent));
        named_s64.remove();
        assert!(!shadowed(&parent));
        // A newer group with an older group's name, then both revoked.
        add(&parent, &*again, mem.base(), 0)?;
        assert!(shadowed(&parent));
        parent.revoke();
        assert!(!shadowed(&parent));
        Ok(())
    }

    /// A parent with its own values, an intermediate child with an aggregate group and
    /// values, two grandchildren (one hidden), and a child whose group has another base.
    #[test]
    fn aggregates_cover_the_subtree_once() -> Result {
        let values = all_types()?;
        let nums: [(u64, i64); 5] = [(10, -1), (0, -20), (5, 3), (7, 0), (0, -8)];
        let [s0, s1, s2, s3, s4] = nums.map(|(u, i)| {
            Mem::new(Stats {
                u64_: u,
                s64_: i,
                u32_: u as u32,
                s32_: i as i32,
                u16_: u as u16,
                ..Default::default()
            })
        });
        let root = source(c"core_aggr", 0)?;
        let mid = source(c"mid", 0)?;
        let leaf1 = source(c"leaf1", 0)?;
        let leaf2 = source(c"leaf2", HIDDEN)?;
        let side = source(c"side", 0)?;
        add(&root, &*values, s0.base(), 0)?;
        add(&root, &*values, core::ptr::null_mut(), 0)?;
        add(&mid, &*values, s1.base(), 0)?;
        // An intermediate aggregate: must not be counted again by the root.
        add(&mid, &*values, core::ptr::null_mut(), 0)?;
        add(&leaf1, &*values, s2.base(), 0)?;
        add(&leaf2, &*values, s3.base(), HIDDEN)?;
        add(&side, &*values, s4.base(), 0)?;
        mid.borrow().add_subordinate(leaf1.borrow())?;
        mid.borrow().add_subordinate(leaf2.borrow())?;
        root.borrow().add_subordinate(mid.borrow())?;
        root.borrow().add_subordinate(side.borrow())?;

        // The root's aggregate group is the newest, so names find it.
        assert_eq!(by_name(&root, c"u64")?, 10 + 5 + 7); // SUM
        assert_eq!(by_name(&root, c"s64")? as i64, -20); // MIN, signed
        assert_eq!(by_name(&root, c"u32")?, 10); // MAX
        assert_eq!(by_name(&root, c"s32")? as i64, (-1 - 20 + 3 - 8) / 5); // AVG, signed
        assert_eq!(by_name(&root, c"u16")?, 2); // COUNT_ZERO
        assert_eq!(by_name(&root, c"bool")?, 0); // NONE in an aggregate
                                                 // The intermediate aggregate covers its own subtree only.
        assert_eq!(by_name(&mid, c"u64")?, 5 + 7);
        assert_eq!(by_name(&mid, c"s64")? as i64, -20);
        // Simple values read directly, by descriptor in the simple group.
        assert_eq!(leaf1.get_value(&values[0])?, 5);
        Ok(())
    }

    #[test]
    fn empty_aggregates_give_the_documented_results() -> Result {
        let values = all_types()?;
        let s = source(c"core_empty", 0)?;
        add(&s, &*values, core::ptr::null_mut(), 0)?;
        assert_eq!(by_name(&s, c"u64")?, 0); // SUM
        assert_eq!(by_name(&s, c"s64")?, i64::MAX as u64); // MIN, signed
        assert_eq!(by_name(&s, c"u32")?, 0); // MAX, unsigned
        assert_eq!(by_name(&s, c"s32")?, 0); // AVG
        assert_eq!(by_name(&s, c"u16")?, 0); // COUNT_ZERO
        assert_eq!(by_name(&s, c"u8")?, u64::MAX); // MIN, unsigned
        assert_eq!(by_name(&s, c"s8")?, i64::MIN as u64); // MAX, signed
        Ok(())
    }

    #[test]
    fn clear_simple_aggregate_and_refusals() -> Result {
        let mut values = all_types()?;
        values[5].value_flag = FLOATING; // s16
        let no_clear = KBox::new(
            StatsFsType {
                get: stats_fs_type_u64.get,
                clear: None,
                sign: false,
                size: 0,
            },
            GFP_KERNEL,
        )?;
        values[2].type_ = &*no_clear; // u32
        let a = Mem::new(Stats {
            u64_: 4,
            s16_: 2,
            ..Default::default()
        });
        let b = Mem::new(Stats {
            u64_: 6,
            ..Default::default()
        });
        let parent = source(c"core_clear", 0)?;
        let child = source(c"child", 0)?;
        add(&parent, &*values, core::ptr::null_mut(), 0)?;
        add(&child, &*values, a.base(), 0)?;
        let other = source(c"other", 0)?;
        add(&other, &*values, b.base(), 0)?;
        parent.borrow().add_subordinate(child.borrow())?;
        // Refusals: floating value, type without clear.
        assert_eq!(child.clear(&values[5]), Err(EPERM));
        assert_eq!(parent.clear(&values[2]), Err(EPERM));
        assert_eq!(a.get().s16_, 2);
        // Clearing the aggregate clears the subtree, and nothing outside it.
        parent.clear(&values[0])?;
        assert_eq!(a.get().u64_, 0);
        assert_eq!(b.get().u64_, 6);
        // Simple clear.
        other.clear(&values[0])?;
        assert_eq!(b.get().u64_, 0);
        assert_eq!(other.clear(core::ptr::null()), Err(ENOENT));
        Ok(())
    }

    #[test]
    fn revoked_groups_read_zero_and_leave_aggregates() -> Result {
        let values = all_types()?;
        let a = Mem::new(Stats {
            u64_: 3,
            u8_: 9,
            ..Default::default()
        });
        let b = Mem::new(Stats {
            u64_: 5,
            u8_: 4,
            ..Default::default()
        });
        let parent = source(c"core_revoke", 0)?;
        let c1 = source(c"c1", 0)?;
        let c2 = source(c"c2", 0)?;
        add(&parent, &*values, core::ptr::null_mut(), 0)?;
        add(&c1, &*values, a.base(), 0)?;
        add(&c2, &*values, b.base(), 0)?;
        add(&c2, &*values, core::ptr::null_mut(), 0)?;
        parent.borrow().add_subordinate(c1.borrow())?;
        parent.borrow().add_subordinate(c2.borrow())?;
        assert_eq!(by_name(&parent, c"u8")?, 4);
        c2.revoke();
        // The revoked source reads 0, aggregates included: no empty-set sentinel.
        assert_eq!(c2.get_value(&values[0])?, 0);
        assert_eq!(c2.get_value(&values[6])?, 0);
        // Its descriptors are not read either, so names no longer find its values.
        assert_eq!(by_name(&c2, c"u8"), Err(ENOENT));
        // And it drops out of the parent's aggregates.
        assert_eq!(by_name(&parent, c"u64")?, 3);
        assert_eq!(by_name(&parent, c"u8")?, 9);
        // Its memory is no longer touched: clear leaves it alone.
        parent.clear(&values[0])?;
        assert_eq!(b.get().u64_, 5);
        assert_eq!(a.get().u64_, 0);
        Ok(())
    }

    #[test]
    fn subordinate_rules() -> Result {
        let a = source(c"core_sub_a", 0)?;
        let b = source(c"b", 0)?;
        let c = source(c"c", 0)?;
        let b2 = source(c"b", 0)?;
        a.borrow().add_subordinate(b.borrow())?;
        b.borrow().add_subordinate(c.borrow())?;
        // One parent only.
        assert_eq!(a.borrow().add_subordinate(c.borrow()), Err(EBUSY));
        // No cycles.
        assert_eq!(c.borrow().add_subordinate(a.borrow()), Err(EINVAL));
        assert_eq!(a.borrow().add_subordinate(a.borrow()), Err(EINVAL));
        // Visible siblings have distinct names.
        assert_eq!(a.borrow().add_subordinate(b2.borrow()), Err(EEXIST));
        // Removing a non-child does nothing; removing and adding again works.
        a.remove_subordinate(&c);
        assert_eq!(a.borrow().add_subordinate(c.borrow()), Err(EBUSY));
        a.remove_subordinate(&b);
        a.borrow().add_subordinate(b2.borrow())?;
        assert_eq!(a.borrow().add_subordinate(b.borrow()), Err(EEXIST));
        b.remove_subordinate(&c);
        // A registered source cannot become a subordinate.
        c.borrow().register(None)?;
        assert_eq!(c.borrow().register(None), Err(EBUSY));
        assert_eq!(a.borrow().add_subordinate(c.borrow()), Err(EBUSY));
        let c_again = source(c"c", 0)?;
        assert_eq!(c_again.borrow().register(None), Err(EEXIST));
        Ok(())
    }

    /// Putting a parent's last reference tears down the subordinates only it referenced.
    #[test]
    fn last_put_tears_down_the_subtree() -> Result {
        let values = all_types()?;
        let st = Mem::new(Stats {
            u64_: 1,
            ..Default::default()
        });
        let parent = source(c"core_teardown", 0)?;
        let kept = source(c"kept", 0)?;
        let owned = source(c"owned", 0)?;
        add(&owned, &*values, st.base(), 0)?;
        add(&kept, &*values, st.base(), 0)?;
        parent.borrow().add_subordinate(kept.borrow())?;
        parent.borrow().add_subordinate(owned.borrow())?;
        parent.borrow().register(None)?;
        // Keep the memory of `owned` (not a reference) to look at it afterwards.
        let owned_mem = owned.source().clone();
        drop(owned);
        drop(parent);
        // `owned` was revoked and detached; `kept` was detached but still works.
        assert_eq!(owned_mem.get_value(&values[0])?, 0);
        assert_eq!(kept.get_value(&values[0])?, 1);
        // `kept` can go somewhere else now, and the root name is free again.
        kept.borrow().register(None)?;
        let again = source(c"core_teardown", 0)?;
        again.borrow().register(None)?;
        Ok(())
    }

    /// A chain 500 deep: aggregation and teardown walk it without recursion.
    #[test]
    fn deep_chain_aggregates_and_tears_down() -> Result {
        const DEPTH: usize = 500;
        let values = all_types()?;
        let counter = Mem::new(Stats {
            u64_: 1,
            ..Default::default()
        });
        let counter_ptr = counter.base();
        let top = source(c"core_deep", 0)?;
        add(&top, &*values, core::ptr::null_mut(), 0)?;
        let mut parent = top.source().clone();
        for _ in 0..DEPTH {
            let child = source(c"level", 0)?;
            add(&child, &*values, counter_ptr, 0)?;
            parent.as_arc_borrow().add_subordinate(child.borrow())?;
            parent = child.source().clone();
            // The parent's reference keeps it.
            drop(child);
        }
        let bottom = parent;
        assert_eq!(by_name(&top, c"u64")?, DEPTH as u64);
        assert_eq!(by_name(&top, c"u16")?, DEPTH as u64); // all zero
        drop(top);
        // The whole chain was torn down: the bottom was revoked.
        assert_eq!(bottom.get_value(&values[0])?, 0);
        Ok(())
    }

    #[test]
    fn custom_type_and_show() -> Result {
        /// A custom type: reads a value scaled by 1000.
        unsafe extern "C" fn get_scaled(val: *mut StatsFsValue, base: *mut c_void) -> u64 {
            // SAFETY: `val` is the test's descriptor and `base` points to a live `Stats`.
            let offset = unsafe { (*val).offset } as usize;
            // SAFETY: As above; the field is a `u64`.
            let v = unsafe { Atomic::from_ptr(base.cast::<u8>().add(offset).cast::<u64>()) };
            v.load(Relaxed) * 1000
        }
        unsafe extern "C" fn show_state(v: u64) -> *mut kernel::ffi::c_char {
            let s: &'static CStr = if v == 0 { c"idle" } else { c"busy" };
            s.as_char_ptr().cast_mut()
        }
        let scaled = KBox::new(
            StatsFsType {
                get: Some(get_scaled),
                clear: None,
                sign: false,
                size: 0,
            },
            GFP_KERNEL,
        )?;
        let mut values = KBox::new(
            [
                desc(c"scaled", offset_of!(Stats, u64_), &stats_fs_type_u64, SUM),
                desc(c"state", offset_of!(Stats, u8_), &stats_fs_type_u8, NONE),
                END,
            ],
            GFP_KERNEL,
        )?;
        values[0].type_ = &*scaled;
        values[1].show = Some(show_state);
        let st = Mem::new(Stats {
            u64_: 3,
            u8_: 1,
            ..Default::default()
        });
        let s = source(c"core_custom", 0)?;
        add(&s, &*values, st.base(), 0)?;
        assert_eq!(by_name(&s, c"scaled")?, 3000);
        assert_eq!(s.clear(&values[0]), Err(EPERM));
        Ok(())
    }

    /// What the concurrent readers share with the test: the descriptors, the values, and
    /// the root they read.
    struct Shared {
        values: KBox<[StatsFsValue; 10]>,
        stats: Mem,
        root: SourceRef,
        errors: Atomic<u32>,
        finished: Atomic<u32>,
    }

    // SAFETY: The descriptors are never changed after setup, the stats are only read (by
    // statsfs, under its lock) while readers run, and the counters are atomics.
    unsafe impl Send for Shared {}
    // SAFETY: As for `Send`.
    unsafe impl Sync for Shared {}

    /// Readers on other CPUs compute aggregates while this task adds, removes, revokes and
    /// puts subordinates: every result must be one the tree had at some instant, and
    /// lockdep and KASAN must stay quiet.
    #[test]
    fn concurrent_readers_and_writers() -> Result {
        const READERS: u32 = 2;
        const ROUNDS: usize = 600;
        const LIVE: usize = 4;
        let values = all_types()?;
        let root = source(c"core_stress", 0)?;
        // SAFETY: `shared` below keeps the descriptors alive until every reader finished.
        unsafe {
            root.borrow()
                .add_values(values.as_ptr(), core::ptr::null_mut(), 0, DEFAULT_TYPES)
        }?;
        let shared = Arc::new(
            Shared {
                values,
                stats: Mem::new(Stats {
                    u64_: 1,
                    u8_: 1,
                    ..Default::default()
                }),
                root,
                errors: Atomic::new(0),
                finished: Atomic::new(0),
            },
            GFP_KERNEL,
        )?;
        for _ in 0..READERS {
            let shared = shared.clone();
            workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                for _ in 0..ROUNDS * 4 {
                    let sum = by_name(&shared.root, c"u64");
                    let min = by_name(&shared.root, c"u8");
                    let zeros = shared.root.get_value(&shared.values[4]);
                    let ok = matches!(sum, Ok(n) if n <= LIVE as u64 + 1)
                        && matches!(min, Ok(1) | Ok(u64::MAX))
                        && matches!(zeros, Ok(n) if n <= LIVE as u64 + 1);
                    if !ok {
                        shared.errors.add(1, Relaxed);
                    }
                }
                shared.finished.add(1, Relaxed);
            })?;
        }

        let mut live = KVec::new();
        for i in 0..ROUNDS {
            let name = CString::try_from_fmt(fmt!("kid{i}"))?;
            let kid = Source::new(name, 0)?;
            add(&kid, &*shared.values, shared.stats.base(), 0)?;
            shared.root.borrow().add_subordinate(kid.borrow())?;
            match i % 3 {
                // Revoke, remove, put: what KVM does when a VM goes away.
                0 => {
                    kid.revoke();
                    shared.root.remove_subordinate(&kid);
                    drop(kid);
                }
                // Put first, so the parent holds the last reference; then remove it.
                1 => {
                    let mem = kid.source().clone();
                    drop(kid);
                    shared.root.remove_subordinate(&mem);
                }
                // Keep a few; the oldest goes by its last put through the parent.
                _ => {
                    live.push(kid, GFP_KERNEL)?;
                    if live.len() == LIVE {
                        let oldest = live.remove(0)?;
                        shared.root.remove_subordinate(&oldest);
                    }
                }
            }
        }
        drop(live);

        let mut waited = 0;
        while shared.finished.load(Relaxed) < READERS && waited < 60_000 {
            fsleep(Delta::from_millis(1));
            waited += 1;
        }
        assert_eq!(shared.finished.load(Relaxed), READERS);
        assert_eq!(shared.errors.load(Relaxed), 0);
        Ok(())
    }

    /// A subsystem's stats holding a histogram of four `u32` buckets.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct HistStats {
        buckets: [u32; 4],
        total: u64,
    }

    /// A histogram descriptor array: `lat` (log histogram, four buckets) and `total`.
    fn hist_values() -> Result<KBox<[StatsFsValue; 3]>> {
        let mut values = KBox::new(
            [
                desc(
                    c"lat",
                    offset_of!(HistStats, buckets),
                    &stats_fs_type_u32,
                    SUM,
                ),
                desc(
                    c"total",
                    offset_of!(HistStats, total),
                    &stats_fs_type_u64,
                    SUM,
                ),
                END,
            ],
            GFP_KERNEL,
        )?;
        values[0].kind = Kind::LogHist as u8;
        values[0].hist_buckets = 4;
        Ok(values)
    }

    #[test]
    fn histograms_read_aggregate_and_clear_bucket_by_bucket() -> Result {
        let values = hist_values()?;
        let a = KBox::new(
            UnsafeCell::new(HistStats {
                buckets: [1, 2, 3, 4],
                total: 10,
            }),
            GFP_KERNEL,
        )?;
        let b = KBox::new(
            UnsafeCell::new(HistStats {
                buckets: [10, 0, 30, u32::MAX],
                total: 40,
            }),
            GFP_KERNEL,
        )?;
        let parent = source(c"core_hist", 0)?;
        let ca = source(c"a", 0)?;
        let cb = source(c"b", 0)?;
        add(&ca, &*values, a.get().cast(), 0)?;
        add(&cb, &*values, b.get().cast(), 0)?;
        add(&parent, &*values, core::ptr::null_mut(), 0)?;
        parent.borrow().add_subordinate(ca.borrow())?;
        parent.borrow().add_subordinate(cb.borrow())?;

        let buckets = |s: &Source| -> Result<[u64; 4]> {
            let (group, i) = {
                let shape = s.shape();
                let (group, i) = DirView::Source(&shape).value(b"lat").ok_or(ENOENT)?;
                (group.clone(), i)
            };
            let live = group.live().ok_or(ENOENT)?;
            let mut out = [0; 4];
            for (bucket, v) in out.iter_mut().enumerate() {
                *v = live.value(i, bucket);
            }
            // A bucket the histogram does not have reads 0.
            assert_eq!(live.value(i, 4), 0);
            Ok(out)
        };
        assert_eq!(buckets(&ca)?, [1, 2, 3, 4]);
        assert_eq!(buckets(&parent)?, [11, 2, 33, 4 + u64::from(u32::MAX)]);
        // The C API reads a histogram as its number of samples.
        assert_eq!(ca.get_value(&values[0])?, 10);
        assert_eq!(by_name(&parent, c"lat")?, 50 + u64::from(u32::MAX));
        assert_eq!(by_name(&parent, c"total")?, 50);

        // Clearing one bucket of the aggregate clears it in every histogram below.
        {
            let (group, i) = {
                let shape = parent.shape();
                let (group, i) = DirView::Source(&shape).value(b"lat").ok_or(ENOENT)?;
                (group.clone(), i)
            };
            group.live().ok_or(ENOENT)?.clear_value(i, 2)?;
        }
        assert_eq!(buckets(&parent)?, [11, 2, 0, 4 + u64::from(u32::MAX)]);
        // Clearing the descriptor clears every bucket, and nothing else.
        ca.clear(&values[0])?;
        assert_eq!(buckets(&ca)?, [0, 0, 0, 0]);
        assert_eq!(by_name(&ca, c"total")?, 10);
        drop((parent, ca, cb));
        Ok(())
    }

    #[test]
    fn histogram_and_metadata_descriptors_are_checked() -> Result {
        let s = source(c"core_hist_einval", 0)?;
        let stats = Mem::new(Stats::default());
        let check = |f: &dyn Fn(&mut StatsFsValue)| -> Result {
            let mut values = hist_values()?;
            f(&mut values[0]);
            add(&s, &*values, stats.base(), 0)
        };
        assert_eq!(check(&|v| v.hist_buckets = 0), Err(EINVAL));
        assert_eq!(check(&|v| v.hist_buckets = 1025), Err(EINVAL));
        assert_eq!(check(&|v| v.kind = Kind::Cumulative as u8), Err(EINVAL));
        assert_eq!(check(&|v| v.kind = 6), Err(EINVAL));
        assert_eq!(check(&|v| v.unit = 6), Err(EINVAL));
        assert_eq!(check(&|v| v.unit_base = 3), Err(EINVAL));
        let sizeless = KBox::new(
            StatsFsType {
                get: stats_fs_type_u32.get,
                clear: None,
                sign: false,
                size: 0,
            },
            GFP_KERNEL,
        )?;
        let sizeless_ptr: *const StatsFsType = &*sizeless;
        assert_eq!(check(&|v| v.type_ = sizeless_ptr), Err(EINVAL));
        // Metadata alone is fine, and so is a histogram of the most buckets (as aggregates,
        // so that no memory is promised for them).
        let mut meta = hist_values()?;
        meta[0].kind = Kind::Peak as u8;
        meta[0].hist_buckets = 0;
        meta[0].unit = Unit::Seconds as u8;
        meta[0].unit_base = UnitBase::Pow10 as u8;
        meta[0].exponent = -9;
        add(&s, &*meta, stats.base(), 0)?;
        let mut widest = hist_values()?;
        widest[0].hist_buckets = 1024;
        add(&s, &*widest, core::ptr::null_mut(), 0)?;
        drop(s);
        Ok(())
    }

    /// Laid out as KVM lays out its stats: `u64` fields, a histogram among them.
    #[repr(C)]
    struct DenseStats {
        exits: u64,
        wait_hist: [u64; 3],
        halts: u64,
    }

    /// Reads every value of `s`'s first group as one run and element by element; returns
    /// both, and the number of elements.
    fn run_and_elements(s: &Source) -> Result<([u64; 16], [u64; 16], usize)> {
        let group = s.shape().groups().first().ok_or(ENOENT)?.clone();
        let live = group.live().ok_or(ENOENT)?;
        let (mut run, mut one_by_one) = ([0; 16], [0; 16]);
        live.reader().read_run(0..group.len(), &mut run);
        let mut k = 0;
        for i in 0..group.len() {
            for bucket in 0..group.elements(i) {
                one_by_one[k] = live.read(i, bucket);
                k += 1;
            }
        }
        Ok((run, one_by_one, k))
    }

    #[test]
    fn runs_read_as_elements_do() -> Result {
        // Dense: read in one loop.
        let mut dense = KBox::new(
            [
                desc(
                    c"exits",
                    offset_of!(DenseStats, exits),
                    &stats_fs_type_u64,
                    SUM,
                ),
                desc(
                    c"wait_hist",
                    offset_of!(DenseStats, wait_hist),
                    &stats_fs_type_u64,
                    SUM,
                ),
                desc(
                    c"halts",
                    offset_of!(DenseStats, halts),
                    &stats_fs_type_s64,
                    SUM,
                ),
                END,
            ],
            GFP_KERNEL,
        )?;
        dense[1].kind = Kind::LogHist as u8;
        dense[1].hist_buckets = 3;
        let stats = KBox::new(
            UnsafeCell::new(DenseStats {
                exits: 1,
                wait_hist: [2, 3, 4],
                halts: -5i64 as u64,
            }),
            GFP_KERNEL,
        )?;
        let s = source(c"core_dense", 0)?;
        add(&s, &*dense, stats.get().cast(), 0)?;
        let (run, one_by_one, n) = run_and_elements(&s)?;
        assert_eq!(n, 5);
        assert_eq!(run, one_by_one);
        assert_eq!(run[..5], [1, 2, 3, 4, -5i64 as u64]);
        // A run from the middle, into fewer slots than it has: no more than they hold.
        {
            let group = s.shape().groups().first().ok_or(ENOENT)?.clone();
            let live = group.live().ok_or(ENOENT)?;
            let mut part = [0u64; 2];
            live.reader().read_run(1..3, &mut part);
            assert_eq!(part, [2, 3]);
        }
        drop(s);
        // Mixed widths: element by element, the same result.
        let values = all_types()?;
        let mixed = Mem::new(Stats {
            u64_: 7,
            s8_: -3,
            u16_: 9,
            ..Default::default()
        });
        let s = source(c"core_sparse", 0)?;
        add(&s, &*values, mixed.base(), 0)?;
        let (run, one_by_one, n) = run_and_elements(&s)?;
        assert_eq!(n, values.len() - 1);
        assert_eq!(run, one_by_one);
        drop(s);
        Ok(())
    }

    /// A publisher's object whose values are read all at once, as a network device's.
    struct Device {
        /// The values as the device keeps them: `[packets, bytes]`.
        live: [Atomic<u64>; 2],
        /// How many snapshots were taken.
        snapshots: Atomic<u32>,
    }

    /// Copies a [`Device`]'s values into the snapshot: packets, then bytes.
    unsafe extern "C" fn device_snapshot(base: *mut c_void, buf: *mut c_void) {
        // SAFETY: `base` is the `Device` the group was added with, which the test keeps
        // alive; `buf` has room for the 16 bytes the group was added with.
        let (device, buf) = unsafe { (&*base.cast::<Device>(), buf.cast::<u64>()) };
        device.snapshots.fetch_add(1, Relaxed);
        for (k, v) in device.live.iter().enumerate() {
            // SAFETY: As above: `k < 2`.
            unsafe { buf.add(k).write(v.load(Relaxed)) };
        }
    }

    /// `packets` and `bytes`, at their offsets in the snapshot.
    fn snapshot_values() -> Result<KBox<[StatsFsValue; 3]>> {
        Ok(KBox::new(
            [
                desc(c"packets", 0, &stats_fs_type_u64, SUM),
                desc(c"bytes", 8, &stats_fs_type_u64, SUM),
                END,
            ],
            GFP_KERNEL,
        )?)
    }

    fn add_snapshot(s: &SourceRef, values: &[StatsFsValue], base: *mut c_void) -> Result {
        let snapshot = Some(Snapshot {
            take: device_snapshot,
            size: 16,
        });
        // SAFETY: The arrays and devices outlive the sources in these tests.
        unsafe {
            s.borrow()
                .add_values_read_by(values.as_ptr(), base, 0, DEFAULT_TYPES, snapshot)
        }
    }

    #[test]
    fn snapshot_groups_read_one_snapshot_per_read() -> Result {
        let values = snapshot_values()?;
        let new = |packets, bytes| Device {
            live: [Atomic::new(packets), Atomic::new(bytes)],
            snapshots: Atomic::new(0),
        };
        let (a, b) = (
            KBox::new(new(1, 100), GFP_KERNEL)?,
            KBox::new(new(2, 200), GFP_KERNEL)?,
        );
        let base = |d: &KBox<Device>| ptr::from_ref::<Device>(d).cast_mut().cast::<c_void>();
        let parent = source(c"core_snapshot", 0)?;
        let (ca, cb) = (source(c"a", 0)?, source(c"b", 0)?);
        add_snapshot(&ca, &*values, base(&a))?;
        add_snapshot(&cb, &*values, base(&b))?;
        add_snapshot(&parent, &*values, core::ptr::null_mut())?;
        parent.borrow().add_subordinate(ca.borrow())?;
        parent.borrow().add_subordinate(cb.borrow())?;
        // The same array read from memory is not a member of the snapshot aggregate.
        let stray = Mem::new(Stats {
            u64_: 1000,
            ..Default::default()
        });
        let cc = source(c"c", 0)?;
        add(&cc, &*values, stray.base(), 0)?;
        parent.borrow().add_subordinate(cc.borrow())?;

        let first = |s: &Source| s.shape().groups().first().cloned().ok_or(ENOENT);
        // A `Live` holds an active reference, which dropping a source waits for: every
        // read is in this block.
        {
            // Every value of a group from one snapshot.
            let group = first(&ca)?;
            let live = group.live().ok_or(ENOENT)?;
            let before = a.snapshots.load(Relaxed);
            let mut out = [0u64; 2];
            live.reader().read_run(0..2, &mut out);
            assert_eq!(out, [1, 100]);
            assert_eq!(a.snapshots.load(Relaxed) - before, 1);
            // An aggregate: one snapshot per member, the stray group left out.
            let aggregate = first(&parent)?;
            let live = aggregate.live().ok_or(ENOENT)?;
            let (before_a, before_b) = (a.snapshots.load(Relaxed), b.snapshots.load(Relaxed));
            let mut all = KVec::new();
            live.values(&mut all)?;
            assert_eq!(&all[..], &[3, 300]);
            assert_eq!(a.snapshots.load(Relaxed) - before_a, 1);
            assert_eq!(b.snapshots.load(Relaxed) - before_b, 1);
            assert_eq!(live.value(1, 0), 300);
            // The values follow the device; they cannot be cleared.
            a.live[1].store(150, Relaxed);
            assert_eq!(by_name(&ca, c"bytes")?, 150);
            assert_eq!(by_name(&parent, c"bytes")?, 350);
            assert_eq!(live.clear_value(1, 0), Err(EPERM));
        }
        drop((parent, ca, cb, cc));
        Ok(())
    }

    #[test]
    fn snapshot_descriptors_are_checked() -> Result {
        let s = source(c"core_snapshot_einval", 0)?;
        let device = KBox::new(
            Device {
                live: [Atomic::new(0), Atomic::new(0)],
                snapshots: Atomic::new(0),
            },
            GFP_KERNEL,
        )?;
        let base = ptr::from_ref::<Device>(&device).cast_mut().cast::<c_void>();
        let check = |f: &dyn Fn(&mut StatsFsValue), size: usize| -> Result {
            let mut values = snapshot_values()?;
            f(&mut values[1]);
            let snapshot = Some(Snapshot {
                take: device_snapshot,
                size,
            });
            // SAFETY: As in `add_snapshot`.
            unsafe {
                s.borrow()
                    .add_values_read_by(values.as_ptr(), base, 0, DEFAULT_TYPES, snapshot)
            }
        };
        // Past the end, misaligned, a custom type, sizes out of range.
        assert_eq!(check(&|v| v.offset = 16, 16), Err(EINVAL));
        assert_eq!(check(&|v| v.offset = 4, 16), Err(EINVAL));
        let custom = KBox::new(
            StatsFsType {
                get: stats_fs_type_u64.get,
                clear: None,
                sign: false,
                size: 8,
            },
            GFP_KERNEL,
        )?;
        let custom_ptr: *const StatsFsType = &*custom;
        assert_eq!(check(&|v| v.type_ = custom_ptr, 16), Err(EINVAL));
        assert_eq!(check(&|_| {}, 0), Err(EINVAL));
        assert_eq!(check(&|_| {}, SNAPSHOT_MAX + 1), Err(EINVAL));
        check(&|_| {}, SNAPSHOT_MAX)?;
        drop(s);
        Ok(())
    }
}
