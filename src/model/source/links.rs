// SPDX-License-Identifier: GPL-2.0

//! How writers link sources and groups into the tree and take them out, keeping the
//! aggregates' member lists, the directories' revisions and the subtrees' generations up
//! to date. Everything here runs with the writer lock held.

use core::ptr;
use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::{
    super::{
        children::Reservation,
        group::Group,
        members,
        owners,
        roots,
        writer::WriterGuard, //
    },
    notice::Notice,
    EntriesChange,
    Place,
    Retired,
    Source,
    SourceRef, //
};
use crate::model::GFP_PUBLISHER;

/// What [`detach`] took out: the roots' `Arc`, or the parent's reference. To be dropped
/// after the writer lock is released: the reference may be the last.
pub(crate) enum Unlinked {
    /// A root, taken out of the roots' list.
    Root(#[expect(dead_code)] Arc<Source>),
    /// A subordinate: the reference its parent held, and the notice for the parent's
    /// watchers.
    Child(SourceRef, Option<Notice>),
}

impl Unlinked {
    /// Tells the watchers of the parent's directory, if any, that the subordinate went,
    /// and then drops what was taken out. Called without the writer lock.
    pub(crate) fn finish(self) {
        if let Self::Child(child, notice) = self {
            if let Some(notice) = notice {
                notice.send();
            }
            drop(child);
        }
    }
}

/// `source` and then each of its ancestors, as writers see them.
fn for_each_ancestor<'a>(source: &'a Source, w: &'a WriterGuard, mut f: impl FnMut(&'a Source)) {
    let mut s = source;
    loop {
        f(s);
        match s.parent_of(w) {
            Some(parent) => s = parent,
            None => return,
        }
    }
}

/// Whether `s` is `from` or one of its ancestors.
fn is_ancestor_or_self(from: &Source, s: *const Source, w: &WriterGuard) -> bool {
    let mut found = false;
    for_each_ancestor(from, w, |a| found |= ptr::eq(a, s));
    found
}

/// Calls `f` on every source of `root`'s subtree, `root` first, depth first (children by
/// inode number); only through visible children if `visible_only`. `f` must not change
/// the shape of the tree.
pub(super) fn for_each_below(
    root: &Arc<Source>,
    visible_only: bool,
    w: &mut WriterGuard,
    mut f: impl FnMut(&Arc<Source>, &mut WriterGuard),
) {
    let child_from = |s: &Source, ino: u64| {
        let shape = s.shape();
        let child = if visible_only {
            shape.children.first_visible_from(ino)
        } else {
            shape.children.first_from(ino)
        };
        child.map(|c| c.source().clone())
    };
    let mut node = root.clone();
    'down: loop {
        f(&node, w);
        if let Some(first) = child_from(&node, 0) {
            node = first;
            continue;
        }
        while !Arc::ptr_eq(&node, root) {
            let Some(up) = node.parent_of(w).cloned() else {
                return;
            };
            if let Some(sibling) = child_from(&up, node.ino() + 1) {
                node = sibling;
                continue 'down;
            }
            node = up;
        }
        return;
    }
}

/// Marks a change of the values below `source`: its generation and its ancestors' change.
pub(crate) fn bump_generations(source: &Source, w: &WriterGuard) {
    for_each_ancestor(source, w, |s| s.gen.bump());
    roots::bump_generation();
}

/// Sets whether the sources of `root`'s subtree have a directory: `on` for `root` and its
/// visible descendants reached through visible sources, or off for all of them. Their
/// directories' revisions change, so that cached dentries below are looked at again.
pub(crate) fn set_in_tree(root: &Arc<Source>, on: bool, w: &mut WriterGuard) {
    if on && !root.is_visible() {
        return;
    }
    for_each_below(root, on, w, |s, _w| {
        let mut shape = s.shape();
        shape.in_tree = on;
        s.rev.bump();
    });
}

/// The live aggregate groups of `source` and its ancestors.
fn aggregates_above(source: &Source, w: &WriterGuard) -> Result<KVec<Arc<Group>>> {
    let mut found = KVec::new();
    let mut result = Ok(());
    for_each_ancestor(source, w, |s| {
        for g in s.shape().groups.iter() {
            if result.is_ok() && !g.is_simple() && g.is_live() {
                result = found.push(g.clone(), GFP_KERNEL);
            }
        }
    });
    result?;
    Ok(found)
}

/// Adds `group`, new, to `source`, and makes it a member of the aggregates it counts in
/// (a simple group), or gives it its members (an aggregate).
pub(crate) fn add_group(source: &Arc<Source>, group: Arc<Group>, w: &mut WriterGuard) -> Result {
    // First everything that may fail, with nothing visible changed.
    let aggregates = if group.is_simple() {
        let mut aggregates = aggregates_above(source, w)?;
        aggregates.retain(|a| a.combines(&group));
        for a in aggregates.iter() {
            members::reserve(a, 1, w)?;
        }
        group.reserve_memberships(aggregates.len(), w)?;
        aggregates
    } else {
        KVec::new()
    };
    owners::reserve(&group, w)?;
    let mut new_members = KVec::new();
    if !group.is_simple() {
        let mut result = Ok(());
        for_each_below(source, false, w, |s, _w| {
            for g in s.shape().groups.iter() {
                if result.is_ok() && g.is_simple() && g.is_live() && group.combines(g) {
                    result = new_members.push(g.clone(), GFP_KERNEL);
                }
            }
        });
        result?;
        members::reserve(&group, new_members.len(), w)?;
        for m in new_members.iter() {
            m.reserve_memberships(1, w)?;
        }
    }
    {
        let mut shape = source.shape();
        shape.groups.reserve(1, GFP_PUBLISHER)?;
        // By inode number, which is the order groups were made in.
        let at = shape.groups.partition_point(|g| g.id() < group.id());
        // Cannot fail: room was just made.
        let _ = shape.groups.insert_within_capacity(at, group.clone());
        source.entries_changed(&mut shape, EntriesChange::Group(&group));
    }
    group.set_owner(ptr::from_ref::<Source>(source).cast(), w);
    owners::register(&group, w);
    for a in aggregates.iter() {
        members::join(a, &group, w);
    }
    for m in new_members.iter() {
        members::join(&group, m, w);
    }
    bump_generations(source, w);
    Ok(())
}

/// Deactivates `group`, ends its memberships (or its members', for an aggregate) and
/// keeps it in `retired` to be drained once the locks are released.
pub(crate) fn retire_group(group: &Arc<Group>, retired: &mut Retired, w: &mut WriterGuard) {
    if group.deactivate(w) {
        owners::unregister(group, w);
        if group.is_simple() {
            group.leave_where(w, |_, _| true);
        } else {
            members::clear(group, w);
        }
    }
    // Kept even if it was deactivated already: a concurrent revoke may still be draining
    // it, and this caller too must not return before the drain is over.
    retired.keep(group.clone());
}

/// Makes `child` a subordinate of `parent`, which takes the reference `child`; returns the
/// notice for the watchers of `parent`'s directory, to be sent after the writer lock is
/// released. On failure the reference comes back, to be dropped then.
pub(crate) fn attach(
    parent: &Arc<Source>,
    child: SourceRef,
    reservation: Reservation<SourceRef>,
    w: &mut WriterGuard,
) -> core::result::Result<Option<Notice>, (Error, SourceRef)> {
    if !matches!(child.writer.as_ref(w).place, Place::Detached) {
        return Err((EBUSY, child));
    }
    // No cycles: `child` must not be `parent` or one of its ancestors.
    if is_ancestor_or_self(parent, ptr::from_ref::<Source>(&child), w) {
        return Err((EINVAL, child));
    }
    if child.is_visible()
        && parent
            .shape()
            .children
            .visible(child.name().to_bytes())
            .is_some()
    {
        return Err((EEXIST, child));
    }
    let joins = match prepare_joins(parent, child.source(), w) {
        Ok(joins) => joins,
        Err(e) => return Err((e, child)),
    };
    let child_arc = child.source().clone();
    let parent_in_tree = {
        let mut shape = parent.shape();
        shape.children.insert(reservation, child);
        parent.entries_changed(&mut shape, EntriesChange::Child(&child_arc));
        shape.in_tree
    };
    // INVARIANT: `parent`'s children hold the child, and its shape names the parent.
    child_arc.writer.as_mut(w).place = Place::Child(parent.clone());
    child_arc.shape().parent = Some(parent.clone());
    for (aggregate, member) in joins.iter() {
        members::join(aggregate, member, w);
    }
    let mut notice = None;
    if parent_in_tree {
        set_in_tree(&child_arc, true, w);
        notice = Notice::new(parent, &child_arc, true);
    }
    bump_generations(parent, w);
    Ok(notice)
}

/// The (aggregate, member) pairs that attaching `child` below `parent` makes: every live
/// simple group of `child`'s subtree in every live aggregate of `parent` and its
/// ancestors with the same array. Room for them is made, so that the joins cannot fail.
fn prepare_joins(
    parent: &Source,
    child: &Arc<Source>,
    w: &mut WriterGuard,
) -> Result<KVec<(Arc<Group>, Arc<Group>)>> {
    let aggregates = aggregates_above(parent, w)?;
    let mut joins = KVec::new();
    if aggregates.is_empty() {
        return Ok(joins);
    }
    // How many members each aggregate gains.
    let mut gains = KVec::new();
    gains.extend_with(aggregates.len(), 0usize, GFP_KERNEL)?;
    let mut result = Ok(());
    for_each_below(child, false, w, |s, w| {
        for g in s.shape().groups.iter() {
            if result.is_err() || !g.is_simple() || !g.is_live() {
                continue;
            }
            let matching = aggregates.iter().filter(|a| a.combines(g)).count();
            result = g.reserve_memberships(matching, w);
            for (k, a) in aggregates.iter().enumerate() {
                if result.is_ok() && a.combines(g) {
                    gains[k] += 1;
                    result = joins
                        .push((a.clone(), g.clone()), GFP_KERNEL)
                        .map_err(Error::from);
                }
            }
        }
    });
    result?;
    for (a, &gain) in aggregates.iter().zip(gains.iter()) {
        members::reserve(a, gain, w)?;
    }
    Ok(joins)
}

/// Takes `source` out of the roots' list or its parent. What comes out must be dropped
/// after the writer lock is released.
pub(crate) fn detach(source: &Source, w: &mut WriterGuard) -> Option<Unlinked> {
    let place = core::mem::replace(&mut source.writer.as_mut(w).place, Place::Detached);
    let (this, unlinked) = match place {
        Place::Detached => return None,
        Place::Root => {
            let this = roots::remove(source.ino())?;
            (this.clone(), Unlinked::Root(this))
        }
        Place::Child(parent) => {
            let child = {
                let mut shape = parent.shape();
                let child = shape.children.remove(source.ino());
                parent.entries_changed(&mut shape, EntriesChange::Removed);
                child
            }?;
            let this = child.source().clone();
            this.shape().parent = None;
            // The subtree leaves the aggregates of `parent` and its ancestors.
            for_each_below(&this, false, w, |s, w| {
                for g in s.shape().groups.iter() {
                    g.leave_where(w, |aggregate, w| {
                        is_ancestor_or_self(&parent, aggregate.owner(w).cast(), w)
                    });
                }
            });
            bump_generations(&parent, w);
            let notice = Notice::new(&parent, &this, false);
            (this, Unlinked::Child(child, notice))
        }
    };
    set_in_tree(&this, false, w);
    roots::bump_generation();
    Some(unlinked)
}
