// SPDX-License-Identifier: GPL-2.0

//! The subordinates of a source, or the registered roots: a set of sources indexed twice.
//!
//! - By inode number, which is also creation order: iteration, readdir positions and the
//!   walks of the bulk files resume "after inode n" in `O(log n)`, and an entry present
//!   throughout is met exactly once however others come and go.
//! - By name, for the visible ones: lookup, revalidation and the duplicate check cost
//!   `O(log n)` however many siblings there are. The key is a hash of the name and the
//!   inode number; equal hashes are told apart by comparing the names.
//!
//! Both are red-black trees whose nodes are allocated before the tree lock is taken
//! ([`Children::reserve`]), so inserting under the lock cannot fail.

use core::ops::Deref;
use kernel::{
    prelude::*,
    rbtree::{
        RBTree,
        RBTreeNodeReservation, //
    },
};

use super::source::Source;
use crate::model::GFP_PUBLISHER;

/// A 64-bit FNV-1a hash of a name.
fn name_hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A set of sources, held through `V` (an `Arc` or a counted reference).
pub(crate) struct Children<V> {
    by_ino: RBTree<u64, V>,
    by_name: RBTree<(u64, u64), ()>,
}

/// The memory one insertion into a [`Children`] needs, allocated beforehand.
pub(crate) struct Reservation<V> {
    ino: RBTreeNodeReservation<u64, V>,
    name: RBTreeNodeReservation<(u64, u64), ()>,
}

impl<V> Reservation<V> {
    /// Allocates the nodes of one insertion. May sleep.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            ino: RBTreeNodeReservation::new(GFP_PUBLISHER)?,
            name: RBTreeNodeReservation::new(GFP_PUBLISHER)?,
        })
    }
}

impl<V: Deref<Target = Source>> Children<V> {
    /// An empty set. Allocates nothing.
    pub(crate) fn new() -> Self {
        Self {
            by_ino: RBTree::new(),
            by_name: RBTree::new(),
        }
    }

    /// Adds `source`; its inode number is not in the set yet.
    pub(crate) fn insert(&mut self, reservation: Reservation<V>, source: V) {
        let ino = source.ino();
        if source.is_visible() {
            let key = (name_hash(source.name().to_bytes()), ino);
            self.by_name.insert(reservation.name.into_node(key, ()));
        }
        // Inode numbers are unique: nothing is replaced.
        self.by_ino.insert(reservation.ino.into_node(ino, source));
    }

    /// Takes the source with inode number `ino` out, if it is in the set.
    pub(crate) fn remove(&mut self, ino: u64) -> Option<V> {
        let source = self.by_ino.remove(&ino)?;
        if source.is_visible() {
            self.by_name
                .remove(&(name_hash(source.name().to_bytes()), ino));
        }
        Some(source)
    }

    /// Takes out the source with the lowest inode number.
    pub(crate) fn pop_first(&mut self) -> Option<V> {
        let ino = *self.by_ino.cursor_front()?.current().0;
        self.remove(ino)
    }

    /// The visible source called `name`.
    pub(crate) fn visible(&self, name: &[u8]) -> Option<&V> {
        self.visible_where(name, |_| true)
    }

    /// The visible source called `name` for which `shown` holds (the roots' list may hold
    /// several of one name, each shown in its own view).
    pub(crate) fn visible_where(
        &self,
        name: &[u8],
        mut shown: impl FnMut(&Source) -> bool,
    ) -> Option<&V> {
        let hash = name_hash(name);
        let mut from = 0;
        // Names with the same hash, one after the other: almost always none or one.
        loop {
            let &(h, ino) = self.by_name.cursor_lower_bound(&(hash, from))?.current().0;
            if h != hash {
                return None;
            }
            let source = self.by_ino.get(&ino)?;
            if source.name().to_bytes() == name && shown(source) {
                return Some(source);
            }
            from = ino.checked_add(1)?;
        }
    }

    /// The source with the lowest inode number at least `ino`, in one descent of the tree.
    pub(crate) fn first_from(&self, ino: u64) -> Option<&V> {
        let found: *const V = self.by_ino.cursor_lower_bound(&ino)?.current().1;
        // SAFETY: `found` is the value of a node of `self.by_ino`, which `&self` borrows:
        // the node can neither be removed nor freed while the returned reference lives. The
        // cursor's API only ties it to the cursor's own, shorter, borrow of the tree.
        Some(unsafe { &*found })
    }

    /// The visible source with the lowest inode number at least `ino`.
    pub(crate) fn first_visible_from(&self, ino: u64) -> Option<&V> {
        self.first_visible_where_from(ino, |_| true)
    }

    /// The visible source with the lowest inode number at least `ino` for which `shown`
    /// holds.
    pub(crate) fn first_visible_where_from(
        &self,
        mut ino: u64,
        mut shown: impl FnMut(&Source) -> bool,
    ) -> Option<&V> {
        loop {
            let source = self.first_from(ino)?;
            if source.is_visible() && shown(source) {
                return Some(source);
            }
            ino = source.ino().checked_add(1)?;
        }
    }

    /// Whether the set is empty.
    #[cfg(MODULE)]
    pub(crate) fn is_empty(&self) -> bool {
        self.by_ino.is_empty()
    }
}
