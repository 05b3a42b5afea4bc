// SPDX-License-Identifier: GPL-2.0

//! `.stats`: a subtree in the layout of KVM's binary stats fd.
//!
//! One format in one file (about 580 lines): the header, the descriptors and the data
//! share the layout fixed at open and the cursor of the walk; apart, each part would need
//! the others' private state.
//!
//! The layout is that of `KVM_GET_STATS_FD` (`Documentation/virt/kvm/api.rst`), so that a
//! reader written for KVM's fd, with the structs of `<linux/kvm.h>`, reads it unchanged:
//!
//! - `struct kvm_stats_header` (`flags` 0, `name_size`, `num_desc`, `id_offset`,
//!   `desc_offset`, `data_offset`);
//! - the id, `name_size` bytes: `statsfs` and the directory's path, NUL-padded;
//! - `num_desc` times `struct kvm_stats_desc` followed by `name_size` bytes of name: the
//!   value's path relative to the directory, NUL-padded; `name_size` is the longest path
//!   or the id, and a NUL, rounded up to 8, so neither is ever cut;
//! - the data: each value's elements as `u64` at `data_offset + offset` (signed values as
//!   their two's complement).
//!
//! Nothing of it is stored. Opening the file walks the subtree once to fix the layout (the
//! number of values, the longest name, the size of the data), and each read walks it again
//! from the value at the reader's offset, reading the values afresh: memory does not grow
//! with the subtree, and a scraper reads the data block again and again with `pread()` at
//! the offsets the descriptors gave, reading data only. Sequential reads resume where the
//! last one stopped; a read elsewhere walks from the start.
//!
//! As with KVM's fd, the layout is fixed when the file is opened. If the values of the
//! subtree change (a VM comes or goes), the layout no longer describes them: reads then fail
//! with `-ESTALE`, and the reader opens the file again.
//!
//! The kind, unit and base of a value that does not say them are given as cumulative
//! (instant if floating), none and powers of 10.

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_void, //
    },
    iov::IovIterDest,
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
    types::ForeignOwnable,
};

use super::{
    super::{
        node::{
            Node,
            NodeKind,
            Target, //
        },
        sink::Sink,
    },
    record::{
        run_elements,
        RecordValues, //
    },
    walk::{
        Run,
        Walk, //
    },
};
use crate::model::{
    group::{
        Desc,
        Group,
        Kind,
        Unit,
        UnitBase, //
    },
    name::NAME_MAX,
    roots,
    source::Source,
};

/// The size of `struct kvm_stats_header` and of `struct kvm_stats_desc` without its name.
const HEADER_SIZE: u64 = 24;
const DESC_SIZE: u64 = 16;

/// The `KVM_STATS_*` flags of a value.
fn kvm_flags(desc: &Desc<'_>) -> u32 {
    let kind = match desc.kind() {
        Kind::Cumulative => 0,
        Kind::Instant => 1,
        Kind::Peak => 2,
        Kind::LinearHist => 3,
        Kind::LogHist => 4,
        Kind::Unknown if desc.floating() => 1,
        Kind::Unknown => 0,
    };
    let (unit, base, _) = desc.unit();
    let unit = match unit {
        Unit::Unknown | Unit::None => 0,
        Unit::Bytes => 1,
        Unit::Seconds => 2,
        Unit::Cycles => 3,
        Unit::Boolean => 4,
    };
    let base = match base {
        UnitBase::Unknown | UnitBase::Pow10 => 0,
        UnitBase::Pow2 => 1,
    };
    kind | unit << 4 | base << 8
}

/// The generation of the values below `target`.
fn generation(target: &Target) -> u64 {
    match target {
        Target::Root(_) => roots::generation(),
        Target::Source(source) | Target::Histogram(source, ..) => source.generation(),
    }
}

/// The length of the path of value `name` below the walk's directory.
fn path_len(path: &[Arc<Source>], name: &[u8]) -> usize {
    path.iter()
        .map(|s| s.name().to_bytes().len() + 1)
        .sum::<usize>()
        + name.len()
}

/// Where a walk of the subtree is, value by value.
struct Cursor {
    walk: Walk,
    /// The values of the current record, the run the cursor is in, and the value.
    runs: KVec<Run>,
    run: usize,
    at: usize,
    /// The index of the value the cursor is on in the whole walk, and of its first
    /// element in the data.
    desc: u64,
    element: u64,
    /// The current record: the index of its first value and of its first element, how
    /// many of each it has, its values, and whether they were read in this read of the
    /// file.
    record_desc: u64,
    record_element: u64,
    record_descs: u64,
    record_elements: u64,
    record: RecordValues,
    record_read: bool,
    started: bool,
}

impl Cursor {
    fn new(target: Target) -> Self {
        Self {
            walk: Walk::new(target),
            runs: KVec::new(),
            run: 0,
            at: 0,
            desc: 0,
            element: 0,
            record_desc: 0,
            record_element: 0,
            record_descs: 0,
            record_elements: 0,
            record: RecordValues::new(),
            record_read: false,
            started: false,
        }
    }

    /// Moves the walk on to the next record with values, from record `record`; at the end
    /// there is no run.
    fn load_from(&mut self, mut record: u64) -> Result {
        self.run = 0;
        self.at = 0;
        self.record_desc = self.desc;
        self.record_element = self.element;
        self.record_descs = 0;
        self.record_elements = 0;
        self.record_read = false;
        loop {
            self.runs.clear();
            if !self.walk.seek(record)? {
                return Ok(());
            }
            self.walk.runs(&mut self.runs)?;
            if let Some(first) = self.runs.first() {
                self.at = first.values.start;
                for run in self.runs.iter() {
                    self.record_descs += run.values.len() as u64;
                    self.record_elements += run_elements(run) as u64;
                }
                return Ok(());
            }
            record += 1;
        }
    }

    /// Back to the first value of the walk.
    fn rewind(&mut self) -> Result {
        self.desc = 0;
        self.element = 0;
        self.started = true;
        self.load_from(0)
    }

    /// The value the cursor is on; `None` at the end.
    fn current(&self) -> Option<(&Arc<Group>, usize)> {
        self.runs.get(self.run).map(|r| (&r.group, self.at))
    }

    /// Moves to the next value.
    fn step(&mut self) -> Result {
        let Some(run) = self.runs.get(self.run) else {
            return Ok(());
        };
        self.element += run.group.elements(self.at) as u64;
        self.desc += 1;
        self.at += 1;
        if self.at < run.values.end {
            return Ok(());
        }
        self.run += 1;
        if let Some(next) = self.runs.get(self.run) {
            self.at = next.values.start;
            return Ok(());
        }
        // On to the next record with values.
        let next = self.walk.index().map_or(0, |at| at + 1);
        self.load_from(next)
    }

    /// Moves to the first value of the next record with values (or the end).
    fn next_record(&mut self) -> Result {
        if self.runs.is_empty() {
            return Ok(());
        }
        self.desc = self.record_desc + self.record_descs;
        self.element = self.record_element + self.record_elements;
        let next = self.walk.index().map_or(0, |at| at + 1);
        self.load_from(next)
    }

    /// Moves to the value with index `k` (or the end).
    fn seek_desc(&mut self, k: u64) -> Result {
        if !self.started || self.desc > k {
            self.rewind()?;
        }
        while !self.runs.is_empty() && self.record_desc + self.record_descs <= k {
            self.next_record()?;
        }
        while self.desc < k && self.current().is_some() {
            self.step()?;
        }
        Ok(())
    }

    /// Moves to the record holding data element `e` (or the end).
    fn seek_record_of(&mut self, e: u64) -> Result {
        if !self.started || self.record_element > e {
            self.rewind()?;
        }
        while !self.runs.is_empty() && self.record_element + self.record_elements <= e {
            self.next_record()?;
        }
        Ok(())
    }
}

/// An open `.stats` file: its layout, fixed at open, and where its walk is.
#[pin_data]
pub(crate) struct StatsFile {
    target: Target,
    generation: u64,
    id: KVec<u8>,
    num_desc: u64,
    name_size: u64,
    data_len: u64,
    #[pin]
    cursor: Mutex<Cursor>,
}

impl StatsFile {
    /// Describes the subtree of `target`, walking it once.
    fn new(target: Target) -> Result<Pin<KBox<Self>>> {
        let generation = generation(&target);
        let mut id = KVec::new();
        id.extend_from_slice(b"statsfs", GFP_KERNEL)?;
        let dir = dir_path(&target)?;
        if !dir.is_empty() {
            id.push(b':', GFP_KERNEL)?;
            id.extend_from_slice(&dir, GFP_KERNEL)?;
        }
        let mut cursor = Cursor::new(target.clone());
        cursor.rewind()?;
        let mut longest = id.len();
        while let Some((group, i)) = cursor.current() {
            if let Some(name) = group.live().and_then(|live| live.desc(i)).map(|d| d.name()) {
                longest = longest.max(path_len(cursor.walk.path(), name.to_bytes()));
            }
            cursor.step()?;
        }
        let num_desc = cursor.desc;
        let data_len = cursor.element;
        // The longest name or the id, its NUL, rounded up to 8.
        let name_size = (longest as u64 + 1).next_multiple_of(8);
        // The header's fields and the descriptors' offsets are 32 bits.
        let data_offset = num_desc
            .checked_mul(DESC_SIZE + name_size)
            .and_then(|descs| descs.checked_add(HEADER_SIZE + name_size));
        let fits = data_offset.is_some_and(|d| u32::try_from(d).is_ok())
            && u32::try_from(data_len.saturating_mul(8)).is_ok();
        if !fits {
            return Err(EOVERFLOW);
        }
        let walked = target.clone();
        KBox::pin_init(
            pin_init!(Self {
                target,
                generation,
                id,
                num_desc,
                name_size,
                data_len,
                cursor <- new_mutex!(Cursor::new(walked), "StatsFile::cursor"),
            }),
            GFP_KERNEL,
        )
    }

    fn desc_offset(&self) -> u64 {
        HEADER_SIZE + self.name_size
    }

    fn desc_size(&self) -> u64 {
        DESC_SIZE + self.name_size
    }

    fn data_offset(&self) -> u64 {
        self.desc_offset() + self.num_desc * self.desc_size()
    }

    /// The size of the file.
    fn len(&self) -> u64 {
        self.data_offset() + self.data_len * 8
    }

    /// Whether the layout still describes the subtree.
    fn is_current(&self) -> bool {
        generation(&self.target) == self.generation
    }

    /// Copies the file from offset `pos` into `dest`; returns how many bytes.
    fn read(&self, pos: u64, dest: &mut IovIterDest<'_>) -> Result<usize> {
        if !self.is_current() {
            return Err(ESTALE);
        }
        let mut sink = Sink::new(dest, pos, 0);
        if pos < self.len() {
            self.read_head(&mut sink);
            let mut cursor = self.cursor.lock();
            // Every read reads the values afresh.
            cursor.record_read = false;
            self.read_descs(&mut sink, &mut cursor)?;
            self.read_data(&mut sink, &mut cursor)?;
        }
        // A change while reading may have mixed two layouts: say so rather than return it.
        if !self.is_current() {
            return Err(ESTALE);
        }
        Ok(sink.finish())
    }

    /// The header and the id.
    fn read_head(&self, sink: &mut Sink<'_, '_>) {
        if sink.pos() >= self.desc_offset() {
            sink.skip_to(self.desc_offset());
            return;
        }
        let mut header = [0u8; HEADER_SIZE as usize];
        // Checked to fit in 32 bits at open.
        let fields = [
            0,
            self.name_size as u32,
            self.num_desc as u32,
            HEADER_SIZE as u32,
            self.desc_offset() as u32,
            self.data_offset() as u32,
        ];
        for (chunk, field) in header.chunks_mut(4).zip(fields) {
            chunk.copy_from_slice(&field.to_ne_bytes());
        }
        if sink.put(&header) && sink.put(&self.id) {
            sink.zeros(self.name_size as usize - self.id.len());
        }
    }

    /// The descriptors, from the one at the reader's offset on.
    fn read_descs(&self, sink: &mut Sink<'_, '_>, cursor: &mut Cursor) -> Result {
        if sink.is_full() {
            return Ok(());
        }
        if sink.pos() >= self.data_offset() {
            sink.skip_to(self.data_offset());
            return Ok(());
        }
        // `desc_size` is at least `DESC_SIZE`: never zero.
        let first = (sink.pos().max(self.desc_offset()) - self.desc_offset())
            .checked_div(self.desc_size())
            .unwrap_or(0);
        cursor.seek_desc(first)?;
        sink.skip_to(self.desc_offset() + cursor.desc * self.desc_size());
        while cursor.desc < self.num_desc && !sink.is_full() {
            let Some((group, i)) = cursor.current() else {
                // The subtree changed: `read` sees it by its generation.
                break;
            };
            // The descriptor, taken from the group while it is held, and given to the
            // reader after: a page fault of the reader never holds the group.
            let mut head = [0u8; DESC_SIZE as usize];
            let mut name = [0u8; NAME_MAX];
            let mut name_len = 0;
            let mut flags = 0;
            let mut exponent = 0;
            let mut bucket_size = 0;
            if let Some(live) = group.live() {
                if let Some(desc) = live.desc(i) {
                    flags = kvm_flags(&desc);
                    exponent = desc.unit().2;
                    if group.buckets(i) > 0 {
                        bucket_size = desc.bucket_size();
                    }
                    let bytes = live.name(i);
                    name_len = bytes.len().min(NAME_MAX);
                    name[..name_len].copy_from_slice(&bytes[..name_len]);
                }
            }
            head[0..4].copy_from_slice(&flags.to_ne_bytes());
            head[4..6].copy_from_slice(&exponent.to_ne_bytes());
            // At most `HIST_MAX_BUCKETS` elements, and the data checked to fit at open.
            head[6..8].copy_from_slice(&(group.elements(i) as u16).to_ne_bytes());
            head[8..12].copy_from_slice(&((cursor.element * 8) as u32).to_ne_bytes());
            head[12..16].copy_from_slice(&bucket_size.to_ne_bytes());
            let mut len = name_len;
            let mut more = sink.put(&head);
            for s in cursor.walk.path() {
                more = more && sink.put(s.name().to_bytes()) && sink.put(b"/");
                len += s.name().to_bytes().len() + 1;
            }
            more = more
                && sink.put(&name[..name_len])
                && sink.zeros((self.name_size as usize).saturating_sub(len));
            if !more {
                // The next read goes on from this descriptor, without a walk from the
                // start.
                break;
            }
            cursor.step()?;
        }
        Ok(())
    }

    /// The data, from the element at the reader's offset on: a record at a time, its
    /// values read group by group ([`RecordValues`]) and then given to the reader.
    fn read_data(&self, sink: &mut Sink<'_, '_>, cursor: &mut Cursor) -> Result {
        if sink.is_full() {
            return Ok(());
        }
        let first = (sink.pos().max(self.data_offset()) - self.data_offset()) / 8;
        cursor.seek_record_of(first)?;
        // From the start of the record: the sink passes over what the reader is past.
        sink.skip_to(self.data_offset() + cursor.record_element * 8);
        while !sink.is_full() && cursor.current().is_some() {
            if !cursor.record_read {
                cursor.record.read(&cursor.runs)?;
                cursor.record_read = true;
            }
            if !sink.put(cursor.record.elements().as_bytes()) {
                break;
            }
            cursor.next_record()?;
        }
        Ok(())
    }
}

/// The path of directory `target` from the top of the file system, for the id.
fn dir_path(target: &Target) -> Result<KVec<u8>> {
    let (source, hist) = match target {
        Target::Root(_) => return Ok(KVec::new()),
        Target::Source(source) => (source.clone(), None),
        Target::Histogram(source, group, index) => (source.clone(), Some((group, *index))),
    };
    let mut names: KVec<Arc<Source>> = KVec::new();
    let mut s = Some(source);
    while let Some(source) = s {
        s = source.shape().parent().cloned();
        names.push(source, GFP_KERNEL)?;
    }
    let mut path = KVec::new();
    for s in names.iter().rev() {
        if !path.is_empty() {
            path.push(b'/', GFP_KERNEL)?;
        }
        path.extend_from_slice(s.name().to_bytes(), GFP_KERNEL)?;
    }
    if let Some((group, index)) = hist {
        if let Some(desc) = group.live().as_ref().and_then(|live| live.desc(index)) {
            path.push(b'/', GFP_KERNEL)?;
            path.extend_from_slice(desc.name().to_bytes(), GFP_KERNEL)?;
        }
    }
    Ok(path)
}

/// Opens `.stats` file `node`: walks its subtree once to fix the layout. Returns the open
/// file, or null with `*err` set.
///
/// # Safety
///
/// `node` is the `i_private` of a live `.stats` inode; `err` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_stats_open(
    node: *const Node,
    err: *mut c_int,
) -> *mut c_void {
    // SAFETY: A live metadata inode's `i_private` (safety requirement).
    let NodeKind::Meta(_, target) = (unsafe { Node::from_inode(node) }).kind() else {
        // SAFETY: Writable (safety requirement).
        unsafe { err.write(EINVAL.to_errno()) };
        return core::ptr::null_mut();
    };
    match StatsFile::new(target.clone()) {
        Ok(file) => file.into_foreign(),
        Err(e) => {
            // SAFETY: Writable (safety requirement).
            unsafe { err.write(e.to_errno()) };
            core::ptr::null_mut()
        }
    }
}

/// `read_iter` of `.stats` file `file`: copies it from `*pos` on into `iter` and moves
/// `*pos` past what was copied. Returns how many bytes, or a negative errno.
///
/// # Safety
///
/// `file` came from [`stats_fs_core_stats_open`] and is live; `iter` is a valid
/// destination iterator used by this task only; `pos` is writable.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_stats_read(
    file: *mut c_void,
    iter: *mut bindings::iov_iter,
    pos: *mut i64,
) -> isize {
    // SAFETY: From `stats_fs_core_stats_open` and live (safety requirement).
    let file = unsafe { <Pin<KBox<StatsFile>> as ForeignOwnable>::borrow(file) };
    // SAFETY: As required above.
    let (dest, at) = unsafe { (IovIterDest::from_raw(iter), *pos) };
    let Ok(start) = u64::try_from(at) else {
        return EINVAL.to_errno() as isize;
    };
    match file.read(start, dest) {
        Ok(n) => {
            // SAFETY: Writable (safety requirement). `n` is at most the request, which fits.
            unsafe { *pos = at + n as i64 };
            n as isize
        }
        Err(e) => e.to_errno() as isize,
    }
}

/// Frees `.stats` file `file`.
///
/// # Safety
///
/// `file` came from [`stats_fs_core_stats_open`] and is not used again.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_stats_release(file: *mut c_void) {
    // SAFETY: From `stats_fs_core_stats_open`, given back once (safety requirement).
    drop(unsafe { <Pin<KBox<StatsFile>> as ForeignOwnable>::from_foreign(file) });
}
