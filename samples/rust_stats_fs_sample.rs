// SPDX-License-Identifier: GPL-2.0

//! A Rust module that publishes its own counters in statsfs, without `unsafe`.
//!
//! It publishes `/sys/kernel/stats/rust_sample/` with aggregates over three workers: two
//! with a directory of their own, and a hidden one that only counts in the aggregates.
//! Unloading the module drops the sources, which takes them out of the file system before
//! the counters are freed.

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

// The statsfs Rust API; some of it is unused here.
#[path = "../include/rust/stats_fs.rs"]
#[expect(dead_code)]
mod stats_fs;

use stats_fs::{
    stats_fs_value,
    Aggregation,
    Show,
    Source,
    Table, //
};

module! {
    type: RustStatsFsSample,
    name: "rust_stats_fs_sample",
    description: "Rust sample publishing counters in statsfs",
    license: "GPL",
    imports_ns: ["STATS_FS"],
}

/// The counters of one worker; the module updates them with plain atomic operations.
struct Worker {
    jobs: Atomic<u64>,
    errors: Atomic<u64>,
    queue_depth: Atomic<i32>,
    balance: Atomic<i64>,
    busy: Atomic<u32>,
}

/// Shows `busy` as a word.
struct BusyOrIdle;

impl Show for BusyOrIdle {
    fn show(value: u64) -> &'static CStr {
        if value == 0 {
            c"idle"
        } else {
            c"busy"
        }
    }
}

/// How statsfs reads a [`Worker`]; aggregates over workers use the same table.
static WORKER: Table<Worker, 5> = Table::new([
    stats_fs_value!(Worker, jobs, Aggregation::Sum),
    stats_fs_value!(Worker, errors, Aggregation::Sum),
    stats_fs_value!(Worker, queue_depth, Aggregation::Max).floating(),
    stats_fs_value!(Worker, balance, Aggregation::Min).floating(),
    stats_fs_value!(Worker, busy, Aggregation::None).show::<BusyOrIdle>(),
]);

struct RustStatsFsSample {
    // Fields are dropped in declaration order: the workers go before their parent.
    _workers: KVec<Source>,
    _root: Source,
}

impl kernel::Module for RustStatsFsSample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut root = Source::new(c"rust_sample")?;
        root.add_aggregates(&WORKER)?;

        let mut workers = KVec::new();
        // Worker N (from 1) did 10 * N jobs, has N queued; the third is hidden.
        let balances = [-5, 3, -7];
        for (i, name) in [c"worker0", c"worker1", c"worker2"].into_iter().enumerate() {
            let counters = Arc::new(
                Worker {
                    jobs: Atomic::new(0),
                    errors: Atomic::new(0),
                    queue_depth: Atomic::new(0),
                    balance: Atomic::new(balances[i]),
                    busy: Atomic::new(u32::from(i == 0)),
                },
                GFP_KERNEL,
            )?;
            let mut worker = if i == 2 {
                Source::new_hidden(name)?
            } else {
                Source::new(name)?
            };
            worker.add_values(&WORKER, counters.clone())?;
            root.add_subordinate(&worker)?;
            workers.push(worker, GFP_KERNEL)?;

            // Some work to count.
            let n = i as u64 + 1;
            counters.jobs.add(10 * n, Relaxed);
            counters.queue_depth.store(n as i32, Relaxed);
        }
        root.register()?;

        // Check the aggregates, so that loading the sample tests the API.
        let jobs = root.value_by_name(c"jobs")?;
        let deepest = root.value_by_name(c"queue_depth")?;
        let lowest = root.value_by_name(c"balance")? as i64;
        if (jobs, deepest, lowest) != (60, 3, -7) {
            return Err(EINVAL);
        }
        pr_info!("published /sys/kernel/stats/rust_sample: {jobs} jobs, deepest queue {deepest}\n");
        Ok(Self {
            _workers: workers,
            _root: root,
        })
    }
}
