// SPDX-License-Identifier: GPL-2.0

//! A reader's buffer, filled from a file given piece by piece in file order.
//!
//! The files statsfs makes are never stored: each read makes them again, and only the part
//! the reader asked for (from its file position, as much as fits) is copied out.

use kernel::iov::IovIterDest;

/// The reader's side of a read: where the bytes it asked for go.
pub(crate) struct Sink<'a, 'd> {
    dest: &'a mut IovIterDest<'d>,
    /// The file offset of the next byte given.
    at: u64,
    /// The first file offset the reader asked for.
    pos: u64,
    copied: usize,
    full: bool,
}

impl<'a, 'd> Sink<'a, 'd> {
    /// A reader at file offset `pos`; the file is given from offset `at` on.
    pub(crate) fn new(dest: &'a mut IovIterDest<'d>, pos: u64, at: u64) -> Self {
        let full = dest.is_empty();
        Self {
            dest,
            at,
            pos,
            copied: 0,
            full,
        }
    }

    /// Gives the next `bytes` of the file; `false` once the reader wants no more.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> bool {
        if self.full {
            return false;
        }
        let end = self.at + bytes.len() as u64;
        if end > self.pos {
            // The part from the reader's position on: all of it once `at >= pos`.
            let skip = self.pos.saturating_sub(self.at) as usize;
            let want = &bytes[skip..];
            let n = self.dest.copy_to_iter(want);
            self.copied += n;
            if n < want.len() || self.dest.is_empty() {
                self.full = true;
            }
        }
        self.at = end;
        !self.full
    }

    /// Gives `n` zero bytes; `false` once the reader wants no more.
    pub(crate) fn zeros(&mut self, mut n: usize) -> bool {
        const ZEROS: [u8; 64] = [0; 64];
        while n > 0 {
            let k = n.min(ZEROS.len());
            if !self.put(&ZEROS[..k]) {
                return false;
            }
            n -= k;
        }
        true
    }

    /// Moves on to file offset `to` without giving the bytes before it, which the reader
    /// does not want (`to` is at most its position).
    pub(crate) fn skip_to(&mut self, to: u64) {
        if to <= self.pos {
            self.at = self.at.max(to);
        }
    }

    /// The reader's position.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// How many bytes were copied to the reader.
    pub(crate) fn copied(&self) -> usize {
        self.copied
    }

    /// Whether the reader wants no more.
    pub(crate) fn is_full(&self) -> bool {
        self.full
    }
}
