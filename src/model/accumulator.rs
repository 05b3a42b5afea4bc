// SPDX-License-Identifier: GPL-2.0

//! Combining values: what an aggregate computes over its members.

use crate::abi::Aggregation;

/// Combines values into one of the [`Aggregation`]s.
///
/// Values are u64 bit patterns; for signed types they hold sign-extended s64 values,
/// compared and divided as such. SUM wraps modulo 2^64, like the counters it sums; AVG
/// divides the exact sum, kept in 128 bits, so it is right however large the values are.
#[derive(Clone, Copy)]
pub(crate) struct Accumulator {
    signed: bool,
    /// The exact sum, two's complement in 128 bits for signed values.
    sum: u128,
    count: u64,
    zeros: u64,
    min: u64,
    max: u64,
}

/// Divides `n` by `d`, for a quotient known to fit in 64 bits (`n >> 64 < d`).
///
/// Long division one bit at a time: `u128` division would call the compiler runtime's
/// `__udivti3`, which the kernel does not provide.
fn div_u128_by_u64(n: u128, d: u64) -> u64 {
    let mut rem = (n >> 64) as u64;
    let low = n as u64;
    let mut quotient = 0u64;
    for bit in (0..64).rev() {
        // `rem < d`, so shifting it left loses at most one bit, kept in `carry`.
        let carry = rem >> 63;
        rem = (rem << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry != 0 || rem >= d {
            rem = rem.wrapping_sub(d);
            quotient |= 1;
        }
    }
    quotient
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
    #[inline]
    pub(crate) fn add(&mut self, v: u64) {
        let wide = if self.signed {
            // CAST: Sign-extend the s64 to 128 bits.
            v as i64 as i128 as u128
        } else {
            u128::from(v)
        };
        self.sum = self.sum.wrapping_add(wide);
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
            // CAST: Modulo 2^64, as the counters themselves wrap.
            Aggregation::Sum => self.sum as u64,
            Aggregation::Min => self.min,
            Aggregation::Max => self.max,
            Aggregation::CountZero => self.zeros,
            Aggregation::Avg if self.count == 0 => 0,
            Aggregation::Avg if self.signed => {
                // CAST: The 128-bit two's complement sum, as a signed number.
                let sum = self.sum as i128;
                // `count` values of magnitude at most 2^63: the quotient fits.
                let magnitude = div_u128_by_u64(sum.unsigned_abs(), self.count);
                // Truncated toward zero, as C divides.
                let avg = if sum < 0 {
                    (magnitude as i64).wrapping_neg()
                } else {
                    magnitude as i64
                };
                avg as u64
            }
            // `count` values below 2^64: the quotient fits.
            Aggregation::Avg => div_u128_by_u64(self.sum, self.count),
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

    /// The average of values whose sum passes 2^64 (it used to wrap: two `u64::MAX - 1`
    /// averaged to about 2^63).
    #[test]
    fn avg_of_a_sum_past_2_pow_64_is_exact() {
        let mut acc = Accumulator::new(false);
        acc.add(u64::MAX - 1);
        acc.add(u64::MAX - 1);
        assert_eq!(acc.result(Aggregation::Avg), u64::MAX - 1);
        let mut acc = Accumulator::new(false);
        for _ in 0..3 {
            acc.add(u64::MAX);
        }
        acc.add(3);
        // (3 * (2^64 - 1) + 3) / 4 = 3 * 2^64 / 4.
        assert_eq!(acc.result(Aggregation::Avg), 3 << 62);
        let mut acc = Accumulator::new(true);
        acc.add(i64::MAX as u64);
        acc.add(i64::MAX as u64);
        assert_eq!(acc.result(Aggregation::Avg) as i64, i64::MAX);
        let mut acc = Accumulator::new(true);
        acc.add(i64::MIN as u64);
        acc.add(i64::MIN as u64);
        acc.add(i64::MIN as u64);
        assert_eq!(acc.result(Aggregation::Avg) as i64, i64::MIN);
        let mut acc = Accumulator::new(true);
        acc.add(i64::MIN as u64);
        acc.add(-1i64 as u64);
        // (-2^63 - 1) / 2, truncated toward zero.
        assert_eq!(acc.result(Aggregation::Avg) as i64, i64::MIN / 2);
    }

    #[test]
    fn long_division_matches_small_cases() {
        assert_eq!(div_u128_by_u64(10, 3), 3);
        assert_eq!(div_u128_by_u64(u128::from(u64::MAX), 1), u64::MAX);
        assert_eq!(div_u128_by_u64(1u128 << 64, 2), 1 << 63);
        assert_eq!(
            div_u128_by_u64((u128::from(u64::MAX) << 64) - 1, u64::MAX),
            u64::MAX
        );
    }
}
