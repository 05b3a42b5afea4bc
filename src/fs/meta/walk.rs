// SPDX-License-Identifier: GPL-2.0

//! The walk of a subtree behind the metadata files, one source (a *record*) at a time.
//!
//! The walk visits the subtree depth first, children by inode number, and keeps only the
//! path from the directory to the current source. It holds no lock between steps: each
//! step takes the short lock of one directory to find the next child, and a record's
//! values are found under its source's lock and read after it is released. A step first
//! checks that the sources on the path are still where it found them; if one left, the
//! walk goes on from the next sibling of the last one that is still in place, so a source
//! present for the whole walk is never missed nor met twice.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::super::node::Target;
use crate::model::{
    group::Group,
    roots,
    source::Source,
    view::DirView, //
};

/// Values of a record: a group, and a range of its values, in inode order.
pub(crate) struct Run {
    pub(crate) group: Arc<Group>,
    pub(crate) values: core::ops::Range<usize>,
}

/// The depth-first walk of a subtree.
///
/// # Invariants
///
/// `path` holds the sources from just below the target's directory down to the current
/// source (empty: the target itself), each a visible subordinate of the one before when it
/// was pushed. They may have left the tree since; [`Walk::advance`] checks.
pub(crate) struct Walk {
    target: Target,
    path: KVec<Arc<Source>>,
    /// The index of the current record, `None` before the first.
    index: Option<u64>,
    done: bool,
}

impl Walk {
    /// A walk of `target`'s subtree, before its first record.
    pub(crate) fn new(target: Target) -> Self {
        Self {
            target,
            path: KVec::new(),
            index: None,
            done: false,
        }
    }

    /// The index of the current record, `None` before the first.
    pub(crate) fn index(&self) -> Option<u64> {
        self.index
    }

    /// Whether the directory is a histogram's own: its files are the buckets.
    pub(crate) fn in_histogram(&self) -> bool {
        matches!(self.target, Target::Histogram(..))
    }

    /// The sources from just below the directory down to the current record's.
    pub(crate) fn path(&self) -> &[Arc<Source>] {
        &self.path
    }

    /// Whether `path[i]` is still where the walk found it: in the tree, and a subordinate
    /// of the one before it (of the target at 0; a root under `Target::Root`).
    fn still_placed(&self, i: usize) -> bool {
        let shape = self.path[i].shape();
        if !shape.in_tree() {
            return false;
        }
        let expected = match (i, &self.target) {
            (0, Target::Root(_)) => None,
            (0, Target::Source(t)) => Some(t),
            (0, Target::Histogram(..)) => return false,
            _ => Some(&self.path[i - 1]),
        };
        match (shape.parent(), expected) {
            (None, None) => true,
            (Some(parent), Some(expected)) => Arc::ptr_eq(parent, expected),
            _ => false,
        }
    }

    /// The first visible subordinate of the source at depth `depth` (the target at 0) whose
    /// inode number is at least `from`.
    fn child_from(&self, depth: usize, from: u64) -> Option<Arc<Source>> {
        if depth > 0 {
            return self.path[depth - 1].child_from(from);
        }
        match &self.target {
            Target::Root(view) => roots::lock()
                .as_ref()?
                .first_visible_where_from(from, |s| s.shows_in(*view))
                .cloned(),
            Target::Source(t) => t.child_from(from),
            Target::Histogram(..) => None,
        }
    }

    /// Whether the target directory is in the tree.
    fn target_in_tree(&self) -> bool {
        match &self.target {
            Target::Root(_) => true,
            Target::Source(t) | Target::Histogram(t, ..) => t.shape().in_tree(),
        }
    }

    /// Moves to the next record; `false` at the end.
    fn advance(&mut self) -> Result<bool> {
        if self.done || matches!(self.target, Target::Histogram(..)) || !self.target_in_tree() {
            self.done = true;
            return Ok(false);
        }
        // The first source on the path that left its place, if one did.
        let broken = (0..self.path.len()).find(|&i| !self.still_placed(i));
        let mut depth = match broken {
            Some(i) => {
                self.path.truncate(i + 1);
                i + 1
            }
            None => {
                // Down to the first child of the current source, if it has one.
                if let Some(child) = self.child_from(self.path.len(), 0) {
                    self.path.push(child, GFP_KERNEL)?;
                    return Ok(true);
                }
                self.path.len()
            }
        };
        // Across to the next sibling, or up.
        while depth > 0 {
            let after = self.path[depth - 1].ino() + 1;
            self.path.truncate(depth - 1);
            if let Some(sibling) = self.child_from(depth - 1, after) {
                self.path.push(sibling, GFP_KERNEL)?;
                return Ok(true);
            }
            depth -= 1;
        }
        self.done = true;
        Ok(false)
    }

    /// Positions the walk on record `pos` (0 is the target itself); `false` past the end.
    pub(crate) fn seek(&mut self, pos: u64) -> Result<bool> {
        match self.index {
            Some(index) if pos == index => return Ok(!self.done),
            Some(index) if pos == index + 1 => {
                let more = self.advance()?;
                self.index = Some(pos);
                return Ok(more);
            }
            _ => {}
        }
        // From the start: a new walk (offset 0), or replayed up to `pos`.
        self.path.clear();
        self.done = false;
        self.index = Some(0);
        for i in 1..=pos {
            if !self.advance()? {
                return Ok(false);
            }
            self.index = Some(i);
        }
        Ok(true)
    }

    /// The values of the current record, in inode order, into `runs` (emptied first).
    pub(crate) fn runs(&self, runs: &mut KVec<Run>) -> Result {
        runs.clear();
        if self.done {
            return Ok(());
        }
        if let Target::Histogram(source, group, index) = &self.target {
            let current = {
                let shape = source.shape();
                shape.in_tree() && DirView::Source(&shape).shows(group, *index)
            };
            if current {
                let run = Run {
                    group: group.clone(),
                    values: *index..*index + 1,
                };
                runs.push(run, GFP_KERNEL)?;
            }
            return Ok(());
        }
        if !(0..self.path.len()).all(|i| self.still_placed(i)) {
            return Ok(());
        }
        let source = match (self.path.last(), &self.target) {
            (Some(source), _) | (None, Target::Source(source)) => source,
            _ => return Ok(()),
        };
        // Copied into memory allocated beforehand: a reader never allocates (and so never
        // sleeps) with a directory's lock held, which a writer of that directory waits for.
        loop {
            let mut full = false;
            {
                let shape = source.shape();
                if !shape.in_tree() {
                    return Ok(());
                }
                DirView::Source(&shape).for_each_run(|group, values| {
                    let run = Run {
                        group: group.clone(),
                        values,
                    };
                    full |= runs.push_within_capacity(run).is_err();
                });
            }
            if !full {
                return Ok(());
            }
            let want = runs.capacity().max(4) * 2;
            runs.clear();
            runs.reserve(want, GFP_KERNEL)?;
        }
    }
}
