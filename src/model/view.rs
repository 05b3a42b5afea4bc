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
        match dir {
            None => Source::roots(g)?.visible(name),
            Some(dir) => dir.children(g).visible(name).map(SourceRef::source),
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

    /// Whether value `i` of `groups[n]`, a group of this source, is an entry of its
    /// directory: visible, and neither a subordinate nor a newer value has its name.
    fn shows_value(&self, g: &impl Held, groups: &[Group], n: usize, i: usize) -> bool {
        let grp = &groups[n];
        let Some(desc) = grp.desc(i).filter(|_| grp.is_visible()) else {
            return false;
        };
        let name = desc.name().to_bytes();
        let newer = groups[n + 1..]
            .iter()
            .any(|o| o.is_visible() && o.index_by_name(name).is_some());
        let earlier = (0..i).any(|j| grp.desc(j).is_some_and(|d| d.name().to_bytes() == name));
        !newer && !earlier && Self::visible_child(Some(self), g, name).is_none()
    }

    /// Calls `f` with each value entry of this directory (its group and index), in inode
    /// order.
    pub(crate) fn for_each_value<'a>(
        &'a self,
        g: &'a impl Held,
        mut f: impl FnMut(&'a Group, usize),
    ) {
        let groups = self.groups(g);
        for (n, grp) in groups.iter().enumerate() {
            for i in 0..grp.len() {
                if self.shows_value(g, groups, n, i) {
                    f(grp, i);
                }
            }
        }
    }

    /// The first value entry of this directory whose inode number is at least `from`: the
    /// group and the value's index. Groups come in creation order, so in inode order.
    fn value_from<'a>(&'a self, g: &'a impl Held, from: u64) -> Option<(&'a Group, usize)> {
        let groups = self.groups(g);
        for (n, grp) in groups.iter().enumerate() {
            for i in grp.index_from(from)..grp.len() {
                if self.shows_value(g, groups, n, i) {
                    return Some((grp, i));
                }
            }
        }
        None
    }

    /// Calls `f` with the name, inode number and whether it is a directory of each entry
    /// of directory `dir` (the top of the file system if `None`) whose inode number is at
    /// least `from`, in increasing inode order, until `f` returns `false`. The entries are
    /// the visible subordinates and the values [`Source::visible_value`] finds (histograms
    /// are directories).
    ///
    /// Resuming from the inode number after the last entry seen is how readdir keeps its
    /// positions stable: an entry present for a whole listing is listed exactly once,
    /// whatever comes and goes meanwhile. Each step costs `O(log n)` in the subordinates.
    pub(crate) fn entries_from<'a>(
        dir: Option<&'a Source>,
        g: &'a impl Held,
        mut from: u64,
        mut f: impl FnMut(&'a CStr, u64, bool) -> bool,
    ) {
        loop {
            let child = match dir {
                None => Source::roots(g).and_then(|r| r.first_visible_from(from)),
                Some(dir) => dir
                    .children(g)
                    .first_visible_from(from)
                    .map(SourceRef::source),
            };
            let value = dir.and_then(|d| d.value_from(g, from));
            let next = match (child, value) {
                (None, None) => return,
                (Some(c), Some((grp, i))) if grp.ino(i, None) < c.ino() => Err((grp, i)),
                (Some(c), _) => Ok(c),
                (None, Some(v)) => Err(v),
            };
            let (name, ino, is_dir) = match next {
                Ok(c) => (c.name(), c.ino(), true),
                Err((grp, i)) => match grp.desc(i) {
                    Some(d) => (d.name(), grp.ino(i, None), d.buckets() > 0),
                    None => return,
                },
            };
            if !f(name, ino, is_dir) {
                return;
            }
            from = ino + 1;
        }
    }
}
