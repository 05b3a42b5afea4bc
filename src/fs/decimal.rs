// SPDX-License-Identifier: GPL-2.0

//! Numbers in decimal, the way C prints them, without `core::fmt`, which costs more than
//! the rest of a value's read.

/// Formats `number` in decimal, as signed if `signed`, at the end of `buf`; returns the
/// text (at most 20 digits and a sign).
pub(crate) fn decimal(buf: &mut [u8; 20 + 1], number: u64, signed: bool) -> &[u8] {
    let negative = signed && (number as i64) < 0;
    // CAST: The magnitude of a negative s64, `i64::MIN`'s included, fits in a u64.
    let mut n = if negative {
        (number as i64).unsigned_abs()
    } else {
        number
    };
    let mut at = buf.len();
    loop {
        at -= 1;
        // `n % 10 < 10`: one decimal digit.
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kernel::prelude::kunit_tests(statsfs_decimal)]
mod tests {
    use super::decimal;

    #[test]
    fn numbers_print_as_c_would() {
        let mut buf = [0u8; 21];
        assert_eq!(decimal(&mut buf, 0, false), b"0");
        assert_eq!(decimal(&mut buf, 42, true), b"42");
        assert_eq!(decimal(&mut buf, u64::MAX, false), b"18446744073709551615");
        assert_eq!(decimal(&mut buf, u64::MAX, true), b"-1");
        assert_eq!(
            decimal(&mut buf, i64::MIN as u64, true),
            b"-9223372036854775808"
        );
        assert_eq!(
            decimal(&mut buf, i64::MIN as u64, false),
            b"9223372036854775808"
        );
    }
}
