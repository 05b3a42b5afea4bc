// SPDX-License-Identifier: GPL-2.0

//! A reader's buffer, filled from a file given piece by piece in file order.
//!
//! The files statsfs makes are never stored: each read makes them again, and only the part
//! the reader asked for (from its file position, as much as fits) is copied out. Small
//! pieces (a value of `.stats` is 8 bytes) are gathered in a buffer on the stack and
//! copied out a buffer at a time.

use kernel::iov::IovIterDest;

/// The bytes gathered before they are copied out.
const BUF: usize = 512;

/// The reader's side of a read: where the bytes it asked for go.
pub(crate) struct Sink<'a, 'd> {
    dest: &'a mut IovIterDest<'d>,
    /// The file offset of the next byte given.
    at: u64,
    /// The first file offset the reader asked for.
    pos: u64,
    /// How many more bytes the reader takes; zero once it wants no more, or a copy
    /// faulted.
    room: usize,
    /// Bytes taken but not yet copied out: `buf[..len]`.
    buf: [u8; BUF],
    len: usize,
    copied: usize,
}

impl<'a, 'd> Sink<'a, 'd> {
    /// A reader at file offset `pos`; the file is given from offset `at` on.
    pub(crate) fn new(dest: &'a mut IovIterDest<'d>, pos: u64, at: u64) -> Self {
        let room = dest.len();
        Self {
            dest,
            at,
            pos,
            room,
            buf: [0; BUF],
            len: 0,
            copied: 0,
        }
    }

    /// Gives the next `bytes` of the file; `false` once the reader wants no more.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> bool {
        if self.room == 0 {
            return false;
        }
        let end = self.at + bytes.len() as u64;
        if end > self.pos {
            // The part from the reader's position on (all of it once `at >= pos`), as
            // much as the reader takes.
            let skip = self.pos.saturating_sub(self.at) as usize;
            let want = &bytes[skip..];
            let want = &want[..want.len().min(self.room)];
            if want.len() > BUF - self.len {
                self.flush();
            }
            if self.room != 0 {
                if want.len() > BUF {
                    self.copy_out(want);
                } else {
                    self.buf[self.len..self.len + want.len()].copy_from_slice(want);
                    self.len += want.len();
                    self.room -= want.len();
                }
            }
        }
        self.at = end;
        self.room != 0
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

    /// Whether the reader wants no more.
    pub(crate) fn is_full(&self) -> bool {
        self.room == 0
    }

    /// Copies out what is gathered; returns how many bytes reached the reader in all.
    pub(crate) fn finish(mut self) -> usize {
        self.flush();
        self.copied
    }

    /// Copies out the gathered bytes.
    fn flush(&mut self) {
        let len = core::mem::take(&mut self.len);
        if len == 0 {
            return;
        }
        let n = self.dest.copy_to_iter(&self.buf[..len]);
        self.copied += n;
        if n < len {
            // A fault: the reader gets what was copied before it, and no more.
            self.room = 0;
        }
    }

    /// Copies `bytes`, which do not fit the buffer, straight out; the buffer is empty.
    fn copy_out(&mut self, bytes: &[u8]) {
        let n = self.dest.copy_to_iter(bytes);
        self.copied += n;
        self.room = if n < bytes.len() { 0 } else { self.room - n };
    }
}
