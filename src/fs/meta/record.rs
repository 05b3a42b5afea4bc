// SPDX-License-Identifier: GPL-2.0

//! The values of a record, read once for all the lines or data the record gives.
//!
//! A record holds the runs of several groups (a VM's own values and its vCPUs' sums), and
//! a group may give several runs when names shadow one another, so a record is read group
//! by group, not run by run: each group once, under one active reference, an aggregate
//! group in one pass over its members, a group read through a snapshot from one snapshot.
//! The elements land in file order, and what the reader is given is copied from them after
//! the references are dropped: a reader's page fault never holds up the revocation of a
//! group.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::walk::Run;

/// How many elements the values of `run` have.
pub(crate) fn run_elements(run: &Run) -> usize {
    run.values.clone().map(|i| run.group.elements(i)).sum()
}

/// The elements of a record's values, in file order, and the memory reading them takes,
/// kept from record to record.
pub(crate) struct RecordValues {
    elements: KVec<u64>,
    /// The first run of each group of the record.
    firsts: KVec<usize>,
    /// The elements of an aggregate group, all its values.
    group_values: KVec<u64>,
}

impl RecordValues {
    pub(crate) const fn new() -> Self {
        Self {
            elements: KVec::new(),
            firsts: KVec::new(),
            group_values: KVec::new(),
        }
    }

    /// The elements read last, in file order.
    pub(crate) fn elements(&self) -> &[u64] {
        &self.elements
    }

    /// Reads the values of `runs`, the runs of one record: a group no longer live reads
    /// as zeros.
    pub(crate) fn read(&mut self, runs: &[Run]) -> Result {
        let total = runs.iter().map(run_elements).sum();
        self.elements.clear();
        self.elements.extend_with(total, 0, GFP_KERNEL)?;
        self.firsts.clear();
        for (k, run) in runs.iter().enumerate() {
            let seen = self
                .firsts
                .iter()
                .any(|&f| Arc::ptr_eq(&runs[f].group, &run.group));
            if !seen {
                self.firsts.push(k, GFP_KERNEL)?;
            }
        }
        for &first in self.firsts.iter() {
            let group = &runs[first].group;
            let Some(live) = group.live() else {
                continue;
            };
            if !group.is_simple() {
                live.values(&mut self.group_values)?;
            }
            // A simple group read through a snapshot takes it once, here.
            let reader = live.reader();
            let mut at = 0;
            for run in runs.iter() {
                let n = run_elements(run);
                let out = self.elements.get_mut(at..at + n).ok_or(EINVAL)?;
                at += n;
                if !Arc::ptr_eq(&run.group, group) {
                    continue;
                }
                if group.is_simple() {
                    reader.read_run(run.values.clone(), out);
                } else {
                    let from: usize = (0..run.values.start).map(|j| group.elements(j)).sum();
                    let values = self.group_values.get(from..from + n).ok_or(EINVAL)?;
                    for (slot, &v) in out.iter_mut().zip(values) {
                        *slot = v;
                    }
                }
            }
        }
        Ok(())
    }
}
