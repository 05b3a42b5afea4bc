// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the Rust API (`include/rust/stats_fs.rs`), used the way a Rust module
//! uses it: through the exported C API, without `unsafe`.

use kernel::prelude::*;

#[kunit_tests(statsfs_rust_api)]
mod tests {
    use kernel::{
        prelude::*,
        str::CStr,
        sync::{
            atomic::{
                Atomic,
                Relaxed, //
            },
            Arc,
        },
    };

    use crate::stats_fs::{
        stats_fs_value,
        Aggregation,
        Show,
        Source,
        Stat,
        Table, //
    };

    struct Counters {
        packets: Atomic<u64>,
        temperature: Atomic<i32>,
        drops: Atomic<u32>,
        state: Atomic<u32>,
    }

    impl Counters {
        fn new(packets: u64, temperature: i32) -> Result<Arc<Self>> {
            Ok(Arc::new(
                Counters {
                    packets: Atomic::new(packets),
                    temperature: Atomic::new(temperature),
                    drops: Atomic::new(0),
                    state: Atomic::new(0),
                },
                GFP_KERNEL,
            )?)
        }
    }

    struct OnOff;

    impl Show for OnOff {
        fn show(value: u64) -> &'static CStr {
            if value == 0 {
                c"off"
            } else {
                c"on"
            }
        }
    }

    static COUNTERS: Table<Counters, 4> = Table::new([
        stats_fs_value!(Counters, packets, Aggregation::Sum),
        stats_fs_value!(Counters, temperature, Aggregation::Max).floating(),
        stats_fs_value!(Counters, drops, Aggregation::CountZero),
        stats_fs_value!(Counters, state, Aggregation::None).show::<OnOff>(),
    ]);

    /// The same values, other aggregations: aggregates match by table, not by field.
    static SPREAD: Table<Counters, 2> = Table::new([
        stats_fs_value!(Counters, packets, Aggregation::Avg),
        stats_fs_value!(Counters, temperature, Aggregation::Min),
    ]);

    #[test]
    fn aggregates_match_by_table() -> Result {
        let mut root = Source::new(c"rust_api_spread")?;
        root.add_aggregates(&SPREAD)?;
        root.add_aggregates(&COUNTERS)?;
        let mut a = Source::new(c"a")?;
        let mut b = Source::new(c"b")?;
        a.add_values(&SPREAD, Counters::new(4, -3)?)?;
        b.add_values(&SPREAD, Counters::new(7, 8)?)?;
        root.add_subordinate(&a)?;
        root.add_subordinate(&b)?;
        assert_eq!(root.value(&SPREAD, 0)?, 5); // (4 + 7) / 2
        assert_eq!(root.value(&SPREAD, 1)? as i64, -3);
        // No source published `COUNTERS` values: its aggregates are empty.
        assert_eq!(root.value(&COUNTERS, 0)?, 0);
        assert_eq!(root.value(&COUNTERS, 1)? as i64, i64::MIN);
        Ok(())
    }

    /// The example of the module documentation of `stats_fs.rs`, kept compiling and passing.
    #[test]
    fn doc_example_module() -> Result {
        let data = Counters::new(0, 20)?;
        let mut dev = Source::new(c"rust_api_mydev")?;
        dev.add_values(&COUNTERS, data.clone())?;
        dev.register()?;
        data.packets.add(1, Relaxed);
        assert_eq!(dev.value_by_name(c"packets")?, 1);
        assert_eq!(dev.value(&COUNTERS, 1)?, 20);
        drop(dev);
        Ok(())
    }

    #[test]
    fn aggregates_over_rust_sources() -> Result {
        let mut root = Source::new(c"rust_api_aggr")?;
        root.add_aggregates(&COUNTERS)?;
        let mut kids = KVec::new();
        for (i, (packets, temperature)) in [(3u64, -5i32), (4, -2), (0, -9)].into_iter().enumerate()
        {
            let mut kid = if i == 2 {
                Source::new_hidden(c"hidden")?
            } else {
                Source::new(if i == 0 { c"a" } else { c"b" })?
            };
            kid.add_values(&COUNTERS, Counters::new(packets, temperature)?)?;
            root.add_subordinate(&kid)?;
            kids.push(kid, GFP_KERNEL)?;
        }
        assert_eq!(root.value(&COUNTERS, 0)?, 7);
        assert_eq!(root.value(&COUNTERS, 1)? as i64, -2);
        assert_eq!(root.value(&COUNTERS, 2)?, 3); // All drops are zero.
                                                  // Dropping a child takes it out of the parent's aggregates.
        kids.remove(1)?;
        assert_eq!(root.value(&COUNTERS, 0)?, 3);
        assert_eq!(root.value(&COUNTERS, 1)? as i64, -5);
        Ok(())
    }

    #[test]
    fn drop_unregisters() -> Result {
        let root = Source::new(c"rust_api_drop")?;
        root.register()?;
        let same = Source::new(c"rust_api_drop")?;
        assert_eq!(same.register(), Err(EEXIST));
        drop(root);
        same.register()?;
        Ok(())
    }

    #[test]
    fn clear_and_floating() -> Result {
        let data = Counters::new(9, 30)?;
        data.drops.store(4, Relaxed);
        let mut s = Source::new(c"rust_api_clear")?;
        s.add_values(&COUNTERS, data.clone())?;
        s.clear(&COUNTERS, 0)?;
        assert_eq!(data.packets.load(Relaxed), 0);
        assert_eq!(s.clear(&COUNTERS, 1), Err(EPERM));
        assert_eq!(data.temperature.load(Relaxed), 30);
        assert_eq!(s.clear(&COUNTERS, 9), Err(EINVAL));
        assert_eq!(s.value_by_name(c"nothing"), Err(ENOENT));
        Ok(())
    }

    /// A custom statistic type: the sum of two counters, read-only.
    struct Pair {
        rx: Atomic<u64>,
        tx: Atomic<u64>,
    }

    impl Stat for Pair {
        const SIGNED: bool = false;
        const CLEARABLE: bool = false;
        fn get(&self) -> u64 {
            self.rx.load(Relaxed) + self.tx.load(Relaxed)
        }
    }

    struct Link {
        bytes: Pair,
    }

    static LINK: Table<Link, 1> = Table::new([stats_fs_value!(Link, bytes, Aggregation::Sum)]);

    #[test]
    fn custom_stat_type() -> Result {
        let link = Arc::new(
            Link {
                bytes: Pair {
                    rx: Atomic::new(5),
                    tx: Atomic::new(6),
                },
            },
            GFP_KERNEL,
        )?;
        let mut s = Source::new(c"rust_api_custom")?;
        s.add_values(&LINK, link.clone())?;
        assert_eq!(s.value_by_name(c"bytes")?, 11);
        assert_eq!(s.clear(&LINK, 0), Err(EPERM));
        link.bytes.tx.add(1, Relaxed);
        assert_eq!(s.value(&LINK, 0)?, 12);
        Ok(())
    }
}
