// SPDX-License-Identifier: GPL-2.0

//! The directory view of the model: which names a directory holds.
//!
//! These are the rules that lookup, revalidation, readdir and the bulk files share, kept
//! apart from the model's writers ([`super::source`]) and from the file system
//! ([`crate::fs`]). They read a directory under its short lock: the roots' list for the
//! top of the file system, a source's [`Shape`] for its directory.
//!
//! - The top of the file system lists the visible registered sources; a source's directory
//!   lists its visible subordinates, then the values of its visible live groups.
//! - A subordinate wins over a value of the same name; between values of the same name,
//!   the newest group's wins, and within a group the first descriptor's.
//! - A histogram is a directory of its own, holding one file per bucket.

use kernel::sync::Arc;

use super::{
    children::Children,
    group::Group,
    roots::View,
    source::{
        Shape,
        Source, //
    },
};

/// A directory of the tree, locked for a short look.
pub(crate) enum DirView<'a> {
    /// The top of the file system, as one view shows it: the registered sources of every
    /// view and of that one.
    Roots(Option<&'a Children<Arc<Source>>>, View),
    /// A source's directory.
    Source(&'a Shape),
}

/// An entry of a directory, as readdir reports it.
pub(crate) struct Entry<'a> {
    /// The entry's name, valid while the directory's lock and the group (if a value) are
    /// held.
    pub(crate) name: &'a [u8],
    /// Its inode number.
    pub(crate) ino: u64,
    /// Whether it is a directory (a source or a histogram).
    pub(crate) is_dir: bool,
}

impl<'a> DirView<'a> {
    /// The visible subordinate (or root) called `name`.
    pub(crate) fn child(&self, name: &[u8]) -> Option<&'a Arc<Source>> {
        match self {
            Self::Roots(roots, view) => {
                roots.and_then(|r| r.visible_where(name, |s| s.shows_in(*view)))
            }
            Self::Source(shape) => shape.children().visible(name).map(|c| c.source()),
        }
    }

    /// The value `name` of this directory, unless a subordinate has that name: the newest
    /// visible live group with a value called `name`, and the value's index.
    pub(crate) fn value(&self, name: &[u8]) -> Option<(&'a Arc<Group>, usize)> {
        let Self::Source(shape) = self else {
            return None;
        };
        if self.child(name).is_some() {
            return None;
        }
        shape
            .groups()
            .iter()
            .rev()
            .filter(|g| g.is_visible())
            .find_map(|g| g.live()?.index_by_name(name).map(|i| (g, i)))
    }

    /// Whether value `i` of `groups[n]` is an entry of this directory: its group is visible
    /// and live, and neither a subordinate nor a newer value has its name.
    fn shows_value(&self, shape: &Shape, n: usize, i: usize) -> bool {
        let groups = shape.groups();
        let group = &groups[n];
        if !group.is_visible() {
            return false;
        }
        let Some(live) = group.live() else {
            return false;
        };
        if i >= live.len() {
            return false;
        }
        let name = live.name(i);
        // The first descriptor of its group with that name...
        live.index_by_name(name) == Some(i)
            // ... no newer visible group has one ...
            && !groups[n + 1..].iter().any(|newer| {
                newer.is_visible()
                    && newer
                        .live()
                        .is_some_and(|newer| newer.index_by_name(name).is_some())
            })
            // ... and no subordinate is called so.
            && self.child(name).is_none()
    }

    /// Whether two entries of this directory share a name (the slow check, which writers
    /// make once per change, so that listings need not make it for every value).
    pub(crate) fn any_shadowed(&self) -> bool {
        let Self::Source(shape) = self else {
            return false;
        };
        shape.groups().iter().enumerate().any(|(n, group)| {
            group.is_visible()
                && group.is_live()
                && (0..group.len()).any(|i| !self.shows_value(shape, n, i))
        })
    }

    /// Whether a value of `group`, just added to this directory, shares its name with
    /// another entry: what [`DirView::any_shadowed`] finds of the group, without looking
    /// at the names of the entries that were there before.
    pub(crate) fn group_shadows(&self, group: &Group) -> bool {
        let Self::Source(shape) = self else {
            return false;
        };
        if !group.is_visible() {
            return false;
        }
        let Some(live) = group.live() else {
            return false;
        };
        let others = || {
            shape
                .groups()
                .iter()
                .filter(|other| !core::ptr::eq::<Group>(&***other, group) && other.is_visible())
        };
        (0..live.len()).any(|i| {
            let name = live.name(i);
            live.index_by_name(name) != Some(i)
                || self.child(name).is_some()
                || others().any(|other| {
                    other
                        .live()
                        .is_some_and(|other| other.index_by_name(name).is_some())
                })
        })
    }

    /// Whether `child`, just added to this directory, has the name of a value.
    pub(crate) fn child_shadows(&self, child: &Source) -> bool {
        let Self::Source(shape) = self else {
            return false;
        };
        let name = child.name().to_bytes();
        child.is_visible()
            && shape.groups().iter().any(|group| {
                group.is_visible()
                    && group
                        .live()
                        .is_some_and(|live| live.index_by_name(name).is_some())
            })
    }

    /// Whether value `i` of `groups[n]` is an entry: without shadowing, any value of a
    /// visible live group is.
    fn shown(&self, shape: &Shape, n: usize, i: usize) -> bool {
        if shape.shadowed() {
            return self.shows_value(shape, n, i);
        }
        let group = &shape.groups()[n];
        group.is_visible() && group.is_live() && i < group.len()
    }

    /// Whether value `index` of `group` is, right now, the entry its name gives.
    pub(crate) fn shows(&self, group: &Group, index: usize) -> bool {
        let Self::Source(shape) = self else {
            return false;
        };
        shape
            .groups()
            .iter()
            .position(|g| core::ptr::eq(&**g, group))
            .is_some_and(|n| self.shown(shape, n, index))
    }

    /// Calls `f` with each entry of this directory whose inode number is at least `from`,
    /// in increasing inode order, until `f` returns `false`. Each step costs `O(log n)` in
    /// the subordinates.
    ///
    /// Resuming from the inode number after the last entry seen is how readdir keeps its
    /// positions stable: an entry present for a whole listing is listed exactly once,
    /// whatever comes and goes meanwhile.
    pub(crate) fn entries_from(&self, mut from: u64, mut f: impl FnMut(Entry<'_>) -> bool) {
        loop {
            let child = match self {
                Self::Roots(roots, view) => roots
                    .and_then(|r| r.first_visible_where_from(from, |s| s.shows_in(*view)))
                    .cloned(),
                Self::Source(shape) => shape
                    .children()
                    .first_visible_from(from)
                    .map(|c| c.source().clone()),
            };
            let value = match self {
                Self::Roots(..) => None,
                Self::Source(shape) => self.value_from(shape, from),
            };
            let next = match (child, value) {
                (None, None) => return,
                (Some(c), Some((g, i))) if g.ino(i, None) < c.ino() => Err((g, i)),
                (Some(c), _) => Ok(c),
                (None, Some(v)) => Err(v),
            };
            let (ino, more) = match next {
                Ok(c) => (
                    c.ino(),
                    f(Entry {
                        name: c.name().to_bytes(),
                        ino: c.ino(),
                        is_dir: true,
                    }),
                ),
                Err((g, i)) => {
                    let Some(live) = g.live() else { return };
                    if i >= live.len() {
                        return;
                    }
                    let ino = g.ino(i, None);
                    (
                        ino,
                        f(Entry {
                            name: live.name(i),
                            ino,
                            is_dir: g.buckets(i) > 0,
                        }),
                    )
                }
            };
            if !more {
                return;
            }
            from = ino + 1;
        }
    }

    /// The first value entry whose inode number is at least `from`: the group and the
    /// value's index. Groups come by inode number.
    fn value_from<'s>(&self, shape: &'s Shape, from: u64) -> Option<(&'s Arc<Group>, usize)> {
        for (n, group) in shape.groups().iter().enumerate() {
            for i in group.index_from(from)..group.len() {
                if self.shown(shape, n, i) {
                    return Some((group, i));
                }
            }
        }
        None
    }

    /// Calls `f` with each run of value entries of this directory, in inode order: a group
    /// and a range of its values, all of them entries.
    pub(crate) fn for_each_run(&self, mut f: impl FnMut(&Arc<Group>, core::ops::Range<usize>)) {
        let Self::Source(shape) = self else { return };
        if !shape.shadowed() {
            for group in shape.groups().iter() {
                if group.is_visible() && group.is_live() && group.len() > 0 {
                    f(group, 0..group.len());
                }
            }
            return;
        }
        for (n, group) in shape.groups().iter().enumerate() {
            let mut i = 0;
            while i < group.len() {
                if !self.shown(shape, n, i) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < group.len() && self.shown(shape, n, i) {
                    i += 1;
                }
                f(group, start..i);
            }
        }
    }
}
