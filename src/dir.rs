// SPDX-License-Identifier: GPL-2.0

//! The directory view of the model: which names a source's directory holds.
//!
//! These are the rules that lookup, revalidation and readdir share, kept apart from the
//! model itself ([`crate::source`]) and from the VFS boundary ([`crate::vfs`]):
//!
//! - A source has a directory when it and all its ancestors are visible and the topmost is
//!   registered ([`Source::in_tree`]).
//! - The top of the file system lists the visible registered sources; a source's directory
//!   lists its visible subordinates, then the values of its visible groups.
//! - A subordinate wins over a value of the same name; between values of the same name, the
//!   newest group's wins, and within a group the first descriptor's.
//! - A histogram is a directory of its own, holding one file per bucket.

use kernel::{
    prelude::*,
    str::CStr,
    sync::Arc, //
};

use crate::{
    source::{
        ancestors,
        Source,
        SourceRef, //
    },
    tree::Held,
    value::Group,
};

impl Source {
    /// The visible subordinate called `name` of `dir`, or the visible root called `name`
    /// when `dir` is `None` (the top of the file system).
    pub(crate) fn visible_child<'a>(
        dir: Option<&'a Source>,
        g: &'a impl Held,
        name: &[u8],
    ) -> Option<&'a Arc<Source>> {
        let matches = |s: &Arc<Source>| s.is_visible() && s.name().to_bytes() == name;
        match dir {
            None => Source::roots(g).iter().find(|s| matches(s)),
            Some(dir) => dir
                .children(g)
                .iter()
                .map(SourceRef::source)
                .find(|s| matches(s)),
        }
    }

    /// The value `name` of this directory: the newest visible group with a value called
    /// `name`, and the value's index, unless a visible subordinate has that name.
    pub(crate) fn visible_value<'a>(
        &'a self,
        g: &'a impl Held,
        name: &[u8],
    ) -> Option<(&'a Group, usize)> {
        if Self::visible_child(Some(self), g, name).is_some() {
            return None;
        }
        self.groups(g)
            .iter()
            .rev()
            .filter(|grp| grp.is_visible())
            .find_map(|grp| grp.index_by_name(name).map(|i| (grp, i)))
    }

    /// Whether this source has a directory in the file system right now: it and all its
    /// ancestors are visible, and the topmost is registered.
    pub(crate) fn in_tree(&self, g: &impl Held) -> bool {
        let mut top = self;
        for s in ancestors(self, g) {
            if !s.is_visible() {
                return false;
            }
            top = s;
        }
        top.is_root(g)
    }

    /// Whether this source is, right now, the entry called `name` of `dir` (the top of the
    /// file system when `dir` is `None`).
    ///
    /// Constant time: visible siblings have distinct names, so a visible source hanging
    /// from `dir` with that name is the entry.
    pub(crate) fn is_entry_of(&self, dir: Option<&Source>, g: &impl Held, name: &[u8]) -> bool {
        let placed = match dir {
            None => self.is_root(g),
            Some(dir) => self.is_child_of(dir, g),
        };
        placed && self.is_visible() && self.name().to_bytes() == name
    }

    /// Calls `f` with the name, inode number and whether it is a directory of every entry of
    /// directory `dir` (the top of the file system if `None`), in the order readdir shows
    /// them: the visible
    /// subordinates, then the values that [`Source::visible_value`] finds (histograms are
    /// directories).
    pub(crate) fn for_each_entry<'a>(
        dir: Option<&'a Source>,
        g: &'a impl Held,
        mut f: impl FnMut(&'a CStr, u64, bool) -> Result,
    ) -> Result {
        let Some(dir) = dir else {
            for root in Source::roots(g).iter().filter(|s| s.is_visible()) {
                f(root.name(), root.ino(), true)?;
            }
            return Ok(());
        };
        for child in dir.children(g).iter().filter(|c| c.is_visible()) {
            f(child.name(), child.ino(), true)?;
        }
        let groups = dir.groups(g);
        for (n, grp) in groups.iter().enumerate().rev() {
            if !grp.is_visible() {
                continue;
            }
            for i in 0..grp.len() {
                let Some(desc) = grp.desc(i) else { continue };
                let name = desc.name().to_bytes();
                // Show a name once: as the subordinate, or the newest value with it.
                let newer = groups[n + 1..]
                    .iter()
                    .any(|o| o.is_visible() && o.index_by_name(name).is_some());
                let earlier =
                    (0..i).any(|j| grp.desc(j).is_some_and(|d| d.name().to_bytes() == name));
                if !newer && !earlier && Self::visible_child(Some(dir), g, name).is_none() {
                    f(desc.name(), grp.ino(i, None), desc.buckets() > 0)?;
                }
            }
        }
        Ok(())
    }
}
