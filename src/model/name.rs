// SPDX-License-Identifier: GPL-2.0

//! Validation of source and value names.
//!
//! A name becomes a directory or file name under `/sys/kernel/stats`, so it must be a
//! valid, unambiguous path component. Names beginning with `.` are reserved for statsfs's
//! own metadata files.

use kernel::prelude::*;

/// The longest name a path component may have, from `include/uapi/linux/limits.h`.
pub(crate) const NAME_MAX: usize = 255;

/// Checks that `name` may name a source or a value.
///
/// A valid name is 1 to [`NAME_MAX`] bytes of printable ASCII, contains no `/` and does
/// not begin with `.` (which also rules out `.` and `..`).
///
/// # Errors
///
/// Returns [`EINVAL`] for any name that breaks these rules.
pub(crate) fn validate(name: &[u8]) -> Result {
    let printable = |b: &u8| (b' '..=b'~').contains(b);
    match name.first() {
        None | Some(b'.') => Err(EINVAL),
        Some(_) if name.len() > NAME_MAX => Err(EINVAL),
        Some(_) if !name.iter().all(printable) || name.contains(&b'/') => Err(EINVAL),
        Some(_) => Ok(()),
    }
}

#[cfg(CONFIG_STATS_FS_KUNIT_TEST)]
#[kunit_tests(statsfs_name)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_valid() -> Result {
        validate(b"exits")?;
        validate(b"vcpu0")?;
        validate(b"1234-5")?;
        validate(b"rx_bytes.total")?;
        validate(b"a b")?;
        Ok(())
    }

    #[test]
    fn empty_and_dot_names_are_einval() {
        assert_eq!(validate(b""), Err(EINVAL));
        assert_eq!(validate(b"."), Err(EINVAL));
        assert_eq!(validate(b".."), Err(EINVAL));
        assert_eq!(validate(b".schema"), Err(EINVAL));
    }

    #[test]
    fn slash_and_control_bytes_are_einval() {
        assert_eq!(validate(b"a/b"), Err(EINVAL));
        assert_eq!(validate(b"/"), Err(EINVAL));
        assert_eq!(validate(b"a\nb"), Err(EINVAL));
        assert_eq!(validate(b"tab\t"), Err(EINVAL));
        assert_eq!(validate(b"nul\0"), Err(EINVAL));
        assert_eq!(validate(b"del\x7f"), Err(EINVAL));
        assert_eq!(validate(b"\xc3\xa9"), Err(EINVAL));
    }

    #[test]
    fn name_max_is_the_limit() -> Result {
        let mut name = KVec::new();
        name.extend_with(NAME_MAX, b'x', GFP_KERNEL)?;
        validate(&name)?;
        name.push(b'x', GFP_KERNEL)?;
        assert_eq!(validate(&name), Err(EINVAL));
        Ok(())
    }
}
