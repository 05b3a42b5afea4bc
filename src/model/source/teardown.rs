// SPDX-License-Identifier: GPL-2.0

//! Teardown: what happens when the last reference to a source is put.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::{
    super::{
        group::Group,
        writer, //
    },
    links,
    Place,
    Retired,
    Source, //
};

/// Tears down `first`, whose last reference was just dropped, and the subordinates whose
/// last reference it held, iteratively: each leaves the roots' list, its groups are
/// revoked, and its references to its subordinates are put. Then, without the writer lock,
/// waits for the reads of the revoked groups in progress and prunes the dentries of the
/// torn-down directories.
///
/// Only `Arc`s that are provably not the last are dropped with the lock held: the last
/// ones go with the [`Retired`] list, in process context, with no lock held.
pub(super) fn teardown(first: Arc<Source>) {
    let mut retired = Retired::new();
    {
        let mut w = writer::lock();
        let mut work = Some(first);
        while let Some(source) = work.take() {
            work = source.writer.as_mut(&mut w).dead_next.take();
            // A source with a parent is held by it, so it is not torn down: at most a root.
            let unlinked = links::detach(&source, &mut w);
            // Its groups stay listed, revoked: lookups by descriptor read 0.
            let mut i = 0;
            loop {
                let group = source.shape().groups.get(i).cloned();
                let Some(group) = group else { break };
                links::retire_group(&group, &mut retired, &mut w);
                i += 1;
            }
            keep_one_revoked_per_array(&mut source.shape().groups);
            source.rev.bump();
            loop {
                let child = source.shape().children.pop_first();
                let Some(child) = child else { break };
                // Not the last `Arc` of `source`: the loop holds one.
                child.writer.as_mut(&mut w).place = Place::Detached;
                child.shape().parent = None;
                // Its memberships in `source`'s aggregates ended with them above.
                links::set_in_tree(child.source(), false, &mut w);
                let (arc, last) = child.into_arc_and_put();
                if last {
                    arc.writer.as_mut(&mut w).dead_next = work.take();
                    work = Some(arc);
                }
                // Otherwise `arc` is not the last `Arc`: its other references hold some.
            }
            links::bump_generations(&source, &w);
            // Dropped with the lock held: not the last `Arc`, `source` is another.
            drop(unlinked);
            retired.keep_source(source);
        }
    }
    retired.finish();
}

/// Drops revoked groups that another revoked group of the same descriptor array stands
/// for: one is enough for lookups by descriptor to find the array and read 0, so revoking
/// and adding a pair again, any number of times, does not grow the list.
pub(super) fn keep_one_revoked_per_array(groups: &mut KVec<Arc<Group>>) {
    let mut i = 0;
    while i < groups.len() {
        let dead = !groups[i].is_live();
        let earlier = groups[..i]
            .iter()
            .any(|g| !g.is_live() && g.array() == groups[i].array());
        if dead && earlier {
            // The dropped `Arc` is not the last: the caller's `Retired` holds one.
            let _ = groups.remove(i);
        } else {
            i += 1;
        }
    }
}
