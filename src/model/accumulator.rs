// SPDX-License-Identifier: GPL-2.0

//! Combining values: what an aggregate computes over a subtree.

use crate::abi::Aggregation;

/// Combines values into one of the [`Aggregation`]s.
///
/// Values are u64 bit patterns; for signed types they hold sign-extended s64 values,
/// compared and divided as such. SUM wraps modulo 2^64, like the counters it sums.
pub(crate) struct Accumulator {
    signed: bool,
    sum: u64,
    count: u64,
    zeros: u64,
    min: u64,
    max: u64,
}

impl Accumulator {
    /// An accumulator holding the empty set.
    pub(crate) fn new(signed: bool) -> Self {
        Self {
            signed,
            sum: 0,
            count: 0,
            zeros: 0,
            min: if signed { i64::MAX as u64 } else { u64::MAX },
            max: if signed { i64::MIN as u64 } else { 0 },
        }
    }

    /// Adds one value.
    pub(crate) fn add(&mut self, v: u64) {
        self.sum = self.sum.wrapping_add(v);
        self.count += 1;
        self.zeros += u64::from(v == 0);
        if self.signed {
            self.min = (self.min as i64).min(v as i64) as u64;
            self.max = (self.max as i64).max(v as i64) as u64;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
    }

    /// The result for `kind`; the documented empty-set value when nothing was added.
    pub(crate) fn result(&self, kind: Aggregation) -> u64 {
        match kind {
            Aggregation::None => 0,
            Aggregation::Sum => self.sum,
            Aggregation::Min => self.min,
            Aggregation::Max => self.max,
            Aggregation::CountZero => self.zeros,
            Aggregation::Avg if self.count == 0 => 0,
            Aggregation::Avg if self.signed => {
                // `count` is at most the number of groups, far below `i64::MAX`.
                ((self.sum as i64) / (self.count as i64)) as u64
            }
            Aggregation::Avg => self.sum / self.count,
        }
    }
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kernel::prelude::kunit_tests(statsfs_accumulator)]
mod tests {
    use super::*;

    #[test]
    fn accumulator_unsigned() {
        let mut acc = Accumulator::new(false);
        for v in [5, 0, u64::MAX, 3] {
            acc.add(v);
        }
        assert_eq!(acc.result(Aggregation::Sum), 8u64.wrapping_add(u64::MAX));
        assert_eq!(acc.result(Aggregation::Min), 0);
        assert_eq!(acc.result(Aggregation::Max), u64::MAX);
        assert_eq!(acc.result(Aggregation::CountZero), 1);
        assert_eq!(acc.result(Aggregation::None), 0);
    }

    #[test]
    fn accumulator_signed_compares_and_divides_signed() {
        let mut acc = Accumulator::new(true);
        for v in [-3i64, -6, 2] {
            acc.add(v as u64);
        }
        assert_eq!(acc.result(Aggregation::Min) as i64, -6);
        assert_eq!(acc.result(Aggregation::Max) as i64, 2);
        assert_eq!(acc.result(Aggregation::Sum) as i64, -7);
        // Truncates toward zero, as C does.
        assert_eq!(acc.result(Aggregation::Avg) as i64, -2);
    }

    #[test]
    fn accumulator_empty_set() {
        let u = Accumulator::new(false);
        let s = Accumulator::new(true);
        assert_eq!(u.result(Aggregation::Min), u64::MAX);
        assert_eq!(u.result(Aggregation::Max), 0);
        assert_eq!(s.result(Aggregation::Min), i64::MAX as u64);
        assert_eq!(s.result(Aggregation::Max), i64::MIN as u64);
        for kind in [Aggregation::Sum, Aggregation::Avg, Aggregation::CountZero] {
            assert_eq!(u.result(kind), 0);
            assert_eq!(s.result(kind), 0);
        }
    }
}
