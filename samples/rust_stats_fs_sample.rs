// SPDX-License-Identifier: GPL-2.0

//! A Rust module that publishes its own counters in statsfs, without `unsafe`.
//!
//! It publishes `/sys/kernel/stats/rust_sample/` with aggregates over two workers, each
//! of which has its own directory. Unloading the module drops the sources, which takes
//! them out of the file system before the counters are freed.

use kernel::{
    prelude::*,
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
    Source,
    Table, //
};

module! {
    type: RustStatsFsSample,
    name: "rust_stats_fs_sample",
    authors: ["The statsfs developers"],
    description: "Rust sample publishing counters in statsfs",
    license: "GPL",
}

/// The counters of one worker; the module updates them with plain atomic operations.
struct Worker {
    jobs: Atomic<u64>,
    errors: Atomic<u64>,
    queue_depth: Atomic<i32>,
}

/// How statsfs reads a [`Worker`]; aggregates over workers use the same table.
static WORKER: Table<Worker, 3> = Table::new([
    stats_fs_value!(Worker, jobs, Aggregation::Sum),
    stats_fs_value!(Worker, errors, Aggregation::Sum),
    stats_fs_value!(Worker, queue_depth, Aggregation::Max).floating(),
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
        for (i, name) in [c"worker0", c"worker1"].into_iter().enumerate() {
            let counters = Arc::new(
                Worker {
                    jobs: Atomic::new(0),
                    errors: Atomic::new(0),
                    queue_depth: Atomic::new(0),
                },
                GFP_KERNEL,
            )?;
            let mut worker = Source::new(name)?;
            worker.add_values(&WORKER, counters.clone())?;
            root.add_subordinate(&worker)?;
            workers.push(worker, GFP_KERNEL)?;

            // Some work to count: worker N did 10 * (N + 1) jobs and has N + 1 queued.
            let n = i as u64 + 1;
            counters.jobs.add(10 * n, Relaxed);
            counters.queue_depth.store(n as i32, Relaxed);
        }
        root.register()?;

        // Check the aggregates, so that loading the sample tests the API.
        let jobs = root.value_by_name(c"jobs")?;
        let deepest = root.value_by_name(c"queue_depth")?;
        if (jobs, deepest) != (30, 2) {
            return Err(EINVAL);
        }
        pr_info!("published /sys/kernel/stats/rust_sample: {jobs} jobs, deepest queue {deepest}\n");
        Ok(Self {
            _workers: workers,
            _root: root,
        })
    }
}
