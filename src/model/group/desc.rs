// SPDX-License-Identifier: GPL-2.0

//! A value's descriptor, as the publisher gave it, read while its group is live.

use core::ptr;
use kernel::{
    prelude::*,
    str::CStr, //
};

use super::{
    super::active,
    Kind,
    StatsFsType,
    StatsFsValue,
    Unit,
    UnitBase,
    FLOATING, //
};

/// A checked view of one descriptor, valid while the group is live.
///
/// # Invariants
///
/// The descriptor passed [`Group::new`]'s checks, and stays valid and unchanged for `'a`:
/// it is only made through a [`Live`] group.
#[derive(Clone, Copy)]
pub(crate) struct Desc<'a>(pub(super) &'a StatsFsValue);

impl<'a> Desc<'a> {
    /// The value's name.
    pub(crate) fn name(&self) -> &'a CStr {
        // SAFETY: By the type invariant `name` is a valid NUL-terminated string that lives
        // as long as the descriptor.
        unsafe { CStr::from_char_ptr(self.0.name) }
    }

    /// The value's name without its NUL, `len` bytes long: the length [`Group::new`] found.
    pub(super) fn name_of_len(&self, len: u8) -> &'a [u8] {
        // SAFETY: By the type invariant `name` is a valid string of that length (checked when
        // the group was made), followed by its NUL, that lives as long as the descriptor.
        unsafe { core::slice::from_raw_parts(self.0.name.cast::<u8>(), usize::from(len)) }
    }

    /// Whether the value may go down (`STATS_FS_FLOATING_VALUE`).
    pub(crate) fn floating(&self) -> bool {
        self.0.value_flag & FLOATING != 0
    }

    /// Whether the value's file shows text from a show function.
    pub(crate) fn has_show(&self) -> bool {
        self.0.show.is_some()
    }

    /// What kind of statistic the value is.
    pub(crate) fn kind(&self) -> Kind {
        // Checked by `Group::new` (type invariant).
        Kind::try_from(self.0.kind).unwrap_or(Kind::Unknown)
    }

    /// The value's unit, the base of its exponent, and the exponent.
    pub(crate) fn unit(&self) -> (Unit, UnitBase, i16) {
        // Checked by `Group::new` (type invariant).
        (
            Unit::try_from(self.0.unit).unwrap_or(Unit::Unknown),
            UnitBase::try_from(self.0.unit_base).unwrap_or(UnitBase::Unknown),
            self.0.exponent,
        )
    }

    /// The width of a bucket of a linear histogram.
    pub(crate) fn bucket_size(&self) -> u32 {
        self.0.hist_bucket_size
    }

    /// The text to show instead of `value`, if the descriptor has a show function.
    pub(crate) fn show(&self, value: u64) -> Option<&'a CStr> {
        let show = self.0.show?;
        // SAFETY: `show` is a function of the live descriptor; the header requires it to
        // return NULL or a string that stays valid while the descriptor is registered.
        let text = active::callback(|| unsafe { show(value) });
        if text.is_null() {
            return None;
        }
        // SAFETY: Non-NULL, and valid as just said.
        Some(unsafe { CStr::from_char_ptr(text) })
    }

    pub(super) fn ty(&self) -> &'a StatsFsType {
        // SAFETY: By the type invariant `type_` is valid for as long as the descriptor.
        unsafe { &*self.0.type_ }
    }

    pub(super) fn as_ptr(&self) -> *mut StatsFsValue {
        ptr::from_ref(self.0).cast_mut()
    }
}
